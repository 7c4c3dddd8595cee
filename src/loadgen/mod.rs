//! `taildb loadgen`: the email-latency workload generator and HTTP load driver.
//!
//! Invariants:
//! 1. Same arguments + same `--seed` (+ an explicit `--start`) = byte-identical line protocol, whatever
//!    the batch size or output mode: the generator draws a fixed sequence of random numbers per line
//!    from its own xoshiro256** stream (no dependence on `rand`'s algorithm choices).
//! 2. Timestamps strictly increase along the output when lines are at least 1 ns apart, so two lines
//!    never share a (series, timestamp) pair and no server merges points away.
//! 3. No batch is silently lost: each batch is acknowledged with a 2xx, or retried (network errors,
//!    5xx) a bounded number of times and then counted as failed; 4xx bodies are printed. A run with a
//!    failed batch exits non-zero after printing its report.
//! 4. The loader is never the thing being measured: in random mode and with `--file` the input is
//!    generated or read and split into batch bodies (and gzipped) before the clock starts; workers
//!    share one connection pool. Cross mode (`--series-mode cross`, up to billions of lines) streams
//!    instead: one producer thread generates batch bodies into a bounded queue of 2 × workers
//!    bodies while the workers post; the report's `producer_wait_s` says how long workers waited on
//!    an empty queue (near 0 = the server, not the generator, set the pace).
//!
//! Line shape (tags in sorted key order, the canonical InfluxDB order):
//! `email_latency,customer=cust000042,dc=ams1,direction=outbound,host=mx-ams1-017
//!  latency_ms=123.456,size_bytes=34567i,attempts=1i,status="delivered" 1700000000123456789`
//! (cross mode: `host=host-17`, see `cross.rs`).

mod args;
mod cross;
mod post;
mod report;
mod rng;
mod run;
mod start;
mod workload;

#[cfg(test)]
mod cross_tests;
#[cfg(test)]
mod tests;

pub use args::LoadgenArgs;
pub use run::run;
