//! Posting pre-split batches to `/write` with N concurrent workers over one connection pool.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use reqwest::{Client, StatusCode, Url};

use super::report::{Report, percentile_ms};

/// Keep at most this many error messages in the report (all are counted).
const MAX_ERRORS_KEPT: usize = 20;
/// Print at most this many bytes of an error body.
const MAX_BODY_SHOWN: usize = 2_000;

/// One request body, ready to send.
#[derive(Clone)]
pub struct Batch {
    pub body: Bytes,
    pub lines: u64,
    /// Uncompressed size.
    pub raw_len: u64,
}

/// Splits line protocol into bodies of `lines_per_batch` lines each (the last may be shorter); empty
/// lines are kept inside bodies but not counted. Bodies share `data` (no copy) unless `gzip` is set.
pub fn split_batches(
    data: Bytes,
    lines_per_batch: usize,
    gzip: bool,
) -> anyhow::Result<Vec<Batch>> {
    let lines_per_batch = lines_per_batch.max(1);
    let mut out = Vec::new();
    let mut begin = 0usize;
    let mut count = 0u64;
    for (i, &b) in data.iter().enumerate() {
        if b == b'\n' {
            if i > begin && data.get(i.saturating_sub(1)) != Some(&b'\n') {
                count += 1;
            }
            if count as usize == lines_per_batch {
                out.push(make_batch(data.slice(begin..i + 1), count, gzip)?);
                begin = i + 1;
                count = 0;
            }
        }
    }
    if begin < data.len() {
        let tail = data.slice(begin..);
        let lines = count + u64::from(tail.last() != Some(&b'\n'));
        if lines > 0 {
            out.push(make_batch(tail, lines, gzip)?);
        }
    }
    Ok(out)
}

pub fn make_batch(raw: Bytes, lines: u64, gzip: bool) -> anyhow::Result<Batch> {
    let raw_len = raw.len() as u64;
    let body = if gzip {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(
            Vec::with_capacity(raw.len() / 4),
            flate2::Compression::fast(),
        );
        enc.write_all(&raw).context("gzip")?;
        Bytes::from(enc.finish().context("gzip")?)
    } else {
        raw
    };
    Ok(Batch {
        body,
        lines,
        raw_len,
    })
}

pub struct PostConfig {
    pub url: String,
    pub db: String,
    pub workers: usize,
    pub batch_lines: usize,
    pub gzip: bool,
    pub retries: u32,
    pub timeout: Duration,
    pub progress: Duration,
    /// `--stamp-at-send`: shift each batch's timestamps to the send time.
    pub stamp_at_send: bool,
}

fn endpoint(base: &str, path: &str) -> anyhow::Result<Url> {
    let base = base.trim_end_matches('/');
    Url::parse(&format!("{base}{path}"))
        .with_context(|| format!("--url {base:?} is not a valid URL"))
}

pub fn client(cfg: &PostConfig) -> anyhow::Result<Client> {
    Client::builder()
        .timeout(cfg.timeout)
        .pool_max_idle_per_host(cfg.workers.max(1))
        .tcp_nodelay(true)
        .build()
        .context("building the HTTP client")
}

/// `CREATE DATABASE "<db>"` through `/query`.
pub async fn create_db(client: &Client, cfg: &PostConfig) -> anyhow::Result<()> {
    let mut url = endpoint(&cfg.url, "/query")?;
    let q = format!(
        "CREATE DATABASE \"{}\"",
        cfg.db.replace('\\', "\\\\").replace('"', "\\\"")
    );
    url.query_pairs_mut().append_pair("q", &q);
    let resp = client
        .post(url.clone())
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = resp.status();
    let body = resp.text().await.unwrap_or_default();
    if !status.is_success() || body.contains("\"error\"") {
        bail!("{q} failed: HTTP {status}: {}", truncate(&body));
    }
    Ok(())
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(MAX_BODY_SHOWN) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[derive(Default)]
struct Shared {
    next: AtomicUsize,
    lines_ok: AtomicU64,
    lines_failed: AtomicU64,
    batches_ok: AtomicU64,
    batches_failed: AtomicU64,
    retries: AtomicU64,
    bytes_ok: AtomicU64,
    wire_bytes: AtomicU64,
    /// Time workers spent waiting for the producer (stream sources only).
    producer_wait_us: AtomicU64,
    errors: error_log::Errors,
}

mod error_log {
    use std::sync::Mutex;

    /// Error messages, kept up to a limit (the lock is taken only on errors).
    #[derive(Default)]
    pub struct Errors(Mutex<Vec<String>>);

    impl Errors {
        pub fn push(&self, msg: String, limit: usize) {
            eprintln!("loadgen: {msg}");
            if let Ok(mut v) = self.0.lock() {
                if v.len() < limit {
                    v.push(msg);
                }
            }
        }

        pub fn take(&self) -> Vec<String> {
            self.0
                .lock()
                .map(|mut v| std::mem::take(&mut *v))
                .unwrap_or_default()
        }
    }
}

enum Attempt {
    Ok,
    /// Worth another try (network error, 5xx).
    Retry(String),
    /// Final (4xx and other non-retryable answers).
    Fail(String),
}

async fn attempt(client: &Client, url: &Url, batch: &Batch, gzip: bool) -> Attempt {
    let mut req = client
        .post(url.clone())
        .header("Content-Type", "text/plain; charset=utf-8")
        .body(batch.body.clone());
    if gzip {
        req = req.header("Content-Encoding", "gzip");
    }
    match req.send().await {
        Err(e) => Attempt::Retry(format!("network error: {e}")),
        Ok(resp) => {
            let status = resp.status();
            if status.is_success() {
                // Drain the body so the connection goes back to the pool.
                let _ = resp.bytes().await;
                return Attempt::Ok;
            }
            let body = resp.text().await.unwrap_or_default();
            let msg = format!("HTTP {status}: {}", truncate(body.trim()));
            if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
                Attempt::Retry(msg)
            } else {
                Attempt::Fail(msg)
            }
        }
    }
}

