//! Which privilege each statement needs, and the check of a user against a parsed query.

use std::collections::HashMap;

use crate::ast::{MeasurementName, Privilege, SelectStatement, Source, Statement};
use tsdb::meta::UserMeta;

/// An authenticated user as the checks see it (no password hash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub name: String,
    pub admin: bool,
    pub privileges: HashMap<String, Privilege>,
}

impl Principal {
    pub fn from_meta(u: &UserMeta) -> Principal {
        Principal {
            name: u.name.clone(),
            admin: u.admin,
            privileges: u
                .privileges
                .iter()
                .map(|(db, p)| (db.clone(), Privilege::from_stored(p)))
                .collect(),
        }
    }

    /// Whether the user holds `need` on `db` (admins hold everything).
    pub fn can(&self, need: Privilege, db: &str) -> bool {
        self.admin || self.privileges.get(db).is_some_and(|p| p.covers(need))
    }

    /// Whether the user may see `db` in `SHOW DATABASES` (any privilege on it).
    pub fn sees(&self, db: &str) -> bool {
        self.admin
            || self
                .privileges
                .get(db)
                .is_some_and(|p| *p != Privilege::None)
    }
}

/// What one statement needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Need {
    /// Runs for any authenticated user (its output is filtered: `SHOW DATABASES`).
    Nothing,
    Admin,
    /// `privilege` on the database (`None`: the request named none; only admins pass).
    On(Privilege, Option<String>),
}

/// The privileges `stmt` needs, with `db` the request's default database (the `db` parameter).
///
/// | statement | needs |
/// |---|---|
/// | SELECT, EXPLAIN | READ on every source's database (`db.rp.m` names its own), subqueries too; INTO: WRITE on the target's |
/// | SHOW MEASUREMENTS/TAG KEYS/TAG VALUES/FIELD KEYS/SERIES/cardinality/RETENTION POLICIES | READ on `ON db` or the default |
/// | SHOW DATABASES | nothing (lists only databases the user has a privilege on) |
/// | DROP SERIES, DELETE | WRITE on the database |
/// | everything else (DDL, DROP MEASUREMENT, users, grants, CQs, shards, SHOW QUERIES, KILL QUERY, SHOW USERS/GRANTS) | admin |
pub fn requirements(stmt: &Statement, db: Option<&str>) -> Vec<Need> {
    let on = |d: &Option<String>, p: Privilege| {
        vec![Need::On(p, d.clone().or_else(|| db.map(str::to_owned)))]
    };
    let sources = |explicit: &Option<String>, srcs: &[MeasurementName], p: Privilege| {
        let mut v = on(explicit, p);
        for s in srcs {
            if s.database.is_some() {
                v.push(Need::On(p, s.database.clone()));
            }
        }
        v
    };
    match stmt {
        Statement::Select(s) => select_needs(s, db),
        Statement::Explain(e) => select_needs(&e.statement, db),
        Statement::ShowDatabases => vec![Need::Nothing],
        Statement::ShowMeasurements(s) => on(&s.database, Privilege::Read),
        Statement::ShowRetentionPolicies(s) => on(&s.database, Privilege::Read),
        Statement::ShowTagKeys(s) => sources(&s.database, &s.sources, Privilege::Read),
        Statement::ShowTagValues(s) => sources(&s.database, &s.sources, Privilege::Read),
        Statement::ShowFieldKeys(s) => sources(&s.database, &s.sources, Privilege::Read),
        Statement::ShowSeries(s) => sources(&s.database, &s.sources, Privilege::Read),
        Statement::ShowCardinality(s) => sources(&s.database, &s.sources, Privilege::Read),
        Statement::DropSeries(s) => sources(&None, &s.sources, Privilege::Write),
        Statement::Delete(s) => sources(&None, &s.sources, Privilege::Write),
        _ => vec![Need::Admin],
    }
}

fn select_needs(s: &SelectStatement, db: Option<&str>) -> Vec<Need> {
    let mut v = Vec::new();
    for src in &s.sources {
        match src {
            Source::Measurement(m) => v.push(Need::On(
                Privilege::Read,
                m.database.clone().or_else(|| db.map(str::to_owned)),
            )),
            Source::Subquery(q) => v.extend(select_needs(q, db)),
        }
    }
    if let Some(into) = &s.into {
        v.push(Need::On(
            Privilege::Write,
            into.database.clone().or_else(|| db.map(str::to_owned)),
        ));
    }
    v
}

