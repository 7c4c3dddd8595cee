//! The `taildb` binary: command line, logging, and dispatch to the server or the load generator.

mod cli;
mod loadgen;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use taildb::config::{Config, Overrides};
use tracing_subscriber::EnvFilter;

#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("taildb: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(cli: cli::Cli) -> anyhow::Result<()> {
    match cli.command {
        cli::Command::Serve(args) => {
            init_logging();
            let config = effective_config(&args)?;
            taildb::server::run(config)
        }
        cli::Command::Config(args) => {
            print!("{}", effective_config(&args)?.to_toml());
            Ok(())
        }
        cli::Command::Loadgen(args) => {
            init_logging();
            loadgen::run(args)
        }
    }
}

fn effective_config(args: &cli::ServeArgs) -> anyhow::Result<Config> {
    let overrides = Overrides {
        data_dir: args.data_dir.clone(),
        bind: args.bind.clone(),
        max_series_per_database: args.max_series_per_database,
        max_series_per_measurement: args.max_series_per_measurement,
        max_values_per_tag: args.max_values_per_tag,
        auth_enabled: args.auth_enabled,
    };
    Ok(Config::load(args.config.as_deref(), &overrides)?)
}

/// Log filter from `TAILDB_LOG`, else `RUST_LOG`, else `info`; to stderr.
fn init_logging() {
    let filter = std::env::var("TAILDB_LOG")
        .ok()
        .or_else(|| std::env::var("RUST_LOG").ok())
        .and_then(|s| EnvFilter::try_new(s).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}
