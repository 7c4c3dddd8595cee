//! Issue 5's late-data acceptance test: a stream of email events where 5 % arrive 10 s – 30 min late
//! and 0.1 % arrive 1 – 6 hours late is written through `/write` second by simulated second while
//! the continuous-query service ticks on a manual clock; three CQs roll the raw events up at 10 s,
//! 1 m and 1 h (count, sum, min, max, mean, `GROUP BY time(I), *`, default RESAMPLE). Once the stream
//! has settled, every rollup bucket must equal the same aggregates recomputed from the raw events —
//! exactly for count, sum, min and max, to 1e-9 (relative) for mean — and no bucket may be missing or
//! extra. InfluxDB 1.6.7 fed the same kind of stream leaves hundreds of buckets wrong
//! (`scripts/bench-late-data.sh`, `docs/benchmarks.md`).
//!
//! History (6 h before the CQs exist) is rolled up with `BACKFILL CONTINUOUS QUERY`, so the
//! hours-late points land in windows that were computed long before.
//!
//! `TAILDB_LATE_STREAM=<dir>` replays instead the stream that `scripts/late-data.py` sent to InfluxDB
//! (`<dir>/stream.tsv` and `<dir>/state.json`) — the same events at the same simulated arrival times —
//! and prints the comparison (run with `--ignored --nocapture`).

use std::collections::BTreeMap;
use std::sync::Arc;

use query::cq::{ContinuousQueryService, ManualClock, ServiceConfig};
use serde_json::Value;

use super::support::App;

const NS: i64 = 1_000_000_000;
/// The rollups: name suffix, GROUP BY interval.
const CQS: [(&str, i64); 3] = [("10s", 10 * NS), ("1m", 60 * NS), ("1h", 3600 * NS)];
const AGGS: [&str; 5] = ["count", "sum", "min", "max", "mean"];

/// One event: when it reaches the server (simulated ns) and its line of line protocol.
pub struct Event {
    pub arrival: i64,
    pub line: String,
}

/// A stream: history start, the moment the CQs are created (history is every event before it),
/// and the events in arrival order.
pub struct Stream {
    pub h0: i64,
    pub start: i64,
    pub events: Vec<Event>,
}

/// splitmix64: small, deterministic, good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: i64) -> i64 {
        (self.next() % n as u64) as i64
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below(hi - lo)
    }
}

fn event_line(rng: &mut Rng, t: i64) -> String {
    let dir = ["in", "out"][rng.below(2) as usize];
    let dc = ["ams", "fra"][rng.below(2) as usize];
    let host = rng.below(2) + 1;
    let cust = rng.below(5) + 1;
    // Lognormal-ish latency (Box–Muller), median 120 ms, 1 % spikes ×10; 3 decimals like the loader.
    let (u1, u2) = (rng.unit().max(1e-12), rng.unit());
    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    let mut v = (120f64.ln() + 0.6 * z).exp();
    if rng.unit() < 0.01 {
        v *= 10.0;
    }
    format!(
        "mail,customer=c{cust},dc={dc},direction={dir},host=mx-{dc}-{host} latency_ms={v:.3} {t}"
    )
}

/// The generated stream: `history_h` hours at 2 events/s, then `live_s` seconds at `rate` events a
/// second, 94.9 % on time, 5 % 10 s – 30 min late, 0.1 % 1 – 6 h late.
pub fn generated(seed: u64, history_h: i64, live_s: i64, rate: i64) -> Stream {
    let mut rng = Rng(seed);
    // 2026-11-20T00:00:00Z.
    let h0 = 1_795_651_200 * NS;
    let start = h0 + history_h * 3600 * NS;
    let mut events = Vec::new();
    let mut t = h0;
    while t < start {
        let jitter = rng.below(NS / 2);
        let line = event_line(&mut rng, t + jitter);
        events.push(Event {
            arrival: start,
            line,
        });
        t += NS / 2;
    }
    for s in 0..live_s {
        let arrival = start + (s + 1) * NS;
        for _ in 0..rate {
            let r = rng.unit();
            let lag = if r < 0.001 {
                rng.range(3600 * NS, 6 * 3600 * NS)
            } else if r < 0.051 {
                rng.range(10 * NS, 1800 * NS)
            } else {
                0
            };
            let jitter = rng.below(NS);
            let line = event_line(&mut rng, arrival - jitter - lag);
            events.push(Event { arrival, line });
        }
    }
    Stream { h0, start, events }
}

/// The stream `scripts/late-data.py` sent to InfluxDB: `<dir>/stream.tsv` (arrival ns TAB line)
/// and `<dir>/state.json` (`h0`, `live_start`).
pub fn from_dir(dir: &str) -> Stream {
    let state: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{dir}/state.json")).expect("state.json"),
    )
    .expect("state.json is JSON");
    let text = std::fs::read_to_string(format!("{dir}/stream.tsv")).expect("stream.tsv");
    let events = text
        .lines()
        .filter_map(|l| {
            let (a, line) = l.split_once('\t')?;
            Some(Event {
                arrival: a.parse().ok()?,
                line: line.to_string(),
            })
        })
        .collect();
    let h0 = state["h0"].as_i64().expect("h0");
    let start = state["start"].as_i64().expect("start");
    Stream { h0, start, events }
}

