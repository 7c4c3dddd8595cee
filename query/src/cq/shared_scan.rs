//! Shared scans of one scheduler pass: continuous queries of one database over the same source
//! read the same rows for the same windows (one raw measurement cut several ways: by dc, by host,
//! by customer, …, all computing — and repairing — the same 10 s window). Each CQ runs its own
//! statements on its own thread (a participant); the engine is scanned once per distinct request
//! of a round and every batch goes to all participants that asked for it.
//!
//! Invariants:
//! 1. Round `r` is every participant's `r`-th scan. It runs only when every participant has
//!    either arrived at it or departed having done fewer scans. A participant calls
//!    `begin_window` (or takes its dirty buckets) before the statement that scans, so a shared
//!    scan starts after every member's window began: a write it misses marks that member's
//!    window dirty, exactly as with separate scans.
//! 2. One engine scan per distinct request of a round (equal database, retention policy,
//!    measurement, time range, series and fields; `times` is the OR of the arrivals'); each
//!    arrival receives every batch of its request, in order, on its own thread, into its first
//!    sink. Participants whose rounds do not line up get separate scans, never wrong rows.
//! 3. Memory is bounded: batches travel as shared owned copies over bounded channels
//!    ([`QUEUE_BATCHES`] per participant); a slow participant slows the scan, never grows memory.
//! 4. A participant whose sink breaks (LIMIT reached) stops receiving; the scan stops when every
//!    receiver stopped. A failed scan gives every receiver of that request the engine's error.
//! 5. Whoever completes a round (its last arrival, or a departure) runs its scans; an arrival
//!    that completes it consumes its own batches on its thread while a scoped thread scans.
//!    Nothing is held while a participant waits: no engine lock, no pass state. A participant
//!    departs when its thread ends (also by unwinding), so no round waits on a finished one.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use parking_lot::Mutex;
use tsdb::engine::{EngineError, ScanBatch, ScanRequest, ScanSink};
use tsdb::model::{Column, Timestamp};

use crate::exec::Store;
use crate::exec::select::{PartialAsk, PartialPass, PartialSink, Partials, PassSink};

/// Batches queued per receiver before the scan waits for it.
pub const QUEUE_BATCHES: usize = 8;

/// An owned copy of a scan batch, shared by the receivers.
struct OwnedBatch {
    series: Vec<u32>,
    timestamps: Vec<Timestamp>,
    columns: Vec<Option<Column>>,
}

enum Msg {
    Batch(Arc<OwnedBatch>),
    /// The partials asked for, in place of the batches (before `Done`).
    Partials(Arc<Partials>),
    /// The scan ended: `None` ok, `Some(message)` failed.
    Done(Option<String>),
}

struct Arrival {
    req: ScanRequest,
    tx: SyncSender<Msg>,
    /// Partials the receiver takes in place of rows when others ask for the same.
    ask: Option<Arc<PartialAsk>>,
}

/// Where a participant's share of a scan goes.
enum Target<'s> {
    Rows(&'s mut dyn ScanSink),
    /// Rows or partials, whichever the scan sends.
    Partials(&'s mut dyn PartialSink),
}

struct GroupState {
    members: usize,
    /// Scans done by each departed participant: it arrives at no round from that index on.
    departed: Vec<usize>,
    /// Arrivals of the rounds that have not run yet, by round index.
    rounds: BTreeMap<usize, Vec<Arrival>>,
}

impl GroupState {
    /// Participants that will arrive at round `r` (or already have).
    fn expected(&self, r: usize) -> usize {
        self.members - self.departed.iter().filter(|&&k| k <= r).count()
    }

    /// Takes the arrivals of every round whose expected participants have all arrived.
    fn complete(&mut self) -> Vec<Vec<Arrival>> {
        let ready: Vec<usize> = self
            .rounds
            .iter()
            .filter(|(r, a)| a.len() >= self.expected(**r))
            .map(|(r, _)| *r)
            .collect();
        ready
            .into_iter()
            .filter_map(|r| self.rounds.remove(&r))
            .collect()
    }
}

/// A set of participants whose scans are shared round by round (see the module doc).
pub struct ScanGroup {
    state: Mutex<GroupState>,
    /// Engine scans run for the group.
    scans: AtomicUsize,
    /// Partial passes computed in those scans (each serving several receivers).
    passes: AtomicUsize,
}

/// One participant of a [`ScanGroup`]: the CQ runs of one thread.
pub struct Participant {
    group: Arc<ScanGroup>,
    /// Scans done, and whether it departed.
    progress: Mutex<(usize, bool)>,
}

impl std::fmt::Debug for Participant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Participant")
            .field("progress", &*self.progress.lock())
            .finish_non_exhaustive()
    }
}

