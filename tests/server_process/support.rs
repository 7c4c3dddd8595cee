//! Starting and stopping the `taildb` binary, and a small HTTP client for it.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

/// A running `taildb serve` on `127.0.0.1:<free port>`.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    log: Arc<Mutex<String>>,
    /// The thread draining stderr into `log`; joined once the process exited.
    reader: Option<std::thread::JoinHandle<()>>,
    pub http: reqwest::Client,
}

impl Server {
    /// Starts the binary on `data_dir` and waits until it logs its bound address (the engine is
    /// open by then).
    pub fn start(data_dir: &Path) -> Server {
        Server::start_with(data_dir, &[])
    }

    /// [`Server::start`] with more `serve` arguments (e.g. `--auth-enabled`).
    pub fn start_with(data_dir: &Path, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_taildb"))
            .arg("serve")
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--bind", "127.0.0.1:0"])
            .args(args)
            .env_remove("TAILDB_CONFIG")
            .env_remove("TAILDB_BIND")
            .env_remove("TAILDB_DATA_DIR")
            .env("TAILDB_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("taildb starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let log_writer = Arc::clone(&log);
        // Drains stderr for the whole life of the process so logging never blocks the server.
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.split("listening on http://").nth(1)
                    && let Ok(addr) = rest.trim().parse::<SocketAddr>()
                {
                    let _ = tx.send(addr);
                }
                if let Ok(mut l) = log_writer.lock() {
                    l.push_str(&line);
                    l.push('\n');
                }
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(addr) => addr,
            Err(_) => {
                let _ = child.kill();
                let status = child.wait();
                panic!(
                    "taildb did not start ({status:?}); log:\n{}",
                    log.lock().map(|l| l.clone()).unwrap_or_default()
                );
            }
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("http client");
        Server {
            child,
            addr,
            log,
            reader: Some(reader),
            http,
        }
    }

    pub fn url(&self, path_and_query: &str) -> String {
        format!("http://{}{}", self.addr, path_and_query)
    }

    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// SIGTERM, then waits for the process to exit.
    pub fn terminate(&mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill -TERM {pid} failed");
        let status = self.child.wait().expect("wait for taildb");
        self.drain_log();
        status
    }

    /// After the process exited its stderr reaches EOF: wait until every line is in `log`.
    fn drain_log(&mut self) {
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }

    /// SIGKILL (no chance to clean up), then waits for the process to exit.
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        let _ = self.child.wait();
        self.drain_log();
    }

    /// `POST /query` with `q`; returns the JSON body (asserting 200).
    pub async fn query(&self, db: &str, q: &str) -> Value {
        let resp = self
            .http
            .post(self.url("/query"))
            .query(&[("db", db), ("q", q)])
            .send()
            .await
            .expect("query sent");
        let status = resp.status();
        let body = resp.text().await.expect("query body");
        assert_eq!(status.as_u16(), 200, "query {q}: {body}");
        serde_json::from_str(&body).expect("query answers JSON")
    }

    /// `POST /write?db=<db>` with `body`; returns the status code.
    pub async fn write(&self, db: &str, body: String) -> Result<u16, reqwest::Error> {
        let resp = self
            .http
            .post(self.url("/write"))
            .query(&[("db", db)])
            .body(body)
            .send()
            .await?;
        Ok(resp.status().as_u16())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `values` rows of every series of the first result, with the series' tags.
pub fn series(resp: &Value) -> Vec<(serde_json::Map<String, Value>, Vec<Value>)> {
    let Some(all) = resp["results"][0]["series"].as_array() else {
        return Vec::new();
    };
    all.iter()
        .map(|s| {
            let tags = s["tags"].as_object().cloned().unwrap_or_default();
            let values = s["values"].as_array().cloned().unwrap_or_default();
            (tags, values)
        })
        .collect()
}