/// The CQ of one rollup.
pub fn cq_text(db: &str, name: &str) -> String {
    let sel: Vec<String> = AGGS
        .iter()
        .map(|a| format!("{a}(latency_ms) AS {a}"))
        .collect();
    format!(
        "CREATE CONTINUOUS QUERY cq_{name} ON {db} BEGIN SELECT {} INTO {db}.autogen.mail_{name} \
         FROM {db}.autogen.mail GROUP BY time({name}), * END",
        sel.join(", ")
    )
}

/// Per rollup: buckets compared and what was wrong.
#[derive(Debug, Default)]
pub struct Comparison {
    pub buckets: usize,
    pub missing: usize,
    pub extra: usize,
    pub wrong: BTreeMap<&'static str, usize>,
    pub examples: Vec<String>,
}

impl Comparison {
    pub fn bad(&self) -> usize {
        self.missing + self.extra + self.wrong.values().sum::<usize>()
    }
}

type Rows = BTreeMap<(String, i64), Vec<Value>>;

/// `(series tags, time) → [count, sum, min, max, mean]` of every row of a `GROUP BY *` answer.
pub fn rows(answer: &Value) -> Rows {
    let mut out = Rows::new();
    for res in answer["results"].as_array().into_iter().flatten() {
        assert!(res.get("error").is_none(), "query failed: {res}");
        for s in res["series"].as_array().into_iter().flatten() {
            let tags = s["tags"].to_string();
            let cols: Vec<&str> = s["columns"]
                .as_array()
                .expect("columns")
                .iter()
                .map(|c| c.as_str().unwrap_or_default())
                .collect();
            for v in s["values"].as_array().into_iter().flatten() {
                let v = v.as_array().expect("row");
                let t = v[0].as_i64().expect("epoch=ns time");
                let vals = AGGS
                    .iter()
                    .map(|a| {
                        cols.iter()
                            .position(|c| c == a)
                            .map_or(Value::Null, |i| v[i].clone())
                    })
                    .collect::<Vec<_>>();
                if vals[0].as_i64().unwrap_or(0) > 0 {
                    out.insert((tags.clone(), t), vals);
                }
            }
        }
    }
    out
}

/// Compares a rollup (`rolled`) with the raw recomputation (`raw`).
pub fn compare(raw: &Rows, rolled: &Rows) -> Comparison {
    let mut c = Comparison {
        buckets: raw.len(),
        ..Default::default()
    };
    for (k, want) in raw {
        let Some(got) = rolled.get(k) else {
            c.missing += 1;
            if c.examples.len() < 5 {
                c.examples.push(format!("missing {k:?}: raw {want:?}"));
            }
            continue;
        };
        for (i, agg) in AGGS.iter().enumerate() {
            let ok = if *agg == "mean" {
                let (a, b) = (
                    want[i].as_f64().unwrap_or(f64::NAN),
                    got[i].as_f64().unwrap_or(f64::NAN),
                );
                (a - b).abs() <= 1e-9 * a.abs().max(1.0)
            } else {
                want[i] == got[i]
            };
            if !ok {
                *c.wrong.entry(agg).or_default() += 1;
                if c.examples.len() < 5 {
                    c.examples
                        .push(format!("{agg} of {k:?}: raw {want:?} rollup {got:?}"));
                }
            }
        }
    }
    c.extra = rolled.keys().filter(|k| !raw.contains_key(*k)).count();
    c
}

