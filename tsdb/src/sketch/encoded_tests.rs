//! `merge_encoded` ≡ `decode` + `merge`, `validate_encoded` ≡ `decode` accepting, and the encoded
//! column form ([`SketchValues`]) ≡ the shared one.

use std::sync::Arc;

use proptest::prelude::*;

use super::*;
use crate::model::BitVec;

fn sketch_of(alpha: f64, xs: &[f64]) -> Sketch {
    let mut s = Sketch::new(alpha).unwrap();
    s.extend_from(xs);
    s
}

fn values() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(
        prop_oneof![
            4 => (-2.0f64..5.0).prop_map(|e| 10f64.powf(e)),
            1 => (0u32..50).prop_map(f64::from),
            1 => -1.0e3f64..1.0e3,
            // Far apart: multi-byte bucket deltas.
            1 => (-300.0f64..300.0).prop_map(|e| 10f64.powf(e)),
        ],
        0..200,
    )
}

fn alphas() -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.01), Just(0.001), Just(0.05)]
}

/// What `merge(&decode(bytes)?)` does, as one result.
fn merge_decoded(acc: &Sketch, bytes: &[u8]) -> Result<Sketch, SketchError> {
    let mut a = acc.clone();
    a.merge(&Sketch::decode(bytes)?)?;
    Ok(a)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn merge_encoded_equals_decode_then_merge(
        acc in values(), parts in prop::collection::vec((values(), alphas()), 1..5), alpha in alphas()
    ) {
        let mut a = sketch_of(alpha, &acc);
        let mut b = a.clone();
        for (xs, al) in &parts {
            let bytes = sketch_of(*al, xs).to_bytes();
            prop_assert!(validate_encoded(&bytes).is_ok());
            let want = merge_decoded(&b, &bytes);
            let got = a.merge_encoded(&bytes);
            match want {
                Ok(w) => {
                    prop_assert!(got.is_ok());
                    prop_assert_eq!(&a, &w);
                    for p in [0.0, 1.0, 50.0, 99.0, 100.0] {
                        prop_assert_eq!(a.percentile(p), w.percentile(p));
                    }
                    b = w;
                }
                Err(e) => {
                    prop_assert_eq!(got, Err(e));
                    // An accuracy mismatch leaves the sketch as it was.
                    prop_assert_eq!(&a, &b);
                }
            }
        }
    }

    #[test]
    fn validate_and_merge_encoded_agree_with_decode_on_any_bytes(
        xs in values(), alpha in alphas(), edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        cut in any::<prop::sample::Index>(), do_cut in any::<bool>(),
    ) {
        let mut bytes = sketch_of(alpha, &xs).to_bytes();
        for (at, v) in edits {
            let i = at.index(bytes.len());
            bytes[i] = v;
        }
        if do_cut {
            bytes.truncate(cut.index(bytes.len() + 1));
        }
        let decoded = Sketch::decode(&bytes);
        prop_assert_eq!(validate_encoded(&bytes).is_ok(), decoded.is_ok());
        // Into an accumulator of the same accuracy (no adoption): same result or same error.
        let acc = sketch_of(alpha, &[1.0, 2.0]);
        let mut got = acc.clone();
        let r = got.merge_encoded(&bytes);
        match merge_decoded(&acc, &bytes) {
            Ok(w) => { prop_assert!(r.is_ok()); prop_assert_eq!(got, w); }
            Err(e) => prop_assert_eq!(r, Err(e)),
        }
    }

    #[test]
    fn merge_encoded_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..120)) {
        let mut acc = Sketch::default();
        acc.insert(3.0);
        let _ = acc.merge_encoded(&bytes);
        let _ = acc.percentile(99.0);
        prop_assert_eq!(validate_encoded(&bytes).is_ok(), Sketch::decode(&bytes).is_ok());
    }

    #[test]
    fn encoded_column_equals_shared_column(
        rows in prop::collection::vec(prop::option::of((values(), alphas())), 0..40),
        ranges in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>()), 0..5),
    ) {
        let shared: Vec<Arc<Sketch>> = rows
            .iter()
            .map(|r| match r {
                Some((xs, a)) => Arc::new(sketch_of(*a, xs)),
                None => Sketch::empty_shared(),
            })
            .collect();
        let mut present = BitVec::new();
        for r in &rows {
            present.push(r.is_some());
        }
        // The segment path: present rows encoded, decoded kept encoded, spread over all rows.
        let kept: Vec<Arc<Sketch>> = shared
            .iter()
            .zip(&rows)
            .filter(|(_, r)| r.is_some())
            .map(|(s, _)| Arc::clone(s))
            .collect();
        let mut col = Vec::new();
        crate::encoding::encode_sketches(&kept, &mut col);
        let enc = crate::encoding::decode_sketch_values(&col, kept.len())
            .unwrap()
            .spread(&present);
        prop_assert!(enc.is_encoded() || kept.is_empty());
        let sh = SketchValues::from(shared.clone());
        prop_assert_eq!(&enc, &sh);
        prop_assert_eq!(enc.to_vec(), shared.clone());
        // Both forms encode to the same column bytes.
        let (mut a, mut b) = (Vec::new(), Vec::new());
        crate::encoding::encode_sketch_values(&enc, &mut a);
        crate::encoding::encode_sketch_values(&sh, &mut b);
        prop_assert_eq!(a, b);
        // Copying ranges keeps the values whatever the forms.
        for (x, y) in ranges {
            let (i, j) = (x.index(shared.len() + 1), y.index(shared.len() + 1));
            let r = i.min(j)..i.max(j);
            for start in [SketchValues::new(), SketchValues::from(vec![Sketch::empty_shared()])] {
                let prefix = start.len();
                for src in [&enc, &sh] {
                    let mut d = start.clone();
                    d.extend_rows(src, r.clone());
                    prop_assert_eq!(d.len(), prefix + r.len());
                    for (k, i) in r.clone().enumerate() {
                        prop_assert_eq!(d.get(prefix + k), shared.get(i).cloned());
                    }
                }
            }
            let mut d = SketchValues::new();
            d.extend_present(&enc, &present, r.start, r.end);
            let want: Vec<Arc<Sketch>> = r.clone().filter(|&i| present.get(i)).map(|i| Arc::clone(&shared[i])).collect();
            prop_assert_eq!(d.to_vec(), want);
        }
        // Pushing onto an encoded column encodes.
        let mut e = enc.clone();
        e.push(Arc::new(sketch_of(0.05, &[1.0, 7.0])));
        e.push_empty();
        prop_assert_eq!(e.len(), shared.len() + 2);
        prop_assert_eq!(e.get(shared.len()), Some(Arc::new(sketch_of(0.05, &[1.0, 7.0]))));
        prop_assert!(e.get(shared.len() + 1).is_some_and(|s| s.is_empty()));
    }
}

#[test]
fn corrupt_rows_fail_the_column_decode() {
    let rows: Vec<Arc<Sketch>> = (0..3)
        .map(|k| Arc::new(sketch_of(0.01, &[1.0, 2.0 + k as f64])))
        .collect();
    let mut raw = Vec::new();
    for s in &rows {
        let b = s.to_bytes();
        put_varint(&mut raw, b.len() as u64);
        raw.extend_from_slice(&b);
    }
    assert!(column::validate_rows(&raw, 3).is_ok());
    assert!(column::validate_rows(&raw, 2).is_err(), "bytes left over");
    assert!(column::validate_rows(&raw, 4).is_err(), "a row missing");
    // An unknown version in the second sketch (after the first row and its one-byte length).
    let second = rows[0].to_bytes().len() + 2;
    let mut bad = raw.clone();
    bad[second] = 9;
    let e = column::validate_rows(&bad, 3).unwrap_err();
    assert!(e.starts_with("sketch 1:"), "{e}");
    for n in 0..raw.len() {
        assert!(column::validate_rows(&raw[..n], 3).is_err());
    }
}
