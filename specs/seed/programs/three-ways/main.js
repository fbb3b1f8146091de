// The seed's "three ways" example: copy, transfer, share in one postMessage.
import { Worker } from 'worker_threads';

const worker = new Worker('./worker.js');

const data = { name: "test" };              // 일반 객체
const buffer = new ArrayBuffer(1024);       // Transferable
const shared = new SharedArrayBuffer(1024); // SharedArrayBuffer

worker.postMessage(
  { data, buffer, shared },  // 메시지
  [buffer]                    // transfer list (소유권 이전할 것들)
);

// 전송 후:
console.log(data);              // { name: "test" } - 그대로 (복사본 전송됨)
console.log(buffer.byteLength); // 0 - Detach됨 (소유권 이전)
console.log(shared.byteLength); // 1024 - 그대로! (공유)

worker.on('message', (m) => {
  console.log(m, new Uint8Array(shared)[0]);
  worker.terminate();
});
