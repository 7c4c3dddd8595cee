//! Continuous-query definitions in the meta store (`DatabaseMeta::continuous_queries`), as InfluxDB
//! keeps them: name and statement text per database, in creation order. tsdb stores the text only.

use super::engine::Engine;
use super::types::EngineError;
use crate::meta::ContinuousQueryMeta;

impl Engine {
    /// `CREATE CONTINUOUS QUERY`: identical text under the same name is a no-op; the same name with
    /// another text is `continuous query already exists`; an unknown database is `DatabaseNotFound`.
    pub fn create_continuous_query(
        &self,
        db: &str,
        name: &str,
        query_text: &str,
    ) -> Result<(), EngineError> {
        self.meta.update(|m| {
            let d = m
                .database_mut(db)
                .ok_or_else(|| EngineError::DatabaseNotFound(db.to_string()))?;
            if let Some(cq) = d.continuous_queries.iter().find(|c| c.name == name) {
                if cq.query == query_text {
                    return Ok(((), false));
                }
                return Err(EngineError::Invalid(
                    "continuous query already exists".into(),
                ));
            }
            d.continuous_queries.push(ContinuousQueryMeta {
                name: name.to_string(),
                query: query_text.to_string(),
            });
            Ok(((), true))
        })
    }

    /// `DROP CONTINUOUS QUERY`: an unknown name or database is Ok (as InfluxDB 1.6.7 answers).
    pub fn drop_continuous_query(&self, db: &str, name: &str) -> Result<(), EngineError> {
        self.meta.update(|m| {
            let Some(d) = m.database_mut(db) else {
                return Ok(((), false));
            };
            let before = d.continuous_queries.len();
            d.continuous_queries.retain(|c| c.name != name);
            let changed = d.continuous_queries.len() != before;
            Ok::<_, EngineError>(((), changed))
        })
    }

    /// Every database (creation order) with its continuous queries (creation order); databases
    /// without any are listed too, with an empty list (`SHOW CONTINUOUS QUERIES` shows them).
    pub fn continuous_queries(&self) -> Vec<(String, Vec<ContinuousQueryMeta>)> {
        self.meta.read(|m| {
            m.databases
                .iter()
                .map(|d| (d.name.clone(), d.continuous_queries.clone()))
                .collect()
        })
    }
}
