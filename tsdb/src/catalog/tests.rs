//! Behaviour tests of the whole catalog: round trips, restart, merge, concurrency, torn tails and
//! bit flips. Format-level property tests sit beside their encoders.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use proptest::prelude::*;

use super::format::{self, LOG_HEADER_LEN};
use super::log::{encode_frame, encode_header, replay};
use super::{CatalogError, CatalogOptions, SeriesCatalog};
use crate::model::SeriesId;

fn opts(cache: usize) -> CatalogOptions {
    CatalogOptions {
        cache_entries: cache,
        merge_threshold: 1 << 20,
    }
}

fn key(i: usize) -> String {
    format!(
        "email_latency,customer=c{},dc=ams{}",
        i * 7919 % 100_003,
        i % 3
    )
}

fn resolve(cat: &SeriesCatalog, keys: &[String]) -> Vec<u32> {
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    cat.resolve(&refs, &mut out).unwrap();
    out.into_iter().map(|s| s.0).collect()
}

/// Asserts the catalog holds exactly `keys`, key `i` with id `i`, through every read path.
fn assert_holds(cat: &SeriesCatalog, keys: &[String]) {
    assert_eq!(cat.len() as usize, keys.len());
    for (i, k) in keys.iter().enumerate() {
        assert_eq!(cat.get(k).unwrap(), Some(SeriesId(i as u32)), "get {k}");
        assert_eq!(
            cat.key(SeriesId(i as u32)).unwrap().as_deref(),
            Some(k.as_str()),
            "key {i}"
        );
    }
    assert_eq!(cat.key(SeriesId(keys.len() as u32)).unwrap(), None);
    let mut seen = Vec::new();
    cat.for_each(&mut |id, k| seen.push((id.0, k.to_owned())))
        .unwrap();
    let expect: Vec<(u32, String)> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (i as u32, k.clone()))
        .collect();
    assert_eq!(seen, expect);
}

#[test]
fn resolve_get_key_round_trip_with_duplicates_in_batch() {
    let dir = tempfile::tempdir().unwrap();
    let cat = SeriesCatalog::open(dir.path(), opts(16)).unwrap();
    assert!(cat.is_empty());
    let batch = [
        "b".to_owned(),
        "a".to_owned(),
        "b".to_owned(),
        "c".to_owned(),
        "a".to_owned(),
    ];
    let refs: Vec<&str> = batch.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    assert_eq!(cat.resolve(&refs, &mut out).unwrap(), 3);
    assert_eq!(
        out,
        vec![
            SeriesId(0),
            SeriesId(1),
            SeriesId(0),
            SeriesId(2),
            SeriesId(1)
        ]
    );
    assert_eq!(cat.resolve(&refs, &mut out).unwrap(), 0);
    assert_eq!(out.len(), 5);
    assert_holds(&cat, &["b".to_owned(), "a".to_owned(), "c".to_owned()]);
    assert_eq!(cat.get("zzz").unwrap(), None);
}

#[test]
fn ids_dense_and_stable_across_restarts_and_merges() {
    let dir = tempfile::tempdir().unwrap();
    let keys: Vec<String> = (0..300).map(key).collect();
    {
        let cat = SeriesCatalog::open(dir.path(), opts(8)).unwrap();
        assert_eq!(resolve(&cat, &keys[..100]), (0..100).collect::<Vec<_>>());
        assert!(cat.maybe_merge(true).unwrap());
        assert!(!cat.maybe_merge(true).unwrap(), "nothing left to merge");
        assert_eq!(resolve(&cat, &keys[..200]), (0..200).collect::<Vec<_>>());
        cat.sync().unwrap();
        assert_holds(&cat, &keys[..200]);
    }
    {
        let cat = SeriesCatalog::open(dir.path(), opts(8)).unwrap();
        assert_holds(&cat, &keys[..200]);
        assert!(cat.maybe_merge(true).unwrap());
        assert_holds(&cat, &keys[..200]);
        assert_eq!(resolve(&cat, &keys), (0..300).collect::<Vec<_>>());
    }
    let cat = SeriesCatalog::open(dir.path(), opts(8)).unwrap();
    assert_holds(&cat, &keys);
    // Only the live files remain.
    let names: HashSet<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");
}

