//! The live WAL: buffered appends, group commit, rotation, removal of old segments.
//!
//! Concurrency design (leader/follower on one mutex, no dedicated syncer in `PerBatch` mode):
//! - `state` (short critical sections): the append buffer, the next sequence number and the current
//!   segment's logical length. `append` frames the record into the buffer under this lock and makes
//!   no syscall (unless the buffer passes [`FLUSH_THRESHOLD`]).
//! - `io` (the commit token): whoever holds it swaps the whole append buffer out, writes it with one
//!   `write` call and, if asked, calls `sync_data` once. Waiters queue on `io`; when one gets it, it
//!   first re-checks the `written`/`durable` watermarks, so every record appended before a leader
//!   swapped the buffer is acknowledged by that leader's single fsync, and followers pay none.
//! - Lock order is always `io` before `state`; `append` never holds both.
//! - Any write or fsync error sets `poisoned`; from then on every `append`, `wait_durable`, `sync`
//!   and `rotate` returns [`WalError::Poisoned`] (the failing call itself returns the `Io` error).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use parking_lot::{Condvar, Mutex, MutexGuard};

use super::api::{ReplayStats, SyncMode, WalError, WalOptions};
use super::format::{
    self, FRAME_HEADER_LEN, HEADER_LEN, MAX_RECORD_LEN, SegmentHeader, TMP_SUFFIX,
};
use super::replay;

/// `append` writes the buffer to the OS itself once it holds this many bytes, bounding memory when
/// nobody waits for durability.
const FLUSH_THRESHOLD: usize = 4 << 20;
/// A spare buffer grown beyond this is dropped after use instead of being kept for reuse.
const MAX_KEPT_BUFFER: usize = 4 * FLUSH_THRESHOLD;
/// Shortest interval the periodic syncer accepts.
const MIN_PERIOD: Duration = Duration::from_millis(1);

/// The write-ahead log. All methods take `&self`; the log is shared by every writer thread.
pub struct Wal {
    shared: Arc<Shared>,
    syncer: Option<JoinHandle<()>>,
}

pub(super) struct Shared {
    dir: PathBuf,
    opts: WalOptions,
    /// The commit token; see the module doc. Lock order: `io` before `state`.
    io: Mutex<IoState>,
    state: Mutex<State>,
    /// Highest sequence number written to the OS.
    written: AtomicU64,
    /// Highest sequence number covered by an fsync.
    durable: AtomicU64,
    poisoned: AtomicBool,
    /// Ids of sealed segments, ascending.
    sealed: Mutex<Vec<u64>>,
    stop: Mutex<bool>,
    stop_cv: Condvar,
    #[cfg(test)]
    pub(super) faults: Faults,
}

struct IoState {
    /// The buffer swapped out of `State` and being written; empty between commits.
    spare: Vec<u8>,
    file: Arc<File>,
    path: PathBuf,
}

struct State {
    /// Id of the segment being appended to.
    id: u64,
    /// Bytes of the current segment, written plus buffered.
    len: u64,
    /// Framed records not yet handed to the OS.
    buf: Vec<u8>,
    next_seq: u64,
}

/// Failure injection and counters for tests; they drive the real error paths.
#[cfg(test)]
#[derive(Default)]
pub(super) struct Faults {
    pub fail_next_write: AtomicBool,
    pub fail_next_sync: AtomicBool,
    pub syncs: AtomicU64,
}

