use std::collections::BTreeSet;
use std::sync::atomic::{AtomicI64, Ordering};

use parking_lot::Mutex;
use regex::Regex;

use super::spec::{MeasurementFilter, WatchSpec, WatchStatus, bucket_start};
use crate::model::Timestamp;

/// `marking_until` / `confirmed_until` value meaning "none yet".
pub(crate) const NONE: Timestamp = Timestamp::MIN;

/// Largest number of buckets one failed window marks at once (a window of 7 days of 1 s buckets is
/// 604,800); a larger failed window marks its first buckets and logs the rest as lost.
pub(crate) const MAX_WINDOW_BUCKETS: i128 = 1 << 24;

/// One registered watch: its spec, the compiled filter, the watermarks (atomics, read on the write
/// path without a lock) and the bucket sets (under a lock taken once per marking batch).
#[derive(Debug)]
pub struct Watch {
    pub id: String,
    pub spec: WatchSpec,
    filter: Filter,
    marking_until: AtomicI64,
    floor: AtomicI64,
    state: Mutex<State>,
}

#[derive(Debug)]
enum Filter {
    All,
    Names(Vec<String>),
    Regex(Regex),
}

#[derive(Debug, Default)]
struct State {
    confirmed_until: Option<Timestamp>,
    dirty: BTreeSet<Timestamp>,
    in_flight: BTreeSet<Timestamp>,
    marked_total: u64,
}

/// What the state file holds of a watch (`marking_until` is not persisted: on open it equals
/// `confirmed_until`; in-flight buckets come back as dirty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersistedWatch {
    pub id: String,
    pub spec: WatchSpec,
    pub confirmed_until: Option<Timestamp>,
    pub floor: Timestamp,
    /// Dirty ∪ in-flight bucket starts, ascending, distinct.
    pub buckets: Vec<Timestamp>,
    pub marked_total: u64,
}

impl Watch {
    /// Validates the spec (interval > 0, regex compiles) and builds a fresh watch.
    pub fn new(id: &str, spec: WatchSpec) -> Result<Watch, String> {
        if spec.interval <= 0 {
            return Err(format!(
                "watch {id:?}: interval must be positive, got {}",
                spec.interval
            ));
        }
        let filter = match &spec.measurements {
            MeasurementFilter::All => Filter::All,
            MeasurementFilter::Names(n) => Filter::Names(n.clone()),
            MeasurementFilter::Regex(r) => Filter::Regex(
                Regex::new(r).map_err(|e| format!("watch {id:?}: invalid regex {r:?}: {e}"))?,
            ),
        };
        Ok(Watch {
            id: id.to_string(),
            spec,
            filter,
            marking_until: AtomicI64::new(NONE),
            floor: AtomicI64::new(Timestamp::MIN),
            state: Mutex::new(State::default()),
        })
    }

    /// Rebuilds a watch from its persisted state.
    pub fn restore(p: PersistedWatch) -> Result<Watch, String> {
        let w = Watch::new(&p.id, p.spec)?;
        w.floor.store(p.floor, Ordering::SeqCst);
        w.marking_until
            .store(p.confirmed_until.unwrap_or(NONE), Ordering::SeqCst);
        {
            let mut st = w.state.lock();
            st.confirmed_until = p.confirmed_until;
            st.dirty = p.buckets.into_iter().collect();
            st.marked_total = p.marked_total;
        }
        Ok(w)
    }

    /// A consistent copy of the persisted part.
    pub fn snapshot(&self) -> PersistedWatch {
        let st = self.state.lock();
        let mut buckets: Vec<Timestamp> = st.dirty.union(&st.in_flight).copied().collect();
        buckets.dedup();
        PersistedWatch {
            id: self.id.clone(),
            spec: self.spec.clone(),
            confirmed_until: st.confirmed_until,
            floor: self.floor.load(Ordering::SeqCst),
            buckets,
            marked_total: st.marked_total,
        }
    }

