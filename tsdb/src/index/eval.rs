//! `series(m, predicate)`: tag predicates as bitmap algebra over one snapshot of the layers.
//!
//! With `M` the series of the measurement, `K(k)` those having tag `k`, `V(k, v)` those with
//! `k = v` (a missing tag behaves as the empty value, see [`TagPredicate`]):
//! - `k = v` → `V(k, v)`; `k = ''` → `(M − K(k)) ∪ V(k, '')`
//! - `k != v` → `M − (k = v)`
//! - `k =~ re` → `∪ V(k, v)` over the values `re` matches (automaton over the fst), plus `M − K(k)`
//!   when `re` matches `''`; `k !~ re` → `M − (k =~ re)`
//! - `a AND b` → `a ∩ b`, computed as `a − positive(b)` when `b` is a negation; `a OR b` → `a ∪ b`

use std::cell::OnceCell;

use roaring::RoaringBitmap;

use super::error::IndexError;
use super::series_index::{Layers, SeriesIndex};
use super::term::{key_term, measurement_term, value_prefix, value_term};
use super::{TagPredicate, TagRegex};

impl SeriesIndex {
    /// Ids of the series of `measurement` matching `predicate` (bitmap algebra, module docs of
    /// [`TagPredicate`] for the semantics of missing tags).
    pub fn series(
        &self,
        measurement: &str,
        predicate: &TagPredicate,
    ) -> Result<RoaringBitmap, IndexError> {
        let snap = self.snapshot();
        let q = Query {
            index: self,
            snap: &snap,
            m: measurement,
            all: OnceCell::new(),
        };
        q.eval(predicate)
    }
}

struct Query<'a> {
    index: &'a SeriesIndex,
    snap: &'a Layers,
    m: &'a str,
    /// `M`, decoded only when a negation, an empty value or `All` needs it.
    all: OnceCell<RoaringBitmap>,
}

impl Query<'_> {
    fn all(&self) -> Result<&RoaringBitmap, IndexError> {
        if let Some(all) = self.all.get() {
            return Ok(all);
        }
        let all = self
            .index
            .term_postings(self.snap, &measurement_term(self.m))?;
        Ok(self.all.get_or_init(|| all))
    }

    fn eval(&self, p: &TagPredicate) -> Result<RoaringBitmap, IndexError> {
        Ok(match p {
            TagPredicate::All => self.all()?.clone(),
            TagPredicate::Eq(k, v) => self.eq(k, v)?,
            TagPredicate::Ne(k, v) => self.all()? - self.eq(k, v)?,
            TagPredicate::Regex(k, re) => self.regex(k, re)?,
            TagPredicate::NotRegex(k, re) => self.all()? - self.regex(k, re)?,
            TagPredicate::And(a, b) => {
                let (first, second) = if negation(a).is_some() {
                    (b, a)
                } else {
                    (a, b)
                };
                let mut x = self.eval(first)?;
                if x.is_empty() {
                    return Ok(x);
                }
                match negation(second) {
                    Some(positive) => x -= self.eval(&positive)?,
                    None => x &= self.eval(second)?,
                }
                x
            }
            TagPredicate::Or(a, b) => self.eval(a)? | self.eval(b)?,
        })
    }

    /// `k = v`, with a missing tag as the empty value.
    fn eq(&self, k: &str, v: &str) -> Result<RoaringBitmap, IndexError> {
        let mut out = self
            .index
            .term_postings(self.snap, &value_term(self.m, k, v))?;
        if v.is_empty() {
            out |= self.all()? - self.index.term_postings(self.snap, &key_term(self.m, k))?;
        }
        Ok(out)
    }

    fn regex(&self, k: &str, re: &TagRegex) -> Result<RoaringBitmap, IndexError> {
        let mut out = RoaringBitmap::new();
        self.index.scan(
            self.snap,
            &value_prefix(self.m, k),
            Some(re),
            true,
            &mut |_, ids| {
                out |= ids;
                true
            },
        )?;
        if re.is_match("") {
            out |= self.all()? - self.index.term_postings(self.snap, &key_term(self.m, k))?;
        }
        Ok(out)
    }
}

/// The positive form of a negated leaf (`!=`, `!~`), if `p` is one.
fn negation(p: &TagPredicate) -> Option<TagPredicate> {
    match p {
        TagPredicate::Ne(k, v) => Some(TagPredicate::Eq(k.clone(), v.clone())),
        TagPredicate::NotRegex(k, re) => Some(TagPredicate::Regex(k.clone(), re.clone())),
        _ => None,
    }
}