impl Wal {
    /// Opens (creating if needed) the WAL in `dir`, replays every record of the existing segments in
    /// order through `apply`, cuts a torn tail of the newest segment, and starts a fresh segment.
    pub fn open(
        dir: &Path,
        opts: WalOptions,
        apply: &mut dyn FnMut(&[u8]) -> Result<(), String>,
    ) -> Result<(Wal, ReplayStats), WalError> {
        fs::create_dir_all(dir).map_err(|e| WalError::Io {
            path: dir.to_path_buf(),
            source: e,
        })?;
        let replayed = replay::replay_dir(dir, apply)?;
        let id = match replayed.segment_ids.last() {
            None => 1,
            Some(&last) => last.checked_add(1).ok_or_else(|| WalError::Corrupt {
                path: dir.join(format::segment_file_name(last)),
                offset: 0,
                reason: "segment id space exhausted".to_string(),
            })?,
        };
        let (file, path) = create_segment(dir, id, replayed.next_seq)?;
        let last_seq = replayed.next_seq.wrapping_sub(1);
        let shared = Arc::new(Shared {
            dir: dir.to_path_buf(),
            opts: opts.clone(),
            io: Mutex::new(IoState {
                spare: Vec::new(),
                file: Arc::new(file),
                path,
            }),
            state: Mutex::new(State {
                id,
                len: HEADER_LEN as u64,
                buf: Vec::new(),
                next_seq: replayed.next_seq,
            }),
            written: AtomicU64::new(last_seq),
            durable: AtomicU64::new(last_seq),
            poisoned: AtomicBool::new(false),
            sealed: Mutex::new(replayed.segment_ids),
            stop: Mutex::new(false),
            stop_cv: Condvar::new(),
            #[cfg(test)]
            faults: Faults::default(),
        });
        let syncer = match opts.sync {
            SyncMode::Periodic(every) => {
                let s = Arc::clone(&shared);
                let every = every.max(MIN_PERIOD);
                let handle = std::thread::Builder::new()
                    .name("wal-syncer".to_string())
                    .spawn(move || run_periodic_syncer(&s, every))
                    .map_err(|e| WalError::Io {
                        path: dir.to_path_buf(),
                        source: e,
                    })?;
                Some(handle)
            }
            SyncMode::PerBatch | SyncMode::None => None,
        };
        Ok((Wal { shared, syncer }, replayed.stats))
    }

    /// Appends one record and returns its sequence number; does not wait for durability.
    pub fn append(&self, payload: &[u8]) -> Result<u64, WalError> {
        self.shared.append(payload)
    }

    /// Blocks until record `seq` is durable under the sync mode (group commit).
    pub fn wait_durable(&self, seq: u64) -> Result<(), WalError> {
        let need_sync = self.shared.opts.sync == SyncMode::PerBatch;
        self.shared.commit(seq, need_sync)
    }

    /// Seals the current segment and starts a new one, returning the new segment's id; every record
    /// appended before the call lives in a segment with a smaller id.
    pub fn rotate(&self) -> Result<u64, WalError> {
        self.shared.rotate(false)
    }

    /// Deletes sealed segments whose id is below `segment_id`.
    pub fn remove_before(&self, segment_id: u64) -> Result<(), WalError> {
        self.shared.remove_before(segment_id)
    }

    /// Writes and fsyncs everything appended so far.
    pub fn sync(&self) -> Result<(), WalError> {
        self.shared.sync()
    }

    /// Id of the segment new records go to.
    pub fn current_segment_id(&self) -> u64 {
        self.shared.state.lock().id
    }

    /// Whether an earlier write or fsync error made the WAL refuse all further work.
    pub fn is_poisoned(&self) -> bool {
        self.shared.poisoned.load(Ordering::Acquire)
    }

    #[cfg(test)]
    pub(super) fn faults(&self) -> &Faults {
        &self.shared.faults
    }
}

impl Drop for Wal {
    /// Stops the periodic syncer, then hands buffered records to the OS (and fsyncs them unless the
    /// mode is `None`). Errors are logged; they cannot be returned from `drop`.
    fn drop(&mut self) {
        *self.shared.stop.lock() = true;
        self.shared.stop_cv.notify_all();
        if let Some(handle) = self.syncer.take() {
            if handle.join().is_err() {
                tracing::error!("wal: periodic syncer thread panicked");
            }
        }
        if self.shared.poisoned.load(Ordering::Acquire) {
            return;
        }
        let mut io = self.shared.io.lock();
        let r = self
            .shared
            .flush_locked(&mut io)
            .and_then(|()| match self.shared.opts.sync {
                SyncMode::None => Ok(()),
                SyncMode::PerBatch | SyncMode::Periodic(_) => self.shared.sync_locked(&io),
            });
        if let Err(e) = r {
            tracing::error!(error = %e, "wal: final flush on close failed");
        }
    }
}

impl Shared {
    fn check_poisoned(&self) -> Result<(), WalError> {
        if self.poisoned.load(Ordering::Acquire) {
            Err(WalError::Poisoned)
        } else {
            Ok(())
        }
    }

