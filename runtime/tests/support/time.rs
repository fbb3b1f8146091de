//! Wall-clock limits of the runtime's tests, scaled for slow machines.

use std::time::Duration;

/// `limit` times `HEDDLE_TEST_TIME_SCALE` (a whole number, default 1). An emulated CPU
/// (`.ci/pku-vm.sh`, QEMU's TCG) runs programs 20 to 60 times slower than the host, and a
/// limit that only stops a program Node keeps alive, or guards against a hang, must still
/// give it the time to finish its work first.
pub fn scaled(limit: Duration) -> Duration {
    let scale = std::env::var("HEDDLE_TEST_TIME_SCALE").map_or(1, |s| {
        s.parse::<u32>()
            .expect("HEDDLE_TEST_TIME_SCALE must be a whole number")
    });
    limit * scale.max(1)
}
