//! `taildb loadgen` entry point: generate (or read), then dump or post.

use std::io::Write;
use std::time::Duration;

use anyhow::{Context, bail};
use bytes::Bytes;

use super::args::{LoadgenArgs, SeriesMode};
use super::cross::{CrossGenerator, CrossParams};
use super::post::{self, Batch, PostConfig, Source};
use super::start;
use super::workload::{Generator, Params};

/// Lines generated per chunk when dumping (bounded memory, few large writes).
const DUMP_CHUNK_LINES: u64 = 16_384;

pub fn params(args: &LoadgenArgs, now_ns: i64) -> anyhow::Result<Params> {
    Ok(Params {
        seed: args.seed,
        customers: args.customers,
        dcs: args.dcs,
        hosts: args.hosts,
        zipf: args.zipf,
        start_ns: start::parse_start(args.start.as_deref(), now_ns)?,
        ns_per_line: start::ns_per_line(args.rate, &args.span, args.lines)?,
    })
}

/// Cross-mode parameters; the time step spreads series × points lines over `--span` (or `--rate`).
pub fn cross_params(args: &LoadgenArgs, now_ns: i64) -> anyhow::Result<CrossParams> {
    let mut p = CrossParams {
        seed: args.seed,
        customers: args.customers,
        hosts: args.hosts,
        dcs: args.dcs,
        directions: args.directions,
        points: args.points,
        order: args.cross_order,
        start_ns: start::parse_start(args.start.as_deref(), now_ns)?,
        ns_per_line: 0.0,
    };
    p.ns_per_line = start::ns_per_line(args.rate, &args.span, p.lines()?)?;
    Ok(p)
}

/// Generates `args.lines` lines into memory.
pub fn generate(args: &LoadgenArgs, now_ns: i64) -> anyhow::Result<Vec<u8>> {
    let mut g = Generator::new(&params(args, now_ns)?)?;
    let mut out = Vec::with_capacity(usize::try_from(args.lines).unwrap_or(0).saturating_mul(180));
    g.fill(&mut out, args.lines);
    Ok(out)
}

/// Writes `args.lines` lines to `w`, generated chunk by chunk.
pub fn dump(args: &LoadgenArgs, now_ns: i64, w: &mut impl Write) -> anyhow::Result<()> {
    if args.series_mode == SeriesMode::Cross {
        let mut g = CrossGenerator::new(&cross_params(args, now_ns)?)?;
        let mut buf = Vec::with_capacity(DUMP_CHUNK_LINES as usize * 200);
        loop {
            buf.clear();
            if g.fill(&mut buf, DUMP_CHUNK_LINES) == 0 {
                break;
            }
            w.write_all(&buf).context("writing line protocol")?;
        }
        w.flush().context("writing line protocol")?;
        return Ok(());
    }
    let mut g = Generator::new(&params(args, now_ns)?)?;
    let mut buf = Vec::with_capacity(DUMP_CHUNK_LINES as usize * 200);
    let mut left = args.lines;
    while left > 0 {
        let n = left.min(DUMP_CHUNK_LINES);
        buf.clear();
        g.fill(&mut buf, n);
        w.write_all(&buf).context("writing line protocol")?;
        left -= n;
    }
    w.flush().context("writing line protocol")?;
    Ok(())
}

/// Starts a producer thread that generates batch bodies of `batch` lines into a queue of
/// 2 × `workers` bodies; the queue closes when the generator is done (or the workers stop reading).
pub fn stream(mut g: CrossGenerator, batch: usize, gzip: bool, workers: usize) -> Source {
    let (tx, rx) = tokio::sync::mpsc::channel::<Batch>(2 * workers.max(1));
    let batch = batch.max(1) as u64;
    std::thread::spawn(move || {
        loop {
            let mut buf = Vec::with_capacity(batch as usize * 200);
            let n = g.fill(&mut buf, batch);
            if n == 0 {
                break;
            }
            match post::make_batch(Bytes::from(buf), n, gzip) {
                Ok(b) => {
                    if tx.blocking_send(b).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    eprintln!("loadgen: building a batch: {e:#}");
                    break;
                }
            }
        }
    });
    Source::Stream(tokio::sync::Mutex::new(rx))
}

pub fn run(args: LoadgenArgs) -> anyhow::Result<()> {
    let now = start::now_ns()?;
    if args.dump {
        let stdout = std::io::stdout();
        let mut w = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
        return dump(&args, now, &mut w);
    }
    if args.workers == 0 || args.batch == 0 {
        bail!("--workers and --batch must be at least 1");
    }
    let source = match (&args.file, args.series_mode) {
        (Some(path), _) => {
            let data =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            Source::Prebuilt(post::split_batches(
                Bytes::from(data),
                args.batch,
                args.gzip,
            )?)
        }
        (None, SeriesMode::Random) => {
            let mut data = generate(&args, now)?;
            if let Some(live) = &args.live {
                let ahead = humantime::parse_duration(live)
                    .with_context(|| format!("--live {live:?}: expected e.g. 10s"))?;
                let ahead = i64::try_from(ahead.as_nanos()).context("--live: too large")?;
                let first = start::parse_start(args.start.as_deref(), now)?;
                let delta = start::now_ns()? + ahead - first;
                start::shift_timestamps(&mut data, delta).context("--live")?;
            }
            Source::Prebuilt(post::split_batches(
                Bytes::from(data),
                args.batch,
                args.gzip,
            )?)
        }
        (None, SeriesMode::Cross) => {
            if args.live.is_some() {
                bail!("--live applies to the random series mode only");
            }
            let g = CrossGenerator::new(&cross_params(&args, now)?)?;
            eprintln!(
                "loadgen: cross mode: {} series, {} lines",
                g.series(),
                g.total_lines()
            );
            stream(g, args.batch, args.gzip, args.workers)
        }
    };
    let cfg = PostConfig {
        url: args.url.clone(),
        db: args.db.clone(),
        workers: args.workers,
        batch_lines: args.batch,
        gzip: args.gzip,
        retries: args.retries,
        timeout: Duration::from_secs(args.timeout.max(1)),
        progress: Duration::from_secs(args.progress),
        stamp_at_send: args.stamp_at_send,
    };
    // One thread is plenty to keep a few connections busy with pre-built bodies, and leaves the
    // cores to the server being measured.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    let report = rt.block_on(async {
        let client = post::client(&cfg)?;
        if args.create_db {
            post::create_db(&client, &cfg).await?;
        }
        post::post_source(client, cfg, source).await
    })?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&report).context("encoding the report")?
        );
    } else {
        report.print_text();
    }
    if report.batches_failed > 0 {
        bail!(
            "{} batch(es) with {} lines failed",
            report.batches_failed,
            report.lines_failed
        );
    }
    Ok(())
}