#[test]
fn merge_threshold_decides_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let cat = SeriesCatalog::open(
        dir.path(),
        CatalogOptions {
            cache_entries: 4,
            merge_threshold: 10,
        },
    )
    .unwrap();
    resolve(&cat, &(0..9).map(key).collect::<Vec<_>>());
    assert!(!cat.maybe_merge(false).unwrap());
    resolve(&cat, &(0..10).map(key).collect::<Vec<_>>());
    assert!(cat.maybe_merge(false).unwrap());
}

#[test]
fn unsynced_keys_are_lost_in_a_crash_and_synced_ones_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let cat = SeriesCatalog::open(dir.path(), opts(8)).unwrap();
    resolve(&cat, &["a".to_owned()]);
    cat.sync().unwrap();
    resolve(&cat, &["b".to_owned()]);
    std::mem::forget(cat); // a crash: no final sync
    let cat = SeriesCatalog::open(dir.path(), opts(8)).unwrap();
    assert_holds(&cat, &["a".to_owned()]);
    assert_eq!(resolve(&cat, &["c".to_owned()]), vec![1]);
}

#[test]
fn evicted_keys_are_found_in_the_segment_after_merge_with_small_cache() {
    let dir = tempfile::tempdir().unwrap();
    let cat = SeriesCatalog::open(dir.path(), opts(10)).unwrap();
    let keys: Vec<String> = (0..1000).map(key).collect();
    resolve(&cat, &keys);
    assert!(cat.maybe_merge(true).unwrap());
    assert_eq!(cat.cached_entries(), 0);
    for round in 0..2 {
        assert_eq!(
            resolve(&cat, &keys),
            (0..1000).collect::<Vec<_>>(),
            "round {round}"
        );
        assert!(cat.cached_entries() <= 10);
    }
    assert_eq!(cat.cached_entries(), 10);
    assert_holds(&cat, &keys);
    assert_eq!(cat.len(), 1000);
}

#[test]
fn concurrent_resolve_during_merges_gives_each_key_one_id() {
    let dir = tempfile::tempdir().unwrap();
    let cat = Arc::new(
        SeriesCatalog::open(
            dir.path(),
            CatalogOptions {
                cache_entries: 64,
                merge_threshold: 50,
            },
        )
        .unwrap(),
    );
    let keys: Arc<Vec<String>> = Arc::new((0..2000).map(key).collect());
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (cat, keys) = (Arc::clone(&cat), Arc::clone(&keys));
            std::thread::spawn(move || {
                let mut got = HashMap::new();
                // Each thread walks the keys in its own order and batch size.
                let order: Vec<usize> = (0..keys.len())
                    .map(|i| (i * [1, 3, 7, 9][t] + t * 17) % keys.len())
                    .collect();
                for chunk in order.chunks(13 + t * 7) {
                    let batch: Vec<&str> = chunk.iter().map(|&i| keys[i].as_str()).collect();
                    let mut out = Vec::new();
                    cat.resolve(&batch, &mut out).unwrap();
                    for (&i, id) in chunk.iter().zip(out) {
                        assert_eq!(*got.entry(i).or_insert(id), id);
                    }
                    cat.maybe_merge(false).unwrap();
                }
                got
            })
        })
        .collect();
    let maps: Vec<HashMap<usize, SeriesId>> =
        threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(cat.len() as usize, keys.len());
    let mut ids = HashSet::new();
    for i in 0..keys.len() {
        let id = maps[0][&i];
        assert!(
            maps.iter().all(|m| m[&i] == id),
            "key {i} got different ids"
        );
        assert!(ids.insert(id), "id {id:?} given twice");
        assert_eq!(cat.key(id).unwrap().as_deref(), Some(keys[i].as_str()));
    }
    cat.sync().unwrap();
    let by_id: Vec<String> = {
        let mut v = vec![String::new(); keys.len()];
        for i in 0..keys.len() {
            v[maps[0][&i].0 as usize] = keys[i].clone();
        }
        v
    };
    drop(cat);
    let cat = SeriesCatalog::open(dir.path(), opts(16)).unwrap();
    assert_holds(&cat, &by_id);
}

