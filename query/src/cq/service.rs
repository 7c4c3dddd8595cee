//! The continuous-query service: one scheduler pass per `run-interval` over every stored CQ
//! ([`ContinuousQueryService::tick`]), with late-data repair through `tsdb`'s watches, restart
//! backfill from the persisted watermark, and `BACKFILL CONTINUOUS QUERY`.
//!
//! A pass first plans every CQ (its schedule decision, step 1 below), then runs the groups of CQs
//! that share their scans (`shared_scan.rs`: per database, the CQs with work whose plain sources
//! no CQ writes, each on its own thread), then every other CQ in (database, name) order — after
//! the groups, so a CQ reading another's output sees this pass's writes.
//!
//! Per CQ and pass, in this order:
//! 1. `set_watch_floor(now - max_lookback)`; `take_dirty_buckets` — the buckets that received
//!    late writes before this pass started — when the CQ's last repair is at least
//!    `repair_interval` ago (otherwise the marks wait in the watch for a later pass).
//! 2. Restart backfill (the CQ's first due pass in this process, when its watch has
//!    `confirmed_until = c`): windows from `max(c, now - max_lookback)` (aligned down) up to the
//!    start of the regular window, oldest first, at most [`CHUNK_BUCKETS`] buckets per query.
//! 3. The regular window of InfluxDB's schedule (`schedule.rs`).
//! 4. Repair: the dirty buckets of step 1, mapped onto the CQ's windows, merged into contiguous
//!    ranges, minus what steps 2–3 computed successfully in this pass.
//!
//! Every window of steps 2–3 runs between `begin_window` and `finish_window(ok)`; a failed one
//! has its buckets marked dirty by the watch and is retried by the next pass's repair.
//! The race argument: dirty buckets are taken BEFORE this pass's windows begin, so a bucket they
//! cover was marked before the window's `begin_window`, and the window's scan (which starts
//! after it) sees the marking write. A write that arrives while a window runs marks its bucket
//! again (`marking_until` was raised first) and is repaired by the next pass: skipping buckets
//! taken after the regular window ran could lose such a write.
//!
//! INTO writes of a CQ carry `WriteOrigin::Watch(its id)`, so a CQ writing into its own source
//! does not dirty its own buckets.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use tsdb::{Engine, MeasurementFilter, WatchSpec};

use super::clock::Clock;
use super::schedule::{Decision, Timing};
use super::shared_scan::{Participant, ScanGroup};
use super::statements::{parse_stored, with_time_range};
use super::stats::{CqStats, Metrics};
use crate::ast::{CreateContinuousQueryStatement, NamePattern, SelectStatement, Source, Statement};
use crate::exec::{ExecContext, ExecError, Store, execute};
use crate::response::Value;

/// Most buckets one backfill or repair query covers (bounded memory per query).
pub const CHUNK_BUCKETS: i64 = 360;

/// `[continuous_queries]` settings.
#[derive(Clone, Debug)]
pub struct ServiceConfig {
    pub enabled: bool,
    pub log_enabled: bool,
    pub run_interval: Duration,
    /// Repair and restart backfill reach no further back than this (ns).
    pub max_lookback: i64,
    /// A CQ repairs at most once per this long (ns): the first late write after a quiet spell is
    /// repaired on the next pass, a stream of them (a backlog arriving) in batches.
    pub repair_interval: i64,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            enabled: true,
            log_enabled: true,
            run_interval: Duration::from_secs(1),
            max_lookback: 7 * 86_400 * 1_000_000_000,
            repair_interval: 10 * 1_000_000_000,
        }
    }
}

/// Why a window ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunKind {
    Regular,
    Repair,
    Backfill,
}

impl RunKind {
    pub fn name(self) -> &'static str {
        match self {
            RunKind::Regular => "regular",
            RunKind::Repair => "repair",
            RunKind::Backfill => "backfill",
        }
    }
}

/// One query the service ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunRecord {
    pub database: String,
    pub name: String,
    pub kind: RunKind,
    pub start: i64,
    pub end: i64,
    /// Points written; `None` when the query failed.
    pub written: Option<u64>,
}

/// A CQ as the service knows it.
struct CqEntry {
    text: String,
    stmt: CreateContinuousQueryStatement,
    timing: Timing,
    last_run: Option<i64>,
    /// Restart backfill done (or not needed) in this process.
    backfilled: bool,
    /// When the CQ last took dirty buckets to repair (clock time).
    last_repair: Option<i64>,
    stats: CqStats,
}

