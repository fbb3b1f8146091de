import { parentPort } from 'worker_threads';

parentPort.once('message', ({ data, buffer, shared }) => {
  new Uint8Array(shared)[0] = 42; // visible to main: shared memory
  parentPort.postMessage(`worker got ${data.name}, buffer ${buffer.byteLength}, shared ${shared.byteLength}`);
});
