//! Reading credentials from a request in InfluxDB's order (`parseCredentials`).

use axum::http::{HeaderMap, header};
use base64::Engine as _;

/// A user name and password a client sent.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Credentials {{ user: {:?}, password: <redacted> }}",
            self.user
        )
    }
}

/// Why no credentials could be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialsError {
    /// Nothing usable: 401 `unable to parse authentication credentials`.
    Missing,
    /// `Authorization: Bearer …` (JWT; taildb has no shared secret): 401 `bearer auth disabled`.
    BearerDisabled,
}

/// Reads credentials: `u` + `p` parameters (both non-empty), else the `Authorization` header:
/// `Bearer` (refused), `Token user:pass` (InfluxDB 1.8, the v2 clients), `Basic base64(user:pass)`.
pub fn parse_credentials(
    u: Option<&str>,
    p: Option<&str>,
    headers: &HeaderMap,
) -> Result<Credentials, CredentialsError> {
    if let (Some(u), Some(p)) = (u, p)
        && !u.is_empty()
        && !p.is_empty()
    {
        return Ok(Credentials {
            user: u.to_owned(),
            password: p.to_owned(),
        });
    }
    let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Err(CredentialsError::Missing);
    };
    let (scheme, rest) = auth.trim().split_once(' ').unwrap_or((auth, ""));
    let rest = rest.trim();
    let pair = match scheme {
        "Bearer" => return Err(CredentialsError::BearerDisabled),
        "Token" => rest.to_owned(),
        "Basic" => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(rest)
                .map_err(|_| CredentialsError::Missing)?;
            String::from_utf8(bytes).map_err(|_| CredentialsError::Missing)?
        }
        _ => return Err(CredentialsError::Missing),
    };
    match pair.split_once(':') {
        Some((user, password)) if !user.is_empty() => Ok(Credentials {
            user: user.to_owned(),
            password: password.to_owned(),
        }),
        _ => Err(CredentialsError::Missing),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn h(v: &str) -> HeaderMap {
        let mut m = HeaderMap::new();
        m.insert(header::AUTHORIZATION, HeaderValue::from_str(v).unwrap());
        m
    }

    fn ok(user: &str, password: &str) -> Result<Credentials, CredentialsError> {
        Ok(Credentials {
            user: user.into(),
            password: password.into(),
        })
    }

    #[test]
    fn influxdb_order_and_forms() {
        let none = HeaderMap::new();
        assert_eq!(parse_credentials(Some("a"), Some("b"), &none), ok("a", "b"));
        // Parameters win over the header.
        assert_eq!(
            parse_credentials(Some("a"), Some("b"), &h("Token c:d")),
            ok("a", "b")
        );
        // An empty p falls through to the header.
        assert_eq!(
            parse_credentials(Some("a"), Some(""), &h("Token c:d")),
            ok("c", "d")
        );
        assert_eq!(
            parse_credentials(None, None, &h("Token c:d:e")),
            ok("c", "d:e")
        );
        // base64("bob:pw") = Ym9iOnB3
        assert_eq!(
            parse_credentials(None, None, &h("Basic Ym9iOnB3")),
            ok("bob", "pw")
        );
        assert_eq!(
            parse_credentials(None, None, &h("Bearer x.y.z")),
            Err(CredentialsError::BearerDisabled)
        );
        // Grafana's empty Basic (":").
        assert_eq!(
            parse_credentials(None, None, &h("Basic Og==")),
            Err(CredentialsError::Missing)
        );
        assert_eq!(
            parse_credentials(None, None, &h("Basic !!!")),
            Err(CredentialsError::Missing)
        );
        assert_eq!(
            parse_credentials(None, None, &none),
            Err(CredentialsError::Missing)
        );
        assert_eq!(
            parse_credentials(Some("a"), None, &none),
            Err(CredentialsError::Missing)
        );
    }

    #[test]
    fn debug_never_shows_the_password() {
        let c = Credentials {
            user: "bob".into(),
            password: "hunter2".into(),
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
