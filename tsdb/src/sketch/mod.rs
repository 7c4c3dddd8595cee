//! The `sketch` field type: a mergeable relative-error quantile sketch (DDSketch, Masson, Rim and
//! Lee, VLDB 2019) for latency percentiles that survive rollups.
//!
//! A sketch maps every value `x > 0` to the logarithmic bucket `i = ⌈ln x / ln γ⌉` with
//! `γ = (1 + α) / (1 − α)`, so bucket `i` holds `(γ^(i−1), γ^i]`, and answers a value in bucket
//! `i` with `2γ^i / (γ + 1)`: within the relative accuracy `α` of every value in the bucket.
//! Negative values use the same mapping on `|x|` in a second store; zero and subnormal values
//! (`|x| < f64::MIN_POSITIVE`) count in a zero bucket answered with `0`. Count, min and max are
//! tracked exactly and the sum in double-double ([`Dd`]), so `count`, `sum`, `mean`, `min` and `max`
//! of a sketch equal those of its raw values.
//!
//! Merging adds bucket counts: exact, associative and commutative, so a sketch of sketches equals
//! the sketch of the union of their values, and every quantile of it is within `α` of the exact
//! quantile of the union ([`Sketch::value_at_rank`]).
//!
//! Memory is bounded: a store keeps at most [`MAX_BUCKETS`] consecutive buckets, a ratio of
//! `γ^8192` between its smallest and largest value: `e^163` at `α = 1 %`, `1.3·10⁷` at the finest
//! accepted `α = 0.1 %` (1 µs … 13 s). Beyond it the lowest buckets fold into the lowest kept one;
//! only quantiles that fall in folded buckets lose the guarantee.
//!
//! Encoding: [`Sketch::encode`] / [`Sketch::decode`] (`docs/format/sketch.md`); the line-protocol
//! text form `sketch:<base64url>` ([`Sketch::to_text`], [`Sketch::from_text`]); a readable summary
//! for raw `SELECT`s ([`Sketch::summary`]).

use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::model::Dd;

pub(crate) mod column;
mod encoded;
#[cfg(test)]
mod encoded_tests;
#[cfg(test)]
mod tests;

pub use column::{SketchRow, SketchValues};
use encoded::{Header, walk_buckets};
pub use encoded::{encoded_accuracy, encoded_is_empty, validate_encoded};

/// The relative accuracy of `sketch(field)` without a second argument.
pub const DEFAULT_RELATIVE_ACCURACY: f64 = 0.01;
/// Smallest accepted relative accuracy.
pub const MIN_RELATIVE_ACCURACY: f64 = 0.001;
/// Largest accepted relative accuracy.
pub const MAX_RELATIVE_ACCURACY: f64 = 0.5;
/// Most consecutive buckets one store (positive or negative values) keeps.
pub const MAX_BUCKETS: usize = 8192;
/// The prefix of a sketch value in line protocol: `latency_ms=sketch:AQ…`.
pub const TEXT_PREFIX: &str = "sketch:";
/// Version byte of [`Sketch::encode`].
pub const ENCODING_VERSION: u8 = 1;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SketchError {
    #[error(
        "sketch relative accuracy must be between {MIN_RELATIVE_ACCURACY} and {MAX_RELATIVE_ACCURACY}, got {0}"
    )]
    Accuracy(f64),
    #[error("cannot merge sketches of different relative accuracy ({0} and {1})")]
    AccuracyMismatch(f64, f64),
    #[error("invalid sketch encoding: {0}")]
    Decode(&'static str),
}

/// Dense counts of consecutive buckets: `counts[k]` is bucket `offset + k`.
#[derive(Clone, Debug, Default, PartialEq)]
struct Store {
    offset: i32,
    counts: Vec<u64>,
}

impl Store {
    fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    fn nonzero(&self) -> usize {
        self.counts.iter().filter(|&&c| c != 0).count()
    }

