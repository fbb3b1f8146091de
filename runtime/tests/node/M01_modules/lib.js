exports.name = 'lib';
exports.loads = (exports.loads || 0) + 1;
exports.paths = [require('./dir') === require('./dir/index.js'), module.id === __filename];
