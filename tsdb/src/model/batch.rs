use std::borrow::Cow;
use std::ops::Range;

use super::{FieldValue, Timestamp};

/// One parsed point; its tags and fields are ranges into the owning [`PointBatch`]'s flat vectors,
/// so a batch of N points costs a handful of allocations, not N.
#[derive(Clone, Debug, PartialEq)]
pub struct Point<'a> {
    /// Unescaped measurement name.
    pub measurement: Cow<'a, str>,
    /// Range into [`PointBatch::tags`]; sorted by key, no duplicate keys.
    pub tags: Range<u32>,
    /// Range into [`PointBatch::fields`]; in line order (a later duplicate key wins on write).
    pub fields: Range<u32>,
    /// Nanoseconds since the epoch, already scaled from the write precision.
    pub timestamp: Timestamp,
}

/// A batch of parsed points that borrows from the request body.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PointBatch<'a> {
    pub points: Vec<Point<'a>>,
    pub tags: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    pub fields: Vec<(Cow<'a, str>, FieldValue<'a>)>,
}

impl<'a> PointBatch<'a> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    pub fn clear(&mut self) {
        self.points.clear();
        self.tags.clear();
        self.fields.clear();
    }

    pub fn tags_of(&self, p: &Point<'a>) -> &[(Cow<'a, str>, Cow<'a, str>)] {
        &self.tags[p.tags.start as usize..p.tags.end as usize]
    }

    pub fn fields_of(&self, p: &Point<'a>) -> &[(Cow<'a, str>, FieldValue<'a>)] {
        &self.fields[p.fields.start as usize..p.fields.end as usize]
    }

    /// Appends a point built from owned or borrowed parts; sorts its tags by key. Convenience for
    /// tests and internal writers (INTO, continuous queries); the parser fills the vectors directly.
    pub fn push(
        &mut self,
        measurement: impl Into<Cow<'a, str>>,
        tags: impl IntoIterator<Item = (Cow<'a, str>, Cow<'a, str>)>,
        fields: impl IntoIterator<Item = (Cow<'a, str>, FieldValue<'a>)>,
        timestamp: Timestamp,
    ) {
        let t0 = self.tags.len();
        self.tags.extend(tags);
        self.tags[t0..].sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let f0 = self.fields.len();
        self.fields.extend(fields);
        self.points.push(Point {
            measurement: measurement.into(),
            tags: t0 as u32..self.tags.len() as u32,
            fields: f0 as u32..self.fields.len() as u32,
            timestamp,
        });
    }
}
