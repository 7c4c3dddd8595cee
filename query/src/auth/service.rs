//! The authentication service both HTTP surfaces call: credentials → user, rate limiting, the
//! per-query and per-write checks, and InfluxDB's error responses.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::authorize::{Principal, check_statement, is_bootstrap};
use super::credentials::{CredentialsError, parse_credentials};
use super::limiter::{Clock, FailureLimiter, LimiterConfig, MonotonicClock};
use super::password::{VerifyCache, hash_password, verify_password};
use crate::ast::{Privilege, Statement};
use crate::exec::Store;
use crate::response::{StatementResult, Value};

/// `[http] auth-enabled` and the failed-login limits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AuthConfig {
    pub enabled: bool,
    pub limiter: LimiterConfig,
}

/// Who a request runs as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Identity {
    /// Authentication is off: everything is allowed, credentials are ignored.
    Disabled,
    /// Authentication is on but no admin user exists yet: only `CREATE USER … WITH ALL
    /// PRIVILEGES` may run (InfluxDB does not authenticate until an admin exists).
    Bootstrap,
    User(Principal),
}

/// A refused request: status and InfluxDB's message, answered as `{"error":"…"}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthFailure {
    pub status: StatusCode,
    pub message: String,
}

impl AuthFailure {
    fn new(status: StatusCode, message: impl Into<String>) -> AuthFailure {
        AuthFailure {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for AuthFailure {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.message }).to_string();
        let mut resp = (self.status, body).into_response();
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            // InfluxDB sends no X-Influxdb-Error on 401, but asks for Basic credentials.
            h.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"InfluxDB\""),
            );
        } else if let Ok(v) = HeaderValue::from_str(&self.message) {
            h.insert("X-Influxdb-Error", v);
        }
        resp
    }
}

/// Users, the verification cache and the failed-login limiter of one server.
pub struct Auth {
    config: AuthConfig,
    store: Arc<dyn Store>,
    cache: VerifyCache,
    limiter: FailureLimiter,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Verified `(user, password)` pairs remembered at most.
const CACHE_CAPACITY: usize = 4096;

impl Auth {
    pub fn new(config: AuthConfig, store: Arc<dyn Store>) -> Arc<Auth> {
        Auth::with_clock(config, store, Arc::new(MonotonicClock))
    }

    /// As [`Auth::new`] with the limiter's clock injected (tests).
    pub fn with_clock(
        config: AuthConfig,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
    ) -> Arc<Auth> {
        Arc::new(Auth {
            config,
            store,
            cache: VerifyCache::new(CACHE_CAPACITY),
            limiter: FailureLimiter::new(config.limiter, clock),
        })
    }

    pub fn enabled(&self) -> bool {
        self.config.enabled
    }

    /// How many verified pairs are cached (tests).
    pub fn cached_verifications(&self) -> usize {
        self.cache.len()
    }

    /// Authenticates a request from `peer` with the `u`/`p` parameters and headers.
    pub async fn authenticate(
        self: &Arc<Self>,
        peer: Option<IpAddr>,
        u: Option<&str>,
        p: Option<&str>,
        headers: &HeaderMap,
    ) -> Result<Identity, AuthFailure> {
        if !self.config.enabled {
            return Ok(Identity::Disabled);
        }
        let users = self.store.users();
        if !users.iter().any(|u| u.admin) {
            return Ok(Identity::Bootstrap);
        }
        if let Some(ip) = peer
            && let Some(left) = self.limiter.blocked(ip)
        {
            return Err(AuthFailure::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "too many failed authentication attempts: try again in {}s",
                    left.as_secs().max(1)
                ),
            ));
        }
        let creds = parse_credentials(u, p, headers).map_err(|e| match e {
            CredentialsError::Missing => AuthFailure::new(
                StatusCode::UNAUTHORIZED,
                "unable to parse authentication credentials",
            ),
            CredentialsError::BearerDisabled => {
                AuthFailure::new(StatusCode::UNAUTHORIZED, "bearer auth disabled")
            }
        })?;
        let user = users.into_iter().find(|u| u.name == creds.user);
        let ok = match &user {
            Some(u) if self.cache.hit(&creds.user, &creds.password, &u.hash) => true,
            _ => {
                // Unknown users pay argon2 too, against a fixed hash: the time taken does not
                // tell which names exist.
                let hash = user
                    .as_ref()
                    .map(|u| u.hash.clone())
                    .unwrap_or_else(|| dummy_hash().to_owned());
                let password = creds.password.clone();
                let verified =
                    tokio::task::spawn_blocking(move || verify_password(&password, &hash))
                        .await
                        .unwrap_or(false);
                if verified && let Some(u) = &user {
                    self.cache.insert(&creds.user, &creds.password, &u.hash);
                }
                verified && user.is_some()
            }
        };
        match (ok, user) {
            (true, Some(u)) => {
                if let Some(ip) = peer {
                    self.limiter.success(ip);
                }
                Ok(Identity::User(Principal::from_meta(&u)))
            }
            _ => {
                if let Some(ip) = peer {
                    self.limiter.failure(ip);
                }
                tracing::info!(user = %creds.user, peer = ?peer, "authentication failed");
                Err(AuthFailure::new(
                    StatusCode::UNAUTHORIZED,
                    "authorization failed",
                ))
            }
        }
    }

    /// Checks every statement of a query before any runs (InfluxDB's `AuthorizeQuery`).
    pub fn authorize_query(
        &self,
        id: &Identity,
        statements: &[Statement],
        db: Option<&str>,
    ) -> Result<(), AuthFailure> {
        match id {
            Identity::Disabled => Ok(()),
            Identity::Bootstrap if is_bootstrap(statements) => Ok(()),
            Identity::Bootstrap => Err(AuthFailure::new(
                StatusCode::FORBIDDEN,
                "error authorizing query: create admin user first or disable authentication",
            )),
            Identity::User(u) => match statements.iter().find_map(|s| check_statement(u, s, db)) {
                Some(msg) => Err(AuthFailure::new(StatusCode::FORBIDDEN, msg)),
                None => Ok(()),
            },
        }
    }

    /// Checks a write to `db` (an existing database; InfluxDB answers 400/404 first).
    pub fn authorize_write(&self, id: &Identity, db: &str) -> Result<(), AuthFailure> {
        match id {
            Identity::Disabled => Ok(()),
            Identity::Bootstrap => Err(AuthFailure::new(
                StatusCode::FORBIDDEN,
                format!("user is required to write to database {db:?}"),
            )),
            Identity::User(u) if u.can(Privilege::Write, db) => Ok(()),
            Identity::User(u) => Err(AuthFailure::new(
                StatusCode::FORBIDDEN,
                format!(
                    "{:?} user is not authorized to write to database {db:?}",
                    u.name
                ),
            )),
        }
    }

    /// Whether a database exists (the write check runs only for existing ones).
    pub fn database_exists(&self, db: &str) -> bool {
        self.store.database_exists(db)
    }
}

