  // ---------------------------------------------------------------- CommonJS modules
  // Inserted into bootstrap.js at its `@cjs` mark (thread.rs). Node's CommonJS loader, as
  // far as worker libraries use it: relative and absolute files (`.js`, `.json`, `.cjs`,
  // directories through `package.json` `main` or `index.js`), packages from `node_modules`
  // up the directory tree with `package.json` `exports` (subpaths, `*` patterns, the
  // `require`, `node` and `default` conditions) or `main`, a module cache, require.resolve,
  // require.cache and module.createRequire. The files are read through ops.readFile and
  // ops.stat, and compiled into Node's wrapper by ops.compileCommonJs.
  function makeModules(builtins, nodeError) {
    const REQUIRE = ['require', 'node', 'default'];
    const IMPORT = ['import', 'node', 'default'];
    const cache = Object.create(null);
    // Only for libraries that list them (`Object.keys(require.extensions)`): registering a
    // loader here changes nothing.
    const extensions = Object.assign(Object.create(null), {
      '.js': () => {}, '.json': () => {}, '.node': () => {},
    });
    function nodeModulePaths(from) {
      const out = [];
      for (let dir = from.startsWith('/') ? dirname(from) : process.cwd(); ; dir = dirname(dir)) {
        if (!dir.endsWith('/node_modules')) out.push(join(dir, 'node_modules'));
        if (dir === '/') return out;
      }
    }
    const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

    function normalize(path) {
      const absolute = path.startsWith('/');
      const out = [];
      for (const part of path.split('/')) {
        if (part === '' || part === '.') continue;
        if (part === '..') out.pop(); else out.push(part);
      }
      return (absolute ? '/' : '') + out.join('/');
    }
    const dirname = (p) => { const i = p.lastIndexOf('/'); return i <= 0 ? '/' : p.slice(0, i); };
    const join = (a, b) => normalize(a + '/' + b);
    const absolute = (p) => (p.startsWith('/') ? normalize(p) : join(process.cwd(), p));

    function notFound(request, from) {
      const e = new Error("Cannot find module '" + request + "'\nRequire stack:\n- " + from);
      e.code = 'MODULE_NOT_FOUND';
      e.requireStack = [from];
      return e;
    }
    function readJson(path) {
      const text = ops.readFile(path);
      if (text === undefined) return undefined;
      try {
        return JSON.parse(text);
      } catch (err) {
        err.message = path + ': ' + err.message;
        throw err;
      }
    }
    // What ops.stat says, where 'denied' (outside the folders the run may read) throws.
    function kind(p) {
      const k = ops.stat(p);
      if (k === 'denied') ops.readFile(p); // throws ERR_HEDDLE_READ_DENIED, naming the path
      return k;
    }
    function asFile(p) {
      if (kind(p) === 'file') return p;
      for (const ext of ['.js', '.json']) if (kind(p + ext) === 'file') return p + ext;
      return undefined;
    }
    function asDirectory(p) {
      if (kind(p) !== 'dir') return undefined;
      const pkg = readJson(p + '/package.json');
      if (pkg && typeof pkg.main === 'string') {
        const main = join(p, pkg.main);
        const found = asFile(main) ?? asIndex(main);
        if (found) return found;
      }
      return asIndex(p);
    }
    function asIndex(p) {
      for (const name of ['index.js', 'index.json']) if (ops.stat(p + '/' + name) === 'file') return p + '/' + name;
      return undefined;
    }

    // package.json `exports`: the target for `subpath` ('.' or './x'), or null if the
    // package does not export it.
    function exportsTarget(pkgDir, exp, subpath, conditions) {
      const isConditions = (o) => o && typeof o === 'object' && !Array.isArray(o) &&
        !Object.keys(o).some((k) => k.startsWith('.'));
      const map = typeof exp === 'string' || Array.isArray(exp) || isConditions(exp) ? { '.': exp } : exp;
      const resolveTarget = (t, star) => {
        if (typeof t === 'string') {
          if (!t.startsWith('./')) return null;
          return join(pkgDir, star === undefined ? t : t.split('*').join(star));
        }
        if (Array.isArray(t)) {
          for (const x of t) { const r = resolveTarget(x, star); if (r) return r; }
          return null;
        }
        if (t && typeof t === 'object') {
          for (const k of Object.keys(t)) {
            if (conditions.includes(k)) {
              const r = resolveTarget(t[k], star);
              if (r !== undefined) return r;
            }
          }
          return undefined;
        }
        return null;
      };
      if (hasOwn(map, subpath) && !subpath.includes('*')) return resolveTarget(map[subpath]) ?? null;
      let best = null;
      for (const key of Object.keys(map)) {
        const star = key.indexOf('*');
        if (star < 0) continue;
        const before = key.slice(0, star), after = key.slice(star + 1);
        if (subpath.startsWith(before) && subpath.endsWith(after) && subpath.length >= key.length - 1) {
          if (!best || before.length > best.before.length) best = { key, before, after };
        }
      }
      if (!best) return null;
      const middle = subpath.slice(best.before.length, subpath.length - best.after.length);
      return resolveTarget(map[best.key], middle) ?? null;
    }

    function resolvePackage(request, fromDir, from, conditions) {
      const parts = request.split('/');
      const nameLength = request.startsWith('@') ? 2 : 1;
      const name = parts.slice(0, nameLength).join('/');
      const rest = parts.slice(nameLength).join('/');
      for (let dir = fromDir; ; dir = dirname(dir)) {
        const pkgDir = join(dir, 'node_modules/' + name);
        if (kind(pkgDir) === 'dir') {
          const pkg = readJson(pkgDir + '/package.json');
          if (pkg && pkg.exports !== undefined && pkg.exports !== null) {
            const subpath = rest ? './' + rest : '.';
            const target = exportsTarget(pkgDir, pkg.exports, subpath, conditions);
            if (!target) {
              const e = new Error((subpath === '.' ? 'No "exports" main defined' : "Package subpath '" + subpath + "' is not defined by \"exports\"") + ' in ' + pkgDir + '/package.json');
              e.code = subpath === '.' ? 'ERR_PACKAGE_PATH_NOT_EXPORTED' : 'ERR_PACKAGE_PATH_NOT_EXPORTED';
              throw e;
            }
            if (ops.stat(target) === 'file') return target;
            throw notFound(target, from);
          }
          const found = rest ? (asFile(join(pkgDir, rest)) ?? asDirectory(join(pkgDir, rest))) : asDirectory(pkgDir);
          if (found) return found;
        }
        if (dir === '/') break;
      }
      throw notFound(request, from);
    }

    // The file `request` names from the module `from` (a path), or `node:x` for a builtin.
    function resolve(request, from, conditions = REQUIRE) {
      request = String(request);
      const bare = request.startsWith('node:') ? request.slice(5) : request;
      if (hasOwn(builtins, bare)) return 'node:' + bare;
      if (request.startsWith('node:')) throw notFound(request, from);
      const fromDir = from.startsWith('/') ? dirname(from) : process.cwd();
      if (request.startsWith('/') || request === '.' || request === '..' ||
          request.startsWith('./') || request.startsWith('../')) {
        const p = request.startsWith('/') ? normalize(request) : join(fromDir, request);
        const found = asFile(p) ?? asDirectory(p);
        if (found) return found;
        throw notFound(request, from);
      }
      return resolvePackage(request, fromDir, from, conditions);
    }

    function isModuleFile(filename) {
      if (filename.endsWith('.mjs')) return true;
      if (filename.endsWith('.cjs') || filename.endsWith('.json')) return false;
      for (let dir = dirname(filename); ; dir = dirname(dir)) {
        const pkg = ops.stat(dir + '/package.json') === 'file' ? readJson(dir + '/package.json') : undefined;
        if (pkg) return pkg.type === 'module';
        if (dir === '/') return false;
      }
    }

    function load(filename, parent) {
      if (cache[filename]) return cache[filename].exports;
      const module = { id: filename, filename, path: dirname(filename), exports: {}, loaded: false, children: [], parent, paths: nodeModulePaths(filename) };
      if (parent) parent.children.push(module);
      if (filename.endsWith('.json')) {
        module.exports = readJson(filename);
        module.loaded = true;
        cache[filename] = module;
        return module.exports;
      }
      if (isModuleFile(filename)) {
        const e = new Error('require() of ES Module ' + filename + (parent ? ' from ' + parent.filename : '') + ' not supported.');
        e.code = 'ERR_REQUIRE_ESM';
        throw e;
      }
      const code = ops.readFile(filename);
      if (code === undefined) throw notFound(filename, parent ? parent.filename : filename);
      const wrapper = ops.compileCommonJs(code, filename);
      cache[filename] = module;
      module.require = makeRequire(filename, module);
      try {
        wrapper.call(module.exports, module.exports, module.require, module, filename, module.path);
      } catch (err) {
        delete cache[filename];
        throw err;
      }
      module.loaded = true;
      return module.exports;
    }

    // The `require` of the module at `filename` (a path; anything else resolves from the
    // working directory, as `[worker eval]` code does in Node).
    function makeRequire(filename, module) {
      function require(request) {
        if (typeof request !== 'string') {
          throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "id" argument must be of type string. Received ' + (request === null ? 'null' : typeof request));
        }
        if (request === '') {
          throw nodeError(TypeError, 'ERR_INVALID_ARG_VALUE', "The argument 'id' must be a non-empty string. Received ''");
        }
        const target = resolve(request, filename);
        if (target.startsWith('node:')) return builtins[target.slice(5)];
        return load(target, module);
      }
      require.resolve = (request) => {
        const target = resolve(request, filename);
        return target.startsWith('node:') ? request : target;
      };
      require.resolve.paths = (request) => (/^\.\.?(\/|$)|^\//.test(request) ? null : nodeModulePaths(filename));
      require.cache = cache;
      require.extensions = extensions;
      require.main = mainModule;
      return require;
    }

    let mainModule;
    return {
      // An ES module's bare import: the file (or `node:x`) it names, by the `import`
      // condition.
      resolveImport: (specifier, referrer) => resolve(specifier, referrer, IMPORT),
      // A CommonJS file an ES module imports: its exports.
      requireFile: (filename) => load(filename, undefined),
      // The require of an entry script (a file, or '[worker eval]').
      requireFrom(filename) {
        const name = String(filename);
        if (name.startsWith('/')) {
          mainModule = mainModule ?? { id: '.', filename: name, path: dirname(name), exports: {}, loaded: false, children: [] };
          cache[name] = cache[name] ?? mainModule;
        }
        return makeRequire(name.startsWith('/') ? name : '[eval]', mainModule);
      },
      createRequire(from) {
        let name = from && typeof from === 'object' && typeof from.href === 'string' ? from.href : String(from);
        if (name.startsWith('file://')) name = decodeURIComponent(name.slice('file://'.length));
        if (!name.startsWith('/')) {
          throw nodeError(TypeError, 'ERR_INVALID_ARG_VALUE', "The argument 'filename' must be a file URL object, file URL string, or absolute path string. Received " + JSON.stringify(from));
        }
        return makeRequire(absolute(name), undefined);
      },
    };
  }