    /// Makes buckets `[lo, hi]` addressable (folding the lowest when the span exceeds
    /// [`MAX_BUCKETS`]); returns the lowest bucket kept.
    fn extend(&mut self, lo: i32, hi: i32) -> i32 {
        if self.counts.is_empty() {
            let lo = lo.max(hi.saturating_sub(MAX_BUCKETS as i32 - 1));
            self.offset = lo;
            self.counts = vec![0; (hi - lo) as usize + 1];
            return lo;
        }
        let cur_hi = self.offset + self.counts.len() as i32 - 1;
        let new_hi = hi.max(cur_hi);
        let mut new_lo = lo.min(self.offset);
        if (new_hi as i64 - new_lo as i64 + 1) > MAX_BUCKETS as i64 {
            new_lo = new_hi - (MAX_BUCKETS as i32 - 1);
        }
        if new_lo > self.offset {
            // Fold buckets below new_lo into new_lo.
            let cut = ((new_lo - self.offset) as usize).min(self.counts.len());
            let folded: u64 = self.counts[..cut].iter().sum();
            self.counts.drain(..cut);
            self.offset = new_lo;
            if self.counts.is_empty() {
                self.counts.push(0);
            }
            self.counts[0] += folded;
        } else if new_lo < self.offset {
            let grow = (self.offset - new_lo) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.offset = new_lo;
        }
        let cur_hi = self.offset + self.counts.len() as i32 - 1;
        if new_hi > cur_hi {
            self.counts
                .resize(self.counts.len() + (new_hi - cur_hi) as usize, 0);
        }
        self.offset
    }

    fn add(&mut self, idx: i32, n: u64) {
        let lo = self.extend(idx, idx);
        let k = (idx.max(lo) - self.offset) as usize;
        self.counts[k] += n;
    }

    fn merge(&mut self, o: &Store) {
        if o.is_empty() {
            return;
        }
        let o_hi = o.offset + o.counts.len() as i32 - 1;
        let lo = self.extend(o.offset, o_hi);
        if lo <= o.offset {
            // Nothing folds: add the other's counts slice-wise.
            let at = (o.offset - self.offset) as usize;
            for (d, &c) in self.counts[at..at + o.counts.len()]
                .iter_mut()
                .zip(&o.counts)
            {
                *d += c;
            }
            return;
        }
        for (k, &c) in o.counts.iter().enumerate() {
            if c != 0 {
                let idx = (o.offset + k as i32).max(lo);
                self.counts[(idx - self.offset) as usize] += c;
            }
        }
    }
}

/// A mergeable quantile sketch; see the module docs.
#[derive(Clone, Debug)]
pub struct Sketch {
    alpha: f64,
    /// `ln γ`, derived from `alpha`.
    ln_gamma: f64,
    pos: Store,
    neg: Store,
    /// A decoded sketch keeps its two store sections as encoded (already validated) until it is
    /// modified or asked for a quantile: merging it into another sketch then reads the bytes once,
    /// with no dense allocation (scans decode millions of rollup sketches only to merge them).
    /// When set, `pos` and `neg` are empty.
    packed: Option<Box<[u8]>>,
    zero: u64,
    count: u64,
    sum: Dd,
    min: f64,
    max: f64,
}

impl PartialEq for Sketch {
    fn eq(&self, o: &Self) -> bool {
        let (a, b) = (self.unpacked(), o.unpacked());
        let (s, o) = (&*a, &*b);
        s.alpha.to_bits() == o.alpha.to_bits()
            && self.count == o.count
            && self.zero == o.zero
            && self.sum.value().to_bits() == o.sum.value().to_bits()
            && (self.count == 0
                || (self.min.to_bits() == o.min.to_bits() && self.max.to_bits() == o.max.to_bits()))
            && trimmed(&s.pos) == trimmed(&o.pos)
            && trimmed(&s.neg) == trimmed(&o.neg)
    }
}

/// Adds the buckets of encoded store sections (validated earlier) to `pos` and `neg`.
fn add_packed(pos: &mut Store, neg: &mut Store, bytes: &[u8]) {
    let mut r = Reader { b: bytes, pos: 0 };
    for store in [pos, neg] {
        let Ok(n) = r.varint() else { return };
        let mut idx = 0i64;
        for _ in 0..n {
            let (Ok(d), Ok(c)) = (r.varint(), r.varint()) else {
                return;
            };
            idx += unzigzag(d);
            let i = idx as i32;
            let k = i.wrapping_sub(store.offset);
            match store.counts.get_mut(k as usize) {
                Some(slot) if k >= 0 => *slot += c,
                _ => store.add(i, c),
            }
        }
    }
}

/// A store's nonzero range, for equality independent of allocation slack.
fn trimmed(s: &Store) -> (i32, &[u64]) {
    let first = s.counts.iter().position(|&c| c != 0);
    let last = s.counts.iter().rposition(|&c| c != 0);
    match (first, last) {
        (Some(a), Some(b)) => (s.offset + a as i32, &s.counts[a..=b]),
        _ => (0, &[]),
    }
}

