//! [`SketchValues`]: the values of a sketch column, either shared decoded sketches (memtable,
//! WAL replay, `INTO`, tests) or the column's encodings side by side in one buffer (segment
//! chunks: no allocation per row, a cheap cache weight, merged straight from the bytes).
//!
//! Invariants:
//! 1. In the encoded form row `i` is `bytes[ends[i-1]..ends[i]]` (`ends[-1] = 0`): either empty
//!    (an absent row, [`Sketch::empty_shared`]) or a varint length followed by exactly that many
//!    bytes of one sketch encoding that passed [`validate_encoded`] when it entered the column —
//!    so reading a row back never fails.
//! 2. Both forms hold the same logical values: equality, [`SketchValues::get`] and encoding do not
//!    depend on the form; appending rows of one form to a column of the other converts the rows.
//! 3. A column whose encoded bytes would pass `u32::MAX` turns into the decoded form.

use crate::encoding::sketches::varint;
use std::ops::Range;
use std::sync::Arc;

use super::{Sketch, put_varint, validate_encoded};
use crate::model::BitVec;

/// One row of a [`SketchValues`], borrowed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SketchRow<'a> {
    Shared(&'a Arc<Sketch>),
    /// A validated encoding ([`Sketch::encode`]); empty for the default empty sketch.
    Encoded(&'a [u8]),
}

impl SketchRow<'_> {
    /// The row as a shared sketch (decoding an encoded row).
    pub fn to_arc(self) -> Arc<Sketch> {
        match self {
            SketchRow::Shared(s) => Arc::clone(s),
            SketchRow::Encoded([]) => Sketch::empty_shared(),
            // Validated on entry (invariant 1): the fallback is unreachable.
            SketchRow::Encoded(b) => {
                Sketch::decode(b).map_or_else(|_| Sketch::empty_shared(), Arc::new)
            }
        }
    }

    /// Whether the row holds no value.
    pub fn is_empty(self) -> bool {
        match self {
            SketchRow::Shared(s) => s.is_empty(),
            SketchRow::Encoded(b) => b.is_empty() || super::encoded_is_empty(b),
        }
    }
}

#[derive(Clone, Debug)]
enum Repr {
    Shared(Vec<Arc<Sketch>>),
    Encoded { bytes: Vec<u8>, ends: Vec<u32> },
}

/// The values of a sketch column; see the module docs.
#[derive(Clone, Debug)]
pub struct SketchValues {
    repr: Repr,
}

impl Default for SketchValues {
    fn default() -> Self {
        SketchValues::new()
    }
}

impl From<Vec<Arc<Sketch>>> for SketchValues {
    fn from(v: Vec<Arc<Sketch>>) -> Self {
        SketchValues {
            repr: Repr::Shared(v),
        }
    }
}

impl PartialEq for SketchValues {
    fn eq(&self, o: &Self) -> bool {
        self.len() == o.len()
            && (0..self.len()).all(|i| match (self.row(i), o.row(i)) {
                (Some(SketchRow::Encoded(a)), Some(SketchRow::Encoded(b))) if a == b => true,
                (Some(a), Some(b)) => a.to_arc() == b.to_arc(),
                _ => false,
            })
    }
}

/// Splits a stored encoded row into its sketch encoding (skipping the varint length).
#[inline]
fn payload(row: &[u8]) -> &[u8] {
    match row.first() {
        None => row,
        Some(&b) if b < 0x80 => row.get(1..).unwrap_or(&[]),
        Some(_) => {
            let n = row
                .iter()
                .position(|&b| b < 0x80)
                .map_or(row.len(), |p| p + 1);
            row.get(n..).unwrap_or(&[])
        }
    }
}

impl SketchValues {
    pub fn new() -> SketchValues {
        SketchValues {
            repr: Repr::Shared(Vec::new()),
        }
    }

    /// The encoded form over `bytes` (rows of `varint length | encoding`, each validated by the
    /// caller) ending at `ends`; `None` when an end is out of order or past the bytes.
    pub(crate) fn from_encoded(bytes: Vec<u8>, ends: Vec<u32>) -> Option<SketchValues> {
        let mut prev = 0u32;
        for &e in &ends {
            if e < prev || e as usize > bytes.len() {
                return None;
            }
            prev = e;
        }
        Some(SketchValues {
            repr: Repr::Encoded { bytes, ends },
        })
    }

    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Shared(v) => v.len(),
            Repr::Encoded { ends, .. } => ends.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the rows are kept encoded (segment data) rather than decoded.
    pub fn is_encoded(&self) -> bool {
        matches!(self.repr, Repr::Encoded { .. })
    }

