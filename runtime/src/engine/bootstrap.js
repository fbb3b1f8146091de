// Heddle's Node-compatible surface inside an isolate: worker_threads, timers, console,
// process, structuredClone. Evaluated once per isolate as a function expression and called
// with the native ops (`ops`) and this thread's facts (`info`). It returns the hooks the
// Rust side calls: dispatch (a message), dispatchClose, control (a worker's lifecycle),
// fire (a timer), makePort, makeError, exitCode, require, workerThreads.
(function bootstrap(ops, info) {
  'use strict';

  // The builtins Heddle's own code calls after user code may have patched them (Node's
  // primordials, in small): taken before any user code runs in this context.
  const PromiseResolve = Promise.resolve.bind(Promise);
  const PromiseThen = Function.prototype.call.bind(Promise.prototype.then);

  // ---------------------------------------------------------------- errors
  const DOMEXCEPTION_CODES = {
    IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4,
    InvalidCharacterError: 5, NoModificationAllowedError: 7, NotFoundError: 8,
    NotSupportedError: 9, InvalidStateError: 11, SyntaxError: 12,
    InvalidModificationError: 13, NamespaceError: 14, InvalidAccessError: 15,
    TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20,
    URLMismatchError: 21, QuotaExceededError: 22, TimeoutError: 23,
    InvalidNodeTypeError: 24, DataCloneError: 25,
  };
  class DOMException extends Error {
    constructor(message = '', options = 'Error') {
      super(message);
      const name = typeof options === 'object' && options !== null
        ? String(options.name ?? 'Error') : String(options);
      Object.defineProperty(this, 'name', { value: name, configurable: true, writable: true });
      Object.defineProperty(this, 'code', {
        value: DOMEXCEPTION_CODES[name] ?? 0, configurable: true, writable: true,
      });
    }
  }
  function nodeError(Base, code, message) {
    const e = new Base(message);
    Object.defineProperty(e, 'code', { value: code, configurable: true, writable: true, enumerable: true });
    return e;
  }
  // Called from Rust to build the errors it throws.
  function makeError(kind, code, message) {
    switch (kind) {
      case 'DOMException': return new DOMException(message, code);
      case 'TypeError': return code ? nodeError(TypeError, code, message) : new TypeError(message);
      case 'RangeError': return code ? nodeError(RangeError, code, message) : new RangeError(message);
      default: return code ? nodeError(Error, code, message) : new Error(message);
    }
  }
  const invalidArgType = (message) => nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', message);

  // ---------------------------------------------------------------- events
  const kEvents = Symbol('events');
  class EventEmitter {
    constructor() { Object.defineProperty(this, kEvents, { value: new Map(), writable: true }); }
    _listeners(name) {
      if (!this[kEvents]) Object.defineProperty(this, kEvents, { value: new Map(), writable: true });
      return this[kEvents].get(name) || [];
    }
    on(name, listener) {
      if (typeof listener !== 'function') {
        throw invalidArgType('The "listener" argument must be of type function. Received ' + describe(listener));
      }
      if (name !== 'newListener' && this._listeners('newListener').length) this.emit('newListener', name, listener.listener ?? listener);
      const list = this._listeners(name).slice();
      const before = list.length;
      list.push(listener);
      this[kEvents].set(name, list);
      this._onListenerCount?.(name, before, list.length);
      return this;
    }
    addListener(name, listener) { return this.on(name, listener); }
    prependListener(name, listener) {
      this.on(name, listener);
      const list = this._listeners(name).slice();
      list.unshift(list.pop());
      this[kEvents].set(name, list);
      return this;
    }
    once(name, listener) {
      if (typeof listener !== 'function') {
        throw invalidArgType('The "listener" argument must be of type function. Received ' + describe(listener));
      }
      const self = this;
      function wrapped(...args) { self.off(name, wrapped); return listener.apply(this, args); }
      wrapped.listener = listener;
      return this.on(name, wrapped);
    }
    off(name, listener) {
      const list = this._listeners(name);
      const i = list.findLastIndex((l) => l === listener || l.listener === listener);
      if (i < 0) return this;
      const next = list.slice();
      next.splice(i, 1);
      if (next.length) this[kEvents].set(name, next); else this[kEvents].delete(name);
      this._onListenerCount?.(name, list.length, next.length);
      if (this._listeners('removeListener').length) this.emit('removeListener', name, listener);
      return this;
    }
    removeListener(name, listener) { return this.off(name, listener); }
    removeAllListeners(name) {
      const names = name === undefined ? [...this[kEvents].keys()] : [name];
      for (const n of names) for (const l of this._listeners(n).slice().reverse()) this.off(n, l);
      return this;
    }
    emit(name, ...args) {
      const list = this._listeners(name);
      if (name === 'error' && list.length === 0) {
        throw args[0] instanceof Error ? args[0] : new Error('Unhandled error. (' + describe(args[0]) + ')');
      }
      for (const l of list) l.apply(this, args);
      return list.length > 0;
    }
    listenerCount(name) { return this._listeners(name).length; }
    listeners(name) { return this._listeners(name).map((l) => l.listener ?? l); }
    eventNames() { return [...this[kEvents].keys()]; }
    setMaxListeners() { return this; }
    getMaxListeners() { return 10; }
  }

  class Event {
    constructor(type, init = {}) { this.type = String(type); this.target = null; this.currentTarget = null; this.defaultPrevented = false; void init; }
    preventDefault() { this.defaultPrevented = true; }
    stopPropagation() {}
    stopImmediatePropagation() {}
  }
  class MessageEvent extends Event {
    constructor(type, init = {}) {
      super(type, init);
      this.data = init.data;
      this.origin = init.origin ?? '';
      this.lastEventId = init.lastEventId ?? '';
      this.source = init.source ?? null;
      this.ports = init.ports ?? [];
    }
  }
  // addEventListener/removeEventListener/onmessage for emitters that deliver MessageEvents.
  function eventTargetMixin(proto, deliversRaw) {
    const kHandlers = Symbol('eventHandlers');
    Object.defineProperty(proto, 'addEventListener', {
      value(type, listener) {
        if (listener == null) return;
        this[kHandlers] ??= new Map();
        if (this[kHandlers].has(listener)) return;
        const call = typeof listener === 'function' ? listener : (e) => listener.handleEvent(e);
        const wrapped = deliversRaw
          ? (data) => call.call(this, messageEvent(this, data))
          : (event) => call.call(this, event);
        this[kHandlers].set(listener, wrapped);
        this.on(type, wrapped);
      },
      writable: true, configurable: true,
    });
    Object.defineProperty(proto, 'removeEventListener', {
      value(type, listener) {
        const wrapped = this[kHandlers]?.get(listener);
        if (!wrapped) return;
        this[kHandlers].delete(listener);
        this.off(type, wrapped);
      },
      writable: true, configurable: true,
    });
    Object.defineProperty(proto, 'dispatchEvent', {
      value(event) { this.emit(event.type, deliversRaw ? event.data : event); return true; },
      writable: true, configurable: true,
    });
    for (const type of ['message', 'messageerror']) {
      const kHandler = Symbol(type + 'Handler');
      Object.defineProperty(proto, 'on' + type, {
        get() { return this[kHandler]?.fn ?? null; },
        set(fn) {
          if (this[kHandler]) { this.off(type, this[kHandler].wrapped); this[kHandler] = undefined; }
          if (typeof fn === 'function') {
            const wrapped = deliversRaw
              ? (data) => fn.call(this, messageEvent(this, data))
              : (event) => fn.call(this, event);
            this[kHandler] = { fn, wrapped };
            this.on(type, wrapped);
          }
        },
        configurable: true, enumerable: true,
      });
    }
  }
  function messageEvent(target, data) {
    const e = new MessageEvent('message', { data });
    e.target = target;
    e.currentTarget = target;
    return e;
  }

  // ---------------------------------------------------------------- ports
  const kId = Symbol('kPortId');
  const kState = Symbol('kPortState');
    const ports = new Map(); // port id -> MessagePort (or an internal receiver)
  const kInternal = Symbol('heddle.internal');

  function MessagePort() {
    throw nodeError(TypeError, 'ERR_CONSTRUCT_CALL_INVALID', 'Constructor cannot be called');
  }
  Object.setPrototypeOf(MessagePort.prototype, EventEmitter.prototype);
  Object.setPrototypeOf(MessagePort, EventEmitter);
  function makePort(id) {
    const port = Object.create(MessagePort.prototype);
    Object.defineProperty(port, kEvents, { value: new Map(), writable: true });
    Object.defineProperty(port, kId, { value: id, writable: true });
    Object.defineProperty(port, kState, { value: { closed: false }, writable: true });
    ops.brand(port, id);
    ports.set(id, port);
    return port;
  }
  // Node's setupPortReferencing: the first 'message' listener refs and starts the port,
  // removing the last one unrefs and stops it.
  MessagePort.prototype._onListenerCount = function (name, before, after) {
    if (name !== 'message' && name !== 'messageerror') return;
    if (before === 0 && after > 0) { ops.ref(this[kId], true); ops.start(this[kId]); }
    if (before > 0 && after === 0) { ops.ref(this[kId], false); ops.stop(this[kId]); }
  };
  // A port moved away: its old handle goes inert (id 0 is never a port) and emits 'close'
  // in the loop's close phase, as Node's handle does.
  const pendingCloses = [];
  function detachTransferred(transfer) {
    for (const item of transfer) {
      if (item instanceof MessagePort && item[kId] !== 0) {
        item[kId] = 0;
        ops.brand(item, 0);
        item[kState].closed = true;
        pendingCloses.push(item);
        ops.closeLater();
      }
    }
  }
  function runCloses() {
    const batch = pendingCloses.splice(0);
    for (const port of batch) port.emit('close');
  }
  function normalizeTransfer(transferList) {
    if (transferList === undefined || transferList === null) return [];
    if (typeof transferList === 'object' && !(Symbol.iterator in transferList)) {
      const t = transferList.transfer;
      if (t === undefined || t === null) return [];
      transferList = t;
    }
    if (typeof transferList !== 'object' || !(Symbol.iterator in transferList)) {
      throw invalidArgType('Optional transferList argument must be an iterable');
    }
    return [...transferList];
  }
  Object.assign(MessagePort.prototype, {
    postMessage(message, transferList) {
      if (arguments.length === 0) {
        throw nodeError(TypeError, 'ERR_MISSING_ARGS', 'Not enough arguments to MessagePort.postMessage');
      }
      const transfer = normalizeTransfer(transferList);
      ops.post(this[kId], message, transfer);
      detachTransferred(transfer);
    },
    start() { ops.start(this[kId]); },
    close(cb) {
      if (typeof cb === 'function') this.once('close', cb);
      if (this[kState].closed) return;
      this[kState].closed = true;
      ops.close(this[kId]);
    },
    ref() { ops.ref(this[kId], true); return this; },
    unref() { ops.ref(this[kId], false); return this; },
    hasRef() { return ops.hasRef(this[kId]); },
  });
  Object.defineProperty(MessagePort.prototype, Symbol.toStringTag, { value: 'MessagePort', configurable: true });
  eventTargetMixin(MessagePort.prototype, true);

  class MessageChannel {
    constructor() {
      const [a, b] = ops.channel();
      this.port1 = makePort(a);
      this.port2 = makePort(b);
    }
  }

  function receiveMessageOnPort(port) {
    if (!(port instanceof MessagePort) || typeof port[kId] !== 'number') {
      throw invalidArgType('The "port" argument must be a MessagePort instance');
    }
    const got = ops.receive(port[kId]);
    return got === undefined ? undefined : { message: got[0] };
  }

  // BroadcastChannel: a named sibling group; an EventTarget delivering MessageEvents.
  const kBcId = Symbol('kBroadcastId');
  class BroadcastChannel extends EventEmitter {
    constructor(name) {
      if (arguments.length === 0) {
        throw nodeError(TypeError, 'ERR_MISSING_ARGS', 'The "name" argument must be specified');
      }
      super();
      this.name = String(name);
      const id = ops.broadcast(this.name);
      Object.defineProperty(this, kBcId, { value: id, writable: true });
      ports.set(id, this);
      ops.ref(id, true);
      ops.start(id);
    }
    postMessage(message) {
      if (arguments.length === 0) {
        throw nodeError(TypeError, 'ERR_MISSING_ARGS', 'The "message" argument must be specified');
      }
      if (this[kBcId] === null) throw new DOMException('BroadcastChannel is closed.', 'InvalidStateError');
      ops.post(this[kBcId], message, []);
    }
    close() {
      if (this[kBcId] === null) return;
      ops.close(this[kBcId]);
      this[kBcId] = null;
    }
    ref() { if (this[kBcId] !== null) ops.ref(this[kBcId], true); return this; }
    unref() { if (this[kBcId] !== null) ops.ref(this[kBcId], false); return this; }
  }
  eventTargetMixin(BroadcastChannel.prototype, true);
  delete BroadcastChannel.prototype.on; // an EventTarget, not an EventEmitter, in Node

  // ---------------------------------------------------------------- workers
  const workers = new Map(); // control port id -> Worker
  const kControl = Symbol('kControl');
  const kPublic = Symbol('kPublicPort');
  class Worker extends EventEmitter {
    constructor(filename, options = {}) {
      super();
      if (options === null || typeof options !== 'object') {
        throw invalidArgType('The "options" argument must be of type object.');
      }
      const isEval = !!options.eval;
      if (typeof filename !== 'string' && !(filename instanceof builtins.url.URL)) {
        throw invalidArgType('The "filename" argument must be of type string or an instance of URL.' +
          ' Received ' + describe(filename));
      }
      const transfer = normalizeTransfer(options.transferList);
      const limits = options.resourceLimits ?? {};
      const [threadId, publicId, controlId] = ops.spawn(
        String(filename), isEval, options.workerData, transfer,
        Number(limits.maxOldGenerationSizeMb ?? 0), Number(limits.maxYoungGenerationSizeMb ?? 0),
        Number(limits.stackSizeMb ?? 0), String(options.name ?? ''));
      detachTransferred(transfer);
      Object.defineProperty(this, 'threadId', { value: threadId, enumerable: true });
      const port = makePort(publicId);
      Object.defineProperty(this, kPublic, { value: port });
      Object.defineProperty(this, kControl, { value: { id: controlId, exited: false, exitCode: undefined, terminating: null } });
      port.on('message', (m) => this.emit('message', m));
      ops.ref(publicId, false); // the worker object's own handle (the control port) keeps us alive
      workers.set(controlId, this);
      ops.ref(controlId, true);
      ops.start(controlId);
    }
    _onListenerCount() {}
    postMessage(...args) {
      if (this[kControl].exited) return;
      this[kPublic].postMessage(...args);
    }
    terminate(cb) {
      const c = this[kControl];
      if (c.exited) return PromiseResolve(undefined);
      if (!c.terminating) {
        c.terminating = new Promise((resolve) => this.once('exit', resolve));
        ops.terminate(this.threadId);
      }
      if (typeof cb === 'function') PromiseThen(c.terminating, (code) => cb(null, code));
      return c.terminating;
    }
    ref() { if (!this[kControl].exited) ops.ref(this[kControl].id, true); return this; }
    unref() { if (!this[kControl].exited) ops.ref(this[kControl].id, false); return this; }
  }
  // Lifecycle messages from a child (Rust decodes them): 'online', 'error', 'exit'.
  function control(id, kind, payload) {
    const w = workers.get(id);
    if (!w) return;
    if (kind === 'online') { w.emit('online'); return; }
    if (kind === 'error') { w.emit('error', errorFromChild(payload)); return; }
    if (kind === 'exit') {
      // Messages the worker posted before it exited are delivered before 'exit'.
      const publicId = w[kPublic][kId];
      for (let m = ops.receive(publicId); m !== undefined; m = ops.receive(publicId)) w.emit('message', m[0]);
      const c = w[kControl];
      c.exited = true;
      c.exitCode = payload;
      workers.delete(id);
      w[kPublic].removeAllListeners('message');
      w.emit('exit', payload);
    }
  }
  // @builtins
  // A worker's uncaught error crosses to the parent as Node's error_serdes does: its class,
  // message, stack and own enumerable properties (code, say) survive.
  function errorForParent(e) {
    if (!(e instanceof Error)) return e;
    const props = {};
    for (const k of Object.keys(e)) {
      try { props[k] = structuredClone(e[k]); } catch { /* not cloneable: dropped */ }
    }
    return { __heddleError: 1, ctor: e.constructor?.name ?? 'Error', name: e.name,
      message: String(e.message), stack: String(e.stack ?? ''), props };
  }
  function errorFromChild(p) {
    if (p === null || typeof p !== 'object' || p.__heddleError !== 1) return p;
    const C = globalThis[p.ctor];
    const Ctor = typeof C === 'function' && (C === Error || C.prototype instanceof Error) ? C : Error;
    const e = Object.create(Ctor.prototype);
    Object.defineProperty(e, 'message', { value: p.message, writable: true, configurable: true });
    Object.defineProperty(e, 'stack', { value: p.stack, writable: true, configurable: true });
    if (p.name !== Ctor.prototype.name) {
      Object.defineProperty(e, 'name', { value: p.name, writable: true, configurable: true });
    }
    return Object.assign(e, p.props);
  }

  // ---------------------------------------------------------------- timers
  const timers = new Map(); // id -> { timeout, fn, args, repeat }
  class Timeout {
    constructor(id, repeat) { this._id = id; this._repeat = repeat; }
    ref() { ops.timerRef(this._id, true); return this; }
    unref() { ops.timerRef(this._id, false); return this; }
    hasRef() { return ops.timerHasRef(this._id); }
    refresh() { return this; }
    close() { clearTimeout(this); return this; }
    [Symbol.toPrimitive]() { return this._id; }
  }
  function addTimer(fn, delay, args, repeat) {
    if (typeof fn !== 'function') {
      throw invalidArgType('The "callback" argument must be of type function. Received ' + describe(fn));
    }
    const id = ops.timerAdd(Number(delay), repeat);
    const timeout = new Timeout(id, repeat);
    timers.set(id, { timeout, fn, args, repeat });
    return timeout;
  }
  function setTimeout(fn, delay, ...args) { return addTimer(fn, delay, args, false); }
  function setInterval(fn, delay, ...args) { return addTimer(fn, delay, args, true); }
  function clearTimer(t) {
    if (t == null) return;
    const id = typeof t === 'object' ? t._id : Number(t);
    if (timers.delete(id)) ops.timerCancel(id);
  }
  function fire(id) {
    const t = timers.get(id);
    if (!t) return;
    if (!t.repeat) timers.delete(id);
    t.fn.apply(t.timeout, t.args);
  }

  // ---------------------------------------------------------------- console
  function describe(v) {
    if (v === null) return 'null';
    if (v === undefined) return 'undefined';
    if (typeof v === 'function') return 'function ' + (v.name || '(anonymous)');
    if (typeof v === 'object') {
      const name = v.constructor?.name;
      return name ? 'an instance of ' + name : inspect(v);
    }
    return 'type ' + typeof v + ' (' + inspect(v) + ')';
  }
  function quote(s) { return "'" + s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n') + "'"; }
  function key(k) {
    if (typeof k === 'symbol') return '[' + k.toString() + ']';
    return /^[A-Za-z_$][\w$]*$/.test(k) ? k : quote(k);
  }
  function join(open, items, close, indent) {
    if (items.length === 0) return open.trimEnd() + close.trimStart();
    const single = open + ' ' + items.join(', ') + ' ' + close;
    if (single.length + indent <= 80 && !items.some((i) => i.includes('\n'))) return single;
    const pad = ' '.repeat(indent + 2);
    return open + '\n' + items.map((i) => pad + i).join(',\n') + '\n' + ' '.repeat(indent) + close;
  }
  function inspect(v, depth = 0, seen = [], indent = 0) {
    switch (typeof v) {
      case 'string': return depth === 0 ? v : quote(v);
      case 'number': return Object.is(v, -0) ? '-0' : String(v);
      case 'bigint': return v + 'n';
      case 'symbol': return v.toString();
      case 'undefined': return 'undefined';
      case 'boolean': return String(v);
      case 'function': {
        const base = v.toString().startsWith('class') ? '[class ' + (v.name || '(anonymous)') + ']'
          : '[Function: ' + (v.name || '(anonymous)') + ']';
        return base;
      }
    }
    if (v === null) return 'null';
    if (seen.includes(v)) return '[Circular *1]';
    const inner = (x) => inspect(x, depth + 1, seen.concat([v]), indent + 2);
    if (v instanceof Error) return v.stack ?? String(v);
    if (depth > 2) return Array.isArray(v) ? '[Array]' : '[Object]';
    if (v instanceof Date) return isNaN(v) ? 'Invalid Date' : v.toISOString();
    if (v instanceof RegExp) return String(v);
    if (v instanceof Map) {
      return join('Map(' + v.size + ') {', [...v].map(([k, x]) => inner(k) + ' => ' + inner(x)), '}', indent);
    }
    if (v instanceof Set) return join('Set(' + v.size + ') {', [...v].map(inner), '}', indent);
    if (v instanceof ArrayBuffer || v instanceof SharedArrayBuffer) {
      const bytes = [...new Uint8Array(v).slice(0, 50)].map((b) => b.toString(16).padStart(2, '0'));
      const more = v.byteLength > 50 ? ' ... ' + (v.byteLength - 50) + ' more bytes' : '';
      return v.constructor.name + ' { [Uint8Contents]: <' + bytes.join(' ') + more + '>, byteLength: ' + v.byteLength + ' }';
    }
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      return join(v.constructor.name + '(' + v.length + ') [', [...v].map((x) => inspect(x, depth + 1)), ']', indent);
    }
    if (Array.isArray(v)) {
      const items = [];
      for (let i = 0; i < v.length; i++) items.push(i in v ? inner(v[i]) : '<1 empty item>');
      return join('[', items, ']', indent);
    }
    if (v instanceof Promise) return 'Promise { <unknown> }';
    const entries = Object.keys(v).map((k) => key(k) + ': ' + inner(v[k]));
    const proto = Object.getPrototypeOf(v);
    const name = proto === null ? '[Object: null prototype]' : proto.constructor?.name;
    const prefix = !name || name === 'Object' ? '' : name + ' ';
    return join(prefix + '{', entries, '}', indent);
  }
  function format(...args) {
    let out = '';
    let rest = args;
    if (typeof args[0] === 'string' && args.length > 1 && args[0].includes('%')) {
      let i = 1;
      out = args[0].replace(/%([sdifjoOc%])/g, (m, c) => {
        if (c === '%') return '%';
        if (i >= args.length) return m;
        const a = args[i++];
        switch (c) {
          case 's': return typeof a === 'string' ? a : typeof a === 'bigint' ? a + 'n' : inspect(a, 1);
          case 'd': case 'i': return typeof a === 'bigint' ? a + 'n' : String(c === 'i' ? parseInt(a) : Number(a));
          case 'f': return String(parseFloat(a));
          case 'j': try { return JSON.stringify(a); } catch { return '[Circular]'; }
          case 'c': return '';
          default: return inspect(a, 1);
        }
      });
      rest = args.slice(i);
      return [out, ...rest.map((a) => inspect(a))].join(' ');
    }
    return args.map((a) => inspect(a)).join(' ');
  }
  // Through process.stdout/stderr, as in Node: a line follows what a write left open.
  const lineTo = (fd, text) => {
    const stream = fd === 1 ? process.stdout : process.stderr;
    if (stream && typeof stream._flush === 'function') stream._line(text);
    else ops.log(fd, text);
  };
  const console = {
    log: (...a) => lineTo(1, format(...a)),
    info: (...a) => lineTo(1, format(...a)),
    debug: (...a) => lineTo(1, format(...a)),
    error: (...a) => lineTo(2, format(...a)),
    warn: (...a) => lineTo(2, format(...a)),
    trace: (...a) => lineTo(2, 'Trace: ' + format(...a)),
    dir: (v) => lineTo(1, inspect(v)),
    table: (v) => lineTo(1, inspect(v)),
    assert: (ok, ...a) => { if (!ok) lineTo(2, 'Assertion failed' + (a.length ? ': ' + format(...a) : '')); },
    time() {}, timeEnd() {}, timeLog() {}, group() {}, groupEnd() {}, count() {},
  };

  // ---------------------------------------------------------------- process
  const process = new EventEmitter();
  let exitCode;
  Object.defineProperty(process, 'exitCode', {
    get() { return exitCode; },
    set(v) { exitCode = v; },
    enumerable: true,
  });
  Object.assign(process, {
    exit(code) {
      if (code !== undefined) exitCode = code;
      emitExit();
      ops.exit(Number(exitCode ?? 0) | 0);
    },
    nextTick(fn, ...args) { queueMicrotask(() => fn(...args)); },
    argv: info.argv,
    env: info.env,
    platform: 'linux',
    version: 'v20.0.0-heddle',
    versions: { node: '20.0.0-heddle', v8: info.v8 },
    pid: 1,
    cwd: () => info.cwd,
    emitWarning(warning) { ops.log(2, '(node) ' + (warning instanceof Error ? warning.name + ': ' + warning.message : 'Warning: ' + warning)); },
  });
  Object.defineProperty(process, Symbol.toStringTag, { value: 'process' });
  // process.stdout and process.stderr: what is written goes out line by line (the runtime's
  // output is lines); a last line without its newline goes out when the thread exits.
  function outputStream(fd) {
    let pending = '';
    const stream = new EventEmitter();
    const flush = () => { if (pending !== '') { ops.log(fd, pending); pending = ''; } };
    Object.assign(stream, {
      fd, isTTY: false, writable: true, writableLength: 0, columns: 80,
      write(chunk, encoding, callback) {
        const cb = typeof encoding === 'function' ? encoding : callback;
        const text = pending + (typeof chunk === 'string' ? chunk : ArrayBuffer.isView(chunk) ? String.fromCharCode(...new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)) : String(chunk));
        const lines = text.split('\n');
        pending = lines.pop();
        for (const line of lines) ops.log(fd, line);
        if (typeof cb === 'function') queueMicrotask(() => cb());
        return true;
      },
      end(chunk, encoding, callback) { if (chunk !== undefined && typeof chunk !== 'function') stream.write(chunk, encoding); flush(); },
      _flush: flush,
      // A whole line from console: the pending text and it, without splitting.
      _line(text) { const t = pending + text; pending = ''; ops.log(fd, t); },
    });
    return stream;
  }
  process.stdout = outputStream(1);
  process.stderr = outputStream(2);
  // The thread is ending (its loop ran dry, or process.exit): 'exit' fires once, with the
  // exit code, and its listeners may still change process.exitCode (as in Node).
  let exitEmitted = false;
  function emitExit() {
    if (!exitEmitted) {
      exitEmitted = true;
      try {
        process.emit('exit', Number(exitCode ?? 0) | 0);
      } finally {
        process.stdout._flush();
        process.stderr._flush();
      }
    }
  }

  // ---------------------------------------------------------------- structuredClone
  function structuredClone(value, options) {
    if (arguments.length === 0) {
      throw nodeError(TypeError, 'ERR_MISSING_ARGS', 'The value argument must be specified');
    }
    const transfer = options == null ? [] : normalizeTransfer(options.transfer ?? []);
    const copy = ops.clone(value, transfer);
    detachTransferred(transfer);
    return copy;
  }

  // ---------------------------------------------------------------- module surface
  const workerThreads = {
    isMainThread: info.isMainThread,
    threadId: info.threadId,
    parentPort: info.parentPort === null ? null : makePort(info.parentPort),
    workerData: undefined,
    resourceLimits: info.resourceLimits,
    Worker, MessageChannel, MessagePort, BroadcastChannel, receiveMessageOnPort,
    SHARE_ENV: Symbol.for('nodejs.worker_threads.SHARE_ENV'),
    markAsUntransferable() {}, isMarkedAsUntransferable() { return false; },
    moveMessagePortToContext() { throw new Error('moveMessagePortToContext is not supported by Heddle'); },
    setEnvironmentData() {}, getEnvironmentData() { return undefined; },
  };
  if (workerThreads.parentPort) {
    // A worker's parentPort does not keep the worker alive until it has a listener.
    ops.ref(info.parentPort, false);
  }
  const timersModule = { setTimeout, setInterval, clearTimeout: clearTimer, clearInterval: clearTimer };
  const builtins = {
    worker_threads: workerThreads,
    timers: timersModule,
    events: Object.assign(EventEmitter, { EventEmitter }),
    process,
  };
  const more = makeBuiltins(nodeError, inspect, format, timersModule, EventEmitter);
  const { URL, URLSearchParams, TextEncoder, TextDecoder } = more;
  for (const k of ['URL', 'URLSearchParams', 'TextEncoder', 'TextDecoder']) delete more[k];
  Object.assign(builtins, more);
  // @cjs
  const modules = makeModules(builtins, nodeError);
  builtins.module = {
    createRequire: modules.createRequire,
    builtinModules: Object.keys(builtins).concat('module').sort(),
  };
  const { requireFrom, requireFile, resolveImport } = modules;
  // A builtin by name (an ES module's `import 'node:x'`).
  function require(name) {
    const bare = String(name).replace(/^node:/, '');
    if (Object.prototype.hasOwnProperty.call(builtins, bare)) return builtins[bare];
    const e = new Error("Cannot find module '" + name + "' (Heddle provides " + Object.keys(builtins).join(', ') + ')');
    e.code = 'MODULE_NOT_FOUND';
    throw e;
  }

  function queueMicrotask(callback) {
    if (typeof callback !== 'function') {
      throw invalidArgType('The "callback" argument must be of type function. Received ' + describe(callback));
    }
    PromiseThen(PromiseResolve(), () => callback());
  }

  Object.assign(globalThis, {
    queueMicrotask, setTimeout, setInterval, clearTimeout: clearTimer, clearInterval: clearTimer,
    console, process, structuredClone, DOMException, Event, EventTarget: class EventTarget {},
    MessageEvent, MessageChannel, MessagePort, BroadcastChannel,
    performance: builtins.perf_hooks.performance, URL, URLSearchParams, TextEncoder, TextDecoder,
    crypto: builtins.crypto.webcrypto,
  });
  // heddle.yield(label): a scheduling point for the harness; a no-op when free-running.
  // takeStepPoints(): the harness's generated code takes the step points once, first thing,
  // so that user code cannot reach them (it can only yield).
    // terminate: a terminate fault, as the parent's worker.terminate() (exit code 1, no
    // 'exit' event of the thread's own).
    // namePort: names a spec channel's end after the channel, for faults that pick by port.
    let stepPoints = Object.freeze({ step: (i) => ops.step(i), end: () => ops.stepsEnd(), terminate: () => ops.exit(1), namePort: (port, name) => ops.namePort(port[kId], String(name)) });
  // heddle.internal(fn): marks a listener as the harness's own, not the program's (see
  // hasUserListeners); returns fn.
  const internal = (fn) => {
    if (typeof fn === 'function') Object.defineProperty(fn, kInternal, { value: true });
    return fn;
  };
  Object.defineProperty(globalThis, 'heddle', {
    value: Object.freeze({
            yield: (label) => ops.point(label === undefined ? undefined : String(label)),
      internal,
      takeStepPoints() {
        const taken = stepPoints;
        stepPoints = undefined;
        if (!taken) throw new Error('heddle.takeStepPoints() was called twice in this thread');
        return taken;
      },
    }),
    enumerable: false,
  });

  const asyncWaits = new Map(); // waitAsync id -> resolve, under a controlling scheduler
  // Under a controlling scheduler: every Atomics operation is a scheduling point, wait and
  // notify are served by the scheduler's wait table, time is virtual, Math.random seeded.
  if (info.controlled) {
    const A = Atomics;
    // The originals, taken before the wrapping: wait and notify read the element through
    // V8's own load, not through a wrapped one (which would add a second scheduling point).
    const load = A.load, wait = A.wait, notify = A.notify;
    for (const name of ['add', 'and', 'compareExchange', 'exchange', 'load', 'or', 'store', 'sub', 'xor']) {
      const original = A[name];
      Object.defineProperty(A, name, {
                value: { [name](...args) { ops.atomicsPoint(name, args[0], args[1]); return original.apply(A, args); } }[name],
        writable: true, configurable: true,
      });
    }
    const waitable = (ta) => (ta instanceof Int32Array || ta instanceof BigInt64Array) &&
      ta.buffer instanceof SharedArrayBuffer;
    // The spec's conversions, each argument once and in its order (DoWait, Atomics.notify):
    // ToIndex of the index (V8's load then checks the range), ToInt32 or ToBigInt64 of the
    // value (a typed array's element store does exactly that), ToNumber of the timeout
    // (NaN is +Infinity) and ToIntegerOrInfinity of the count (NaN is 0). test262's
    // symbol-for-value-throws-agent and notify-nan failed under the scheduler without them.
    const toIndex = (index) => {
      const n = +index;
      return Number.isNaN(n) ? 0 : Math.trunc(n) + 0;
    };
    const toElement = (ta, value) => {
      const cell = ta instanceof BigInt64Array ? new BigInt64Array(1) : new Int32Array(1);
      cell[0] = value;
      return cell[0];
    };
    const toTimeout = (timeout) => {
      const q = +timeout;
      return Number.isNaN(q) ? Infinity : Math.max(q, 0);
    };
    Object.defineProperty(A, 'wait', {
      value: function wait_(ta, index, value, timeout) {
        if (!waitable(ta)) return wait.call(A, ta, index, value, timeout); // V8's own errors
        const i = toIndex(index);
        ops.atomicsPoint('wait', ta, i);
        load.call(A, ta, i); // V8's range check
        const v = toElement(ta, value);
        const t = toTimeout(timeout);
        if (load.call(A, ta, i) !== v) return 'not-equal';
        const result = ops.atomicsWait(ta, i, t);
        // Terminated while waiting: the termination takes effect at this loop's first
        // interrupt check, so no code after the wait runs (as in Node).
        if (result === null) for (;;);
        return result;
      },
      writable: true, configurable: true,
    });
    // waitAsync: the scheduler's wait table holds the waiter, so that the wrapped notify
    // wakes it (V8's own table would never hear of it) and the settling is a task of this
    // thread's loop, taken at a scheduling point. As in Node, a pending waitAsync does not
    // keep the loop alive.
    const waitAsync = A.waitAsync;
    if (typeof waitAsync === 'function') {
      Object.defineProperty(A, 'waitAsync', {
        value: function waitAsync_(ta, index, value, timeout) {
          if (!waitable(ta)) return waitAsync.call(A, ta, index, value, timeout);
          const i = toIndex(index);
          ops.atomicsPoint('waitAsync', ta, i);
          load.call(A, ta, i); // V8's range check
          const v = toElement(ta, value);
          const t = toTimeout(timeout);
          if (load.call(A, ta, i) !== v) return { async: false, value: 'not-equal' };
          if (t <= 0) return { async: false, value: 'timed-out' };
          const id = ops.atomicsWaitAsync(ta, i, t);
          if (id === undefined) return waitAsync.call(A, ta, i, v, t);
          return { async: true, value: new Promise((resolve) => asyncWaits.set(id, resolve)) };
        },
        writable: true, configurable: true,
      });
    }
    Object.defineProperty(A, 'notify', {
      value: function notify_(ta, index, count) {
        if (!waitable(ta)) return notify.call(A, ta, index, count);
        const i = toIndex(index);
        ops.atomicsPoint('notify', ta, i);
        load.call(A, ta, i); // range check, as V8's notify does
        let c = Infinity;
        if (count !== undefined) {
          const n = +count;
          c = Number.isNaN(n) ? 0 : Math.max(Math.trunc(n), 0);
        }
        return ops.atomicsNotify(ta, i, c);
      },
      writable: true, configurable: true,
    });
    const RealDate = Date;
    const VirtualDate = function Date(...args) {
      if (!new.target) return new RealDate(ops.now()).toString();
      return args.length === 0 ? new RealDate(ops.now()) : new RealDate(...args);
    };
    VirtualDate.prototype = RealDate.prototype;
    VirtualDate.now = () => Math.floor(ops.now());
    VirtualDate.parse = RealDate.parse;
    VirtualDate.UTC = RealDate.UTC;
    globalThis.Date = VirtualDate;
  }
  if (info.seed !== null) {
    // xorshift128+, seeded per worker: the same run draws the same numbers.
    let s0 = (info.seed >>> 0) || 1, s1 = ((info.seed / 4294967296) >>> 0) ^ 0x9e3779b9;
    Math.random = function random() {
      let x = s0, y = s1;
      s0 = y;
      x ^= x << 23; x ^= x >>> 17; x ^= y ^ (y >>> 26);
      s1 = x;
      return ((s0 + s1) >>> 0) / 4294967296;
    };
  }

  // ---------------------------------------------------------------- hooks for Rust
      // Whether delivering `kind` on port `id` runs code of the program's own: a child's
  // lifecycle message on its control port reaches the Worker's 'online' or 'error'
  // listeners, or for 'exit' its 'exit' and (the child's last messages) 'message' ones; a
  // close marker, the port's 'close' listeners. Listeners the harness marks with
  // heddle.internal() are not the program's.
  function hasUserListeners(id, kind) {
    const own = (emitter, names) => names.some((n) =>
      emitter.listeners(n).some((l) => !(typeof l === 'function' && l[kInternal])));
    if (kind !== 'close') {
      const w = workers.get(id);
      return w ? own(w, kind === 'exit' ? ['exit', 'message'] : [kind]) : false;
    }
    const target = ports.get(id);
    return target && typeof target.listeners === 'function' ? own(target, ['close']) : false;
  }
  function settleWait(id, woken) {
    const resolve = asyncWaits.get(id);
    asyncWaits.delete(id);
    if (resolve) resolve(woken ? 'ok' : 'timed-out');
  }
  function dispatch(id, value) {
    const target = ports.get(id);
    if (target) target.emit('message', value);
  }
  function dispatchClose(id) {
    const target = ports.get(id);
    ports.delete(id);
    if (target && !(target instanceof BroadcastChannel)) {
      target[kState].closed = true;
      target.emit('close');
    }
  }
  function setWorkerData(value) { workerThreads.workerData = value; }
  function emitMessageError(id, error) {
    const target = ports.get(id);
    if (target) target.emit('messageerror', error);
  }
  function outOfMemory() {
    return nodeError(Error, 'ERR_WORKER_OUT_OF_MEMORY',
      'Worker terminated due to reaching memory limit: JS heap out of memory');
  }
  function portOf(obj) { return obj instanceof MessagePort ? obj[kId] : undefined; }
  return {
    dispatch, dispatchClose, control, fire, makePort, makeError, require, requireFrom, requireFile, resolveImport, setWorkerData, settleWait,
    hasUserListeners,
    emitMessageError, outOfMemory, runCloses, errorForParent,
    exitCode: () => { emitExit(); return exitCode; }, portOf, workerThreads, format,
  };
})
