//! Users in the meta store (`MetaData::users`): tsdb keeps them, `query::auth` interprets them.

use super::engine::Engine;
use super::types::EngineError;
use crate::meta::UserMeta;

impl Engine {
    /// Every user, in creation order.
    pub fn users(&self) -> Vec<UserMeta> {
        self.meta.read(|m| m.users.clone())
    }

    /// Applies `f` to a copy of the users; when it returns `Ok(true)` the change is persisted
    /// (the meta file replaced) before it becomes visible.
    pub fn update_users(
        &self,
        f: &mut dyn FnMut(&mut Vec<UserMeta>) -> Result<bool, EngineError>,
    ) -> Result<(), EngineError> {
        self.meta.update(|m| {
            let changed = f(&mut m.users)?;
            Ok(((), changed))
        })
    }
}
