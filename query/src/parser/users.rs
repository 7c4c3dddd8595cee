//! User statements: `CREATE USER`, `DROP USER`, `SET PASSWORD`, `GRANT`, `REVOKE`, `SHOW USERS`,
//! `SHOW GRANTS` (InfluxQL's grammar; messages in InfluxDB's words).

use super::error::{Kind, PResult, failure, must};
use super::lexical::{identifier, keyword, opt_keyword, string_lit, ws};
use crate::ast::{CreateUserStatement, GrantStatement, Privilege, SetPasswordStatement, Statement};

/// `CREATE USER name WITH PASSWORD 'pw' [WITH ALL PRIVILEGES]` (entered after USER).
pub(crate) fn create_user(i: &str) -> PResult<'_, Statement> {
    let (i, name) = must(identifier(i))?;
    let (i, ()) = must(keyword("WITH")(i))?;
    let (i, ()) = must(keyword("PASSWORD")(i))?;
    let (i, password) = must(string_lit(i))?;
    let (i, admin) = match opt_keyword(i, "WITH") {
        Some(r) => {
            let (r, ()) = must(keyword("ALL")(r))?;
            let (r, ()) = must(keyword("PRIVILEGES")(r))?;
            (r, true)
        }
        None => (i, false),
    };
    Ok((
        i,
        Statement::CreateUser(CreateUserStatement {
            name,
            password,
            admin,
        }),
    ))
}

/// `DROP USER name` (entered after USER).
pub(crate) fn drop_user(i: &str) -> PResult<'_, Statement> {
    let (i, name) = must(identifier(i))?;
    Ok((i, Statement::DropUser(name)))
}

/// `SET PASSWORD FOR name = 'pw'` (entered after SET).
pub(crate) fn set_password(i: &str) -> PResult<'_, Statement> {
    let (i, ()) = must(keyword("PASSWORD")(i))?;
    let (i, ()) = must(keyword("FOR")(i))?;
    let (i, name) = must(identifier(i))?;
    let at = ws(i);
    let Some(i) = at.strip_prefix('=') else {
        return failure(at, Kind::Expected(vec!["="]));
    };
    let (i, password) = must(string_lit(i))?;
    Ok((
        i,
        Statement::SetPassword(SetPasswordStatement { name, password }),
    ))
}

/// `GRANT …` / `REVOKE …` (entered after the keyword).
pub(crate) fn grant(i: &str, is_grant: bool) -> PResult<'_, Statement> {
    let (i, privilege) = privilege(i)?;
    let (i, database) = match opt_keyword(i, "ON") {
        Some(r) => {
            let (r, db) = must(identifier(r))?;
            (r, Some(db))
        }
        None if privilege == Privilege::All => (i, None),
        None => return failure(ws(i), Kind::Expected(vec!["ON"])),
    };
    let (i, ()) = must(keyword(if is_grant { "TO" } else { "FROM" })(i))?;
    let (i, user) = must(identifier(i))?;
    let s = GrantStatement {
        privilege,
        database,
        user,
    };
    Ok((
        i,
        if is_grant {
            Statement::Grant(s)
        } else {
            Statement::Revoke(s)
        },
    ))
}

fn privilege(i: &str) -> PResult<'_, Privilege> {
    if let Some(r) = opt_keyword(i, "READ") {
        return Ok((r, Privilege::Read));
    }
    if let Some(r) = opt_keyword(i, "WRITE") {
        return Ok((r, Privilege::Write));
    }
    if let Some(r) = opt_keyword(i, "ALL") {
        return Ok((opt_keyword(r, "PRIVILEGES").unwrap_or(r), Privilege::All));
    }
    failure(
        ws(i),
        Kind::Expected(vec!["READ", "WRITE", "ALL [PRIVILEGES]"]),
    )
}

/// `SHOW GRANTS FOR name` (entered after GRANTS).
pub(crate) fn show_grants(i: &str) -> PResult<'_, Statement> {
    let (i, ()) = must(keyword("FOR")(i))?;
    let (i, name) = must(identifier(i))?;
    Ok((i, Statement::ShowGrants(name)))
}

#[cfg(test)]
mod tests {
    use crate::ast::{Privilege, Statement};
    use crate::parser::parse_statement;

    fn p(q: &str) -> Statement {
        parse_statement(q).unwrap_or_else(|e| panic!("{q}: {e}"))
    }

    #[test]
    fn user_statements_parse_and_print() {
        let cases = [
            (
                "create user bob with password 'pw'",
                "CREATE USER bob WITH PASSWORD [REDACTED]",
            ),
            (
                "CREATE USER \"a b\" WITH PASSWORD 'it\\'s' WITH ALL PRIVILEGES",
                "CREATE USER \"a b\" WITH PASSWORD [REDACTED] WITH ALL PRIVILEGES",
            ),
            ("DROP USER bob", "DROP USER bob"),
            (
                "SET PASSWORD FOR bob = 'x'",
                "SET PASSWORD FOR bob = [REDACTED]",
            ),
            ("GRANT READ ON db TO bob", "GRANT READ ON db TO bob"),
            ("GRANT WRITE ON db TO bob", "GRANT WRITE ON db TO bob"),
            (
                "GRANT ALL ON db TO bob",
                "GRANT ALL PRIVILEGES ON db TO bob",
            ),
            ("GRANT ALL PRIVILEGES TO bob", "GRANT ALL PRIVILEGES TO bob"),
            ("REVOKE READ ON db FROM bob", "REVOKE READ ON db FROM bob"),
            ("REVOKE ALL FROM bob", "REVOKE ALL PRIVILEGES FROM bob"),
            ("SHOW USERS", "SHOW USERS"),
            ("SHOW GRANTS FOR bob", "SHOW GRANTS FOR bob"),
        ];
        for (q, want) in cases {
            let s = p(q);
            assert_eq!(s.to_string(), want, "{q}");
            // Statements without a password round-trip exactly through their text.
            if !want.contains("[REDACTED]") {
                assert_eq!(p(&s.to_string()), s, "{q}");
            }
        }
    }

    #[test]
    fn passwords_are_kept_but_never_printed() {
        let Statement::CreateUser(c) = p("CREATE USER bob WITH PASSWORD 'se\\'cret'") else {
            panic!("not CREATE USER");
        };
        assert_eq!(c.password, "se'cret");
        assert!(!c.admin);
        let Statement::SetPassword(s) = p("SET PASSWORD FOR bob = 'hunter2'") else {
            panic!("not SET PASSWORD");
        };
        assert_eq!(s.password, "hunter2");
        assert!(!Statement::SetPassword(s).to_string().contains("hunter2"));
    }

    #[test]
    fn grant_without_on_needs_all() {
        let e = parse_statement("GRANT READ TO bob")
            .unwrap_err()
            .to_string();
        assert!(e.contains("expected ON"), "{e}");
        let e = parse_statement("GRANT FOO ON db TO bob")
            .unwrap_err()
            .to_string();
        assert!(e.contains("expected READ, WRITE, ALL [PRIVILEGES]"), "{e}");
        let Statement::Revoke(r) = p("REVOKE ALL PRIVILEGES ON db FROM bob") else {
            panic!("not REVOKE");
        };
        assert_eq!(r.privilege, Privilege::All);
        assert_eq!(r.database.as_deref(), Some("db"));
    }
}
