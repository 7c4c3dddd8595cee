//! The email-latency workload: one line per delivery attempt.
//!
//! Distributions (all drawn from [`Rng`], a fixed number of draws per line):
//! - `customer`: Zipf over `customers` ranks (rank r has weight r^-s), rank 1 = `cust000000`;
//!   sampled exactly by binary search in a cumulative weight table.
//! - `host`: uniform over `hosts`; host h lives in dc `h % dcs` and is that dc's host number `h / dcs`,
//!   so `dc` follows the hosts (each dc gets ~hosts/dcs of the traffic).
//! - `direction`: outbound 60 %, inbound 40 %.
//! - `status`: delivered 93 %, deferred 4 %, bounced 2 %, rejected 1 %.
//! - `attempts`: 1 for 97 % of delivered mail (else 2–3), 1–5 for deferred, 1 otherwise.
//! - `latency_ms`: lognormal, median 120 ms inbound / 450 ms outbound (30 ms for rejections),
//!   sigma 0.7; a spike (x10 … x100) on 0.2 % of lines; printed with 3 decimals.
//! - `size_bytes`: lognormal, median 24 kB, sigma 1.0, clamped to [200 B, 30 MB].
//! - timestamp: line i falls in [start + floor(i*step), start + floor((i+1)*step)), uniformly.

use std::io::Write;

use anyhow::bail;

use super::rng::Rng;

pub const MEASUREMENT: &str = "email_latency";

/// Data-centre names; beyond the list, `dc<N>`.
const DC_NAMES: [&str; 12] = [
    "ams1", "fra1", "iad1", "sjc1", "lhr1", "sin1", "syd1", "nrt1", "gru1", "ord1", "dfw1", "cdg1",
];

pub const STATUSES: [&str; 4] = ["delivered", "deferred", "bounced", "rejected"];
/// Cumulative probabilities of [`STATUSES`].
const STATUS_CDF: [f64; 3] = [0.93, 0.97, 0.99];
pub const OUTBOUND_SHARE: f64 = 0.6;
const SPIKE_SHARE: f64 = 0.002;

/// Workload parameters.
#[derive(Clone, Debug)]
pub struct Params {
    pub seed: u64,
    pub customers: u32,
    pub dcs: u32,
    pub hosts: u32,
    pub zipf: f64,
    pub start_ns: i64,
    pub ns_per_line: f64,
}

pub fn dc_name(dc: u32) -> String {
    match DC_NAMES.get(dc as usize) {
        Some(n) => (*n).to_string(),
        None => format!("dc{dc}"),
    }
}

/// `(dc index, host name)` of host `h`.
pub fn host_of(h: u32, dcs: u32) -> (u32, String) {
    let dc = h % dcs;
    (dc, format!("mx-{}-{:03}", dc_name(dc), h / dcs))
}

/// Deterministic line generator; call [`Generator::fill`] repeatedly.
pub struct Generator {
    rng: Rng,
    /// Cumulative (unnormalised) Zipf weights; `cdf[k]` = sum of weights of ranks 1..=k+1.
    cdf: Vec<f64>,
    /// Per host: `,dc=<dc>` and `,host=<name>` pre-rendered.
    host_dc: Vec<(String, String)>,
    customer_width: usize,
    start_ns: i64,
    ns_per_line: f64,
    /// Index of the next line.
    next: u64,
}

impl Generator {
    pub fn new(p: &Params) -> anyhow::Result<Generator> {
        if p.customers == 0 || p.dcs == 0 || p.hosts == 0 {
            bail!(
                "--customers, --dcs and --hosts must be at least 1 (got {}, {}, {})",
                p.customers,
                p.dcs,
                p.hosts
            );
        }
        if p.hosts < p.dcs {
            bail!(
                "--hosts {} is less than --dcs {}: every dc needs at least one host",
                p.hosts,
                p.dcs
            );
        }
        if !(p.zipf.is_finite() && p.zipf >= 0.0) {
            bail!("--zipf {}: expected a finite exponent >= 0", p.zipf);
        }
        let mut cdf = Vec::with_capacity(p.customers as usize);
        let mut acc = 0.0;
        for r in 1..=p.customers {
            acc += (r as f64).powf(-p.zipf);
            cdf.push(acc);
        }
        let host_dc = (0..p.hosts)
            .map(|h| {
                let (dc, name) = host_of(h, p.dcs);
                (format!(",dc={}", dc_name(dc)), format!(",host={name}"))
            })
            .collect();
        let customer_width = (p.customers.saturating_sub(1)).to_string().len().max(6);
        Ok(Generator {
            rng: Rng::new(p.seed),
            cdf,
            host_dc,
            customer_width,
            start_ns: p.start_ns,
            ns_per_line: p.ns_per_line,
            next: 0,
        })
    }

