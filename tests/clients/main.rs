//! Real clients against a live `taildb serve` on a loopback port: the Python `influxdb` (v1 API)
//! and `influxdb-client` (v2 API, 1.8 compatibility) libraries and the `influx` shell (Debian's
//! `influxdb-client` package).
//!
//! 1. The clients come from `scripts/test.sh`, which names them in `TAILDB_TEST_PYTHON` (the
//!    virtual environment's python) and `TAILDB_TEST_INFLUX`; without them these tests FAIL with
//!    a message saying to run the script — they never skip silently.
//! 2. The Python scripts (`tests/clients/*.py`) do their own assertions and exit non-zero with a
//!    traceback; the test prints their output and the server log on failure.
//! 3. Each client runs twice: against a server with authentication disabled, where every client
//!    sends some credentials (`root:root`, a `user:pass` token, none) and all must be ignored; and
//!    against a fresh server with `--auth-enabled`, where the run bootstraps an admin, creates
//!    READ and WRITE users, and checks 401 / 403 as each client surfaces them
//!    (`v1_auth.py`, `v2_auth.py`, [`influx_shell_with_auth`]).

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

/// Runs a client script against a fresh server started with `server_args`; the server log must
/// not show any of `secrets`.
fn python_run(script: &str, server_args: &[&str], secrets: &[&str]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start_with(dir.path(), server_args);
    let out = run_script(&server, script);
    assert_success(&format!("tests/clients/{script}"), &out, &server);
    assert_no_secret(&server.log(), secrets);
}

#[test]
fn python_influxdb_v1_client() {
    python_run("v1_client.py", &[], &[]);
}

#[test]
fn python_influxdb_client_v2_compat() {
    python_run("v2_client.py", &[], &[]);
}

#[test]
fn python_influxdb_v1_client_with_auth() {
    let secrets = ["adm-Pw-1", "w-pw", "r-pw", "$argon2"];
    python_run("v1_auth.py", &["--auth-enabled"], &secrets);
}

#[test]
fn python_influxdb_client_v2_with_auth() {
    let secrets = ["adm-Pw-2", "w-pw", "r-pw", "$argon2"];
    python_run("v2_auth.py", &["--auth-enabled"], &secrets);
}

#[track_caller]
fn assert_no_secret(log: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(!log.contains(s), "the server log shows {s:?}:\n{log}");
    }
}

/// `influx` with the server address, credentials and `extra` arguments.
fn influx_cmd(server: &Server, auth: &ClientAuth, extra: &[&str]) -> Output {
    influx_cmd_env(server, auth, extra, &[])
}

/// Stdout and stderr of an `influx` run, together.
fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

