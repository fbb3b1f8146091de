// runner.mjs: synckit's README example; `require` made as an ES module makes it.
import { createRequire } from 'node:module'
import { createSyncFn } from 'synckit'

const require = createRequire(import.meta.url)

// the worker path must be absolute
const syncFn = createSyncFn(require.resolve('./worker.mjs'))

// do whatever you want, you will get the result synchronously!
const result = syncFn(20, 22)
console.log('result', result)
