#!/usr/bin/env python3
"""Brute-force behaviour counts for the specs in specs/dpor/.

Each benchmark is modelled as threads of atomic operations on Int32 cells
(load, store, add, compareExchange), with data-dependent control flow run on
the real values. A *behaviour* is a Mazurkiewicz trace under sequential
consistency: two events are dependent when they are of the same thread, or
touch the same cell and at least one of them writes. A compareExchange writes
when it succeeds; a failing one only reads (it stores nothing), as in GenMC and
Nidhugg. `--cas-always-writes` counts a failing compareExchange as a write
too (the ECMAScript memory model formally makes every compareExchange a
read-modify-write event that writes the value it read back).

Two independent counts are made:

* brute force: every interleaving is enumerated (DFS over states) and the
  complete runs are grouped by their trace: each thread's labelled events,
  and for each cell the order of its writes with the set of reads between
  consecutive writes (that is, the order of every pair of dependent events
  of different threads). Used when the interleavings are few enough.
* normal forms: a memoised DFS that only extends runs which are the
  lexicographic normal form (Anisimov-Knuth) of their trace, so it counts
  each trace once. It scales to the larger instances and is checked against
  the brute force wherever both run.

Usage:
  python3 count.py                 # every benchmark at the sizes of the specs
  python3 count.py --markdown      # the same as a markdown table
  python3 count.py --all           # also the larger upstream sizes
  python3 count.py --outcomes      # also the final-state outcome sets
  python3 count.py casrot 3 5      # one benchmark at the given sizes
  python3 count.py --selftest      # both counts agree on small instances
  python3 count.py --specs         # the specs' behaviours and outcomes match (needs PyYAML)
  python3 count.py --cas-always-writes ...   # count a failing compareExchange as a write
"""

import json
import sys

sys.setrecursionlimit(100000)

CAS_ALWAYS_WRITES = False


# ---------------------------------------------------------------- the model
#
# A thread is (init_local, op, step): op(local) is the next operation or None
# when the thread is finished; step(local, result) is the local state after it.
# Operations: ('load', cell) ('store', cell, v) ('add', cell, v)
#             ('cas', cell, expected, replacement)
# Results are the value the operation read (the old value; None for store).

def perform(mem, op):
    """Return (result, new_mem, kind) with kind 'R' or 'W'."""
    kind_of = op[0]
    cell = op[1]
    old = mem[cell]
    if kind_of == 'load':
        return old, mem, 'R'
    if kind_of == 'store':
        return None, mem[:cell] + (op[2],) + mem[cell + 1:], 'W'
    if kind_of == 'add':
        new = (old + op[2] + 2**31) % 2**32 - 2**31
        return old, mem[:cell] + (new,) + mem[cell + 1:], 'W'
    if kind_of == 'cas':
        if old == op[2]:
            return old, mem[:cell] + (op[3],) + mem[cell + 1:], 'W'
        return old, mem, ('W' if CAS_ALWAYS_WRITES else 'R')
    raise ValueError(op)


def dependent(a, b):
    """a, b: (cell, kind) of events of different threads."""
    return a[0] == b[0] and (a[1] == 'W' or b[1] == 'W')


class Bench:
    def __init__(self, name, n, cells, threads, observe, future=None):
        self.name, self.n = name, n
        self.init = (tuple([0] * cells), tuple(t[0] for t in threads))
        self.ops = [t[1] for t in threads]
        self.steps = [t[2] for t in threads]
        self.observe = observe          # (mem, locals) -> tuple of (expr, value)
        self.future = future            # (mem, locals, i) -> cells thread i may touch
        self.nthreads = len(threads)
        self.few = True                 # interleavings few enough to count by states

    def label(self):
        return f"{self.name}({self.n})"


# ------------------------------------------------------------ the benchmarks

X0 = "Atomics.load(new Int32Array(x), 0)"      # outcome expressions, as in the specs


def readers(n):
    # writer: Atomics.store(x, 0, 42); reader k: got = Atomics.load(x, 0)
    writer = ('w0', lambda l: ('store', 0, 42) if l == 'w0' else None,
              lambda l, r: 'done')
    reader = (None, lambda l: ('load', 0) if l is None else None,
              lambda l, r: r)
    threads = [writer] + [reader] * n
    observe = lambda mem, locs: tuple((f"@r{k} got", locs[k]) for k in range(1, n + 1))
    future = lambda mem, locs, i: {0} if threads[i][1](locs[i]) else set()
    return Bench('readers', n, 1, threads, observe, future)


