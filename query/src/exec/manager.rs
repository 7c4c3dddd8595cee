//! Running queries: ids, `SHOW QUERIES`, `KILL QUERY`, `max-concurrent-queries` and `query-timeout`
//! (InfluxDB 1.x's task manager).
//!
//! Invariants:
//! 1. A query is listed from [`QueryManager::attach`] until its [`QueryHandle`] drops; ids start at 1
//!    and are never reused while the server runs.
//! 2. `attach` refuses a query when `max-concurrent-queries` are already listed (0 = no limit), with
//!    InfluxDB's text; nothing is listed then.
//! 3. Killing marks the query's [`Interrupt`]; the query stops at its executor's next check and still
//!    shows as `killed` until it has let go of its resources (its handle dropped).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::error::ExecError;
use super::limits::Interrupt;
use crate::response::{Series, Value};

/// Settings from the `[coordinator]` section.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ManagerConfig {
    /// `query-timeout`; `None` = no timeout.
    pub query_timeout: Option<Duration>,
    /// `max-concurrent-queries`; 0 = no limit.
    pub max_concurrent_queries: usize,
}

struct Task {
    query: String,
    database: String,
    started: Instant,
    interrupt: Interrupt,
}

#[derive(Default)]
struct Tasks {
    next_id: u64,
    running: BTreeMap<u64, Task>,
}

/// The registry of running queries; clone it freely (shared state).
#[derive(Clone, Default)]
pub struct QueryManager {
    config: ManagerConfig,
    tasks: Arc<Mutex<Tasks>>,
}

/// A running query's registration: its id and interrupt; dropping it detaches the query.
pub struct QueryHandle {
    id: u64,
    interrupt: Interrupt,
    tasks: Arc<Mutex<Tasks>>,
}

impl QueryHandle {
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The interrupt to put in the query's [`super::ExecContext`].
    pub fn interrupt(&self) -> Interrupt {
        self.interrupt.clone()
    }
}

impl Drop for QueryHandle {
    fn drop(&mut self) {
        self.tasks.lock().running.remove(&self.id);
    }
}

impl QueryManager {
    pub fn new(config: ManagerConfig) -> QueryManager {
        QueryManager {
            config,
            tasks: Arc::default(),
        }
    }

    pub fn config(&self) -> ManagerConfig {
        self.config
    }

    /// Lists a new query (its text and the request's database) and returns its handle.
    pub fn attach(&self, query: &str, database: &str) -> Result<QueryHandle, ExecError> {
        let mut tasks = self.tasks.lock();
        let limit = self.config.max_concurrent_queries;
        if limit > 0 && tasks.running.len() >= limit {
            return Err(ExecError::Invalid(format!(
                "max-concurrent-queries limit exceeded({}, {limit})",
                tasks.running.len()
            )));
        }
        tasks.next_id += 1;
        let id = tasks.next_id;
        let started = Instant::now();
        let interrupt = Interrupt::new(self.config.query_timeout.map(|t| started + t));
        tasks.running.insert(
            id,
            Task {
                query: query.to_owned(),
                database: database.to_owned(),
                started,
                interrupt: interrupt.clone(),
            },
        );
        Ok(QueryHandle {
            id,
            interrupt,
            tasks: Arc::clone(&self.tasks),
        })
    }

    /// `KILL QUERY <id>`.
    pub fn kill(&self, id: u64) -> Result<(), ExecError> {
        let tasks = self.tasks.lock();
        let Some(task) = tasks.running.get(&id) else {
            return Err(ExecError::Invalid(format!("no such query id: {id}")));
        };
        if task.interrupt.kill() {
            Ok(())
        } else {
            Err(ExecError::Invalid("already killed".into()))
        }
    }

