// E1: A function -> DataCloneError "function foo() {} could not be cloned."
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
attempt('postMessage(function)', () => port1.postMessage(function foo() {}));
attempt('structuredClone(function)', () => structuredClone(function foo() {}));
attempt('nested arrow', () => structuredClone({ deep: [1, { f: () => 1 }] }));
attempt('class', () => port1.postMessage(class K {}));
console.log('delivered', String(receiveMessageOnPort(port2)));
port1.close();

/* expect:
postMessage(function) threw DataCloneError 25 function foo() {} could not be cloned.
structuredClone(function) threw DataCloneError 25 function foo() {} could not be cloned.
nested arrow threw DataCloneError 25 () => 1 could not be cloned.
class threw DataCloneError 25 class K {} could not be cloned.
delivered undefined
*/
// expect-exit: 0
