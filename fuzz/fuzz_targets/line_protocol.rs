//! `parse_lines` on arbitrary bytes must never panic, and the batch it fills must be consistent:
//! point ranges tile the flat vectors, each point has a field, tags are sorted and unique, and
//! there is at most one outcome per line.
#![no_main]

use ingest::line_protocol::{ParseOptions, Precision, parse_lines};
use libfuzzer_sys::fuzz_target;
use tsdb::PointBatch;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the options so every knob gets fuzzed too.
    let (knobs, body) = match data.split_first() {
        Some((k, rest)) => (*k, rest),
        None => (0, data),
    };
    let precision = match knobs % 6 {
        0 => Precision::Nanoseconds,
        1 => Precision::Microseconds,
        2 => Precision::Milliseconds,
        3 => Precision::Seconds,
        4 => Precision::Minutes,
        _ => Precision::Hours,
    };
    let opts = ParseOptions {
        precision,
        now: 1_700_000_000_123_456_789,
        max_key_len: if knobs & 0x40 != 0 { 16 } else { 65_535 },
        allow_unsigned: knobs & 0x80 != 0,
    };
    let mut batch = PointBatch::new();
    let mut errors = Vec::new();
    parse_lines(body, &opts, &mut batch, &mut errors);

    let (mut t, mut f) = (0u32, 0u32);
    for p in &batch.points {
        assert_eq!((p.tags.start, p.fields.start), (t, f));
        assert!(p.fields.end > p.fields.start);
        (t, f) = (p.tags.end, p.fields.end);
        let tags = batch.tags_of(p);
        assert!(tags.windows(2).all(|w| w[0].0.as_bytes() < w[1].0.as_bytes()));
        assert!((tsdb::model::MIN_TIMESTAMP..=tsdb::model::MAX_TIMESTAMP).contains(&p.timestamp));
    }
    assert_eq!((t as usize, f as usize), (batch.tags.len(), batch.fields.len()));
    let lines = body.iter().filter(|&&b| b == b'\n').count() + 1;
    assert!(batch.len() + errors.len() <= lines);
});
