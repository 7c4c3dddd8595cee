//! Tests of the whole WAL: replay, torn tails, corruption, group commit, poisoning, rotation.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use proptest::prelude::*;

use super::format::{self, FRAME_HEADER_LEN, HEADER_LEN};
use super::replay::{ScanError, scan_segment};
use super::{ReplayStats, SyncMode, Wal, WalError, WalOptions};

fn opts(sync: SyncMode) -> WalOptions {
    WalOptions {
        sync,
        segment_max_bytes: 64 << 20,
    }
}

/// Opens the WAL collecting every replayed payload.
fn open_collect(dir: &Path, o: WalOptions) -> Result<(Wal, ReplayStats, Vec<Vec<u8>>), WalError> {
    let mut got = Vec::new();
    let (wal, stats) = Wal::open(dir, o, &mut |p| {
        got.push(p.to_vec());
        Ok(())
    })?;
    Ok((wal, stats, got))
}

fn replay_only(dir: &Path) -> Result<(ReplayStats, Vec<Vec<u8>>), WalError> {
    open_collect(dir, opts(SyncMode::None)).map(|(_, s, g)| (s, g))
}

fn payload(i: usize, len: usize) -> Vec<u8> {
    (0..len).map(|j| (i * 31 + j * 7) as u8).collect()
}

fn segment_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wal"))
        .collect();
    v.sort();
    v
}

/// Copies every file of `from` into a new temp dir.
fn copy_dir(from: &Path) -> tempfile::TempDir {
    let to = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, to.path().join(p.file_name().unwrap())).unwrap();
    }
    to
}

#[test]
fn empty_dir_replays_nothing_and_starts_segment_one() {
    let dir = tempfile::tempdir().unwrap();
    let wal_dir = dir.path().join("wal");
    let (wal, stats, got) = open_collect(&wal_dir, opts(SyncMode::PerBatch)).unwrap();
    assert_eq!(stats, ReplayStats::default());
    assert!(got.is_empty());
    assert_eq!(wal.current_segment_id(), 1);
    assert_eq!(wal.append(b"first").unwrap(), 1);
    drop(wal);
    let (stats, got) = replay_only(&wal_dir).unwrap();
    assert_eq!(got, vec![b"first".to_vec()]);
    assert_eq!(stats.segments, 1);
}

#[test]
fn round_trip_and_restart_keep_order_and_numbering() {
    let dir = tempfile::tempdir().unwrap();
    let mut expected: Vec<Vec<u8>> = Vec::new();
    let mut last_seq = 0;
    for round in 0..3 {
        let (wal, stats, got) = open_collect(dir.path(), opts(SyncMode::PerBatch)).unwrap();
        assert_eq!(got, expected, "round {round}");
        assert_eq!(stats.records, expected.len() as u64);
        assert_eq!(
            stats.bytes,
            expected.iter().map(|p| p.len() as u64).sum::<u64>()
        );
        assert_eq!(stats.truncated_tail, None);
        for i in 0..20 {
            let p = payload(round * 100 + i, (i * 97) % 3000);
            let seq = wal.append(&p).unwrap();
            assert_eq!(
                seq,
                last_seq + 1,
                "sequence numbers continue across restarts"
            );
            last_seq = seq;
            expected.push(p);
        }
        wal.wait_durable(last_seq).unwrap();
    }
}

