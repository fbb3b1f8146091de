  // ---------------------------------------------------------------- Node's built-in modules
  // Inserted into bootstrap.js at its `@builtins` mark (thread.rs). The modules worker
  // libraries use, as far as they use them: path (POSIX), url (URL, fileURLToPath,
  // pathToFileURL), util, assert, os, perf_hooks, timers/promises, a read-only fs, and
  // crypto's random functions (Math.random underneath, which a controlling scheduler seeds).
  // What is left out throws a plain error naming itself rather than half-working.
  function makeBuiltins(nodeError, inspect, format, timers, EventEmitter) {
    const unsupported = (what) => () => {
      throw nodeError(Error, 'ERR_HEDDLE_UNSUPPORTED', what + ' is not supported by Heddle');
    };
    const str = (v, name) => {
      if (typeof v !== 'string') {
        throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "' + name + '" argument must be of type string. Received ' + (v === null ? 'null' : typeof v));
      }
      return v;
    };

    // ------------------------------------------------------------ path
    function normalizeParts(p, absolute) {
      const out = [];
      for (const part of p.split('/')) {
        if (part === '' || part === '.') continue;
        if (part === '..') {
          if (out.length && out[out.length - 1] !== '..') out.pop();
          else if (!absolute) out.push('..');
        } else out.push(part);
      }
      return out;
    }
    const path = {
      sep: '/',
      delimiter: ':',
      normalize(p) {
        str(p, 'path');
        if (p === '') return '.';
        const absolute = p.startsWith('/');
        const trailing = p.endsWith('/');
        let out = normalizeParts(p, absolute).join('/');
        if (out === '' && !absolute) out = '.';
        if (out !== '' && trailing) out += '/';
        return (absolute ? '/' : '') + out;
      },
      join(...parts) {
        for (const p of parts) str(p, 'path');
        const joined = parts.filter((p) => p !== '').join('/');
        return joined === '' ? '.' : path.normalize(joined);
      },
      resolve(...parts) {
        let resolved = '';
        for (let i = parts.length - 1; i >= -1 && !resolved.startsWith('/'); i--) {
          const p = i >= 0 ? str(parts[i], 'paths[' + i + ']') : process.cwd();
          if (p === '') continue;
          resolved = p + (resolved ? '/' + resolved : '');
        }
        const out = '/' + normalizeParts(resolved, true).join('/');
        return out;
      },
      isAbsolute: (p) => str(p, 'path').startsWith('/'),
      dirname(p) {
        str(p, 'path');
        if (p === '') return '.';
        const trimmed = p.length > 1 ? p.replace(/\/+$/, '') : p;
        const i = trimmed.lastIndexOf('/');
        if (i < 0) return '.';
        if (i === 0) return '/';
        return trimmed.slice(0, i);
      },
      basename(p, ext) {
        str(p, 'path');
        const trimmed = p.length > 1 ? p.replace(/\/+$/, '') : p;
        let base = trimmed.slice(trimmed.lastIndexOf('/') + 1);
        if (typeof ext === 'string' && ext !== base && base.endsWith(ext)) base = base.slice(0, base.length - ext.length);
        return base;
      },
      extname(p) {
        const base = path.basename(p);
        const i = base.lastIndexOf('.');
        return i <= 0 ? '' : base.slice(i);
      },
      relative(from, to) {
        const a = path.resolve(from).split('/').filter(Boolean);
        const b = path.resolve(to).split('/').filter(Boolean);
        let i = 0;
        while (i < a.length && i < b.length && a[i] === b[i]) i++;
        return [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/');
      },
      parse(p) {
        const root = str(p, 'path').startsWith('/') ? '/' : '';
        const base = path.basename(p);
        const ext = path.extname(p);
        const dir = p.includes('/') ? path.dirname(p) : '';
        return { root, dir, base, ext, name: ext ? base.slice(0, base.length - ext.length) : base };
      },
      format(o) {
        const dir = o.dir || o.root || '';
        const base = o.base || (o.name || '') + (o.ext || '');
        return dir ? (dir === o.root ? dir + base : dir + '/' + base) : base;
      },
      toNamespacedPath: (p) => p,
    };
    path.posix = path;
    path.win32 = path;

    // ------------------------------------------------------------ url
    const SPECIAL = { 'file:': '', 'http:': '80', 'https:': '443', 'ws:': '80', 'wss:': '443', 'ftp:': '21' };
    const invalidUrl = (input) => {
      const e = nodeError(TypeError, 'ERR_INVALID_URL', 'Invalid URL');
      e.input = input;
      return e;
    };
    class URLSearchParams {
      constructor(init = '') {
        this._list = [];
        const s = String(init).replace(/^\?/, '');
        for (const pair of s ? s.split('&') : []) {
          const [k, v = ''] = pair.split('=');
          const dec = (x) => decodeURIComponent(x.replace(/\+/g, ' '));
          this._list.push([dec(k), dec(v)]);
        }
      }
      get(k) { const e = this._list.find(([n]) => n === k); return e ? e[1] : null; }
      getAll(k) { return this._list.filter(([n]) => n === k).map(([, v]) => v); }
      has(k) { return this._list.some(([n]) => n === k); }
      set(k, v) { this.delete(k); this._list.push([String(k), String(v)]); }
      append(k, v) { this._list.push([String(k), String(v)]); }
      delete(k) { this._list = this._list.filter(([n]) => n !== k); }
      entries() { return this._list[Symbol.iterator](); }
      [Symbol.iterator]() { return this.entries(); }
      toString() { return this._list.map(([k, v]) => encodeURIComponent(k) + '=' + encodeURIComponent(v)).join('&'); }
    }
    class URL {
      constructor(input, base) {
        input = String(input).trim();
        const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):(.*)$/s.exec(input);
        if (m) {
          this._set(m[1].toLowerCase() + ':', m[2], input);
        } else {
          if (base === undefined) throw invalidUrl(input);
          const b = base instanceof URL ? base : new URL(base);
          if (!(b.protocol in SPECIAL)) throw invalidUrl(input);
          let rest;
          if (input.startsWith('//')) rest = input;
          else if (input.startsWith('/')) rest = '//' + b.host + input;
          else if (input.startsWith('?')) rest = '//' + b.host + b.pathname + input;
          else if (input.startsWith('#')) rest = '//' + b.host + b.pathname + b.search + input;
          else rest = '//' + b.host + b.pathname.slice(0, b.pathname.lastIndexOf('/') + 1) + input;
          this._set(b.protocol, rest, input);
        }
      }
      _set(protocol, rest, input) {
        this.protocol = protocol;
        let hash = '', search = '';
        const h = rest.indexOf('#');
        if (h >= 0) { hash = rest.slice(h); rest = rest.slice(0, h); }
        const q = rest.indexOf('?');
        if (q >= 0) { search = rest.slice(q); rest = rest.slice(0, q); }
        this.hash = hash === '#' ? '' : hash;
        this.search = search === '?' ? '' : search;
        this.username = '';
        this.password = '';
        if (protocol in SPECIAL) {
          if (!rest.startsWith('//')) {
            if (protocol !== 'file:') throw invalidUrl(input);
            rest = '//' + (rest.startsWith('/') ? '' : '/') + rest;
          }
          rest = rest.slice(2);
          const slash = rest.indexOf('/');
          const host = slash < 0 ? rest : rest.slice(0, slash);
          const p = slash < 0 ? '/' : rest.slice(slash);
          const [hostname, port = ''] = host.toLowerCase().split(':');
          if (protocol !== 'file:' && hostname === '') throw invalidUrl(input);
          this.hostname = hostname;
          this.port = port === SPECIAL[protocol] ? '' : port;
          const trailing = p.endsWith('/') || p.endsWith('/.') || p.endsWith('/..');
          const parts = normalizeParts(p.replace(/ /g, '%20'), true);
          this.pathname = '/' + parts.join('/') + (trailing && parts.length ? '/' : '');
        } else {
          this.hostname = '';
          this.port = '';
          this.pathname = rest;
        }
      }
      get host() { return this.hostname + (this.port ? ':' + this.port : ''); }
      get origin() { return this.protocol in SPECIAL && this.protocol !== 'file:' ? this.protocol + '//' + this.host : 'null'; }
      get href() {
        const authority = this.protocol in SPECIAL ? '//' + this.host : '';
        return this.protocol + authority + this.pathname + this.search + this.hash;
      }
      get searchParams() { return new URLSearchParams(this.search); }
      toString() { return this.href; }
      toJSON() { return this.href; }
      static canParse(input, base) { try { new URL(input, base); return true; } catch { return false; } }
    }
    function fileURLToPath(u) {
      const url = typeof u === 'string' ? new URL(u) : u;
      if (!(url instanceof URL)) {
        throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "path" argument must be of type string or an instance of URL. Received ' + (url === null ? 'null' : typeof url));
      }
      if (url.protocol !== 'file:') throw nodeError(TypeError, 'ERR_INVALID_URL_SCHEME', 'The URL must be of scheme file');
      if (url.hostname !== '') throw nodeError(TypeError, 'ERR_INVALID_FILE_URL_HOST', 'File URL host must be "localhost" or empty on linux');
      if (/%2f/i.test(url.pathname)) throw nodeError(TypeError, 'ERR_INVALID_FILE_URL_PATH', 'File URL path must not include encoded / characters');
      return decodeURIComponent(url.pathname);
    }
    function pathToFileURL(p) {
      const resolved = path.resolve(str(p, 'path')) + (p.endsWith('/') && p !== '/' ? '/' : '');
      const encoded = encodeURI(resolved).replace(/[?#]/g, encodeURIComponent);
      return new URL('file://' + encoded);
    }
    const url = { URL, URLSearchParams, fileURLToPath, pathToFileURL, parse: unsupported('url.parse'), format: (u) => String(u) };

    // ------------------------------------------------------------ util
    const types = {
      isPromise: (v) => v instanceof Promise,
      isRegExp: (v) => v instanceof RegExp,
      isDate: (v) => v instanceof Date,
      isMap: (v) => v instanceof Map,
      isSet: (v) => v instanceof Set,
      isTypedArray: (v) => ArrayBuffer.isView(v) && !(v instanceof DataView),
      isUint8Array: (v) => v instanceof Uint8Array,
      isArrayBuffer: (v) => v instanceof ArrayBuffer,
      isSharedArrayBuffer: (v) => v instanceof SharedArrayBuffer,
      isAnyArrayBuffer: (v) => v instanceof ArrayBuffer || v instanceof SharedArrayBuffer,
      isAsyncFunction: (v) => typeof v === 'function' && v.constructor && v.constructor.name === 'AsyncFunction',
      isGeneratorFunction: (v) => typeof v === 'function' && /GeneratorFunction$/.test(v.constructor && v.constructor.name),
      isNativeError: (v) => v instanceof Error,
    };
    const kCustomPromisify = Symbol.for('nodejs.util.promisify.custom');
    function promisify(fn) {
      if (typeof fn !== 'function') {
        throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "original" argument must be of type function');
      }
      if (fn[kCustomPromisify]) return fn[kCustomPromisify];
      return function (...args) {
        return new Promise((resolve, reject) => {
          fn.call(this, ...args, (err, value) => (err ? reject(err) : resolve(value)));
        });
      };
    }
    promisify.custom = kCustomPromisify;
    function isDeepStrictEqual(a, b, seen = []) {
      if (Object.is(a, b)) return true;
      if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
      if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
      if (seen.some(([x, y]) => x === a && y === b)) return true;
      seen = [...seen, [a, b]];
      if (a instanceof Date) return a.getTime() === b.getTime();
      if (a instanceof RegExp) return String(a) === String(b);
      if (a instanceof Map || a instanceof Set) {
        if (a.size !== b.size) return false;
        const ea = [...a], eb = [...b];
        return ea.every((x, i) => isDeepStrictEqual(x, eb[i], seen));
      }
      const ka = Object.keys(a), kb = Object.keys(b);
      if (ka.length !== kb.length) return false;
      return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && isDeepStrictEqual(a[k], b[k], seen));
    }
    const util = {
      promisify, format, inspect: (v) => inspect(v), types, isDeepStrictEqual,
      inherits(ctor, superCtor) {
        Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
        Object.setPrototypeOf(ctor, superCtor);
        Object.defineProperty(ctor, 'super_', { value: superCtor, writable: true, configurable: true });
      },
      deprecate: (fn) => fn,
      debuglog: () => () => {},
      isArray: Array.isArray,
      callbackify: (fn) => (...args) => {
        const cb = args.pop();
        fn(...args).then((v) => cb(null, v), (e) => cb(e));
      },
    };
    util.inspect.custom = Symbol.for('nodejs.util.inspect.custom');

    // ------------------------------------------------------------ assert
    class AssertionError extends Error {
      constructor(options) {
        super(options.message);
        this.name = 'AssertionError';
        this.code = 'ERR_ASSERTION';
        this.actual = options.actual;
        this.expected = options.expected;
        this.operator = options.operator;
        this.generatedMessage = !options.userMessage;
      }
    }
    const fail = (actual, expected, message, operator, generated) => {
      if (message instanceof Error) throw message;
      throw new AssertionError({ message: message ?? generated, actual, expected, operator, userMessage: message !== undefined });
    };
    function assert(value, message) {
      if (!value) fail(value, true, message, '==', 'The expression evaluated to a falsy value:\n\n  assert(' + inspect(value) + ')\n');
    }
    Object.assign(assert, {
      AssertionError,
      ok: (value, message) => { if (!value) fail(value, true, message, '==', 'The expression evaluated to a falsy value:\n\n  assert.ok(' + inspect(value) + ')\n'); },
      equal: (a, b, m) => { if (!(a == b || (a !== a && b !== b))) fail(a, b, m, '==', inspect(a) + ' == ' + inspect(b)); },
      notEqual: (a, b, m) => { if (a == b) fail(a, b, m, '!=', inspect(a) + ' != ' + inspect(b)); },
      strictEqual: (a, b, m) => { if (!Object.is(a, b)) fail(a, b, m, 'strictEqual', 'Expected values to be strictly equal:\n\n' + inspect(a) + ' !== ' + inspect(b) + '\n'); },
      notStrictEqual: (a, b, m) => { if (Object.is(a, b)) fail(a, b, m, 'notStrictEqual', 'Expected "actual" to be strictly unequal to: ' + inspect(b)); },
      deepStrictEqual: (a, b, m) => { if (!isDeepStrictEqual(a, b)) fail(a, b, m, 'deepStrictEqual', 'Expected values to be strictly deep-equal:\n' + inspect(a) + '\n\nshould equal\n\n' + inspect(b)); },
      notDeepStrictEqual: (a, b, m) => { if (isDeepStrictEqual(a, b)) fail(a, b, m, 'notDeepStrictEqual', 'Expected "actual" not to be strictly deep-equal to: ' + inspect(b)); },
      deepEqual: (a, b, m) => { if (!isDeepStrictEqual(a, b)) fail(a, b, m, 'deepEqual', 'Expected values to be loosely deep-equal:\n\n' + inspect(a) + '\n\nshould loosely deep-equal\n\n' + inspect(b)); },
      fail: (message = 'Failed') => fail(undefined, undefined, message, 'fail'),
      throws(fn, expected, message) {
        try { fn(); } catch (e) {
          if (typeof expected === 'function' && expected.prototype !== undefined && !(e instanceof expected)) throw e;
          if (expected instanceof RegExp && !expected.test(String(e && e.message))) fail(e, expected, message, 'throws', 'The error message does not match ' + expected);
          return;
        }
        fail(undefined, expected, typeof expected === 'string' ? expected : message, 'throws', 'Missing expected exception.');
      },
      async rejects(promise, expected, message) {
        try { await (typeof promise === 'function' ? promise() : promise); } catch (e) {
          if (typeof expected === 'function' && expected.prototype !== undefined && !(e instanceof expected)) throw e;
          return;
        }
        fail(undefined, expected, message, 'rejects', 'Missing expected rejection.');
      },
      doesNotThrow: (fn) => { fn(); },
      match: (s, re, m) => { if (!re.test(s)) fail(s, re, m, 'match', 'The input did not match the regular expression ' + re + '. Input:\n\n' + inspect(s) + '\n'); },
    });
    assert.strict = assert;

    // ------------------------------------------------------------ os
    // Deterministic: the same machine on every run (a pool sized by the real core count
    // would make runs differ from machine to machine).
    const CPUS = 2;
    const os = {
      EOL: '\n',
      availableParallelism: () => CPUS,
      cpus: () => Array.from({ length: CPUS }, () => ({ model: 'heddle', speed: 0, times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 } })),
      platform: () => 'linux', type: () => 'Linux', arch: () => 'x64', release: () => '0.0.0-heddle',
      hostname: () => 'heddle', homedir: () => '/', tmpdir: () => '/tmp', endianness: () => 'LE',
      totalmem: () => 4 * 1024 ** 3, freemem: () => 2 * 1024 ** 3, loadavg: () => [0, 0, 0], uptime: () => 0,
      userInfo: () => ({ username: 'heddle', uid: 1000, gid: 1000, shell: null, homedir: '/' }),
      constants: { signals: {}, errno: {} },
    };

    // ------------------------------------------------------------ timers/promises
    const timersPromises = {
      setTimeout: (ms, value) => new Promise((resolve) => timers.setTimeout(() => resolve(value), ms)),
      setImmediate: (value) => new Promise((resolve) => timers.setTimeout(() => resolve(value), 0)),
      async *setInterval(ms, value) {
        while (true) yield await new Promise((resolve) => timers.setTimeout(() => resolve(value), ms));
      },
      scheduler: { wait: (ms) => new Promise((resolve) => timers.setTimeout(resolve, ms)), yield: () => new Promise((resolve) => timers.setTimeout(resolve, 0)) },
    };

    // ------------------------------------------------------------ fs (read-only)
    const enoent = (syscall, p) => {
      const e = new Error("ENOENT: no such file or directory, " + syscall + " '" + p + "'");
      Object.assign(e, { errno: -2, code: 'ENOENT', syscall, path: p });
      return e;
    };
    const readOnly = (name) => (p) => {
      const e = new Error('EROFS: read-only file system, ' + name + " '" + p + "' (Heddle's fs is read-only)");
      Object.assign(e, { errno: -30, code: 'EROFS', syscall: name, path: p });
      throw e;
    };
    const fsPath = (p) => {
      if (p && typeof p === 'object' && typeof p.href === 'string') return fileURLToPath(p);
      return path.resolve(str(p, 'path'));
    };
    function utf8(text) {
      const bytes = [];
      for (const ch of text) {
        const c = ch.codePointAt(0);
        if (c >= 0xd800 && c <= 0xdfff) bytes.push(0xef, 0xbf, 0xbd); // a lone surrogate
        else if (c < 0x80) bytes.push(c);
        else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 63));
        else if (c < 0x10000) bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
        else bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      }
      return new Uint8Array(bytes);
    }
    // UTF-8 only, as TextDecoder's default; malformed bytes decode to U+FFFD.
    function utf8Decode(bytes) {
      let out = '';
      for (let i = 0; i < bytes.length;) {
        const b = bytes[i];
        const need = b < 0x80 ? 0 : b >= 0xf0 && b < 0xf8 ? 3 : b >= 0xe0 ? 2 : b >= 0xc2 && b < 0xe0 ? 1 : -1;
        if (need < 0) { out += b < 0x80 ? String.fromCharCode(b) : '\ufffd'; i++; continue; }
        if (need === 0) { out += String.fromCharCode(b); i++; continue; }
        let c = b & (0x3f >> need);
        let j = 1;
        for (; j <= need && i + j < bytes.length && (bytes[i + j] & 0xc0) === 0x80; j++) c = (c << 6) | (bytes[i + j] & 0x3f);
        if (j <= need || (need === 2 && c < 0x800) || (need === 3 && (c < 0x10000 || c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff)) {
          out += '\ufffd';
          i += Math.max(1, j);
          continue;
        }
        out += String.fromCodePoint(c);
        i += need + 1;
      }
      return out;
    }
    class TextEncoder {
      get encoding() { return 'utf-8'; }
      encode(input = '') { return utf8(String(input)); }
      encodeInto(input, dest) {
        const bytes = utf8(String(input));
        const n = Math.min(bytes.length, dest.length);
        dest.set(bytes.subarray(0, n));
        return { read: String(input).length, written: n };
      }
    }
    class TextDecoder {
      constructor(label = 'utf-8') {
        const l = String(label).toLowerCase();
        if (l !== 'utf-8' && l !== 'utf8' && l !== 'unicode-1-1-utf-8') {
          throw nodeError(RangeError, 'ERR_ENCODING_NOT_SUPPORTED', 'The "' + label + '" encoding is not supported');
        }
      }
      get encoding() { return 'utf-8'; }
      decode(input) {
        if (input === undefined) return '';
        const bytes = input instanceof ArrayBuffer || input instanceof SharedArrayBuffer ? new Uint8Array(input)
          : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
        return utf8Decode(bytes);
      }
    }
    class Stats {
      constructor(kind) { this._kind = kind; this.mode = kind === 'dir' ? 0o40755 : 0o100644; }
      isFile() { return this._kind === 'file'; }
      isDirectory() { return this._kind === 'dir'; }
      isSymbolicLink() { return false; }
    }
    const fs = {
      existsSync: (p) => { try { return ops.stat(fsPath(p)) !== undefined; } catch { return false; } },
      statSync(p, options) {
        const full = fsPath(p);
        const kind = ops.stat(full);
        if (kind === undefined) {
          if (options && options.throwIfNoEntry === false) return undefined;
          throw enoent('stat', String(p));
        }
        return new Stats(kind);
      },
      readFileSync(p, options) {
        const full = fsPath(p);
        const kind = ops.stat(full);
        if (kind === 'dir') {
          const e = new Error('EISDIR: illegal operation on a directory, read');
          Object.assign(e, { errno: -21, code: 'EISDIR', syscall: 'read' });
          throw e;
        }
        const text = ops.readFile(full);
        if (text === undefined) throw enoent('open', String(p));
        const encoding = typeof options === 'string' ? options : options && options.encoding;
        return encoding ? text : utf8(text);
      },
      realpathSync: (p) => {
        const full = fsPath(p);
        if (ops.stat(full) === undefined) throw enoent('realpath', String(p));
        return full;
      },
      writeFileSync: readOnly('open'), appendFileSync: readOnly('open'), mkdirSync: readOnly('mkdir'),
      rmSync: readOnly('rm'), unlinkSync: readOnly('unlink'), renameSync: readOnly('rename'),
      readdirSync: unsupported('fs.readdirSync'),
      constants: { F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1 },
    };
    fs.realpathSync.native = fs.realpathSync;
    fs.promises = {
      readFile: async (p, o) => fs.readFileSync(p, o),
      stat: async (p) => fs.statSync(p),
      access: async (p) => { if (!fs.existsSync(p)) throw enoent('access', String(p)); },
      writeFile: async (p) => readOnly('open')(p),
      mkdir: async (p) => readOnly('mkdir')(p),
    };

    // ------------------------------------------------------------ crypto
    const getRandomValues = (ta) => {
      if (!ArrayBuffer.isView(ta) || ta instanceof Float32Array || ta instanceof Float64Array || ta instanceof DataView) {
        throw new DOMException('The data argument must be an integer-type TypedArray', 'TypeMismatchError');
      }
      const bytes = new Uint8Array(ta.buffer, ta.byteOffset, ta.byteLength);
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
      return ta;
    };
    const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    const randomUUID = () => {
      const b = getRandomValues(new Uint8Array(16));
      b[6] = (b[6] & 0x0f) | 0x40;
      b[8] = (b[8] & 0x3f) | 0x80;
      const h = hex(b);
      return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
    };
    const crypto = {
      randomUUID, getRandomValues,
      randomBytes: (n) => getRandomValues(new Uint8Array(n)),
      randomInt: (min, max) => {
        if (max === undefined) { max = min; min = 0; }
        return min + Math.floor(Math.random() * (max - min));
      },
      webcrypto: { getRandomValues, randomUUID },
      createHash: unsupported('crypto.createHash'),
    };

    // ------------------------------------------------------------ async_hooks
    // No async context is tracked: a resource runs its callbacks as they are, and its ids
    // count up per thread (deterministic).
    let nextAsyncId = 1;
    class AsyncResource {
      constructor(type, options = {}) {
        this._type = String(type);
        this._asyncId = nextAsyncId++;
        this._trigger = typeof options === 'object' && options && options.triggerAsyncId !== undefined ? options.triggerAsyncId : 0;
      }
      runInAsyncScope(fn, thisArg, ...args) { return Reflect.apply(fn, thisArg, args); }
      emitDestroy() { return this; }
      asyncId() { return this._asyncId; }
      triggerAsyncId() { return this._trigger; }
      bind(fn, thisArg) { return (...args) => this.runInAsyncScope(fn, thisArg, ...args); }
      static bind(fn, type, thisArg) { return new AsyncResource(type || 'bound-anonymous-fn').bind(fn, thisArg); }
    }
    class AsyncLocalStorage {
      constructor() { this._store = undefined; }
      getStore() { return this._store; }
      run(store, fn, ...args) {
        const before = this._store;
        this._store = store;
        try { return fn(...args); } finally { this._store = before; }
      }
      enterWith(store) { this._store = store; }
      exit(fn, ...args) { return this.run(undefined, fn, ...args); }
      disable() { this._store = undefined; }
    }
    const asyncHooks = {
      AsyncResource, AsyncLocalStorage,
      executionAsyncId: () => 1, triggerAsyncId: () => 0,
      createHook: () => ({ enable() { return this; }, disable() { return this; } }),
    };

    // ------------------------------------------------------------ events (more of it)
    class EventEmitterAsyncResource extends EventEmitter {
      constructor(options = {}) {
        super(options);
        const name = typeof options === 'string' ? options : (options && options.name) || new.target.name;
        this.asyncResource = new AsyncResource(name, options);
      }
      get asyncId() { return this.asyncResource.asyncId(); }
      get triggerAsyncId() { return this.asyncResource.triggerAsyncId(); }
      emitDestroy() { this.asyncResource.emitDestroy(); }
    }
    const once = (emitter, name) => new Promise((resolve, reject) => {
      const onError = name === 'error' ? null : (err) => { emitter.removeListener(name, onEvent); reject(err); };
      const onEvent = (...args) => { if (onError) emitter.removeListener('error', onError); resolve(args); };
      emitter.once(name, onEvent);
      if (onError) emitter.once('error', onError);
    });
    Object.assign(EventEmitter, { EventEmitterAsyncResource, once, defaultMaxListeners: 10 });

    // ------------------------------------------------------------ perf_hooks
    // A recordable histogram over every value recorded (Node's HDR histogram rounds; these
    // are exact).
    function createHistogram() {
      let values = [];
      const h = {
        record(v) {
          const n = Number(v);
          if (!(n >= 1)) throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', 'The value of "val" is out of range. It must be >= 1 && <= 9007199254740991. Received ' + v);
          values.push(n);
        },
        recordDelta() {},
        reset() { values = []; },
        get count() { return values.length; },
        get min() { return values.length ? Math.min(...values) : 9223372036854776000; },
        get max() { return values.length ? Math.max(...values) : 0; },
        get mean() { return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN; },
        get stddev() {
          if (!values.length) return NaN;
          const m = h.mean;
          return Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / values.length);
        },
        get exceeds() { return 0; },
        percentile(p) {
          if (!(p > 0 && p <= 100)) throw nodeError(RangeError, 'ERR_OUT_OF_RANGE', 'The value of "percentile" is out of range. It must be > 0 && <= 100. Received ' + p);
          if (!values.length) return 0;
          const sorted = [...values].sort((a, b) => a - b);
          return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
        },
        get percentiles() { const m = new Map(); if (values.length) { m.set(0, h.min); m.set(100, h.max); } return m; },
      };
      return h;
    }
    const performance = {
      now: () => ops.now(), timeOrigin: 0,
      mark() {}, measure() {}, clearMarks() {}, clearMeasures() {},
      eventLoopUtilization: () => ({ idle: 0, active: 0, utilization: 0 }),
      timerify: (fn) => fn,
    };

    Object.assign(util, { TextEncoder, TextDecoder });
    return {
      path, url, util, assert, os, fs, crypto, URL, URLSearchParams, TextEncoder, TextDecoder,
      async_hooks: asyncHooks,
      perf_hooks: { performance, createHistogram, monitorEventLoopDelay: () => Object.assign(createHistogram(), { enable() { return true; }, disable() { return true; } }) },
      'timers/promises': timersPromises,
      'fs/promises': fs.promises,
      'path/posix': path,
      'assert/strict': assert,
    };
  }
