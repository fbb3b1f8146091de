// The built-ins worker libraries reach for, as Node has them: path, url, util, assert,
// events.once, timers/promises, a read-only fs, TextEncoder/TextDecoder, crypto's random
// functions (their shape), process.stdout.write and process's 'exit' event.
const path = require('node:path');
const url = require('url');
const util = require('util');
const assert = require('assert');
const fs = require('fs');
const { once, EventEmitter } = require('events');
const timers = require('timers/promises');
const crypto = require('crypto');

console.log(path.join('/a/b', '../c', './d.js'), path.resolve('/x', 'y', '..', 'z'), path.dirname('/a/b/c.txt'));
console.log(path.basename('/a/b/c.txt', '.txt'), path.extname('x.tar.gz'), path.relative('/a/b/c', '/a/d'), path.normalize('a//b/../c/'));
console.log(JSON.stringify(path.parse('/home/u/file.txt')), path.isAbsolute('./x'), path.sep);
const u = url.pathToFileURL('/tmp/a b#c.js');
console.log(u.href, url.fileURLToPath(u), new URL('../x.mjs', 'file:///a/b/c.mjs').href);
console.log(new URL('https://example.com:443/p/q?x=1#h').host, new URL('https://example.com/p?x=1&y=two').searchParams.get('y'));
try { url.fileURLToPath('https://x/y'); } catch (e) { console.log(e.code); }
console.log(util.types.isPromise(Promise.resolve()), util.isDeepStrictEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }), util.format('%s=%d', 'n', 5));
try { assert.strictEqual(1, 2); } catch (e) { console.log(e.code, e.name); }
try { assert.deepStrictEqual({ a: 1 }, { a: 1 }); assert.ok(true); console.log('deep ok'); } catch (e) { console.log('bad', e.message); }
assert.throws(() => { throw new TypeError('x'); }, TypeError);
console.log(fs.existsSync(__filename), fs.existsSync(__filename + '.nope'), fs.statSync(__dirname).isDirectory());
console.log(fs.readFileSync(__filename, 'utf8').split('\n')[0].slice(0, 16));
try { fs.readFileSync('/no/such/file'); } catch (e) { console.log(e.code, e.syscall); }
console.log(fs.statSync('/no/such', { throwIfNoEntry: false }));
const enc = new TextEncoder().encode('héllo €𝄞');
console.log(enc.length, new TextDecoder().decode(enc), new TextDecoder().decode(new Uint8Array([0xff, 0x41])));
console.log(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID()), crypto.getRandomValues(new Uint8Array(4)).length);
const promisified = util.promisify((a, cb) => setTimeout(() => cb(null, a * 2), 1));
(async () => {
  console.log('promisify', await promisified(21));
  console.log('timers/promises', await timers.setTimeout(5, 'later'));
  const e = new EventEmitter();
  setTimeout(() => e.emit('go', 1, 2), 1);
  console.log('once', JSON.stringify(await once(e, 'go')));
  process.stdout.write('partial ');
  process.stdout.write('line\n');
  process.stdout.write('at exit: ');
})();
process.on('exit', (code) => { console.log('exit', code); });
/* expect:
/a/c/d.js /x/z /a/b
c .gz ../../d a/c/
{"root":"/","dir":"/home/u","base":"file.txt","ext":".txt","name":"file"} false /
file:///tmp/a%20b%23c.js /tmp/a b#c.js file:///a/x.mjs
example.com two
ERR_INVALID_URL_SCHEME
true true n=5
ERR_ASSERTION AssertionError
deep ok
true false true
// The built-ins
ENOENT open
undefined
14 héllo €𝄞 �A
true 4
promisify 42
timers/promises later
once [1,2]
partial line
at exit: exit 0
*/
// expect-exit: 0