    pub(crate) fn matches_measurement(&self, m: &str) -> bool {
        match &self.filter {
            Filter::All => true,
            Filter::Names(n) => n.iter().any(|x| x == m),
            Filter::Regex(r) => r.is_match(m),
        }
    }

    pub(crate) fn matches_rp(&self, rp: &str) -> bool {
        match &self.spec.retention_policy {
            None => true,
            Some(r) => r == rp,
        }
    }

    /// The watermark; SeqCst (module invariant 1).
    #[inline]
    pub(crate) fn marking_until(&self) -> Timestamp {
        self.marking_until.load(Ordering::SeqCst)
    }

    #[inline]
    pub(crate) fn floor(&self) -> Timestamp {
        self.floor.load(Ordering::SeqCst)
    }

    #[inline]
    pub(crate) fn bucket_of(&self, t: Timestamp) -> Timestamp {
        bucket_start(t, self.spec.interval, self.spec.offset)
    }

    /// End of the bucket starting at `b` (saturating).
    fn bucket_end(&self, b: Timestamp) -> Timestamp {
        b.saturating_add(self.spec.interval)
    }

    /// Inserts bucket marks collected by one batch (ascending or not); drops those below the floor.
    pub(crate) fn add_marks(&self, buckets: &[Timestamp]) {
        let floor = self.floor();
        let mut st = self.state.lock();
        for &b in buckets {
            if self.bucket_end(b) <= floor {
                continue;
            }
            if st.dirty.insert(b) {
                st.marked_total += 1;
            }
        }
    }

    pub fn status(&self) -> WatchStatus {
        let st = self.state.lock();
        let mu = self.marking_until();
        WatchStatus {
            confirmed_until: st.confirmed_until,
            marking_until: (mu != NONE).then_some(mu),
            floor: self.floor(),
            dirty: st.dirty.len(),
            in_flight: st.in_flight.len(),
            marked_total: st.marked_total,
        }
    }

    pub fn set_floor(&self, floor: Timestamp) {
        let mut st = self.state.lock();
        self.floor.store(floor, Ordering::SeqCst);
        let interval = self.spec.interval;
        let keep = |b: &Timestamp| b.saturating_add(interval) > floor;
        st.dirty.retain(keep);
        st.in_flight.retain(keep);
    }

    pub fn begin_window(&self, _start: Timestamp, end: Timestamp) {
        self.marking_until.fetch_max(end, Ordering::SeqCst);
    }

    pub fn finish_window(&self, start: Timestamp, end: Timestamp, ok: bool) {
        let mut st = self.state.lock();
        if ok {
            st.confirmed_until = Some(st.confirmed_until.map_or(end, |c| c.max(end)));
            return;
        }
        // Every bucket of [start, end) below marking_until (and not below the floor) is dirty.
        let until = self.marking_until().min(end);
        let floor = self.floor();
        let interval = self.spec.interval;
        let mut b = self.bucket_of(start);
        let mut n: i128 = 0;
        while b < until {
            if n >= MAX_WINDOW_BUCKETS {
                tracing::warn!(watch = %self.id, start, end, "failed window too wide: only its first buckets are marked dirty");
                break;
            }
            if b.saturating_add(interval) > floor && st.dirty.insert(b) {
                st.marked_total += 1;
            }
            n += 1;
            match b.checked_add(interval) {
                Some(x) => b = x,
                None => break,
            }
        }
    }

    pub fn take_dirty(&self) -> Vec<Timestamp> {
        let mut st = self.state.lock();
        let taken = std::mem::take(&mut st.dirty);
        let out: Vec<Timestamp> = taken.iter().copied().collect();
        st.in_flight.extend(taken);
        out
    }

    pub fn finish_dirty(&self, buckets: &[Timestamp], ok: bool) {
        let floor = self.floor();
        let interval = self.spec.interval;
        let mut st = self.state.lock();
        for b in buckets {
            if st.in_flight.remove(b) && !ok && b.saturating_add(interval) > floor {
                st.dirty.insert(*b);
            }
        }
    }
}
