// E3: A Symbol -> DataCloneError "Symbol(x) could not be cloned."
const { MessageChannel, receiveMessageOnPort } = require('worker_threads');

const { port1, port2 } = new MessageChannel();
function attempt(label, fn) {
  try {
    fn();
    console.log(label, 'no throw');
  } catch (e) {
    console.log(label, 'threw', e.name, String(e.code), e.message);
  }
}
attempt('postMessage(Symbol(x))', () => port1.postMessage(Symbol('x')));
attempt('structuredClone(Symbol(x))', () => structuredClone(Symbol('x')));
attempt('nested Symbol()', () => structuredClone({ a: [Symbol()] }));
// symbol-keyed properties are skipped silently, not an error
const r = structuredClone({ [Symbol('k')]: 1, plain: 2 });
console.log('symbol keys dropped', JSON.stringify(r), Object.getOwnPropertySymbols(r).length);
console.log('delivered', String(receiveMessageOnPort(port2)));
port1.close();

/* expect:
postMessage(Symbol(x)) threw DataCloneError 25 Symbol(x) could not be cloned.
structuredClone(Symbol(x)) threw DataCloneError 25 Symbol(x) could not be cloned.
nested Symbol() threw DataCloneError 25 Symbol() could not be cloned.
symbol keys dropped {"plain":2} 0
delivered undefined
*/
// expect-exit: 0
