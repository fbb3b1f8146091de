// A8: Transfer list 0, false, 'X', a Symbol -> TypeError ERR_INVALID_ARG_TYPE ("Optional transferList argument must be an iterable").
// Nothing is delivered for the rejected posts; a final good post is delivered.
const { MessageChannel, receiveMessageOnPort } = require('worker_threads');

const { port1, port2 } = new MessageChannel();
const variants = [
  ['0', 0],
  ['false', false],
  ["'X'", 'X'],
  ['Symbol', Symbol('t')],
  ['1', 1],
  ['true', true],
];
for (const [label, t] of variants) {
  try {
    port1.postMessage(label, t);
    console.log(label, 'no throw');
  } catch (e) {
    console.log(label, 'threw', e.name, String(e.code), e.message);
  }
}
port1.postMessage('good');
console.log('first queued', JSON.stringify(receiveMessageOnPort(port2)));
console.log('then', String(receiveMessageOnPort(port2)));
port1.close();

/* expect:
0 threw TypeError ERR_INVALID_ARG_TYPE Optional transferList argument must be an iterable
false threw TypeError ERR_INVALID_ARG_TYPE Optional transferList argument must be an iterable
'X' threw TypeError ERR_INVALID_ARG_TYPE Optional transferList argument must be an iterable
Symbol threw TypeError ERR_INVALID_ARG_TYPE Optional transferList argument must be an iterable
1 threw TypeError ERR_INVALID_ARG_TYPE Optional transferList argument must be an iterable
true threw TypeError ERR_INVALID_ARG_TYPE Optional transferList argument must be an iterable
first queued {"message":"good"}
then undefined
*/
// expect-exit: 0
