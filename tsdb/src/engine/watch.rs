//! Late-write watches on the engine (`crate::watch`): registration, the scheduler's window
//! protocol, and persistence.

use super::engine::{Engine, storage};
use super::types::{EngineError, WriteError, WriteOutcome};
use crate::model::{PointBatch, Timestamp};
use crate::watch::{WatchSpec, WatchStatus, WriteOrigin};

impl Engine {
    /// Registers watch `id` on `spec.database` (which must exist). Idempotent; an equal spec
    /// keeps the state, a changed spec resets it.
    pub fn register_watch(&self, id: &str, spec: WatchSpec) -> Result<(), EngineError> {
        if !self.database_exists(&spec.database) {
            return Err(EngineError::DatabaseNotFound(spec.database.clone()));
        }
        let changed = self
            .watches
            .register(id, spec)
            .map_err(EngineError::Invalid)?;
        if changed {
            self.persist_watches()?;
        }
        Ok(())
    }

    /// Removes watch `id` (unknown id: Ok).
    pub fn unregister_watch(&self, id: &str) -> Result<(), EngineError> {
        if self.watches.unregister(id) {
            self.persist_watches()?;
        }
        Ok(())
    }

    /// Registered watch ids, sorted.
    pub fn watch_ids(&self) -> Vec<String> {
        self.watches.ids()
    }

    pub fn watch_status(&self, id: &str) -> Option<WatchStatus> {
        self.watches.get(id).map(|w| w.status())
    }

    /// Oldest time that is still repaired: marks below it are dropped and never taken.
    pub fn set_watch_floor(&self, id: &str, floor: Timestamp) {
        if let Some(w) = self.watches.get(id) {
            w.set_floor(floor);
        }
    }

    /// A window [start, end) is about to be computed: from now on writes with time < end are
    /// late (marking_until = max(marking_until, end)). Call BEFORE running the window's query.
    pub fn begin_window(&self, id: &str, start: Timestamp, end: Timestamp) {
        if let Some(w) = self.watches.get(id) {
            w.begin_window(start, end);
        }
    }

    /// The window finished: ok → confirmed_until = max(confirmed_until, end); failed → every
    /// bucket of [start, end) below marking_until is marked dirty (retried on the next pass).
    pub fn finish_window(&self, id: &str, start: Timestamp, end: Timestamp, ok: bool) {
        if let Some(w) = self.watches.get(id) {
            w.finish_window(start, end, ok);
        }
    }

    /// Moves the dirty buckets (bucket start times, ascending) to in-flight and returns them.
    pub fn take_dirty_buckets(&self, id: &str) -> Vec<Timestamp> {
        self.watches
            .get(id)
            .map(|w| w.take_dirty())
            .unwrap_or_default()
    }

    /// In-flight buckets finished: ok → forgotten; failed → dirty again.
    pub fn finish_dirty_buckets(&self, id: &str, buckets: &[Timestamp], ok: bool) {
        if let Some(w) = self.watches.get(id) {
            w.finish_dirty(buckets, ok);
        }
    }

    /// Writes the watch state file now (the scheduler calls it after a pass that changed state).
    pub fn persist_watches(&self) -> Result<(), EngineError> {
        self.watches.persist().map_err(storage)
    }

    /// `write` with an origin; `write(db, rp, batch)` = `write_as(db, rp, batch,
    /// WriteOrigin::Client)`. A write whose origin is `Watch(id)` does not mark watch `id`.
    pub fn write_as(
        &self,
        db: &str,
        rp: Option<&str>,
        batch: &PointBatch<'_>,
        origin: WriteOrigin<'_>,
    ) -> Result<WriteOutcome, WriteError> {
        self.write_inner(db, rp, batch, origin)
    }
}
