// The seed says `worker.postMessage(sab, [sab])` throws
// "TypeError: SharedArrayBuffer cannot be transferred". Node 20 throws a TypeError with code
// ERR_INVALID_TRANSFER_OBJECT and the message "Found invalid object in transferList".
// Sent without a transfer list, the SharedArrayBuffer is shared.
import { Worker } from 'worker_threads';

const worker = new Worker('./worker.js');
const sab = new SharedArrayBuffer(1024);

try {
  worker.postMessage(sab, [sab]);
} catch (e) {
  console.log(`${e.name} [${e.code}]: ${e.message}`);
}

worker.postMessage({ sab });  // OK - 양쪽에서 접근 가능
worker.on('message', () => {
  console.log('main reads', new Int32Array(sab)[0]);
  worker.terminate();
});