impl ScanGroup {
    /// A group of `n` participants.
    pub fn new(n: usize) -> (Arc<ScanGroup>, Vec<Participant>) {
        let group = Arc::new(ScanGroup {
            state: Mutex::new(GroupState {
                members: n,
                departed: Vec::new(),
                rounds: BTreeMap::new(),
            }),
            scans: AtomicUsize::new(0),
            passes: AtomicUsize::new(0),
        });
        let parts = (0..n)
            .map(|_| Participant {
                group: Arc::clone(&group),
                progress: Mutex::new((0, false)),
            })
            .collect();
        (group, parts)
    }

    /// How many engine scans the group ran (one per distinct request of each round).
    pub fn scans(&self) -> usize {
        self.scans.load(Ordering::Relaxed)
    }

    /// How many partial passes those scans computed (see [`Participant::scan_partials`]).
    pub fn partial_passes(&self) -> usize {
        self.passes.load(Ordering::Relaxed)
    }
}

impl Participant {
    /// Scans `req` into `sinks` as this participant's next round, shared with the group.
    pub fn scan(
        &self,
        engine: &dyn Store,
        req: &ScanRequest,
        sinks: &mut [&mut dyn ScanSink],
    ) -> Result<(), EngineError> {
        let Some(round) = self.next_round() else {
            return engine.scan(req, sinks);
        };
        match sinks.first_mut() {
            Some(sink) => self.join(engine, round, req, None, Target::Rows(&mut **sink)),
            None => self.join(engine, round, req, None, Target::Rows(&mut NoSink)),
        }
    }

    /// [`Participant::scan`] of an aggregate that takes partials (`cq/partial.rs`) in place of
    /// rows when other participants of its round ask for partials of the same buckets.
    pub fn scan_partials<S: PartialSink>(
        &self,
        engine: &dyn Store,
        req: &ScanRequest,
        ask: Arc<PartialAsk>,
        sink: &mut S,
    ) -> Result<(), EngineError> {
        let Some(round) = self.next_round() else {
            return engine.scan(req, &mut [sink as &mut dyn ScanSink]);
        };
        self.join(engine, round, req, Some(ask), Target::Partials(sink))
    }

    /// This participant's next round, `None` once it departed (it scans alone).
    fn next_round(&self) -> Option<usize> {
        let mut p = self.progress.lock();
        if p.1 {
            return None;
        }
        p.0 += 1;
        Some(p.0 - 1)
    }

    /// Arrives at `round` and receives its share of the scan into `target`.
    fn join(
        &self,
        engine: &dyn Store,
        round: usize,
        req: &ScanRequest,
        ask: Option<Arc<PartialAsk>>,
        target: Target<'_>,
    ) -> Result<(), EngineError> {
        let (tx, rx) = sync_channel(QUEUE_BATCHES);
        let ready = {
            let mut st = self.group.state.lock();
            st.rounds.entry(round).or_default().push(Arrival {
                req: req.clone(),
                tx,
                ask,
            });
            st.complete()
        };
        let group = &*self.group;
        std::thread::scope(|sc| {
            if !ready.is_empty() {
                sc.spawn(move || ready.into_iter().for_each(|a| group.run_scans(engine, a)));
            }
            receive(&rx, target)
        })
    }

    /// The participant's runs are over: later rounds stop waiting for it (and whichever round
    /// it completes runs here). Idempotent.
    pub fn depart(&self, engine: &dyn Store) {
        let done = {
            let mut p = self.progress.lock();
            if p.1 {
                return;
            }
            p.1 = true;
            p.0
        };
        let ready = {
            let mut st = self.group.state.lock();
            st.departed.push(done);
            st.complete()
        };
        for arrivals in ready {
            self.group.run_scans(engine, arrivals);
        }
    }
}

/// A sink for a participant that has none (it still takes part in its rounds).
struct NoSink;

impl ScanSink for NoSink {
    fn consume(&mut self, _: &ScanBatch<'_>) -> ControlFlow<()> {
        ControlFlow::Break(())
    }
}

