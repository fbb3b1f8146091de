//! Behaviour tests of the runtime core with real threads (no loom, no V8).
//!
//! How to debug this suite: `cargo test -p heddle-runtime --test core -- <name> --nocapture`.
//! The same claims are model-checked by the loom suite (`runtime/tests/loom/`); these tests
//! pin the single-threaded behaviour and run the stress test.
#![cfg(not(loom))]

use std::collections::BTreeMap;
use std::sync::Arc;

use heddle_runtime::{
    Dispatch, DrainBudget, DrainStep, Entry, Ledger, Message, Port, PortIds, SiblingGroup, Wake,
    WakeReason,
};

fn msg(n: u32) -> Message {
    Message::from_bytes(n.to_le_bytes().to_vec())
}

fn value(e: Entry) -> u32 {
    let m = e.into_message().expect("a message, not the close marker");
    u32::from_le_bytes(m.open().data.try_into().unwrap())
}

fn owned_pair(ids: &PortIds, wake: &Arc<Wake>) -> (Port, Port) {
    Port::pair(ids, Some(wake.clone()))
}

#[test]
fn a_pair_delivers_in_fifo_order_and_receive_on_empty_is_none() {
    let ids = PortIds::new();
    let (a, mut b) = Port::pair(&ids, None);
    assert!(b.receive().is_none());
    for i in 0..5000 {
        assert!(matches!(
            a.post(msg(i)),
            Dispatch::Delivered { recipients: 1, .. }
        ));
    }
    for i in 0..5000 {
        assert_eq!(value(b.receive().unwrap()), i);
    }
    assert!(b.receive().is_none());
}

#[test]
fn a_pair_is_two_way() {
    let ids = PortIds::new();
    let (mut a, mut b) = Port::pair(&ids, None);
    let _ = a.post(msg(1));
    let _ = b.post(msg(2));
    assert_eq!(value(b.receive().unwrap()), 1);
    assert_eq!(value(a.receive().unwrap()), 2);
}

#[test]
fn close_queues_markers_on_both_sides_after_what_was_queued() {
    let ids = PortIds::new();
    let (mut a, mut b) = Port::pair(&ids, None);
    let _ = a.post(msg(1));
    let _ = b.post(msg(9));
    a.close();
    // b still drains what a posted before closing, then sees close (B1, B3).
    assert_eq!(value(b.receive().unwrap()), 1);
    assert!(matches!(b.receive(), Some(Entry::Close)));
    // a's own queue: what was queued before its close, then its marker (B2, B9).
    assert_eq!(value(a.receive().unwrap()), 9);
    assert!(matches!(a.receive(), Some(Entry::Close)));
    assert!(a.receive().is_none());
    assert!(a.is_disentangled());
}

#[test]
fn posting_on_a_closed_port_is_a_silent_no_op() {
    let ids = PortIds::new();
    let (mut a, mut b) = Port::pair(&ids, None);
    a.close();
    assert!(matches!(a.post(msg(1)), Dispatch::Detached));
    // The survivor has nobody to post to (B4).
    assert!(matches!(b.post(msg(2)), Dispatch::NoRecipient));
    assert!(matches!(b.receive(), Some(Entry::Close)));
    assert!(b.receive().is_none());
}

#[test]
fn dropping_a_port_closes_it() {
    let ids = PortIds::new();
    let (a, mut b) = Port::pair(&ids, None);
    drop(a);
    assert!(matches!(b.receive(), Some(Entry::Close)));
}

#[test]
fn a_transferred_port_keeps_its_queue_in_order_ahead_of_later_posts() {
    let ids = PortIds::new();
    let wake = Arc::new(Wake::new());
    let (a, mut b) = Port::pair(&ids, None);
    for i in 0..4 {
        let _ = a.post(msg(i));
    }
    assert_eq!(value(b.receive().unwrap()), 0); // the rest now sits in b's local buffer
    let moving = b.transfer();
    let _ = a.post(msg(4)); // posted while in transit
    let mut b = moving.attach(wake.clone());
    assert_eq!(
        wake.try_take(),
        Some(WakeReason::Port(b.id())),
        "attach wakes the new owner"
    );
    let got: Vec<u32> = std::iter::from_fn(|| b.receive()).map(value).collect();
    assert_eq!(got, vec![1, 2, 3, 4]);
}

#[test]
fn a_port_in_transit_dropped_unattached_closes_its_peer() {
    let ids = PortIds::new();
    let (mut a, b) = Port::pair(&ids, None);
    drop(b.transfer());
    assert!(matches!(a.receive(), Some(Entry::Close)));
}

#[test]
fn broadcast_reaches_every_other_member_but_not_the_sender() {
    let ids = PortIds::new();
    let group = SiblingGroup::named("news");
    let mut ports: Vec<Port> = (0..3).map(|_| Port::new(ids.next(), None)).collect();
    for p in &mut ports {
        p.join(&group);
    }
    let mut other = Port::new(ids.next(), None);
    other.join(&SiblingGroup::named("other"));
    assert!(matches!(
        ports[0].post(msg(7)),
        Dispatch::Delivered { recipients: 2, .. }
    ));
    assert!(
        ports[0].receive().is_none(),
        "the sender got its own message"
    );
    assert_eq!(value(ports[1].receive().unwrap()), 7);
    assert_eq!(value(ports[2].receive().unwrap()), 7);
    assert_eq!(other.data().queued(), 0, "another name received it");
    // A named group stays open when members leave (no close marker for the survivors).
    ports[2].close();
    assert!(ports[1].receive().is_none());
    assert_eq!(group.len(), 2);
    assert_eq!(group.name(), Some("news"));
}

