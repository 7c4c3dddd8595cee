use proptest::prelude::*;

use super::*;

/// InfluxDB's nearest-rank percentile over sorted values.
fn exact_percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let i = (sorted.len() as f64 * p / 100.0 + 0.5).floor() as i64 - 1;
    (i >= 0 && (i as usize) < sorted.len()).then(|| sorted[i as usize])
}

fn sketch_of(alpha: f64, xs: &[f64]) -> Sketch {
    let mut s = Sketch::new(alpha).unwrap();
    s.extend_from(xs);
    s
}

fn within(approx: f64, exact: f64, alpha: f64) -> bool {
    // The bound is α relative to the exact value; 1e-12 absorbs ln/exp rounding.
    (approx - exact).abs() <= alpha * exact.abs() * (1.0 + 1e-9) + 1e-300
}

/// Latency-like values: positive, spread over several orders of magnitude, with duplicates.
fn values() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(
        prop_oneof![
            4 => (-2.0f64..5.0).prop_map(|e| 10f64.powf(e)),
            1 => (0u32..50).prop_map(f64::from),
            1 => -1.0e3f64..1.0e3,
        ],
        0..300,
    )
}

fn alphas() -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.01), Just(0.001), Just(0.05), 0.001f64..0.5]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn merge_is_commutative_and_associative(a in values(), b in values(), c in values(), alpha in alphas()) {
        let (sa, sb, sc) = (sketch_of(alpha, &a), sketch_of(alpha, &b), sketch_of(alpha, &c));
        let mut ab = sa.clone();
        ab.merge(&sb).unwrap();
        let mut ba = sb.clone();
        ba.merge(&sa).unwrap();
        prop_assert_eq!(&ab, &ba);
        let mut ab_c = ab.clone();
        ab_c.merge(&sc).unwrap();
        let mut bc = sb.clone();
        bc.merge(&sc).unwrap();
        let mut a_bc = sa.clone();
        a_bc.merge(&bc).unwrap();
        prop_assert_eq!(&ab_c, &a_bc);
        // Every quantile of the merge equals that of the sketch of the union.
        let union: Vec<f64> = a.iter().chain(&b).chain(&c).copied().collect();
        let su = sketch_of(alpha, &union);
        for r in 0..su.count() {
            prop_assert_eq!(ab_c.value_at_rank(r), su.value_at_rank(r));
        }
        prop_assert_eq!(ab_c.count(), union.len() as u64);
    }

    #[test]
    fn merged_quantiles_within_relative_accuracy(parts in prop::collection::vec(values(), 1..6), alpha in alphas()) {
        let mut merged = Sketch::new(alpha).unwrap();
        for p in &parts {
            merged.merge(&sketch_of(alpha, p)).unwrap();
        }
        let mut all: Vec<f64> = parts.concat();
        all.sort_by(f64::total_cmp);
        for (r, &exact) in all.iter().enumerate() {
            let got = merged.value_at_rank(r as u64).unwrap();
            prop_assert!(within(got, exact, alpha), "rank {} of {}: {} vs exact {} (alpha {})", r, all.len(), got, exact, alpha);
        }
        for p in [0.0, 1.0, 25.0, 50.0, 90.0, 95.0, 99.0, 99.9, 100.0] {
            let e = exact_percentile(&all, p);
            let g = merged.percentile(p);
            prop_assert_eq!(e.is_some(), g.is_some());
            if let (Some(e), Some(g)) = (e, g) {
                prop_assert!(within(g, e, alpha), "p{}: {} vs {}", p, g, e);
            }
        }
        if !all.is_empty() {
            prop_assert_eq!(merged.min(), Some(all[0]));
            prop_assert_eq!(merged.max(), Some(*all.last().unwrap()));
            prop_assert_eq!(merged.count(), all.len() as u64);
        }
    }

    #[test]
    fn encoding_round_trips(xs in values(), alpha in alphas()) {
        let s = sketch_of(alpha, &xs);
        let bytes = s.to_bytes();
        let back = Sketch::decode(&bytes).unwrap();
        prop_assert_eq!(&back, &s);
        prop_assert_eq!(Sketch::from_text(&s.to_text()).unwrap(), s);
    }

    #[test]
    fn decode_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..80)) {
        let _ = Sketch::decode(&bytes);
    }
}

#[test]
fn sum_and_mean_are_exact() {
    let xs = [0.1, 0.2, 0.3, 1e16, -1e16, 7.5];
    let s = sketch_of(0.01, &xs);
    let mut d = Dd::default();
    for x in xs {
        d = d.add(x);
    }
    assert_eq!(s.sum(), d.value());
    assert_eq!(s.mean(), Some(d.value() / 6.0));
}

#[test]
fn rejects_bad_accuracy_and_mismatched_merges() {
    assert_eq!(Sketch::new(0.0), Err(SketchError::Accuracy(0.0)));
    assert!(Sketch::new(0.6).is_err());
    let mut a = sketch_of(0.01, &[1.0]);
    let b = sketch_of(0.02, &[2.0]);
    assert_eq!(a.merge(&b), Err(SketchError::AccuracyMismatch(0.01, 0.02)));
    // An empty accumulator adopts the accuracy of what it merges.
    let mut e = Sketch::default();
    e.merge(&b).unwrap();
    assert_eq!(e, b);
}

#[test]
fn non_finite_values_are_not_counted() {
    let s = sketch_of(0.01, &[f64::NAN, 1.0, f64::INFINITY]);
    assert_eq!(s.count(), 1);
}

#[test]
fn wide_spans_fold_the_lowest_buckets() {
    let mut s = Sketch::new(0.001).unwrap();
    s.insert(1e-200);
    s.insert(1e200);
    s.insert(5.0);
    assert_eq!(s.count(), 3);
    assert_eq!(s.value_at_rank(0), Some(1e-200));
    assert_eq!(s.value_at_rank(2), Some(1e200));
    assert!(s.pos.counts.len() <= MAX_BUCKETS);
    let back = Sketch::decode(&s.to_bytes()).unwrap();
    assert_eq!(back, s);
}

#[test]
fn truncated_and_corrupt_encodings_are_errors() {
    let s = sketch_of(0.01, &[1.0, 2.0, 3.0, 400.0]);
    let bytes = s.to_bytes();
    for n in 0..bytes.len() {
        assert!(Sketch::decode(&bytes[..n]).is_err(), "prefix of {n} bytes");
    }
    let mut extra = bytes.clone();
    extra.push(0);
    assert!(Sketch::decode(&extra).is_err());
    assert!(Sketch::from_text("sketch:!!").is_err());
    assert!(Sketch::from_text("AQ").is_err());
}

#[test]
fn summary_is_readable() {
    let s = sketch_of(0.01, &[1.0, 2.0, 3.0]);
    assert_eq!(
        s.summary(),
        "count=3 sum=6 min=1 p50=1.994 p90=3 p95=3 p99=3 max=3 accuracy=0.01"
    );
    assert_eq!(Sketch::default().summary(), "count=0 accuracy=0.01");
}