/// A copy of `batch` (uncompressed) whose first line lies at the current time, every timestamp
/// moved by the same amount.
pub(super) fn stamp_now(batch: &Batch) -> anyhow::Result<Batch> {
    let first =
        super::start::first_timestamp(&batch.body).context("the first line has no timestamp")?;
    let mut body = batch.body.to_vec();
    super::start::shift_timestamps(&mut body, super::start::now_ns()? - first)?;
    Ok(Batch {
        body: Bytes::from(body),
        lines: batch.lines,
        raw_len: batch.raw_len,
    })
}

/// Where the workers take their batches from.
pub enum Source {
    /// Pre-built bodies (random mode, `--file`).
    Prebuilt(Vec<Batch>),
    /// Bodies produced while posting (cross mode); the queue closes when the producer is done.
    Stream(tokio::sync::Mutex<tokio::sync::mpsc::Receiver<Batch>>),
}

impl Source {
    fn len_hint(&self) -> usize {
        match self {
            Source::Prebuilt(v) => v.len(),
            Source::Stream(_) => 1024,
        }
    }

    /// The next batch and its number; `None` when there are no more.
    async fn next(&self, shared: &Shared) -> Option<(usize, Batch)> {
        match self {
            Source::Prebuilt(v) => {
                let i = shared.next.fetch_add(1, Ordering::Relaxed);
                v.get(i).map(|b| (i, b.clone()))
            }
            Source::Stream(rx) => {
                let t0 = Instant::now();
                let b = rx.lock().await.recv().await;
                shared
                    .producer_wait_us
                    .fetch_add(t0.elapsed().as_micros() as u64, Ordering::Relaxed);
                let i = shared.next.fetch_add(1, Ordering::Relaxed);
                b.map(|b| (i, b))
            }
        }
    }
}

async fn worker(
    client: Client,
    url: Url,
    source: Arc<Source>,
    shared: Arc<Shared>,
    cfg: Arc<PostConfig>,
) -> Vec<Duration> {
    let mut acks = Vec::with_capacity(source.len_hint() / cfg.workers.max(1) + 1);
    while let Some((i, mut batch)) = source.next(&shared).await {
        if cfg.stamp_at_send {
            match stamp_now(&batch) {
                Ok(b) => batch = b,
                Err(e) => {
                    shared
                        .lines_failed
                        .fetch_add(batch.lines, Ordering::Relaxed);
                    shared.batches_failed.fetch_add(1, Ordering::Relaxed);
                    shared.errors.push(
                        format!("batch {i}: --stamp-at-send: {e:#}"),
                        MAX_ERRORS_KEPT,
                    );
                    continue;
                }
            }
        }
        let batch = &batch;
        let mut tries = 0u32;
        loop {
            let t0 = Instant::now();
            shared
                .wire_bytes
                .fetch_add(batch.body.len() as u64, Ordering::Relaxed);
            match attempt(&client, &url, batch, cfg.gzip).await {
                Attempt::Ok => {
                    acks.push(t0.elapsed());
                    shared.lines_ok.fetch_add(batch.lines, Ordering::Relaxed);
                    shared.bytes_ok.fetch_add(batch.raw_len, Ordering::Relaxed);
                    shared.batches_ok.fetch_add(1, Ordering::Relaxed);
                    break;
                }
                Attempt::Retry(msg) if tries < cfg.retries => {
                    tries += 1;
                    shared.retries.fetch_add(1, Ordering::Relaxed);
                    eprintln!("loadgen: batch {i}: {msg}; retry {tries}/{}", cfg.retries);
                    // Back off so an overloaded server can recover: 100 ms, 200 ms, 400 ms, ... capped at 5 s.
                    tokio::time::sleep(Duration::from_millis(
                        (100u64 << tries.min(6)).min(5_000) / 2,
                    ))
                    .await;
                }
                Attempt::Retry(msg) | Attempt::Fail(msg) => {
                    shared
                        .lines_failed
                        .fetch_add(batch.lines, Ordering::Relaxed);
                    shared.batches_failed.fetch_add(1, Ordering::Relaxed);
                    shared.errors.push(
                        format!(
                            "batch {i} ({} lines) failed after {} attempt(s): {msg}",
                            batch.lines,
                            tries + 1
                        ),
                        MAX_ERRORS_KEPT,
                    );
                    break;
                }
            }
        }
    }
    acks
}

