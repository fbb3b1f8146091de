#!/usr/bin/env bash
# Runs Heddle's V8 tests on a CPU with memory protection keys (`pku`), emulated, on a machine
# whose own CPU has none.
#
# Why: V8 guards its code space and JSDispatchTable with a protection key on such CPUs, and a
# thread that does not descend from the thread that initialised V8 dies with SIGSEGV the
# first time it compiles (runtime/src/engine/platform.rs). A green run on a CPU without `pku`
# proves nothing about that. QEMU's TCG emulator implements `pku` (`-cpu max`) whatever the
# host has, so this boots a Linux kernel in it, with an initramfs holding busybox, the
# checkout's test binaries at their own absolute paths, node and the test data, and runs
# them there as `cargo test` would (one process per test binary, libtest's threads, so runs
# share a process as they do on CI). The guest must report `pku` and `ospke`, or the run fails.
#
# Usage: bash .ci/pku-vm.sh [--quick|--full|--only NAME,NAME|--nextest] [--mutant]
#   (default)  `heddle explore --jobs 2` three times, and the test binaries that run V8 from
#              several threads at once: parallel, specs, the runtime's lib, engine and node
#              tests (about 20-40 minutes on 2 cores: TCG runs V8 20-60 times slower)
#   --quick    the explores, parallel, the runtime's lib and engine (a few minutes; .ci/run)
#   --full     every test binary of `cargo test --workspace` (an hour and more), with node
#   --only     the named test binaries (as `cargo test` names them: specs, heddle_runtime, …)
#   --nextest  `cargo nextest run --workspace` from an archive (`cargo nextest archive`),
#              one process per test, in the guest, which has no cargo: all but diff and npm,
#              which compare with node (below), and loom (nothing without --cfg loom)
#
# `node` goes into the guest only with --full (diff and npm need it): the node tests compare
# Node's own output with the recorded one, and Node's timing-dependent programs (H06) print
# otherwise at TCG's speed; elsewhere HEDDLE_ALLOW_NO_NODE=1 skips that comparison, and
# Heddle's side of every node test still runs.
#   --mutant   first the mutant `spawn_outside_root` (the bug, re-introduced): its
#              `heddle explore --jobs 2` must die of SIGSEGV in the guest, which shows that
#              the guest catches the bug at all
#
# Needs qemu-system-x86_64, a static busybox, cpio and a Linux kernel with
# CONFIG_X86_INTEL_MEMORY_PROTECTION_KEYS (Debian's): installed with apt-get when missing and
# run as root. Everything it makes is under target/pku-vm/; the guest's console is
# target/pku-vm/console.log. Exit status 0 only when the guest says "pku-vm: pass".
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd -P)"

args="$*"
set=default
only=""
mutant=0
usage() { echo "usage: bash .ci/pku-vm.sh [--quick|--full|--only NAME,NAME|--nextest] [--mutant]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) set=quick ;;
    --full) set=full ;;
    --nextest) set=nextest ;;
    --only) [ $# -ge 2 ] || usage; set=only; only="$2"; shift ;;
    --mutant) mutant=1 ;;
    *) usage ;;
  esac
  shift
done