/// The watch id of CQ `name` of `db`: `db` U+001F `name`.
pub fn watch_id(db: &str, name: &str) -> String {
    format!("{db}\u{1f}{name}")
}

/// The continuous-query service (see the module doc).
pub struct ContinuousQueryService {
    engine: Arc<Engine>,
    clock: Arc<dyn Clock>,
    config: ServiceConfig,
    /// Keyed by (database, name).
    cqs: Mutex<BTreeMap<(String, String), CqEntry>>,
    /// Serializes passes and BACKFILL statements.
    run_lock: Mutex<()>,
    /// Engine scans run for groups of CQs sharing them (`shared_scan.rs`).
    shared_scans: AtomicU64,
    /// Partial passes of those scans (`exec/select/partial.rs`).
    shared_partial_passes: AtomicU64,
    metrics: Metrics,
    stop: Arc<AtomicBool>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl std::fmt::Debug for ContinuousQueryService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContinuousQueryService")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl ContinuousQueryService {
    pub fn new(
        engine: Arc<Engine>,
        clock: Arc<dyn Clock>,
        config: ServiceConfig,
    ) -> Arc<ContinuousQueryService> {
        Arc::new(ContinuousQueryService {
            engine,
            clock,
            config,
            cqs: Mutex::new(BTreeMap::new()),
            run_lock: Mutex::new(()),
            shared_scans: AtomicU64::new(0),
            shared_partial_passes: AtomicU64::new(0),
            metrics: Metrics::new(),
            stop: Arc::new(AtomicBool::new(false)),
            thread: Mutex::new(None),
        })
    }

    /// Engine scans run for groups of CQs that share them, since start (each serves every CQ of
    /// its group: `shared_scan.rs`).
    pub fn shared_scans(&self) -> u64 {
        self.shared_scans.load(Ordering::Relaxed)
    }

    /// Per-series partial passes of those scans, since start (each folded by several CQs).
    pub fn shared_partial_passes(&self) -> u64 {
        self.shared_partial_passes.load(Ordering::Relaxed)
    }

    pub fn config(&self) -> &ServiceConfig {
        &self.config
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Starts the scheduler thread (a pass every `run-interval`; CQ queries are CPU work and never
    /// run on the async executor). Registers the watches of every stored CQ first.
    pub fn start(self: &Arc<Self>) -> std::io::Result<()> {
        self.sync();
        let me = Arc::clone(self);
        let handle = std::thread::Builder::new()
            .name("taildb-cq".into())
            .spawn(move || {
                let mut next = Instant::now() + me.config.run_interval;
                while !me.stop.load(Ordering::SeqCst) {
                    let now = Instant::now();
                    if now < next {
                        std::thread::park_timeout(next - now);
                        continue;
                    }
                    next += me.config.run_interval;
                    if next < Instant::now() {
                        next = Instant::now() + me.config.run_interval;
                    }
                    me.tick(me.clock.now());
                }
            })?;
        *self.thread.lock() = Some(handle);
        Ok(())
    }

    /// Stops the scheduler thread and waits for the running pass.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.thread.lock().take() {
            h.thread().unpark();
            let _ = h.join();
        }
    }

