//! `taildb loadgen`: the email-latency workload generator and HTTP load driver.

/// Arguments of `taildb loadgen`.
#[derive(Debug, clap::Args)]
pub struct LoadgenArgs {
    /// Seed for the deterministic generator.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

pub fn run(_args: LoadgenArgs) -> anyhow::Result<()> {
    anyhow::bail!("not yet implemented")
}
