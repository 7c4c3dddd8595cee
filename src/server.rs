//! `taildb serve`: configuration, router composition, startup and graceful shutdown.

use crate::cli::ServeArgs;

pub fn run(_args: ServeArgs) -> anyhow::Result<()> {
    anyhow::bail!("not yet implemented")
}