    /// Brings the service's CQ list and the engine's watches in line with the stored CQs:
    /// registers a watch per CQ, unregisters watches of CQs that are gone (also after DROP
    /// DATABASE), forgets state of removed CQs. Returns the CQs in (database, name) order.
    pub fn sync(&self) -> Vec<(String, String)> {
        let stored: Vec<(String, String, String)> = self
            .engine
            .continuous_queries()
            .into_iter()
            .flat_map(|(db, cqs)| cqs.into_iter().map(move |c| (db.clone(), c.name, c.query)))
            .collect();
        let mut cqs = self.cqs.lock();
        let keep: BTreeSet<(String, String)> = stored
            .iter()
            .map(|(d, n, _)| (d.clone(), n.clone()))
            .collect();
        cqs.retain(|k, _| keep.contains(k));
        for (db, name, text) in stored {
            let key = (db.clone(), name.clone());
            if cqs.get(&key).is_some_and(|e| e.text == text) {
                continue;
            }
            let parsed = parse_stored(&text).and_then(|s| Ok((Timing::of(&s)?, s)));
            match parsed {
                Ok((timing, stmt)) => {
                    let spec = watch_spec(&db, &stmt, &timing);
                    if let Err(e) = self.engine.register_watch(&watch_id(&db, &name), spec) {
                        tracing::warn!(db = %db, name = %name, error = %e, "continuous query: cannot register its late-write watch");
                    }
                    let stats = cqs.remove(&key).map(|e| e.stats).unwrap_or_default();
                    cqs.insert(
                        key,
                        CqEntry {
                            text,
                            stmt,
                            timing,
                            last_run: None,
                            backfilled: false,
                            last_repair: None,
                            stats,
                        },
                    );
                }
                Err(e) => {
                    tracing::warn!(db = %db, name = %name, error = %e, "continuous query cannot run");
                }
            }
        }
        let ids: BTreeSet<String> = cqs.keys().map(|(d, n)| watch_id(d, n)).collect();
        drop(cqs);
        for id in self.engine.watch_ids() {
            if !ids.contains(&id) {
                let _ = self.engine.unregister_watch(&id);
            }
        }
        keep.into_iter().collect()
    }

