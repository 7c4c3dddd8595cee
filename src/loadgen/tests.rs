//! Tests of the generator (determinism, distributions, format, series counts) and the poster.

use std::collections::{HashMap, HashSet};

use bytes::Bytes;
use clap::Parser;

use super::args::LoadgenArgs;
use super::post::{self, PostConfig, split_batches};
use super::report::percentile_ms;
use super::run::{dump, generate};
use super::start::{self, parse_start, shift_timestamps};
use super::workload::{Generator, MEASUREMENT, OUTBOUND_SHARE, Params, STATUSES, host_of};

pub(super) const START: i64 = 1_714_521_600_000_000_000; // 2024-05-01T00:00:00Z

#[derive(Parser)]
struct Cmd {
    #[command(flatten)]
    args: LoadgenArgs,
}

pub(super) fn args(extra: &[&str]) -> LoadgenArgs {
    let mut v = vec!["loadgen", "--start", "2024-05-01T00:00:00Z"];
    v.extend_from_slice(extra);
    Cmd::parse_from(v).args
}

fn params(customers: u32, dcs: u32, hosts: u32, seed: u64) -> Params {
    Params {
        seed,
        customers,
        dcs,
        hosts,
        zipf: 1.1,
        start_ns: START,
        ns_per_line: 1e6,
    }
}

fn lines_of(p: &Params, n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let mut g = Generator::new(p).expect("valid params");
    g.fill(&mut out, n);
    out
}

/// One line split into its parts: tags, fields, timestamp.
pub(super) struct Parsed {
    pub series: String,
    pub tags: Vec<(String, String)>,
    pub fields: Vec<(String, String)>,
    pub ts: i64,
}

/// A strict split-based check of the line shape this generator promises (no escapes needed:
/// no value contains a space, comma, equals sign or quote).
fn parse_line(line: &str) -> Parsed {
    let parts: Vec<&str> = line.split(' ').collect();
    assert_eq!(parts.len(), 3, "three space-separated sections: {line}");
    let mut head = parts[0].split(',');
    assert_eq!(head.next(), Some(MEASUREMENT), "{line}");
    let tags: Vec<(String, String)> = head
        .map(|kv| {
            let (k, v) = kv
                .split_once('=')
                .unwrap_or_else(|| panic!("tag without '=': {line}"));
            assert!(!k.is_empty() && !v.is_empty(), "{line}");
            (k.to_string(), v.to_string())
        })
        .collect();
    let keys: Vec<&str> = tags.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        ["customer", "dc", "direction", "host"],
        "sorted tag keys: {line}"
    );
    let fields: Vec<(String, String)> = parts[1]
        .split(',')
        .map(|kv| {
            let (k, v) = kv
                .split_once('=')
                .unwrap_or_else(|| panic!("field without '=': {line}"));
            (k.to_string(), v.to_string())
        })
        .collect();
    let fkeys: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        fkeys,
        ["latency_ms", "size_bytes", "attempts", "status"],
        "{line}"
    );
    let lat = &fields[0].1;
    let (int, frac) = lat
        .split_once('.')
        .unwrap_or_else(|| panic!("latency has 3 decimals: {line}"));
    assert!(
        int.parse::<u64>().is_ok() && frac.len() == 3 && frac.parse::<u32>().is_ok(),
        "{line}"
    );
    for (_, v) in &fields[1..3] {
        let digits = v
            .strip_suffix('i')
            .unwrap_or_else(|| panic!("integer field ends in i: {line}"));
        assert!(digits.parse::<u64>().is_ok(), "{line}");
    }
    let status = fields[3]
        .1
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or_else(|| panic!("quoted string: {line}"));
    assert!(STATUSES.contains(&status), "{line}");
    let ts = parts[2]
        .parse::<i64>()
        .unwrap_or_else(|_| panic!("timestamp: {line}"));
    Parsed {
        series: parts[0].to_string(),
        tags,
        fields,
        ts,
    }
}

pub(super) fn parse_all(data: &[u8]) -> Vec<Parsed> {
    let text = std::str::from_utf8(data).expect("utf-8");
    assert!(text.ends_with('\n'));
    text.lines().map(parse_line).collect()
}