/// The 403 text for `user` lacking what `stmt` needs, or `None` when allowed.
pub fn check_statement(user: &Principal, stmt: &Statement, db: Option<&str>) -> Option<String> {
    if user.admin {
        return None;
    }
    for need in requirements(stmt, db) {
        let missing = match &need {
            Need::Nothing => None,
            Need::Admin => Some("admin privilege".to_owned()),
            Need::On(p, Some(d)) if user.can(*p, d) => None,
            Need::On(p, d) => Some(format!("{} on {}", p.text(), d.as_deref().unwrap_or(""))),
        };
        if let Some(m) = missing {
            return Some(format!(
                "error authorizing query: {} not authorized to execute statement '{stmt}', requires {m}",
                user.name
            ));
        }
    }
    None
}

/// Whether `stmts` is the bootstrap query allowed before an admin exists: only
/// `CREATE USER … WITH ALL PRIVILEGES` statements.
pub fn is_bootstrap(stmts: &[Statement]) -> bool {
    !stmts.is_empty()
        && stmts
            .iter()
            .all(|s| matches!(s, Statement::CreateUser(c) if c.admin))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::parse_statement;

    fn bob(privs: &[(&str, Privilege)]) -> Principal {
        Principal {
            name: "bob".into(),
            admin: false,
            privileges: privs.iter().map(|(d, p)| ((*d).to_owned(), *p)).collect(),
        }
    }

    fn check(u: &Principal, q: &str) -> Option<String> {
        check_statement(u, &parse_statement(q).unwrap(), Some("x"))
    }

    #[test]
    fn read_user_reads_only_its_database() {
        let u = bob(&[("x", Privilege::Read)]);
        assert_eq!(check(&u, "SELECT * FROM m"), None);
        assert_eq!(check(&u, "SHOW MEASUREMENTS"), None);
        assert_eq!(check(&u, "SHOW DATABASES"), None);
        assert_eq!(
            check(&u, "SELECT * FROM y.autogen.m").as_deref(),
            Some(
                "error authorizing query: bob not authorized to execute statement 'SELECT * FROM y.autogen.m', requires READ on y"
            )
        );
        assert!(
            check(&u, "SHOW MEASUREMENTS ON y")
                .unwrap()
                .ends_with("requires READ on y")
        );
        assert!(
            check(&u, "SHOW TAG KEYS FROM y.autogen.m")
                .unwrap()
                .ends_with("requires READ on y")
        );
        assert!(
            check(&u, "SELECT * FROM (SELECT * FROM y..m)")
                .unwrap()
                .ends_with("requires READ on y")
        );
        assert!(
            check(&u, "SELECT * INTO m2 FROM m")
                .unwrap()
                .ends_with("requires WRITE on x")
        );
        assert!(
            check(&u, "DELETE FROM m")
                .unwrap()
                .ends_with("requires WRITE on x")
        );
        assert!(
            check(&u, "DROP SERIES FROM m")
                .unwrap()
                .ends_with("requires WRITE on x")
        );
        assert!(
            check(&u, "DROP DATABASE x")
                .unwrap()
                .ends_with("requires admin privilege")
        );
        assert!(
            check(&u, "SHOW USERS")
                .unwrap()
                .ends_with("requires admin privilege")
        );
        assert!(
            check(&u, "GRANT ALL PRIVILEGES TO bob")
                .unwrap()
                .ends_with("requires admin privilege")
        );
    }

    #[test]
    fn write_and_all() {
        let w = bob(&[("x", Privilege::Write)]);
        assert!(check(&w, "SELECT * FROM m").is_some());
        assert_eq!(check(&w, "DELETE FROM m"), None);
        let a = bob(&[("x", Privilege::All), ("y", Privilege::Read)]);
        assert_eq!(check(&a, "SELECT * INTO m2 FROM m"), None);
        assert!(
            check(&a, "SELECT * INTO y..m2 FROM m")
                .unwrap()
                .ends_with("requires WRITE on y")
        );
        assert!(a.sees("y"));
        assert!(!a.sees("z"));
        let admin = Principal {
            admin: true,
            ..bob(&[])
        };
        assert_eq!(check(&admin, "DROP DATABASE x"), None);
    }

    #[test]
    fn no_database_fails_closed() {
        let u = bob(&[("x", Privilege::All)]);
        let s = parse_statement("SELECT * FROM m").unwrap();
        assert!(
            check_statement(&u, &s, None)
                .unwrap()
                .ends_with("requires READ on ")
        );
    }

    #[test]
    fn bootstrap_is_only_admin_creation() {
        let q = |s: &str| crate::parser::parse_query(s).unwrap();
        assert!(is_bootstrap(&q(
            "CREATE USER a WITH PASSWORD 'p' WITH ALL PRIVILEGES"
        )));
        assert!(!is_bootstrap(&q("CREATE USER a WITH PASSWORD 'p'")));
        assert!(!is_bootstrap(&q(
            "CREATE USER a WITH PASSWORD 'p' WITH ALL PRIVILEGES; SHOW USERS"
        )));
        assert!(!is_bootstrap(&[]));
    }
}
