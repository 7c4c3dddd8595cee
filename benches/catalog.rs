//! Series catalog: resolve throughput (new keys, cached keys, fst misses), merge time, and memory
//! per key after a merge. Baselines: std `HashMap<String, u32>` with SipHash and with foldhash
//! (the catalog's hasher), i.e. a catalog that keeps everything in memory.
//!
//! `cargo bench --bench catalog`; `CATALOG_BENCH_KEYS` overrides the 1 M key count.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, Throughput};
use tsdb::catalog::{CatalogOptions, SeriesCatalog};

const BATCH: usize = 5000;

fn n_keys() -> usize {
    std::env::var("CATALOG_BENCH_KEYS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000)
}

fn keys(n: usize, salt: &str) -> Vec<String> {
    (0..n)
        .map(|i| {
            format!(
                "email_latency,customer=c{}{salt},dc={},direction={},host=mx{}",
                i * 7 + 3,
                ["ams1", "fra2", "lon1", "nyc3"][i % 4],
                ["in", "out"][i / 4 % 2],
                i % 64
            )
        })
        .collect()
}

fn resolve_all(cat: &SeriesCatalog, keys: &[&str], out: &mut Vec<tsdb::SeriesId>) -> usize {
    let mut new = 0;
    for chunk in keys.chunks(BATCH) {
        new += cat.resolve(chunk, out).unwrap_or(0);
    }
    new
}

fn opts(n: usize) -> CatalogOptions {
    CatalogOptions {
        cache_entries: n,
        merge_threshold: usize::MAX,
    }
}

fn bench(c: &mut Criterion) {
    let n = n_keys();
    let owned = keys(n, "");
    let refs: Vec<&str> = owned.iter().map(String::as_str).collect();
    let mut g = c.benchmark_group("catalog");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(15))
        .throughput(Throughput::Elements(n as u64));

    g.bench_function("resolve_new_keys", |b| {
        b.iter_batched(
            || tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}")),
            |dir| {
                let cat =
                    SeriesCatalog::open(dir.path(), opts(n)).unwrap_or_else(|e| panic!("{e}"));
                let mut out = Vec::new();
                black_box(resolve_all(&cat, &refs, &mut out));
                cat.sync().unwrap_or_else(|e| panic!("{e}"));
                (cat, dir)
            },
            BatchSize::PerIteration,
        )
    });

    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let cat = SeriesCatalog::open(dir.path(), opts(n)).unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    resolve_all(&cat, &refs, &mut out);
    g.bench_function("resolve_cached_keys_unmerged_log", |b| {
        b.iter(|| resolve_all(&cat, &refs, &mut out))
    });
    cat.maybe_merge(true).unwrap_or_else(|e| panic!("{e}"));
    resolve_all(&cat, &refs, &mut out); // warm the cache from the fst
    g.bench_function("resolve_cached_keys_after_merge", |b| {
        b.iter(|| resolve_all(&cat, &refs, &mut out))
    });
    drop(cat);
    let cold = SeriesCatalog::open(dir.path(), opts(0)).unwrap_or_else(|e| panic!("{e}"));
    g.bench_function("resolve_fst_only_no_cache", |b| {
        b.iter(|| resolve_all(&cold, &refs, &mut out))
    });
    // Write-path lookups without assignment: a key that exists (hit) and one that does not (miss,
    // what every new series costs before it gets an id), both answered by the merged fst.
    let absent = keys(n, "-absent");
    let absent: Vec<&str> = absent.iter().map(String::as_str).collect();
    g.bench_function("get_hit_fst_no_cache", |b| {
        b.iter(|| {
            refs.iter()
                .filter(|k| matches!(cold.get(k), Ok(Some(_))))
                .count()
        })
    });
    g.bench_function("get_miss_fst_no_cache", |b| {
        b.iter(|| {
            absent
                .iter()
                .filter(|k| matches!(cold.get(k), Ok(None)))
                .count()
        })
    });
    drop(cold);

    g.bench_function("baseline_std_hashmap_siphash_get", |b| {
        let m: HashMap<&str, u32> = refs
            .iter()
            .enumerate()
            .map(|(i, k)| (*k, i as u32))
            .collect();
        b.iter(|| {
            refs.iter()
                .map(|k| m.get(k).copied().unwrap_or(0) as u64)
                .sum::<u64>()
        })
    });
    g.bench_function("baseline_std_hashmap_foldhash_get", |b| {
        let m: HashMap<&str, u32, hashbrown::DefaultHashBuilder> = refs
            .iter()
            .enumerate()
            .map(|(i, k)| (*k, i as u32))
            .collect();
        b.iter(|| {
            refs.iter()
                .map(|k| m.get(k).copied().unwrap_or(0) as u64)
                .sum::<u64>()
        })
    });

    g.bench_function("merge_1m_log_keys", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
                let cat =
                    SeriesCatalog::open(dir.path(), opts(n)).unwrap_or_else(|e| panic!("{e}"));
                resolve_all(&cat, &refs, &mut out);
                let t = Instant::now();
                cat.maybe_merge(true).unwrap_or_else(|e| panic!("{e}"));
                total += t.elapsed();
            }
            total
        })
    });
    g.finish();
}

