//! Port throughput and round-trip latency with real threads, as ratios against
//! `std::sync::mpsc` and `crossbeam-channel` measured in the same run.
//!
//! Run: `cargo bench -p heddle-runtime --bench ports` (`HEDDLE_BENCH_MESSAGES` and
//! `HEDDLE_BENCH_ROUNDS` scale the work). Each figure is the median of 5 repetitions.
//! A ratio is heddle's time divided by the other's: below 1.0 means heddle is faster.
#![cfg(not(loom))]

use std::sync::Arc;
use std::time::{Duration, Instant};

use heddle_runtime::{DrainBudget, DrainStep, Entry, Message, Port, PortIds, Wake, WakeReason};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn payload(i: usize) -> Vec<u8> {
    (i as u64).to_le_bytes().to_vec()
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn repeat(f: impl Fn() -> Duration) -> Duration {
    f(); // warm-up
    median((0..5).map(|_| f()).collect())
}

/// Receives on `port` (owned by `wake`) until `n` messages arrived, calling `each`.
fn receive_n(wake: &Wake, port: &mut Port, n: usize, mut each: impl FnMut(Vec<u8>)) {
    let mut got = 0;
    while got < n {
        if wake.wait() != WakeReason::Port(port.id()) {
            continue;
        }
        let mut drain = port.begin_drain(DrainBudget::NODE);
        while let DrainStep::Entry(Entry::Message(m)) = drain.next(port) {
            each(m.open().data);
            got += 1;
        }
    }
}

fn heddle_throughput(n: usize) -> Duration {
    let ids = PortIds::new();
    let rx_wake = Arc::new(Wake::new());
    let (tx, rx) = Port::pair(&ids, None);
    let mut rx = rx.transfer().attach(rx_wake.clone());
    let start = Instant::now();
    let sender = std::thread::spawn(move || {
        for i in 0..n {
            let _ = tx.post(Message::from_bytes(payload(i)));
        }
        tx
    });
    receive_n(&rx_wake, &mut rx, n, |d| assert_eq!(d.len(), 8));
    let elapsed = start.elapsed();
    drop(sender.join().unwrap());
    elapsed
}

fn mpsc_throughput(n: usize) -> Duration {
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let start = Instant::now();
    let sender = std::thread::spawn(move || {
        for i in 0..n {
            tx.send(payload(i)).unwrap();
        }
    });
    for _ in 0..n {
        assert_eq!(rx.recv().unwrap().len(), 8);
    }
    let elapsed = start.elapsed();
    sender.join().unwrap();
    elapsed
}

fn crossbeam_throughput(n: usize) -> Duration {
    let (tx, rx) = crossbeam_channel::unbounded::<Vec<u8>>();
    let start = Instant::now();
    let sender = std::thread::spawn(move || {
        for i in 0..n {
            tx.send(payload(i)).unwrap();
        }
    });
    for _ in 0..n {
        assert_eq!(rx.recv().unwrap().len(), 8);
    }
    let elapsed = start.elapsed();
    sender.join().unwrap();
    elapsed
}

fn heddle_round_trip(rounds: usize) -> Duration {
    let ids = PortIds::new();
    let wake_a = Arc::new(Wake::new());
    let wake_b = Arc::new(Wake::new());
    let (a2, b2) = Port::pair(&ids, None);
    let mut a2 = a2.transfer().attach(wake_a.clone());
    let mut b2 = b2.transfer().attach(wake_b.clone());
    let echo = std::thread::spawn(move || {
        let mut got = 0;
        while got < rounds {
            if wake_b.wait() != WakeReason::Port(b2.id()) {
                continue;
            }
            let mut drain = b2.begin_drain(DrainBudget::NODE);
            while let DrainStep::Entry(Entry::Message(m)) = drain.next(&mut b2) {
                let _ = b2.post(Message::from_bytes(m.open().data));
                got += 1;
            }
        }
        b2
    });
    let start = Instant::now();
    for i in 0..rounds {
        let _ = a2.post(Message::from_bytes(payload(i)));
        receive_n(&wake_a, &mut a2, 1, |d| assert_eq!(d.len(), 8));
    }
    let elapsed = start.elapsed();
    drop(echo.join().unwrap());
    elapsed
}

fn mpsc_round_trip(rounds: usize) -> Duration {
    let (ping_tx, ping_rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let (pong_tx, pong_rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let echo = std::thread::spawn(move || {
        for _ in 0..rounds {
            pong_tx.send(ping_rx.recv().unwrap()).unwrap();
        }
    });
    let start = Instant::now();
    for i in 0..rounds {
        ping_tx.send(payload(i)).unwrap();
        assert_eq!(pong_rx.recv().unwrap().len(), 8);
    }
    let elapsed = start.elapsed();
    echo.join().unwrap();
    elapsed
}

fn crossbeam_round_trip(rounds: usize) -> Duration {
    let (ping_tx, ping_rx) = crossbeam_channel::unbounded::<Vec<u8>>();
    let (pong_tx, pong_rx) = crossbeam_channel::unbounded::<Vec<u8>>();
    let echo = std::thread::spawn(move || {
        for _ in 0..rounds {
            pong_tx.send(ping_rx.recv().unwrap()).unwrap();
        }
    });
    let start = Instant::now();
    for i in 0..rounds {
        ping_tx.send(payload(i)).unwrap();
        assert_eq!(pong_rx.recv().unwrap().len(), 8);
    }
    let elapsed = start.elapsed();
    echo.join().unwrap();
    elapsed
}

fn main() {
    // `cargo test --benches` runs this binary with `--bench` absent: keep that quick.
    let quick = !std::env::args().any(|a| a == "--bench");
    let n = env_usize(
        "HEDDLE_BENCH_MESSAGES",
        if quick { 10_000 } else { 1_000_000 },
    );
    let rounds = env_usize("HEDDLE_BENCH_ROUNDS", if quick { 1_000 } else { 50_000 });

    let h = repeat(|| heddle_throughput(n));
    let m = repeat(|| mpsc_throughput(n));
    let c = repeat(|| crossbeam_throughput(n));
    let rate = |d: Duration| n as f64 / d.as_secs_f64() / 1e6;
    println!("throughput, {n} messages of 8 bytes, one sender thread, one receiver thread:");
    println!("  heddle port pair   {:>8.2} M msg/s  ({h:?})", rate(h));
    println!("  std::sync::mpsc    {:>8.2} M msg/s  ({m:?})", rate(m));
    println!("  crossbeam-channel  {:>8.2} M msg/s  ({c:?})", rate(c));
    println!(
        "  ratio heddle/mpsc time       {:.2}",
        h.as_secs_f64() / m.as_secs_f64()
    );
    println!(
        "  ratio heddle/crossbeam time  {:.2}   (goal: <= 1.50)",
        h.as_secs_f64() / c.as_secs_f64()
    );

    let h = repeat(|| heddle_round_trip(rounds));
    let m = repeat(|| mpsc_round_trip(rounds));
    let c = repeat(|| crossbeam_round_trip(rounds));
    let per = |d: Duration| d.as_secs_f64() * 1e6 / rounds as f64;
    println!("round trip, {rounds} ping-pongs between two threads:");
    println!("  heddle port pair   {:>8.2} us", per(h));
    println!("  std::sync::mpsc    {:>8.2} us", per(m));
    println!("  crossbeam-channel  {:>8.2} us", per(c));
    println!(
        "  ratio heddle/mpsc time       {:.2}",
        h.as_secs_f64() / m.as_secs_f64()
    );
    println!(
        "  ratio heddle/crossbeam time  {:.2}",
        h.as_secs_f64() / c.as_secs_f64()
    );
}