/// Feeds the batches (or partials) of `rx` to `target` until the scan's end.
fn receive(rx: &Receiver<Msg>, mut target: Target<'_>) -> Result<(), EngineError> {
    loop {
        match rx.recv() {
            Ok(Msg::Batch(b)) => {
                let batch = ScanBatch {
                    series: &b.series,
                    timestamps: &b.timestamps,
                    columns: &b.columns,
                };
                let flow = match &mut target {
                    Target::Rows(sink) => sink.consume(&batch),
                    Target::Partials(sink) => sink.consume(&batch),
                };
                if flow.is_break() {
                    // Dropping the receiver tells the scan to stop sending here.
                    return Ok(());
                }
            }
            Ok(Msg::Partials(p)) => {
                let Target::Partials(sink) = &mut target else {
                    return Err(EngineError::Invalid(
                        "a shared continuous-query scan sent partials nobody asked for".into(),
                    ));
                };
                if sink.fold(&p).is_break() {
                    return Ok(());
                }
            }
            Ok(Msg::Done(None)) => return Ok(()),
            Ok(Msg::Done(Some(e))) => return Err(EngineError::Invalid(e)),
            Err(_) => {
                return Err(EngineError::Invalid(
                    "a shared continuous-query scan ended without a result".into(),
                ));
            }
        }
    }
}

fn same_scan(a: &ScanRequest, b: &ScanRequest) -> bool {
    a.database == b.database
        && a.retention_policy == b.retention_policy
        && a.measurement == b.measurement
        && a.min_time == b.min_time
        && a.max_time == b.max_time
        && a.fields == b.fields
        && a.series == b.series
}

impl ScanGroup {
    /// One engine scan per distinct request of `arrivals`, broadcast to its receivers.
    fn run_scans(&self, engine: &dyn Store, mut arrivals: Vec<Arrival>) {
        while let Some(first) = arrivals.pop() {
            let mut req = first.req.clone();
            let mut same = vec![first];
            let mut rest = Vec::with_capacity(arrivals.len());
            for a in arrivals {
                if same_scan(&a.req, &req) {
                    req.times |= a.req.times;
                    same.push(a);
                } else {
                    rest.push(a);
                }
            }
            arrivals = rest;
            self.scans.fetch_add(1, Ordering::Relaxed);
            let passes = scan_one(engine, &req, same);
            self.passes.fetch_add(passes, Ordering::Relaxed);
        }
    }
}

/// One engine scan of `req` for its `arrivals`: the receivers that ask for partials of the same
/// buckets as another get them (one pass per distinct buckets), the others the rows. Returns the
/// number of partial passes.
fn scan_one(engine: &dyn Store, req: &ScanRequest, arrivals: Vec<Arrival>) -> usize {
    let mut rows: Vec<SyncSender<Msg>> = Vec::new();
    let mut sets: Vec<(Arc<PartialAsk>, Vec<Arrival>)> = Vec::new();
    for a in arrivals {
        match &a.ask {
            Some(ask) => match sets.iter_mut().find(|(k, _)| k.same_buckets(ask)) {
                Some((_, set)) => set.push(a),
                None => sets.push((Arc::clone(ask), vec![a])),
            },
            None => rows.push(a.tx),
        }
    }
    // Partials pay off only when several receivers fold them.
    let (sets, alone): (Vec<_>, Vec<_>) = sets.into_iter().partition(|(_, set)| set.len() > 1);
    rows.extend(alone.into_iter().flat_map(|(_, set)| set).map(|a| a.tx));
    let passes: Vec<PartialPass> = sets
        .iter()
        .map(|(_, set)| {
            let asks: Vec<&PartialAsk> = set.iter().filter_map(|a| a.ask.as_deref()).collect();
            PartialPass::new(&asks, req)
        })
        .collect();
    let shared: Vec<_> = passes.iter().map(PartialPass::shared).collect();
    let mut failed: Option<String> = None;
    let mut sinks: Vec<Tee<'_>> = Vec::with_capacity(2);
    for _ in 0..2 {
        let mut parts = Vec::with_capacity(passes.len());
        for (pass, sh) in passes.iter().zip(&shared) {
            match pass.sink(sh) {
                Ok(s) => parts.push(s),
                Err(e) => failed = Some(e.to_string()),
            }
        }
        sinks.push(Tee {
            rows: (!rows.is_empty()).then(|| Broadcast::new(&rows)),
            parts,
        });
    }
    let result = match &failed {
        Some(e) => Err(e.clone()),
        None => {
            let mut refs: Vec<&mut dyn ScanSink> =
                sinks.iter_mut().map(|s| s as &mut dyn ScanSink).collect();
            engine.scan(req, &mut refs).map_err(|e| e.to_string())
        }
    };
    // Each pass's sinks, worker by worker; the broadcasts end here.
    let mut parts: Vec<Vec<PassSink<'_>>> = passes.iter().map(|_| Vec::new()).collect();
    for tee in sinks {
        for (k, s) in tee.parts.into_iter().enumerate() {
            parts[k].push(s);
        }
    }
    let end = result.err();
    for ((pass, sinks), (_, set)) in passes.iter().zip(parts).zip(&sets) {
        let mut end = end.clone();
        if end.is_none() {
            match pass.finish(sinks) {
                Ok(p) => {
                    let p = Arc::new(p);
                    for a in set {
                        // A receiver that stopped early has dropped its end.
                        let _ = a.tx.send(Msg::Partials(Arc::clone(&p)));
                    }
                }
                Err(e) => end = Some(e.to_string()),
            }
        }
        for a in set {
            let _ = a.tx.send(Msg::Done(end.clone()));
        }
    }
    for tx in rows {
        let _ = tx.send(Msg::Done(end.clone()));
    }
    passes.len()
}