/// What a run of a stream through taildb left: per rollup the comparison, and the repair counts.
pub struct Outcome {
    pub comparisons: Vec<(&'static str, Comparison)>,
    /// Per rollup: dirty buckets recomputed, repair queries.
    pub repairs: Vec<(&'static str, u64, u64)>,
    pub late_events: usize,
}

/// Writes `stream` into database `db` of `app` second by simulated second, ticking `svc` each
/// second, then lets the clock run past the next hour boundary and compares every rollup with the
/// raw recomputation.
pub async fn run_stream(app: &App, stream: &Stream) -> Outcome {
    let clock = Arc::new(ManualClock::new(stream.start));
    let svc = ContinuousQueryService::new(
        Arc::clone(&app.engine),
        clock.clone(),
        ServiceConfig::default(),
    );
    let mut events = stream.events.iter().peekable();
    // History (arrived before the CQs exist).
    let mut body = String::new();
    while let Some(e) = events.next_if(|e| e.arrival <= stream.start) {
        body.push_str(&e.line);
        body.push('\n');
        if body.len() > 4 << 20 {
            app.write("db=db&precision=ns", &body)
                .await
                .assert_no_content();
            body.clear();
        }
    }
    if !body.is_empty() {
        app.write("db=db&precision=ns", &body)
            .await
            .assert_no_content();
    }
    for (name, _) in CQS {
        let created = app.query(&cq_text("db", name)).await;
        assert!(created["results"][0].get("error").is_none(), "{created}");
    }
    svc.tick(stream.start);
    // Roll the history up: what an operator does after creating CQs over existing data.
    for (name, _) in CQS {
        svc.backfill("db", &format!("cq_{name}"), stream.h0, stream.start)
            .expect("backfill of the history");
    }
    // Live: one POST per simulated second, then a scheduler tick at that second.
    let mut late_events = 0usize;
    let mut now = stream.start;
    while let Some(first) = events.peek() {
        now = first.arrival;
        body.clear();
        while let Some(e) = events.next_if(|e| e.arrival == now) {
            let t: i64 = e
                .line
                .rsplit_once(' ')
                .and_then(|(_, t)| t.parse().ok())
                .expect("timestamp");
            if now - t >= 10 * NS {
                late_events += 1;
            }
            body.push_str(&e.line);
            body.push('\n');
        }
        app.write("db=db&precision=ns", &body)
            .await
            .assert_no_content();
        clock.set(now);
        svc.tick(now);
    }
    // Settle: ticks every 10 s until 2 minutes past the next hour boundary.
    let settle = (now / (3600 * NS) + 1) * 3600 * NS + 120 * NS;
    while now < settle {
        now += 10 * NS;
        clock.set(now);
        svc.tick(now);
    }
    let mut comparisons = Vec::new();
    let mut repairs = Vec::new();
    for (name, step) in CQS {
        let end = now / step * step;
        let sel: Vec<String> = AGGS
            .iter()
            .map(|a| format!("{a}(latency_ms) AS {a}"))
            .collect();
        let raw = rows(
            &app.query_epoch(&format!(
                "SELECT {} FROM mail WHERE time >= {} AND time < {end} GROUP BY time({name}), * fill(none)",
                sel.join(", "),
                stream.h0
            ))
            .await,
        );
        let rolled = rows(
            &app.query_epoch(&format!(
                "SELECT {} FROM mail_{name} WHERE time >= {} AND time < {end} GROUP BY *",
                AGGS.join(", "),
                stream.h0
            ))
            .await,
        );
        comparisons.push((name, compare(&raw, &rolled)));
        let st = svc.stats_of("db", &format!("cq_{name}")).expect("stats");
        repairs.push((name, st.repaired_buckets, st.repair_runs));
    }
    Outcome {
        comparisons,
        repairs,
        late_events,
    }
}

fn report(o: &Outcome) -> String {
    let mut s = format!("late events: {}\n", o.late_events);
    for ((name, c), (_, buckets, runs)) in o.comparisons.iter().zip(&o.repairs) {
        s.push_str(&format!(
            "{name}: {} buckets, {} wrong (missing {}, extra {}, values {:?}); repaired {buckets} buckets in {runs} queries; {:?}\n",
            c.buckets,
            c.bad(),
            c.missing,
            c.extra,
            c.wrong,
            c.examples
        ));
    }
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn late_data_rollups_equal_raw_recomputation() {
    let app = App::new();
    // 6 h of history, 2 h live at 8 events/s: ~2,900 late events, ~58 of them hours late.
    let stream = generated(5, 6, 2 * 3600, 8);
    let o = run_stream(&app, &stream).await;
    let text = report(&o);
    println!("{text}");
    assert!(o.late_events > 2000, "{text}");
    for ((name, c), (_, repaired, repair_runs)) in o.comparisons.iter().zip(&o.repairs) {
        assert!(c.buckets > 0, "{name}: nothing compared\n{text}");
        assert_eq!(c.bad(), 0, "{name} rollup differs from raw\n{text}");
        // Only dirty windows are recomputed: at most one bucket per late event, never everything.
        assert!(
            *repaired > 0 && *repair_runs > 0,
            "{name}: no repair ran\n{text}"
        );
        assert!(
            *repaired as usize <= o.late_events,
            "{name}: {repaired} buckets repaired for {} late events\n{text}",
            o.late_events
        );
    }
}

/// The stream `scripts/bench-late-data.sh` sent to InfluxDB, replayed through taildb:
/// `TAILDB_LATE_STREAM=/tmp/late-run cargo test --release --test http_api late_data_replay -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the stream of scripts/bench-late-data.sh (TAILDB_LATE_STREAM=<dir>)"]
async fn late_data_replay_of_the_influxdb_stream() {
    let dir = std::env::var("TAILDB_LATE_STREAM").expect("TAILDB_LATE_STREAM=<dir>");
    let app = App::new();
    let stream = from_dir(&dir);
    let began = std::time::Instant::now();
    let o = run_stream(&app, &stream).await;
    println!(
        "{}replayed in {:.1} s",
        report(&o),
        began.elapsed().as_secs_f64()
    );
    for (name, c) in &o.comparisons {
        assert_eq!(c.bad(), 0, "{name}");
    }
}