#[test]
fn transferables_cannot_go_to_several_destinations() {
    let ids = PortIds::new();
    let group = SiblingGroup::named("x");
    let mut ports: Vec<Port> = (0..3).map(|_| Port::new(ids.next(), None)).collect();
    for p in &mut ports {
        p.join(&group);
    }
    let mut m = msg(1);
    m.transfers.push(Box::new([0u8; 8]));
    match ports[0].post(m) {
        Dispatch::MultipleDestinations(back) => assert_eq!(back.transfers.len(), 1),
        other => panic!("expected MultipleDestinations, got {other:?}"),
    }
    assert_eq!(ports[1].data().queued(), 0);
}

#[test]
fn many_posts_coalesce_into_one_wake_up() {
    let ids = PortIds::new();
    let wake = Arc::new(Wake::new());
    let (a, mut b) = owned_pair(&ids, &wake);
    for i in 0..100 {
        let _ = a.post(msg(i));
    }
    assert_eq!(wake.len(), 1, "one wake-up for a burst");
    assert_eq!(wake.wait(), WakeReason::Port(b.id()));
    assert_eq!(b.begin_wake(), 100);
    let _ = a.post(msg(100));
    assert_eq!(
        wake.len(),
        1,
        "a post after the wake-up began queues a new one"
    );
}

#[test]
fn a_wake_up_drains_at_most_the_larger_of_queue_length_and_floor_then_yields() {
    let ids = PortIds::new();
    let wake = Arc::new(Wake::new());
    let (a, mut b) = owned_pair(&ids, &wake);
    for i in 0..5 {
        let _ = a.post(msg(i));
    }
    assert_eq!(wake.wait(), WakeReason::Port(b.id()));
    let mut drain = b.begin_drain(DrainBudget { floor: 3 });
    for i in 0..3 {
        let _ = a.post(msg(100 + i)); // arrive during the wake-up
    }
    let mut got = vec![];
    let last = loop {
        match drain.next(&mut b) {
            DrainStep::Entry(e) => got.push(value(e)),
            other => break other,
        }
    };
    assert_eq!(got, vec![0, 1, 2, 3, 4], "budget = max(5 queued, floor 3)");
    assert!(matches!(last, DrainStep::Yielded));
    assert_eq!(
        wake.try_take(),
        Some(WakeReason::Port(b.id())),
        "re-triggered itself"
    );
}

#[test]
fn the_ledger_accounts_for_every_message() {
    let ids = PortIds::new();
    let ledger = Arc::new(Ledger::new());
    let (mut a, mut b) = Port::pair(&ids, None);
    for i in 0..3 {
        let _ = a.post(msg(i).audited(&ledger));
    }
    let _ = b.receive().unwrap().into_message().unwrap().open();
    a.close();
    let _ = a.post(msg(9).audited(&ledger)); // dropped: closed
    drop(b); // two messages still queued: dropped with the port
    drop(a);
    let c = ledger.counts();
    assert_eq!((c.posted, c.delivered, c.dropped), (4, 1, 3));
}

/// Stress: 8 sender threads × 100,000 messages into one receiving loop that owns 8 ports on
/// one wake-up: none lost, none duplicated, each sender's order kept.
#[test]
fn stress_8_senders_100k_messages_each_lose_nothing_and_keep_order() {
    const SENDERS: u32 = 8;
    const PER_SENDER: u32 = 100_000;
    let ids = PortIds::new();
    let wake = Arc::new(Wake::new());
    let mut receivers = BTreeMap::new();
    let mut senders = vec![];
    for s in 0..SENDERS {
        let (tx, rx) = owned_pair(&ids, &wake);
        receivers.insert(rx.id(), (s, rx));
        senders.push(std::thread::spawn(move || {
            for i in 0..PER_SENDER {
                let _ = tx.post(Message::from_bytes(
                    [s.to_le_bytes(), i.to_le_bytes()].concat(),
                ));
            }
            tx // keep the channel open until the receiver is done
        }));
    }
    let mut next = [0u32; SENDERS as usize];
    let mut total = 0u64;
    while total < u64::from(SENDERS * PER_SENDER) {
        let WakeReason::Port(id) = wake.wait() else {
            continue;
        };
        let (s, port) = receivers.get_mut(&id).expect("a port of this loop");
        let mut drain = port.begin_drain(DrainBudget::NODE);
        while let DrainStep::Entry(e) = drain.next(port) {
            let data = e
                .into_message()
                .expect("no close while senders run")
                .open()
                .data;
            let from = u32::from_le_bytes(data[0..4].try_into().unwrap());
            let seq = u32::from_le_bytes(data[4..8].try_into().unwrap());
            assert_eq!(from, *s, "delivered to the wrong port");
            assert_eq!(
                seq, next[from as usize],
                "sender {from}: lost, duplicated or reordered"
            );
            next[from as usize] += 1;
            total += 1;
        }
    }
    for t in senders {
        drop(t.join().unwrap());
    }
    assert_eq!(next, [PER_SENDER; SENDERS as usize]);
}
