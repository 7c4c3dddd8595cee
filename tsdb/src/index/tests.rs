//! Index tests against models: `TagPredicate::matches` for `series`, a `BTreeSet` for `tag_values`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use proptest::prelude::*;
use roaring::RoaringBitmap;

use super::*;
use crate::model::series_key;

type Tags = Vec<(String, String)>;

#[derive(Clone, Debug)]
struct Series {
    id: u32,
    m: String,
    tags: Tags,
}

fn key(s: &Series) -> String {
    series_key(&s.m, &s.tags)
}

fn insert_all(idx: &SeriesIndex, series: &[Series]) {
    let keys: Vec<String> = series.iter().map(key).collect();
    let batch: Vec<(u32, &str)> = series
        .iter()
        .zip(&keys)
        .map(|(s, k)| (s.id, k.as_str()))
        .collect();
    idx.insert(&batch).expect("insert");
}

fn re(p: &str) -> TagRegex {
    TagRegex::new(p).expect("valid regex")
}

fn opts() -> IndexOptions {
    IndexOptions {
        mutable_max_postings: usize::MAX,
        max_segments: 2,
    }
}

fn model(series: &[Series], live: &RoaringBitmap, m: &str, p: &TagPredicate) -> RoaringBitmap {
    series
        .iter()
        .filter(|s| s.m == m && live.contains(s.id) && p.matches(&s.tags))
        .map(|s| s.id)
        .collect()
}

const KEYS: [&str; 3] = ["dc", "host", "region"];
const VALUES: [&str; 6] = ["a", "b/c", "A", "ab", "b", "z,y"];
const PATTERNS: [&str; 10] = [
    "^(a|b/c)$",
    "a",
    "(?i)^a$",
    "^$",
    ".*",
    "b$",
    "^[^a]",
    "/",
    r"\bab\b",
    "y",
];

fn series_set() -> impl Strategy<Value = Vec<Series>> {
    let one = (
        prop::sample::select(vec!["cpu", "mem"]),
        prop::collection::btree_map(
            prop::sample::select(KEYS.to_vec()),
            prop::sample::select(VALUES.to_vec()),
            0..3,
        ),
    );
    prop::collection::vec(one, 1..40).prop_map(|v| {
        let mut seen = BTreeSet::new();
        v.into_iter()
            .filter_map(|(m, tags)| {
                let tags: Tags = tags
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                seen.insert((m, tags.clone()))
                    .then(|| (m.to_string(), tags))
            })
            .enumerate()
            .map(|(i, (m, tags))| Series {
                id: i as u32 * 3 + 1,
                m,
                tags,
            })
            .collect()
    })
}

fn leaf() -> impl Strategy<Value = TagPredicate> {
    let k = prop::sample::select(KEYS.to_vec()).prop_map(String::from);
    let v = prop::sample::select(["a", "b/c", "", "nope", "A"].to_vec()).prop_map(String::from);
    let p = prop::sample::select(PATTERNS.to_vec()).prop_map(re);
    prop_oneof![
        Just(TagPredicate::All),
        (k.clone(), v.clone()).prop_map(|(k, v)| TagPredicate::Eq(k, v)),
        (k.clone(), v).prop_map(|(k, v)| TagPredicate::Ne(k, v)),
        (k.clone(), p.clone()).prop_map(|(k, r)| TagPredicate::Regex(k, r)),
        (k, p).prop_map(|(k, r)| TagPredicate::NotRegex(k, r)),
    ]
}

fn predicate() -> impl Strategy<Value = TagPredicate> {
    leaf().prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| TagPredicate::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| TagPredicate::Or(Box::new(a), Box::new(b))),
        ]
    })
}

