//! The retention-policy, shard and continuous-query session (`tests/compat/meta-session.txt`):
//! statements and writes recorded in order from a fresh InfluxDB 1.6.7
//! (`scripts/record-meta-session.sh` → `meta-session.jsonl`) are replayed in the same order against
//! a fresh taildb, and every answer is compared with InfluxDB's (status, and body as JSON under the
//! compatibility corpus's rules).
//!
//! Lines whose answer differs on purpose are listed in `meta-session-known.txt` (line number TAB
//! reason). The test fails when an unlisted line mismatches or a listed line now matches.
//! `TAILDB_META_BLESS=1` rewrites the list with the current mismatches (new ones get reason `todo`);
//! without it any `todo` entry fails the test.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use super::compat_corpus::json_matches;
use super::support::{App, encode};

const RECORDED: &str = include_str!("../compat/meta-session.jsonl");
const KNOWN: &str = "tests/compat/meta-session-known.txt";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meta_session_matches_influxdb() {
    let app = App::empty();
    let known_text = std::fs::read_to_string(KNOWN).unwrap_or_default();
    let known: BTreeMap<u64, String> = known_text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let (n, reason) = l.split_once('\t').unwrap_or((l, "todo"));
            Some((n.trim().parse().ok()?, reason.trim().to_string()))
        })
        .collect();
    let mut mismatches: BTreeMap<u64, String> = BTreeMap::new();
    for line in RECORDED.lines().filter(|l| !l.trim().is_empty()) {
        let rec: Value = serde_json::from_str(line).expect("recorded line is JSON");
        let n = rec["line"].as_u64().expect("line number");
        let s = |k: &str| rec[k].as_str().unwrap_or_default().to_string();
        let resp = if s("op") == "Q" {
            let mut form = format!("q={}", encode(&s("q")));
            if s("db") != "-" {
                let _ = write!(form, "&db={}", encode(&s("db")));
            }
            app.post(
                "/query",
                &[("Content-Type", "application/x-www-form-urlencoded")],
                form,
            )
            .await
        } else {
            let mut uri = format!("/write?db={}", encode(&s("db")));
            if s("rp") != "-" {
                let _ = write!(uri, "&rp={}", encode(&s("rp")));
            }
            app.post(&uri, &[], s("lines").replace("\\n", "\n")).await
        };
        let want_status = rec["status"].as_u64().unwrap_or(0) as u16;
        let status_ok = resp.status.as_u16() == want_status;
        let body_ok = match rec.get("body") {
            Some(Value::Null) | None => resp.body.trim().is_empty(),
            Some(want) => {
                serde_json::from_str::<Value>(&resp.body).is_ok_and(|got| json_matches(want, &got))
            }
        };
        if !(status_ok && body_ok) {
            let what = rec
                .get("q")
                .or_else(|| rec.get("lines"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            mismatches.insert(
                n,
                format!(
                    "line {n}: {what}\n  want {want_status} {}\n  got  {} {}",
                    rec.get("body").map(Value::to_string).unwrap_or_default(),
                    resp.status.as_u16(),
                    resp.body.trim()
                ),
            );
        }
    }
    if std::env::var("TAILDB_META_BLESS").is_ok_and(|v| !v.is_empty() && v != "0") {
        let mut out = String::from(
            "# Lines of meta-session.jsonl whose answer differs from InfluxDB 1.6.7's on purpose:\n\
             # line number TAB reason. Checked by tests/http_api/meta_session.rs.\n",
        );
        for n in mismatches.keys() {
            let reason = known.get(n).map_or("todo", String::as_str);
            let _ = writeln!(out, "{n}\t{reason}");
        }
        std::fs::write(KNOWN, out).expect("write the known list");
        return;
    }
    let mut failures = Vec::new();
    for (n, detail) in &mismatches {
        match known.get(n) {
            None => failures.push(format!("unlisted mismatch, {detail}")),
            Some(r) if r == "todo" => failures.push(format!("listed as todo, {detail}")),
            Some(_) => {}
        }
    }
    for n in known.keys() {
        if !mismatches.contains_key(n) {
            failures.push(format!(
                "line {n} now matches InfluxDB: remove it from {KNOWN}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
