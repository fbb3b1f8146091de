// Requires a file outside the spec's folder (harness/tests/verdicts/), which the spec does
// not allow: the run must say so, not read it.
const lib = require('../../../../runtime/tests/node/M01_modules/lib.js');
console.log(lib.name);
