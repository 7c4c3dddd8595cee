//! WAL append + wait_durable throughput for 64 KiB records with 1, 2 and 4 writer threads, in
//! `SyncMode::PerBatch` (group commit) and `SyncMode::None`, beside a naive baseline that writes
//! and fsyncs every record under a mutex.
//!
//! Files go under Cargo's target tmp dir (on the real disk; /tmp may be tmpfs elsewhere, where
//! fsync is free). Throughput is in bytes; records/s = bytes/s / 65536.
#![allow(clippy::unwrap_used)]

use std::fs::File;
use std::io::Write;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use tsdb::wal::{SyncMode, Wal, WalOptions};

const RECORD: usize = 64 << 10;

fn bench_dir() -> tempfile::TempDir {
    tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap()
}

fn record(t: usize) -> Vec<u8> {
    (0..RECORD).map(|i| (i * 131 + t * 7) as u8).collect()
}

/// Runs `threads` writers, each doing `per_thread` iterations of `op`, and returns the wall time
/// from the moment all are ready.
fn run_threads<F>(threads: usize, per_thread: u64, op: F) -> Duration
where
    F: Fn(usize, &[u8]) + Send + Sync + 'static,
{
    let op = Arc::new(op);
    let start = Arc::new(Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (op, start) = (Arc::clone(&op), Arc::clone(&start));
            std::thread::spawn(move || {
                let rec = record(t);
                start.wait();
                for _ in 0..per_thread {
                    op(t, &rec);
                }
            })
        })
        .collect();
    start.wait();
    let t0 = Instant::now();
    for h in handles {
        h.join().unwrap();
    }
    t0.elapsed()
}

fn wal_throughput(c: &mut Criterion) {
    let mut g = c.benchmark_group("wal_append_wait_64KiB");
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    for threads in [1usize, 2, 4] {
        g.throughput(Throughput::Bytes((RECORD * threads) as u64));
        for (name, mode) in [("per_batch", SyncMode::PerBatch), ("none", SyncMode::None)] {
            g.bench_with_input(BenchmarkId::new(name, threads), &threads, |b, &threads| {
                b.iter_custom(|iters| {
                    let dir = bench_dir();
                    let opts = WalOptions {
                        sync: mode,
                        ..WalOptions::default()
                    };
                    let (wal, _) = Wal::open(dir.path(), opts, &mut |_| Ok(())).unwrap();
                    let wal = Arc::new(wal);
                    let w = Arc::clone(&wal);
                    run_threads(threads, iters, move |_, rec| {
                        let seq = w.append(rec).unwrap();
                        w.wait_durable(seq).unwrap();
                    })
                });
            });
        }
        // Naive baseline: every record written (length prefix, no CRC) and fsynced by its own
        // writer, one at a time.
        g.bench_with_input(
            BenchmarkId::new("naive_fsync_per_record", threads),
            &threads,
            |b, &threads| {
                b.iter_custom(|iters| {
                    let dir = bench_dir();
                    let file = Arc::new(Mutex::new(
                        File::create(dir.path().join("naive.log")).unwrap(),
                    ));
                    run_threads(threads, iters, move |_, rec| {
                        let mut f = file.lock().unwrap();
                        f.write_all(&(rec.len() as u64).to_le_bytes()).unwrap();
                        f.write_all(rec).unwrap();
                        f.sync_data().unwrap();
                    })
                });
            },
        );
    }
    g.finish();
}

criterion_group!(benches, wal_throughput);
criterion_main!(benches);
