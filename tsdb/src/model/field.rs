use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use crate::sketch::{Sketch, SketchValues};

/// The type of a field, fixed per shard and measurement by the first write.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
#[repr(u8)]
pub enum FieldType {
    Float = 1,
    Integer = 2,
    Unsigned = 3,
    String = 4,
    Boolean = 5,
    /// A mergeable quantile sketch ([`Sketch`]).
    Sketch = 6,
}

impl FieldType {
    /// The name InfluxDB uses in error texts and `SHOW FIELD KEYS`.
    pub fn name(self) -> &'static str {
        match self {
            FieldType::Float => "float",
            FieldType::Integer => "integer",
            FieldType::Unsigned => "unsigned",
            FieldType::String => "string",
            FieldType::Boolean => "boolean",
            FieldType::Sketch => "sketch",
        }
    }

    /// The on-disk tag byte.
    pub fn to_u8(self) -> u8 {
        self as u8
    }

    pub fn from_u8(b: u8) -> Option<FieldType> {
        Some(match b {
            1 => FieldType::Float,
            2 => FieldType::Integer,
            3 => FieldType::Unsigned,
            4 => FieldType::String,
            5 => FieldType::Boolean,
            6 => FieldType::Sketch,
            _ => return None,
        })
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One field value of a point; strings borrow from the request body unless an escape forced a copy.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue<'a> {
    Float(f64),
    Integer(i64),
    Unsigned(u64),
    String(Cow<'a, str>),
    Boolean(bool),
    Sketch(Arc<Sketch>),
}

impl FieldValue<'_> {
    pub fn field_type(&self) -> FieldType {
        match self {
            FieldValue::Float(_) => FieldType::Float,
            FieldValue::Integer(_) => FieldType::Integer,
            FieldValue::Unsigned(_) => FieldType::Unsigned,
            FieldValue::String(_) => FieldType::String,
            FieldValue::Boolean(_) => FieldType::Boolean,
            FieldValue::Sketch(_) => FieldType::Sketch,
        }
    }

    pub fn into_owned(self) -> FieldValue<'static> {
        match self {
            FieldValue::Float(v) => FieldValue::Float(v),
            FieldValue::Integer(v) => FieldValue::Integer(v),
            FieldValue::Unsigned(v) => FieldValue::Unsigned(v),
            FieldValue::String(s) => FieldValue::String(Cow::Owned(s.into_owned())),
            FieldValue::Boolean(v) => FieldValue::Boolean(v),
            FieldValue::Sketch(v) => FieldValue::Sketch(v),
        }
    }
}

/// A growable bit vector (presence bitmaps of columns).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct BitVec {
    words: Vec<u64>,
    len: usize,
}

impl BitVec {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reserves room for `additional` more bits.
    pub fn reserve(&mut self, additional: usize) {
        let words = (self.len + additional).div_ceil(64);
        self.words.reserve(words.saturating_sub(self.words.len()));
    }

    pub fn with_len(len: usize, value: bool) -> Self {
        let fill = if value { u64::MAX } else { 0 };
        let mut words = vec![fill; len.div_ceil(64)];
        if value && len % 64 != 0 {
            if let Some(last) = words.last_mut() {
                *last = (1u64 << (len % 64)) - 1;
            }
        }
        BitVec { words, len }
    }

