//! Claim 3: no lost wake-up.

use heddle_runtime::sync::{thread, Arc};
use heddle_runtime::{DrainBudget, Port, PortIds, Wake};

use crate::support::{model, msg, receive_until};

/// Claim 3: a receiver that finds its queue empty and parks always wakes for a concurrent
/// post. If a wake-up were lost, the receiver would park forever and loom would report a
/// deadlock.
#[test]
fn claim_3_a_receiver_parked_on_an_empty_queue_wakes_for_a_concurrent_post() {
    model(|| {
        let ids = PortIds::new();
        let wake = Arc::new(Wake::new());
        let (a, b) = Port::pair(&ids, None);
        let mut b = b.transfer().attach(wake.clone());
        let sender = thread::spawn(move || {
            let _ = a.post(msg(1, 0));
            let _ = a.post(msg(1, 1));
            a
        });
        let seen = receive_until(&wake, &mut b, DrainBudget::NODE, |s| s.messages.len() == 2);
        drop(sender.join().unwrap());
        assert_eq!(seen.messages, vec![(1, 0), (1, 1)]);
    });
}
