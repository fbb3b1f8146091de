// piscina's README ES module worker, unchanged (worker.mjs)
export default ({ a, b }) => {
  return a + b;
};
