//! End-to-end tests of the real `taildb` binary on a loopback port: a smoke test, a graceful
//! restart, and a SIGKILL in the middle of concurrent writes.

mod crash;
mod smoke;
mod support;