#[test]
fn concurrent_appends_replay_exactly_once_in_seq_order() {
    let dir = tempfile::tempdir().unwrap();
    // Small segments so automatic rotation races with appends too.
    let o = WalOptions {
        sync: SyncMode::PerBatch,
        segment_max_bytes: 8 << 10,
    };
    let (wal, _, _) = open_collect(dir.path(), o.clone()).unwrap();
    let wal = Arc::new(wal);
    let threads = 4;
    let per_thread = 60;
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let wal = Arc::clone(&wal);
            std::thread::spawn(move || {
                let mut seqs = Vec::new();
                for i in 0..per_thread {
                    let mut p = vec![t as u8, i as u8];
                    p.extend(payload(t * 1000 + i, 500));
                    let seq = wal.append(&p).unwrap();
                    wal.wait_durable(seq).unwrap();
                    seqs.push((seq, p));
                }
                seqs
            })
        })
        .collect();
    let mut by_seq: Vec<(u64, Vec<u8>)> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    by_seq.sort();
    let seqs: Vec<u64> = by_seq.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        seqs,
        (1..=(threads * per_thread) as u64).collect::<Vec<_>>(),
        "dense, unique seqs"
    );
    drop(wal);
    let (stats, got) = replay_only(dir.path()).unwrap();
    assert!(
        stats.segments > 2,
        "expected automatic rotation, got {} segment(s)",
        stats.segments
    );
    let want: Vec<Vec<u8>> = by_seq.into_iter().map(|(_, p)| p).collect();
    assert_eq!(got, want);
}

#[test]
fn one_fsync_acknowledges_everything_appended_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let (wal, _, _) = open_collect(dir.path(), opts(SyncMode::PerBatch)).unwrap();
    let seqs: Vec<u64> = (0..50)
        .map(|i| wal.append(&payload(i, 100)).unwrap())
        .collect();
    wal.wait_durable(*seqs.last().unwrap()).unwrap();
    assert_eq!(wal.faults().syncs.load(Ordering::Acquire), 1);
    for &s in &seqs {
        wal.wait_durable(s).unwrap();
    }
    assert_eq!(
        wal.faults().syncs.load(Ordering::Acquire),
        1,
        "earlier records were already durable"
    );

    // Four threads that all appended before any of them waits share a single fsync.
    let wal = Arc::new(wal);
    let barrier = Arc::new(Barrier::new(4));
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let (wal, barrier) = (Arc::clone(&wal), Arc::clone(&barrier));
            std::thread::spawn(move || {
                let seq = wal.append(&payload(t, 1000)).unwrap();
                barrier.wait();
                wal.wait_durable(seq).unwrap();
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(wal.faults().syncs.load(Ordering::Acquire), 2);
}

#[test]
fn none_and_periodic_modes_hand_records_to_the_os() {
    for mode in [SyncMode::None, SyncMode::Periodic(Duration::from_millis(5))] {
        let dir = tempfile::tempdir().unwrap();
        let (wal, _, _) = open_collect(dir.path(), opts(mode)).unwrap();
        let seq = wal.append(b"abc").unwrap();
        wal.wait_durable(seq).unwrap();
        // Without dropping the WAL (which would flush), a second reader sees the record: it is in
        // the OS, not in a process buffer.
        let seg = segment_files(dir.path()).pop().unwrap();
        let bytes = std::fs::read(&seg).unwrap();
        assert_eq!(bytes.len(), HEADER_LEN + FRAME_HEADER_LEN + 3, "{mode:?}");
        if mode == SyncMode::None {
            assert_eq!(
                wal.faults().syncs.load(Ordering::Acquire),
                0,
                "None never fsyncs records"
            );
        }
        drop(wal);
        assert_eq!(replay_only(dir.path()).unwrap().1, vec![b"abc".to_vec()]);
    }
}

#[test]
fn wait_for_a_seq_never_appended_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (wal, _, _) = open_collect(dir.path(), opts(SyncMode::PerBatch)).unwrap();
    assert!(matches!(wal.wait_durable(5), Err(WalError::Io { .. })));
    assert!(!wal.is_poisoned());
}

#[test]
fn fsync_failure_poisons_every_later_call() {
    let dir = tempfile::tempdir().unwrap();
    let (wal, _, _) = open_collect(dir.path(), opts(SyncMode::PerBatch)).unwrap();
    let first = wal.append(b"durable").unwrap();
    wal.wait_durable(first).unwrap();
    let seq = wal.append(b"doomed").unwrap();
    wal.faults().fail_next_sync.store(true, Ordering::Release);
    let err = wal.wait_durable(seq).unwrap_err();
    assert!(matches!(err, WalError::Io { .. }), "{err}");
    assert!(wal.is_poisoned());
    assert!(matches!(wal.wait_durable(seq), Err(WalError::Poisoned)));
    assert!(matches!(wal.wait_durable(first), Err(WalError::Poisoned)));
    assert!(matches!(wal.append(b"more"), Err(WalError::Poisoned)));
    assert!(matches!(wal.sync(), Err(WalError::Poisoned)));
    assert!(matches!(wal.rotate(), Err(WalError::Poisoned)));
}

