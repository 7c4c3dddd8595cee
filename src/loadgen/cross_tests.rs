//! Tests of cross mode: the permutation, series coverage, determinism, tag values, streaming posts.

use std::collections::{HashMap, HashSet};

use super::cross::{CrossGenerator, CrossOrder, CrossParams, Permutation};
use super::run::{cross_params, dump};
use super::tests::{START, args, parse_all};

fn cross(customers: u32, hosts: u32, dcs: u32, directions: u32, points: u32) -> CrossParams {
    CrossParams {
        seed: 3,
        customers,
        hosts,
        dcs,
        directions,
        points,
        order: CrossOrder::Shuffled,
        start_ns: START,
        ns_per_line: 1e6,
    }
}

fn all_lines(p: &CrossParams, chunk: u64) -> Vec<u8> {
    let mut g = CrossGenerator::new(p).expect("valid params");
    let mut out = Vec::new();
    while g.fill(&mut out, chunk) > 0 {}
    out
}

#[test]
fn permutation_is_a_bijection_and_not_the_identity() {
    for n in [1u64, 2, 3, 5, 16, 17, 100, 1000, 4097, 65_537] {
        for key in [0u64, 1, 0xDEAD_BEEF] {
            let p = Permutation::new(n, key);
            let mut seen = vec![false; n as usize];
            for i in 0..n {
                let x = p.apply(i);
                assert!(x < n, "n={n} key={key}: {i} -> {x}");
                assert!(!seen[x as usize], "n={n} key={key}: {x} hit twice");
                seen[x as usize] = true;
            }
            if n >= 100 {
                let fixed = (0..n).filter(|&i| p.apply(i) == i).count() as u64;
                assert!(fixed < n / 10, "n={n} key={key}: {fixed} fixed points");
            }
        }
    }
    assert_ne!(
        (0..100)
            .map(|i| Permutation::new(1000, 1).apply(i))
            .collect::<Vec<_>>(),
        (0..100)
            .map(|i| Permutation::new(1000, 2).apply(i))
            .collect::<Vec<_>>(),
        "keys change the order"
    );
}

#[test]
fn every_series_appears_once_per_round() {
    for order in [CrossOrder::Shuffled, CrossOrder::Sorted] {
        let mut p = cross(7, 5, 3, 2, 3);
        p.order = order;
        let series = 7 * 5 * 3 * 2;
        let lines = parse_all(&all_lines(&p, 64));
        assert_eq!(lines.len(), series * 3);
        for round in lines.chunks(series) {
            let distinct: HashSet<&str> = round.iter().map(|l| l.series.as_str()).collect();
            assert_eq!(
                distinct.len(),
                series,
                "{order:?}: each round covers all series"
            );
        }
        let mut per_series: HashMap<&str, usize> = HashMap::new();
        for l in &lines {
            *per_series.entry(l.series.as_str()).or_default() += 1;
        }
        assert!(per_series.values().all(|&c| c == 3));
    }
}