a=../shared/v8/librusty_v8_release_x86_64-unknown-linux-gnu.a.gz
[ -f "$a" ] && export RUSTY_V8_ARCHIVE="$(readlink -f "$a")"
export CARGO_TERM_COLOR=never
step() { printf '\n== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

work="$repo/target/pku-vm"
mkdir -p "$work"

step "tools"
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx poweroff || need+=(busybox-static)
command -v cpio >/dev/null || need+=(cpio)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y --no-install-recommends "${need[@]}" >"$work/apt.log" 2>&1 ||
      { echo "pku-vm: cannot install ${need[*]} (see $work/apt.log)"; exit 1; }
  else
    echo "pku-vm: needs ${need[*]}: install them (Debian package names) and run again"; exit 1
  fi
fi
ldd /bin/busybox >/dev/null 2>&1 && { echo "pku-vm: /bin/busybox is not static: install busybox-static"; exit 1; }

# A kernel: the host's own if readable, else Debian's current one, downloaded once.
kernel=""
for k in /boot/vmlinuz-*; do [ -r "$k" ] && kernel="$k"; done
if [ -z "$kernel" ]; then
  kernel=$(ls "$work"/kernel/boot/vmlinuz-* 2>/dev/null | tail -n1 || true)
fi
if [ -z "$kernel" ]; then
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)/\1/p' | head -n1)
  [ -n "$pkg" ] || { echo "pku-vm: no kernel in /boot and apt-cache knows no linux-image-amd64"; exit 1; }
  (cd "$work" && rm -f linux-image-*.deb && apt-get download "$pkg" >"$work/apt-kernel.log" 2>&1) ||
    { echo "pku-vm: cannot download $pkg (see $work/apt-kernel.log)"; exit 1; }
  rm -rf "$work/kernel" && dpkg-deb -x "$work"/linux-image-*.deb "$work/kernel"
  kernel=$(ls "$work"/kernel/boot/vmlinuz-* | tail -n1)
fi
config="$(dirname "$kernel")/config-${kernel##*/vmlinuz-}"
if [ -r "$config" ] && ! grep -q '^CONFIG_X86_INTEL_MEMORY_PROTECTION_KEYS=y' "$config"; then
  echo "pku-vm: $kernel is built without memory protection keys"; exit 1
fi
echo "kernel: $kernel"

stage="$work/root"
rm -rf "$stage"
mkdir -p "$stage"/{bin,proc,sys,dev,tmp,vm}

# Copies the shared libraries a file loads to their own paths in the guest.
libs_of() {
  ldd "$1" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
    [ -e "$stage$lib" ] || { mkdir -p "$stage$(dirname "$lib")"; cp -L "$lib" "$stage$lib"; }
  done
}
# Copies a file to the same absolute path in the guest, with the shared libraries it loads.
put() {
  local f
  for f in "$@"; do
    mkdir -p "$stage$(dirname "$f")"
    cp -L "$f" "$stage$f"
    libs_of "$f"
  done
}

if [ $mutant = 1 ]; then
  step "build the mutant spawn_outside_root"
  HEDDLE_MUTANT=spawn_outside_root cargo build -q -p heddle --bin heddle
  mkdir -p "$stage/vm/mutant"
  cp target/debug/heddle "$stage/vm/mutant/heddle"
fi

# The npm packages some specs run (synckit, piscina): those tests refuse to run without
# them, so install them as .ci/run does, before the long guest run rather than after it.
if [ ! -e conformance/npm/node_modules/.package-lock.json ]; then
  step "npm packages (conformance/npm)"
  command -v npm >/dev/null || { echo "pku-vm: needs npm to install conformance/npm's packages"; exit 1; }
  npm ci --prefix conformance/npm --no-audit --no-fund >"$work/npm.log" 2>&1 ||
    { echo "pku-vm: npm ci --prefix conformance/npm failed (see $work/npm.log)"; exit 1; }
fi

step "build the test binaries"
cargo build -q -p heddle --bin heddle
cargo build -q -p heddle-runtime --bin heddle-node
# name, package directory, executable: one line per test binary of the workspace
cargo test --workspace --no-run --message-format=json 2>/dev/null | python3 -c '
import json, os, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["profile"]["test"]:
        print(m["target"]["name"], os.path.dirname(m["manifest_path"]), m["executable"])