#[test]
fn write_failure_poisons_in_every_mode() {
    for mode in [
        SyncMode::None,
        SyncMode::PerBatch,
        SyncMode::Periodic(Duration::from_secs(3600)),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (wal, _, _) = open_collect(dir.path(), opts(mode)).unwrap();
        let seq = wal.append(b"x").unwrap();
        wal.faults().fail_next_write.store(true, Ordering::Release);
        assert!(
            matches!(wal.wait_durable(seq), Err(WalError::Io { .. })),
            "{mode:?}"
        );
        assert!(
            matches!(wal.append(b"y"), Err(WalError::Poisoned)),
            "{mode:?}"
        );
        assert!(
            matches!(wal.wait_durable(seq), Err(WalError::Poisoned)),
            "{mode:?}"
        );
        assert!(matches!(wal.sync(), Err(WalError::Poisoned)), "{mode:?}");
    }
}

#[test]
fn rotate_and_remove_before() {
    let dir = tempfile::tempdir().unwrap();
    let (wal, _, _) = open_collect(dir.path(), opts(SyncMode::PerBatch)).unwrap();
    wal.append(b"a").unwrap();
    let second = wal.rotate().unwrap();
    assert_eq!(second, 2);
    wal.append(b"b").unwrap();
    let third = wal.rotate().unwrap();
    let s = wal.append(b"c").unwrap();
    wal.wait_durable(s).unwrap();
    assert_eq!(segment_files(dir.path()).len(), 3);

    wal.remove_before(third).unwrap();
    let names: Vec<PathBuf> = segment_files(dir.path());
    assert_eq!(
        names,
        vec![dir.path().join(format::segment_file_name(third))]
    );
    // The current segment is never removed, whatever the argument.
    wal.remove_before(u64::MAX).unwrap();
    assert_eq!(segment_files(dir.path()).len(), 1);
    let s = wal.append(b"d").unwrap();
    wal.wait_durable(s).unwrap();
    drop(wal);

    let (wal, stats, got) = open_collect(dir.path(), opts(SyncMode::PerBatch)).unwrap();
    assert_eq!(got, vec![b"c".to_vec(), b"d".to_vec()]);
    assert_eq!(stats.segments, 1);
    // The segment replayed at open is sealed now and can be removed.
    assert_eq!(wal.current_segment_id(), third + 1);
    wal.remove_before(wal.current_segment_id()).unwrap();
    assert_eq!(segment_files(dir.path()).len(), 1);
}

#[test]
fn missing_middle_segment_is_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let (wal, _, _) = open_collect(dir.path(), opts(SyncMode::PerBatch)).unwrap();
    for i in 0..3 {
        wal.append(&payload(i, 10)).unwrap();
        wal.rotate().unwrap();
    }
    drop(wal);
    std::fs::remove_file(dir.path().join(format::segment_file_name(2))).unwrap();
    let err = replay_only(dir.path()).unwrap_err();
    assert!(
        matches!(&err, WalError::Corrupt { reason, .. } if reason.contains("missing")),
        "{err}"
    );
}

#[test]
fn apply_error_aborts_open() {
    let dir = tempfile::tempdir().unwrap();
    let (wal, _, _) = open_collect(dir.path(), opts(SyncMode::PerBatch)).unwrap();
    for i in 0..3 {
        wal.append(&payload(i, 10)).unwrap();
    }
    drop(wal);
    let mut n = 0;
    let err = Wal::open(dir.path(), opts(SyncMode::PerBatch), &mut |_| {
        n += 1;
        if n == 2 {
            Err("bad batch".to_string())
        } else {
            Ok(())
        }
    })
    .err()
    .unwrap();
    assert!(
        matches!(&err, WalError::Apply { seq: 2, reason, .. } if reason == "bad batch"),
        "{err}"
    );
}

