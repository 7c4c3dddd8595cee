//! The end-of-run report: counts, rates and batch acknowledgement latency percentiles.

use std::time::Duration;

use serde::Serialize;

/// What a load run did; printed as text or as one JSON object (`--json`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    pub url: String,
    pub db: String,
    pub workers: usize,
    pub batch_lines: usize,
    pub gzip: bool,
    /// Lines acknowledged with a 2xx.
    pub lines_sent: u64,
    /// Lines in batches that failed for good.
    pub lines_failed: u64,
    pub batches_ok: u64,
    pub batches_failed: u64,
    /// Attempts repeated after a network error or a 5xx.
    pub retries: u64,
    /// Uncompressed line-protocol bytes acknowledged.
    pub bytes_sent: u64,
    /// Bytes put on the wire (request bodies; differs from `bytes_sent` with `--gzip`).
    pub wire_bytes: u64,
    pub elapsed_s: f64,
    pub lines_per_s: f64,
    /// Uncompressed MB (10^6 bytes) per second.
    pub mb_per_s: f64,
    pub ack_p50_ms: f64,
    pub ack_p99_ms: f64,
    pub ack_max_ms: f64,
    /// The first few error messages (status and body, or the network error).
    pub errors: Vec<String>,
    /// Streamed runs only (cross mode): seconds workers waited on the generator, summed over workers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub producer_wait_s: Option<f64>,
}

/// Nearest-rank percentile of sorted durations, in milliseconds; 0 when empty.
pub fn percentile_ms(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted.get(rank - 1).map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

impl Report {
    pub fn print_text(&self) {
        println!(
            "loadgen: {} -> {} db={} ({} workers, {} lines/batch{})",
            self.lines_sent,
            self.url,
            self.db,
            self.workers,
            self.batch_lines,
            if self.gzip { ", gzip" } else { "" }
        );
        println!(
            "  lines sent      {:>12}   failed {} (batches ok {}, failed {}, retries {})",
            self.lines_sent, self.lines_failed, self.batches_ok, self.batches_failed, self.retries
        );
        println!("  elapsed         {:>12.3} s", self.elapsed_s);
        println!(
            "  throughput      {:>12.0} lines/s   {:.2} MB/s",
            self.lines_per_s, self.mb_per_s
        );
        println!(
            "  batch ack       p50 {:.2} ms   p99 {:.2} ms   max {:.2} ms",
            self.ack_p50_ms, self.ack_p99_ms, self.ack_max_ms
        );
        if let Some(w) = self.producer_wait_s {
            println!("  waited on gen   {w:>12.3} s (summed over workers)");
        }
        for e in &self.errors {
            println!("  error: {e}");
        }
    }
}