    /// Marks the WAL unusable and turns `source` into the error the failing caller sees.
    fn poison(&self, path: &Path, source: io::Error) -> WalError {
        self.poisoned.store(true, Ordering::Release);
        tracing::error!(path = %path.display(), error = %source, "wal: write or fsync failed; refusing further writes");
        WalError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    fn append(&self, payload: &[u8]) -> Result<u64, WalError> {
        self.check_poisoned()?;
        if payload.len() > MAX_RECORD_LEN {
            return Err(WalError::Io {
                path: self.dir.clone(),
                source: io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "wal record of {} bytes exceeds the {MAX_RECORD_LEN}-byte limit",
                        payload.len()
                    ),
                ),
            });
        }
        // The payload CRC is the expensive part; compute it outside the lock and combine it with
        // the frame header (which needs the sequence number) under the lock.
        let mut payload_crc = crc32fast::Hasher::new();
        payload_crc.update(payload);
        loop {
            let mut st = self.state.lock();
            self.check_poisoned()?;
            if st.len >= self.opts.segment_max_bytes && st.len > HEADER_LEN as u64 {
                drop(st);
                self.rotate(true)?;
                continue;
            }
            let seq = st.next_seq;
            st.next_seq = seq.wrapping_add(1);
            st.buf
                .extend_from_slice(&format::encode_frame_header(seq, &payload_crc));
            st.buf.extend_from_slice(payload);
            st.len += (FRAME_HEADER_LEN + payload.len()) as u64;
            let flush = st.buf.len() >= FLUSH_THRESHOLD;
            drop(st);
            if flush {
                let mut io = self.io.lock();
                self.check_poisoned()?;
                self.flush_locked(&mut io)?;
            }
            return Ok(seq);
        }
    }

    /// Returns once `seq` is in the OS (`need_sync == false`) or fsynced (`true`); the caller that
    /// gets the `io` token commits everything buffered so far on behalf of all waiters.
    fn commit(&self, seq: u64, need_sync: bool) -> Result<(), WalError> {
        let covered = || {
            let mark = if need_sync {
                &self.durable
            } else {
                &self.written
            };
            mark.load(Ordering::Acquire) >= seq
        };
        self.check_poisoned()?;
        if covered() {
            return Ok(());
        }
        let mut io = self.io.lock();
        self.check_poisoned()?;
        if covered() {
            return Ok(());
        }
        self.flush_locked(&mut io)?;
        if need_sync {
            self.sync_locked(&io)?;
        }
        if covered() {
            Ok(())
        } else {
            Err(WalError::Io {
                path: io.path.clone(),
                source: io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "wait_durable({seq}): no record with that sequence number was appended"
                    ),
                ),
            })
        }
    }

    fn sync(&self) -> Result<(), WalError> {
        self.check_poisoned()?;
        let mut io = self.io.lock();
        self.check_poisoned()?;
        self.flush_locked(&mut io)?;
        self.sync_locked(&io)
    }

    /// Writes the append buffer to the current segment with one `write` call. Requires `io`.
    fn flush_locked(&self, io: &mut IoState) -> Result<(), WalError> {
        let upto = {
            let mut st = self.state.lock();
            std::mem::swap(&mut st.buf, &mut io.spare);
            st.next_seq.wrapping_sub(1)
        };
        self.write_spare(io)?;
        self.written.store(upto, Ordering::Release);
        Ok(())
    }

    fn write_spare(&self, io: &mut IoState) -> Result<(), WalError> {
        if io.spare.is_empty() {
            return Ok(());
        }
        let r = self.write_file(&io.file, &io.spare);
        io.spare.clear();
        if io.spare.capacity() > MAX_KEPT_BUFFER {
            io.spare = Vec::new();
        }
        r.map_err(|e| self.poison(&io.path, e))
    }

    /// fsyncs the current segment if anything written is not yet durable. Requires `io`.
    fn sync_locked(&self, io: &IoState) -> Result<(), WalError> {
        let upto = self.written.load(Ordering::Acquire);
        if self.durable.load(Ordering::Acquire) >= upto {
            return Ok(());
        }
        self.sync_file(&io.file)
            .map_err(|e| self.poison(&io.path, e))?;
        self.durable.store(upto, Ordering::Release);
        Ok(())
    }

    fn write_file(&self, file: &File, bytes: &[u8]) -> io::Result<()> {
        #[cfg(test)]
        if self.faults.fail_next_write.swap(false, Ordering::AcqRel) {
            return Err(io::Error::other("injected write failure"));
        }
        let mut f = file;
        f.write_all(bytes)
    }

    fn sync_file(&self, file: &File) -> io::Result<()> {
        #[cfg(test)]
        {
            if self.faults.fail_next_sync.swap(false, Ordering::AcqRel) {
                return Err(io::Error::other("injected fsync failure"));
            }
            self.faults.syncs.fetch_add(1, Ordering::AcqRel);
        }
        file.sync_data()
    }

    /// Seals the current segment (write out, fsync) and starts the next one. With `only_if_full`
    /// it does nothing unless the segment passed `segment_max_bytes` (another thread may have
    /// rotated already). Returns the id of the segment now being appended to.
    fn rotate(&self, only_if_full: bool) -> Result<u64, WalError> {
        self.check_poisoned()?;
        let mut io = self.io.lock();
        self.check_poisoned()?;
        // Hold `state` throughout so no record slips in between sealing and switching.
        let mut st = self.state.lock();
        let full = st.len >= self.opts.segment_max_bytes && st.len > HEADER_LEN as u64;
        if only_if_full && !full {
            return Ok(st.id);
        }
        std::mem::swap(&mut st.buf, &mut io.spare);
        let upto = st.next_seq.wrapping_sub(1);
        self.write_spare(&mut io)?;
        self.written.store(upto, Ordering::Release);
        self.sync_locked(&io)?;
        let new_id = st.id.checked_add(1).ok_or_else(|| WalError::Corrupt {
            path: io.path.clone(),
            offset: 0,
            reason: "segment id space exhausted".to_string(),
        })?;
        let (file, path) = create_segment(&self.dir, new_id, st.next_seq).map_err(|e| {
            self.poisoned.store(true, Ordering::Release);
            tracing::error!(error = %e, "wal: could not start a new segment; refusing further writes");
            e
        })?;
        self.sealed.lock().push(st.id);
        io.file = Arc::new(file);
        io.path = path;
        st.id = new_id;
        st.len = HEADER_LEN as u64;
        Ok(new_id)
    }

    fn remove_before(&self, segment_id: u64) -> Result<(), WalError> {
        let victims: Vec<u64> = {
            let mut sealed = self.sealed.lock();
            let keep_from = sealed.partition_point(|&id| id < segment_id);
            sealed.drain(..keep_from).collect()
        };
        if victims.is_empty() {
            return Ok(());
        }
        // Oldest first, so a crash midway leaves a contiguous run of segments.
        for (i, &id) in victims.iter().enumerate() {
            let path = self.dir.join(format::segment_file_name(id));
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => {
                    // Put the ones not removed back so a later call retries them.
                    let mut sealed = self.sealed.lock();
                    let rest = victims.get(i..).unwrap_or(&[]);
                    sealed.splice(0..0, rest.iter().copied());
                    return Err(WalError::Io { path, source: e });
                }
            }
        }
        sync_dir(&self.dir)
    }
}

