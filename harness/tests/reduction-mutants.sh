#!/usr/bin/env bash
# The reduction's guard (harness/tests/reduction.rs) must catch each of these broken
# footprint or reduction rules: built with `--cfg heddle_mutant="<name>"`, the comparison
# with plain DFS must fail. Slow (one build per mutant, in target/mutants/), so not in
# .ci/run: run it after changing harness/src/sched/{footprint,dpor,controller}.
set -uo pipefail
cd "$(dirname "$0")/../.."
a=../shared/v8/librusty_v8_release_x86_64-unknown-linux-gnu.a.gz
[ -f "$a" ] && export RUSTY_V8_ARCHIVE="$(readlink -f "$a")"
mutants=(user_code_no_wake lifecycle_no_wake forced_units_apart)
failed=0
for m in "${mutants[@]}"; do
  out=$(RUSTFLAGS="--cfg heddle_mutant=\"$m\"" CARGO_TARGET_DIR=target/mutants \
    cargo test -q -p heddle --test reduction 2>&1)
  if grep -q "the reduction disagrees with plain DFS" <<<"$out"; then
    echo "caught  $m: $(grep -c '^test .* FAILED' <<<"$out") spec(s) disagree, e.g. $(grep -m1 -o '[a-z/-]*\.yaml: the reduction disagrees' <<<"$out")"
  else
    echo "MISSED  $m"
    tail -5 <<<"$out"
    failed=1
  fi
done
exit $failed
