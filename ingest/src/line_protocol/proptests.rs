//! Round trip: random points → [`write_line`] → [`parse_lines`] → the same points.

use std::borrow::Cow;
use std::sync::Arc;

use proptest::prelude::*;
use tsdb::{FieldValue, PointBatch, Sketch};

use super::*;

/// Characters that exercise every escape rule, plus multi-byte text.
fn name_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::char::range('a', 'z'),
        1 => prop::sample::select(vec![',', ' ', '=', '"', '\\', '#', '\t', 'é', '温', '\u{1F600}', '\'']),
    ]
}

/// A name that survives the format: non-empty and not ending in a backslash (InfluxDB cannot
/// represent that either).
fn name() -> impl Strategy<Value = String> {
    prop::collection::vec(name_char(), 1..8)
        .prop_map(|cs| cs.into_iter().collect::<String>())
        .prop_filter("trailing backslash", |s| !s.ends_with('\\'))
}

/// A measurement additionally must not start with blanks the parser skips or a comment marker.
fn measurement() -> impl Strategy<Value = String> {
    name().prop_filter("leading # or tab", |s| !s.starts_with(['#', '\t']))
}

/// The blanks after the key section are skipped, so a field key cannot start with a tab; and field
/// keys read a backslash as taking the next byte with it while writers do not escape backslashes,
/// so a backslash right before `,`, space, `=`, `"` or `\` cannot round-trip (in 1.x neither).
fn field_key() -> impl Strategy<Value = String> {
    name()
        .prop_filter("leading tab", |s| !s.starts_with('\t'))
        .prop_filter("backslash before a special", |s| {
            !s.as_bytes()
                .windows(2)
                .any(|w| w[0] == b'\\' && b", =\"\\".contains(&w[1]))
        })
}

/// Sketches of a few accuracies over values of every sign and scale (zero and subnormals
/// included), empty ones too.
fn sketch() -> impl Strategy<Value = Sketch> {
    (
        prop::sample::select(vec![0.001, 0.01, 0.02, 0.5]),
        prop::collection::vec(
            prop_oneof![
                4 => -1e6f64..1e6,
                1 => any::<f64>(),
                1 => Just(0.0),
                1 => Just(f64::MIN_POSITIVE / 4.0),
            ],
            0..40,
        ),
    )
        .prop_map(|(alpha, xs)| {
            let mut sk = Sketch::new(alpha).unwrap_or_default();
            sk.extend_from(&xs);
            sk
        })
}

fn field_value() -> impl Strategy<Value = FieldValue<'static>> {
    prop_oneof![
        sketch().prop_map(|sk| FieldValue::Sketch(Arc::new(sk))),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(FieldValue::Float),
        any::<i64>().prop_map(FieldValue::Integer),
        any::<u64>().prop_map(FieldValue::Unsigned),
        any::<bool>().prop_map(FieldValue::Boolean),
        prop::collection::vec(prop_oneof![name_char(), Just('\n'), Just('\r')], 0..12)
            .prop_map(|cs| FieldValue::String(Cow::Owned(cs.into_iter().collect()))),
    ]
}

#[derive(Clone, Debug, PartialEq)]
struct Pt {
    measurement: String,
    tags: Vec<(String, String)>,
    fields: Vec<(String, FieldValue<'static>)>,
    timestamp: i64,
}

fn point() -> impl Strategy<Value = Pt> {
    (
        measurement(),
        prop::collection::btree_map(name(), name(), 0..5),
        prop::collection::vec((field_key(), field_value()), 1..6),
        tsdb::model::MIN_TIMESTAMP..=tsdb::model::MAX_TIMESTAMP,
    )
        .prop_map(|(measurement, tags, fields, timestamp)| Pt {
            measurement,
            // BTreeMap<String, _> iterates in byte order of the keys: the parser's tag order.
            tags: tags.into_iter().collect(),
            fields,
            timestamp,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn written_points_parse_back(points in prop::collection::vec(point(), 1..8), shuffle_seed in any::<u64>()) {
        let mut body = String::new();
        for p in &points {
            // Write tags in a scrambled order: the parser must sort them.
            let mut tags = p.tags.clone();
            if !tags.is_empty() {
                let k = (shuffle_seed % tags.len() as u64) as usize;
                tags.rotate_left(k);
            }
            write_line(&mut body, &p.measurement, &tags, &p.fields, Some(p.timestamp));
        }
        let opts = ParseOptions { allow_unsigned: true, ..ParseOptions::default() };
        let mut batch = PointBatch::new();
        let mut errors = Vec::new();
        parse_lines(body.as_bytes(), &opts, &mut batch, &mut errors);
        prop_assert!(errors.is_empty(), "{:?}\n{}", errors, body);
        let got: Vec<Pt> = batch
            .points
            .iter()
            .map(|p| Pt {
                measurement: p.measurement.to_string(),
                tags: batch.tags_of(p).iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
                fields: batch.fields_of(p).iter().map(|(k, v)| (k.to_string(), v.clone().into_owned())).collect(),
                timestamp: p.timestamp,
            })
            .collect();
        prop_assert_eq!(got, points, "{}", body);
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_keep_batch_consistent(body in prop::collection::vec(
        prop_oneof![any::<u8>(), prop::sample::select(b" ,=\"\\\n\r\t#0123456789.-eiutfsketch:AQ_".to_vec())], 0..200)
    ) {
        let opts = ParseOptions { allow_unsigned: true, ..ParseOptions::default() };
        let mut batch = PointBatch::new();
        let mut errors = Vec::new();
        parse_lines(&body, &opts, &mut batch, &mut errors);
        let (mut t, mut f) = (0u32, 0u32);
        for p in &batch.points {
            prop_assert_eq!((p.tags.start, p.fields.start), (t, f));
            prop_assert!(p.fields.end > p.fields.start);
            (t, f) = (p.tags.end, p.fields.end);
            let tags = batch.tags_of(p);
            prop_assert!(tags.windows(2).all(|w| w[0].0.as_bytes() < w[1].0.as_bytes()));
        }
        prop_assert_eq!((t as usize, f as usize), (batch.tags.len(), batch.fields.len()));
        // Lines are at most the number of newlines + 1.
        prop_assert!(batch.len() + errors.len() <= body.iter().filter(|&&b| b == b'\n').count() + 1);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A corrupted `sketch:` value (one byte of a valid encoding changed, or the encoding cut
    /// short) is either a sketch or one line error: never a panic, never a half-written point.
    #[test]
    fn corrupted_sketch_values_never_panic(sk in sketch(), at in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<bool>()) {
        use base64::Engine as _;
        let mut bytes = sk.to_bytes();
        let k = at.index(bytes.len());
        if cut {
            bytes.truncate(k);
        } else {
            bytes[k] = byte;
        }
        let body = format!(
            "m f=sketch:{},g=1 1\nm g=2 2\n",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes)
        );
        let mut batch = PointBatch::new();
        let mut errors = Vec::new();
        parse_lines(body.as_bytes(), &ParseOptions::default(), &mut batch, &mut errors);
        prop_assert_eq!(batch.len() + errors.len(), 2);
        if let Some(e) = errors.first() {
            prop_assert!(e.reason.starts_with("invalid sketch field value: invalid sketch encoding: "), "{}", e);
            prop_assert_eq!(batch.fields.len(), 1);
        } else {
            prop_assert_eq!(batch.fields.len(), 3);
        }
    }
}
