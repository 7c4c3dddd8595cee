//! The `taildb` binary: command line, configuration, router composition, startup and shutdown.

mod cli;
mod loadgen;
mod server;

use clap::Parser;

fn main() -> anyhow::Result<()> {
    let cli = cli::Cli::parse();
    match cli.command {
        cli::Command::Serve(args) => server::run(args),
        cli::Command::Loadgen(args) => loadgen::run(args),
    }
}
