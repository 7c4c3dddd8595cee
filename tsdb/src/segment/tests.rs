//! Segment round trips against a plain model, corruption at every length and offset, and writer misuse.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use roaring::RoaringBitmap;

use super::*;
use crate::mmap::Mapped;
use crate::model::{Column, FieldType, FieldValue, SeriesId, Timestamp};

/// One series of the model: its id, times and, per field, each row's value (`None` = absent).
#[derive(Clone, Debug)]
struct ModelSeries {
    id: u32,
    ts: Vec<Timestamp>,
    values: Vec<Vec<Option<FieldValue<'static>>>>,
}

const TYPES: [FieldType; 6] = [
    FieldType::Float,
    FieldType::Integer,
    FieldType::Unsigned,
    FieldType::String,
    FieldType::Boolean,
    FieldType::Sketch,
];

fn sketch_of(xs: &[f64]) -> FieldValue<'static> {
    let mut s = crate::sketch::Sketch::default();
    s.extend_from(xs);
    FieldValue::Sketch(std::sync::Arc::new(s))
}

fn fields() -> Vec<(String, FieldType)> {
    TYPES.iter().map(|t| (format!("f_{t}"), *t)).collect()
}

fn value_strategy(ty: FieldType) -> BoxedStrategy<Option<FieldValue<'static>>> {
    let v: BoxedStrategy<FieldValue<'static>> = match ty {
        FieldType::Float => (-1e9f64..1e9).prop_map(FieldValue::Float).boxed(),
        FieldType::Integer => any::<i64>().prop_map(FieldValue::Integer).boxed(),
        FieldType::Unsigned => (0u64..1000).prop_map(FieldValue::Unsigned).boxed(),
        FieldType::String => prop_oneof!["ok", "bounced", "deferred", ".{0,6}"]
            .prop_map(|s| FieldValue::String(s.into()))
            .boxed(),
        FieldType::Boolean => any::<bool>().prop_map(FieldValue::Boolean).boxed(),
        FieldType::Sketch => proptest::collection::vec(0.01f64..1e4, 0..20)
            .prop_map(|xs| sketch_of(&xs))
            .boxed(),
    };
    prop_oneof![1 => Just(None), 4 => v.prop_map(Some)].boxed()
}

fn series_strategy() -> impl Strategy<Value = Vec<ModelSeries>> {
    let one =
        (1u32..4, 1usize..25, -1_000_000i64..1_000_000).prop_flat_map(|(gap, rows, start)| {
            let steps = proptest::collection::vec(1i64..1000, rows);
            let vals: Vec<_> = TYPES
                .iter()
                .map(|&t| proptest::collection::vec(value_strategy(t), rows))
                .collect();
            (Just(gap), Just(start), steps, vals)
        });
    proptest::collection::vec(one, 1..12).prop_map(|parts| {
        let mut id = 0u32;
        parts
            .into_iter()
            .map(|(gap, start, steps, values)| {
                id += gap;
                let mut t = start;
                let ts = steps
                    .iter()
                    .map(|s| {
                        t += s;
                        t
                    })
                    .collect();
                ModelSeries { id, ts, values }
            })
            .collect()
    })
}

