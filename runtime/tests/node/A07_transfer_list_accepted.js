// A7: Transfer list null, undefined, [], {}, {transfer: undefined}, {transfer: []} all deliver.
const { MessageChannel } = require('worker_threads');

const { port1, port2 } = new MessageChannel();
const variants = [
  ['null', null],
  ['undefined', undefined],
  ['[]', []],
  ['{}', {}],
  ['{transfer: undefined}', { transfer: undefined }],
  ['{transfer: []}', { transfer: [] }],
];
const got = [];
port2.on('message', (m) => {
  got.push(m);
  if (got.length === variants.length) {
    console.log('delivered', JSON.stringify(got));
    port2.close();
  }
});
for (const [label, t] of variants) {
  try {
    port1.postMessage(label, t);
    console.log('posted with', label);
  } catch (e) {
    console.log('threw', label, e.name, String(e.code), e.message);
  }
}

/* expect:
posted with null
posted with undefined
posted with []
posted with {}
posted with {transfer: undefined}
posted with {transfer: []}
delivered ["null","undefined","[]","{}","{transfer: undefined}","{transfer: []}"]
*/
// expect-exit: 0