#[test]
fn a_log_rotated_by_an_unfinished_merge_is_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let cat = SeriesCatalog::open(dir.path(), opts(8)).unwrap();
    resolve(&cat, &["a".to_owned(), "b".to_owned()]);
    cat.rotate_only().unwrap(); // step (A) only: then the "crash"
    resolve(&cat, &["c".to_owned()]);
    cat.sync().unwrap();
    drop(cat);
    let cat = SeriesCatalog::open(dir.path(), opts(8)).unwrap();
    let keys = ["a".to_owned(), "b".to_owned(), "c".to_owned()];
    assert_holds(&cat, &keys);
    assert!(cat.maybe_merge(true).unwrap());
    assert_holds(&cat, &keys);
}

#[test]
fn stale_files_are_removed_at_open() {
    let dir = tempfile::tempdir().unwrap();
    drop(SeriesCatalog::open(dir.path(), opts(8)).unwrap());
    for name in [
        format::fst_name(99),
        format::log_name(98),
        "seg-0000000000000005.ids.tmp".to_owned(),
    ] {
        std::fs::write(dir.path().join(&name), b"junk").unwrap();
    }
    std::fs::write(dir.path().join("unrelated.txt"), b"keep").unwrap();
    drop(SeriesCatalog::open(dir.path(), opts(8)).unwrap());
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            "MANIFEST".to_owned(),
            format::log_name(1),
            "unrelated.txt".to_owned()
        ]
    );
}

#[test]
fn too_long_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cat = SeriesCatalog::open(dir.path(), opts(8)).unwrap();
    let long = "x".repeat(format::MAX_KEY_LEN + 1);
    let mut out = Vec::new();
    assert!(matches!(
        cat.resolve(&[&long], &mut out),
        Err(CatalogError::KeyTooLong { .. })
    ));
    assert!(cat.is_empty());
}

/// The single live log file of a catalog directory.
fn live_log(dir: &Path) -> PathBuf {
    let mut logs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    assert_eq!(logs.len(), 1);
    logs.remove(0)
}

#[test]
fn torn_log_tail_is_cut_at_every_byte_of_the_last_entry() {
    let dir = tempfile::tempdir().unwrap();
    let keys: Vec<String> = ["m,a=1", "m,a=2", "m,a=three"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    drop({
        let cat = SeriesCatalog::open(dir.path(), opts(8)).unwrap();
        resolve(&cat, &keys);
        cat
    });
    let log = live_log(dir.path());
    let full = std::fs::read(&log).unwrap();
    let last_start = full.len() - 8 - keys[2].len();
    for cut in last_start..full.len() {
        std::fs::write(&log, &full[..cut]).unwrap();
        let cat = SeriesCatalog::open(dir.path(), opts(8)).unwrap();
        assert_holds(&cat, &keys[..2]);
        assert_eq!(
            std::fs::metadata(&log).unwrap().len(),
            last_start as u64,
            "cut at {cut}"
        );
        // The id is handed out again, and the log stays clean after the cut.
        assert_eq!(resolve(&cat, &keys[2..]), vec![2]);
        drop(cat);
        assert_holds(&SeriesCatalog::open(dir.path(), opts(8)).unwrap(), &keys);
    }
    // A tail of zeros (space the file system extended but never filled) is torn too.
    let mut zeros = full.clone();
    zeros.extend_from_slice(&[0; 100]);
    std::fs::write(&log, &zeros).unwrap();
    assert_holds(&SeriesCatalog::open(dir.path(), opts(8)).unwrap(), &keys);
}

#[test]
fn corruption_in_the_middle_of_the_log_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    drop({
        let cat = SeriesCatalog::open(dir.path(), opts(8)).unwrap();
        resolve(
            &cat,
            &["m,a=1".to_owned(), "m,a=2".to_owned(), "m,a=3".to_owned()],
        );
        cat
    });
    let log = live_log(dir.path());
    let mut b = std::fs::read(&log).unwrap();
    b[LOG_HEADER_LEN + 8 + 2] ^= 0x01; // a key byte of the first entry
    std::fs::write(&log, &b).unwrap();
    match SeriesCatalog::open(dir.path(), opts(8)) {
        Err(CatalogError::Corrupt { path, reason }) => {
            assert_eq!(path, log);
            assert!(
                reason.contains(&format!("byte {LOG_HEADER_LEN}")),
                "{reason}"
            );
        }
        other => panic!("expected Corrupt, got {:?}", other.err()),
    }
}