impl Default for Sketch {
    fn default() -> Self {
        Sketch::new(DEFAULT_RELATIVE_ACCURACY).expect("default accuracy is valid")
    }
}

impl Sketch {
    /// An empty sketch with relative accuracy `alpha` (`MIN_RELATIVE_ACCURACY ..= MAX_RELATIVE_ACCURACY`).
    pub fn new(alpha: f64) -> Result<Sketch, SketchError> {
        if !(MIN_RELATIVE_ACCURACY..=MAX_RELATIVE_ACCURACY).contains(&alpha) {
            return Err(SketchError::Accuracy(alpha));
        }
        let gamma = (1.0 + alpha) / (1.0 - alpha);
        Ok(Sketch {
            alpha,
            ln_gamma: gamma.ln(),
            pos: Store::default(),
            neg: Store::default(),
            packed: None,
            zero: 0,
            count: 0,
            sum: Dd::default(),
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        })
    }

    /// A shared empty sketch of the default accuracy (the filler of absent rows in columns).
    pub fn empty_shared() -> Arc<Sketch> {
        static EMPTY: OnceLock<Arc<Sketch>> = OnceLock::new();
        EMPTY.get_or_init(|| Arc::new(Sketch::default())).clone()
    }

    pub fn relative_accuracy(&self) -> f64 {
        self.alpha
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The exact sum of the values (double-double, rounded once).
    pub fn sum(&self) -> f64 {
        self.sum.value()
    }

    /// The sum as its double-double pair, for callers that keep accumulating.
    pub fn sum_dd(&self) -> Dd {
        self.sum
    }

    /// `None` when empty.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum.value() / self.count as f64)
    }

    /// The exact minimum; `None` when empty.
    pub fn min(&self) -> Option<f64> {
        (self.count > 0).then_some(self.min)
    }

    /// The exact maximum; `None` when empty.
    pub fn max(&self) -> Option<f64> {
        (self.count > 0).then_some(self.max)
    }

    /// Approximate memory held, O(1) (cache and memtable accounting).
    pub fn heap_bytes(&self) -> usize {
        std::mem::size_of::<Sketch>()
            + 8 * (self.pos.counts.len() + self.neg.counts.len())
            + self.packed.as_ref().map_or(0, |p| p.len())
    }

    /// Nonzero buckets (storage and merge cost).
    pub fn bucket_count(&self) -> usize {
        let s = self.unpacked();
        s.pos.nonzero() + s.neg.nonzero() + usize::from(s.zero > 0)
    }

    /// Moves packed store sections into the dense stores.
    fn unpack(&mut self) {
        if let Some(p) = self.packed.take() {
            add_packed(&mut self.pos, &mut self.neg, &p);
        }
    }