fn check_all(
    idx: &SeriesIndex,
    series: &[Series],
    live: &RoaringBitmap,
    preds: &[TagPredicate],
    stage: &str,
) -> Result<(), TestCaseError> {
    for m in ["cpu", "mem", "absent"] {
        for p in preds {
            let got = idx.series(m, p).expect("series") & live;
            let want = model(series, live, m, p);
            prop_assert_eq!(got, want, "{} m={} p={:?}", stage, m, p);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn series_agrees_with_the_predicate_model_across_flush_merge_and_reopen(
        series in series_set(),
        preds in prop::collection::vec(predicate(), 1..8),
        split in 0usize..40,
        dead_mask in any::<u64>(),
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let all: RoaringBitmap = series.iter().map(|s| s.id).collect();
        let split = split.min(series.len());
        {
            let idx = SeriesIndex::open(dir.path(), opts()).expect("open");
            insert_all(&idx, &series[..split]);
            check_all(&idx, &series[..split], &all, &preds, "mutable")?;
            idx.maintain(&all, true).expect("flush");
            insert_all(&idx, &series[split..]);
            check_all(&idx, &series, &all, &preds, "segment + mutable")?;
            idx.maintain(&all, true).expect("flush + merge");
            check_all(&idx, &series, &all, &preds, "merged")?;
        }
        let live: RoaringBitmap = series
            .iter()
            .filter(|s| dead_mask & (1 << (s.id % 64)) == 0)
            .map(|s| s.id)
            .collect();
        let idx = SeriesIndex::open(dir.path(), opts()).expect("reopen");
        prop_assert_eq!(idx.indexed(), all.clone());
        check_all(&idx, &series, &all, &preds, "reopened")?;
        idx.maintain(&live, true).expect("purge");
        prop_assert_eq!(idx.indexed(), live.clone());
        // Not intersected with `live`: the index itself no longer holds dead ids.
        for m in ["cpu", "mem"] {
            prop_assert!(idx.measurement_series(m).is_subset(&live));
            for p in &preds {
                let got = idx.series(m, p).expect("series");
                prop_assert_eq!(got, model(&series, &live, m, p), "purged m={} p={:?}", m, p);
            }
        }
    }

    #[test]
    fn tag_values_agree_with_a_sorted_set_model(
        series in series_set(),
        pattern in prop::option::of(prop::sample::select(PATTERNS.to_vec())),
        split in 0usize..40,
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let idx = SeriesIndex::open(dir.path(), opts()).expect("open");
        let all: RoaringBitmap = series.iter().map(|s| s.id).collect();
        let split = split.min(series.len());
        insert_all(&idx, &series[..split]);
        idx.maintain(&all, true).expect("flush");
        insert_all(&idx, &series[split..]);
        let filter = pattern.map(re);
        for m in ["cpu", "mem"] {
            for k in KEYS {
                let mut want: BTreeMap<&str, RoaringBitmap> = BTreeMap::new();
                for s in series.iter().filter(|s| s.m == m) {
                    for (tk, tv) in &s.tags {
                        if tk == k && filter.as_ref().is_none_or(|r| r.is_match(tv)) {
                            want.entry(tv.as_str()).or_default().insert(s.id);
                        }
                    }
                }
                let mut got = BTreeMap::new();
                idx.tag_values(m, k, filter.as_ref(), &mut |v, ids| {
                    got.insert(v.to_string(), ids.clone());
                    true
                }).expect("tag_values");
                let want: BTreeMap<String, RoaringBitmap> =
                    want.into_iter().map(|(v, ids)| (v.to_string(), ids)).collect();
                prop_assert_eq!(&got, &want);
                if filter.is_none() {
                    prop_assert_eq!(idx.value_count(m, k), want.len() as u64);
                }
            }
        }
    }
}

fn sample(dir: &Path) -> (SeriesIndex, Vec<Series>) {
    let idx = SeriesIndex::open(dir, opts()).expect("open");
    let series: Vec<Series> = [
        ("cpu", vec![("host", "a"), ("dc", "ams")]),
        ("cpu", vec![("host", "b/c"), ("dc", "fra")]),
        ("cpu", vec![("host", "B/C")]),
        ("cpu", vec![("host", "ab")]),
        ("mem", vec![("host", "a")]),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (m, tags))| Series {
        id: i as u32,
        m: m.to_string(),
        tags: tags
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    })
    .collect();
    insert_all(&idx, &series);
    (idx, series)
}

fn values(idx: &SeriesIndex, m: &str, k: &str, filter: Option<&TagRegex>) -> Vec<String> {
    let mut out = Vec::new();
    idx.tag_values(m, k, filter, &mut |v, _| {
        out.push(v.to_string());
        true
    })
    .expect("tag_values");
    out
}

fn ids(v: &[u32]) -> RoaringBitmap {
    v.iter().copied().collect()
}

#[test]
fn grafana_multi_value_regex_and_case_insensitive_flag() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (idx, _) = sample(dir.path());
    for stage in ["mutable", "segment"] {
        let grafana = re("^(a|b/c)$");
        assert_eq!(
            values(&idx, "cpu", "host", Some(&grafana)),
            ["a", "b/c"],
            "{stage}"
        );
        let p = TagPredicate::Regex("host".into(), grafana);
        assert_eq!(
            idx.series("cpu", &p).expect("series"),
            ids(&[0, 1]),
            "{stage}"
        );
        let ci = re("(?i)^b/c$");
        assert_eq!(
            values(&idx, "cpu", "host", Some(&ci)),
            ["B/C", "b/c"],
            "{stage}"
        );
        idx.maintain(&ids(&[0, 1, 2, 3, 4]), true).expect("flush");
    }
}

