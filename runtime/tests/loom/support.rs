//! Helpers shared by the loom tests: the model builder and a receiving loop.

use heddle_runtime::sync::Arc;
use heddle_runtime::{DrainBudget, DrainStep, Entry, Message, Port, Wake, WakeReason};

/// Runs `f` under loom with the suite's bound: `LOOM_MAX_PREEMPTIONS`, or 3 if unset.
pub fn model<F>(f: F)
where
    F: Fn() + Sync + Send + 'static,
{
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    builder.check(f);
}

/// A message whose payload is `[sender, seq]`.
pub fn msg(sender: u8, seq: u8) -> Message {
    Message::from_bytes(vec![sender, seq])
}

/// What a receiver observed, in order.
#[derive(Debug, Default)]
pub struct Seen {
    pub messages: Vec<(u8, u8)>,
    pub closed: bool,
}

/// The owner loop of one port: takes wake-ups and drains with `budget` until `done` says
/// stop (checked after every entry) or the close marker arrives.
pub fn receive_until(
    wake: &Arc<Wake>,
    port: &mut Port,
    budget: DrainBudget,
    done: impl Fn(&Seen) -> bool,
) -> Seen {
    let mut seen = Seen::default();
    while !done(&seen) && !seen.closed {
        match wake.wait() {
            WakeReason::Port(id) if id == port.id() => {}
            _ => continue,
        }
        let mut drain = port.begin_drain(budget);
        loop {
            match drain.next(port) {
                DrainStep::Entry(Entry::Message(m)) => {
                    let parts = m.open();
                    seen.messages.push((parts.data[0], parts.data[1]));
                }
                DrainStep::Entry(Entry::Close) => {
                    seen.closed = true;
                    break;
                }
                DrainStep::Empty | DrainStep::Yielded => break,
            }
            if done(&seen) {
                break;
            }
        }
    }
    seen
}

/// Asserts that `seen` holds, for every sender, exactly `0..count` in order.
pub fn assert_each_sender_in_order(seen: &[(u8, u8)], senders: &[u8], count: u8) {
    for &s in senders {
        let got: Vec<u8> = seen.iter().filter(|m| m.0 == s).map(|m| m.1).collect();
        let want: Vec<u8> = (0..count).collect();
        assert_eq!(
            got, want,
            "sender {s}: lost, duplicated or reordered; all seen: {seen:?}"
        );
    }
    assert_eq!(
        seen.len(),
        senders.len() * count as usize,
        "unexpected extra messages: {seen:?}"
    );
}