    /// `self` with dense stores (a copy when packed).
    fn unpacked(&self) -> std::borrow::Cow<'_, Sketch> {
        if self.packed.is_none() {
            return std::borrow::Cow::Borrowed(self);
        }
        let mut c = self.clone();
        c.unpack();
        std::borrow::Cow::Owned(c)
    }

    #[inline]
    fn index(&self, magnitude: f64) -> i32 {
        (magnitude.ln() / self.ln_gamma).ceil() as i32
    }

    #[inline]
    fn representative(&self, idx: i32) -> f64 {
        // 2γ^i / (γ + 1) = γ^i · (1 − α)
        (idx as f64 * self.ln_gamma).exp() * (1.0 - self.alpha)
    }

    /// Adds one value. Non-finite values (NaN, ±∞) are not counted: they have no place in a
    /// relative-error histogram and line protocol cannot carry them.
    #[inline]
    pub fn insert(&mut self, x: f64) {
        if !x.is_finite() {
            return;
        }
        self.unpack();
        self.count += 1;
        self.sum = self.sum.add(x);
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        let m = x.abs();
        if m < f64::MIN_POSITIVE {
            self.zero += 1;
        } else if x > 0.0 {
            let i = self.index(m);
            self.pos.add(i, 1);
        } else {
            let i = self.index(m);
            self.neg.add(i, 1);
        }
    }

    /// Adds every value of `xs` (see [`Sketch::insert`]).
    pub fn extend_from(&mut self, xs: &[f64]) {
        for &x in xs {
            self.insert(x);
        }
    }

    /// Adds `other`'s values. Both must have the same relative accuracy.
    pub fn merge(&mut self, other: &Sketch) -> Result<(), SketchError> {
        if other.count == 0 {
            return Ok(());
        }
        if self.count == 0 {
            // Adopt the other's accuracy when we hold nothing yet (an empty default-accuracy
            // accumulator merging sketches of another accuracy).
            if self.alpha.to_bits() != other.alpha.to_bits() {
                *self = other.clone();
                return Ok(());
            }
        } else if self.alpha.to_bits() != other.alpha.to_bits() {
            return Err(SketchError::AccuracyMismatch(self.alpha, other.alpha));
        }
        self.count += other.count;
        self.zero += other.zero;
        self.sum = self.sum.merge(other.sum);
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.unpack();
        match &other.packed {
            Some(p) => add_packed(&mut self.pos, &mut self.neg, p),
            None => {
                self.pos.merge(&other.pos);
                self.neg.merge(&other.neg);
            }
        }
        Ok(())
    }

    /// The value of rank `r` (0-based, ascending) of the sketched values, within the relative
    /// accuracy of the exact one; rank 0 and the last rank answer the exact min and max, and every
    /// answer is clamped to `[min, max]`. `None` when `r >= count`.
    pub fn value_at_rank(&self, r: u64) -> Option<f64> {
        if self.packed.is_some() {
            return self.unpacked().value_at_rank(r);
        }
        if r >= self.count {
            return None;
        }
        if r == 0 {
            return Some(self.min);
        }
        if r == self.count - 1 {
            return Some(self.max);
        }
        let mut seen = 0u64;
        let clamp = |v: f64| v.clamp(self.min, self.max);
        for (k, &c) in self.neg.counts.iter().enumerate().rev() {
            seen += c;
            if seen > r {
                return Some(clamp(-self.representative(self.neg.offset + k as i32)));
            }
        }
        seen += self.zero;
        if seen > r {
            return Some(clamp(0.0));
        }
        for (k, &c) in self.pos.counts.iter().enumerate() {
            seen += c;
            if seen > r {
                return Some(clamp(self.representative(self.pos.offset + k as i32)));
            }
        }
        Some(self.max)
    }

    /// InfluxQL's `percentile(field, p)` answered from the sketch: the value of rank
    /// `⌊count · p / 100 + 0.5⌋ − 1` (InfluxDB's nearest-rank formula), `None` when that rank is
    /// outside the values (as InfluxDB returns null).
    pub fn percentile(&self, p: f64) -> Option<f64> {
        let i = (self.count as f64 * p / 100.0 + 0.5).floor() as i64 - 1;
        if i < 0 || i as u64 >= self.count {
            return None;
        }
        self.value_at_rank(i as u64)
    }

    /// InfluxQL's `median`: the middle value, or the mean of the two middle values.
    pub fn median(&self) -> Option<f64> {
        match self.count {
            0 => None,
            n if n % 2 == 1 => self.value_at_rank(n / 2),
            n => {
                let a = self.value_at_rank(n / 2 - 1)?;
                let b = self.value_at_rank(n / 2)?;
                Some(a + (b - a) / 2.0)
            }
        }
    }

    /// Appends the binary encoding (`docs/format/sketch.md`).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(ENCODING_VERSION);
        out.extend_from_slice(&self.alpha.to_le_bytes());
        put_varint(out, self.count);
        if self.count == 0 {
            return;
        }
        let mut flags = 0u8;
        if self.sum.lo != 0.0 {
            flags |= 1;
        }
        if self.min.to_bits() == self.max.to_bits() {
            flags |= 2;
        }
        out.push(flags);
        out.extend_from_slice(&self.sum.hi.to_le_bytes());
        if flags & 1 != 0 {
            out.extend_from_slice(&self.sum.lo.to_le_bytes());
        }
        out.extend_from_slice(&self.min.to_le_bytes());
        if flags & 2 == 0 {
            out.extend_from_slice(&self.max.to_le_bytes());
        }
        put_varint(out, self.zero);
        if let Some(p) = &self.packed {
            out.extend_from_slice(p);
            return;
        }
        for store in [&self.pos, &self.neg] {
            put_varint(out, store.nonzero() as u64);
            let mut prev = 0i64;
            for (k, &c) in store.counts.iter().enumerate() {
                if c != 0 {
                    let idx = store.offset as i64 + k as i64;
                    put_varint(out, zigzag(idx - prev));
                    put_varint(out, c);
                    prev = idx;
                }
            }
        }
    }

    /// The binary encoding as a new vector.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(48 + 3 * self.bucket_count());
        self.encode(&mut out);
        out
    }

    /// Decodes one sketch that fills `bytes` exactly, validating every field.
    pub fn decode(bytes: &[u8]) -> Result<Sketch, SketchError> {
        let mut r = Reader { b: bytes, pos: 0 };
        let sk = Sketch::decode_from(&mut r)?;
        if r.pos != bytes.len() {
            return Err(SketchError::Decode("trailing bytes"));
        }
        Ok(sk)
    }

    /// Decodes one sketch from the front of `bytes`; returns it and the bytes it used.
    pub fn decode_prefix(bytes: &[u8]) -> Result<(Sketch, usize), SketchError> {
        let mut r = Reader { b: bytes, pos: 0 };
        let sk = Sketch::decode_from(&mut r)?;
        Ok((sk, r.pos))
    }

    fn decode_from(r: &mut Reader<'_>) -> Result<Sketch, SketchError> {
        let h = Header::read(r)?;
        let mut sk = Sketch::new(h.alpha).map_err(|_| SketchError::Decode("relative accuracy"))?;
        if h.count == 0 {
            return Ok(sk);
        }
        sk.count = h.count;
        sk.sum = h.sum;
        sk.min = h.min;
        sk.max = h.max;
        sk.zero = h.zero;
        let start = r.pos;
        walk_buckets(r, &h, None)?;
        sk.packed = Some(r.b[start..r.pos].into());
        Ok(sk)
    }

    /// The line-protocol text form: `sketch:` and the URL-safe base64 (no padding) of
    /// [`Sketch::encode`].
    pub fn to_text(&self) -> String {
        use base64::Engine as _;
        let mut s = String::from(TEXT_PREFIX);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode_string(self.to_bytes(), &mut s);
        s
    }

    /// Parses the text form (with its `sketch:` prefix).
    pub fn from_text(text: &str) -> Result<Sketch, SketchError> {
        use base64::Engine as _;
        let body = text
            .strip_prefix(TEXT_PREFIX)
            .ok_or(SketchError::Decode("missing sketch: prefix"))?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| SketchError::Decode("invalid base64"))?;
        Sketch::decode(&bytes)
    }

    /// The readable form a raw `SELECT` of a sketch field returns:
    /// `count=3 sum=6 min=1 p50=2 p90=3 p95=3 p99=3 max=3 accuracy=0.01`.
    pub fn summary(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Sketch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.count == 0 {
            return write!(f, "count=0 accuracy={}", self.alpha);
        }
        write!(
            f,
            "count={} sum={} min={}",
            self.count,
            self.sum(),
            self.min
        )?;
        for p in [50.0, 90.0, 95.0, 99.0] {
            match self.percentile(p) {
                Some(v) => write!(f, " p{p}={}", significant(v))?,
                None => write!(f, " p{p}=null")?,
            }
        }
        write!(f, " max={} accuracy={}", self.max, self.alpha)
    }
}

