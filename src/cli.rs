//! Command-line contract (other tools and the tests rely on it).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "taildb", version, about = "A time-series database for high-cardinality latency metrics (InfluxDB 1.x compatible)")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Generate the email-latency workload and post it to an InfluxDB-compatible server.
    Loadgen(crate::loadgen::LoadgenArgs),
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Data directory (created on first run).
    #[arg(long, env = "TAILDB_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Listen address.
    #[arg(long, env = "TAILDB_BIND")]
    pub bind: Option<String>,
    /// TOML configuration file; flags and environment variables override it.
    #[arg(long, env = "TAILDB_CONFIG")]
    pub config: Option<PathBuf>,
}
