// piscina's README worker, unchanged (worker.js)
module.exports = ({ a, b }) => {
  return a + b;
};