/// `v` rounded to 4 significant digits (quantiles are only good to the relative accuracy anyway).
fn significant(v: f64) -> f64 {
    format!("{v:.3e}").parse().unwrap_or(v)
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// LEB128.
pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn u8(&mut self) -> Result<u8, SketchError> {
        let v = *self
            .b
            .get(self.pos)
            .ok_or(SketchError::Decode("truncated"))?;
        self.pos += 1;
        Ok(v)
    }

    fn f64(&mut self) -> Result<f64, SketchError> {
        let s = self
            .b
            .get(self.pos..self.pos + 8)
            .ok_or(SketchError::Decode("truncated"))?;
        self.pos += 8;
        Ok(f64::from_le_bytes(s.try_into().expect("8 bytes")))
    }

    /// One-byte values (most bucket deltas and counts) take the first branch.
    #[inline]
    fn varint(&mut self) -> Result<u64, SketchError> {
        if let Some(&b) = self.b.get(self.pos) {
            if b < 0x80 {
                self.pos += 1;
                return Ok(u64::from(b));
            }
        }
        self.varint_slow()
    }

    fn varint_slow(&mut self) -> Result<u64, SketchError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                if shift == 63 && b > 1 {
                    return Err(SketchError::Decode("varint overflow"));
                }
                return Ok(v);
            }
        }
        Err(SketchError::Decode("varint overflow"))
    }
}
