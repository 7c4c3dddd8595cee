//! Old segment files keep opening: `fixtures/segment-v1.tseg` was written by format version 1 and
//! must read back to exactly [`fixture_rows`] forever.
//!
//! Regenerate (only when deliberately changing what v1 fixtures contain, never for a format change —
//! a new version gets a new fixture file beside this one):
//! `cargo test -p tsdb --test segment_compat -- --ignored regenerate_segment_v1_fixture`

use std::path::PathBuf;

use roaring::RoaringBitmap;
use tsdb::model::{Column, FieldType, FieldValue, SeriesId};
use tsdb::segment::{Segment, SegmentOptions, SegmentWriter};

const ROW_GROUP_ROWS: usize = 16;

fn fixture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/segment-v1.tseg")
}

fn fixture_fields() -> Vec<(String, FieldType)> {
    vec![
        ("latency_ms".into(), FieldType::Float),
        ("size_bytes".into(), FieldType::Integer),
        ("queue".into(), FieldType::Unsigned),
        ("status".into(), FieldType::String),
        ("tls".into(), FieldType::Boolean),
    ]
}

/// The fixture's content: 5 series (ids 2, 3, 7, 8, 20) of 4..=12 rows; some values absent.
fn fixture_rows() -> Vec<(SeriesId, Vec<i64>, Vec<Column>)> {
    let statuses = ["sent", "deferred", "bounced"];
    [(2u32, 4usize), (3, 12), (7, 9), (8, 5), (20, 11)]
        .into_iter()
        .map(|(id, n)| {
            let ts: Vec<i64> = (0..n as i64)
                .map(|i| 1_700_000_000_000_000_000 + i * 1_000_000_007 + id as i64)
                .collect();
            let mut cols: Vec<Column> = fixture_fields()
                .iter()
                .map(|(_, t)| Column::new(*t))
                .collect();
            for i in 0..n {
                let k = id as usize * 31 + i;
                let vals = [
                    FieldValue::Float((k % 97) as f64 * 1.125),
                    FieldValue::Integer(k as i64 * 1000 - 5000),
                    FieldValue::Unsigned(k as u64 % 4),
                    FieldValue::String(statuses[k % 3].into()),
                    FieldValue::Boolean(k % 2 == 0),
                ];
                for (f, (c, v)) in cols.iter_mut().zip(vals.iter()).enumerate() {
                    if (k + f) % 5 == 0 {
                        c.push_absent();
                    } else {
                        assert!(c.push(v));
                    }
                }
            }
            (SeriesId(id), ts, cols)
        })
        .collect()
}

#[test]
#[ignore = "rewrites the checked-in fixture"]
fn regenerate_segment_v1_fixture() {
    let path = fixture_path();
    let _ = std::fs::remove_file(&path);
    let mut w = SegmentWriter::create(
        &path,
        &fixture_fields(),
        SegmentOptions {
            row_group_rows: ROW_GROUP_ROWS,
        },
    )
    .unwrap();
    for (id, ts, cols) in fixture_rows() {
        w.append_series(id, &ts, &cols).unwrap();
    }
    w.finish().unwrap();
}

#[test]
fn segment_v1_fixture_opens_and_reads_back() {
    let bytes = std::fs::read(fixture_path()).unwrap();
    assert_eq!(&bytes[..4], b"TSEG");
    assert_eq!(
        u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]),
        1
    );

    let seg = Segment::open(&fixture_path()).unwrap();
    let rows = fixture_rows();
    assert_eq!(seg.fields(), &fixture_fields()[..]);
    let meta = seg.meta();
    assert_eq!(
        meta.rows,
        rows.iter().map(|r| r.1.len() as u64).sum::<u64>()
    );
    assert_eq!(meta.series, rows.len() as u32);
    assert_eq!(meta.bytes, bytes.len() as u64);
    assert_eq!(
        seg.series_ids(),
        rows.iter().map(|r| r.0).collect::<Vec<_>>()
    );

    let all: Vec<usize> = (0..5).collect();
    for (id, ts, cols) in &rows {
        let got = seg
            .read_series(*id, i64::MIN, i64::MAX, &all)
            .unwrap()
            .unwrap();
        assert_eq!(&got.timestamps, ts);
        assert_eq!(&got.columns, cols);
    }

    let mut filter = RoaringBitmap::new();
    filter.insert(7);
    filter.insert(20);
    let mut got_ts = Vec::new();
    seg.scan(Some(&filter), i64::MIN, i64::MAX, &[3], &mut |b| {
        got_ts.extend(b.timestamps);
        Ok(())
    })
    .unwrap();
    let want: Vec<i64> = rows
        .iter()
        .filter(|r| filter.contains(r.0.get()))
        .flat_map(|r| r.1.clone())
        .collect();
    assert_eq!(got_ts, want);
}
