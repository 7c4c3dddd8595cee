//! The in-memory layer: term → ids, in term order.
//!
//! Invariants:
//! 1. `ids` is the set of every id with a term here; no term maps to an empty bitmap.
//! 2. `postings` counts (term, id) pairs; it drives the flush threshold.
//! 3. Once `sealed`, the layer is never modified again: it is frozen, waiting to be written to a
//!    segment, and inserts that find it sealed retry on the new mutable layer.

use std::collections::BTreeMap;
use std::ops::Bound;

use roaring::RoaringBitmap;

#[derive(Default)]
pub(crate) struct MemLayer {
    terms: BTreeMap<Box<[u8]>, RoaringBitmap>,
    ids: RoaringBitmap,
    postings: usize,
    sealed: bool,
}

impl MemLayer {
    /// Adds `id` to `term`'s postings.
    pub(crate) fn add(&mut self, term: &[u8], id: u32) {
        let added = match self.terms.get_mut(term) {
            Some(bm) => bm.insert(id),
            None => {
                self.terms
                    .insert(term.into(), RoaringBitmap::from_iter([id]));
                true
            }
        };
        if added {
            self.postings += 1;
            self.ids.insert(id);
        }
    }

    pub(crate) fn get(&self, term: &[u8]) -> Option<&RoaringBitmap> {
        self.terms.get(term)
    }

    /// Terms starting with `prefix`, in order.
    pub(crate) fn prefixed<'a>(
        &'a self,
        prefix: &'a [u8],
    ) -> impl Iterator<Item = (&'a [u8], &'a RoaringBitmap)> + 'a {
        self.terms
            .range::<[u8], _>((Bound::Included(prefix), Bound::Unbounded))
            .map(|(t, bm)| (&t[..], bm))
            .take_while(move |(t, _)| t.starts_with(prefix))
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&[u8], &RoaringBitmap)> {
        self.terms.iter().map(|(t, bm)| (&t[..], bm))
    }

    pub(crate) fn ids(&self) -> &RoaringBitmap {
        &self.ids
    }

    pub(crate) fn postings(&self) -> usize {
        self.postings
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    pub(crate) fn is_sealed(&self) -> bool {
        self.sealed
    }

    pub(crate) fn seal(&mut self) {
        self.sealed = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_distinct_postings_and_scans_prefixes() {
        let mut m = MemLayer::default();
        m.add(b"Ka\xffx", 1);
        m.add(b"Ka\xffx", 1);
        m.add(b"Ka\xffy", 2);
        m.add(b"Kab\xffx", 3);
        assert_eq!(m.postings(), 3);
        assert_eq!(m.ids().iter().collect::<Vec<_>>(), vec![1, 2, 3]);
        let keys: Vec<&[u8]> = m.prefixed(b"Ka\xff").map(|(t, _)| t).collect();
        assert_eq!(keys, vec![&b"Ka\xffx"[..], &b"Ka\xffy"[..]]);
    }
}
