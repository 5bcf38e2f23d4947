//! Feeds arbitrary bytes to the media prober: it must never panic.
//!
//!     scripts/fuzz.sh probe 600
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let len = data.len() as u64;
    let _ = baosong::media::probe_reader(&mut Cursor::new(data), len);
});