' >"$work/binaries.txt"
[ -s "$work/binaries.txt" ] || { echo "pku-vm: cargo listed no test binaries"; exit 1; }
case $set in
  # loom's tests compile to nothing without --cfg loom, and loom never touches V8.
  full) grep -v '^loom ' "$work/binaries.txt" >"$work/chosen.txt" ;;
  quick) grep -E '^(parallel|heddle_runtime|engine) ' "$work/binaries.txt" >"$work/chosen.txt" ;;
  only) grep -E "^(${only//,/|}) " "$work/binaries.txt" >"$work/chosen.txt" || true ;;
  # nextest runs them from its archive instead; this list only stages their libraries.
  nextest) grep -v -E '^(loom|diff|npm) ' "$work/binaries.txt" >"$work/chosen.txt" ;;
  *) grep -E '^(parallel|specs|heddle_runtime|engine|node) ' "$work/binaries.txt" >"$work/chosen.txt" ;;
esac
[ -s "$work/chosen.txt" ] || { echo "pku-vm: none of the test binaries it runs was built"; exit 1; }
[ $set != nextest ] || command -v cargo-nextest >/dev/null ||
  { echo "pku-vm: --nextest needs cargo-nextest (cargo install cargo-nextest)"; exit 1; }
echo "$(wc -l <"$work/chosen.txt") test binaries: $(cut -d' ' -f1 "$work/chosen.txt" | tr '\n' ' ')"

step "stage the guest"
cp /bin/busybox "$stage/bin/busybox"
put "$repo/target/debug/heddle" "$repo/target/debug/heddle-node"
if [ $set = nextest ]; then
  cargo nextest archive --workspace --archive-file "$work/tests.tar.zst" >"$work/archive.log" 2>&1 ||
    { echo "pku-vm: cargo nextest archive failed (see $work/archive.log)"; exit 1; }
  put "$(command -v cargo-nextest)"
  cp "$work/tests.tar.zst" "$stage/vm/tests.tar.zst"
  while read -r _ _ exe; do libs_of "$exe"; done <"$work/chosen.txt"
  : >"$work/chosen.txt"
else
  while read -r _ _ exe; do put "$exe"; done <"$work/chosen.txt"
fi
# The checkout's own files (specs, snapshots, scripts) at the same path, and what the tests
# read beside it.
mkdir -p "$stage$repo"
git ls-files -z | cpio -0 -pdm --quiet "$stage$repo"
[ -d conformance/npm/node_modules ] && cp -r conformance/npm/node_modules "$stage$repo/conformance/npm/"
[ -d ../shared/test262 ] && { mkdir -p "$stage$(dirname "$repo")/shared"; cp -r ../shared/test262 "$stage$(dirname "$repo")/shared/"; }
if [ $set = full ]; then
  command -v node >/dev/null && put "$(command -v node)"
else
  touch "$stage/vm/no-node"
fi
cp "$work/chosen.txt" "$stage/vm/chosen.txt"

