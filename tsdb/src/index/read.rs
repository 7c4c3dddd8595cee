//! Reads: a term's postings across layers, and ordered scans of the terms under a prefix (with a
//! regex automaton over the fst), merging segments (fst union) and in-memory layers.

use std::collections::BTreeMap;

use roaring::RoaringBitmap;

use super::TagRegex;
use super::automaton::TermAutomaton;
use super::error::{IndexError, corrupt};
use super::series_index::{Layers, SeriesIndex};
use super::term::{MEASUREMENT_PREFIX, key_prefix, measurement_term, value_prefix, value_term};

/// Logs an error of an infallible read and returns the default.
fn logged<T: Default>(r: Result<T, IndexError>) -> T {
    r.unwrap_or_else(|e| {
        tracing::error!(error = %e, "series index read failed");
        T::default()
    })
}

impl SeriesIndex {
    /// The union of `term`'s postings in every layer.
    pub(crate) fn term_postings(
        &self,
        snap: &Layers,
        term: &[u8],
    ) -> Result<RoaringBitmap, IndexError> {
        let mut out = RoaringBitmap::new();
        for s in &snap.segments {
            if let Some(bm) = s.get(term)? {
                out |= bm;
            }
        }
        for m in &snap.mems {
            if let Some(bm) = m.read().get(term) {
                out |= bm;
            }
        }
        Ok(out)
    }

    /// Calls `f(suffix, ids)` for every term starting with `prefix` whose suffix `filter` matches,
    /// in term order, with the union of the term's postings (an empty bitmap when `!decode`).
    /// Stops when `f` returns `false`.
    pub(crate) fn scan(
        &self,
        snap: &Layers,
        prefix: &[u8],
        filter: Option<&TagRegex>,
        decode: bool,
        f: &mut dyn FnMut(&str, &RoaringBitmap) -> bool,
    ) -> Result<(), IndexError> {
        let dfa_aut = filter.and_then(|re| TermAutomaton::new(prefix, Some(re.dfa()?)));
        let exact = filter.is_none() || dfa_aut.is_some();
        let aut = match dfa_aut {
            Some(a) => a,
            None => TermAutomaton::new(prefix, None)
                .ok_or_else(|| corrupt(&self.dir, "prefix automaton without a start state"))?,
        };
        let keep = |suffix: &str| exact || filter.is_none_or(|re| re.is_match(suffix));

        // In-memory layers: small, scanned under their read locks and merged into one sorted map.
        let mut mem: BTreeMap<Vec<u8>, RoaringBitmap> = BTreeMap::new();
        for m in &snap.mems {
            let layer = m.read();
            for (term, ids) in layer.prefixed(prefix) {
                let suffix = std::str::from_utf8(&term[prefix.len()..]).unwrap_or("");
                if !aut.accepts(term) || !keep(suffix) {
                    continue;
                }
                let e = mem.entry(term.to_vec()).or_default();
                if decode {
                    *e |= ids;
                }
            }
        }
        let mut mem = mem.into_iter().peekable();

        let mut op = fst::map::OpBuilder::new();
        for s in &snap.segments {
            op = op.add(s.fst.search(&aut));
        }
        let mut union = op.union();
        let mut ids = RoaringBitmap::new();
        while let Some((term, hits)) = fst::Streamer::next(&mut union) {
            while let Some((mt, mids)) = mem.next_if(|(mt, _)| mt.as_slice() < term) {
                let suffix = std::str::from_utf8(&mt[prefix.len()..]).unwrap_or("");
                if !f(suffix, &mids) {
                    return Ok(());
                }
            }
            let path = hits
                .first()
                .and_then(|h| snap.segments.get(h.index))
                .map_or(self.dir.as_path(), |s| s.path.as_path());
            let suffix = term
                .get(prefix.len()..)
                .and_then(|s| std::str::from_utf8(s).ok())
                .ok_or_else(|| corrupt(path, format!("term {term:?} is not UTF-8")))?;
            if !keep(suffix) {
                continue;
            }
            ids.clear();
            if decode {
                for h in hits {
                    if let Some(seg) = snap.segments.get(h.index) {
                        ids |= seg.posting(h.value)?;
                    }
                }
            }
            if let Some((_, mids)) = mem.next_if(|(mt, _)| mt.as_slice() == term) {
                ids |= mids;
            }
            if !f(suffix, &ids) {
                return Ok(());
            }
        }
        for (mt, mids) in mem {
            let suffix = std::str::from_utf8(&mt[prefix.len()..]).unwrap_or("");
            if !f(suffix, &mids) {
                return Ok(());
            }
        }
        Ok(())
    }

