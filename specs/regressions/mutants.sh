#!/usr/bin/env bash
# Builds the runtime once per historic Node bug re-introduced as a mutant
# (`cfg(heddle_mutant = "…")`, set through HEDDLE_MUTANT by runtime/build.rs) and requires
# that bug's own regression spec, explored, to fail, and to fail the way the bug fails: exit
# status 1 (the code under test broke an expectation; not 2, a spec that cannot be checked,
# nor a crash) with the expectation the bug breaks named in the report. Every other outcome
# (the spec passes, a build error, a crash, another failure) leaves the mutant uncaught.
#
# Usage: bash specs/regressions/mutants.sh [mutant ...]
set -euo pipefail
cd "$(dirname "$0")/../.."

# mutant => the regression spec that must catch it
declare -A spec=(
  [close_marker_skipped]=close-marker-22762
  [transfer_duplicates_allowed]=duplicate-transfer-25786
  [sabs_merged]=several-sabs-28559
  [sab_freed_with_creator]=sab-outlives-worker-28777
  [closed_port_sends]=closed-port-cannot-send-42296
  [transferred_port_leaked]=port-to-exiting-worker-39036
  [pending_keeps_alive]=terminate-with-queued-messages-37319
  [wait_ends_on_message]=no-delivery-while-blocked-25630
)
# mutant => what the report must say (an extended regex over its error lines)
declare -A kind=(
  [close_marker_skipped]='`seq.join\(\)` is "close'
  [transfer_duplicates_allowed]='`thrown` is "nothing"'
  [sabs_merged]='`@a sizes` is \[4,4,4\]'
  [sab_freed_with_creator]='`afterExit.filter.* is \[-572662307'
  [closed_port_sends]='`@b got` is \["before close","after close"'
  [transferred_port_leaked]='ended idle: main waits'
  [pending_keeps_alive]='ended idle: main waits'
  [wait_ends_on_message]='`@a log` is \["wait ok"'
)
order=(close_marker_skipped transfer_duplicates_allowed sabs_merged sab_freed_with_creator
  closed_port_sends transferred_port_leaked pending_keeps_alive wait_ends_on_message)
mutants=("$@")
[ ${#mutants[@]} -gt 0 ] || mutants=("${order[@]}")
mkdir -p target
survivors=0
for m in "${mutants[@]}"; do
  file="specs/regressions/${spec[$m]:?unknown mutant $m}.yaml"
  want="${kind[$m]}"
  log="target/regression-mutant-$m.log"
  start=$(date +%s)
  if ! HEDDLE_MUTANT="$m" cargo build -q -p heddle --bin heddle >"$log" 2>&1; then
    echo "mutant $m: BUILD FAILED (see $log)"; survivors=$((survivors + 1)); continue
  fi
  set +e
  HEDDLE_MAX_RUN_MS=20000 timeout 600 target/debug/heddle explore "$file" >>"$log" 2>&1
  rc=$?
  set -e
  secs=$(( $(date +%s) - start ))
  why=$(grep -E '^error: ' "$log" | grep -Em1 -- "$want" || true)
  if [ $rc -eq 0 ]; then
    echo "mutant $m: SURVIVED: $file passed against it (see $log)"; survivors=$((survivors + 1))
  elif [ $rc -ne 1 ]; then
    echo "mutant $m: $file ended with status $rc, not 1 (a failed expectation) (see $log)"
    survivors=$((survivors + 1))
  elif [ -z "$why" ]; then
    echo "mutant $m: $file failed, but not as the bug fails (wanted /$want/; see $log)"
    grep -m3 '^error: ' "$log" | sed 's/^/  /'
    survivors=$((survivors + 1))
  else
    echo "mutant $m: caught by $file (${secs}s): ${why:0:140}"
  fi
done
# Leave the target directory's runtime as it should be.
cargo build -q -p heddle --bin heddle
if [ $survivors -ne 0 ]; then
  echo "$survivors mutant(s) not caught as they should be; reproduce one with:"
  echo "  HEDDLE_MUTANT=<name> cargo run -p heddle -- explore specs/regressions/<spec>.yaml"
  exit 1
fi
echo "all ${#mutants[@]} regression mutants caught, each by its own spec, failing as its bug does"
