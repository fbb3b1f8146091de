//! Claims 1, 2 and 4: delivery, close and transfer of port queues.

use heddle_runtime::sync::{thread, Arc, AtomicBool, Ordering};
use heddle_runtime::{DrainBudget, Entry, Message, Port, PortIds, SiblingGroup, Wake, WakeReason};

use crate::support::{assert_each_sender_in_order, model, msg, receive_until};

/// Claim 1: two senders, one receiver: nothing lost, nothing duplicated, each sender's
/// order kept. The receiver drains with a budget of 2 so that wake-ups run out of budget
/// and re-trigger while senders are still posting.
#[test]
fn claim_1_two_senders_one_receiver_lose_nothing_and_keep_each_senders_order() {
    model(|| {
        let ids = PortIds::new();
        let wake = Arc::new(Wake::new());
        let group = SiblingGroup::named("claim-1");
        let mut receiver = Port::new(ids.next(), Some(wake.clone()));
        let mut s1 = Port::new(ids.next(), None);
        let mut s2 = Port::new(ids.next(), None);
        for p in [&mut receiver, &mut s1, &mut s2] {
            p.join(&group);
        }
        let senders: Vec<_> = [(1u8, s1), (2u8, s2)]
            .into_iter()
            .map(|(who, port)| {
                thread::spawn(move || {
                    for seq in 0..2 {
                        let _ = port.post(msg(who, seq));
                    }
                    port
                })
            })
            .collect();
        let seen = receive_until(&wake, &mut receiver, DrainBudget { floor: 2 }, |s| {
            s.messages.len() == 4
        });
        for t in senders {
            drop(t.join().unwrap());
        }
        assert_each_sender_in_order(&seen.messages, &[1, 2], 2);
    });
}

/// Claim 2 (nodejs/node#22762): a sender that posts twice and then closes its port; the
/// receiver gets both messages, then observes `close`.
#[test]
fn claim_2_messages_posted_before_the_peer_closes_arrive_before_close() {
    model(|| {
        let ids = PortIds::new();
        let wake = Arc::new(Wake::new());
        let (mut a, b) = Port::pair(&ids, None);
        let b_id = b.id();
        let mut b = b.transfer().attach(wake.clone());
        assert_eq!(b.id(), b_id);
        let sender = thread::spawn(move || {
            let _ = a.post(msg(1, 0));
            let _ = a.post(msg(1, 1));
            a.close();
        });
        let seen = receive_until(&wake, &mut b, DrainBudget { floor: 1 }, |_| false);
        sender.join().unwrap();
        assert_eq!(
            seen.messages,
            vec![(1, 0), (1, 1)],
            "lost a message posted before close"
        );
        assert!(seen.closed, "close never observed");
    });
}

/// Claim 2 (racing form): the receiver closes its own port while the sender posts. Every
/// message whose post returned before `close()` began is delivered before `close` is
/// observed; none whose post began after `close()` returned is delivered.
#[test]
fn claim_2_post_racing_close_delivers_exactly_the_messages_posted_before_it() {
    model(|| {
        let ids = PortIds::new();
        let wake = Arc::new(Wake::new());
        let (a, b) = Port::pair(&ids, None);
        let mut b = b.transfer().attach(wake.clone());
        let posted: Arc<[AtomicBool; 2]> =
            Arc::new([AtomicBool::new(false), AtomicBool::new(false)]);
        let close_done = Arc::new(AtomicBool::new(false));
        let (p, c) = (posted.clone(), close_done.clone());
        let sender = thread::spawn(move || {
            let mut after_close = [false; 2];
            for seq in 0..2u8 {
                after_close[seq as usize] = c.load(Ordering::SeqCst);
                let _ = a.post(msg(1, seq));
                p[seq as usize].store(true, Ordering::SeqCst);
            }
            drop(a);
            after_close
        });
        let before: Vec<bool> = posted.iter().map(|f| f.load(Ordering::SeqCst)).collect();
        b.close();
        close_done.store(true, Ordering::SeqCst);
        let seen = receive_until(&wake, &mut b, DrainBudget { floor: 1 }, |_| false);
        let after_close = sender.join().unwrap();
        assert!(seen.closed, "close never observed");
        for seq in 0..2u8 {
            let got = seen.messages.contains(&(1, seq));
            if before[seq as usize] {
                assert!(
                    got,
                    "message {seq} was posted before close() and lost: {seen:?}"
                );
            }
            if after_close[seq as usize] {
                assert!(!got, "message {seq} was posted after close() and delivered");
            }
        }
        let mut sorted = seen.messages.clone();
        sorted.sort();
        assert_eq!(sorted, seen.messages, "FIFO violated");
    });
}

/// Claim 4: a port transferred while its peer posts: the new owner receives everything the
/// old owner had not received, in order, ahead of later messages.
#[test]
fn claim_4_transfer_racing_post_keeps_queued_messages_first_and_in_order() {
    model(|| {
        let ids = PortIds::new();
        let wake_b = Arc::new(Wake::new());
        let wake_c = Arc::new(Wake::new());
        let (a, b) = Port::pair(&ids, None);
        let mut b = b.transfer().attach(wake_b.clone());
        let (c_send, c_recv) = Port::pair(&ids, None);
        let mut c_recv = c_recv.transfer().attach(wake_c.clone());
        let sender = thread::spawn(move || {
            for seq in 0..3 {
                let _ = a.post(msg(1, seq));
            }
            a
        });
        let old_owner = thread::spawn(move || {
            // Receive at most one message, then send the port away.
            let first = b.receive().map(|e| {
                let p = e.into_message().expect("no close yet").open();
                (p.data[0], p.data[1])
            });
            let mut carrier = Message::from_bytes(vec![]);
            carrier.ports.push(b.transfer());
            let _ = c_send.post(carrier);
            (first, c_send)
        });
        // The new owner: wait for the carrier, attach the port, drain it.
        let carried = loop {
            if let WakeReason::Port(id) = wake_c.wait() {
                if id == c_recv.id() {
                    c_recv.begin_wake();
                    if let Some(Entry::Message(m)) = c_recv.receive() {
                        break m.open().ports.pop().expect("the carrier holds a port");
                    }
                }
            }
        };
        let (first, c_send) = old_owner.join().unwrap();
        let mut port = carried.attach(wake_c.clone());
        let want_here = 3 - usize::from(first.is_some());
        let seen =
            crate::support::receive_until(&wake_c, &mut port, DrainBudget { floor: 1 }, |s| {
                s.messages.len() == want_here
            });
        let a = sender.join().unwrap();
        let mut all: Vec<(u8, u8)> = first.into_iter().collect();
        all.extend(seen.messages);
        assert_eq!(
            all,
            vec![(1, 0), (1, 1), (1, 2)],
            "transfer lost or reordered messages"
        );
        drop((a, c_send, c_recv));
    });
}
