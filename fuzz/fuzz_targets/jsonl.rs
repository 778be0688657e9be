//! The JSON Lines reader (`civic_dataset`, for training and scoring files):
//! no panic, and every record and problem names a line that exists, in order.
#![no_main]

use civic_dataset::Format;
use civic_fuzz::{count_lines, read_dataset};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    read_dataset(
        data,
        Format::JsonLines,
        count_lines(data, |i| data[i] == b'\n'),
    );
});
