//! Command-line contract (other tools and the tests rely on it).
//!
//! Precedence of settings: flags > environment variables > `--config` file > defaults
//! (see `docs/configuration.md`).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "taildb",
    version,
    about = "A time-series database for high-cardinality latency metrics (InfluxDB 1.x compatible)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Print the effective configuration (defaults, file, environment and flags merged) as TOML.
    Config(ServeArgs),
    /// Generate the email-latency workload and post it to an InfluxDB-compatible server.
    Loadgen(crate::loadgen::LoadgenArgs),
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Data directory (created on first run) [default: ./taildb-data].
    #[arg(long, env = "TAILDB_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Listen address ADDR:PORT; port 0 picks a free port [default: 127.0.0.1:8086].
    #[arg(long, env = "TAILDB_BIND")]
    pub bind: Option<String>,
    /// TOML configuration file; flags and environment variables override it.
    #[arg(long, env = "TAILDB_CONFIG")]
    pub config: Option<PathBuf>,
    /// Refuse new series beyond this many per database (0 = unlimited) [default: 0].
    #[arg(long)]
    pub max_series_per_database: Option<u64>,
    /// Refuse new series beyond this many per measurement (0 = unlimited) [default: 0].
    #[arg(long)]
    pub max_series_per_measurement: Option<u64>,
    /// Refuse new tag values beyond this many per measurement and tag key (0 = unlimited)
    /// [default: 0].
    #[arg(long)]
    pub max_values_per_tag: Option<u64>,
    /// Require credentials on the data endpoints (`[http] auth-enabled`; see docs/auth.md).
    #[arg(long, env = "TAILDB_AUTH_ENABLED")]
    pub auth_enabled: bool,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_flags_parse() {
        let cli = Cli::try_parse_from([
            "taildb",
            "serve",
            "--data-dir",
            "/d",
            "--bind",
            "127.0.0.1:9",
            "--config",
            "c.toml",
        ]);
        let Ok(Cli {
            command: Command::Serve(args),
        }) = cli
        else {
            panic!("serve did not parse")
        };
        assert_eq!(args.data_dir, Some(PathBuf::from("/d")));
        assert_eq!(args.bind.as_deref(), Some("127.0.0.1:9"));
        assert_eq!(args.config, Some(PathBuf::from("c.toml")));
    }

    #[test]
    fn unknown_flags_are_rejected() {
        assert!(Cli::try_parse_from(["taildb", "serve", "--port", "1"]).is_err());
        assert!(Cli::try_parse_from(["taildb", "config", "--bind"]).is_err());
    }
}
