//! The security matrix: every endpoint and statement class with no credentials, a wrong password,
//! users without the privilege, a READ-only user and an admin (`docs/auth.md`).

use axum::http::{Method, StatusCode};
use base64::Engine as _;

use crate::auth_support::{AuthApp, json};

const ADMIN: Option<(&str, &str)> = Some(("admin", "adminpw"));
const READER: Option<(&str, &str)> = Some(("reader", "readpw"));
const WRITER: Option<(&str, &str)> = Some(("writer", "writepw"));
const NOBODY: Option<(&str, &str)> = Some(("nobody", "nopw"));

fn basic(user: &str, pw: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pw}"))
    )
}

#[tokio::test]
async fn bootstrap_allows_only_creating_an_admin() {
    let app = AuthApp::new(5);
    let r = app.q(None, "SHOW DATABASES").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.error(),
        "error authorizing query: create admin user first or disable authentication"
    );
    let r = app.q(None, "CREATE USER bob WITH PASSWORD 'pw'").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app.req(Method::POST, "/write?db=db", &[], "m v=1 1").await;
    r.assert_error(
        StatusCode::FORBIDDEN,
        "user is required to write to database \"db\"",
    );
    let r = app
        .q(
            None,
            "CREATE USER admin WITH PASSWORD 'adminpw' WITH ALL PRIVILEGES",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // From now on credentials are required.
    let r = app.q(None, "SHOW DATABASES").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn missing_wrong_and_forms_of_credentials() {
    let app = AuthApp::new(0).with_users().await;
    for (method, uri, body) in [
        (Method::GET, "/query?db=db&q=SHOW+DATABASES", ""),
        (Method::POST, "/query?db=db&q=SHOW+DATABASES", ""),
        (Method::POST, "/write?db=db", "m v=1 1"),
        (Method::POST, "/api/v2/write?bucket=db", "m v=1 1"),
        (Method::POST, "/internal/force_flush", ""),
    ] {
        let r = app.req(method.clone(), uri, &[], body).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{uri}: {}", r.body);
        assert_eq!(
            r.error(),
            "unable to parse authentication credentials",
            "{uri}"
        );
        assert_eq!(r.header("www-authenticate"), "Basic realm=\"InfluxDB\"");
        assert_eq!(r.header("content-type"), "application/json");
        let r = app
            .req(
                method.clone(),
                uri,
                &[("Authorization", &basic("admin", "nope"))],
                body,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{uri}");
        assert_eq!(r.error(), "authorization failed", "{uri}");
        let r = app
            .req(method, uri, &[("Authorization", "Bearer a.b.c")], body)
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{uri}");
        assert_eq!(r.error(), "bearer auth disabled", "{uri}");
    }
    // Unknown user: the same answer as a wrong password.
    let r = app.q(Some(("ghost", "x")), "SHOW DATABASES").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.error(), "authorization failed");
    // The open endpoints.
    for uri in ["/ping", "/health", "/metrics"] {
        let r = app.req(Method::GET, uri, &[], "").await;
        assert!(r.status.is_success(), "{uri}: {}", r.status);
    }
    // Every credential form works.
    let forms: [(&str, Vec<(&str, String)>, &str); 4] = [
        (
            "/query?db=db&q=SHOW+DATABASES&u=admin&p=adminpw",
            vec![],
            "",
        ),
        (
            "/query?db=db&q=SHOW+DATABASES",
            vec![("Authorization", basic("admin", "adminpw"))],
            "",
        ),
        (
            "/query?db=db&q=SHOW+DATABASES",
            vec![("Authorization", "Token admin:adminpw".into())],
            "",
        ),
        (
            "/query",
            vec![("Content-Type", "application/x-www-form-urlencoded".into())],
            "q=SHOW+DATABASES&u=admin&p=adminpw",
        ),
    ];
    for (uri, headers, body) in forms {
        let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = app.req(Method::POST, uri, &h, body).await;
        assert_eq!(r.status, StatusCode::OK, "{uri} {h:?}: {}", r.body);
    }
    let r = app
        .req(
            Method::POST,
            "/api/v2/write?bucket=db",
            &[("Authorization", "Token writer:writepw")],
            "m v=1 1",
        )
        .await;
    r.assert_no_content();
}

#[tokio::test]
async fn read_only_user_cannot_write_drop_or_see_other_databases() {
    let app = AuthApp::new(0).with_users().await;
    let r = app
        .req(
            Method::POST,
            "/write?db=db&u=admin&p=adminpw",
            &[],
            "m v=1 1",
        )
        .await;
    r.assert_no_content();
    let r = app
        .req(
            Method::POST,
            "/write?db=other&u=admin&p=adminpw",
            &[],
            "secret v=1 1",
        )
        .await;
    r.assert_no_content();

    // Reads on its database work.
    let r = app.q(READER, "SELECT * FROM m").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(json(&r)["results"][0]["series"][0]["values"][0][1], 1.0);
    let r = app.q(READER, "SHOW MEASUREMENTS").await;
    assert_eq!(r.status, StatusCode::OK);

    // SHOW DATABASES lists only db.
    let r = app.q(READER, "SHOW DATABASES").await;
    assert_eq!(
        json(&r)["results"][0]["series"][0]["values"],
        serde_json::json!([["db"]])
    );
    // No database: InfluxDB's empty `{"name":"databases","columns":["name"]}`.
    let r = app.q(NOBODY, "SHOW DATABASES").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        json(&r)["results"][0]["series"][0],
        serde_json::json!({"name": "databases", "columns": ["name"]})
    );
    let r = app.q(ADMIN, "SHOW DATABASES").await;
    assert_eq!(
        json(&r)["results"][0]["series"][0]["values"],
        serde_json::json!([["db"], ["other"]])
    );

    let forbidden = |stmt: &str, need: &str| {
        format!(
            "error authorizing query: reader not authorized to execute statement '{stmt}', requires {need}"
        )
    };
    for (q, text, need) in [
        (
            "SELECT * FROM other.autogen.secret",
            "SELECT * FROM other.autogen.secret",
            "READ on other",
        ),
        (
            "SHOW MEASUREMENTS ON other",
            "SHOW MEASUREMENTS ON other",
            "READ on other",
        ),
        (
            "SELECT * INTO other.autogen.copy FROM m",
            "SELECT * INTO other.autogen.copy FROM m",
            "WRITE on other",
        ),
        (
            "SELECT * INTO copy FROM m",
            "SELECT * INTO copy FROM m",
            "WRITE on db",
        ),
        ("DELETE FROM m", "DELETE FROM m", "WRITE on db"),
        ("DROP SERIES FROM m", "DROP SERIES FROM m", "WRITE on db"),
        (
            "DROP MEASUREMENT m",
            "DROP MEASUREMENT m",
            "admin privilege",
        ),
        ("DROP DATABASE db", "DROP DATABASE db", "admin privilege"),
        ("CREATE DATABASE x", "CREATE DATABASE x", "admin privilege"),
        ("SHOW USERS", "SHOW USERS", "admin privilege"),
        (
            "CREATE USER evil WITH PASSWORD 'x' WITH ALL PRIVILEGES",
            "CREATE USER evil WITH PASSWORD [REDACTED] WITH ALL PRIVILEGES",
            "admin privilege",
        ),
        (
            "GRANT ALL PRIVILEGES TO reader",
            "GRANT ALL PRIVILEGES TO reader",
            "admin privilege",
        ),
        (
            "SET PASSWORD FOR admin = 'x'",
            "SET PASSWORD FOR admin = [REDACTED]",
            "admin privilege",
        ),
    ] {
        let r = app.q(READER, q).await;
        r.assert_error(StatusCode::FORBIDDEN, &forbidden(text, need));
    }
    // One forbidden statement refuses the whole query: nothing ran.
    let r = app.q(READER, "SELECT * FROM m; DROP DATABASE db").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(app.engine.database_exists("db"));

    // Writes: reader may not, writer may, only to its database.
    let r = app
        .req(
            Method::POST,
            "/write?db=db&u=reader&p=readpw",
            &[],
            "m v=2 2",
        )
        .await;
    r.assert_error(
        StatusCode::FORBIDDEN,
        "\"reader\" user is not authorized to write to database \"db\"",
    );
    let r = app
        .req(
            Method::POST,
            "/write?db=other&u=writer&p=writepw",
            &[],
            "m v=2 2",
        )
        .await;
    r.assert_error(
        StatusCode::FORBIDDEN,
        "\"writer\" user is not authorized to write to database \"other\"",
    );
    let r = app
        .req(
            Method::POST,
            "/write?db=db&u=writer&p=writepw",
            &[],
            "m v=2 2",
        )
        .await;
    r.assert_no_content();
    // The writer cannot read.
    let r = app.q(WRITER, "SELECT * FROM m").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // /internal is admin-only.
    let r = app
        .req(
            Method::POST,
            "/internal/force_flush?u=reader&p=readpw",
            &[],
            "",
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .req(
            Method::POST,
            "/internal/force_flush?u=admin&p=adminpw",
            &[],
            "",
        )
        .await;
    assert!(r.status.is_success(), "{}", r.status);
    // The admin may do everything.
    for q in [
        "SELECT * INTO other.autogen.copy FROM m",
        "DROP SERIES FROM m",
        "DROP DATABASE other",
    ] {
        let r = app.q(ADMIN, q).await;
        assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.body);
        assert!(
            json(&r)["results"][0].get("error").is_none(),
            "{q}: {}",
            r.body
        );
    }
}

