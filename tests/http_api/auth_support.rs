//! An application with authentication enabled, requests from a chosen peer IP, restarts.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request};
use tempfile::TempDir;
use tsdb::{Engine, EngineConfig};

use crate::support::{Resp, encode};

pub struct AuthApp {
    pub engine: Arc<Engine>,
    router: Router,
    pub dir: TempDir,
}

pub fn limiter(max_failures: u32) -> query::auth::LimiterConfig {
    query::auth::LimiterConfig {
        max_failures,
        window: Duration::from_secs(3600),
        block: Duration::from_secs(3600),
    }
}

impl AuthApp {
    /// Authentication on, databases `db` and `other`, the given failed-login limit.
    pub fn new(max_failures: u32) -> AuthApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let app = AuthApp::open(dir, max_failures);
        app.engine.create_database("db", None).expect("create db");
        app.engine
            .create_database("other", None)
            .expect("create other");
        app
    }

    fn open(dir: TempDir, max_failures: u32) -> AuthApp {
        let mut config = EngineConfig::new(dir.path());
        config.background = false;
        let engine = Engine::open(config).expect("engine opens");
        let auth = query::auth::Auth::new(
            query::auth::AuthConfig {
                enabled: true,
                limiter: limiter(max_failures),
            },
            Arc::clone(&engine) as _,
        );
        let router = taildb::app::router(
            Arc::clone(&engine),
            ingest::http::WriteConfig::default(),
            query::http::QueryConfig {
                auth: Some(auth),
                ..Default::default()
            },
        );
        AuthApp {
            engine,
            router,
            dir,
        }
    }

    /// Closes the engine and opens the same directory again.
    pub fn restart(self) -> AuthApp {
        let AuthApp {
            engine,
            router,
            dir,
        } = self;
        drop(router);
        engine.close().expect("engine closes");
        drop(engine);
        AuthApp::open(dir, 5)
    }

    pub async fn send_from(&self, peer: [u8; 4], mut req: Request<Body>) -> Resp {
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((peer, 40000))));
        Resp::from(super::support::roundtrip(&self.router, req).await)
    }

    /// `method uri` with `headers` and `body` from 127.0.0.1.
    pub async fn req(
        &self,
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Resp {
        let mut r = Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        self.send_from(
            [127, 0, 0, 1],
            r.body(Body::from(body.to_owned())).expect("request"),
        )
        .await
    }

    /// `POST /query?db=db&q=…` as `u`/`p` (URL parameters; `None`: no credentials).
    pub async fn q(&self, creds: Option<(&str, &str)>, q: &str) -> Resp {
        let mut uri = format!("/query?db=db&q={}", encode(q));
        if let Some((u, p)) = creds {
            uri.push_str(&format!("&u={}&p={}", encode(u), encode(p)));
        }
        self.req(Method::POST, &uri, &[], "").await
    }

    /// Creates the admin (bootstrap) and users `reader` (READ on db), `writer` (WRITE on db),
    /// `nobody` (no privileges).
    pub async fn with_users(self) -> AuthApp {
        let r = self
            .q(
                None,
                "CREATE USER admin WITH PASSWORD 'adminpw' WITH ALL PRIVILEGES",
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let admin = Some(("admin", "adminpw"));
        for q in [
            "CREATE USER reader WITH PASSWORD 'readpw'",
            "CREATE USER writer WITH PASSWORD 'writepw'",
            "CREATE USER nobody WITH PASSWORD 'nopw'",
            "GRANT READ ON db TO reader",
            "GRANT WRITE ON db TO writer",
        ] {
            let r = self.q(admin, q).await;
            assert_eq!(r.status, 200, "{q}: {}", r.body);
            assert!(!r.body.contains("error"), "{q}: {}", r.body);
        }
        self
    }
}

/// The JSON body of a query response.
pub fn json(r: &Resp) -> serde_json::Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body))
}