    /// Every measurement with a term, sorted.
    pub fn measurements(&self) -> Vec<String> {
        let snap = self.snapshot();
        let mut out = Vec::new();
        logged(
            self.scan(&snap, MEASUREMENT_PREFIX, None, false, &mut |m, _| {
                out.push(m.to_string());
                true
            }),
        );
        out
    }

    /// Ids of the series of `measurement`.
    pub fn measurement_series(&self, measurement: &str) -> RoaringBitmap {
        let snap = self.snapshot();
        logged(self.term_postings(&snap, &measurement_term(measurement)))
    }

    /// Tag keys of `measurement`, sorted, without their postings (no bitmap decoded).
    pub fn tag_key_names(&self, measurement: &str) -> Vec<String> {
        let snap = self.snapshot();
        let mut out = Vec::new();
        logged(
            self.scan(&snap, &key_prefix(measurement), None, false, &mut |k, _| {
                out.push(k.to_string());
                true
            }),
        );
        out
    }

    /// Tag keys of `measurement`, sorted, each with the ids of the series that have the key.
    pub fn tag_keys(&self, measurement: &str) -> Vec<(String, RoaringBitmap)> {
        let snap = self.snapshot();
        let mut out = Vec::new();
        logged(self.scan(
            &snap,
            &key_prefix(measurement),
            None,
            true,
            &mut |k, ids| {
                out.push((k.to_string(), ids.clone()));
                true
            },
        ));
        out
    }

    /// Calls `f(value, ids)` for every value of tag `key` in `measurement`, in sorted value order,
    /// restricted to values matching `filter` (run as an automaton over the term dictionary, never
    /// a scan of every value); stops early when `f` returns `false`.
    pub fn tag_values(
        &self,
        measurement: &str,
        key: &str,
        filter: Option<&TagRegex>,
        f: &mut dyn FnMut(&str, &RoaringBitmap) -> bool,
    ) -> Result<(), IndexError> {
        let snap = self.snapshot();
        self.scan(&snap, &value_prefix(measurement, key), filter, true, f)
    }

    /// [`SeriesIndex::tag_values`] without the postings (no bitmap is decoded): listing values is
    /// then a walk of the term dictionary.
    pub fn tag_value_names(
        &self,
        measurement: &str,
        key: &str,
        filter: Option<&TagRegex>,
        f: &mut dyn FnMut(&str) -> bool,
    ) -> Result<(), IndexError> {
        let snap = self.snapshot();
        self.scan(
            &snap,
            &value_prefix(measurement, key),
            filter,
            false,
            &mut |v, _| f(v),
        )
    }

    /// Whether `measurement` has the tag value `key = value` (write-path limit checks).
    pub fn has_value(&self, measurement: &str, key: &str, value: &str) -> bool {
        let snap = self.snapshot();
        let term = value_term(measurement, key, value);
        snap.segments.iter().any(|s| s.fst.contains_key(&term))
            || snap.mems.iter().any(|m| m.read().get(&term).is_some())
    }

    /// Number of distinct values of `key` in `measurement` (dead ids included until a merge).
    pub fn value_count(&self, measurement: &str, key: &str) -> u64 {
        let snap = self.snapshot();
        let mut n = 0u64;
        logged(self.scan(
            &snap,
            &value_prefix(measurement, key),
            None,
            false,
            &mut |_, _| {
                n += 1;
                true
            },
        ));
        n
    }
}
