// A6: onmessage gets an event with .data and .target === port; on('message') gets the raw value.
const { MessageChannel } = require('worker_threads');

const a = new MessageChannel();
const b = new MessageChannel();
let pending = 2;
function done() { if (--pending === 0) { a.port1.close(); b.port1.close(); } }

a.port2.onmessage = function (ev) {
  console.log('onmessage typeof', typeof ev);
  console.log('onmessage is MessageEvent', ev.constructor.name === 'MessageEvent');
  console.log('onmessage .data', JSON.stringify(ev.data));
  console.log('onmessage .target === port', ev.target === a.port2);
  console.log('onmessage .type', ev.type);
  done();
  second(); // the second channel starts only after the first listener ran
};
a.port1.postMessage({ x: 1 });

function second() {
  b.port2.on('message', (v) => {
    console.log('on(message) typeof', typeof v);
    console.log('on(message) value', JSON.stringify(v));
    console.log('on(message) has .data', v !== null && typeof v === 'object' && 'data' in v);
    done();
  });
  b.port1.postMessage({ y: 2 });
}

/* expect:
onmessage typeof object
onmessage is MessageEvent true
onmessage .data {"x":1}
onmessage .target === port true
onmessage .type message
on(message) typeof object
on(message) value {"y":2}
on(message) has .data false
*/
// expect-exit: 0
