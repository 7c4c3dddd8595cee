//! Durability under SIGKILL: every acknowledged batch survives, and no batch is half applied.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::support::{Server, series};

const WRITERS: u64 = 4;
const POINTS_PER_BATCH: u64 = 50;
/// Kill the server once this many batches were acknowledged (writers keep going meanwhile).
const KILL_AFTER_ACKS: usize = 40;
/// Safety stop for the writers if the kill never happens.
const MAX_BATCHES: u64 = 100_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_mid_stream_keeps_every_acknowledged_point() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut server = Server::start(dir.path());
    server.query("", "CREATE DATABASE crash").await;

    let next_batch = Arc::new(AtomicU64::new(0));
    let acked = Arc::new(Mutex::new(Vec::<u64>::new()));
    let (ack_tx, mut ack_rx) = tokio::sync::watch::channel(0usize);
    let ack_tx = Arc::new(ack_tx);
    let mut writers = Vec::new();
    for _ in 0..WRITERS {
        let (next_batch, acked, ack_tx) = (
            Arc::clone(&next_batch),
            Arc::clone(&acked),
            Arc::clone(&ack_tx),
        );
        let http = server.http.clone();
        let url = server.url("/write?db=crash");
        writers.push(tokio::spawn(async move {
            loop {
                let id = next_batch.fetch_add(1, Ordering::SeqCst);
                if id >= MAX_BATCHES {
                    return;
                }
                let body: String = (0..POINTS_PER_BATCH)
                    .map(|i| format!("m,batch={id} v={i}i {}\n", id * 1_000 + i))
                    .collect();
                match http.post(&url).body(body).send().await {
                    Ok(resp) if resp.status().as_u16() == 204 => {
                        if let Ok(mut a) = acked.lock() {
                            a.push(id);
                        }
                        ack_tx.send_modify(|n| *n += 1);
                    }
                    Ok(resp) => panic!("batch {id}: unexpected status {}", resp.status()),
                    // The server died under us: this batch is unacknowledged.
                    Err(_) => return,
                }
            }
        }));
    }

    // Only the writers hold the sender now: if they all stop early, waiting fails instead of hanging.
    drop(ack_tx);
    ack_rx
        .wait_for(|n| *n >= KILL_AFTER_ACKS)
        .await
        .expect("writers acknowledge batches");
    server.kill();
    for w in writers {
        w.await.expect("writer task");
    }
    let issued = next_batch.load(Ordering::SeqCst).min(MAX_BATCHES);
    let acked = acked.lock().map(|a| a.clone()).unwrap_or_default();
    assert!(acked.len() >= KILL_AFTER_ACKS);

    let server = Server::start(dir.path());
    // `SELECT *` returns the `batch` tag as a column; count the rows of each batch.
    let resp = server.query("crash", "SELECT * FROM m").await;
    let mut present: BTreeMap<u64, u64> = BTreeMap::new();
    for (_, rows) in series(&resp) {
        for row in rows {
            let batch: u64 = row[1]
                .as_str()
                .and_then(|s| s.parse().ok())
                .expect("batch column");
            *present.entry(batch).or_insert(0) += 1;
        }
    }
    for id in &acked {
        assert_eq!(
            present.get(id),
            Some(&POINTS_PER_BATCH),
            "acknowledged batch {id} lost or incomplete"
        );
    }
    for (id, count) in &present {
        assert!(*id < issued, "batch {id} was never sent");
        assert_eq!(*count, POINTS_PER_BATCH, "batch {id} is partially applied");
    }
    eprintln!(
        "{} batches acknowledged, {} present after SIGKILL, {} issued",
        acked.len(),
        present.len(),
        issued
    );
}