fn status_kb(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Memory per key, parent side: creates `n` keys, merges, then re-runs this binary as a child
/// (`CATALOG_MEM_CHILD=<dir>`) so the child's RSS holds nothing but the reopened catalog.
fn memory_report() {
    let n = n_keys();
    let owned = keys(n, "-mem");
    let refs: Vec<&str> = owned.iter().map(String::as_str).collect();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let key_bytes: usize = owned.iter().map(String::len).sum();
    let mut out = Vec::new();
    let cat = SeriesCatalog::open(dir.path(), opts(1 << 16)).unwrap_or_else(|e| panic!("{e}"));
    let t = Instant::now();
    resolve_all(&cat, &refs, &mut out);
    let resolve = t.elapsed();
    let unmerged = cat.heap_bytes();
    let t = Instant::now();
    cat.maybe_merge(true).unwrap_or_else(|e| panic!("{e}"));
    let merge = t.elapsed();
    drop(cat);
    let disk: u64 = std::fs::read_dir(dir.path())
        .map(|d| {
            d.filter_map(|e| e.ok()?.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0);
    eprintln!(
        "catalog: {n} keys of {:.1} B avg; resolve new {resolve:.2?}; heap before merge {:.1} B/key; \
         merge {merge:.2?}; disk after merge {:.1} B/key",
        key_bytes as f64 / n as f64,
        unmerged as f64 / n as f64,
        disk as f64 / n as f64
    );
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("{e}"));
    let status = std::process::Command::new(exe)
        .env("CATALOG_MEM_CHILD", dir.path())
        .status();
    if let Err(e) = status {
        eprintln!("catalog memory child failed: {e}");
    }
}

/// Memory per key, child side: RSS before and after opening the merged catalog and resolving a
/// working set of 64 Ki keys twice (cache of 64 Ki entries).
fn memory_child(dir: &str) {
    let n = n_keys();
    let ws: Vec<String> = keys(1 << 16, "-mem");
    let refs: Vec<&str> = ws.iter().map(String::as_str).collect();
    let (anon0, file0) = (status_kb("RssAnon:"), status_kb("RssFile:"));
    let t = Instant::now();
    let cat = SeriesCatalog::open(std::path::Path::new(dir), opts(1 << 16))
        .unwrap_or_else(|e| panic!("{e}"));
    let open = t.elapsed();
    let (anon1, file1) = (status_kb("RssAnon:"), status_kb("RssFile:"));
    let mut out = Vec::new();
    let t = Instant::now();
    resolve_all(&cat, &refs, &mut out);
    let cold = t.elapsed();
    resolve_all(&cat, &refs, &mut out);
    let (anon2, file2) = (status_kb("RssAnon:"), status_kb("RssFile:"));
    eprintln!(
        "catalog reopen of {n} merged keys: open {open:.2?} (CRC over fst + id table); RssAnon +{} KiB, \
         RssFile +{} KiB after open; after a 64 Ki working set ({cold:.2?} cold): RssAnon +{} KiB \
         ({:.2} B per catalog key), heap estimate {} KiB, RssFile +{} KiB (mapped, evictable)",
        anon1.saturating_sub(anon0),
        file1.saturating_sub(file0),
        anon2.saturating_sub(anon0),
        anon2.saturating_sub(anon0) as f64 * 1024.0 / n as f64,
        cat.heap_bytes() / 1024,
        file2.saturating_sub(file0)
    );
}

fn main() {
    if let Ok(dir) = std::env::var("CATALOG_MEM_CHILD") {
        memory_child(&dir);
        return;
    }
    memory_report();
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}
