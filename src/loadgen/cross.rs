//! Cross mode (`--series-mode cross`): every combination of customer × host × dc × direction, each
//! written `--points` times, so a run creates a known, large number of distinct series with few
//! points each (the series-index scale test: 10 M series in one run).
//!
//! Invariants:
//! 1. Series count = customers × hosts × dcs × directions exactly, and every one of them appears in
//!    each of the `points` rounds: round r writes every series once, lines r·S .. (r+1)·S − 1.
//! 2. Streaming: state is O(1) in the number of series (a keyed permutation, no tables), so 10 M
//!    series need no more memory than 10.
//! 3. Deterministic: the same parameters and seed give the same bytes, whatever the chunking.
//! 4. Timestamps follow the line index as in the random mode (strictly increasing when lines are at
//!    least 1 ns apart), so round r of a series is always later than round r − 1.
//!
//! Series numbering: s = ((customer · hosts + host) · dcs + dc) · directions + direction. With
//! `--cross-order shuffled` (the default) round r visits series `perm_r(0), perm_r(1), …` where
//! `perm_r` is a 4-round Feistel permutation over the next even power of two ≥ S keyed by the seed
//! and r, restricted to [0, S) by cycle walking (on average fewer than 4 steps); `sorted` visits
//! them in numbering order (customer-major).
//!
//! Tag values: `customer=cust000042` (at least 6 digits, as in the random mode), `dc=` the dc names
//! of the random mode (`ams1`, `fra1`, …), `direction=outbound` then `inbound`, `host=host-07` (at
//! least 2 digits; the same host names exist in every dc). Fields are drawn as in the random mode.

use anyhow::{Context, bail};

use super::rng::Rng;
use super::workload::{Fields, MEASUREMENT, dc_name, direction_tag, timestamp};

/// Visiting order of the series within a round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CrossOrder {
    /// A seeded permutation: new series arrive in no particular order.
    Shuffled,
    /// Customer-major numbering order.
    Sorted,
}

/// Cross-mode parameters.
#[derive(Clone, Debug)]
pub struct CrossParams {
    pub seed: u64,
    pub customers: u32,
    pub hosts: u32,
    pub dcs: u32,
    /// 1 (outbound only) or 2 (outbound and inbound).
    pub directions: u32,
    /// Lines per series.
    pub points: u32,
    pub order: CrossOrder,
    pub start_ns: i64,
    pub ns_per_line: f64,
}

impl CrossParams {
    /// Number of distinct series, or an error when a factor is 0 or out of range or it overflows.
    pub fn series(&self) -> anyhow::Result<u64> {
        if self.customers == 0 || self.hosts == 0 || self.dcs == 0 {
            bail!(
                "--customers, --hosts and --dcs must be at least 1 (got {}, {}, {})",
                self.customers,
                self.hosts,
                self.dcs
            );
        }
        if !(1..=2).contains(&self.directions) {
            bail!("--directions {}: expected 1 or 2", self.directions);
        }
        [self.hosts, self.dcs, self.directions]
            .iter()
            .try_fold(u64::from(self.customers), |acc, &f| {
                acc.checked_mul(u64::from(f))
            })
            .filter(|&s| s < 1 << 62)
            .with_context(|| {
                format!(
                    "{} customers × {} hosts × {} dcs × {} directions is too many series",
                    self.customers, self.hosts, self.dcs, self.directions
                )
            })
    }

    /// Total lines: series × points.
    pub fn lines(&self) -> anyhow::Result<u64> {
        if self.points == 0 {
            bail!("--points must be at least 1");
        }
        self.series()?
            .checked_mul(u64::from(self.points))
            .context("series × points overflows")
    }
}