def ainc(n):
    # thread k: got = Atomics.add(x, 0, 1)
    t = (None, lambda l: ('add', 0, 1) if l is None else None, lambda l, r: r)
    observe = lambda mem, locs: ((X0, mem[0]),) + tuple(
        (f"@t{k + 1} got", locs[k]) for k in range(n))
    future = lambda mem, locs, i: {0} if locs[i] is None else set()
    return Bench('ainc', n, 1, [t] * n, observe, future)


def casrot(n):
    # thread k (1..n): got = Atomics.compareExchange(x, 0, k - 1, k)
    def thread(k):
        return (None, lambda l: ('cas', 0, k - 1, k) if l is None else None,
                lambda l, r: r)
    observe = lambda mem, locs: ((X0, mem[0]),) + tuple(
        (f"@t{k + 1} got", locs[k]) for k in range(n))
    future = lambda mem, locs, i: {0} if locs[i] is None else set()
    return Bench('casrot', n, 1, [thread(k) for k in range(1, n + 1)], observe, future)


def lastzero(n):
    # array[0..n] = 0
    # reader:   for (i = n; Atomics.load(a, i) !== 0; i--);
    # writer j: got = Atomics.load(a, j - 1); Atomics.store(a, j, got + 1)
    reader = (('loop', n),
              lambda l: ('load', l[1]) if l[0] == 'loop' else None,
              lambda l, r: ('loop', l[1] - 1) if r != 0 else ('done', l[1]))

    def writer(j):
        return (('load',),
                lambda l: ('load', j - 1) if l[0] == 'load' else
                          ('store', j, l[1] + 1) if l[0] == 'store' else None,
                lambda l, r: ('store', r) if l[0] == 'load' else ('done', l[1]))

    def future(mem, locs, i):
        l = locs[i]
        if i == 0:
            return set(range(l[1] + 1)) if l[0] == 'loop' else set()
        return {i - 1, i} if l[0] == 'load' else {i} if l[0] == 'store' else set()

    observe = lambda mem, locs: (("@r i", locs[0][1]),
                                 ("Array.from(new Int32Array(array))", mem)) + tuple(
        (f"@w{j} got", locs[j][1]) for j in range(1, n + 1))
    return Bench('lastzero', n, n + 1, [reader] + [writer(j) for j in range(1, n + 1)],
                 observe, future)


def indexer(n, variant='genmc', size=128, inserts=4):
    # table of SIZE ints; thread tid inserts MAX values:
    #   genmc:  w = i * 11 + tid,     i = 0..3   (GenMC tests/correct/synthetic/indexer)
    #   fg:     w = (++m) * 11 + tid, m = 1..4   (Flanagan & Godefroid; SV-COMP; Nidhugg)
    #   h = (w * 7) % SIZE; while (Atomics.compareExchange(t, h, 0, w) !== 0) h = (h + 1) % SIZE
    # (size and inserts are smaller only in the self-test, to make collisions.)
    SIZE, MAX = size, inserts

    def wval(tid, i):
        return i * 11 + tid if variant == 'genmc' else (i + 1) * 11 + tid

    def thread(tid):
        def op(l):
            i, h, fails = l
            return ('cas', h, 0, wval(tid, i)) if i < MAX else None

        def step(l, r):
            i, h, fails = l
            if r == 0:
                return (i + 1, (wval(tid, i + 1) * 7) % SIZE, fails)
            return (i, (h + 1) % SIZE, fails + 1)
        return ((0, (wval(tid, 0) * 7) % SIZE, 0), op, step)

    # Cells a pending insert may still touch. A probe passes only over occupied
    # cells; a cell free now can only be filled by another pending insert, each
    # insert filling one cell. So Land(k), the cells insert k may touch, is the
    # walk from its probe position over cells occupied now or matched to
    # distinct other inserts j with the cell in Land(j), up to the first cell
    # where no such matching exists: a least fixpoint, computed by iteration.
    def pending(locs):
        out = []                                    # (thread, start cell)
        for t in range(n):
            k, h, _ = locs[t]
            if k < MAX:
                out.append((t, h))
                out += [(t, (wval(t, m) * 7) % SIZE) for m in range(k + 1, MAX)]
        return out

    def walk(k, start, occupied, land):
        match = {}                                  # insert -> cell it fills

        def augment(cell, seen):
            for j, lj in enumerate(land):
                if j != k and j not in seen and cell in lj:
                    seen.add(j)
                    if j not in match or augment(match[j], seen):
                        match[j] = cell
                        return True
            return False
        cells, h = {start}, start
        for _ in range(SIZE):
            if not (h in occupied or augment(h, set())):
                break
            h = (h + 1) % SIZE
            cells.add(h)
        return cells

    cache = {}

    def future(mem, locs, i):
        key = (mem, locs)
        if key not in cache:
            occupied = {c for c in range(SIZE) if mem[c] != 0}
            ins = pending(locs)
            land = [{s} for _, s in ins]
            while True:
                new = [walk(k, s, occupied, land) for k, (_, s) in enumerate(ins)]
                if new == land:
                    break
                land = [a | b for a, b in zip(land, new)]
            if len(cache) > 50000:
                cache.clear()
            per = [set() for _ in range(n)]
            for (t, _), cells in zip(ins, land):
                per[t] |= cells
            cache[key] = per
        return cache[key][i]

    observe = lambda mem, locs: (
        ("new Int32Array(table).reduce((s, v) => s + v, 0)", sum(mem)),
        ("new Int32Array(table).filter((v) => v !== 0).length", sum(1 for v in mem if v)),
    ) + tuple((f"@t{t} fails", locs[t][2]) for t in range(n))
    name = 'indexer' if variant == 'genmc' else 'indexer-fg'
    if (size, inserts) != (128, 4):
        name += f'[table {size}, {inserts} inserts]'
    b = Bench(name, n, SIZE, [thread(t) for t in range(n)], observe, future)
    b.few = n <= 6
    return b