#[tokio::test]
async fn user_management_and_grants() {
    let app = AuthApp::new(0).with_users().await;
    let r = app.q(ADMIN, "SHOW USERS").await;
    let v = json(&r);
    assert_eq!(
        v["results"][0]["series"][0]["columns"],
        serde_json::json!(["user", "admin"])
    );
    assert_eq!(
        v["results"][0]["series"][0]["values"],
        serde_json::json!([
            ["admin", true],
            ["reader", false],
            ["writer", false],
            ["nobody", false]
        ])
    );
    assert!(!r.body.contains("argon2"), "{}", r.body);
    let r = app.q(ADMIN, "GRANT ALL ON other TO reader").await;
    assert_eq!(r.status, 200);
    let r = app.q(ADMIN, "SHOW GRANTS FOR reader").await;
    let v = json(&r);
    assert_eq!(
        v["results"][0]["series"][0]["columns"],
        serde_json::json!(["database", "privilege"])
    );
    assert_eq!(
        v["results"][0]["series"][0]["values"],
        serde_json::json!([["db", "READ"], ["other", "ALL PRIVILEGES"]])
    );
    app.q(ADMIN, "REVOKE READ ON db FROM reader").await;
    app.q(ADMIN, "REVOKE WRITE ON other FROM reader").await;
    let r = app.q(ADMIN, "SHOW GRANTS FOR reader").await;
    assert_eq!(
        json(&r)["results"][0]["series"][0]["values"],
        serde_json::json!([["db", "NO PRIVILEGES"], ["other", "READ"]])
    );
    let err = |r: &crate::support::Resp| json(r)["results"][0]["error"].clone();
    assert_eq!(
        err(&app.q(ADMIN, "SHOW GRANTS FOR ghost").await),
        "user not found"
    );
    assert_eq!(
        err(&app.q(ADMIN, "DROP USER ghost").await),
        "user not found"
    );
    assert_eq!(
        err(&app.q(ADMIN, "SET PASSWORD FOR ghost = 'x'").await),
        "user not found"
    );
    assert_eq!(
        err(&app
            .q(ADMIN, "CREATE USER reader WITH PASSWORD 'other'")
            .await),
        "user already exists"
    );
    assert_eq!(
        err(&app.q(ADMIN, "GRANT READ ON nodb TO reader").await),
        "database not found: nodb"
    );

    // SET PASSWORD: the old password stops working at once (the verification cache is bound to
    // the hash), the new one works.
    assert_eq!(app.q(READER, "SHOW DATABASES").await.status, 200);
    assert_eq!(
        app.q(ADMIN, "SET PASSWORD FOR reader = 'newpw'")
            .await
            .status,
        200
    );
    assert_eq!(app.q(READER, "SHOW DATABASES").await.status, 401);
    assert_eq!(
        app.q(Some(("reader", "newpw")), "SHOW DATABASES")
            .await
            .status,
        200
    );
    // DROP USER: refused at once.
    assert_eq!(app.q(ADMIN, "DROP USER reader").await.status, 200);
    assert_eq!(
        app.q(Some(("reader", "newpw")), "SHOW DATABASES")
            .await
            .status,
        401
    );
    // Admin grant and revoke.
    app.q(ADMIN, "GRANT ALL PRIVILEGES TO nobody").await;
    assert_eq!(app.q(NOBODY, "SHOW USERS").await.status, 200);
    app.q(ADMIN, "REVOKE ALL PRIVILEGES FROM nobody").await;
    assert_eq!(app.q(NOBODY, "SHOW USERS").await.status, 403);
}

