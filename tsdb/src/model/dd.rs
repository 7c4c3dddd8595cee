/// A float sum as an unevaluated pair `hi + lo` (double-double): every addition is error-free
/// (Knuth's TwoSum), so the rounded result [`Dd::value`] does not depend on the order or grouping
/// of the additions — how rows are split into batches, row groups, memtables, segments, scan
/// threads or sketches — unless the exact sum lies within about n·2⁻¹⁰⁶ of a rounding boundary. A
/// rollup of a window then equals the same sum recomputed over any wider range, bit for bit (issue
/// 5's late-data acceptance), where a plain left-to-right float sum differs in the last ulp.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Dd {
    pub hi: f64,
    pub lo: f64,
}

impl Dd {
    /// `(a + b, the rounding error of a + b)`, exactly.
    #[inline]
    fn two_sum(a: f64, b: f64) -> (f64, f64) {
        let s = a + b;
        let bb = s - a;
        (s, (a - (s - bb)) + (b - bb))
    }

    #[inline]
    pub fn add(self, x: f64) -> Dd {
        let (hi, e) = Dd::two_sum(self.hi, x);
        Dd {
            hi,
            lo: self.lo + e,
        }
    }

    #[inline]
    pub fn merge(self, o: Dd) -> Dd {
        let (hi, e) = Dd::two_sum(self.hi, o.hi);
        Dd {
            hi,
            lo: self.lo + o.lo + e,
        }
    }

    /// The sum, rounded once (an infinite `hi` is the answer: its error term is NaN).
    #[inline]
    pub fn value(self) -> f64 {
        if self.hi.is_finite() {
            self.hi + self.lo
        } else {
            self.hi
        }
    }
}