BENCHES = {
    'readers': readers, 'ainc': ainc, 'casrot': casrot, 'lastzero': lastzero,
    'indexer': indexer, 'indexer-fg': lambda n: indexer(n, 'fg'),
}

# Sizes of the specs, and the larger sizes upstream states.
SPEC_SIZES = {'readers': [2, 3, 8], 'ainc': [3, 5, 6], 'lastzero': [2, 3],
              'casrot': [3, 4], 'indexer': [12], 'indexer-fg': [12]}
ALL_SIZES = {'readers': [1, 2, 3, 4, 8, 13], 'ainc': [2, 3, 4, 5, 6, 7],
             'lastzero': [1, 2, 3, 4, 5, 10], 'casrot': [2, 3, 4, 5, 6, 7, 8],
             'indexer': [11, 12, 13, 14, 15], 'indexer-fg': [11, 12, 13]}

# What upstream states (executions GenMC explores under SC; traces Nidhugg counts).
G = 'MPI-SWS/genmc tests/correct/synthetic'
NS = 'nidhugg/nidhugg tests/smoke/reference.results.txt'
UPSTREAM = {
    ('readers', 1): (2, f'{NS}:15'), ('readers', 2): (4, f'{G}/readers/expected.sc.mo.in:1'),
    ('readers', 3): (8, f'{NS}:17'), ('readers', 4): (16, f'{NS}:18'),
    ('readers', 8): (256, f'{G}/readers/expected.sc.mo.in:2'),
    ('readers', 13): (8192, f'{G}/readers/expected.sc.mo.in:3'),
    **{('ainc', k): (c, f'{G}/ainc/expected.sc.mo.in:{k - 1}')
       for k, c in zip(range(2, 8), [2, 6, 24, 120, 720, 5040])},
    **{('casrot', k): (c, f'{G}/casrot/expected.sc.mo.in:{k - 1}')
       for k, c in zip(range(2, 10), [2, 5, 14, 43, 144, 523, 2048, 8597])},
    ('lastzero', 1): (2, f'{NS}:23'), ('lastzero', 2): (5, f'{NS}:24'),
    ('lastzero', 3): (12, f'{NS}:25'), ('lastzero', 4): (28, f'{NS}:26'),
    ('lastzero', 5): (64, f'{G}/lastzero/expected.sc.mo.in:1'),
    ('lastzero', 10): (3328, f'{G}/lastzero/expected.sc.mo.in:2'),
    ('indexer', 12): (8, f'{G}/indexer/expected.sc.mo.in:1'),
    ('indexer', 15): (4096, f'{G}/indexer/expected.sc.mo.in:2'),
}


# ---------------------------------------------------------------- counting

def next_events(b, mem, locs):
    """Per thread: None (finished) or (op, cell, kind) of its next event."""
    out = []
    for i in range(b.nthreads):
        op = b.ops[i](locs[i])
        if op is None:
            out.append(None)
        else:
            _, _, kind = perform(mem, op)
            out.append((op, op[1], kind))
    return out


def run_step(b, mem, locs, i, op):
    r, mem2, kind = perform(mem, op)
    locs2 = locs[:i] + (b.steps[i](locs[i], r),) + locs[i + 1:]
    return r, mem2, locs2, kind