    /// One scheduler pass at `now` (see the module doc). Returns every query it ran, CQ by CQ in
    /// (database, name) order.
    pub fn tick(&self, now: i64) -> Vec<RunRecord> {
        let _pass = self.run_lock.lock();
        let keys = self.sync();
        let plans: Vec<Planned> = keys
            .iter()
            .filter_map(|(db, name)| self.plan(db, name, now))
            .collect();
        let mut per: Vec<Vec<RunRecord>> = vec![Vec::new(); plans.len()];
        let mut ran = vec![false; plans.len()];
        for members in share_groups(&plans, &self.written_measurements()) {
            let (group, parts) = ScanGroup::new(members.len());
            let engine: &dyn Store = &*self.engine;
            let results: Vec<(usize, Vec<RunRecord>)> = std::thread::scope(|sc| {
                let handles: Vec<_> = members
                    .iter()
                    .zip(parts)
                    .map(|(&i, part)| {
                        let plan = &plans[i];
                        sc.spawn(move || {
                            let part = Arc::new(part);
                            // Departs even if the statement panics: the group never waits on
                            // a participant that is gone.
                            let _leaves = Departs(&part, engine);
                            let mut records = Vec::new();
                            self.run_planned(plan, now, Some(&part), &mut records);
                            (i, records)
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect()
            });
            for (i, records) in results {
                per[i] = records;
                ran[i] = true;
            }
            self.shared_scans
                .fetch_add(group.scans() as u64, Ordering::Relaxed);
            self.shared_partial_passes
                .fetch_add(group.partial_passes() as u64, Ordering::Relaxed);
        }
        for (i, plan) in plans.iter().enumerate() {
            if !ran[i] {
                self.run_planned(plan, now, None, &mut per[i]);
            }
        }
        let records: Vec<RunRecord> = per.into_iter().flatten().collect();
        if !records.is_empty() {
            if let Err(e) = self.engine.persist_watches() {
                tracing::warn!(error = %e, "continuous queries: cannot persist the watch state");
            }
        }
        records
    }

    /// The measurement names some CQ writes INTO (its sources' names for `:MEASUREMENT`; every
    /// name at all when a backreferencing CQ reads a regex or a subquery).
    fn written_measurements(&self) -> Written {
        let cqs = self.cqs.lock();
        let mut names = BTreeSet::new();
        for e in cqs.values() {
            let Some(into) = &e.stmt.select.into else {
                continue;
            };
            match &into.name {
                NamePattern::Name(n) if n != ":MEASUREMENT" => {
                    names.insert(n.clone());
                }
                _ => match plain_sources(&e.stmt.select) {
                    Some(reads) => names.extend(reads),
                    None => return Written::Everything,
                },
            }
        }
        Written::Names(names)
    }

    /// Decides what the pass runs for CQ `db`.`name` (its schedule state advances here).
    fn plan(&self, db: &str, name: &str, now: i64) -> Option<Planned> {
        let key = (db.to_owned(), name.to_owned());
        let id = watch_id(db, name);
        let mut cqs = self.cqs.lock();
        let e = cqs.get_mut(&key)?;
        let d = e.timing.decide(e.last_run, now);
        e.last_run = d.last_run;
        let mut backfill_from = None;
        if d.due && !e.backfilled {
            e.backfilled = true;
            let confirmed = self
                .engine
                .watch_status(&id)
                .and_then(|s| s.confirmed_until);
            if let Some(c) = confirmed {
                backfill_from = Some(e.timing.bucket_start(c.max(self.floor(now))));
            }
        }
        let (timing, select) = (e.timing, (*e.stmt.select).clone());
        let repair_due = e
            .last_repair
            .is_none_or(|t| now.saturating_sub(t) >= self.config.repair_interval);
        drop(cqs);
        self.engine.set_watch_floor(&id, self.floor(now));
        // Not due: the marks stay in the watch for a later pass.
        let dirty = if repair_due {
            self.engine.take_dirty_buckets(&id)
        } else {
            Vec::new()
        };
        if !dirty.is_empty() {
            if let Some(e) = self.cqs.lock().get_mut(&key) {
                e.last_repair = Some(now);
            }
        }
        Some(Planned {
            db: db.to_owned(),
            name: name.to_owned(),
            id,
            timing,
            select,
            decision: d,
            backfill_from,
            dirty,
        })
    }

    /// Runs one CQ's part of a pass (steps 1–4 of the module doc); with `share`, its regular
    /// window's scan is shared with its group.
    fn run_planned(
        &self,
        plan: &Planned,
        now: i64,
        share: Option<&Arc<Participant>>,
        records: &mut Vec<RunRecord>,
    ) {
        let Planned {
            db,
            name,
            id,
            timing,
            select,
            decision,
            backfill_from,
            dirty,
        } = plan;
        let (db, name, id, timing, backfill_from) =
            (&**db, &**name, &**id, *timing, *backfill_from);
        let key = (db.to_owned(), name.to_owned());
        // Ranges computed successfully in this pass (repair skips them).
        let mut covered: Vec<(i64, i64)> = Vec::new();
        let ranged = ranged_select(select);
        if let (Some(from), Some(to)) = (backfill_from, decision.start) {
            for (s, e) in chunks(&timing, from, to) {
                self.engine.begin_window(id, s, e);
                let ok = self.run_shared(
                    db,
                    name,
                    id,
                    &ranged,
                    RunKind::Backfill,
                    (s, e),
                    now,
                    share,
                    records,
                );
                self.engine.finish_window(id, s, e, ok);
                if ok {
                    covered.push((s, e));
                }
            }
        }
        if let Some((s, e)) = decision.window {
            self.engine.begin_window(id, s, e);
            let ok = self.run_shared(
                db,
                name,
                id,
                select,
                RunKind::Regular,
                (s, e),
                now,
                share,
                records,
            );
            self.engine.finish_window(id, s, e, ok);
            if ok {
                covered.push((s, e));
            }
        }
        if !dirty.is_empty() {
            let spec_interval = timing.interval;
            // Dirty bucket → the CQ windows it overlaps (zone-aligned) → contiguous ranges.
            let mut ranges: Vec<(i64, i64, Vec<i64>)> = Vec::new();
            for &b in dirty {
                let s = timing.bucket_start(b);
                let last = timing.bucket_start(b.saturating_add(spec_interval - 1));
                let e = timing.bucket_end(last);
                match ranges.last_mut() {
                    Some(r) if s <= r.1 => {
                        r.1 = r.1.max(e);
                        r.2.push(b);
                    }
                    _ => ranges.push((s, e, vec![b])),
                }
            }
            for (s, e, buckets) in ranges {
                let mut ok_all = true;
                for (rs, re) in subtract(s, e, &covered) {
                    for (cs, ce) in chunks(&timing, rs, re) {
                        ok_all &= self.run_shared(
                            db,
                            name,
                            id,
                            &ranged,
                            RunKind::Repair,
                            (cs, ce),
                            now,
                            share,
                            records,
                        );
                    }
                }
                self.engine.finish_dirty_buckets(id, &buckets, ok_all);
                let mut cqs = self.cqs.lock();
                if let Some(e) = cqs.get_mut(&key) {
                    e.stats.repaired_buckets += buckets.len() as u64;
                }
            }
        }
        let pending = self
            .engine
            .watch_status(id)
            .map_or(0, |s| (s.dirty + s.in_flight) as u64);
        let mut cqs = self.cqs.lock();
        if let Some(e) = cqs.get_mut(&key) {
            e.stats.dirty_buckets = pending;
            self.metrics.set_dirty(db, name, pending);
        }
    }

    fn floor(&self, now: i64) -> i64 {
        now.saturating_sub(self.config.max_lookback)
    }

    /// Runs the CQ's SELECT over `[start, end)` (its scans shared round by round with `share`'s
    /// group, if any); records stats, metrics and logs. True on success.
    #[allow(clippy::too_many_arguments)]
    fn run_shared(
        &self,
        db: &str,
        name: &str,
        id: &str,
        select: &SelectStatement,
        kind: RunKind,
        (start, end): (i64, i64),
        now: i64,
        share: Option<&Arc<Participant>>,
        records: &mut Vec<RunRecord>,
    ) -> bool {
        let began = Instant::now();
        let result = run_window_in(
            &*self.engine,
            db,
            id,
            select,
            (start, end),
            now,
            share.cloned(),
        );
        let took = began.elapsed();
        let took_ns = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        let written = result.as_ref().ok().copied();
        {
            let mut cqs = self.cqs.lock();
            if let Some(e) = cqs.get_mut(&(db.to_owned(), name.to_owned())) {
                let st = &mut e.stats;
                st.last_run_at = Some(now);
                st.last_window = Some((start, end));
                st.last_duration_ns = took_ns;
                st.total_duration_ns = st.total_duration_ns.saturating_add(took_ns);
                match kind {
                    RunKind::Regular => st.runs += 1,
                    RunKind::Repair => st.repair_runs += 1,
                    RunKind::Backfill => st.backfill_windows += window_count(&e.timing, start, end),
                }
                st.windows += window_count(&e.timing, start, end);
                match &result {
                    Ok(n) => st.points_written += n,
                    Err(err) => {
                        st.errors += 1;
                        st.last_error = Some(err.to_string());
                    }
                }
            }
        }
        self.metrics
            .record(db, name, kind, written, took.as_secs_f64());
        match &result {
            Ok(n) if self.config.log_enabled => tracing::info!(
                name = %name, db = %db, kind = kind.name(), start = start, end = end,
                written = n, duration_ms = took.as_secs_f64() * 1e3,
                "continuous query executed"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(
                name = %name, db = %db, kind = kind.name(), start = start, end = end,
                error = %e, "continuous query failed"
            ),
        }
        records.push(RunRecord {
            database: db.to_owned(),
            name: name.to_owned(),
            kind,
            start,
            end,
            written,
        });
        result.is_ok()
    }

    /// `BACKFILL CONTINUOUS QUERY name ON db WHERE time >= a AND time < b`: every window
    /// overlapping `[a, b)`, in chunks, synchronously. Returns (windows, points written,
    /// duration).
    pub fn backfill(
        &self,
        db: &str,
        name: &str,
        a: i64,
        b: i64,
    ) -> Result<(u64, u64, Duration), ExecError> {
        let _pass = self.run_lock.lock();
        self.sync();
        let (timing, select) = {
            let cqs = self.cqs.lock();
            let e = cqs.get(&(db.to_owned(), name.to_owned())).ok_or_else(|| {
                ExecError::Invalid(format!("continuous query not found: {name} on {db}"))
            })?;
            (e.timing, ranged_select(&e.stmt.select))
        };
        if b <= a {
            return Ok((0, 0, Duration::ZERO));
        }
        let began = Instant::now();
        let id = watch_id(db, name);
        let now = self.clock.now();
        let from = timing.bucket_start(a);
        let last = timing.bucket_start(b - 1);
        let to = timing.bucket_end(last);
        let mut records = Vec::new();
        let mut windows = 0;
        for (s, e) in chunks(&timing, from, to) {
            // Like a regular window: raise the watermark first, so writes that land in the
            // backfilled windows from now on are repaired (never past `now`: later writes belong to
            // windows the schedule computes anyway).
            let marked = e.min(now);
            if marked > s {
                self.engine.begin_window(&id, s, marked);
            }
            let ok = self.run_shared(
                db,
                name,
                &id,
                &select,
                RunKind::Backfill,
                (s, e),
                now,
                None,
                &mut records,
            );
            if marked > s {
                self.engine.finish_window(&id, s, marked, ok);
            }
            if !ok {
                let err = self
                    .stats_of(db, name)
                    .and_then(|s| s.last_error)
                    .unwrap_or_default();
                return Err(ExecError::Invalid(format!(
                    "backfill of {name} failed at [{s}, {e}): {err}"
                )));
            }
            windows += window_count(&timing, s, e);
        }
        let written = records.iter().filter_map(|r| r.written).sum();
        Ok((windows, written, began.elapsed()))
    }

    /// Statistics of CQ `name` of `db`.
    pub fn stats_of(&self, db: &str, name: &str) -> Option<CqStats> {
        self.cqs
            .lock()
            .get(&(db.to_owned(), name.to_owned()))
            .map(|e| e.stats.clone())
    }

    /// Every known CQ's statistics, by database then name.
    pub fn all_stats(&self) -> Vec<(String, String, CqStats)> {
        self.sync();
        self.cqs
            .lock()
            .iter()
            .map(|((d, n), e)| (d.clone(), n.clone(), e.stats.clone()))
            .collect()
    }

    /// The Prometheus text exposition of the service's metrics (`/metrics`).
    pub fn metrics_text(&self) -> String {
        self.metrics.encode()
    }
}

/// The watch of a CQ: its database, the FROM's retention policy when all sources name the same
/// one, the measurements of the sources (names, one regex, or all when mixed or hidden in a
/// subquery), its GROUP BY grid.
pub fn watch_spec(db: &str, stmt: &CreateContinuousQueryStatement, t: &Timing) -> WatchSpec {
    let mut rps = BTreeSet::new();
    let mut names = Vec::new();
    let mut regexes = Vec::new();
    let mut hidden = false;
    for src in &stmt.select.sources {
        match src {
            Source::Measurement(m) => {
                rps.insert(m.retention_policy.clone());
                match &m.name {
                    NamePattern::Name(n) => names.push(n.clone()),
                    NamePattern::Regex(r) => regexes.push(r.clone()),
                }
            }
            Source::Subquery(_) => hidden = true,
        }
    }
    let measurements = if hidden || (!names.is_empty() && !regexes.is_empty()) || regexes.len() > 1
    {
        MeasurementFilter::All
    } else if let Some(r) = regexes.pop() {
        MeasurementFilter::Regex(r)
    } else {
        MeasurementFilter::Names(names)
    };
    let retention_policy = if rps.len() == 1 && !hidden {
        rps.into_iter().next().flatten()
    } else {
        None
    };
    WatchSpec {
        database: db.to_owned(),
        retention_policy,
        measurements,
        interval: t.interval,
        offset: t.offset.rem_euclid(t.interval),
    }
}

/// Runs `select` over `[start, end)` in `db` with INTO writes on behalf of watch `id`; the points
/// written.
pub fn run_window(
    store: &dyn Store,
    db: &str,
    id: &str,
    select: &SelectStatement,
    start: i64,
    end: i64,
    now: i64,
) -> Result<u64, ExecError> {
    run_window_in(store, db, id, select, (start, end), now, None)
}

/// [`run_window`], its first scan shared with `share`'s group.
fn run_window_in(
    store: &dyn Store,
    db: &str,
    id: &str,
    select: &SelectStatement,
    (start, end): (i64, i64),
    now: i64,
    share: Option<Arc<Participant>>,
) -> Result<u64, ExecError> {
    let stmt = Statement::Select(Box::new(with_time_range(select, start, end)));
    let ctx = ExecContext {
        database: Some(db.to_owned()),
        now,
        write_origin: Some(id.to_owned()),
        shared_scan: share,
        ..ExecContext::default()
    };
    let mut results = execute(store, std::slice::from_ref(&stmt), &ctx);
    let r = results
        .pop()
        .ok_or_else(|| ExecError::Invalid("no result".into()))?;
    if let Some(e) = r.error {
        return Err(ExecError::Invalid(e));
    }
    let written = r
        .series
        .first()
        .and_then(|s| s.values.first())
        .and_then(|row| row.get(1))
        .map_or(0, |v| match v {
            Value::Int(n) => u64::try_from(*n).unwrap_or(0),
            _ => 0,
        });
    Ok(written)
}

/// What one pass runs for one CQ, decided under the CQ list's lock ([`ContinuousQueryService::plan`]).
struct Planned {
    db: String,
    name: String,
    id: String,
    timing: Timing,
    select: SelectStatement,
    decision: Decision,
    backfill_from: Option<i64>,
    /// The buckets that received late writes before this pass (taken from the watch).
    dirty: Vec<i64>,
}

impl Planned {
    /// Whether the pass runs any query for this CQ.
    fn has_work(&self) -> bool {
        self.decision.window.is_some()
            || !self.dirty.is_empty()
            || (self.backfill_from.is_some() && self.decision.start.is_some())
    }
}

/// The measurements continuous queries write.
enum Written {
    Names(BTreeSet<String>),
    Everything,
}

/// Departs a shared-scan participant when dropped (also while unwinding).
struct Departs<'a>(&'a Participant, &'a dyn Store);

impl Drop for Departs<'_> {
    fn drop(&mut self) {
        self.0.depart(self.1);
    }
}

/// The plain measurement names `select` reads (`None`: a regex or a subquery source).
fn plain_sources(select: &SelectStatement) -> Option<Vec<String>> {
    select
        .sources
        .iter()
        .map(|src| match src {
            Source::Measurement(m) => match &m.name {
                NamePattern::Name(n) => Some(n.clone()),
                NamePattern::Regex(_) => None,
            },
            Source::Subquery(_) => None,
        })
        .collect()
}

/// The CQs of a pass that share their scans (`shared_scan.rs`): per database, those with work
/// in this pass whose sources are plain measurements no CQ writes — so no member reads what
/// another member of the pass writes, and running them together cannot reorder a CQ chain.
/// Groups of two or more, members in plan order.
fn share_groups(plans: &[Planned], written: &Written) -> Vec<Vec<usize>> {
    let Written::Names(written) = written else {
        return Vec::new();
    };
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, p) in plans.iter().enumerate() {
        let reads_output =
            plain_sources(&p.select).is_none_or(|reads| reads.iter().any(|m| written.contains(m)));
        if p.has_work() && !reads_output {
            groups.entry(&p.db).or_default().push(i);
        }
    }
    groups.into_values().filter(|g| g.len() > 1).collect()
}

/// The SELECT that repair and backfill run over a range of several windows: without a `fill()`
/// of its own it gets `fill(none)`, so that an empty bucket inside the range writes nothing —
/// exactly what the one-window regular run of that bucket would have written (a series without
/// points in a window has no rows; `count` would otherwise write 0 for every empty bucket).
fn ranged_select(select: &SelectStatement) -> SelectStatement {
    let mut s = select.clone();
    if s.fill.is_none() {
        s.fill = Some(crate::ast::Fill::None);
    }
    s
}

/// `[from, to)` cut at window boundaries into pieces of at most [`CHUNK_BUCKETS`] windows.
fn chunks(t: &Timing, from: i64, to: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut s = from;
    while s < to {
        let mut e = s;
        let mut n = 0;
        while e < to && n < CHUNK_BUCKETS {
            let next = t.bucket_end(e);
            if next <= e {
                break;
            }
            e = next;
            n += 1;
        }
        let e = e.min(to).max(s + 1);
        out.push((s, e));
        s = e;
    }
    out
}

/// How many windows `[start, end)` spans.
fn window_count(t: &Timing, start: i64, end: i64) -> u64 {
    if t.zone.is_none() {
        return u64::try_from((end - start + t.interval - 1) / t.interval).unwrap_or(0);
    }
    let mut n = 0;
    let mut s = start;
    while s < end {
        let e = t.bucket_end(s);
        if e <= s {
            break;
        }
        s = e;
        n += 1;
    }
    n
}

/// `[s, e)` minus the ranges in `covered`.
fn subtract(s: i64, e: i64, covered: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut parts = vec![(s, e)];
    for &(cs, ce) in covered {
        let mut next = Vec::new();
        for (a, b) in parts {
            if ce <= a || cs >= b {
                next.push((a, b));
                continue;
            }
            if a < cs {
                next.push((a, cs));
            }
            if ce < b {
                next.push((ce, b));
            }
        }
        parts = next;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subtract_cuts_covered_ranges() {
        assert_eq!(
            subtract(0, 100, &[(20, 30), (50, 120)]),
            vec![(0, 20), (30, 50)]
        );
        assert_eq!(subtract(0, 10, &[(0, 10)]), vec![]);
        assert_eq!(subtract(0, 10, &[]), vec![(0, 10)]);
    }
}