#[test]
fn same_seed_same_bytes_different_seed_different_bytes() {
    let a = generate(&args(&["--lines", "3000", "--seed", "7"]), 0).expect("generate");
    let b = generate(&args(&["--lines", "3000", "--seed", "7"]), 0).expect("generate");
    let c = generate(&args(&["--lines", "3000", "--seed", "8"]), 0).expect("generate");
    assert_eq!(a, b);
    assert_ne!(a, c);
    // Dumping (chunked) gives the same bytes as generating in one go.
    let mut d = Vec::new();
    dump(&args(&["--lines", "3000", "--seed", "7"]), 0, &mut d).expect("dump");
    assert_eq!(a, d);
}

#[test]
fn output_does_not_depend_on_chunking() {
    let p = params(50, 3, 9, 42);
    let whole = lines_of(&p, 1000);
    let mut g = Generator::new(&p).expect("valid");
    let mut pieces = Vec::new();
    for n in [1, 2, 997] {
        g.fill(&mut pieces, n);
    }
    assert_eq!(whole, pieces);
}

#[test]
fn every_line_has_the_promised_format() {
    let data = generate(
        &args(&[
            "--lines",
            "5000",
            "--customers",
            "100000",
            "--dcs",
            "14",
            "--hosts",
            "200",
        ]),
        0,
    )
    .expect("generate");
    let parsed = parse_all(&data);
    assert_eq!(parsed.len(), 5000);
    for p in &parsed {
        let tag = |k: &str| {
            p.tags
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        assert!(
            tag("customer").starts_with("cust") && tag("customer").len() == 10,
            "{}",
            p.series
        );
        assert!(["inbound", "outbound"].contains(&tag("direction").as_str()));
        // The host name embeds its dc.
        assert!(
            tag("host").starts_with(&format!("mx-{}-", tag("dc"))),
            "{}",
            p.series
        );
        assert!(p.fields[0].1.parse::<f64>().expect("float") > 0.0);
    }
}

#[test]
fn timestamps_increase_and_stay_in_the_window() {
    // 10_000 lines over one minute: 6 ms apart.
    let data = generate(&args(&["--lines", "10000", "--span", "1m"]), 0).expect("generate");
    let ts: Vec<i64> = parse_all(&data).iter().map(|p| p.ts).collect();
    assert!(ts.windows(2).all(|w| w[0] < w[1]), "strictly increasing");
    assert!(ts[0] >= START && *ts.last().expect("non-empty") < START + 60_000_000_000);
    // --rate wins over --span: 1000 lines at 10/s cover ~100 s.
    let data = generate(&args(&["--lines", "1000", "--rate", "10"]), 0).expect("generate");
    let last = parse_all(&data).last().map(|p| p.ts).expect("non-empty");
    assert!(
        (START + 99_900_000_000..START + 100_000_000_000).contains(&last),
        "{last}"
    );
}

#[test]
fn customers_follow_zipf() {
    let n = 200_000u64;
    let customers = 100u32;
    let s = 1.1f64;
    let data = lines_of(&params(customers, 2, 4, 3), n);
    let mut counts = vec![0u64; customers as usize];
    for p in parse_all(&data) {
        let c: usize = p.tags[0].1["cust".len()..].parse().expect("number");
        counts[c] += 1;
    }
    let h: f64 = (1..=customers).map(|r| (r as f64).powf(-s)).sum();
    for rank in [1usize, 2, 5, 10, 50] {
        let expected = n as f64 * (rank as f64).powf(-s) / h;
        let got = counts[rank - 1] as f64;
        // 5 standard deviations of a binomial count.
        let tol = 5.0 * expected.sqrt();
        assert!(
            (got - expected).abs() < tol,
            "rank {rank}: got {got}, expected {expected:.0} ± {tol:.0}"
        );
    }
}

#[test]
fn hosts_are_uniform_and_dcs_follow_their_hosts() {
    let n = 100_000u64;
    let (dcs, hosts) = (4u32, 10u32);
    let data = lines_of(&params(10, dcs, hosts, 9), n);
    let mut by_host: HashMap<String, u64> = HashMap::new();
    let mut by_dc: HashMap<String, u64> = HashMap::new();
    let mut outbound = 0u64;
    for p in parse_all(&data) {
        *by_dc.entry(p.tags[1].1.clone()).or_default() += 1;
        *by_host.entry(p.tags[3].1.clone()).or_default() += 1;
        outbound += u64::from(p.tags[2].1 == "outbound");
    }
    assert_eq!(by_host.len(), hosts as usize);
    for h in 0..hosts {
        let (_, name) = host_of(h, dcs);
        let got = by_host.get(&name).copied().unwrap_or(0) as f64;
        let expected = n as f64 / hosts as f64;
        assert!(
            (got - expected).abs() < 5.0 * expected.sqrt(),
            "{name}: {got}"
        );
    }
    // dc d owns the hosts h with h % dcs == d: 3, 3, 2, 2 of 10.
    let mut dc_hosts: HashMap<String, u32> = HashMap::new();
    for h in 0..hosts {
        let (dc, _) = host_of(h, dcs);
        *dc_hosts.entry(super::workload::dc_name(dc)).or_default() += 1;
    }
    assert_eq!(by_dc.len(), dcs as usize);
    for (dc, k) in dc_hosts {
        let expected = n as f64 * k as f64 / hosts as f64;
        let got = by_dc.get(&dc).copied().unwrap_or(0) as f64;
        assert!(
            (got - expected).abs() < 5.0 * expected.sqrt(),
            "{dc}: {got} vs {expected}"
        );
    }
    let expected = n as f64 * OUTBOUND_SHARE;
    assert!(
        (outbound as f64 - expected).abs() < 5.0 * expected.sqrt(),
        "outbound {outbound}"
    );
}

fn distinct_series(data: &[u8]) -> usize {
    parse_all(data)
        .into_iter()
        .map(|p| p.series)
        .collect::<HashSet<_>>()
        .len()
}

#[test]
fn small_workload_covers_every_series() {
    // 3 customers x 4 hosts x 2 directions, 5000 lines: every combination appears.
    let data = lines_of(&params(3, 2, 4, 5), 5000);
    assert_eq!(distinct_series(&data), 3 * 4 * 2);
}

#[test]
fn distinct_series_match_the_occupancy_estimate() {
    // E[distinct] = sum over customers c and directions d of H * (1 - exp(-n * p_c * q_d / H)).
    let (customers, dcs, hosts, n) = (2_000u32, 4u32, 20u32, 60_000u64);
    let data = lines_of(&params(customers, dcs, hosts, 11), n);
    let got = distinct_series(&data) as f64;
    let w: Vec<f64> = (1..=customers).map(|r| (r as f64).powf(-1.1)).collect();
    let total: f64 = w.iter().sum();
    let hf = hosts as f64;
    let expected: f64 = w
        .iter()
        .map(|wc| {
            [OUTBOUND_SHARE, 1.0 - OUTBOUND_SHARE]
                .iter()
                .map(|q| hf * (1.0 - (-(n as f64) * wc / total * q / hf).exp()))
                .sum::<f64>()
        })
        .sum();
    assert!(
        (got - expected).abs() < 0.02 * expected,
        "distinct {got}, expected {expected:.0}"
    );
}

#[test]
fn start_accepts_rfc3339_and_now_minus() {
    assert_eq!(
        parse_start(Some("2024-05-01T00:00:00Z"), 0).expect("rfc3339"),
        START
    );
    let now = START + 3_600_000_000_000 + 12_345_678_901; // 01:00:12.3 → now-1h = 00:00:12.3 → 00:00
    assert_eq!(parse_start(Some("now-1h"), now).expect("now-1h"), START);
    assert_eq!(parse_start(None, now).expect("default"), START);
    assert_eq!(
        parse_start(Some("now-90m"), now + 1_800_000_000_000).expect("now-90m"),
        START
    );
    assert!(parse_start(Some("yesterday"), now).is_err());
    assert!(parse_start(Some("now*2"), now).is_err());
    assert!(parse_start(Some("now-banana"), now).is_err());
}

#[test]
fn bad_parameters_are_errors() {
    assert!(Generator::new(&params(0, 1, 1, 1)).is_err());
    assert!(Generator::new(&params(1, 4, 2, 1)).is_err());
    assert!(generate(&args(&["--rate=-3"]), 0).is_err());
}

#[test]
fn batches_split_on_line_boundaries() {
    let data = Bytes::from_static(b"a 1\nb 2\n\nc 3\nd 4\ne 5");
    let batches = split_batches(data.clone(), 2, false).expect("split");
    let lines: Vec<u64> = batches.iter().map(|b| b.lines).collect();
    assert_eq!(lines, [2, 2, 1]);
    let joined: Vec<u8> = batches.iter().flat_map(|b| b.body.to_vec()).collect();
    assert_eq!(joined, data.to_vec());
    let gz = split_batches(data.clone(), 2, true).expect("split");
    let mut round = Vec::new();
    for b in &gz {
        use std::io::Read;
        flate2::read::GzDecoder::new(&b.body[..])
            .read_to_end(&mut round)
            .expect("gunzip");
    }
    assert_eq!(round, data.to_vec());
    assert!(
        split_batches(Bytes::new(), 5, false)
            .expect("split")
            .is_empty()
    );
}

#[test]
fn percentiles_use_nearest_rank() {
    use std::time::Duration;
    let d: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
    assert_eq!(percentile_ms(&d, 0.5), 50.0);
    assert_eq!(percentile_ms(&d, 0.99), 99.0);
    assert_eq!(percentile_ms(&d, 1.0), 100.0);
    assert_eq!(percentile_ms(&[], 0.5), 0.0);
}

mod http {
    //! The poster against a tiny in-process server: retries on 5xx, counts 4xx as failed, loses nothing.

    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;

    use axum::Router;
    use axum::body::Bytes as Body;
    use axum::extract::{Query, State};
    use axum::http::StatusCode;
    use axum::routing::post;

    use super::*;

    #[derive(Default)]
    struct Seen {
        requests: AtomicU64,
        lines: AtomicU64,
        created: AtomicU64,
    }

    async fn write(
        State(seen): State<Arc<Seen>>,
        Query(q): Query<HashMap<String, String>>,
        body: Body,
    ) -> (StatusCode, String) {
        let n = seen.requests.fetch_add(1, Ordering::SeqCst);
        if q.get("db").map(String::as_str) != Some("mail db")
            || q.get("precision").map(String::as_str) != Some("ns")
        {
            return (StatusCode::BAD_REQUEST, "{\"error\":\"bad query\"}".into());
        }
        if n == 0 {
            return (StatusCode::SERVICE_UNAVAILABLE, "busy".into());
        }
        if body.windows(3).any(|w| w == b"BAD") {
            return (
                StatusCode::BAD_REQUEST,
                "{\"error\":\"unable to parse 'BAD'\"}".into(),
            );
        }
        seen.lines.fetch_add(
            body.iter().filter(|&&b| b == b'\n').count() as u64,
            Ordering::SeqCst,
        );
        (StatusCode::NO_CONTENT, String::new())
    }

    async fn query(
        State(seen): State<Arc<Seen>>,
        Query(q): Query<HashMap<String, String>>,
    ) -> String {
        if q.get("q").map(String::as_str) == Some("CREATE DATABASE \"mail db\"") {
            seen.created.fetch_add(1, Ordering::SeqCst);
        }
        "{\"results\":[{\"statement_id\":0}]}".into()
    }

    #[test]
    fn posts_everything_retries_5xx_and_reports_4xx() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let seen = Arc::new(Seen::default());
            let app = Router::new()
                .route("/write", post(write))
                .route("/query", post(query))
                .with_state(seen.clone());
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let addr = listener.local_addr().expect("addr");
            tokio::spawn(async move { axum::serve(listener, app).await });

            let mut data = generate(&args(&["--lines", "1000"]), 0).expect("generate");
            data.extend_from_slice(b"BAD line\n");
            let batches = split_batches(Bytes::from(data), 100, false).expect("split");
            let cfg = PostConfig {
                stamp_at_send: false,
                url: format!("http://{addr}/"),
                db: "mail db".into(),
                workers: 3,
                batch_lines: 100,
                gzip: false,
                retries: 2,
                timeout: Duration::from_secs(10),
                progress: Duration::ZERO,
            };
            let client = post::client(&cfg).expect("client");
            post::create_db(&client, &cfg).await.expect("create db");
            assert_eq!(seen.created.load(Ordering::SeqCst), 1);
            let report = post::post_source(client, cfg, post::Source::Prebuilt(batches))
                .await
                .expect("post");
            assert_eq!(report.lines_sent, 1000);
            assert_eq!(seen.lines.load(Ordering::SeqCst), 1000);
            assert_eq!(report.lines_failed, 1);
            assert_eq!(report.batches_failed, 1);
            assert_eq!(report.retries, 1);
            assert_eq!(report.batches_ok, 10);
            assert!(
                report
                    .errors
                    .iter()
                    .any(|e| e.contains("unable to parse 'BAD'")),
                "{:?}",
                report.errors
            );
            assert!(
                report.ack_p50_ms <= report.ack_p99_ms && report.ack_p99_ms <= report.ack_max_ms
            );
        });
    }
    #[test]
    fn streams_cross_mode_batches_and_loses_none() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let seen = Arc::new(Seen::default());
            let app = Router::new()
                .route("/write", post(write))
                .with_state(seen.clone());
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let addr = listener.local_addr().expect("addr");
            tokio::spawn(async move { axum::serve(listener, app).await });

            let a = args(&[
                "--series-mode",
                "cross",
                "--customers",
                "37",
                "--hosts",
                "3",
                "--dcs",
                "2",
                "--points",
                "2",
            ]);
            let g = crate::loadgen::cross::CrossGenerator::new(
                &crate::loadgen::run::cross_params(&a, 0).expect("params"),
            )
            .expect("generator");
            let total = g.total_lines();
            assert_eq!(total, 37 * 3 * 2 * 2 * 2);
            let cfg = PostConfig {
                stamp_at_send: false,
                url: format!("http://{addr}"),
                db: "mail db".into(),
                workers: 2,
                batch_lines: 100,
                gzip: false,
                retries: 2,
                timeout: Duration::from_secs(10),
                progress: Duration::ZERO,
            };
            let source = crate::loadgen::run::stream(g, 100, false, 2);
            let client = post::client(&cfg).expect("client");
            let report = post::post_source(client, cfg, source).await.expect("post");
            assert_eq!(report.lines_sent, total);
            assert_eq!(seen.lines.load(Ordering::SeqCst), total);
            assert_eq!(report.batches_ok, total.div_ceil(100));
            assert_eq!((report.batches_failed, report.retries), (0, 1));
            assert!(report.producer_wait_s.is_some());
        });
    }
}

