// piscina's README async worker (timers/promises), driven with several tasks at once
const path = require("path");
const Piscina = require("piscina");
const piscina = new Piscina({ filename: path.resolve(__dirname, "async-worker.js") });
(async function () {
  const results = await Promise.all([1, 2, 3, 4, 5].map((a) => piscina.run({ a, b: 10 })));
  console.log(results.join(" "));
  console.log("completed", piscina.completed);
  await piscina.destroy();
})();
