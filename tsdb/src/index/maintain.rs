//! Maintenance: write frozen in-memory layers to a segment, merge segments. Readers keep using the
//! old layer set during a build; the new set is published (and the manifest stored) only once the
//! new segment is durable, and replaced segment files are removed after the swap (readers holding
//! the old set keep their mappings alive).

use std::collections::BTreeMap;
use std::sync::Arc;

use roaring::RoaringBitmap;

use super::error::IndexError;
use super::manifest::Manifest;
use super::segment::{Segment, SegmentWriter};
use super::series_index::{Layers, Mem, SeriesIndex};

impl SeriesIndex {
    /// Writes the mutable layer to a segment once it is over `mutable_max_postings` (or when
    /// `force` and it is non-empty), then merges segments when there are more than `max_segments`
    /// (or when `force` and there are several, or one holding ids outside `live`). Only ids in
    /// `live` survive a write or merge, so `live` must contain every id inserted before the call
    /// that is still wanted. Returns whether the layer set changed. Readers and inserts continue
    /// meanwhile.
    pub fn maintain(&self, live: &RoaringBitmap, force: bool) -> Result<bool, IndexError> {
        self.maintain_with(&|| live.clone(), force, force)
    }

    /// [`SeriesIndex::maintain`] for a live set that changes while it runs (the engine's): `live`
    /// is called at most once, *after* the mutable layer was frozen, so every id a writer inserted
    /// before the freeze (and made live before inserting) is in the answer, and ids inserted after
    /// the freeze land in the new mutable layer, which this call does not filter. `force_flush`
    /// writes a non-empty mutable layer; `force_merge` merges several segments (or purges a single
    /// one holding dead ids).
    pub fn maintain_with(
        &self,
        live: &dyn Fn() -> RoaringBitmap,
        force_flush: bool,
        force_merge: bool,
    ) -> Result<bool, IndexError> {
        let mut manifest = self.maintenance.lock();
        let mut changed = false;

        let (postings, empty) = {
            let snap = self.snapshot();
            let m = snap.mutable().read();
            (m.postings(), m.is_empty())
        };
        if postings > self.opts.mutable_max_postings || (force_flush && !empty) {
            self.freeze();
        }
        let mut live_set: Option<RoaringBitmap> = None;
        // Frozen layers: the one just frozen, or ones left by a failed earlier write.
        let frozen: Vec<Mem> = self.snapshot().frozen().to_vec();
        if !frozen.is_empty() {
            let l = live_set.get_or_insert_with(live);
            let seg = self.write_frozen(&mut manifest, &frozen, l)?;
            self.publish(&mut manifest, &frozen, &[], seg)?;
            changed = true;
        }

        let segments = self.snapshot().segments.clone();
        let wants_merge =
            segments.len() > self.opts.max_segments || (force_merge && segments.len() > 1);
        let may_purge = force_merge && segments.len() == 1;
        if !(wants_merge || may_purge) {
            return Ok(changed);
        }
        let live = live_set.get_or_insert_with(live);
        let stale = may_purge && segments.first().is_some_and(|s| !s.covered.is_subset(live));
        if wants_merge || stale {
            let seg = self.merge(&mut manifest, &segments, live)?;
            self.publish(&mut manifest, &[], &segments, seg)?;
            for s in &segments {
                if let Err(e) = std::fs::remove_file(&s.path) {
                    tracing::warn!(path = %s.path.display(), error = %e,
                        "series index: could not remove a merged segment (removed at next open)");
                }
            }
            changed = true;
        }
        Ok(changed)
    }

