// The worker of runner.js: its answer after an async pause.
const { runAsWorker } = require(process.env.SYNCKIT || 'synckit')

runAsWorker(async (...args) => {
  await new Promise((resolve) => setTimeout(resolve, 10))
  return args.reduce((a, b) => a + b, 0)
})
