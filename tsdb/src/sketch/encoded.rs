//! Reading sketch encodings (`docs/format/sketch.md`) without building a [`Sketch`]: validation
//! ([`validate_encoded`]) and merging straight from the bytes ([`Sketch::merge_encoded`]), for
//! scans that read millions of rollup sketches only to merge them.
//!
//! Invariants:
//! 1. [`validate_encoded`] accepts exactly the byte strings [`Sketch::decode`] accepts.
//! 2. `merge_encoded(b)` leaves `self` equal to `merge(&Sketch::decode(b)?)` and fails exactly when
//!    `decode` or that merge fails; after a failure `self` may hold part of the buckets (a caller
//!    that gets an error abandons the sketch; it is never read out of bounds or panics).
//! 3. Neither allocates (except the accumulating sketch's store growing) nor computes a logarithm.

use super::{
    ENCODING_VERSION, MAX_RELATIVE_ACCURACY, MIN_RELATIVE_ACCURACY, Reader, Sketch, SketchError,
    Store, unzigzag,
};
use crate::model::Dd;

/// The fixed fields of an encoding, read up to the first bucket section.
#[derive(Clone, Copy, Debug)]
pub(super) struct Header {
    pub alpha: f64,
    pub count: u64,
    pub sum: Dd,
    pub min: f64,
    pub max: f64,
    pub zero: u64,
}

impl Header {
    /// Reads and checks the header; a `count == 0` header ends there (no sum, min, max or buckets).
    pub fn read(r: &mut Reader<'_>) -> Result<Header, SketchError> {
        if r.u8()? != ENCODING_VERSION {
            return Err(SketchError::Decode("unknown version"));
        }
        let alpha = r.f64()?;
        if !(MIN_RELATIVE_ACCURACY..=MAX_RELATIVE_ACCURACY).contains(&alpha) {
            return Err(SketchError::Decode("relative accuracy"));
        }
        let count = r.varint()?;
        let mut h = Header {
            alpha,
            count,
            sum: Dd::default(),
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            zero: 0,
        };
        if count == 0 {
            return Ok(h);
        }
        let flags = r.u8()?;
        if flags & !3 != 0 {
            return Err(SketchError::Decode("unknown flags"));
        }
        let hi = r.f64()?;
        let lo = if flags & 1 != 0 { r.f64()? } else { 0.0 };
        let min = r.f64()?;
        let max = if flags & 2 != 0 { min } else { r.f64()? };
        if !(hi.is_finite() && lo.is_finite() && min.is_finite() && max.is_finite()) || min > max {
            return Err(SketchError::Decode("count, sum, min or max"));
        }
        h.sum = Dd { hi, lo };
        h.min = min;
        h.max = max;
        h.zero = r.varint()?;
        Ok(h)
    }
}

/// Walks the two bucket sections after a header of `count > 0`, adding every bucket to `stores`
/// (positive, negative) when given and checking every rule of the format; `r` ends after the
/// sections.
///
/// Buckets whose delta and count take one byte each (nearly all) go through a branch-light path
/// that only records whether a rule broke; when one did, [`walk_buckets_checked`] re-reads the
/// sections to name the error (so `stores` may hold meaningless buckets of a sketch that fails).
#[inline(always)]
pub(super) fn walk_buckets(
    r: &mut Reader<'_>,
    h: &Header,
    stores: Option<(&mut Store, &mut Store)>,
) -> Result<(), SketchError> {
    let start = r.pos;
    let mut total = h.zero;
    let bad = match stores {
        Some((pos, neg)) => {
            section::<true>(r, h.count, &mut total, pos)?
                | section::<true>(r, h.count, &mut total, neg)?
        }
        None => {
            let mut none = Store::default();
            section::<false>(r, h.count, &mut total, &mut none)?
                | section::<false>(r, h.count, &mut total, &mut none)?
        }
    };
    if bad {
        r.pos = start;
        return walk_buckets_checked(r, h);
    }
    if total != h.count {
        return Err(SketchError::Decode(
            "bucket counts do not add up to the count",
        ));
    }
    Ok(())
}