#[test]
fn leftover_tmp_segment_is_removed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("00000000000000000001.wal.tmp"), b"partial").unwrap();
    let (wal, _, got) = open_collect(dir.path(), opts(SyncMode::PerBatch)).unwrap();
    assert!(got.is_empty());
    assert_eq!(wal.current_segment_id(), 1);
    assert!(!dir.path().join("00000000000000000001.wal.tmp").exists());
}

/// A WAL dir with two sealed segments and a newest one, all records known; returns the dir, the
/// payloads in order and the start offset of the last record of the newest segment.
fn three_segment_wal(records_per_segment: usize) -> (tempfile::TempDir, Vec<Vec<u8>>, u64) {
    let dir = tempfile::tempdir().unwrap();
    let (wal, _, _) = open_collect(dir.path(), opts(SyncMode::None)).unwrap();
    let mut all = Vec::new();
    let mut last_start = 0;
    for seg in 0..3 {
        let mut off = HEADER_LEN as u64;
        for i in 0..records_per_segment {
            let p = payload(seg * 100 + i, 20 + i * 13);
            last_start = off;
            off += (FRAME_HEADER_LEN + p.len()) as u64;
            wal.append(&p).unwrap();
            all.push(p);
        }
        if seg < 2 {
            wal.rotate().unwrap();
        }
    }
    drop(wal);
    (dir, all, last_start)
}

#[test]
fn torn_tail_at_every_byte_of_the_last_record_is_cut_cleanly() {
    let (dir, all, last_start) = three_segment_wal(3);
    let newest = segment_files(dir.path()).pop().unwrap();
    let full_len = std::fs::metadata(&newest).unwrap().len();
    for cut in last_start..full_len {
        let copy = copy_dir(dir.path());
        let path = copy.path().join(newest.file_name().unwrap());
        let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        f.set_len(cut).unwrap();
        drop(f);
        let (wal, stats, got) = open_collect(copy.path(), opts(SyncMode::None)).unwrap();
        assert_eq!(got, all[..all.len() - 1], "cut at {cut}");
        let expect_tail = (cut > last_start).then(|| (path.clone(), last_start));
        assert_eq!(stats.truncated_tail, expect_tail, "cut at {cut}");
        assert_eq!(std::fs::metadata(&path).unwrap().len(), last_start);
        // The WAL keeps working after recovery, and the numbering has no gap.
        let seq = wal.append(b"after").unwrap();
        assert_eq!(seq, all.len() as u64);
        drop(wal);
        let (_, got) = replay_only(copy.path()).unwrap();
        assert_eq!(got.last().unwrap(), b"after");
        assert_eq!(got.len(), all.len());
    }
}

/// In-memory check of the recovery rule for one flipped bit of a segment; returns what scanning
/// the damaged bytes decides.
fn scan_flipped(bytes: &[u8], newest: bool, at: usize, bit: u8) -> Result<(u64, bool), ScanError> {
    let mut damaged = bytes.to_vec();
    damaged[at] ^= 1 << bit;
    let mut n = 0u64;
    let s = scan_segment(&damaged, 3, None, newest, &mut |_| {
        n += 1;
        Ok(())
    })?;
    assert_eq!(n, s.records);
    Ok((s.records, s.torn.is_some()))
}

