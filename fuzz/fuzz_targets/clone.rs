//! Fuzz target: arbitrary messages through structured clone's receiving side, in a live
//! bootstrapped isolate (`heddle_runtime::fuzz::CloneFuzzer`).
//!
//! A message from another thread is bytes plus three tables (shared memory, transferred
//! stores, transferred ports), and a peer could send any of them wrong. The claim:
//! deserializing throws a JavaScript exception or gives a value; it never panics, aborts or
//! crashes the process.
//!
//! Input layout: byte 0 holds the table sizes (bits 0-1: shared stores, 2-3: transferred
//! stores, 4-5: ports); then one byte per store giving its size (`b * 4`; for a transfer, a
//! size byte of 255 is a store that is not V8's); the rest is the serialized data.
#![no_main]

use std::sync::OnceLock;

use heddle_runtime::fuzz::{CloneFuzzer, FuzzMessage, FuzzTransfer};
use libfuzzer_sys::fuzz_target;

fn fuzzer() -> &'static CloneFuzzer {
    static FUZZER: OnceLock<CloneFuzzer> = OnceLock::new();
    FUZZER.get_or_init(|| CloneFuzzer::new().expect("a fuzzing isolate"))
}

fuzz_target!(|data: &[u8]| {
    let Some((&head, mut rest)) = data.split_first() else {
        return;
    };
    let mut size = || {
        let (&b, tail) = rest.split_first()?;
        rest = tail;
        Some(b)
    };
    let shared: Vec<usize> = (0..head & 3)
        .map_while(|_| size().map(|b| b as usize * 4))
        .collect();
    let transfers: Vec<FuzzTransfer> = (0..(head >> 2) & 3)
        .map_while(|_| {
            size().map(|b| match b {
                255 => FuzzTransfer::Foreign,
                b => FuzzTransfer::ArrayBuffer(b as usize * 4),
            })
        })
        .collect();
    let message = FuzzMessage {
        data: rest.to_vec(),
        shared,
        transfers,
        ports: ((head >> 4) & 3) as usize,
    };
    fuzzer()
        .deserialize(message)
        .expect("the fuzzing isolate survives every message");
});