def count_interleavings(b, budget=300_000):
    """Number of complete interleavings (memoised on states), or None past budget."""
    memo = {}

    def f(mem, locs):
        key = (mem, locs)
        if key in memo:
            return memo[key]
        if len(memo) > budget:
            raise OverflowError
        total, any_ = 0, False
        for i in range(b.nthreads):
            op = b.ops[i](locs[i])
            if op is not None:
                any_ = True
                _, mem2, locs2, _ = run_step(b, mem, locs, i, op)
                total += f(mem2, locs2)
        memo[key] = total if any_ else 1
        return memo[key]
    try:
        return f(*b.init)
    except OverflowError:
        return None


def brute_force(b):
    """Enumerate every interleaving; return (#runs, #traces, outcomes)."""
    traces, outcomes = set(), set()
    runs = 0
    events = []                     # (thread, idx, op, result, cell, kind)
    counts = [0] * b.nthreads

    def key():
        per_thread = [[] for _ in range(b.nthreads)]
        per_cell = {}
        for (t, k, op, r, cell, kind) in events:
            per_thread[t].append((op, r, kind))
            seq = per_cell.setdefault(cell, [])
            if kind == 'W':
                seq.append(('W', (t, k)))
            elif seq and seq[-1][0] == 'R':
                seq[-1][1].add((t, k))
            else:
                seq.append(('R', {(t, k)}))
        cells = tuple(sorted((c, tuple((kd, frozenset(x) if kd == 'R' else x) for kd, x in s))
                             for c, s in per_cell.items()))
        return (tuple(map(tuple, per_thread)), cells)

    def dfs(mem, locs):
        nonlocal runs
        moved = False
        for i in range(b.nthreads):
            op = b.ops[i](locs[i])
            if op is None:
                continue
            moved = True
            r, mem2, locs2, kind = run_step(b, mem, locs, i, op)
            events.append((i, counts[i], op, r, op[1], kind))
            counts[i] += 1
            dfs(mem2, locs2)
            counts[i] -= 1
            events.pop()
        if not moved:
            runs += 1
            traces.add(key())
            outcomes.add(b.observe(mem, locs))

    dfs(*b.init)
    return runs, len(traces), outcomes


def normal_forms(b):
    """Count traces as lexicographic normal forms; return (#traces, outcomes).

    Appending event a of thread t to a run breaks the normal form iff, going
    back from the end over events independent of a (stopping at the first one
    of t's or dependent with a), some event has a thread greater than t. Per
    thread we keep that flag for its next event ("blocked"); a blocked thread
    whose next cell no other thread may touch again can never be unblocked, so
    the run cannot be completed and is cut.
    """
    memo = {}

    def f(mem, locs, blocked):
        k = (mem, locs, blocked)
        if k in memo:
            return memo[k]
        nxt = next_events(b, mem, locs)
        live = [i for i in range(b.nthreads) if nxt[i] is not None]
        if not live:
            memo[k] = (1, frozenset([b.observe(mem, locs)]))
            return memo[k]
        if b.future is not None:
            for u in live:
                if blocked >> u & 1:
                    cell = nxt[u][1]
                    if not any(cell in b.future(mem, locs, v) for v in live if v != u):
                        memo[k] = (0, frozenset())
                        return memo[k]
        total, outs = 0, set()
        for t in live:
            if blocked >> t & 1:
                continue
            op, cell, kind = nxt[t]
            _, mem2, locs2, _ = run_step(b, mem, locs, t, op)
            nb = 0
            for u in live:
                if u == t:
                    continue
                if not dependent((cell, kind), nxt[u][1:]) and (blocked >> u & 1 or t > u):
                    nb |= 1 << u
            c, o = f(mem2, locs2, nb)
            total += c
            outs |= o
        memo[k] = (total, frozenset(outs))
        return memo[k]

    return f(*b.init, 0)


def outcome_sets(outs):
    """From a set of observation tuples to {expr: sorted values}."""
    sets = {}
    for obs in outs:
        for expr, v in obs:
            sets.setdefault(expr, set()).add(v)
    return {e: sorted(vs) for e, vs in sets.items()}


def analyse(b, brute_limit=2_000_000):
    """Count b both ways (brute force only when the interleavings are few)."""
    inter = count_interleavings(b) if b.few else None
    bf = None
    if inter is not None and inter <= brute_limit:
        bf = brute_force(b)
    nf, outs = normal_forms(b)
    if bf is not None:
        assert bf[0] == inter, (b.label(), bf[0], inter)
        assert bf[1] == nf, f"{b.label()}: brute force {bf[1]} != normal forms {nf}"
        assert bf[2] == outs, f"{b.label()}: outcome sets differ"
    return dict(label=b.label(), interleavings=inter, brute=bf[1] if bf else None,
                traces=nf, upstream=UPSTREAM.get((b.name, b.n)), outcomes=outcome_sets(outs))


