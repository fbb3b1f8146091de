// A3: receiveMessageOnPort(x) for a non-port throws TypeError ERR_INVALID_ARG_TYPE.
const { receiveMessageOnPort, MessageChannel } = require('worker_threads');

const { port1 } = new MessageChannel();
const cases = [
  ['undefined', undefined],
  ['null', null],
  ['number', 1],
  ['string', 'port'],
  ['object', {}],
  ['port-like', { postMessage() {}, on() {} }],
  ['Object.create(port proto)', Object.create(Object.getPrototypeOf(port1))],
];
for (const [label, x] of cases) {
  try {
    const r = receiveMessageOnPort(x);
    console.log(label, 'returned', String(r));
  } catch (e) {
    console.log(label, 'threw', e.name, String(e.code), e.message);
  }
}
port1.close();

/* expect:
undefined threw TypeError ERR_INVALID_ARG_TYPE The "port" argument must be a MessagePort instance
null threw TypeError ERR_INVALID_ARG_TYPE The "port" argument must be a MessagePort instance
number threw TypeError ERR_INVALID_ARG_TYPE The "port" argument must be a MessagePort instance
string threw TypeError ERR_INVALID_ARG_TYPE The "port" argument must be a MessagePort instance
object threw TypeError ERR_INVALID_ARG_TYPE The "port" argument must be a MessagePort instance
port-like threw TypeError ERR_INVALID_ARG_TYPE The "port" argument must be a MessagePort instance
Object.create(port proto) threw TypeError ERR_INVALID_ARG_TYPE The "port" argument must be a MessagePort instance
*/
// expect-exit: 0
