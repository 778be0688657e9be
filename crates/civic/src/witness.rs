//! `civic witness`: make a witness key, run a witness.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use civic_app::witness::{Witness, WitnessConfig, init_witness_key};

use crate::cli::WitnessCommand;

/// Runs one witness command.
pub async fn run(cmd: WitnessCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        WitnessCommand::Init { name, key_file } => {
            let cosigner = init_witness_key(&name, &key_file)?;
            println!(
                "Wrote the witness key to {} (keep it secret) and its public key to {}:",
                key_file.display(),
                key_file.with_extension("pub").display()
            );
            println!("{}", cosigner.verifier_key());
            println!(
                "Each ledger you witness adds this key to its civic.toml [[witnesses]]; you add each ledger's ledger.pub to your witness configuration's [[logs]]."
            );
            Ok(ExitCode::SUCCESS)
        }
        WitnessCommand::Serve { config } => {
            let settings = WitnessConfig::load(&config)?;
            let witness = Arc::new(Witness::open(&settings)?);
            let listener = tokio::net::TcpListener::bind(settings.bind)
                .await
                .with_context(|| format!("could not listen on {}", settings.bind))?;
            tracing::info!(
                address = %settings.bind,
                logs = settings.logs.len(),
                key = %witness.verifier_key(),
                "witness listening"
            );
            civic_server::witness::serve_witness(
                listener,
                witness,
                crate::commands::shutdown_signal(),
            )
            .await
            .context("the witness server failed")?;
            tracing::info!("witness stopped");
            Ok(ExitCode::SUCCESS)
        }
    }
}