#[test]
fn tag_values_are_the_documented_ones() {
    let lines = parse_all(&all_lines(&cross(3, 12, 2, 1, 1), 1000));
    let values = |k: &str| -> HashSet<String> {
        lines
            .iter()
            .flat_map(|l| l.tags.iter())
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let expect = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<HashSet<_>>();
    assert_eq!(
        values("customer"),
        expect(&["cust000000", "cust000001", "cust000002"])
    );
    assert_eq!(values("dc"), expect(&["ams1", "fra1"]));
    assert_eq!(values("direction"), expect(&["outbound"]));
    let hosts: Vec<String> = (0..12).map(|h| format!("host-{h:02}")).collect();
    assert_eq!(
        values("host"),
        hosts.iter().map(String::clone).collect::<HashSet<_>>()
    );
    // Two directions: outbound and inbound; wide counts widen the numbers.
    let mut g = CrossGenerator::new(&cross(1_234_567, 101, 1, 2, 1)).expect("params");
    let mut out = Vec::new();
    assert_eq!(g.fill(&mut out, 0), 0);
    assert!(out.is_empty(), "fill(0) writes nothing");
    g.fill(&mut out, 2000);
    let text = String::from_utf8(out).expect("utf-8");
    assert!(text.contains("direction=inbound") && text.contains("direction=outbound"));
    assert!(text.lines().all(|l| {
        let c = l.split("customer=cust").nth(1).unwrap_or("");
        let h = l.split("host=host-").nth(1).unwrap_or("");
        c.find(',') == Some(7) && h.find(' ') == Some(3)
    }));
}

#[test]
fn sorted_order_follows_the_numbering() {
    let mut p = cross(2, 2, 2, 2, 1);
    p.order = CrossOrder::Sorted;
    let lines = parse_all(&all_lines(&p, 5));
    let heads: Vec<String> = lines
        .iter()
        .map(|l| {
            l.tags
                .iter()
                .map(|(_, v)| v.as_str())
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    // s = ((customer · hosts + host) · dcs + dc) · directions + direction
    assert_eq!(heads[0], "cust000000,ams1,outbound,host-00");
    assert_eq!(heads[1], "cust000000,ams1,inbound,host-00");
    assert_eq!(heads[2], "cust000000,fra1,outbound,host-00");
    assert_eq!(heads[4], "cust000000,ams1,outbound,host-01");
    assert_eq!(heads[8], "cust000001,ams1,outbound,host-00");
}

#[test]
fn deterministic_and_independent_of_chunking() {
    let p = cross(11, 3, 2, 2, 2);
    let a = all_lines(&p, 1);
    assert_eq!(a, all_lines(&p, 7));
    assert_eq!(a, all_lines(&p, 10_000));
    let mut q = p.clone();
    q.seed = 4;
    assert_ne!(a, all_lines(&q, 7));
    // Timestamps strictly increase (lines 1 ms apart), so round 2 of a series is later than round 1.
    let ts: Vec<i64> = parse_all(&a).iter().map(|l| l.ts).collect();
    assert!(ts.windows(2).all(|w| w[0] < w[1]));
    assert!(ts[0] >= START);
}

#[test]
fn huge_series_counts_need_no_tables() {
    // 10 M series: construction and the first lines are immediate, lines are distinct series.
    let p = cross(100_000, 25, 2, 2, 1);
    let mut g = CrossGenerator::new(&p).expect("params");
    assert_eq!(g.series(), 10_000_000);
    assert_eq!(g.total_lines(), 10_000_000);
    let mut out = Vec::new();
    assert_eq!(g.fill(&mut out, 5000), 5000);
    let lines = parse_all(&out);
    let distinct: HashSet<&str> = lines.iter().map(|l| l.series.as_str()).collect();
    assert_eq!(distinct.len(), 5000);
}

#[test]
fn bad_cross_parameters_are_errors() {
    for p in [
        cross(0, 1, 1, 1, 1),
        cross(1, 0, 1, 1, 1),
        cross(1, 1, 0, 1, 1),
        cross(1, 1, 1, 0, 1),
        cross(1, 1, 1, 3, 1),
        cross(1, 1, 1, 1, 0),
        cross(u32::MAX, u32::MAX, u32::MAX, 2, 1),
    ] {
        assert!(CrossGenerator::new(&p).is_err(), "{p:?}");
    }
}

#[test]
fn cli_cross_mode_dumps_series_times_points() {
    let a = args(&[
        "--series-mode",
        "cross",
        "--customers",
        "10",
        "--hosts",
        "4",
        "--dcs",
        "2",
        "--directions",
        "1",
        "--points",
        "2",
        "--lines",
        "5",
        "--span",
        "1m",
    ]);
    let p = cross_params(&a, 0).expect("params");
    assert_eq!(p.lines().expect("lines"), 160);
    let mut out = Vec::new();
    dump(&a, 0, &mut out).expect("dump");
    let lines = parse_all(&out);
    assert_eq!(lines.len(), 160, "--lines is ignored in cross mode");
    let last = lines.last().map(|l| l.ts).expect("non-empty");
    assert!(
        (START..START + 60_000_000_000).contains(&last),
        "spread over --span"
    );
    // Random mode is still the default.
    let mut out = Vec::new();
    dump(&args(&["--lines", "5"]), 0, &mut out).expect("dump");
    assert_eq!(parse_all(&out).len(), 5);
}
