#!/usr/bin/env bash
# Runs the loom suite against each deliberately broken variant of the runtime
# (`cfg(heddle_mutant = "...")`) and requires the claim that guards it to fail.
# A mutant that survives means the claim's test cannot catch the bug it exists for.
#
# Usage: bash runtime/tests/loom/mutants.sh [mutant ...]
set -euo pipefail
cd "$(dirname "$0")/../../.."

# mutant => the test (a claim) that must fail against it
declare -A guard=(
  [begin_wake_overwrites]=claim_1_two_senders_one_receiver_lose_nothing_and_keep_each_senders_order
  [close_marker_skipped]=claim_2_messages_posted_before_the_peer_closes_arrive_before_close
  [wake_clear_late]=claim_3_a_receiver_parked_on_an_empty_queue_wakes_for_a_concurrent_post
  [transfer_local_last]=claim_4_transfer_racing_post_keeps_queued_messages_first_and_in_order
  [locker_not_recursive]=claim_5_locker_excludes_other_threads_and_nests_on_one
  [dispatch_snapshot]=claim_6_dispatch_racing_disentangle_delivers_nothing_to_a_removed_port
)
mutants=("$@")
[ ${#mutants[@]} -gt 0 ] || mutants=(begin_wake_overwrites close_marker_skipped wake_clear_late transfer_local_last locker_not_recursive dispatch_snapshot)
export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-3}"
survivors=0
for m in "${mutants[@]}"; do
  test_name="${guard[$m]:?unknown mutant $m}"
  log="target/mutant-$m.log"
  mkdir -p target
  start=$(date +%s)
  set +e
  RUSTFLAGS="--cfg loom --cfg heddle_mutant=\"$m\"" \
  RUSTFLAGS="--cfg loom --cfg heddle_mutant=\"$m\"" \
    cargo test -p heddle-runtime --release --test loom -- "$test_name" >"$log" 2>&1
  rc=$?
  set -e
  secs=$(( $(date +%s) - start ))
  if grep -q "error\[E\|could not compile" "$log"; then
    echo "mutant $m: BUILD FAILED (see $log)"; survivors=$((survivors + 1))
  elif [ $rc -ne 0 ] && grep -q "panicked\|deadlock\|FAILED" "$log"; then
    why=$(grep -m1 -o "deadlock\|assertion.*\|[a-z][^:]*lost[^\"]*\|FIFO violated\|a message reached[^\"]*" "$log" | head -c 100 || true)
    echo "mutant $m: caught by $test_name (${secs}s; $why)"
  else
    echo "mutant $m: SURVIVED — $test_name passed against it (see $log)"
    survivors=$((survivors + 1))
  fi
done
if [ $survivors -ne 0 ]; then
  echo "$survivors mutant(s) not caught; reproduce one with:"
  echo "  RUSTFLAGS='--cfg loom --cfg heddle_mutant=\"<name>\"' cargo test -p heddle-runtime --release --test loom"
  exit 1
fi
echo "all ${#mutants[@]} mutants caught"
