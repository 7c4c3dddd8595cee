//! Deletes on a shard: memtables are filtered at once, older segments get a tombstone (or are
//! removed whole when a measurement is dropped over the whole shard), and presence stays exact.

use std::sync::Arc;

use roaring::RoaringBitmap;

use super::shard::{Shard, ShardError, State};
use super::tombstone::Tombstone;
use crate::model::Timestamp;

impl Shard {
    /// Deletes the rows of `measurement` of the series in `series` (every series when `None`)
    /// with `min <= time <= max`, and persists the result (manifest) before returning. Idempotent:
    /// applying the same delete again (WAL replay) changes nothing more.
    pub fn delete(
        &self,
        measurement: &str,
        series: Option<&RoaringBitmap>,
        min: Timestamp,
        max: Timestamp,
    ) -> Result<(), ShardError> {
        if min > max {
            return Ok(());
        }
        let dropped = self.maintenance.lock();
        if *dropped {
            return Ok(());
        }
        let covers_shard = min <= self.start && max >= self.end.saturating_sub(1);
        let hit =
            |id: u32, t: Timestamp| t >= min && t <= max && series.is_none_or(|s| s.contains(id));
        let mut remove_files = Vec::new();
        {
            let mut guard = self.write_state();
            let st = &mut *guard;
            if let Some(rows) = st.active.rows(measurement) {
                let kept = rows.without(hit);
                st.active.replace_rows(measurement, kept);
            }
            for mem in st.frozen.iter_mut() {
                if let Some(rows) = mem.rows(measurement) {
                    let kept = rows.without(hit);
                    let mut copy = (**mem).clone();
                    copy.replace_rows(measurement, kept);
                    *mem = Arc::new(copy);
                }
            }
            if covers_shard && series.is_none() {
                if let Some(segs) = st.segments.remove(measurement) {
                    remove_files.extend(segs.into_iter().map(|s| s.file));
                }
                st.tombstones.retain(|t| t.measurement != measurement);
                st.presence.remove(measurement);
                // Every row is gone: the measurement starts clean, field types included.
                st.schema.remove(measurement);
            } else {
                if st.segments.get(measurement).is_some_and(|v| !v.is_empty()) {
                    let t = Tombstone {
                        measurement: measurement.to_string(),
                        series: series.cloned(),
                        min,
                        max,
                        below_seq: st.next_seq + 1,
                    };
                    if !st.tombstones.contains(&t) {
                        st.tombstones.push(t);
                    }
                }
                let Some(present) = st.presence.get(measurement) else {
                    self.store_manifest(st)?;
                    return Ok(());
                };
                let affected = match series {
                    Some(s) => present & s,
                    None => present.clone(),
                };
                let still = if covers_shard {
                    RoaringBitmap::new()
                } else {
                    visible_among(st, measurement, &affected)?
                };
                if let Some(p) = st.presence.get_mut(measurement) {
                    *p -= &affected;
                    *p |= still;
                    if p.is_empty() {
                        st.presence.remove(measurement);
                    }
                }
            }
            self.store_manifest(st)?;
        }
        for f in remove_files {
            let _ = std::fs::remove_file(self.dir.join(f));
        }
        Ok(())
    }

    /// At open: series whose every segment row a tombstone hides are not present.
    pub(super) fn refresh_presence_after_tombstones(&self) -> Result<(), ShardError> {
        let mut guard = self.write_state();
        let st = &mut *guard;
        if st.tombstones.is_empty() {
            return Ok(());
        }
        let measurements: Vec<String> = st
            .tombstones
            .iter()
            .map(|t| t.measurement.clone())
            .collect();
        for m in measurements {
            let Some(present) = st.presence.get(&m) else {
                continue;
            };
            let mut affected = RoaringBitmap::new();
            for t in st.tombstones.iter().filter(|t| t.measurement == m) {
                match &t.series {
                    Some(s) => affected |= present & s,
                    None => affected |= present,
                }
            }
            let still = visible_among(st, &m, &affected)?;
            if let Some(p) = st.presence.get_mut(&m) {
                *p -= &affected;
                *p |= still;
            }
        }
        Ok(())
    }
}

/// Which of `candidates` still have a row of `measurement` that no tombstone hides (segments and
/// memtables).
fn visible_among(
    st: &State,
    measurement: &str,
    candidates: &RoaringBitmap,
) -> Result<RoaringBitmap, ShardError> {
    let mut out = RoaringBitmap::new();
    if candidates.is_empty() {
        return Ok(out);
    }
    let tombs: Vec<&Tombstone> = st
        .tombstones
        .iter()
        .filter(|t| t.measurement == measurement)
        .collect();
    if let Some(segs) = st.segments.get(measurement) {
        for s in segs {
            let seq = s.seq;
            s.segment
                .scan(Some(candidates), i64::MIN, i64::MAX, &[], &mut |b| {
                    for (id, &t) in b.series.iter().zip(&b.timestamps) {
                        if !tombs.iter().any(|x| x.hides(seq, id.0, t)) {
                            out.insert(id.0);
                        }
                    }
                    Ok(())
                })?;
        }
    }
    for mem in st
        .frozen
        .iter()
        .map(|m| &**m)
        .chain(std::iter::once(&st.active))
    {
        if let Some(rows) = mem.rows(measurement) {
            for &id in &rows.series {
                if candidates.contains(id) {
                    out.insert(id);
                }
            }
        }
    }
    Ok(out)
}
