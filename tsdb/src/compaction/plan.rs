/// What the policy needs to know of one segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentSummary {
    pub seq: u64,
    pub generation: u32,
    pub rows: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompactionPlan {
    /// Indices into the summary slice (contiguous, ascending).
    pub inputs: Vec<usize>,
    pub output_seq: u64,
    pub output_generation: u32,
}

/// Chooses segments to merge. `segments` is in sequence order. Merges the longest run, starting
/// at the oldest segment, whose total rows stay within `max_rows`, once the measurement has at least
/// `min_segments` segments and the run holds at least two.
pub fn plan(
    segments: &[SegmentSummary],
    min_segments: usize,
    max_rows: u64,
) -> Option<CompactionPlan> {
    if segments.len() < min_segments.max(2) {
        return None;
    }
    let mut best: Option<(usize, usize)> = None;
    for start in 0..segments.len() {
        let mut rows = 0u64;
        let mut end = start;
        while end < segments.len() && rows + segments[end].rows <= max_rows {
            rows += segments[end].rows;
            end += 1;
        }
        if end - start >= 2 && best.is_none_or(|(s, e)| end - start > e - s) {
            best = Some((start, end));
        }
    }
    let (s, e) = best?;
    let inputs: Vec<usize> = (s..e).collect();
    let output_seq = segments[e - 1].seq;
    let output_generation = segments[s..e]
        .iter()
        .map(|x| x.generation)
        .max()
        .unwrap_or(0)
        + 1;
    Some(CompactionPlan {
        inputs,
        output_seq,
        output_generation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(seq: u64, generation: u32, rows: u64) -> SegmentSummary {
        SegmentSummary {
            seq,
            generation,
            rows,
        }
    }

    #[test]
    fn waits_for_enough_segments() {
        assert_eq!(plan(&[seg(1, 0, 10), seg(2, 0, 10)], 4, 1000), None);
    }

    #[test]
    fn merges_everything_that_fits() {
        let p = plan(
            &[seg(1, 0, 10), seg(2, 1, 10), seg(5, 0, 10), seg(7, 0, 10)],
            4,
            1000,
        )
        .unwrap();
        assert_eq!(
            p,
            CompactionPlan {
                inputs: vec![0, 1, 2, 3],
                output_seq: 7,
                output_generation: 2
            }
        );
    }

    #[test]
    fn respects_row_budget_with_a_contiguous_run() {
        let p = plan(
            &[seg(1, 3, 900), seg(2, 0, 10), seg(3, 0, 10), seg(4, 0, 10)],
            4,
            100,
        )
        .unwrap();
        assert_eq!(p.inputs, vec![1, 2, 3]);
        assert_eq!(p.output_seq, 4);
        assert_eq!(
            plan(
                &[
                    seg(1, 0, 900),
                    seg(2, 0, 900),
                    seg(3, 0, 900),
                    seg(4, 0, 900)
                ],
                4,
                100
            ),
            None
        );
    }
}
