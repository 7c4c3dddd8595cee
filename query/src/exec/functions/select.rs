//! Selectors: functions that return existing points (first, last, max, min, percentile, top,
//! bottom, sample), with InfluxDB 1.8's tie rules (`call_iterator.go`, `functions.go`).
//!
//! Invariants:
//! 1. Every returned [`Reduced`] carries the selected point's `time` and input `index`.
//! 2. Ties are broken as InfluxDB breaks them, with "input order" standing in for Go's order of
//!    arrival: first/last — among points at the first/last time, the greatest value (booleans:
//!    `first` prefers false, `last` true); max/min — the earliest point; percentile — stable order
//!    by value (Go's `sort.Sort` is unstable, so InfluxDB may pick another point of an equal value);
//!    top/bottom — the earliest of equal values.
//! 3. `top`/`bottom`/`sample` rows come out in time order (ties: the better-ranked point first).
//! 4. `sample` is deterministic: reservoir sampling (InfluxDB's algorithm) driven by a fixed-seed
//!    splitmix64 instead of Go's time-seeded `math/rand`, so the *choice* of points differs from
//!    InfluxDB's (which differs between runs anyway) while the count and order rules are the same.

use std::collections::{BinaryHeap, HashMap};

use super::{AggregateFn, Points, Reduced, Values};
use crate::response::Value;

pub(super) fn value_at(v: &Values, i: usize) -> Value {
    match v {
        Values::Float(x) => Value::Float(x[i]),
        Values::Integer(x) => Value::Int(x[i]),
        Values::Unsigned(x) => Value::UInt(x[i]),
        Values::String(x) => Value::Str(x[i].clone()),
        Values::Boolean(x) => Value::Bool(x[i]),
        Values::Sketch(x) => Value::Sketch(x[i].clone()),
    }
}

fn selected(p: &Points, i: usize) -> Reduced {
    Reduced {
        value: value_at(&p.values, i),
        time: Some(p.times[i]),
        index: Some(i),
    }
}

/// Index of the point chosen among `range` (input order) where `replace(curr, prev)` says the
/// current point replaces the best so far.
fn pick<T>(x: &[T], range: std::ops::Range<usize>, replace: impl Fn(&T, &T) -> bool) -> usize {
    let mut best = range.start;
    for i in range.start + 1..range.end {
        if replace(&x[i], &x[best]) {
            best = i;
        }
    }
    best
}

/// first, last, max, min. `points` is non-empty and time ascending.
pub(super) fn single(func: AggregateFn, p: &Points) -> Option<Reduced> {
    let n = p.times.len();
    let t = &p.times;
    // Equal times form a run: first → the leading run, last → the trailing run.
    let range = match func {
        AggregateFn::First => 0..t.iter().position(|&x| x != t[0]).unwrap_or(n),
        AggregateFn::Last => t.iter().rposition(|&x| x != t[n - 1]).map_or(0, |i| i + 1)..n,
        _ => 0..n,
    };
    // Values equal → the earlier point stays (strict comparisons), as in InfluxDB for ascending input.
    let i = match (func, &p.values) {
        (AggregateFn::First | AggregateFn::Last, Values::Float(x)) => pick(x, range, |c, p| c > p),
        (AggregateFn::First | AggregateFn::Last, Values::Integer(x)) => {
            pick(x, range, |c, p| c > p)
        }
        (AggregateFn::First | AggregateFn::Last, Values::Unsigned(x)) => {
            pick(x, range, |c, p| c > p)
        }
        (AggregateFn::First | AggregateFn::Last, Values::String(x)) => pick(x, range, |c, p| c > p),
        (AggregateFn::First, Values::Boolean(x)) => pick(x, range, |c, p| !*c && *p),
        (AggregateFn::Last, Values::Boolean(x)) => pick(x, range, |c, p| *c && !*p),
        (AggregateFn::Max, Values::Float(x)) => pick(x, range, |c, p| c > p),
        (AggregateFn::Max, Values::Integer(x)) => pick(x, range, |c, p| c > p),
        (AggregateFn::Max, Values::Unsigned(x)) => pick(x, range, |c, p| c > p),
        (AggregateFn::Max, Values::Boolean(x)) => pick(x, range, |c, p| *c && !*p),
        (AggregateFn::Min, Values::Float(x)) => pick(x, range, |c, p| c < p),
        (AggregateFn::Min, Values::Integer(x)) => pick(x, range, |c, p| c < p),
        (AggregateFn::Min, Values::Unsigned(x)) => pick(x, range, |c, p| c < p),
        (AggregateFn::Min, Values::Boolean(x)) => pick(x, range, |c, p| !*c && *p),
        _ => return None,
    };
    Some(selected(p, i))
}