/// Posts every batch of `source` and returns the report; the clock runs from the first request to
/// the last answer.
pub async fn post_source(
    client: Client,
    cfg: PostConfig,
    source: Source,
) -> anyhow::Result<Report> {
    let streamed = matches!(source, Source::Stream(_));
    let mut url = endpoint(&cfg.url, "/write")?;
    url.query_pairs_mut()
        .append_pair("db", &cfg.db)
        .append_pair("precision", "ns");
    let cfg = Arc::new(cfg);
    let source = Arc::new(source);
    let shared = Arc::new(Shared::default());
    let done = Arc::new(AtomicBool::new(false));
    let t0 = Instant::now();
    let progress = (!cfg.progress.is_zero()).then(|| {
        let (shared, done, every) = (shared.clone(), done.clone(), cfg.progress);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            let mut last = (0u64, Instant::now());
            while !done.load(Ordering::Relaxed) {
                tick.tick().await;
                let lines = shared.lines_ok.load(Ordering::Relaxed);
                let now = Instant::now();
                let rate =
                    (lines - last.0) as f64 / now.duration_since(last.1).as_secs_f64().max(1e-9);
                eprintln!(
                    "loadgen: {:>7.1} s  {lines} lines acked  {rate:.0} lines/s  {} failed",
                    t0.elapsed().as_secs_f64(),
                    shared.lines_failed.load(Ordering::Relaxed)
                );
                last = (lines, now);
            }
        })
    });
    let mut handles = Vec::with_capacity(cfg.workers);
    for _ in 0..cfg.workers.max(1) {
        handles.push(tokio::spawn(worker(
            client.clone(),
            url.clone(),
            source.clone(),
            shared.clone(),
            cfg.clone(),
        )));
    }
    let mut acks = Vec::with_capacity(source.len_hint());
    for h in handles {
        acks.extend(h.await.context("a load worker panicked")?);
    }
    let elapsed = t0.elapsed();
    done.store(true, Ordering::Relaxed);
    if let Some(p) = progress {
        p.abort();
    }
    acks.sort_unstable();
    let secs = elapsed.as_secs_f64().max(1e-9);
    let lines_sent = shared.lines_ok.load(Ordering::Relaxed);
    let bytes_sent = shared.bytes_ok.load(Ordering::Relaxed);
    Ok(Report {
        url: cfg.url.clone(),
        db: cfg.db.clone(),
        workers: cfg.workers,
        batch_lines: cfg.batch_lines,
        gzip: cfg.gzip,
        lines_sent,
        lines_failed: shared.lines_failed.load(Ordering::Relaxed),
        batches_ok: shared.batches_ok.load(Ordering::Relaxed),
        batches_failed: shared.batches_failed.load(Ordering::Relaxed),
        retries: shared.retries.load(Ordering::Relaxed),
        bytes_sent,
        wire_bytes: shared.wire_bytes.load(Ordering::Relaxed),
        elapsed_s: secs,
        lines_per_s: lines_sent as f64 / secs,
        mb_per_s: bytes_sent as f64 / 1e6 / secs,
        ack_p50_ms: percentile_ms(&acks, 0.50),
        ack_p99_ms: percentile_ms(&acks, 0.99),
        ack_max_ms: acks.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
        errors: shared.errors.take(),
        producer_wait_s: streamed
            .then(|| shared.producer_wait_us.load(Ordering::Relaxed) as f64 / 1e6),
    })
}