#[tokio::test]
async fn failed_logins_are_rate_limited_per_client() {
    let app = AuthApp::new(3).with_users().await;
    let from = |_ip: [u8; 4], u: &str, p: &str| {
        let uri = format!("/query?q=SHOW+DATABASES&u={u}&p={p}");
        axum::http::Request::builder()
            .uri(uri)
            .body(axum::body::Body::empty())
            .expect("request")
    };
    let attacker = [10, 0, 0, 9];
    // A success resets the count.
    for _ in 0..2 {
        assert_eq!(
            app.send_from(attacker, from(attacker, "admin", "bad"))
                .await
                .status,
            401
        );
    }
    assert_eq!(
        app.send_from(attacker, from(attacker, "admin", "adminpw"))
            .await
            .status,
        200
    );
    for _ in 0..3 {
        assert_eq!(
            app.send_from(attacker, from(attacker, "admin", "bad"))
                .await
                .status,
            401
        );
    }
    // Blocked now, even with the right password; JSON error.
    let r = app
        .send_from(attacker, from(attacker, "admin", "adminpw"))
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        r.error()
            .starts_with("too many failed authentication attempts"),
        "{}",
        r.body
    );
    // Writes from that client too; other clients are not affected.
    let w = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/write?db=db&u=admin&p=adminpw")
        .body(axum::body::Body::from("m v=1 1"))
        .expect("request");
    assert_eq!(app.send_from(attacker, w).await.status, 429);
    let other = [10, 0, 0, 10];
    assert_eq!(
        app.send_from(other, from(other, "admin", "adminpw"))
            .await
            .status,
        200
    );
}