    /// Stores the manifest with `replaced` segments swapped for `new`, then publishes the layer
    /// set without the `flushed` in-memory layers and `replaced` segments.
    fn publish(
        &self,
        manifest: &mut Manifest,
        flushed: &[Mem],
        replaced: &[Arc<Segment>],
        new: Option<Segment>,
    ) -> Result<(), IndexError> {
        let is_replaced = |seq: u64| replaced.iter().any(|r| r.seq == seq);
        let mut next = manifest.clone();
        next.segments.retain(|&s| !is_replaced(s));
        if let Some(seg) = &new {
            next.segments.push(seg.seq);
        }
        if next != *manifest {
            if let Err(e) = next.store(&self.dir) {
                if let Some(seg) = &new {
                    let _ = std::fs::remove_file(&seg.path);
                }
                return Err(e);
            }
            *manifest = next;
        }
        let mut guard = self.layers.lock();
        let mut segments: Vec<Arc<Segment>> = guard
            .segments
            .iter()
            .filter(|s| !is_replaced(s.seq))
            .cloned()
            .collect();
        segments.extend(new.map(Arc::new));
        let mems = guard
            .mems
            .iter()
            .filter(|m| !flushed.iter().any(|f| Arc::ptr_eq(f, m)))
            .cloned()
            .collect();
        *guard = Arc::new(Layers { segments, mems });
        Ok(())
    }

    /// Writes the union of the frozen layers, restricted to `live`; `None` when nothing is left.
    fn write_frozen(
        &self,
        manifest: &mut Manifest,
        frozen: &[Mem],
        live: &RoaringBitmap,
    ) -> Result<Option<Segment>, IndexError> {
        let guards: Vec<_> = frozen.iter().map(|m| m.read()).collect();
        let mut covered = RoaringBitmap::new();
        for g in &guards {
            covered |= g.ids();
        }
        covered &= live;
        if covered.is_empty() {
            return Ok(None);
        }
        let seq = manifest.next_seq;
        manifest.next_seq += 1;
        let mut w = SegmentWriter::create(&self.dir, seq)?;
        let r = if let [only] = &guards[..] {
            add_live(&mut w, only.iter(), live)
        } else {
            let mut union: BTreeMap<&[u8], RoaringBitmap> = BTreeMap::new();
            for g in &guards {
                for (t, ids) in g.iter() {
                    *union.entry(t).or_default() |= ids;
                }
            }
            add_live(&mut w, union.iter().map(|(t, ids)| (*t, ids)), live)
        };
        if let Err(e) = r {
            w.abandon();
            return Err(e);
        }
        w.finish(&covered)?;
        Segment::open(&self.dir, seq).map(Some)
    }

    /// Merges `segments` into one, restricted to `live`; `None` when nothing is left.
    fn merge(
        &self,
        manifest: &mut Manifest,
        segments: &[Arc<Segment>],
        live: &RoaringBitmap,
    ) -> Result<Option<Segment>, IndexError> {
        let mut covered = RoaringBitmap::new();
        for s in segments {
            covered |= &s.covered;
        }
        covered &= live;
        if covered.is_empty() {
            return Ok(None);
        }
        let seq = manifest.next_seq;
        manifest.next_seq += 1;
        let mut w = SegmentWriter::create(&self.dir, seq)?;
        let mut op = fst::map::OpBuilder::new();
        for s in segments {
            op = op.add(s.fst.stream());
        }
        let mut union = op.union();
        let mut r = Ok(());
        let mut ids = RoaringBitmap::new();
        'terms: while let Some((term, hits)) = fst::Streamer::next(&mut union) {
            ids.clear();
            for h in hits {
                match segments.get(h.index).map(|s| s.posting(h.value)) {
                    Some(Ok(p)) => ids |= p,
                    Some(Err(e)) => {
                        r = Err(e);
                        break 'terms;
                    }
                    None => {}
                }
            }
            ids &= live;
            if !ids.is_empty()
                && let Err(e) = w.add(term, &ids)
            {
                r = Err(e);
                break;
            }
        }
        if let Err(e) = r {
            w.abandon();
            return Err(e);
        }
        w.finish(&covered)?;
        Segment::open(&self.dir, seq).map(Some)
    }
}

fn add_live<'a>(
    w: &mut SegmentWriter,
    terms: impl Iterator<Item = (&'a [u8], &'a RoaringBitmap)>,
    live: &RoaringBitmap,
) -> Result<(), IndexError> {
    for (term, ids) in terms {
        let ids = ids & live;
        if !ids.is_empty() {
            w.add(term, &ids)?;
        }
    }
    Ok(())
}
