//! User and privilege statements (`query::auth` executes them).
//!
//! Passwords print as `[REDACTED]` (as InfluxDB's `String()` does): a statement's text reaches
//! error messages, warnings and logs, and a password must never.

use std::fmt;

use super::quote::quote_ident;

/// A privilege on a database as InfluxDB names them (`SHOW GRANTS` texts in [`Privilege::text`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Privilege {
    Read,
    Write,
    All,
    /// What is left after revoking everything (`NO PRIVILEGES`).
    None,
}

impl Privilege {
    /// The text `SHOW GRANTS` prints and error messages use.
    pub fn text(self) -> &'static str {
        match self {
            Privilege::Read => "READ",
            Privilege::Write => "WRITE",
            Privilege::All => "ALL PRIVILEGES",
            Privilege::None => "NO PRIVILEGES",
        }
    }

    /// The stored form (`tsdb::meta::UserMeta::privileges`).
    pub fn stored(self) -> &'static str {
        match self {
            Privilege::Read => "READ",
            Privilege::Write => "WRITE",
            Privilege::All => "ALL",
            Privilege::None => "NONE",
        }
    }

    /// Reads the stored form; unknown texts are `None` (no privilege), never an error.
    pub fn from_stored(s: &str) -> Privilege {
        match s {
            "READ" => Privilege::Read,
            "WRITE" => Privilege::Write,
            "ALL" => Privilege::All,
            _ => Privilege::None,
        }
    }

    /// Whether holding `self` satisfies a need for `need`.
    pub fn covers(self, need: Privilege) -> bool {
        match need {
            Privilege::None => true,
            Privilege::All => self == Privilege::All,
            Privilege::Read | Privilege::Write => self == Privilege::All || self == need,
        }
    }
}

/// `CREATE USER name WITH PASSWORD 'pw' [WITH ALL PRIVILEGES]`.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateUserStatement {
    pub name: String,
    pub password: String,
    pub admin: bool,
}

/// `SET PASSWORD FOR name = 'pw'`.
#[derive(Clone, Debug, PartialEq)]
pub struct SetPasswordStatement {
    pub name: String,
    pub password: String,
}

/// `GRANT priv ON db TO user`, or with `database: None` `GRANT ALL [PRIVILEGES] TO user` (admin);
/// `REVOKE` alike with `FROM`.
#[derive(Clone, Debug, PartialEq)]
pub struct GrantStatement {
    pub privilege: Privilege,
    pub database: Option<String>,
    pub user: String,
}

impl fmt::Display for CreateUserStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CREATE USER ")?;
        quote_ident(f, &self.name)?;
        f.write_str(" WITH PASSWORD [REDACTED]")?;
        if self.admin {
            f.write_str(" WITH ALL PRIVILEGES")?;
        }
        Ok(())
    }
}

impl fmt::Display for SetPasswordStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SET PASSWORD FOR ")?;
        quote_ident(f, &self.name)?;
        f.write_str(" = [REDACTED]")
    }
}

impl GrantStatement {
    /// Prints as GRANT (`to = true`) or REVOKE.
    pub fn write(&self, f: &mut fmt::Formatter<'_>, grant: bool) -> fmt::Result {
        f.write_str(if grant { "GRANT " } else { "REVOKE " })?;
        f.write_str(self.privilege.text())?;
        if let Some(db) = &self.database {
            f.write_str(" ON ")?;
            quote_ident(f, db)?;
        }
        f.write_str(if grant { " TO " } else { " FROM " })?;
        quote_ident(f, &self.user)
    }
}
