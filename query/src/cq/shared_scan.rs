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
    /// The scan ended: `None` ok, `Some(message)` failed.
    Done(Option<String>),
}

struct Arrival {
    req: ScanRequest,
    tx: SyncSender<Msg>,
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
}

impl Participant {
    /// Scans `req` into `sinks` as this participant's next round, shared with the group.
    pub fn scan(
        &self,
        engine: &dyn Store,
        req: &ScanRequest,
        sinks: &mut [&mut dyn ScanSink],
    ) -> Result<(), EngineError> {
        let round = {
            let mut p = self.progress.lock();
            if p.1 {
                drop(p);
                return engine.scan(req, sinks);
            }
            p.0 += 1;
            p.0 - 1
        };
        let (tx, rx) = sync_channel(QUEUE_BATCHES);
        let ready = {
            let mut st = self.group.state.lock();
            st.rounds.entry(round).or_default().push(Arrival {
                req: req.clone(),
                tx,
            });
            st.complete()
        };
        let group = &*self.group;
        std::thread::scope(|sc| {
            if !ready.is_empty() {
                sc.spawn(move || ready.into_iter().for_each(|a| group.run_scans(engine, a)));
            }
            match sinks.first_mut() {
                Some(sink) => receive(&rx, &mut **sink),
                None => Ok(()),
            }
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

/// Feeds the batches of `rx` to `sink` until the scan's end.
fn receive(rx: &Receiver<Msg>, sink: &mut dyn ScanSink) -> Result<(), EngineError> {
    loop {
        match rx.recv() {
            Ok(Msg::Batch(b)) => {
                let batch = ScanBatch {
                    series: &b.series,
                    timestamps: &b.timestamps,
                    columns: &b.columns,
                };
                if sink.consume(&batch).is_break() {
                    // Dropping the receiver tells the scan to stop sending here.
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
            let mut req = first.req;
            let mut txs = vec![first.tx];
            let mut rest = Vec::with_capacity(arrivals.len());
            for a in arrivals {
                if same_scan(&a.req, &req) {
                    req.times |= a.req.times;
                    txs.push(a.tx);
                } else {
                    rest.push(a);
                }
            }
            arrivals = rest;
            let mut sinks: Vec<Broadcast> = (0..2).map(|_| Broadcast::new(&txs)).collect();
            self.scans.fetch_add(1, Ordering::Relaxed);
            let result = {
                let mut refs: Vec<&mut dyn ScanSink> =
                    sinks.iter_mut().map(|s| s as &mut dyn ScanSink).collect();
                engine.scan(&req, &mut refs)
            };
            drop(sinks);
            let end = result.err().map(|e| e.to_string());
            for tx in txs {
                // A receiver that stopped early has dropped its end: nothing to tell it.
                let _ = tx.send(Msg::Done(end.clone()));
            }
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
