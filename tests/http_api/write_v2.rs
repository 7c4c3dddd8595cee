//! `POST /api/v2/write` (InfluxDB 1.8): bucket mapping, precision spellings, token ignored.

use axum::http::StatusCode;

use crate::support::App;

#[tokio::test]
async fn bucket_db_writes_to_the_default_rp() {
    let app = App::new();
    app.post_sized(
        "/api/v2/write?bucket=db&org=ignored",
        &[],
        b"m f=1 1".to_vec(),
    )
    .await
    .assert_no_content();
    app.post_sized("/api/v2/write?bucket=db/autogen", &[], b"m f=1 2".to_vec())
        .await
        .assert_no_content();
    app.post_sized("/api/v2/write?bucket=db/", &[], b"m f=1 3".to_vec())
        .await
        .assert_no_content();
    assert_eq!(app.count("m"), 3);
}

#[tokio::test]
async fn bucket_errors_are_404() {
    let app = App::new();
    app.post_sized("/api/v2/write", &[], b"m f=1 1".to_vec())
        .await
        .assert_error(
            StatusCode::NOT_FOUND,
            r#"bucket name "" is missing a slash; not in "database/retention-policy" format"#,
        );
    app.post_sized("/api/v2/write?bucket=/rp", &[], b"m f=1 1".to_vec())
        .await
        .assert_error(
            StatusCode::NOT_FOUND,
            r#"bucket name "/rp" is in db/rp form but has an empty database"#,
        );
    app.post_sized("/api/v2/write?bucket=nodb", &[], b"m f=1 1".to_vec())
        .await
        .assert_error(StatusCode::NOT_FOUND, r#"database not found: "nodb""#);
    app.post_sized("/api/v2/write?bucket=db/nope", &[], b"m f=1 1".to_vec())
        .await
        .assert_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "retention policy not found: nope",
        );
}

#[tokio::test]
async fn v2_precisions_scale_timestamps() {
    let app = App::new();
    for (p, m) in [("ns", "pns"), ("us", "pus"), ("ms", "pms"), ("s", "ps")] {
        app.post_sized(
            &format!("/api/v2/write?bucket=db&precision={p}"),
            &[],
            format!("{m} f=1 7").into_bytes(),
        )
        .await
        .assert_no_content();
    }
    assert_eq!(app.points("pns")[0].1, 7);
    assert_eq!(app.points("pus")[0].1, 7_000);
    assert_eq!(app.points("pms")[0].1, 7_000_000);
    assert_eq!(app.points("ps")[0].1, 7_000_000_000);
}

#[tokio::test]
async fn v1_precision_spellings_are_400_on_v2() {
    let app = App::new();
    for p in ["n", "u", "h", "m", "xx"] {
        app.post_sized(
            &format!("/api/v2/write?bucket=db&precision={p}"),
            &[],
            b"m f=1 1".to_vec(),
        )
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            &format!(r#"invalid precision "{p}" (use ns, us, ms or s)"#),
        );
    }
    assert_eq!(app.count("m"), 0);
}

#[tokio::test]
async fn token_authorization_is_accepted_and_ignored() {
    let app = App::new();
    app.post_sized(
        "/api/v2/write?bucket=db",
        &[("Authorization", "Token user:pass")],
        b"m f=1 1".to_vec(),
    )
    .await
    .assert_no_content();
    assert_eq!(app.count("m"), 1);
}

#[tokio::test]
async fn v2_shares_the_v1_parse_and_partial_write_answers() {
    let app = App::new();
    let resp = app
        .post_sized(
            "/api/v2/write?bucket=db",
            &[],
            b"m ok=1 1\nm bad=\n".to_vec(),
        )
        .await;
    resp.assert_error(
        StatusCode::BAD_REQUEST,
        "partial write: unable to parse 'm bad=': missing field value dropped=0",
    );
    assert_eq!(app.count("m"), 1);
}