fn influx_cmd_env(
    server: &Server,
    auth: &ClientAuth,
    extra: &[&str],
    env: &[(&str, &str)],
) -> Output {
    Command::new(influx())
        .args(["-host", &server.addr.ip().to_string()])
        .args(["-port", &server.addr.port().to_string()])
        .args(auth.influx_args())
        .args(extra)
        .env("HOME", std::env::temp_dir())
        .env_remove("INFLUX_USERNAME")
        .env_remove("INFLUX_PASSWORD")
        .envs(env.iter().copied())
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

/// The `influx` shell against a server with authentication enabled: the bootstrap rule, `-username`
/// / `-password` and `INFLUX_USERNAME` / `INFLUX_PASSWORD`, a WRITE user's `-import`, a READ user's
/// queries and refused writes and drops, 401s for wrong or missing credentials.
#[test]
fn influx_shell_with_auth() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start_with(dir.path(), &["--auth-enabled"]);
    let none = ClientAuth {
        username: String::new(),
        password: String::new(),
    };
    let user = |name: &str, pw: &str| ClientAuth {
        username: name.into(),
        password: pw.into(),
    };
    let admin = user("admin", "adm-Pw-3");

    let out = influx_cmd(&server, &none, &["-execute", "SHOW DATABASES"]);
    assert!(
        text(&out).contains("create admin user first or disable authentication"),
        "{}",
        text(&out)
    );
    let out = influx_cmd(
        &server,
        &none,
        &[
            "-execute",
            "CREATE USER admin WITH PASSWORD 'adm-Pw-3' WITH ALL PRIVILEGES",
        ],
    );
    assert_success("influx bootstrap CREATE USER", &out, &server);

    let out = influx_cmd(&server, &none, &["-execute", "SHOW DATABASES"]);
    assert!(
        text(&out).contains("unable to parse authentication credentials"),
        "{}",
        text(&out)
    );
    let out = influx_cmd(
        &server,
        &user("admin", "wrong"),
        &["-execute", "SHOW DATABASES"],
    );
    assert!(
        text(&out).contains("authorization failed"),
        "{}",
        text(&out)
    );

    for q in [
        "CREATE DATABASE shell",
        "CREATE DATABASE private",
        "CREATE USER writer WITH PASSWORD 'w-pw'",
        "CREATE USER reader WITH PASSWORD 'r-pw'",
        "GRANT WRITE ON shell TO writer",
        "GRANT READ ON shell TO reader",
    ] {
        let out = influx_cmd(&server, &admin, &["-execute", q]);
        assert_success(q, &out, &server);
        assert!(!text(&out).contains("ERR"), "{q}: {}", text(&out));
    }

    // The WRITE user imports into its database (DML only: the file creates nothing).
    let import = dir.path().join("import.txt");
    std::fs::write(
        &import,
        "# DML\n# CONTEXT-DATABASE: shell\ncpu,host=a usage=1.5 1700000000\ncpu,host=b usage=2.5 1700000010\n",
    )
    .expect("import file");
    let import_path = import.display().to_string();
    let args = ["-import", "-path", &import_path, "-precision", "s"];
    let out = influx_cmd(&server, &user("writer", "w-pw"), &args);
    assert_success("influx -import as writer", &out, &server);
    assert!(text(&out).contains("Processed 2 inserts"), "{}", text(&out));
    assert!(text(&out).contains("Failed 0 inserts"), "{}", text(&out));
    // The READ user's import is refused (the batch's 403 text shown); nothing lands.
    let out = influx_cmd(&server, &user("reader", "r-pw"), &args);
    assert!(
        text(&out).contains("2 points were not inserted"),
        "{}",
        text(&out)
    );
    assert!(
        text(&out).contains("not authorized to write to database"),
        "{}",
        text(&out)
    );

    // The READ user queries its database and sees only it; writes, drops and the other database
    // are refused with InfluxDB's 403 texts.
    let reader = user("reader", "r-pw");
    let out = influx_cmd(
        &server,
        &reader,
        &[
            "-database",
            "shell",
            "-format",
            "json",
            "-precision",
            "s",
            "-execute",
            "SELECT usage FROM cpu",
        ],
    );
    assert_success("influx SELECT as reader", &out, &server);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json output");
    assert_eq!(
        v["results"][0]["series"][0]["values"],
        serde_json::json!([[1_700_000_000i64, 1.5], [1_700_000_010i64, 2.5]]),
        "{v}"
    );
    let out = influx_cmd(
        &server,
        &reader,
        &["-format", "csv", "-execute", "SHOW DATABASES"],
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .collect::<Vec<_>>(),
        ["name,name", "databases,shell"],
        "{}",
        text(&out)
    );
    for (q, want) in [
        ("DROP DATABASE shell", "requires admin privilege"),
        (
            "SELECT * FROM private.autogen.cpu",
            "requires READ on private",
        ),
        (
            "SELECT usage INTO shell.autogen.copy FROM shell.autogen.cpu",
            "requires WRITE on shell",
        ),
        ("SHOW USERS", "requires admin privilege"),
    ] {
        let out = influx_cmd(&server, &reader, &["-execute", q]);
        assert!(text(&out).contains(want), "{q}: {}", text(&out));
    }

    // Credentials from the environment; SHOW USERS answers without any hash.
    let out = influx_cmd_env(
        &server,
        &none,
        &["-execute", "SHOW USERS"],
        &[
            ("INFLUX_USERNAME", "admin"),
            ("INFLUX_PASSWORD", "adm-Pw-3"),
        ],
    );
    assert_success("influx with INFLUX_USERNAME/INFLUX_PASSWORD", &out, &server);
    let shown = text(&out);
    assert!(
        shown.contains("admin") && shown.contains("writer") && shown.contains("reader"),
        "{shown}"
    );
    assert_no_secret(&shown, &["$argon2", "adm-Pw-3", "w-pw", "r-pw"]);
    assert_no_secret(&server.log(), &["$argon2", "adm-Pw-3", "w-pw", "r-pw"]);
}
