//! Users and grants survive a restart; hashes and passwords never reach a response or the log.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;

use crate::auth_support::{AuthApp, json};

const ADMIN: Option<(&str, &str)> = Some(("admin", "adminpw"));

#[tokio::test]
async fn users_and_grants_survive_a_restart() {
    let app = AuthApp::new(5).with_users().await;
    app.q(ADMIN, "GRANT ALL ON other TO writer").await;
    let app = app.restart();
    let r = app.q(ADMIN, "SHOW GRANTS FOR writer").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        json(&r)["results"][0]["series"][0]["values"],
        serde_json::json!([["db", "WRITE"], ["other", "ALL PRIVILEGES"]])
    );
    assert_eq!(
        app.q(Some(("reader", "readpw")), "SELECT * FROM m")
            .await
            .status,
        200
    );
    assert_eq!(
        app.q(Some(("reader", "bad")), "SELECT * FROM m")
            .await
            .status,
        401
    );
    // The meta file holds argon2 hashes, never the passwords.
    let meta = std::fs::read(app.dir.path().join("meta.tdb")).expect("meta file");
    let meta = String::from_utf8_lossy(&meta);
    assert!(meta.contains("$argon2id$"));
    assert!(!meta.contains("readpw"));
}

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn hashes_and_passwords_never_reach_responses_or_the_log() {
    let log = Captured::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // Global, not thread-local: the engine and the blocking pool log from other threads. No other
    // test of this binary installs a subscriber; their lines land here too, which only widens
    // the check below.
    tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
    // Callsites other tests' threads hit first cached "no subscriber": re-ask them.
    tracing::callsite::rebuild_interest_cache();

    let app = AuthApp::new(5).with_users().await;
    let mut bodies = String::new();
    for q in [
        "SHOW USERS",
        "SHOW GRANTS FOR reader",
        "SET PASSWORD FOR reader = 'readpw2'",
        "CREATE USER reader WITH PASSWORD 'readpw3'",
    ] {
        bodies.push_str(&app.q(ADMIN, q).await.body);
    }
    // SHOW QUERIES lists the running query itself: its password is redacted there too.
    let listed = app
        .q(
            ADMIN,
            "CREATE USER lister WITH PASSWORD 'readpw6'; SHOW QUERIES",
        )
        .await
        .body;
    assert!(
        listed.contains("CREATE USER lister WITH PASSWORD [REDACTED]; SHOW QUERIES"),
        "{listed}"
    );
    bodies.push_str(&listed);
    // Statement texts in errors and warnings redact passwords.
    bodies.push_str(
        &app.q(
            Some(("reader", "readpw2")),
            "SET PASSWORD FOR admin = 'readpw4'",
        )
        .await
        .body,
    );
    let r = app
        .req(
            axum::http::Method::GET,
            "/query?u=admin&p=adminpw&q=SET+PASSWORD+FOR+nobody+%3D+%27readpw5%27",
            &[],
            "",
        )
        .await;
    bodies.push_str(&r.body);
    for creds in [("reader", "wrongpw"), ("ghost-persist", "wrongpw")] {
        bodies.push_str(&app.q(Some(creds), "SHOW DATABASES").await.body);
    }
    let hashes: Vec<String> = app.engine.users().into_iter().map(|u| u.hash).collect();
    let log = String::from_utf8_lossy(&log.0.lock().expect("log buffer")).into_owned();
    assert!(log.contains("WAL replayed"), "the log was captured: {log}");
    assert!(
        log.contains("authentication failed user=ghost-persist"),
        "the failed login is logged (user name, never the password): {log}"
    );
    for text in [&bodies, &log] {
        assert!(!text.contains("$argon2"), "{text}");
        for h in &hashes {
            assert!(!text.contains(h.as_str()), "{text}");
        }
        for pw in ["adminpw", "readpw", "wrongpw", "readpw5", "readpw6"] {
            assert!(!text.contains(pw), "password {pw} leaked: {text}");
        }
    }
}
