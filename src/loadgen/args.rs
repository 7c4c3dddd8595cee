//! Command-line arguments of `taildb loadgen`.

use std::path::PathBuf;

use super::cross::CrossOrder;

/// How series are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SeriesMode {
    /// `--lines` lines, each drawn at random (Zipf customers, uniform hosts; hosts belong to one dc).
    Random,
    /// Every customer × host × dc × direction combination, `--points` lines each (`--lines` and
    /// `--zipf` are ignored); posted while generating, never held in memory whole.
    Cross,
}

/// Arguments of `taildb loadgen`.
#[derive(Debug, Clone, clap::Args)]
pub struct LoadgenArgs {
    /// Seed for the deterministic generator.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// How series are chosen: `random` (the email workload) or `cross` (every combination, for
    /// index scale tests: series = customers × hosts × dcs × directions).
    #[arg(long, value_enum, default_value_t = SeriesMode::Random)]
    pub series_mode: SeriesMode,
    /// Cross mode: directions per host, 1 (outbound) or 2 (outbound and inbound).
    #[arg(long, default_value_t = 2)]
    pub directions: u32,
    /// Cross mode: lines per series.
    #[arg(long, default_value_t = 1)]
    pub points: u32,
    /// Cross mode: order of the series within each round of points.
    #[arg(long, value_enum, default_value_t = CrossOrder::Shuffled)]
    pub cross_order: CrossOrder,
    /// Number of lines to generate (random mode).
    #[arg(long, default_value_t = 100_000)]
    pub lines: u64,
    /// Number of distinct customers (tag `customer`, Zipf-distributed popularity in random mode).
    #[arg(long, default_value_t = 1_000)]
    pub customers: u32,
    /// Number of data centres (tag `dc`).
    #[arg(long, default_value_t = 4)]
    pub dcs: u32,
    /// Number of MX hosts (tag `host`): spread round-robin over the data centres in random mode;
    /// in cross mode `host-00`… exist in every dc.
    #[arg(long, default_value_t = 20)]
    pub hosts: u32,
    /// Zipf exponent of customer popularity (rank r has weight r^-s).
    #[arg(long, default_value_t = 1.1)]
    pub zipf: f64,
    /// First timestamp: RFC3339 in UTC (`2024-05-01T00:00:00Z`), `now`, or `now-1h` / `now-90m` style.
    /// Default: one hour before now, rounded down to the minute.
    #[arg(long)]
    pub start: Option<String>,
    /// Time window the lines are spread over (humantime: `1h`, `30m`), ignored when `--rate` is set.
    #[arg(long, default_value = "1h")]
    pub span: String,
    /// Lines per second of simulated time (overrides `--span`).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Live data (random mode): the first timestamp lies this long (humantime: `10s`) after the
    /// moment posting begins — exact, not rounded, measured after the lines were generated — so
    /// with `--rate` near the ingest rate the data keeps pace with the clock. Overrides `--start`.
    #[arg(long, conflicts_with_all = ["dump", "file"])]
    pub live: Option<String>,
    /// Stamp each batch as it is sent: its timestamps are shifted so its first line lies at the
    /// moment the request goes out (the spacing inside the batch is kept), as an agent that
    /// stamps events when it ships them. The data then keeps pace with the clock at whatever rate
    /// the server accepts (for continuous-query benchmarks). Not with `--gzip`.
    #[arg(long, conflicts_with_all = ["dump", "gzip"])]
    pub stamp_at_send: bool,
    /// Write the generated line protocol to stdout instead of posting it.
    #[arg(long)]
    pub dump: bool,
    /// Post this existing line-protocol file instead of generating lines.
    #[arg(long, conflicts_with = "dump")]
    pub file: Option<PathBuf>,
    /// Base URL of the InfluxDB-compatible server.
    #[arg(long, default_value = "http://127.0.0.1:8086")]
    pub url: String,
    /// Target database (`/write?db=`).
    #[arg(long, default_value = "email")]
    pub db: String,
    /// Concurrent connections.
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
    /// Lines per POST.
    #[arg(long, default_value_t = 5_000)]
    pub batch: usize,
    /// Send request bodies gzip-compressed (`Content-Encoding: gzip`).
    #[arg(long)]
    pub gzip: bool,
    /// Send `CREATE DATABASE "<db>"` to `/query` before loading.
    #[arg(long)]
    pub create_db: bool,
    /// Retries of a batch after a network error or a 5xx answer before it counts as failed.
    #[arg(long, default_value_t = 3)]
    pub retries: u32,
    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = 60)]
    pub timeout: u64,
    /// Print progress to stderr every this many seconds (0 = only the final report).
    #[arg(long, default_value_t = 0)]
    pub progress: u64,
    /// Print the final report as one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}
