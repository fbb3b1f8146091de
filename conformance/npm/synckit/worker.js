// worker.js: synckit's README worker in CommonJS
const { runAsWorker } = require('synckit')

runAsWorker(async (...args) => {
  // do expensive work
  await new Promise((resolve) => setTimeout(resolve, 10))
  return args.reduce((a, b) => a + b, 0)
})