def selftest():
    """Both counts on small instances, indexers with small tables (many collisions)."""
    global CAS_ALWAYS_WRITES
    cases = [BENCHES[name](n) for name, ns in
             [('readers', [1, 2, 3, 4]), ('ainc', [2, 3, 4, 5]), ('casrot', [2, 3, 4, 5, 6]),
              ('lastzero', [1, 2, 3, 4])] for n in ns]
    cases += [indexer(n, v, size, k) for v in ('genmc', 'fg')
              for (n, size, k) in [(2, 4, 2), (3, 6, 2), (2, 6, 3), (4, 8, 2), (3, 9, 3)]]
    for always in (False, True):
        CAS_ALWAYS_WRITES = always
        for b in cases:
            r = analyse(b)
            assert r['brute'] is not None, b.label()
            print(f"ok {b.label()}"
                  f"{' --cas-always-writes' if always else ''}: {r['interleavings']} interleavings,"
                  f" {r['traces']} traces both ways")
    CAS_ALWAYS_WRITES = False


def check_specs(paths):
    """Compare each spec's `behaviours` and `outcomes` with the counts (needs PyYAML)."""
    try:
        import yaml
    except ImportError:
        sys.exit("--specs needs PyYAML (the counts themselves need nothing)")
    import glob
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    bad = 0
    for path in paths or sorted(glob.glob(os.path.join(here, '*.yaml'))):
        with open(path) as f:
            spec = yaml.safe_load(f)
        name, _, n = spec['name'].rpartition('-')
        r = analyse(BENCHES[name](int(n)))
        want = spec['expect'].get('behaviours')
        problems = [] if want == r['traces'] else [f"behaviours {want}, counted {r['traces']}"]
        got = {e: json.loads(json.dumps(vs)) for e, vs in r['outcomes'].items()}
        for expr, vals in spec['expect'].get('outcomes', {}).items():
            if expr not in got:
                problems.append(f"outcome {expr!r} is not modelled")
            elif sorted(vals, key=json.dumps) != sorted(got[expr], key=json.dumps):
                problems.append(f"outcome {expr!r}: {vals}, counted {got[expr]}")
        bad += bool(problems)
        print(f"{os.path.basename(path)}: " + ("; ".join(problems) if problems else
              f"ok ({want} behaviours, {len(spec['expect'].get('outcomes', {}))} outcome sets)"))
    sys.exit(1 if bad else 0)


def main(argv):
    global CAS_ALWAYS_WRITES
    if '--selftest' in argv:
        return selftest()
    if '--specs' in argv:
        return check_specs([a for a in argv if not a.startswith('--')])
    markdown = '--markdown' in argv
    show_outcomes = '--outcomes' in argv
    sizes = ALL_SIZES if '--all' in argv else SPEC_SIZES
    CAS_ALWAYS_WRITES = '--cas-always-writes' in argv
    args = [a for a in argv if not a.startswith('--')]
    if args:
        jobs = [(args[0], [int(x) for x in args[1:]] or sizes[args[0]])]
    else:
        jobs = list(sizes.items())
    if markdown:
        print("| benchmark | interleavings | traces (brute force) | traces (normal forms)"
              " | upstream | where |")
        print("|---|---:|---:|---:|---:|---|")
    for name, ns in jobs:
        for n in ns:
            r = analyse(BENCHES[name](n))
            inter = r['interleavings'] if r['interleavings'] is not None else 'too many'
            up, where = r['upstream'] or ('', '')
            if markdown:
                print(f"| {r['label']} | {inter} | {r['brute'] if r['brute'] is not None else '-'}"
                      f" | {r['traces']} | {up} | {where} |", flush=True)
            else:
                bf = ", brute force agrees" if r['brute'] is not None else ", not brute-forced"
                note = ''
                if up and up != r['traces']:
                    note = f"  DIFFERS: upstream says {up} ({where})"
                elif up:
                    note = f"  (upstream {up}: {where})"
                print(f"{r['label']}: {inter} interleavings, {r['traces']} traces{bf}{note}",
                      flush=True)
            if show_outcomes:
                for e, vs in r['outcomes'].items():
                    print(f"    {json.dumps(e)}: {json.dumps(vs)}")


if __name__ == '__main__':
    main(sys.argv[1:])
