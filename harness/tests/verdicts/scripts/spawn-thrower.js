const { Worker } = require('worker_threads');
new Worker("throw new Error('script worker failed')", { eval: true }).on('error', () => {});