#[test]
fn live_shift_moves_every_timestamp_and_nothing_else() {
    let data = generate(&args(&["--lines", "500", "--rate", "1000"]), START).expect("generate");
    let mut shifted = data.clone();
    shift_timestamps(&mut shifted, 1_234_567_890).expect("shift");
    let (a, b) = (
        String::from_utf8(data).expect("utf8"),
        String::from_utf8(shifted).expect("utf8"),
    );
    assert_eq!(a.lines().count(), 500);
    for (x, y) in a.lines().zip(b.lines()) {
        let (xh, xt) = x.rsplit_once(' ').expect("timestamp");
        let (yh, yt) = y.rsplit_once(' ').expect("timestamp");
        assert_eq!(xh, yh, "only the timestamp changes");
        let (xt, yt): (i64, i64) = (xt.parse().expect("int"), yt.parse().expect("int"));
        assert_eq!(yt - xt, 1_234_567_890);
    }
    let mut bad = b"m v=1 12\n".to_vec();
    assert!(
        shift_timestamps(&mut bad, 1_000).is_err(),
        "width change is refused"
    );
    let mut none = b"m v=1\n".to_vec();
    assert!(
        shift_timestamps(&mut none, 1).is_err(),
        "a line without timestamp is refused"
    );
}

#[test]
fn stamp_at_send_moves_a_batch_to_now_keeping_its_spacing() {
    let data = generate(&args(&["--lines", "300", "--rate", "1000"]), START).expect("generate");
    let batch = post::make_batch(Bytes::from(data.clone()), 300, false).expect("batch");
    let before = start::now_ns().expect("now");
    let stamped = post::stamp_now(&batch).expect("stamp");
    let after = start::now_ns().expect("now");
    assert_eq!((stamped.lines, stamped.raw_len), (300, data.len() as u64));
    let times = |b: &[u8]| -> Vec<i64> {
        std::str::from_utf8(b)
            .expect("utf8")
            .lines()
            .map(|l| l.rsplit_once(' ').expect("ts").1.parse().expect("int"))
            .collect()
    };
    let (old, new) = (times(&data), times(&stamped.body));
    assert!(
        (before..=after).contains(&new[0]),
        "{before} <= {} <= {after}",
        new[0]
    );
    let delta = new[0] - old[0];
    assert!(old.iter().zip(&new).all(|(o, n)| n - o == delta));
    assert!(
        post::stamp_now(&post::make_batch(Bytes::from_static(b"m v=1\n"), 1, false).unwrap())
            .is_err(),
        "a batch without timestamps is refused"
    );
}
