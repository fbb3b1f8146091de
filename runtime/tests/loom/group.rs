//! Claim 6: dispatch racing disentangle in a broadcast group.

use heddle_runtime::sync::thread;
use heddle_runtime::{Dispatch, Entry, Port, PortIds, SiblingGroup};

use crate::support::{model, msg};

/// Claim 6: in a 3-port group, a message dispatched while one port closes never lands in
/// the closed port behind its close marker; the other member always gets it; and nothing
/// leaks (loom checks that every `Arc` is dropped when the model ends).
#[test]
fn claim_6_dispatch_racing_disentangle_delivers_nothing_to_a_removed_port() {
    model(|| {
        let ids = PortIds::new();
        let group = SiblingGroup::named("claim-6");
        let mut a = Port::new(ids.next(), None);
        let mut b = Port::new(ids.next(), None);
        let mut c = Port::new(ids.next(), None);
        for p in [&mut a, &mut b, &mut c] {
            p.join(&group);
        }
        let poster = thread::spawn(move || {
            let d = a.post(msg(1, 0));
            assert!(matches!(d, Dispatch::Delivered { .. }), "{d:?}");
            a
        });
        let closer = thread::spawn(move || {
            let mut c = c;
            c.close();
            c
        });
        let a = poster.join().unwrap();
        let mut c = closer.join().unwrap();
        let mut after_marker = 0;
        let mut marker = false;
        while let Some(entry) = c.receive() {
            match entry {
                Entry::Close => marker = true,
                Entry::Message(_) if marker => after_marker += 1,
                Entry::Message(_) => {}
            }
        }
        assert!(marker, "the closed port has no close marker");
        assert_eq!(
            after_marker, 0,
            "a message reached the port after it left its group"
        );
        let got: Vec<_> = std::iter::from_fn(|| b.receive()).collect();
        assert!(
            matches!(got.as_slice(), [Entry::Message(_)]),
            "the remaining member must get the message exactly once: {got:?}"
        );
        assert_eq!(group.len(), 2);
        drop((a, b, c, group));
    });
}