/// A total order on numeric value `i` as i128 (floats by IEEE total order); `None` for
/// non-numeric values.
fn key(v: &Values, i: usize) -> Option<i128> {
    Some(match v {
        Values::Float(x) => {
            let b = x[i].to_bits() as i64;
            (b ^ ((((b >> 63) as u64) >> 1) as i64)) as i128
        }
        Values::Integer(x) => x[i] as i128,
        Values::Unsigned(x) => x[i] as i128,
        _ => return None,
    })
}

/// Nearest rank: sort by value, `i = floor(n * pct / 100 + 0.5) - 1`, out of `[0, n)` → no row.
pub(super) fn percentile(p: &Points, pct: f64) -> Option<Reduced> {
    let n = p.times.len();
    let i = (n as f64 * pct / 100.0 + 0.5).floor() - 1.0;
    if !(i >= 0.0 && i < n as f64) {
        return None;
    }
    let i = i as usize;
    let mut idx: Vec<u32> = (0..n as u32).collect();
    match &p.values {
        Values::Float(x) => {
            idx.select_nth_unstable_by(i, |&a, &b| {
                x[a as usize].total_cmp(&x[b as usize]).then(a.cmp(&b))
            });
        }
        Values::Integer(x) => {
            idx.select_nth_unstable_by_key(i, |&a| (x[a as usize], a));
        }
        Values::Unsigned(x) => {
            idx.select_nth_unstable_by_key(i, |&a| (x[a as usize], a));
        }
        _ => return None,
    }
    Some(selected(p, idx[i] as usize))
}

/// top (`top = true`) or bottom: the N best points, at most one per group when `groups` is given.
pub(super) fn top_bottom(top: bool, p: &Points, n: usize, groups: Option<&[u32]>) -> Vec<Reduced> {
    let n_points = p.times.len();
    if key(&p.values, 0).is_none() {
        return Vec::new();
    }
    // Rank: smaller is better. Top wants large values, bottom small; then earliest time, then input order.
    let rank = |i: usize| {
        let k = key(&p.values, i).unwrap_or(0);
        (if top { -k } else { k }, p.times[i], i)
    };
    let mut heap: BinaryHeap<(i128, i64, usize)> = BinaryHeap::with_capacity(n.min(n_points) + 1);
    let mut offer = |i: usize| {
        let r = rank(i);
        if heap.len() < n {
            heap.push(r);
        } else if heap.peek().is_some_and(|w| r < *w) {
            heap.pop();
            heap.push(r);
        }
    };
    match groups {
        Some(g) if g.len() == n_points => {
            let mut best: HashMap<u32, usize> = HashMap::new();
            for (i, gid) in g.iter().enumerate() {
                best.entry(*gid)
                    .and_modify(|b| {
                        if rank(i) < rank(*b) {
                            *b = i
                        }
                    })
                    .or_insert(i);
            }
            best.into_values().for_each(&mut offer);
        }
        _ => (0..n_points).for_each(&mut offer),
    }
    let mut chosen = heap.into_vec();
    chosen.sort_by_key(|&(key, t, i)| (t, key, i));
    chosen.into_iter().map(|(_, _, i)| selected(p, i)).collect()
}

/// splitmix64: a tiny deterministic generator for `sample`.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform-enough integer in `[0, bound)` (multiply-shift).
    fn below(&mut self, bound: u64) -> u64 {
        ((self.next() as u128 * bound as u128) >> 64) as u64
    }
}

/// The fixed seed of `sample`'s generator.
pub const SAMPLE_SEED: u64 = 0x7A11_DB5E_ED00_0001;

/// Reservoir sampling of `n` points, output in time order.
pub(super) fn sample(p: &Points, n: usize) -> Vec<Reduced> {
    let len = p.times.len();
    let mut reservoir: Vec<usize> = (0..len.min(n)).collect();
    let mut rng = SplitMix(SAMPLE_SEED);
    for i in n..len {
        let r = rng.below(i as u64 + 1) as usize;
        if r < n {
            reservoir[r] = i;
        }
    }
    reservoir.sort_by_key(|&i| (p.times[i], i));
    reservoir.into_iter().map(|i| selected(p, i)).collect()
}