cat >"$stage/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mount -t tmpfs -o size=75% tmpfs /tmp
/vm/run.sh
poweroff -f
EOF
cat >"$stage/vm/run.sh" <<EOF
#!/bin/sh
repo="$repo"
EOF
cat >>"$stage/vm/run.sh" <<'EOF'
export HOME=/tmp TMPDIR=/tmp CI=true PATH=/usr/local/bin:/usr/bin:/bin
# TCG runs code 20 to 60 times slower than the host: wall-clock limits that bound a unit, a
# run, or a program Node keeps alive are scaled to it (a spec's own limits stay as written).
# The unit limit stays well under the bad-spec catalogue's 60 s hang bound, within which
# its busy-loop specs must be stopped by the watchdog (harness/tests/bad.rs).
export HEDDLE_MAX_UNIT_MS=30000 HEDDLE_MAX_RUN_MS=1800000 HEDDLE_TEST_TIME_SCALE=30
[ -e /vm/no-node ] && export HEDDLE_ALLOW_NO_NODE=1
echo
verdict=pass
fail() { echo "pku-vm: FAILED: $*"; verdict=fail; }
flags=$(grep -o -w -E 'pku|ospke' /proc/cpuinfo | sort -u | tr '\n' ' ')
echo "guest cpu flags: ${flags:-none} ($(nproc) cpus)"
case "$flags" in *ospke*pku*) ;; *) fail "the guest has no pku/ospke: nothing here would be shown"; echo "pku-vm: $verdict"; exit ;; esac
# run NAME DIR CMD...: runs CMD in DIR, says how it ended
run() {
  name=$1; dir=$2; shift 2
  s=$(date +%s)
  (cd "$dir" && "$@") >/tmp/out 2>&1
  rc=$?
  echo "-- $name: exit $rc ($(( $(date +%s) - s )) s)"
  if [ $rc = 0 ]; then grep -E '^test result' /tmp/out | tail -n 2; else
    # why each test failed (its panic, or nextest's verdict line), then how the run ended
    grep -E -A3 'panicked at|^ *(FAIL|SIGSEGV|SIGABRT|TIMEOUT) ' /tmp/out | head -n 200
    echo "-- the end of its output:"; tail -n 40 /tmp/out
  fi
  return $rc
}
if [ -x /vm/mutant/heddle ]; then
  crashed=0
  for i in 1 2 3; do
    run "mutant spawn_outside_root: heddle explore --jobs 2 (#$i)" "$repo" \
      /vm/mutant/heddle explore specs/contention/racy-increment.yaml --jobs 2
    [ $? = 139 ] && crashed=$((crashed + 1))
  done
  echo "mutant spawn_outside_root: SIGSEGV in $crashed of 3 runs"
  [ $crashed -gt 0 ] || fail "the mutant spawn_outside_root was not caught: this guest does not show the bug"
fi
for i in 1 2 3; do
  run "heddle explore --jobs 2 (#$i)" "$repo" \
    "$repo/target/debug/heddle" explore specs/contention/racy-increment.yaml --jobs 2 ||
    fail "heddle explore --jobs 2"
done
while read -r name dir exe; do
  run "$name ($exe)" "$dir" "$exe" || fail "$name"
done </vm/chosen.txt
if [ -e /vm/tests.tar.zst ]; then
  mkdir -p /tmp/nextest
  run "cargo nextest run --workspace (from its archive; not diff, npm, loom)" "$repo" \
    cargo-nextest nextest run --archive-file /vm/tests.tar.zst --workspace-remap "$repo" \
    --extract-to /tmp/nextest --no-fail-fast -E 'not (binary(diff) | binary(npm) | binary(loom))' ||
    fail "cargo nextest run"
  grep -E '^ *(Summary|PASS|FAIL|SIGSEGV|SIGABRT|TIMEOUT)' /tmp/out | grep -v '^ *PASS' | tail -n 20
fi
echo "pku-vm: $verdict"
EOF
chmod +x "$stage/init" "$stage/vm/run.sh"
(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1 >"$work/initrd.gz")
echo "initramfs: $(du -h "$work/initrd.gz" | cut -f1)"

step "boot (TCG, -cpu max: pku emulated)"
mem_mb=$(awk '/MemAvailable/ { m = int($2 / 1024 * 3 / 4); print (m > 8192 ? 8192 : m) }' /proc/meminfo)
set +e
timeout 7200 qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp "$(nproc)" -m "$mem_mb" \
  -kernel "$kernel" -initrd "$work/initrd.gz" \
  -append "console=ttyS0 panic=-1" -nographic -no-reboot </dev/null |
  stdbuf -oL tr -d '\r' | tee "$work/console.log" | grep --line-buffered -v -E '^\[ *[0-9.]+\]|^$'
set -e
step "done"
if grep -qx 'pku-vm: pass' "$work/console.log"; then
  echo "pku-vm: every check passed on an emulated CPU with pku"
else
  echo "pku-vm: failed (the guest's console: $work/console.log; rerun: bash .ci/pku-vm.sh $args)"
  exit 1
fi
