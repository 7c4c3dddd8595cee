//! The order in which InfluxDB 1.6.7 merges the series of one output series when their points
//! share a timestamp: Go's `container/heap` over one item per series, ordered by time only, with
//! `heap.Pop` then `heap.Push` per point (`floatSortedMergeIterator`). Equal times therefore come
//! out in a heap-dependent order, not series order; transformations that keep only the first
//! point of a timestamp (derivative, difference) see that order's first point.
//!
//! Invariants:
//! 1. The result is a permutation of `0..rows.len()`, time ascending.
//! 2. The heap starts with the series in ascending series-id order (InfluxDB's series-key order
//!    within a shard); across shards InfluxDB merges again, which this does not model.
//! 3. The sift operations are Go's `heap.Init`/`Pop`/`Push` step for step, so ties resolve as
//!    there.

use std::collections::BTreeMap;

/// Rows given as `(time, series)` sorted by time then series: the indices in Go's merge order.
pub(super) fn heap_merge_order(rows: &[(i64, u32)]) -> Vec<usize> {
    // One stream per series, in series order; each stream's row indices in time order.
    let mut streams: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, (_, s)) in rows.iter().enumerate() {
        streams.entry(*s).or_default().push(i);
    }
    if streams.len() < 2 {
        return (0..rows.len()).collect();
    }
    let streams: Vec<Vec<usize>> = streams.into_values().collect();
    // Heap items: (stream, position in the stream).
    let mut heap: Vec<(usize, usize)> = (0..streams.len()).map(|s| (s, 0)).collect();
    let time = |it: &(usize, usize)| {
        streams
            .get(it.0)
            .and_then(|s| s.get(it.1))
            .and_then(|&r| rows.get(r))
            .map_or(i64::MAX, |r| r.0)
    };
    let less = |h: &[(usize, usize)], i: usize, j: usize| time(&h[i]) < time(&h[j]);
    let down = |h: &mut Vec<(usize, usize)>, i0: usize, n: usize| {
        let mut i = i0;
        loop {
            let j1 = 2 * i + 1;
            if j1 >= n {
                break;
            }
            let mut j = j1;
            let j2 = j1 + 1;
            if j2 < n && less(h, j2, j1) {
                j = j2;
            }
            if !less(h, j, i) {
                break;
            }
            h.swap(i, j);
            i = j;
        }
    };
    let n = heap.len();
    for i in (0..n / 2).rev() {
        down(&mut heap, i, n);
    }
    let mut out = Vec::with_capacity(rows.len());
    while !heap.is_empty() {
        // heap.Pop: swap the root to the end, sift down, take the last.
        let last = heap.len() - 1;
        heap.swap(0, last);
        down(&mut heap, 0, last);
        let Some((s, p)) = heap.pop() else { break };
        if let Some(&r) = streams.get(s).and_then(|st| st.get(p)) {
            out.push(r);
        }
        if streams.get(s).is_some_and(|st| p + 1 < st.len()) {
            // heap.Push: append, sift up.
            heap.push((s, p + 1));
            let mut j = heap.len() - 1;
            while j > 0 {
                let i = (j - 1) / 2;
                if !less(&heap, j, i) {
                    break;
                }
                heap.swap(i, j);
                j = i;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn equal_times_come_out_in_go_heap_order() {
        // Three series at t=0 and t=60 (the `dups` data set): Go pops a, c, b then c, b, a.
        let rows = [(0, 1), (0, 2), (0, 3), (60, 1), (60, 2), (60, 3)];
        let order = heap_merge_order(&rows);
        let series: Vec<u32> = order.iter().map(|&i| rows[i].1).collect();
        assert_eq!(series, [1, 3, 2, 3, 2, 1]);
    }

    #[test]
    fn one_series_keeps_its_order() {
        let rows = [(0, 7), (5, 7), (9, 7)];
        assert_eq!(heap_merge_order(&rows), [0, 1, 2]);
    }

    proptest! {
        #[test]
        fn a_time_ordered_permutation(mut rows in proptest::collection::vec((0i64..5, 0u32..4), 0..40)) {
            rows.sort_unstable();
            rows.dedup();
            let order = heap_merge_order(&rows);
            let mut seen = order.clone();
            seen.sort_unstable();
            prop_assert_eq!(seen, (0..rows.len()).collect::<Vec<_>>());
            prop_assert!(order.windows(2).all(|w| rows[w[0]].0 <= rows[w[1]].0));
        }
    }
}