#[test]
fn every_single_bit_flip_is_corruption_or_a_cut_of_the_last_record() {
    let (dir, _, last_start) = three_segment_wal(4);
    let newest = std::fs::read(segment_files(dir.path()).pop().unwrap()).unwrap();
    let last_start = last_start as usize;
    for at in 0..newest.len() {
        for bit in 0..8 {
            // As the newest segment: only damage in the last record is a torn tail.
            let r = scan_flipped(&newest, true, at, bit);
            if at >= last_start {
                assert!(
                    matches!(r, Ok((3, true))),
                    "flip {at}.{bit} in last record: {r:?}"
                );
            } else {
                assert!(
                    matches!(r, Err(ScanError::Corrupt(_))),
                    "flip {at}.{bit}: {r:?}"
                );
            }
            // As a sealed segment: every flip is corruption.
            let r = scan_flipped(&newest, false, at, bit);
            assert!(
                matches!(r, Err(ScanError::Corrupt(_))),
                "sealed flip {at}.{bit}: {r:?}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Bit flips in real files at arbitrary offsets: open fails with `Corrupt` or cuts exactly the
    /// last record of the newest segment; it never panics and never skips a record silently.
    #[test]
    fn bit_flips_on_disk_never_panic_or_skip(file_pick in 0usize..3, pos in any::<prop::sample::Index>(), bit in 0u8..8) {
        let (dir, all, last_start) = three_segment_wal(3);
        let files = segment_files(dir.path());
        let target = &files[file_pick];
        let mut bytes = std::fs::read(target).unwrap();
        let at = pos.index(bytes.len());
        bytes[at] ^= 1 << bit;
        std::fs::write(target, &bytes).unwrap();
        match replay_only(dir.path()) {
            Ok((stats, got)) => {
                prop_assert!(file_pick == 2 && at as u64 >= last_start, "flip at {at} of file {file_pick} accepted");
                prop_assert_eq!(&got[..], &all[..all.len() - 1]);
                prop_assert!(stats.truncated_tail.is_some());
            }
            Err(WalError::Corrupt { path, .. }) => prop_assert_eq!(&path, target),
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }
}

#[test]
fn garbage_after_a_torn_record_is_still_a_tail_but_a_valid_record_is_not() {
    let (dir, all, last_start) = three_segment_wal(2);
    let newest = segment_files(dir.path()).pop().unwrap();
    let bytes = std::fs::read(&newest).unwrap();
    let last = bytes[last_start as usize..].to_vec();

    // Zeros after the last record (a power loss that extended the file but lost the data).
    let mut zeros = bytes.clone();
    zeros.extend(std::iter::repeat_n(0u8, 4096));
    std::fs::write(&newest, &zeros).unwrap();
    let (stats, got) = replay_only(dir.path()).unwrap();
    assert_eq!(got, all);
    assert_eq!(
        stats.truncated_tail,
        Some((newest.clone(), bytes.len() as u64))
    );

    // Damaged record followed by a valid record with the next sequence number: corruption.
    let (dir, _, last_start) = three_segment_wal(2);
    let newest = segment_files(dir.path()).pop().unwrap();
    let mut bytes = std::fs::read(&newest).unwrap();
    let mut next = last.clone();
    // Re-frame the copied last record with the next sequence number.
    let seq = u64::from_le_bytes(next[4..12].try_into().unwrap()) + 1;
    let mut h = crc32fast::Hasher::new();
    h.update(&next[FRAME_HEADER_LEN..]);
    next[..FRAME_HEADER_LEN].copy_from_slice(&format::encode_frame_header(seq, &h));
    bytes[last_start as usize + FRAME_HEADER_LEN] ^= 0xff;
    bytes.extend(next);
    std::fs::write(&newest, &bytes).unwrap();
    let err = replay_only(dir.path()).unwrap_err();
    assert!(
        matches!(&err, WalError::Corrupt { offset, reason, .. } if *offset == last_start && reason.contains("valid record follows")),
        "{err}"
    );
}

#[test]
fn bad_header_in_newest_segment_is_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let (wal, _, _) = open_collect(dir.path(), opts(SyncMode::None)).unwrap();
    wal.append(b"x").unwrap();
    drop(wal);
    let seg = segment_files(dir.path()).pop().unwrap();
    let f = std::fs::OpenOptions::new().write(true).open(&seg).unwrap();
    f.set_len(10).unwrap();
    drop(f);
    let err = replay_only(dir.path()).unwrap_err();
    assert!(
        matches!(&err, WalError::Corrupt { path, .. } if *path == seg),
        "{err}"
    );
}
