//! Executing the user statements against a [`Store`]'s users (run on the blocking pool: argon2
//! hashing is deliberately slow).

use tsdb::EngineError;
use tsdb::meta::UserMeta;

use super::password::{hash_password, verify_password};
use crate::ast::{CreateUserStatement, GrantStatement, Privilege, SetPasswordStatement};
use crate::exec::{ExecError, Store};
use crate::response::{Series, Value};

fn invalid(msg: &str) -> EngineError {
    EngineError::Invalid(msg.to_owned())
}

fn find<'a>(users: &'a mut [UserMeta], name: &str) -> Result<&'a mut UserMeta, EngineError> {
    users
        .iter_mut()
        .find(|u| u.name == name)
        .ok_or_else(|| invalid("user not found"))
}

/// `CREATE USER`: re-creating a user with the same password and admin flag is a no-op (as
/// InfluxDB); anything else for an existing name is `user already exists`.
pub fn create_user(store: &dyn Store, s: &CreateUserStatement) -> Result<Vec<Series>, ExecError> {
    if s.name.is_empty() {
        return Err(ExecError::Invalid("username required".into()));
    }
    if let Some(u) = store.users().into_iter().find(|u| u.name == s.name) {
        if u.admin == s.admin && verify_password(&s.password, &u.hash) {
            return Ok(Vec::new());
        }
        return Err(ExecError::Invalid("user already exists".into()));
    }
    let hash = hash_password(&s.password).map_err(ExecError::Invalid)?;
    store.update_users(&mut |users| {
        if users.iter().any(|u| u.name == s.name) {
            return Err(invalid("user already exists"));
        }
        users.push(UserMeta {
            name: s.name.clone(),
            hash: hash.clone(),
            admin: s.admin,
            privileges: Vec::new(),
        });
        Ok(true)
    })?;
    Ok(Vec::new())
}

pub fn drop_user(store: &dyn Store, name: &str) -> Result<Vec<Series>, ExecError> {
    store.update_users(&mut |users| {
        let before = users.len();
        users.retain(|u| u.name != name);
        if users.len() == before {
            return Err(invalid("user not found"));
        }
        Ok(true)
    })?;
    Ok(Vec::new())
}

pub fn set_password(store: &dyn Store, s: &SetPasswordStatement) -> Result<Vec<Series>, ExecError> {
    if !store.users().iter().any(|u| u.name == s.name) {
        return Err(ExecError::Invalid("user not found".into()));
    }
    let hash = hash_password(&s.password).map_err(ExecError::Invalid)?;
    store.update_users(&mut |users| {
        find(users, &s.name)?.hash = hash.clone();
        Ok(true)
    })?;
    Ok(Vec::new())
}

/// `GRANT`/`REVOKE`: with a database, sets (grant) or lowers (revoke) the user's privilege on
/// it; without, sets or clears the admin flag.
pub fn grant(
    store: &dyn Store,
    s: &GrantStatement,
    is_grant: bool,
) -> Result<Vec<Series>, ExecError> {
    if let Some(db) = &s.database
        && is_grant
        && !store.database_exists(db)
    {
        return Err(ExecError::DatabaseNotFound(db.clone()));
    }
    store.update_users(&mut |users| {
        let u = find(users, &s.user)?;
        let Some(db) = &s.database else {
            u.admin = is_grant;
            return Ok(true);
        };
        let current = u
            .privileges
            .iter()
            .find(|(d, _)| d == db)
            .map_or(Privilege::None, |(_, p)| Privilege::from_stored(p));
        let new = if is_grant {
            s.privilege
        } else {
            match (s.privilege, current) {
                (Privilege::All, _) => Privilege::None,
                (Privilege::Read, Privilege::All) => Privilege::Write,
                (Privilege::Write, Privilege::All) => Privilege::Read,
                (p, c) if p == c => Privilege::None,
                (_, c) => c,
            }
        };
        match u.privileges.iter_mut().find(|(d, _)| d == db) {
            Some(entry) => entry.1 = new.stored().to_owned(),
            None if is_grant => u.privileges.push((db.clone(), new.stored().to_owned())),
            None => {}
        }
        Ok(true)
    })?;
    Ok(Vec::new())
}

/// `SHOW USERS`: columns user, admin (never the hash).
pub fn show_users(store: &dyn Store) -> Vec<Series> {
    vec![Series {
        name: None,
        tags: Vec::new(),
        columns: vec!["user".into(), "admin".into()],
        values: store
            .users()
            .into_iter()
            .map(|u| vec![Value::Str(u.name), Value::Bool(u.admin)])
            .collect(),
    }]
}

/// `SHOW GRANTS FOR user`: columns database, privilege.
pub fn show_grants(store: &dyn Store, name: &str) -> Result<Vec<Series>, ExecError> {
    let u = store
        .users()
        .into_iter()
        .find(|u| u.name == name)
        .ok_or_else(|| ExecError::Invalid("user not found".into()))?;
    Ok(vec![Series {
        name: None,
        tags: Vec::new(),
        columns: vec!["database".into(), "privilege".into()],
        values: u
            .privileges
            .iter()
            .map(|(db, p)| {
                vec![
                    Value::Str(db.clone()),
                    Value::Str(Privilege::from_stored(p).text().to_owned()),
                ]
            })
            .collect(),
    }])
}