/// A bijection of [0, n) (Feistel network over `2 · half_bits` bits plus cycle walking).
#[derive(Clone, Debug)]
pub struct Permutation {
    n: u64,
    half_bits: u32,
    keys: [u64; 4],
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Permutation {
    pub fn new(n: u64, key: u64) -> Permutation {
        let bits = 64 - n.saturating_sub(1).leading_zeros();
        let half_bits = bits.div_ceil(2).max(1);
        let mut rng = Rng::new(key);
        let keys = [
            rng.next_u64(),
            rng.next_u64(),
            rng.next_u64(),
            rng.next_u64(),
        ];
        Permutation { n, half_bits, keys }
    }

    fn round_trip(&self, x: u64) -> u64 {
        let mask = (1u64 << self.half_bits) - 1;
        let (mut l, mut r) = (x >> self.half_bits, x & mask);
        for k in self.keys {
            let f = mix(r ^ k) & mask;
            (l, r) = (r, l ^ f);
        }
        (l << self.half_bits) | r
    }

    /// Image of `i` (`i < n`). The Feistel domain is below 4·n, so the walk ends quickly.
    pub fn apply(&self, i: u64) -> u64 {
        let mut x = self.round_trip(i);
        while x >= self.n {
            x = self.round_trip(x);
        }
        x
    }
}

/// Permutation key of round `round`: a different order every round.
fn perm_key(seed: u64, round: u64) -> u64 {
    seed ^ mix(round.wrapping_add(0x5EED))
}

/// Streaming cross-mode line generator; call [`CrossGenerator::fill`] until it returns 0.
pub struct CrossGenerator {
    p: CrossParams,
    rng: Rng,
    series: u64,
    total: u64,
    next: u64,
    perm: Permutation,
    perm_round: u64,
    customer_width: usize,
    host_width: usize,
    /// `,dc=<name>` per dc.
    dc_tags: Vec<String>,
}

impl CrossGenerator {
    pub fn new(p: &CrossParams) -> anyhow::Result<CrossGenerator> {
        let series = p.series()?;
        let total = p.lines()?;
        Ok(CrossGenerator {
            rng: Rng::new(p.seed),
            series,
            total,
            next: 0,
            perm: Permutation::new(series, perm_key(p.seed, 0)),
            perm_round: 0,
            customer_width: p.customers.saturating_sub(1).to_string().len().max(6),
            host_width: p.hosts.saturating_sub(1).to_string().len().max(2),
            dc_tags: (0..p.dcs).map(|d| format!(",dc={}", dc_name(d))).collect(),
            p: p.clone(),
        })
    }

    pub fn series(&self) -> u64 {
        self.series
    }

    pub fn total_lines(&self) -> u64 {
        self.total
    }

    /// `(customer, host, dc, direction)` of series number `s`.
    pub fn decompose(&self, s: u64) -> (u64, u64, u64, u64) {
        let dirs = u64::from(self.p.directions);
        let dcs = u64::from(self.p.dcs);
        let hosts = u64::from(self.p.hosts);
        let direction = s % dirs;
        let rest = s / dirs;
        let dc = rest % dcs;
        let rest = rest / dcs;
        (rest / hosts, rest % hosts, dc, direction)
    }

    /// Appends up to `n` lines (each ending in `\n`) to `out`; returns how many (0 once done).
    pub fn fill(&mut self, out: &mut Vec<u8>, n: u64) -> u64 {
        use std::io::Write;
        let n = n.min(self.total - self.next);
        for _ in 0..n {
            let i = self.next;
            self.next += 1;
            let (round, pos) = (i / self.series, i % self.series);
            let s = match self.p.order {
                CrossOrder::Sorted => pos,
                CrossOrder::Shuffled => {
                    if round != self.perm_round {
                        self.perm_round = round;
                        self.perm = Permutation::new(self.series, perm_key(self.p.seed, round));
                    }
                    self.perm.apply(pos)
                }
            };
            let (customer, host, dc, direction) = self.decompose(s);
            let outbound = direction == 0;
            let fields = Fields::draw(&mut self.rng, outbound);
            let ts = timestamp(&mut self.rng, self.p.start_ns, self.p.ns_per_line, i);
            let _ = write!(
                out,
                "{MEASUREMENT},customer=cust{customer:0cw$}",
                cw = self.customer_width
            );
            if let Some(tag) = self.dc_tags.get(dc as usize) {
                out.extend_from_slice(tag.as_bytes());
            }
            out.extend_from_slice(direction_tag(outbound));
            let _ = write!(out, ",host=host-{host:0hw$}", hw = self.host_width);
            fields.write(out, ts);
        }
        n
    }
}
