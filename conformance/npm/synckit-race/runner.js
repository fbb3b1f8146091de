// Two synckit calls in a row (createSyncFn, unchanged library). The package is named by the
// environment: SYNCKIT=synckit (0.9.2, before un-ts/synckit#217) or synckit-fixed (0.11.7).
// Main keeps the answers as globals for the spec's outcomes.
const synckit = process.env.SYNCKIT || 'synckit'
const { createSyncFn } = require(synckit)

const syncFn = createSyncFn(require.resolve('./worker'))
globalThis.first = syncFn(20, 22)
globalThis.second = syncFn(1, 2, 3)
