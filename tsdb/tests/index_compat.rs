//! Old series-index directories keep opening: `fixtures/index-v1/` was written by format version 1
//! (two segments, ids 0..40 and 40..60, deliberately not merged so a reader must union them).
//! `expected.txt` lists the answers of a few reads (measurements, keys, values, regex, predicate).
//!
//! Regenerate (only when deliberately adding a new fixture version, never to paper over a break):
//! `cargo test -p tsdb --test index_compat -- --ignored regenerate_fixture`

use std::path::{Path, PathBuf};

use roaring::RoaringBitmap;
use tsdb::TagPredicate;
use tsdb::index::{IndexOptions, SeriesIndex, TagRegex};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/index-v1")
}

fn keys(range: std::ops::Range<u32>) -> Vec<(u32, String)> {
    range
        .map(|i| {
            (
                i,
                format!(
                    "email_latency,customer=c{},dc={},host=mx{}",
                    i * 37 % 101,
                    ["ams1", "fra2"][(i % 2) as usize],
                    i % 7
                ),
            )
        })
        .collect()
}

fn opts() -> IndexOptions {
    IndexOptions {
        mutable_max_postings: usize::MAX,
        max_segments: 8,
    }
}

/// What the fixture must answer, as text lines.
fn answers(idx: &SeriesIndex) -> Vec<String> {
    let mut out = Vec::new();
    out.push(format!("measurements {:?}", idx.measurements()));
    let keys: Vec<String> = idx
        .tag_keys("email_latency")
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    out.push(format!("keys {keys:?}"));
    let mut hosts = Vec::new();
    idx.tag_values("email_latency", "host", None, &mut |v, ids| {
        hosts.push(format!("{v}:{}", ids.len()));
        true
    })
    .expect("read");
    out.push(format!("hosts {hosts:?}"));
    let re = TagRegex::new("^c(1|2)").expect("read");
    let mut customers = Vec::new();
    idx.tag_values("email_latency", "customer", Some(&re), &mut |v, _| {
        customers.push(v.to_string());
        true
    })
    .expect("read");
    out.push(format!("customers /^c(1|2)/ {customers:?}"));
    let pred = TagPredicate::And(
        Box::new(TagPredicate::Eq("dc".into(), "ams1".into())),
        Box::new(TagPredicate::Ne("host".into(), "mx3".into())),
    );
    let ids: Vec<u32> = idx
        .series("email_latency", &pred)
        .expect("read")
        .iter()
        .collect();
    out.push(format!("dc=ams1 and host!=mx3 {ids:?}"));
    out
}

#[test]
fn opens_the_v1_fixture() {
    let expected: Vec<String> = std::fs::read_to_string(fixture_dir().join("expected.txt"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert!(expected.len() >= 5);
    // Work on a copy: opening may clean up files.
    let tmp = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(fixture_dir().join("index")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), tmp.path().join(e.file_name())).unwrap();
    }
    let idx = SeriesIndex::open(tmp.path(), opts()).unwrap();
    assert_eq!(answers(&idx), expected);
    // And it merges into the current version, answering the same.
    let live: RoaringBitmap = (0..60).collect();
    idx.maintain(&live, true).unwrap();
    assert_eq!(answers(&idx), expected);
}

#[test]
#[ignore = "writes the checked-in fixture"]
fn regenerate_fixture() {
    let dir = fixture_dir().join("index");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let idx = SeriesIndex::open(&dir, opts()).unwrap();
    let first = keys(0..40);
    let refs: Vec<(u32, &str)> = first.iter().map(|(i, k)| (*i, k.as_str())).collect();
    idx.insert(&refs).unwrap();
    idx.maintain(&(0..40).collect(), true).unwrap();
    let second = keys(40..60);
    let refs: Vec<(u32, &str)> = second.iter().map(|(i, k)| (*i, k.as_str())).collect();
    idx.insert(&refs).unwrap();
    idx.maintain_with(&|| (0..60).collect(), true, false)
        .unwrap();
    std::fs::write(
        fixture_dir().join("expected.txt"),
        answers(&idx).join("\n") + "\n",
    )
    .unwrap();
}
