//! Authentication and authorization, as InfluxDB 1.x does them (`docs/auth.md`).
//!
//! Invariants:
//! 1. With authentication off every request runs and credentials are ignored entirely.
//! 2. With it on and no admin user yet, requests are not authenticated; a query may only create
//!    an admin user (`CREATE USER … WITH ALL PRIVILEGES`), a write is refused.
//! 3. Otherwise every data request (`/query`, `/write`, `/api/v2/write`, `/internal/*`) carries
//!    credentials, read in InfluxDB's order: `u`+`p` parameters (both non-empty), then the
//!    `Authorization` header (`Bearer` refused, `Token user:pass`, `Basic`). `/ping`, `/health`
//!    and `/metrics` stay open (as InfluxDB without `ping-auth-enabled`).
//! 4. Every statement of a query is authorized before any runs (one 403 refuses the query);
//!    `SHOW DATABASES` lists only databases the user has a privilege on.
//! 5. Password hashes (argon2id PHC strings, random salt) never leave the meta store: no
//!    response, log line or statement text carries a hash or a password (statements print
//!    passwords as `[REDACTED]`).
//! 6. argon2 runs on the blocking pool. A verified `(user, password)` is cached under a keyed
//!    hash of the pair, bound to the PHC string it matched: a new password or a dropped user
//!    never matches a cached entry.
//! 7. Failed logins (wrong password or unknown user) are counted per client IP; a client over
//!    the limit gets 429 until its block ends; a success clears its count.

mod authorize;
mod credentials;
mod limiter;
mod password;
mod service;
pub(crate) mod statements;

pub use authorize::{Need, Principal, check_statement, is_bootstrap, requirements};
pub use credentials::{Credentials, CredentialsError, parse_credentials};
pub use limiter::{Clock, FailureLimiter, LimiterConfig, MonotonicClock};
pub use password::{VerifyCache, hash_password, verify_password};
pub use service::{
    Auth, AuthConfig, AuthFailure, Identity, admin_guard, filter_result, peer_ip, write_guard,
};
