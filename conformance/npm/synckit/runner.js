// runner.js: synckit's README example in CommonJS (the README writes it as an ES module that
// calls require.resolve, which Node runs in neither form; runner.mjs is the ES module one).
const { createSyncFn } = require('synckit')

// the worker path must be absolute
const syncFn = createSyncFn(require.resolve('./worker'))

// do whatever you want, you will get the result synchronously!
const result = syncFn(20, 22)
console.log('result', result)
console.log('again', syncFn(1, 2, 3))