/// One bucket section: adds its buckets to `store` when `MERGE`; returns whether a rule broke.
#[inline(always)]
fn section<const MERGE: bool>(
    r: &mut Reader<'_>,
    count: u64,
    total: &mut u64,
    store: &mut Store,
) -> Result<bool, SketchError> {
    let n = r.varint()?;
    if n > count {
        return Err(SketchError::Decode("bucket count"));
    }
    let (mut idx, mut t, mut bad) = (0i64, *total, false);
    for j in 0..n {
        let (d, c) = match r.b.get(r.pos..r.pos + 2) {
            Some(&[a, b]) if (a | b) < 0x80 => {
                r.pos += 2;
                (u64::from(a), u64::from(b))
            }
            _ => (r.varint()?, r.varint()?),
        };
        let delta = unzigzag(d);
        idx = idx.wrapping_add(delta);
        let (nt, overflow) = t.overflowing_add(c);
        t = nt;
        bad |= (j > 0 && delta <= 0) | (c == 0) | overflow | (idx as i32 as i64 != idx);
        if MERGE {
            let i = idx as i32;
            // A bucket below the offset wraps to a huge index: the slow path.
            let k = i.wrapping_sub(store.offset) as u32 as usize;
            match store.counts.get_mut(k) {
                Some(slot) => *slot = slot.wrapping_add(c),
                None => store.add(i, c),
            }
        }
    }
    *total = t;
    Ok(bad)
}

/// [`walk_buckets`] one rule at a time, for the error of a sketch known to break one.
#[cold]
fn walk_buckets_checked(r: &mut Reader<'_>, h: &Header) -> Result<(), SketchError> {
    let mut total = h.zero;
    for _ in 0..2 {
        let n = r.varint()?;
        if n > h.count {
            return Err(SketchError::Decode("bucket count"));
        }
        let mut idx = 0i64;
        for j in 0..n {
            let delta = unzigzag(r.varint()?);
            if j > 0 && delta <= 0 {
                return Err(SketchError::Decode("bucket ids not increasing"));
            }
            idx = idx
                .checked_add(delta)
                .filter(|i| i32::try_from(*i).is_ok())
                .ok_or(SketchError::Decode("bucket id out of range"))?;
            let c = r.varint()?;
            if c == 0 {
                return Err(SketchError::Decode("empty bucket"));
            }
            total = total
                .checked_add(c)
                .ok_or(SketchError::Decode("bucket counts overflow"))?;
        }
    }
    if total != h.count {
        return Err(SketchError::Decode(
            "bucket counts do not add up to the count",
        ));
    }
    // The fast walk flagged a rule this one finds unbroken (cannot happen): still an error.
    Err(SketchError::Decode("bucket sections"))
}

/// Checks that `bytes` is exactly one valid sketch encoding (what [`Sketch::decode`] accepts).
pub fn validate_encoded(bytes: &[u8]) -> Result<(), SketchError> {
    let mut r = Reader { b: bytes, pos: 0 };
    let h = Header::read(&mut r)?;
    if h.count > 0 {
        walk_buckets(&mut r, &h, None)?;
    }
    if r.pos != bytes.len() {
        return Err(SketchError::Decode("trailing bytes"));
    }
    Ok(())
}

/// The relative accuracy of an encoding (its bytes 1..9), `None` when too short.
pub fn encoded_accuracy(bytes: &[u8]) -> Option<f64> {
    let b: [u8; 8] = bytes.get(1..9)?.try_into().ok()?;
    Some(f64::from_le_bytes(b))
}

/// Whether an encoding holds no value (its count is 0); `false` when it cannot be read.
pub fn encoded_is_empty(bytes: &[u8]) -> bool {
    let mut r = Reader { b: bytes, pos: 9 };
    matches!(r.varint(), Ok(0))
}

impl Sketch {
    /// Adds the values of the encoded sketch `bytes` (see the module invariants): the same as
    /// `self.merge(&Sketch::decode(bytes)?)` without building the decoded sketch.
    pub fn merge_encoded(&mut self, bytes: &[u8]) -> Result<(), SketchError> {
        let mut r = Reader { b: bytes, pos: 0 };
        let h = Header::read(&mut r)?;
        if h.count == 0 {
            if r.pos != bytes.len() {
                return Err(SketchError::Decode("trailing bytes"));
            }
            return Ok(());
        }
        if self.alpha.to_bits() != h.alpha.to_bits() {
            if self.count == 0 {
                // Adopt the other's accuracy (as `merge` does).
                *self = Sketch::decode(bytes)?;
                return Ok(());
            }
            // `merge` would fail the same way, after `decode` succeeded.
            validate_encoded(bytes)?;
            return Err(SketchError::AccuracyMismatch(self.alpha, h.alpha));
        }
        self.unpack();
        walk_buckets(&mut r, &h, Some((&mut self.pos, &mut self.neg)))?;
        if r.pos != bytes.len() {
            return Err(SketchError::Decode("trailing bytes"));
        }
        self.count += h.count;
        self.zero += h.zero;
        self.sum = self.sum.merge(h.sum);
        self.min = self.min.min(h.min);
        self.max = self.max.max(h.max);
        Ok(())
    }
}
