module.exports = { dir: true, parent: require('../data.json').answer };