#[test]
fn schema_reads_and_early_stop() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (idx, _) = sample(dir.path());
    idx.maintain(&ids(&[0, 1, 2, 3, 4]), true).expect("flush");
    idx.insert(&[(7, "disk,path=/")]).expect("insert");
    assert_eq!(idx.measurements(), ["cpu", "disk", "mem"]);
    assert_eq!(idx.measurement_series("cpu"), ids(&[0, 1, 2, 3]));
    let keys = idx.tag_keys("cpu");
    assert_eq!(
        keys,
        vec![
            ("dc".to_string(), ids(&[0, 1])),
            ("host".to_string(), ids(&[0, 1, 2, 3]))
        ]
    );
    assert!(idx.has_value("cpu", "host", "b/c"));
    assert!(!idx.has_value("cpu", "host", "b"));
    assert!(idx.has_value("disk", "path", "/"));
    assert_eq!(idx.value_count("cpu", "host"), 4);
    let mut seen = Vec::new();
    idx.tag_values("cpu", "host", None, &mut |v, _| {
        seen.push(v.to_string());
        seen.len() < 2
    })
    .expect("tag_values");
    assert_eq!(seen, ["B/C", "a"]);
    assert!(idx.contains(7) && idx.contains(0) && !idx.contains(5));
    // Escaped keys: the index holds unescaped names.
    idx.insert(&[(8, r"we\ ird\,m,k\=1=v\ 1")]).expect("insert");
    assert_eq!(values(&idx, "we ird,m", "k=1", None), ["v 1"]);
}

#[test]
fn regex_without_dfa_falls_back_to_filtering() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (idx, _) = sample(dir.path());
    let r = re(r"\bab\b");
    assert!(
        r.dfa().is_none(),
        "unicode word boundaries have no dense DFA"
    );
    assert_eq!(values(&idx, "cpu", "host", Some(&r)), ["ab"]);
    idx.maintain(&ids(&[0, 1, 2, 3, 4]), true).expect("flush");
    assert_eq!(values(&idx, "cpu", "host", Some(&r)), ["ab"]);
}

#[test]
fn merges_drop_ids_outside_live_and_empty_terms() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (idx, _) = sample(dir.path());
    idx.maintain(&ids(&[0, 1, 2, 3, 4]), true).expect("flush");
    idx.insert(&[(5, "cpu,host=x")]).expect("insert");
    // The flush of id 5 and the merge both see a live set without 1 and 5.
    let live = ids(&[0, 2, 3, 4]);
    assert!(idx.maintain(&live, true).expect("maintain"));
    assert_eq!(idx.indexed(), live);
    assert_eq!(values(&idx, "cpu", "host", None), ["B/C", "a", "ab"]);
    assert_eq!(values(&idx, "cpu", "dc", None), ["ams"]);
    assert!(!idx.has_value("cpu", "host", "x"));
    // At a fixed point nothing changes any more.
    assert!(!idx.maintain(&live, true).expect("maintain"));
    // Everything dead: the index becomes empty, with no segment file left.
    assert!(idx.maintain(&RoaringBitmap::new(), true).expect("maintain"));
    assert!(idx.measurements().is_empty());
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .expect("read_dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    assert_eq!(files, ["MANIFEST"]);
}

