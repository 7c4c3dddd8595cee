//! Every line-protocol error vector of the InfluxDB 1.x reference, through `POST /write`: each bad
//! line alone answers 400 `unable to parse '<line>': <reason>` and writes nothing.

use axum::http::StatusCode;

use crate::support::{App, tail};

/// (body, line as reported, reason) — observed on InfluxDB 1.6.7.
const VECTORS: &[(&str, &str, &str)] = &[
    ("m1", "m1", "missing fields"),
    ("m1,t=a", "m1,t=a", "missing fields"),
    ("m1,t= f=1", "m1,t= f=1", "missing tag value"),
    ("m1,=a f=1", "m1,=a f=1", "missing tag key"),
    ("m1,t f=1", "m1,t f=1", "missing tag value"),
    (",t=a f=1", ",t=a f=1", "missing measurement"),
    ("m1 f=", "m1 f=", "missing field value"),
    ("m1 =1", "m1 =1", "missing field key"),
    ("m1 f=1,", "m1 f=1,", "invalid field format"),
    ("m1 f=1,g", "m1 f=1,g", "invalid field format"),
    ("m, f=1 1", "m, f=1 1", "missing tag key"),
    ("m,t=1, f=1 1", "m,t=1, f=1 1", "missing tag key"),
    ("m,t=1,,u=2 f=1 1", "m,t=1,,u=2 f=1 1", "missing tag key"),
    ("sp f=1, g=2 1", "sp f=1, g=2 1", "invalid field format"),
    ("sp f=1 ,g=2 1", "sp f=1 ,g=2 1", "bad timestamp"),
    ("m,t=a,t=b f=1 1", "m,t=a,t=b f=1 1", "duplicate tags"),
    ("m,t=a\\ f=1 1", "m,t=a\\ f=1 1", "invalid tag format"),
    ("m f=1\t3", "m f=1\t3", "invalid number"),
    ("m f=1 1 junk", "m f=1 1 junk", "point is invalid"),
    ("m f=1 1.5", "m f=1 1.5", "bad timestamp"),
    ("m f=1 abc", "m f=1 abc", "bad timestamp"),
    ("m f=1 1e9", "m f=1 1e9", "bad timestamp"),
    ("m l=+1", "m l=+1", "invalid boolean"),
    ("m f=NaN", "m f=NaN", "invalid number"),
    ("m f=Inf", "m f=Inf", "invalid boolean"),
    ("m f=1e400", "m f=1e400", "invalid float"),
    ("m f=1.5i", "m f=1.5i", "invalid number"),
    ("m f=1i2", "m f=1i2", "invalid number"),
    ("m f=1u", "m f=1u", "invalid number"),
    ("m f=TrUe", "m f=TrUe", "invalid boolean"),
    ("m f=tru", "m f=tru", "invalid boolean"),
    ("m f=abc", "m f=abc", "invalid boolean"),
    ("m s=\"open", "m s=\"open", "unbalanced quotes"),
    (
        "m f=9223372036854775808i",
        "m f=9223372036854775808i",
        "unable to parse integer 9223372036854775808: strconv.ParseInt: parsing \"9223372036854775808\": value out of range",
    ),
    (
        "m f=1 9223372036854775807",
        "m f=1 9223372036854775807",
        "time outside range -9223372036854775806 - 9223372036854775806",
    ),
];

#[tokio::test]
async fn every_parse_error_vector_is_400_with_influxdb_text() {
    let app = App::new();
    let mut failures = Vec::new();
    for (body, line, reason) in VECTORS {
        let resp = app.write("db=db", body).await;
        let expected = format!("unable to parse '{line}': {reason}");
        if resp.status != StatusCode::BAD_REQUEST || resp.error() != expected {
            failures.push(format!(
                "{body:?}: got {} {:?}, want {expected:?}",
                resp.status,
                resp.error()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} vectors differ:\n{}",
        failures.len(),
        VECTORS.len(),
        failures.join("\n")
    );
    for m in ["m", "m1", "sp"] {
        assert_eq!(app.count(m), 0, "{m}");
    }
}

#[tokio::test]
async fn timestamp_overflow_after_precision_scaling_is_out_of_range() {
    let app = App::new();
    let resp = app.write("db=db&precision=s", "m f=1 9999999999999").await;
    resp.assert_error(
        StatusCode::BAD_REQUEST,
        "unable to parse 'm f=1 9999999999999': time outside range -9223372036854775806 - 9223372036854775806",
    );
}

#[tokio::test]
async fn series_key_over_65535_bytes_is_rejected() {
    let app = App::new();
    let line = format!("m,t={} f=1 1", "x".repeat(65_533));
    let resp = app.write("db=db", &line).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert!(
        resp.error()
            .ends_with("max key length exceeded: 65537 > 65535"),
        "{}",
        tail(&resp.error())
    );
}

/// InfluxDB 1.6.7 rejects CRLF line endings (`bad timestamp` / `invalid number`); taildb accepts them
/// as a documented improvement (docs/line-protocol.md).
#[tokio::test]
async fn crlf_line_endings_are_accepted() {
    let app = App::new();
    let resp = app.write("db=db", "crlf f=1 1\r\ncrlf f=2 2\r\n").await;
    assert_eq!(resp.status, StatusCode::NO_CONTENT);
    assert_eq!(app.count("crlf"), 2);
}
