// CommonJS require as Node has it: relative files with and without extensions, JSON, a
// directory's index.js, the module cache, packages from node_modules through `main`, a
// scoped package, `exports` with the `require` condition, subpaths and `*` patterns, a
// subpath the package does not export, a missing module, require.resolve,
// require.main === module, module.createRequire, and an absolute __filename.
const path = './M01_modules/';
const lib = require(path + 'lib');
const again = require(path + 'lib.js');
console.log(lib.name, lib === again, lib.loads, lib.paths.join(' '));
console.log(JSON.stringify(require(path + 'data.json')), JSON.stringify(require(path + 'dir')));
const { createRequire } = require('node:module');
const r = createRequire(__dirname + '/M01_modules/lib.js');
console.log(r('cond'), r('cond/feature'), r('cond/sub/one'));
console.log(r('mainpkg')());
for (const bad of ['cond/lib/cjs.cjs', './missing', 'no-such-package']) {
  try { r(bad); } catch (e) { console.log(e.code); }
}
console.log(r.resolve('cond').endsWith('/M01_modules/node_modules/cond/lib/cjs.cjs'));
console.log(require.main === module, __filename.startsWith('/'), typeof require.cache);
/* expect:
lib true 1 true true
{"answer":42} {"dir":true,"parent":42}
cond via require feature sub-feature
mainpkg scoped
ERR_PACKAGE_PATH_NOT_EXPORTED
MODULE_NOT_FOUND
MODULE_NOT_FOUND
true
true true object
*/
// expect-exit: 0