#[test]
fn thresholds_trigger_flush_and_merge() {
    let dir = tempfile::tempdir().expect("tempdir");
    let idx = SeriesIndex::open(
        dir.path(),
        IndexOptions {
            mutable_max_postings: 4,
            max_segments: 2,
        },
    )
    .expect("open");
    let live: RoaringBitmap = (0..100).collect();
    idx.insert(&[(0, "cpu,host=a")]).expect("insert"); // 3 postings
    assert!(!idx.maintain(&live, false).expect("maintain"));
    for i in 1..4u32 {
        let key = format!("cpu,dc=x,host=h{i}"); // 5 postings
        idx.insert(&[(i, key.as_str())]).expect("insert");
        assert!(idx.maintain(&live, false).expect("maintain"), "flush {i}");
    }
    // Three flushes with max_segments = 2: the third triggered a merge into one segment.
    assert_eq!(idx.snapshot().segments.len(), 1);
    assert_eq!(idx.measurement_series("cpu"), ids(&[0, 1, 2, 3]));
}

#[test]
fn inserts_into_a_frozen_layer_set_are_not_lost() {
    let dir = tempfile::tempdir().expect("tempdir");
    let idx = SeriesIndex::open(dir.path(), opts()).expect("open");
    idx.insert(&[(1, "cpu,host=a")]).expect("insert");
    // A reader snapshot taken before the freeze, as a concurrent query would hold.
    let before = idx.snapshot();
    idx.freeze();
    idx.insert(&[(2, "cpu,host=b"), (1, "cpu,host=a")])
        .expect("insert");
    assert_eq!(
        before.mutable().read().ids(),
        &ids(&[1]),
        "sealed layer unchanged"
    );
    assert_eq!(idx.measurement_series("cpu"), ids(&[1, 2]));
    let live = ids(&[1, 2, 3]);
    // maintain writes the frozen layer (and, forced, the new mutable one).
    assert!(idx.maintain(&live, false).expect("write frozen"));
    assert_eq!(idx.snapshot().segments.len(), 1);
    assert_eq!(idx.measurement_series("cpu"), ids(&[1, 2]));
    // Series 1 was inserted again after the freeze: re-inserts are kept (see `insert`).
    assert_eq!(idx.snapshot().mutable().read().ids(), &ids(&[1, 2]));
}

#[test]
fn concurrent_inserts_during_maintain_are_not_lost() {
    let dir = tempfile::tempdir().expect("tempdir");
    let idx = SeriesIndex::open(
        dir.path(),
        IndexOptions {
            mutable_max_postings: 64,
            max_segments: 2,
        },
    )
    .expect("open");
    let n = 2000u32;
    let live: RoaringBitmap = (0..n).collect();
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            for chunk in (0..n).collect::<Vec<_>>().chunks(10) {
                let keys: Vec<String> = chunk.iter().map(|i| format!("m,k=v{i}")).collect();
                let batch: Vec<(u32, &str)> = chunk
                    .iter()
                    .zip(&keys)
                    .map(|(&i, k)| (i, k.as_str()))
                    .collect();
                idx.insert(&batch).expect("insert");
            }
            done.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            idx.maintain(&live, false).expect("maintain");
        }
    });
    idx.maintain(&live, true).expect("final maintain");
    assert_eq!(idx.indexed(), live);
    assert_eq!(idx.measurement_series("m"), live);
    assert_eq!(idx.value_count("m", "k"), u64::from(n));
}

fn flushed_index(dir: &Path) -> std::path::PathBuf {
    let (idx, _) = sample(dir);
    idx.maintain(&ids(&[0, 1, 2, 3, 4]), true).expect("flush");
    let seg = idx.snapshot().segments[0].path.clone();
    drop(idx);
    seg
}

fn expect_corrupt(dir: &Path, what: &str, name: &str) {
    match SeriesIndex::open(dir, opts()) {
        Err(e @ IndexError::Corrupt { .. }) => {
            assert!(e.to_string().contains(name), "{what}: {e}")
        }
        Err(e) => panic!("{what}: expected a corruption error, got {e}"),
        Ok(_) => panic!("{what}: corrupt file accepted"),
    }
}

