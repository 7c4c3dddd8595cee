//! Real clients against a live `taildb serve` on a loopback port: the Python `influxdb` (v1 API)
//! and `influxdb-client` (v2 API, 1.8 compatibility) libraries and the `influx` shell (Debian's
//! `influxdb-client` package).
//!
//! 1. The clients come from `scripts/test.sh`, which names them in `TAILDB_TEST_PYTHON` (the
//!    virtual environment's python) and `TAILDB_TEST_INFLUX`; without them these tests FAIL with
//!    a message saying to run the script — they never skip silently.
//! 2. The Python scripts (`tests/clients/*.py`) do their own assertions and exit non-zero with a
//!    traceback; the test prints their output and the server log on failure.
//! 3. Authentication is disabled here: every client sends some credentials (`root:root`, a
//!    `user:pass` token, none) and all must be ignored. [`ClientAuth`] carries credentials through
//!    to each client for the auth-enabled runs added once authentication lands.

#[path = "../server_process/support.rs"]
#[allow(dead_code)]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::Server;

/// Credentials handed to a client (auth-on runs: a real user; auth-off runs: anything).
#[derive(Clone, Debug)]
pub struct ClientAuth {
    pub username: String,
    pub password: String,
}

impl ClientAuth {
    /// What the clients send by default: the Python v1 client's `root:root`.
    pub fn python_default() -> ClientAuth {
        ClientAuth {
            username: "root".into(),
            password: "root".into(),
        }
    }

    /// `influx` shell arguments for these credentials (none for an empty username: the shell
    /// would prompt for a password).
    pub fn influx_args(&self) -> Vec<String> {
        if self.username.is_empty() {
            return Vec::new();
        }
        vec![
            "-username".into(),
            self.username.clone(),
            "-password".into(),
            self.password.clone(),
        ]
    }
}

fn tool(var: &str, what: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(p) if Path::new(&p).exists() => PathBuf::from(p),
        Some(p) => panic!(
            "{var}={} does not exist: run scripts/test.sh (it installs {what})",
            Path::new(&p).display()
        ),
        None => panic!(
            "{var} is not set: run the tests with scripts/test.sh (it installs {what} and sets {var})"
        ),
    }
}

fn python() -> PathBuf {
    tool(
        "TAILDB_TEST_PYTHON",
        "the Python InfluxDB clients in target/clients-venv",
    )
}

fn influx() -> PathBuf {
    tool(
        "TAILDB_TEST_INFLUX",
        "Debian's influxdb-client package, the influx shell",
    )
}

fn scripts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients")
}

#[track_caller]
fn assert_success(what: &str, out: &Output, server: &Server) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n--- stdout\n{}\n--- stderr\n{}\n--- server log\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        server.log()
    );
}

fn run_script(server: &Server, script: &str) -> Output {
    Command::new(python())
        .arg(scripts_dir().join(script))
        .arg(server.addr.ip().to_string())
        .arg(server.addr.port().to_string())
        .current_dir(scripts_dir())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("python runs")
}

#[test]
fn python_influxdb_v1_client() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path());
    let out = run_script(&server, "v1_client.py");
    assert_success("tests/clients/v1_client.py", &out, &server);
}

#[test]
fn python_influxdb_client_v2_compat() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path());
    let out = run_script(&server, "v2_client.py");
    assert_success("tests/clients/v2_client.py", &out, &server);
}

/// `influx` with the server address, credentials and `extra` arguments.
fn influx_cmd(server: &Server, auth: &ClientAuth, extra: &[&str]) -> Output {
    Command::new(influx())
        .args(["-host", &server.addr.ip().to_string()])
        .args(["-port", &server.addr.port().to_string()])
        .args(auth.influx_args())
        .args(extra)
        .env("HOME", std::env::temp_dir())
        .output()
        .expect("influx runs")
}

#[test]
fn influx_shell_execute_formats_and_import() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path());
    let auth = ClientAuth::python_default();

    let out = influx_cmd(&server, &auth, &["-execute", "CREATE DATABASE shell"]);
    assert_success("influx -execute CREATE DATABASE", &out, &server);

    // -import: DDL and DML sections, a context database, second precision.
    let import = dir.path().join("import.txt");
    std::fs::write(
        &import,
        "# DDL\nCREATE DATABASE imported\n\n# DML\n# CONTEXT-DATABASE: imported\n# CONTEXT-RETENTION-POLICY: autogen\n\
         cpu,host=a usage=1.5 1700000000\ncpu,host=b usage=2.5 1700000010\ncpu,host=a usage=3.5 1700000020\n",
    )
    .expect("import file");
    let import_path = import.display().to_string();
    let out = influx_cmd(
        &server,
        &auth,
        &["-import", "-path", &import_path, "-precision", "s"],
    );
    assert_success("influx -import", &out, &server);
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("Processed 1 commands"), "{text}");
    assert!(text.contains("Processed 3 inserts"), "{text}");
    assert!(text.contains("Failed 0 inserts"), "{text}");

    // -format json, epoch precision.
    let out = influx_cmd(
        &server,
        &auth,
        &[
            "-database",
            "imported",
            "-format",
            "json",
            "-precision",
            "ms",
            "-execute",
            "SELECT usage FROM cpu WHERE host = 'a'",
        ],
    );
    assert_success("influx -format json", &out, &server);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "json output parses: {e}: {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    assert_eq!(
        v["results"][0]["series"][0]["values"],
        serde_json::json!([[1_700_000_000_000i64, 1.5], [1_700_000_020_000i64, 3.5]]),
        "{v}"
    );

    // -format csv.
    let out = influx_cmd(
        &server,
        &auth,
        &[
            "-database",
            "imported",
            "-format",
            "csv",
            "-precision",
            "s",
            "-execute",
            "SELECT usage FROM cpu",
        ],
    );
    assert_success("influx -format csv", &out, &server);
    let csv = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        csv.lines().collect::<Vec<_>>(),
        [
            "name,time,usage",
            "cpu,1700000000,1.5",
            "cpu,1700000010,2.5",
            "cpu,1700000020,3.5"
        ],
        "{csv}"
    );

    // Column format, meta statements, and a statement error surfaced as ERR.
    let out = influx_cmd(&server, &auth, &["-execute", "SHOW DATABASES"]);
    assert_success("influx SHOW DATABASES", &out, &server);
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("imported") && shown.contains("shell"),
        "{shown}"
    );
    let out = influx_cmd(
        &server,
        &auth,
        &["-database", "nodb", "-execute", "SELECT * FROM cpu"],
    );
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("database not found: nodb"), "{text}");

    // Credentials are ignored while authentication is disabled: none at all works too.
    let none = ClientAuth {
        username: String::new(),
        password: String::new(),
    };
    let out = influx_cmd(&server, &none, &["-execute", "SHOW DATABASES"]);
    assert_success("influx without credentials", &out, &server);
}