fn run_periodic_syncer(shared: &Shared, every: Duration) {
    let mut stop = shared.stop.lock();
    while !*stop {
        shared.stop_cv.wait_for(&mut stop, every);
        if *stop {
            break;
        }
        // Errors are logged by `poison`; a poisoned WAL has nothing left to sync.
        if MutexGuard::unlocked(&mut stop, || shared.sync()).is_err() {
            break;
        }
    }
}

/// Creates segment `id` atomically: header written and fsynced under a temporary name, renamed
/// into place, directory fsynced. Returns the open file positioned after the header.
fn create_segment(dir: &Path, id: u64, first_seq: u64) -> Result<(File, PathBuf), WalError> {
    let path = dir.join(format::segment_file_name(id));
    let tmp = dir.join(format!("{id:020}{TMP_SUFFIX}"));
    let io_err = |p: &Path| {
        let p = p.to_path_buf();
        move |source| WalError::Io { path: p, source }
    };
    if path.exists() {
        return Err(WalError::Io {
            path: path.clone(),
            source: io::Error::new(io::ErrorKind::AlreadyExists, "wal segment already exists"),
        });
    }
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp)
        .map_err(io_err(&tmp))?;
    file.write_all(&SegmentHeader { id, first_seq }.encode())
        .map_err(io_err(&tmp))?;
    file.sync_all().map_err(io_err(&tmp))?;
    fs::rename(&tmp, &path).map_err(io_err(&path))?;
    sync_dir(dir)?;
    Ok((file, path))
}

fn sync_dir(dir: &Path) -> Result<(), WalError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| WalError::Io {
            path: dir.to_path_buf(),
            source,
        })
}