#[test]
fn corrupt_or_truncated_segments_are_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let seg = flushed_index(dir.path());
    let name = seg
        .file_name()
        .and_then(|n| n.to_str())
        .expect("name")
        .to_string();
    let good = std::fs::read(&seg).expect("read");
    let step = (good.len() / 97).max(1);
    for i in (0..good.len()).step_by(step) {
        let mut b = good.clone();
        b[i] ^= 0x41;
        std::fs::write(&seg, &b).expect("write");
        expect_corrupt(dir.path(), &format!("flip at {i}"), &name);
    }
    for cut in [0, 10, 16, 40, good.len() / 2, good.len() - 1] {
        std::fs::write(&seg, &good[..cut]).expect("write");
        expect_corrupt(dir.path(), &format!("cut at {cut}"), &name);
    }
    std::fs::write(&seg, &good).expect("write");
    let idx = SeriesIndex::open(dir.path(), opts()).expect("intact file opens");
    assert_eq!(idx.measurement_series("cpu"), ids(&[0, 1, 2, 3]));
}

#[test]
fn corrupt_manifest_is_rejected_and_unknown_files_are_removed() {
    let dir = tempfile::tempdir().expect("tempdir");
    flushed_index(dir.path());
    let stray = dir.path().join("0000000000000063.tsi.tmp");
    std::fs::write(&stray, b"half a segment").expect("write");
    let old = dir.path().join("0000000000000063.tsi");
    std::fs::write(&old, b"merged away").expect("write");
    let manifest = dir.path().join("MANIFEST");
    let good = std::fs::read(&manifest).expect("read");
    for i in 0..good.len() {
        let mut b = good.clone();
        b[i] ^= 0x08;
        std::fs::write(&manifest, &b).expect("write");
        expect_corrupt(dir.path(), &format!("manifest flip at {i}"), "MANIFEST");
    }
    std::fs::write(&manifest, &good[..good.len() - 3]).expect("write");
    expect_corrupt(dir.path(), "manifest cut", "MANIFEST");
    assert!(
        stray.exists() && old.exists(),
        "nothing removed while the manifest is bad"
    );
    std::fs::write(&manifest, &good).expect("write");
    let idx = SeriesIndex::open(dir.path(), opts()).expect("open");
    assert!(!stray.exists() && !old.exists());
    assert_eq!(idx.measurement_series("mem"), ids(&[4]));
}

#[test]
fn missing_segment_named_by_the_manifest_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let seg = flushed_index(dir.path());
    std::fs::remove_file(&seg).expect("remove");
    assert!(matches!(
        SeriesIndex::open(dir.path(), opts()),
        Err(IndexError::Io { .. })
    ));
}

/// The engine's use: the live set is read after the freeze; a series created (and inserted) while
/// maintain runs is kept even though that live set does not name it, and a dropped series written
/// again is indexed again even while an older layer still holds it.
#[test]
fn live_set_is_read_after_the_freeze_and_reinserts_survive_purges() {
    let dir = tempfile::tempdir().expect("tempdir");
    let idx = SeriesIndex::open(dir.path(), opts()).expect("open");
    idx.insert(&[(1, "cpu,host=a"), (2, "cpu,host=b")])
        .expect("insert");
    let changed = idx
        .maintain_with(
            &|| {
                // A writer arriving after the freeze: its series goes to the new mutable layer.
                idx.insert(&[(3, "cpu,host=c")]).expect("insert");
                ids(&[1, 2])
            },
            true,
            false,
        )
        .expect("maintain");
    assert!(changed);
    assert_eq!(idx.measurement_series("cpu"), ids(&[1, 2, 3]));
    // Series 1 dropped (not live), then written again before the purge reads the live set.
    let changed = idx
        .maintain_with(
            &|| {
                idx.insert(&[(1, "cpu,host=a")]).expect("re-insert");
                ids(&[2, 3])
            },
            true,
            true,
        )
        .expect("purge");
    assert!(changed);
    assert_eq!(idx.measurement_series("cpu"), ids(&[1, 2, 3]));
    assert_eq!(values(&idx, "cpu", "host", None), ["a", "b", "c"]);
}