/// Removes from a `SHOW DATABASES` result the databases `id` has no privilege on.
pub fn filter_result(id: &Identity, stmt: &Statement, result: &mut StatementResult) {
    let Identity::User(u) = id else { return };
    if u.admin || !matches!(stmt, Statement::ShowDatabases) {
        return;
    }
    for s in &mut result.series {
        s.values
            .retain(|row| matches!(row.first(), Some(Value::Str(db)) if u.sees(db)));
    }
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password("taildb-no-such-user").unwrap_or_default())
}

/// The client's IP, when the server recorded it (`ConnectInfo`).
pub fn peer_ip(extensions: &axum::http::Extensions) -> Option<IpAddr> {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// The request's URL parameters, decoded.
fn url_params(req: &Request) -> Vec<(String, String)> {
    req.uri()
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

/// Authenticates a request from its URL `u`/`p` (`params`) or its Authorization header.
async fn authenticate_request(
    auth: &Arc<Auth>,
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    params: &[(String, String)],
) -> Result<Identity, AuthFailure> {
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    auth.authenticate(peer, get("u"), get("p"), headers).await
}

/// Middleware for `/write` and `/api/v2/write`: authenticates (u/p in the URL or the
/// Authorization header) and checks WRITE on the target database.
pub async fn write_guard(State(auth): State<Arc<Auth>>, req: Request, next: Next) -> Response {
    if !auth.enabled() {
        return next.run(req).await;
    }
    let params = url_params(&req);
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let id = match authenticate_request(&auth, peer_ip(req.extensions()), req.headers(), &params)
        .await
    {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let db = match req.uri().path() {
        "/api/v2/write" => get("bucket").map(|b| b.split('/').next().unwrap_or("")),
        _ => get("db"),
    }
    .unwrap_or("");
    if !db.is_empty()
        && auth.database_exists(db)
        && let Err(e) = auth.authorize_write(&id, db)
    {
        return e.into_response();
    }
    next.run(req).await
}

/// Middleware for administrative endpoints: only admins (when authentication is on).
pub async fn admin_guard(State(auth): State<Arc<Auth>>, req: Request, next: Next) -> Response {
    if !auth.enabled() {
        return next.run(req).await;
    }
    let params = url_params(&req);
    match authenticate_request(&auth, peer_ip(req.extensions()), req.headers(), &params).await {
        Ok(Identity::User(u)) if u.admin => next.run(req).await,
        Ok(Identity::Disabled) => next.run(req).await,
        Ok(Identity::User(u)) => AuthFailure::new(
            StatusCode::FORBIDDEN,
            format!("{:?} user is not an admin", u.name),
        )
        .into_response(),
        Ok(Identity::Bootstrap) => AuthFailure::new(
            StatusCode::FORBIDDEN,
            "create admin user first or disable authentication",
        )
        .into_response(),
        Err(e) => e.into_response(),
    }
}
