// E4: A Promise / WeakMap -> DataCloneError "#<Promise> could not be cloned." / "#<WeakMap> could not be cloned."
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
attempt('postMessage(Promise)', () => port1.postMessage(Promise.resolve(1)));
attempt('structuredClone(Promise)', () => structuredClone(new Promise(() => {})));
attempt('postMessage(WeakMap)', () => port1.postMessage(new WeakMap()));
attempt('structuredClone(WeakMap)', () => structuredClone(new WeakMap()));
attempt('structuredClone(WeakSet)', () => structuredClone(new WeakSet()));
console.log('delivered', String(receiveMessageOnPort(port2)));
port1.close();

/* expect:
postMessage(Promise) threw DataCloneError 25 #<Promise> could not be cloned.
structuredClone(Promise) threw DataCloneError 25 #<Promise> could not be cloned.
postMessage(WeakMap) threw DataCloneError 25 #<WeakMap> could not be cloned.
structuredClone(WeakMap) threw DataCloneError 25 #<WeakMap> could not be cloned.
structuredClone(WeakSet) threw DataCloneError 25 #<WeakSet> could not be cloned.
delivered undefined
*/
// expect-exit: 0
