//! Query parameters of the write endpoints: where to write and how to read the timestamps.

use crate::line_protocol::Precision;

use super::error::WriteHttpError;

/// Decoded query-string pairs in request order; a repeated key keeps its first value (Go's
/// `url.Values.Get`).
#[derive(Clone, Debug, Default)]
pub struct QueryParams(pub Vec<(String, String)>);

impl QueryParams {
    /// The first value of `key`, or `""` when absent (InfluxDB does not distinguish the two).
    pub fn get(&self, key: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// Where a write goes and how its timestamps are scaled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteTarget {
    pub db: String,
    /// `None` = the database's default retention policy.
    pub rp: Option<String>,
    pub precision: Precision,
}

/// `POST /write`: `precision` (checked first, as in 1.8), `db`, `rp`. An empty `db` is reported
/// later (after precision) as `database is required`, so it is returned here as an empty string.
pub fn target_v1(params: &QueryParams) -> Result<WriteTarget, WriteHttpError> {
    let p = params.get("precision");
    let precision =
        Precision::parse_v1(p).ok_or_else(|| WriteHttpError::InvalidPrecisionV1(p.to_string()))?;
    Ok(WriteTarget {
        db: params.get("db").to_string(),
        rp: non_empty(params.get("rp")),
        precision,
    })
}

/// `POST /api/v2/write`: `precision` (`ns|us|ms|s`), then `bucket` = `db` or `db/rp`; `org` ignored.
pub fn target_v2(params: &QueryParams) -> Result<WriteTarget, WriteHttpError> {
    let p = params.get("precision");
    let precision =
        Precision::parse_v2(p).ok_or_else(|| WriteHttpError::InvalidPrecisionV2(p.to_string()))?;
    let (db, rp) = bucket_to_db_rp(params.get("bucket"))?;
    Ok(WriteTarget { db, rp, precision })
}

/// InfluxDB 1.8's `bucket2dbrp`: `db` → default RP, `db/rp`, `db/` → default RP; `""` and `/rp` are
/// errors (404).
pub fn bucket_to_db_rp(bucket: &str) -> Result<(String, Option<String>), WriteHttpError> {
    match bucket.split_once('/') {
        None if bucket.is_empty() => Err(WriteHttpError::BucketMissingSlash(bucket.to_string())),
        None => Ok((bucket.to_string(), None)),
        Some(("", _)) => Err(WriteHttpError::BucketEmptyDatabase(bucket.to_string())),
        Some((db, rp)) => Ok((db.to_string(), non_empty(rp))),
    }
}

/// `consistency`: empty or `any|one|quorum|all` (any case) is accepted and ignored (single node).
pub fn check_consistency(level: &str) -> Result<(), WriteHttpError> {
    const LEVELS: [&str; 4] = ["any", "one", "quorum", "all"];
    if level.is_empty() || LEVELS.iter().any(|l| l.eq_ignore_ascii_case(level)) {
        Ok(())
    } else {
        Err(WriteHttpError::InvalidConsistency)
    }
}

fn non_empty(s: &str) -> Option<String> {
    if s.is_empty() {
        None
    } else {
        Some(s.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> QueryParams {
        QueryParams(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn first_value_wins_and_missing_is_empty() {
        let p = params(&[("db", "a"), ("db", "b")]);
        assert_eq!(p.get("db"), "a");
        assert_eq!(p.get("rp"), "");
    }

    #[test]
    fn bucket_forms() {
        assert_eq!(bucket_to_db_rp("db").ok(), Some(("db".into(), None)));
        assert_eq!(
            bucket_to_db_rp("db/rp").ok(),
            Some(("db".into(), Some("rp".into())))
        );
        assert_eq!(bucket_to_db_rp("db/").ok(), Some(("db".into(), None)));
        assert_eq!(
            bucket_to_db_rp("db/rp/x").ok(),
            Some(("db".into(), Some("rp/x".into())))
        );
        assert!(matches!(
            bucket_to_db_rp(""),
            Err(WriteHttpError::BucketMissingSlash(_))
        ));
        assert!(matches!(
            bucket_to_db_rp("/rp"),
            Err(WriteHttpError::BucketEmptyDatabase(_))
        ));
    }

    #[test]
    fn consistency_levels() {
        for ok in ["", "any", "one", "quorum", "all", "ALL", "One"] {
            assert!(check_consistency(ok).is_ok(), "{ok}");
        }
        for bad in ["two", "none", " one"] {
            assert!(
                matches!(
                    check_consistency(bad),
                    Err(WriteHttpError::InvalidConsistency)
                ),
                "{bad}"
            );
        }
    }
}