fn column_of(ty: FieldType, vals: &[Option<FieldValue<'static>>]) -> Column {
    let mut c = Column::new(ty);
    for v in vals {
        match v {
            Some(v) => assert!(c.push(v)),
            None => c.push_absent(),
        }
    }
    c
}

fn write(dir: &Path, name: &str, model: &[ModelSeries], rg: usize) -> (PathBuf, SegmentMeta) {
    let path = dir.join(name);
    let mut w =
        SegmentWriter::create(&path, &fields(), SegmentOptions { row_group_rows: rg }).unwrap();
    for s in model {
        let cols: Vec<Column> = TYPES
            .iter()
            .zip(&s.values)
            .map(|(&t, v)| column_of(t, v))
            .collect();
        w.append_series(SeriesId(s.id), &s.ts, &cols).unwrap();
    }
    let meta = w.finish().unwrap();
    (path, meta)
}

type Row = (u32, Timestamp, Vec<Option<FieldValue<'static>>>);

fn model_rows(
    model: &[ModelSeries],
    filter: Option<&RoaringBitmap>,
    lo: Timestamp,
    hi: Timestamp,
    fields: &[usize],
) -> Vec<Row> {
    let mut out = Vec::new();
    for s in model {
        if filter.is_some_and(|f| !f.contains(s.id)) {
            continue;
        }
        for (i, &t) in s.ts.iter().enumerate() {
            if t >= lo && t <= hi {
                out.push((
                    s.id,
                    t,
                    fields.iter().map(|&f| s.values[f][i].clone()).collect(),
                ));
            }
        }
    }
    out
}

fn batch_rows(series: &[SeriesId], ts: &[Timestamp], cols: &[Column]) -> Vec<Row> {
    for c in cols {
        assert_eq!(c.len(), ts.len());
        assert_eq!(c.values.len(), ts.len());
    }
    (0..ts.len())
        .map(|i| {
            (
                series[i].get(),
                ts[i],
                cols.iter()
                    .map(|c| c.get(i).map(|v| v.into_owned()))
                    .collect(),
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn round_trip_matches_model(
        model in series_strategy(),
        rg in 1usize..40,
        bounds in (-1_000_000i64..1_100_000, 0i64..200_000),
        filter_bits in proptest::collection::vec(any::<bool>(), 40),
        field_mask in 1u8..32,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let (path, meta) = write(dir.path(), "s.tseg", &model, rg);
        let seg = Segment::open(&path).unwrap();
        let rows: usize = model.iter().map(|s| s.ts.len()).sum();
        prop_assert_eq!(meta.rows, rows as u64);
        prop_assert_eq!(seg.meta(), meta.clone());
        prop_assert_eq!(meta.bytes, std::fs::metadata(&path).unwrap().len());
        prop_assert_eq!(seg.row_groups(), rows.div_ceil(rg));
        prop_assert_eq!(seg.series_ids(), model.iter().map(|s| SeriesId(s.id)).collect::<Vec<_>>());
        prop_assert_eq!(seg.fields(), &fields()[..]);
        prop_assert_eq!(meta.min_time, model.iter().map(|s| s.ts[0]).min().unwrap());
        prop_assert_eq!(meta.max_time, model.iter().map(|s| *s.ts.last().unwrap()).max().unwrap());

        let all: Vec<usize> = (0..TYPES.len()).collect();
        let some: Vec<usize> = (0..TYPES.len()).filter(|i| field_mask >> i & 1 == 1).rev().collect();
        let (lo, hi) = (bounds.0, bounds.0 + bounds.1);

        // read_series: whole range with all fields, and time-bounded with a field subset.
        for s in &model {
            for (lo, hi, fs) in [(i64::MIN, i64::MAX, &all), (lo, hi, &some)] {
                let want = model_rows(std::slice::from_ref(s), None, lo, hi, fs);
                let got = seg.read_series(SeriesId(s.id), lo, hi, fs).unwrap();
                match got {
                    None => prop_assert!(want.is_empty()),
                    Some(r) => {
                        prop_assert_eq!(r.series, SeriesId(s.id));
                        prop_assert_eq!(r.columns.len(), fs.len());
                        let ids = vec![r.series; r.timestamps.len()];
                        prop_assert_eq!(batch_rows(&ids, &r.timestamps, &r.columns), want);
                    }
                }
            }
        }
        prop_assert!(seg.read_series(SeriesId(u32::MAX), i64::MIN, i64::MAX, &all).unwrap().is_none());

        // scan: unfiltered full range, then bitmap filter and time bounds.
        let mut filter = RoaringBitmap::new();
        for (i, b) in filter_bits.iter().enumerate() {
            if *b {
                filter.insert(i as u32);
            }
        }
        for (f, lo, hi, fs) in [(None, i64::MIN, i64::MAX, &all), (Some(&filter), lo, hi, &some)] {
            let mut got = Vec::new();
            let mut batches = 0;
            seg.scan(f, lo, hi, fs, &mut |b: RowBatch| {
                batches += 1;
                assert!(!b.timestamps.is_empty());
                got.extend(batch_rows(&b.series, &b.timestamps, &b.columns));
                Ok(())
            }).unwrap();
            prop_assert!(batches <= seg.row_groups());
            prop_assert_eq!(got, model_rows(&model, f, lo, hi, fs));
        }
    }
}

fn small_model() -> Vec<ModelSeries> {
    (0..6u32)
        .map(|k| {
            let n = 3 + k as usize * 2;
            ModelSeries {
                id: k * 3 + 1,
                ts: (0..n as i64).map(|i| 1_000 * i + k as i64).collect(),
                values: TYPES
                    .iter()
                    .map(|t| {
                        (0..n)
                            .map(|i| {
                                (i % 4 != 1).then(|| match t {
                                    FieldType::Float => FieldValue::Float(i as f64 * 0.125),
                                    FieldType::Integer => FieldValue::Integer(-(i as i64)),
                                    FieldType::Unsigned => FieldValue::Unsigned(i as u64 * 3),
                                    FieldType::String => {
                                        FieldValue::String(["ok", "bounced"][i % 2].into())
                                    }
                                    FieldType::Boolean => FieldValue::Boolean(i % 3 == 0),
                                    FieldType::Sketch => sketch_of(&[i as f64, 2.5]),
                                })
                            })
                            .collect()
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Opens `bytes` as a segment and reads everything; the first error, if any.
fn open_and_read_all(dir: &Path, bytes: &[u8]) -> Result<(), SegmentError> {
    let path = dir.join("probe.tseg");
    std::fs::write(&path, bytes).unwrap();
    let seg = Segment::from_bytes(&path, Mapped::open(&path).unwrap())?;
    let all: Vec<usize> = (0..seg.fields().len()).collect();
    seg.scan(None, i64::MIN, i64::MAX, &all, &mut |_| Ok(()))?;
    for id in seg.series_ids() {
        seg.read_series(id, i64::MIN, i64::MAX, &all)?;
    }
    Ok(())
}

#[test]
fn every_truncation_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write(dir.path(), "s.tseg", &small_model(), 7);
    let bytes = std::fs::read(&path).unwrap();
    assert!(open_and_read_all(dir.path(), &bytes).is_ok());
    for cut in 0..bytes.len() {
        let e = open_and_read_all(dir.path(), &bytes[..cut]);
        assert!(
            matches!(e, Err(SegmentError::Corrupt { .. })),
            "cut at {cut}: {e:?}"
        );
    }
}

#[test]
fn every_bit_flip_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write(dir.path(), "s.tseg", &small_model(), 7);
    let bytes = std::fs::read(&path).unwrap();
    for at in 0..bytes.len() {
        let mut b = bytes.clone();
        b[at] ^= 1 << (at % 8);
        let e = open_and_read_all(dir.path(), &b);
        assert!(
            matches!(
                e,
                Err(SegmentError::Corrupt { .. } | SegmentError::UnsupportedVersion { .. })
            ),
            "flip at {at}: {e:?}"
        );
    }
}

#[test]
fn garbage_and_empty_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        open_and_read_all(dir.path(), b""),
        Err(SegmentError::Corrupt { .. })
    ));
    let mut junk = vec![0u8; 100];
    junk[..4].copy_from_slice(&MAGIC);
    junk[4] = 1;
    assert!(matches!(
        open_and_read_all(dir.path(), &junk),
        Err(SegmentError::Corrupt { .. })
    ));
    let e = Segment::open(&dir.path().join("missing")).unwrap_err();
    assert!(matches!(e, SegmentError::Io { .. }));
}

#[test]
fn newer_version_is_unsupported() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write(dir.path(), "s.tseg", &small_model(), 7);
    let mut bytes = std::fs::read(&path).unwrap();
    let n = bytes.len();
    bytes[4..8].copy_from_slice(&(VERSION + 1).to_le_bytes());
    bytes[n - 8..n - 4].copy_from_slice(&(VERSION + 1).to_le_bytes());
    let e = open_and_read_all(dir.path(), &bytes).unwrap_err();
    assert!(
        matches!(e, SegmentError::UnsupportedVersion { version, .. } if version == VERSION + 1),
        "{e}"
    );
}

#[test]
fn writer_rejects_misuse_and_leaves_no_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.tseg");
    let f = vec![("x".to_string(), FieldType::Integer)];
    let col = |v: &[i64]| {
        let mut c = Column::new(FieldType::Integer);
        for x in v {
            c.push(&FieldValue::Integer(*x));
        }
        c
    };
    let mut w = SegmentWriter::create(&path, &f, SegmentOptions::default()).unwrap();
    w.append_series(SeriesId(5), &[1, 2], &[col(&[1, 2])])
        .unwrap();
    let usage = |r: Result<(), SegmentError>| matches!(r, Err(SegmentError::Usage(_)));
    assert!(
        usage(w.append_series(SeriesId(5), &[3], &[col(&[1])])),
        "repeated series"
    );
    assert!(
        usage(w.append_series(SeriesId(4), &[3], &[col(&[1])])),
        "decreasing series"
    );
    assert!(
        usage(w.append_series(SeriesId(6), &[3, 3], &[col(&[1, 2])])),
        "repeated time"
    );
    assert!(
        usage(w.append_series(SeriesId(6), &[3], &[col(&[1, 2])])),
        "column length"
    );
    assert!(
        usage(w.append_series(SeriesId(6), &[3], &[])),
        "column count"
    );
    let mut fc = Column::new(FieldType::Float);
    fc.push(&FieldValue::Float(1.0));
    assert!(
        usage(w.append_series(SeriesId(6), &[3], &[fc])),
        "column type"
    );
    w.append_series(SeriesId(7), &[], &[col(&[])]).unwrap();
    drop(w);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "abandoned writer leaves its .tmp"
    );

    let w = SegmentWriter::create(&path, &f, SegmentOptions::default()).unwrap();
    assert!(
        matches!(w.finish(), Err(SegmentError::Usage(_))),
        "empty segment"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

    assert!(SegmentWriter::create(&path, &f, SegmentOptions { row_group_rows: 0 }).is_err());
    std::fs::write(&path, b"x").unwrap();
    assert!(matches!(
        SegmentWriter::create(&path, &f, SegmentOptions::default()),
        Err(SegmentError::Usage(_))
    ));
}

#[test]
fn field_index_out_of_range_is_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write(dir.path(), "s.tseg", &small_model(), 7);
    let seg = Segment::open(&path).unwrap();
    assert!(matches!(
        seg.read_series(SeriesId(1), 0, 10, &[9]),
        Err(SegmentError::Usage(_))
    ));
    assert!(matches!(
        seg.scan(None, 0, 10, &[9], &mut |_| Ok(())),
        Err(SegmentError::Usage(_))
    ));
}

#[test]
fn scan_skips_row_groups_by_zone_map() {
    let dir = tempfile::tempdir().unwrap();
    let model = small_model();
    let (path, _) = write(dir.path(), "s.tseg", &model, 7);
    let seg = Segment::open(&path).unwrap();
    // Only the last series (id 16): the groups before it must not be decoded or reported.
    let mut filter = RoaringBitmap::new();
    filter.insert(16);
    let mut batches = 0;
    seg.scan(Some(&filter), i64::MIN, i64::MAX, &[0], &mut |b| {
        batches += 1;
        assert!(b.series.iter().all(|s| s.get() == 16));
        Ok(())
    })
    .unwrap();
    let before: usize = model[..model.len() - 1].iter().map(|s| s.ts.len()).sum();
    let end = before + model.last().unwrap().ts.len();
    assert_eq!(
        batches,
        (end - 1) / 7 - before / 7 + 1,
        "only the row groups holding series 16"
    );
    // A time range before every row matches nothing.
    seg.scan(None, i64::MIN, -1, &[0], &mut |_| {
        panic!("no batch expected")
    })
    .unwrap();
}
