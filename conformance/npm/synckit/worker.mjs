// worker.mjs: synckit's README worker
import { runAsWorker } from 'synckit'

runAsWorker(async (...args) => {
  // do expensive work
  await new Promise((resolve) => setTimeout(resolve, 10))
  return args.reduce((a, b) => a + b, 0)
})
