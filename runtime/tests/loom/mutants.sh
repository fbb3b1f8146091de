#!/usr/bin/env bash
# Runs the loom suite against each deliberately broken variant of the runtime
# (`cfg(heddle_mutant = "...")`) and requires the claim that guards it to fail, and to fail
# the way the bug fails: a mutant that trips some other check (a compile error, another
# test, an unrelated panic) is not caught. A mutant that survives means the claim's test
# cannot catch the bug it exists for.
#
# Usage: bash runtime/tests/loom/mutants.sh [mutant ...]
set -euo pipefail
cd "$(dirname "$0")/../../.."

# mutant => the test (a claim) that must fail against it
declare -A guard=(
  [begin_wake_overwrites]=port::claim_1_two_senders_one_receiver_lose_nothing_and_keep_each_senders_order
  [close_marker_skipped]=port::claim_2_messages_posted_before_the_peer_closes_arrive_before_close
  [wake_clear_late]=wake::claim_3_a_receiver_parked_on_an_empty_queue_wakes_for_a_concurrent_post
  [transfer_local_last]=port::claim_4_transfer_racing_post_keeps_queued_messages_first_and_in_order
  [locker_not_recursive]=locker::claim_5_locker_excludes_other_threads_and_nests_on_one
  [unlocker_noop]=locker::claim_5_unlocker_hands_the_isolate_over_and_takes_it_back
  [dispatch_snapshot]=group::claim_6_dispatch_racing_disentangle_delivers_nothing_to_a_removed_port
)
# mutant => what its failure must say (an extended regex over the test's panic message)
declare -A kind=(
  [begin_wake_overwrites]='deadlock'
  [close_marker_skipped]='lost a message'
  [wake_clear_late]='deadlock'
  [transfer_local_last]='lost or reordered'
  [locker_not_recursive]='deadlock'
  [unlocker_noop]='deadlock'
  [dispatch_snapshot]='after it left its group'
)
mutants=("$@")
[ ${#mutants[@]} -gt 0 ] || mutants=(begin_wake_overwrites close_marker_skipped wake_clear_late transfer_local_last locker_not_recursive unlocker_noop dispatch_snapshot)
export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-3}"
survivors=0
for m in "${mutants[@]}"; do
  test_name="${guard[$m]:?unknown mutant $m}"
  want="${kind[$m]}"
  log="target/mutant-$m.log"
  mkdir -p target
  start=$(date +%s)
  set +e
  RUSTFLAGS="--cfg loom --cfg heddle_mutant=\"$m\"" \
    cargo test -p heddle-runtime --release --test loom -- "$test_name" --exact >"$log" 2>&1
  rc=$?
  set -e
  secs=$(( $(date +%s) - start ))
  # The claim's own panic (loom aborts the process on a deadlock, so libtest may not get to
  # print "FAILED"): the message on the line after "thread '<claim>' … panicked at …".
  short="${test_name##*::}"
  why=$(awk -v t="thread '$test_name'" 'index($0, t) == 1 && /panicked at/ {getline; print; exit}' "$log")
  if grep -q "error\[E\|could not compile" "$log"; then
    echo "mutant $m: BUILD FAILED (see $log)"; survivors=$((survivors + 1))
  elif ! grep -q "^running 1 test" "$log"; then
    echo "mutant $m: the claim $short did not run alone (see $log)"; survivors=$((survivors + 1))
  elif [ $rc -eq 0 ] || [ -z "$why" ]; then
    echo "mutant $m: SURVIVED: $short passed against it (see $log)"
    survivors=$((survivors + 1))
  elif ! printf '%s' "$why" | grep -Eqi "$want"; then
    echo "mutant $m: $short failed, but not as the bug fails (wanted /$want/, got: ${why:0:160}) (see $log)"
    survivors=$((survivors + 1))
  else
    echo "mutant $m: caught by $short (${secs}s): ${why:0:100}"
  fi
done
if [ $survivors -ne 0 ]; then
  echo "$survivors mutant(s) not caught as they should be; reproduce one with:"
  echo "  RUSTFLAGS='--cfg loom --cfg heddle_mutant=\"<name>\"' cargo test -p heddle-runtime --release --test loom -- <claim> --exact"
  exit 1
fi
echo "all ${#mutants[@]} mutants caught, each by its own claim, failing as its bug does"