    /// Removes every row, keeping the allocation.
    pub fn clear(&mut self) {
        match &mut self.repr {
            Repr::Shared(v) => v.clear(),
            Repr::Encoded { bytes, ends } => {
                bytes.clear();
                ends.clear();
            }
        }
    }

    /// Row `i`, `None` past the end.
    #[inline]
    pub fn row(&self, i: usize) -> Option<SketchRow<'_>> {
        match &self.repr {
            Repr::Shared(v) => v.get(i).map(SketchRow::Shared),
            Repr::Encoded { bytes, ends } => {
                let end = *ends.get(i)? as usize;
                let start = match i {
                    0 => 0,
                    _ => *ends.get(i - 1)? as usize,
                };
                Some(SketchRow::Encoded(payload(bytes.get(start..end)?)))
            }
        }
    }

    /// Row `i` as a shared sketch (decoded when kept encoded), `None` past the end.
    pub fn get(&self, i: usize) -> Option<Arc<Sketch>> {
        self.row(i).map(SketchRow::to_arc)
    }

    /// Every row.
    pub fn iter(&self) -> impl Iterator<Item = SketchRow<'_>> + '_ {
        (0..self.len()).filter_map(|i| self.row(i))
    }

    /// Every row as a shared sketch.
    pub fn to_vec(&self) -> Vec<Arc<Sketch>> {
        self.iter().map(SketchRow::to_arc).collect()
    }

    /// Approximate heap bytes (cache weights): O(1) when encoded.
    pub fn heap_bytes(&self) -> usize {
        match &self.repr {
            Repr::Shared(v) => v.iter().map(|s| s.heap_bytes() + 16).sum(),
            Repr::Encoded { bytes, ends } => bytes.capacity() + 4 * ends.capacity(),
        }
    }

    /// Turns the encoded form into the decoded one (invariant 3).
    fn to_shared(&mut self) {
        if let Repr::Encoded { .. } = self.repr {
            self.repr = Repr::Shared(self.to_vec());
        }
    }

    /// Appends the stored row `raw` (`varint length | encoding`, or empty) to the encoded form.
    fn push_raw(&mut self, raw: &[u8]) {
        if let Repr::Encoded { bytes, ends } = &mut self.repr {
            if let Ok(end) = u32::try_from(bytes.len() + raw.len()) {
                bytes.extend_from_slice(raw);
                ends.push(end);
                return;
            }
        }
        self.to_shared();
        let row = SketchRow::Encoded(payload(raw)).to_arc();
        self.push(row);
    }

    /// Appends a sketch.
    pub fn push(&mut self, s: Arc<Sketch>) {
        match &mut self.repr {
            Repr::Shared(v) => v.push(s),
            Repr::Encoded { .. } => {
                let one = s.to_bytes();
                let mut raw = Vec::with_capacity(one.len() + 3);
                put_varint(&mut raw, one.len() as u64);
                raw.extend_from_slice(&one);
                self.push_raw(&raw);
            }
        }
    }

    /// Appends the default empty sketch (an absent row).
    pub fn push_empty(&mut self) {
        match &mut self.repr {
            Repr::Shared(v) => v.push(Sketch::empty_shared()),
            Repr::Encoded { .. } => self.push_raw(&[]),
        }
    }

    /// Appends one row of another column.
    pub fn push_row(&mut self, row: SketchRow<'_>) {
        match (&self.repr, row) {
            (Repr::Encoded { .. }, SketchRow::Encoded([])) => self.push_raw(&[]),
            (Repr::Encoded { .. }, SketchRow::Encoded(b)) => {
                let mut raw = Vec::with_capacity(b.len() + 3);
                put_varint(&mut raw, b.len() as u64);
                raw.extend_from_slice(b);
                self.push_raw(&raw);
            }
            _ => self.push(row.to_arc()),
        }
    }

    /// Appends rows `range` of `src` (an empty column adopts the source's form).
    pub fn extend_rows(&mut self, src: &SketchValues, range: Range<usize>) {
        let range = range.start.min(src.len())..range.end.min(src.len());
        if range.is_empty() {
            return;
        }
        // An empty column adopts the source's form.
        if self.is_empty() && self.is_encoded() != src.is_encoded() {
            self.repr = match src.repr {
                Repr::Shared(_) => Repr::Shared(Vec::new()),
                Repr::Encoded { .. } => Repr::Encoded {
                    bytes: Vec::new(),
                    ends: Vec::new(),
                },
            };
        }
        match (&mut self.repr, &src.repr) {
            (Repr::Shared(d), Repr::Shared(s)) => d.extend_from_slice(&s[range]),
            (
                Repr::Encoded { bytes, ends },
                Repr::Encoded {
                    bytes: sb,
                    ends: se,
                },
            ) => {
                let from = match range.start {
                    0 => 0,
                    k => se[k - 1] as usize,
                };
                let to = se[range.end - 1] as usize;
                let base = bytes.len() as i64 - from as i64;
                match u32::try_from(bytes.len() + (to - from)) {
                    Ok(_) => {
                        bytes.extend_from_slice(&sb[from..to]);
                        ends.extend(se[range].iter().map(|&e| (e as i64 + base) as u32));
                    }
                    Err(_) => {
                        for i in range {
                            if let Some(r) = src.row(i) {
                                self.push_row(r);
                            }
                        }
                    }
                }
            }
            _ => {
                for i in range {
                    if let Some(r) = src.row(i) {
                        self.push_row(r);
                    }
                }
            }
        }
    }

    /// Appends the rows `from..to` of `src` that are present in `present`.
    pub fn extend_present(&mut self, src: &SketchValues, present: &BitVec, from: usize, to: usize) {
        let mut i = from;
        while i < to {
            if !present.get(i) {
                i += 1;
                continue;
            }
            let mut j = i + 1;
            while j < to && present.get(j) {
                j += 1;
            }
            self.extend_rows(src, i..j);
            i = j;
        }
    }

    /// Spreads `k = present.count_ones()` rows over `present.len()` rows, absent rows empty.
    pub fn spread(self, present: &BitVec) -> SketchValues {
        let n = present.len();
        if self.len() == n {
            return self;
        }
        match self.repr {
            Repr::Encoded { bytes, ends } => {
                let mut out = Vec::with_capacity(n);
                let (mut j, mut last) = (0, 0u32);
                for i in 0..n {
                    if present.get(i) {
                        if let Some(&e) = ends.get(j) {
                            last = e;
                        }
                        j += 1;
                    }
                    out.push(last);
                }
                SketchValues {
                    repr: Repr::Encoded { bytes, ends: out },
                }
            }
            Repr::Shared(v) => {
                let mut it = v.into_iter();
                let out = (0..n)
                    .map(|i| {
                        if present.get(i) {
                            it.next().unwrap_or_else(Sketch::empty_shared)
                        } else {
                            Sketch::empty_shared()
                        }
                    })
                    .collect();
                SketchValues {
                    repr: Repr::Shared(out),
                }
            }
        }
    }

    /// Appends every row as `varint length | encoding` (what a segment column holds); an empty
    /// encoded row is written as the default empty sketch.
    pub fn write_rows(&self, raw: &mut Vec<u8>) {
        match &self.repr {
            Repr::Encoded { bytes, ends }
                if !ends
                    .iter()
                    .zip(std::iter::once(&0).chain(ends))
                    .any(|(e, p)| e == p) =>
            {
                raw.extend_from_slice(bytes);
            }
            _ => {
                let mut one = Vec::with_capacity(256);
                for r in self.iter() {
                    one.clear();
                    match r {
                        SketchRow::Shared(s) => s.encode(&mut one),
                        SketchRow::Encoded([]) => Sketch::empty_shared().encode(&mut one),
                        SketchRow::Encoded(b) => one.extend_from_slice(b),
                    }
                    put_varint(raw, one.len() as u64);
                    raw.extend_from_slice(&one);
                }
            }
        }
    }
}

/// Checks every row of a column's raw bytes (`varint length | encoding`, `n` rows filling `raw`
/// exactly) and returns their ends; the error names the row and the problem.
pub(crate) fn validate_rows(raw: &[u8], n: usize) -> Result<Vec<u32>, String> {
    if u32::try_from(raw.len()).is_err() {
        return Err(format!("{} bytes of sketches exceed 4 GiB", raw.len()));
    }
    let mut ends = Vec::with_capacity(n);
    let mut pos = 0usize;
    for i in 0..n {
        let (len, used) = varint(raw.get(pos..).unwrap_or(&[]))
            .ok_or_else(|| format!("sketch {i}: bad length"))?;
        let start = pos + used;
        let end = usize::try_from(len)
            .ok()
            .and_then(|l| start.checked_add(l))
            .filter(|&e| e <= raw.len())
            .ok_or_else(|| format!("sketch {i}: truncated"))?;
        validate_encoded(&raw[start..end]).map_err(|e| format!("sketch {i}: {e}"))?;
        ends.push(end as u32);
        pos = end;
    }
    if pos != raw.len() {
        return Err(format!("{} bytes after {n} sketches", raw.len() - pos));
    }
    Ok(ends)
}