/// A scan worker's sink of one shared scan: the rows to the receivers that take rows, and the
/// partial passes.
struct Tee<'a> {
    rows: Option<Broadcast>,
    parts: Vec<PassSink<'a>>,
}

impl ScanSink for Tee<'_> {
    fn consume(&mut self, batch: &ScanBatch<'_>) -> ControlFlow<()> {
        // A pass breaks only on an error, which it keeps.
        let mut live = false;
        for p in &mut self.parts {
            live |= p.consume(batch).is_continue();
        }
        if let Some(b) = &mut self.rows {
            if b.consume(batch).is_continue() {
                live = true;
            } else {
                // Every receiver of rows stopped: no more copies for them.
                self.rows = None;
            }
        }
        if live {
            ControlFlow::Continue(())
        } else {
            ControlFlow::Break(())
        }
    }
}

/// A scan worker's sink: copies each batch once and sends it to every live receiver.
///
/// The copies are recycled: a batch every receiver has dropped (its `Arc` is unique again) is
/// refilled in place instead of allocating fresh vectors, so a window's scan reuses a few batches'
/// memory instead of faulting in new pages for every batch.
struct Broadcast {
    txs: Vec<Option<SyncSender<Msg>>>,
    /// Batches sent earlier, reusable once every receiver dropped them.
    pool: Vec<Arc<OwnedBatch>>,
}

impl Broadcast {
    fn new(txs: &[SyncSender<Msg>]) -> Broadcast {
        Broadcast {
            txs: txs.iter().cloned().map(Some).collect(),
            pool: Vec::new(),
        }
    }

    /// An owned copy of `batch`, in a recycled allocation when one is free.
    fn copy(&mut self, batch: &ScanBatch<'_>) -> Arc<OwnedBatch> {
        // Only this sink hands out clones, so a batch found unique stays unique.
        let free = self.pool.iter_mut().position(|b| Arc::get_mut(b).is_some());
        let Some(i) = free else {
            let b = Arc::new(OwnedBatch {
                series: batch.series.to_vec(),
                timestamps: batch.timestamps.to_vec(),
                columns: batch.columns.to_vec(),
            });
            // Receivers hold at most `QUEUE_BATCHES` each plus the one they consume.
            if self.pool.len() < QUEUE_BATCHES + 2 {
                self.pool.push(Arc::clone(&b));
            }
            return b;
        };
        let mut b = self.pool.swap_remove(i);
        let o = Arc::get_mut(&mut b).expect("a pooled batch no receiver holds");
        o.series.clear();
        o.series.extend_from_slice(batch.series);
        o.timestamps.clear();
        o.timestamps.extend_from_slice(batch.timestamps);
        // As `Vec::clone_from`: each kept column is refilled in place.
        o.columns.truncate(batch.columns.len());
        let kept = o.columns.len();
        o.columns.clone_from_slice(&batch.columns[..kept]);
        o.columns.extend_from_slice(&batch.columns[kept..]);
        self.pool.push(Arc::clone(&b));
        b
    }
}

impl ScanSink for Broadcast {
    fn consume(&mut self, batch: &ScanBatch<'_>) -> ControlFlow<()> {
        let b = self.copy(batch);
        let mut live = false;
        for slot in &mut self.txs {
            if let Some(tx) = slot {
                if tx.send(Msg::Batch(Arc::clone(&b))).is_ok() {
                    live = true;
                } else {
                    *slot = None;
                }
            }
        }
        if live {
            ControlFlow::Continue(())
        } else {
            ControlFlow::Break(())
        }
    }
}
