//! Old catalog directories keep opening: `fixtures/catalog-v1/` was written by format version 1
//! (an fst segment + id table holding ids 0..30 and a log holding ids 30..50); `expected.txt`
//! lists its keys in id order.
//!
//! Regenerate (only when deliberately adding a new fixture version, never to paper over a break):
//! `cargo test -p tsdb --test catalog_compat -- --ignored regenerate_fixture`

use std::path::{Path, PathBuf};

use tsdb::SeriesId;
use tsdb::catalog::{CatalogOptions, SeriesCatalog};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/catalog-v1")
}

fn fixture_keys() -> Vec<String> {
    (0..50)
        .map(|i| {
            format!(
                "email_latency,customer=c{},dc={},direction={}",
                i * 37 % 101,
                ["ams1", "fra2"][i % 2],
                ["in", "out"][i % 3 % 2]
            )
        })
        .collect()
}

#[test]
fn opens_the_v1_fixture() {
    let expected: Vec<String> = std::fs::read_to_string(fixture_dir().join("expected.txt"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(expected.len(), 50);
    // Work on a copy: opening may clean up or cut files.
    let tmp = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(fixture_dir().join("db")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), tmp.path().join(e.file_name())).unwrap();
    }
    let cat = SeriesCatalog::open(
        tmp.path(),
        CatalogOptions {
            cache_entries: 8,
            merge_threshold: 1000,
        },
    )
    .unwrap();
    assert_eq!(cat.len(), 50);
    for (i, k) in expected.iter().enumerate() {
        assert_eq!(cat.get(k).unwrap(), Some(SeriesId(i as u32)));
        assert_eq!(
            cat.key(SeriesId(i as u32)).unwrap().as_deref(),
            Some(k.as_str())
        );
    }
    let mut n = 0;
    cat.for_each(&mut |id, k| {
        assert_eq!(expected[id.0 as usize], k);
        n += 1;
    })
    .unwrap();
    assert_eq!(n, 50);
    // The old files still merge into the current format.
    assert!(cat.maybe_merge(true).unwrap());
    let mut out = Vec::new();
    let refs: Vec<&str> = expected.iter().map(String::as_str).collect();
    assert_eq!(cat.resolve(&refs, &mut out).unwrap(), 0);
    assert_eq!(out, (0..50).map(SeriesId).collect::<Vec<_>>());
}

#[test]
#[ignore = "writes the checked-in fixture; run by hand"]
fn regenerate_fixture() {
    let dir = fixture_dir().join("db");
    let _ = std::fs::remove_dir_all(&dir);
    let keys = fixture_keys();
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let cat = SeriesCatalog::open(
        &dir,
        CatalogOptions {
            cache_entries: 8,
            merge_threshold: 1000,
        },
    )
    .unwrap();
    let mut out = Vec::new();
    cat.resolve(&refs[..30], &mut out).unwrap();
    assert!(cat.maybe_merge(true).unwrap());
    cat.resolve(&refs, &mut out).unwrap();
    cat.sync().unwrap();
    drop(cat);
    std::fs::write(fixture_dir().join("expected.txt"), keys.join("\n") + "\n").unwrap();
}