/// Flips every bit of `file` in turn, opening the catalog each time: `check` sees the outcome.
fn flip_every_bit(
    dir: &Path,
    file: &Path,
    mut check: impl FnMut(usize, Result<SeriesCatalog, CatalogError>),
) {
    let orig = std::fs::read(file).unwrap();
    let others: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect();
    for bit in 0..orig.len() * 8 {
        let mut b = orig.clone();
        b[bit / 8] ^= 1 << (bit % 8);
        std::fs::write(file, &b).unwrap();
        let r = SeriesCatalog::open(dir, opts(8));
        if let Ok(cat) = &r {
            std::mem::forget(cat.for_each(&mut |_, _| {})); // reads every key
        }
        check(bit, r);
        // Restore the whole directory (an open may cut a log or remove files).
        for (p, bytes) in &others {
            std::fs::write(p, bytes).unwrap();
        }
    }
}

fn merged_and_logged(dir: &Path) -> Vec<String> {
    let keys: Vec<String> = [
        "cpu,host=a",
        "cpu,host=b",
        "mem,host=a",
        "mem,host=b",
        "disk,host=a",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let cat = SeriesCatalog::open(dir, opts(8)).unwrap();
    resolve(&cat, &keys[..3]);
    cat.maybe_merge(true).unwrap();
    resolve(&cat, &keys);
    cat.sync().unwrap();
    keys
}

fn file_with_ext(dir: &Path, ext: &str) -> PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.extension().is_some_and(|e| e == ext) || p.file_name().is_some_and(|n| n == ext)
        })
        .unwrap()
}

#[test]
fn bit_flips_in_segment_files_and_manifest_are_clean_errors() {
    let dir = tempfile::tempdir().unwrap();
    merged_and_logged(dir.path());
    for ext in ["fst", "ids", "MANIFEST"] {
        let file = file_with_ext(dir.path(), ext);
        flip_every_bit(dir.path(), &file, |bit, r| match r {
            Err(
                CatalogError::Corrupt { .. }
                | CatalogError::UnsupportedVersion { .. }
                | CatalogError::Io { .. },
            ) => {}
            Err(e) => panic!("{ext} bit {bit}: unexpected error {e}"),
            Ok(_) => panic!("{ext} bit {bit}: corruption went unnoticed"),
        });
    }
}

#[test]
fn bit_flips_in_the_log_are_errors_or_clean_tail_cuts() {
    let dir = tempfile::tempdir().unwrap();
    let keys = merged_and_logged(dir.path());
    let log = file_with_ext(dir.path(), "log");
    let log_len = std::fs::read(&log).unwrap().len();
    let last_frame = log_len - 8 - keys[4].len();
    flip_every_bit(dir.path(), &log, |bit, r| match r {
        Err(CatalogError::Corrupt { .. } | CatalogError::UnsupportedVersion { .. }) => {}
        Err(e) => panic!("log bit {bit}: unexpected error {e}"),
        Ok(cat) => {
            // Only a flip in the last entry may be read as a torn tail.
            assert!(
                bit / 8 >= last_frame,
                "log bit {bit} (byte {}) accepted",
                bit / 8
            );
            assert_holds(&cat, &keys[..4]);
        }
    });
}

proptest! {
    #[test]
    fn log_frames_round_trip_and_every_truncation_is_a_prefix(
        keys in proptest::collection::vec("[a-z=,\\\\ é]{0,20}", 0..8),
        cut_frac in 0.0f64..1.0,
    ) {
        let mut buf = encode_header(5, 3);
        let mut ends = Vec::new();
        for k in &keys {
            encode_frame(k, &mut buf);
            ends.push(buf.len());
        }
        let mut got = Vec::new();
        let r = replay(Path::new("l"), &buf, 3, |k| { got.push(k.to_owned()); Ok(()) }).unwrap();
        prop_assert_eq!(&got, &keys);
        prop_assert_eq!(r.base_id, 5);
        prop_assert!(!r.torn);

        let cut = LOG_HEADER_LEN + ((buf.len() - LOG_HEADER_LEN) as f64 * cut_frac) as usize;
        let mut got = Vec::new();
        let r = replay(Path::new("l"), &buf[..cut], 3, |k| { got.push(k.to_owned()); Ok(()) }).unwrap();
        let whole = ends.iter().filter(|&&e| e <= cut).count();
        prop_assert_eq!(&got[..], &keys[..whole]);
        prop_assert_eq!(r.torn, !ends.contains(&cut) && cut != LOG_HEADER_LEN);
    }
}