    pub fn from_words(words: Vec<u64>, len: usize) -> Self {
        let mut bv = BitVec { words, len };
        bv.words.resize(len.div_ceil(64), 0);
        if len % 64 != 0 {
            if let Some(last) = bv.words.last_mut() {
                *last &= (1u64 << (len % 64)) - 1;
            }
        }
        bv
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn push(&mut self, bit: bool) {
        if self.len % 64 == 0 {
            self.words.push(0);
        }
        if bit {
            self.words[self.len / 64] |= 1u64 << (self.len % 64);
        }
        self.len += 1;
    }

    pub fn get(&self, i: usize) -> bool {
        debug_assert!(i < self.len);
        self.words[i / 64] >> (i % 64) & 1 == 1
    }

    pub fn set(&mut self, i: usize, bit: bool) {
        debug_assert!(i < self.len);
        if bit {
            self.words[i / 64] |= 1u64 << (i % 64);
        } else {
            self.words[i / 64] &= !(1u64 << (i % 64));
        }
    }

    pub fn count_ones(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    pub fn all(&self) -> bool {
        self.count_ones() == self.len
    }

    pub fn words(&self) -> &[u64] {
        &self.words
    }
}

/// Typed, dense column values. Rows where the column is absent hold a default value
/// (`0`, `""`, `false`) and are marked absent in the owning [`Column`]'s presence bitmap.
#[derive(Debug, PartialEq)]
pub enum ColumnValues {
    Float(Vec<f64>),
    Integer(Vec<i64>),
    Unsigned(Vec<u64>),
    String(Vec<String>),
    Boolean(Vec<bool>),
    /// Absent rows hold the default empty sketch ([`Sketch::empty_shared`]); segment chunks keep
    /// their rows encoded ([`SketchValues`]).
    Sketch(SketchValues),
}

impl ColumnValues {
    pub fn new(ty: FieldType) -> Self {
        match ty {
            FieldType::Float => ColumnValues::Float(Vec::new()),
            FieldType::Integer => ColumnValues::Integer(Vec::new()),
            FieldType::Unsigned => ColumnValues::Unsigned(Vec::new()),
            FieldType::String => ColumnValues::String(Vec::new()),
            FieldType::Boolean => ColumnValues::Boolean(Vec::new()),
            FieldType::Sketch => ColumnValues::Sketch(SketchValues::new()),
        }
    }

    pub fn field_type(&self) -> FieldType {
        match self {
            ColumnValues::Float(_) => FieldType::Float,
            ColumnValues::Integer(_) => FieldType::Integer,
            ColumnValues::Unsigned(_) => FieldType::Unsigned,
            ColumnValues::String(_) => FieldType::String,
            ColumnValues::Boolean(_) => FieldType::Boolean,
            ColumnValues::Sketch(_) => FieldType::Sketch,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            ColumnValues::Float(v) => v.len(),
            ColumnValues::Integer(v) => v.len(),
            ColumnValues::Unsigned(v) => v.len(),
            ColumnValues::String(v) => v.len(),
            ColumnValues::Boolean(v) => v.len(),
            ColumnValues::Sketch(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends the type's default value (used for absent rows).
    pub fn push_default(&mut self) {
        match self {
            ColumnValues::Float(v) => v.push(0.0),
            ColumnValues::Integer(v) => v.push(0),
            ColumnValues::Unsigned(v) => v.push(0),
            ColumnValues::String(v) => v.push(String::new()),
            ColumnValues::Boolean(v) => v.push(false),
            ColumnValues::Sketch(v) => v.push_empty(),
        }
    }

    /// Appends `value`; returns `false` (and appends nothing) when its type differs from the column's.
    pub fn push_value(&mut self, value: &FieldValue<'_>) -> bool {
        match (self, value) {
            (ColumnValues::Float(v), FieldValue::Float(x)) => v.push(*x),
            (ColumnValues::Integer(v), FieldValue::Integer(x)) => v.push(*x),
            (ColumnValues::Unsigned(v), FieldValue::Unsigned(x)) => v.push(*x),
            (ColumnValues::String(v), FieldValue::String(x)) => v.push(x.to_string()),
            (ColumnValues::Boolean(v), FieldValue::Boolean(x)) => v.push(*x),
            (ColumnValues::Sketch(v), FieldValue::Sketch(x)) => v.push(x.clone()),
            _ => return false,
        }
        true
    }

    /// The value at row `i` as a borrowed [`FieldValue`].
    pub fn value(&self, i: usize) -> FieldValue<'_> {
        match self {
            ColumnValues::Float(v) => FieldValue::Float(v[i]),
            ColumnValues::Integer(v) => FieldValue::Integer(v[i]),
            ColumnValues::Unsigned(v) => FieldValue::Unsigned(v[i]),
            ColumnValues::String(v) => FieldValue::String(Cow::Borrowed(v[i].as_str())),
            ColumnValues::Boolean(v) => FieldValue::Boolean(v[i]),
            ColumnValues::Sketch(v) => {
                FieldValue::Sketch(v.get(i).unwrap_or_else(Sketch::empty_shared))
            }
        }
    }
}

/// One field's values over a run of rows, with a presence bitmap (`present.len() == values.len()`).
#[derive(Debug, PartialEq)]
pub struct Column {
    pub values: ColumnValues,
    pub present: BitVec,
}

// Manual `Clone`s so that `clone_from` reuses the destination's allocations (a recycled scan
// batch is refilled without faulting in fresh pages).
impl Clone for BitVec {
    fn clone(&self) -> Self {
        BitVec {
            words: self.words.clone(),
            len: self.len,
        }
    }

    fn clone_from(&mut self, src: &Self) {
        self.words.clone_from(&src.words);
        self.len = src.len;
    }
}

impl Clone for ColumnValues {
    fn clone(&self) -> Self {
        match self {
            ColumnValues::Float(v) => ColumnValues::Float(v.clone()),
            ColumnValues::Integer(v) => ColumnValues::Integer(v.clone()),
            ColumnValues::Unsigned(v) => ColumnValues::Unsigned(v.clone()),
            ColumnValues::String(v) => ColumnValues::String(v.clone()),
            ColumnValues::Boolean(v) => ColumnValues::Boolean(v.clone()),
            ColumnValues::Sketch(v) => ColumnValues::Sketch(v.clone()),
        }
    }

    fn clone_from(&mut self, src: &Self) {
        match (self, src) {
            (ColumnValues::Float(d), ColumnValues::Float(s)) => d.clone_from(s),
            (ColumnValues::Integer(d), ColumnValues::Integer(s)) => d.clone_from(s),
            (ColumnValues::Unsigned(d), ColumnValues::Unsigned(s)) => d.clone_from(s),
            (ColumnValues::String(d), ColumnValues::String(s)) => d.clone_from(s),
            (ColumnValues::Boolean(d), ColumnValues::Boolean(s)) => d.clone_from(s),
            (d, s) => *d = s.clone(),
        }
    }
}

impl Clone for Column {
    fn clone(&self) -> Self {
        Column {
            values: self.values.clone(),
            present: self.present.clone(),
        }
    }

    fn clone_from(&mut self, src: &Self) {
        self.values.clone_from(&src.values);
        self.present.clone_from(&src.present);
    }
}

impl Column {
    pub fn new(ty: FieldType) -> Self {
        Column {
            values: ColumnValues::new(ty),
            present: BitVec::new(),
        }
    }

    pub fn field_type(&self) -> FieldType {
        self.values.field_type()
    }

    pub fn len(&self) -> usize {
        self.present.len()
    }

    pub fn is_empty(&self) -> bool {
        self.present.is_empty()
    }

    pub fn push_absent(&mut self) {
        self.values.push_default();
        self.present.push(false);
    }

    /// Removes every row, keeping the allocations (a reused scan buffer).
    pub fn clear(&mut self) {
        match &mut self.values {
            ColumnValues::Float(v) => v.clear(),
            ColumnValues::Integer(v) => v.clear(),
            ColumnValues::Unsigned(v) => v.clear(),
            ColumnValues::String(v) => v.clear(),
            ColumnValues::Boolean(v) => v.clear(),
            ColumnValues::Sketch(v) => *v = SketchValues::new(),
        }
        self.present.words.clear();
        self.present.len = 0;
    }

    /// Appends a present value; returns `false` on a type mismatch (nothing appended).
    pub fn push(&mut self, value: &FieldValue<'_>) -> bool {
        if self.values.push_value(value) {
            self.present.push(true);
            true
        } else {
            false
        }
    }

    /// Approximate heap bytes of the values and the presence bitmap (cache weights).
    pub fn heap_bytes(&self) -> usize {
        self.present.words().len() * 8
            + match &self.values {
                ColumnValues::Float(v) => 8 * v.len(),
                ColumnValues::Integer(v) => 8 * v.len(),
                ColumnValues::Unsigned(v) => 8 * v.len(),
                ColumnValues::Boolean(v) => v.len(),
                ColumnValues::String(v) => v
                    .iter()
                    .map(|s| s.len() + std::mem::size_of::<String>())
                    .sum(),
                ColumnValues::Sketch(v) => v.heap_bytes(),
            }
    }

    /// The value at row `i`, or `None` when absent.
    pub fn get(&self, i: usize) -> Option<FieldValue<'_>> {
        if self.present.get(i) {
            Some(self.values.value(i))
        } else {
            None
        }
    }
}