    /// Zipf rank (0-based) for a uniform draw.
    fn customer(&mut self) -> usize {
        let total = self.cdf.last().copied().unwrap_or(0.0);
        let u = self.rng.unit() * total;
        self.cdf
            .partition_point(|&c| c <= u)
            .min(self.cdf.len() - 1)
    }

    /// Appends `n` lines (each ending in `\n`) to `out`.
    pub fn fill(&mut self, out: &mut Vec<u8>, n: u64) {
        for _ in 0..n {
            let i = self.next;
            self.next += 1;
            let customer = self.customer();
            let host = self.rng.below(self.host_dc.len() as u64) as usize;
            let outbound = self.rng.unit() < OUTBOUND_SHARE;
            let fields = Fields::draw(&mut self.rng, outbound);
            let ts = timestamp(&mut self.rng, self.start_ns, self.ns_per_line, i);
            let (dc, host_tag) = &self.host_dc[host];
            let _ = write!(
                out,
                "{MEASUREMENT},customer=cust{customer:0w$}",
                w = self.customer_width
            );
            out.extend_from_slice(dc.as_bytes());
            out.extend_from_slice(direction_tag(outbound));
            out.extend_from_slice(host_tag.as_bytes());
            fields.write(out, ts);
        }
    }
}

/// `,direction=outbound` or `,direction=inbound`.
pub fn direction_tag(outbound: bool) -> &'static [u8] {
    if outbound {
        b",direction=outbound"
    } else {
        b",direction=inbound"
    }
}

/// Timestamp of line `i`: uniform in `[start + floor(i*step), start + floor((i+1)*step))` (one draw).
pub fn timestamp(rng: &mut Rng, start_ns: i64, ns_per_line: f64, i: u64) -> i64 {
    let lo = (i as f64 * ns_per_line).floor() as i64;
    let hi = ((i + 1) as f64 * ns_per_line).floor() as i64;
    let width = (hi - lo).max(1) as u64;
    start_ns
        .saturating_add(lo)
        .saturating_add(rng.below(width) as i64)
}

/// The field values of one line, drawn in a fixed order with a fixed number of draws.
pub struct Fields {
    status: usize,
    attempts: u64,
    latency_milli: u64,
    size: u64,
}

impl Fields {
    /// Draws status, attempts, latency (with the rare spike) and size, in that order.
    pub fn draw(rng: &mut Rng, outbound: bool) -> Fields {
        let u_status = rng.unit();
        let status = STATUS_CDF
            .iter()
            .position(|&c| u_status < c)
            .unwrap_or(STATUS_CDF.len());
        let u_attempts = rng.unit();
        let attempts = match status {
            0 if u_attempts < 0.97 => 1,
            0 => 2 + (u_attempts * 1000.0) as u64 % 2,
            1 => 1 + (u_attempts * 5.0) as u64,
            _ => 1,
        };
        let median = match (status, outbound) {
            (3, _) => 30.0,
            (_, true) => 450.0,
            (_, false) => 120.0,
        };
        let mut latency = rng.lognormal(median, 0.7);
        let u_spike = rng.unit();
        if u_spike < SPIKE_SHARE {
            latency *= 10.0 + 90.0 * (u_spike / SPIKE_SHARE);
        }
        let size = rng
            .lognormal(24_000.0, 1.0)
            .clamp(200.0, 30_000_000.0)
            .round() as u64;
        Fields {
            status,
            attempts,
            latency_milli: (latency * 1000.0).round() as u64,
            size,
        }
    }

    /// Appends ` <fields> <ts>\n`.
    pub fn write(&self, out: &mut Vec<u8>, ts: i64) {
        let _ = writeln!(
            out,
            " latency_ms={}.{:03},size_bytes={}i,attempts={}i,status=\"{}\" {ts}",
            self.latency_milli / 1000,
            self.latency_milli % 1000,
            self.size,
            self.attempts,
            STATUSES.get(self.status).copied().unwrap_or("rejected")
        );
    }
}