    /// `SHOW QUERIES`: one series, columns `qid, query, database, duration, status`, by id.
    pub fn show(&self) -> Series {
        let now = Instant::now();
        let tasks = self.tasks.lock();
        let values = tasks
            .running
            .iter()
            .map(|(&id, t)| {
                vec![
                    Value::Int(id as i64),
                    Value::Str(t.query.clone()),
                    Value::Str(t.database.clone()),
                    Value::Str(go_duration(now.saturating_duration_since(t.started))),
                    Value::Str(
                        if t.interrupt.is_killed() {
                            "killed"
                        } else {
                            "running"
                        }
                        .into(),
                    ),
                ]
            })
            .collect();
        Series {
            name: None,
            tags: Vec::new(),
            columns: ["qid", "query", "database", "duration", "status"]
                .map(String::from)
                .to_vec(),
            values,
        }
    }
}

/// A running time as InfluxDB prints it: truncated to its largest unit among s, ms and µs, then in
/// Go's `Duration.String()` form (`1h2m3s`, `45s`, `120ms`, `15µs`, `800ns`).
pub fn go_duration(d: Duration) -> String {
    let ns = d.as_nanos();
    let (unit, suffix) = if ns >= 1_000_000_000 {
        (1_000_000_000, "")
    } else if ns >= 1_000_000 {
        (1_000_000, "ms")
    } else if ns >= 1_000 {
        (1_000, "µs")
    } else {
        return format!("{ns}ns");
    };
    let t = ns / unit;
    if !suffix.is_empty() {
        return format!("{t}{suffix}");
    }
    let (h, m, s) = (t / 3600, t / 60 % 60, t % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m{s}s"),
        _ => format!("{h}h{m}m{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attach_show_kill_detach() {
        let m = QueryManager::new(ManagerConfig::default());
        let a = m.attach("SELECT 1", "db").unwrap();
        let b = m.attach("SHOW QUERIES", "").unwrap();
        assert_eq!((a.id(), b.id()), (1, 2));
        let s = m.show();
        assert_eq!(s.values.len(), 2);
        assert_eq!(s.values[0][1], Value::Str("SELECT 1".into()));
        assert_eq!(s.values[0][4], Value::Str("running".into()));
        m.kill(1).unwrap();
        assert!(a.interrupt().check().is_err());
        assert_eq!(m.show().values[0][4], Value::Str("killed".into()));
        assert_eq!(m.kill(1).unwrap_err().to_string(), "already killed");
        assert_eq!(m.kill(9).unwrap_err().to_string(), "no such query id: 9");
        drop(a);
        assert_eq!(m.show().values.len(), 1);
        drop(b);
        assert_eq!(m.attach("x", "").unwrap().id(), 3, "ids are not reused");
    }

    #[test]
    fn max_concurrent_queries() {
        let m = QueryManager::new(ManagerConfig {
            max_concurrent_queries: 1,
            query_timeout: None,
        });
        let a = m.attach("a", "").unwrap();
        assert_eq!(
            m.attach("b", "").err().unwrap().to_string(),
            "max-concurrent-queries limit exceeded(1, 1)"
        );
        drop(a);
        assert!(m.attach("c", "").is_ok());
    }

    #[test]
    fn timeout_fires_through_the_interrupt() {
        let m = QueryManager::new(ManagerConfig {
            max_concurrent_queries: 0,
            query_timeout: Some(Duration::ZERO),
        });
        let a = m.attach("a", "").unwrap();
        assert_eq!(
            a.interrupt().check().unwrap_err().to_string(),
            "query-timeout limit exceeded"
        );
    }

    #[test]
    fn durations_print_like_go() {
        assert_eq!(go_duration(Duration::from_nanos(800)), "800ns");
        assert_eq!(go_duration(Duration::from_nanos(15_900)), "15µs");
        assert_eq!(go_duration(Duration::from_micros(120_999)), "120ms");
        assert_eq!(go_duration(Duration::from_millis(45_999)), "45s");
        assert_eq!(go_duration(Duration::from_secs(62)), "1m2s");
        assert_eq!(go_duration(Duration::from_secs(3723)), "1h2m3s");
        assert_eq!(go_duration(Duration::from_secs(3600)), "1h0m0s");
    }
}
