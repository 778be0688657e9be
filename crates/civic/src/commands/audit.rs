//! `civic review` and `civic audit`: reviews from the command line, ledger verification, proofs and exports.

use std::process::ExitCode;

use anyhow::Context as _;
use civic_app::ledger::{ConsistencyBundle, ProofBundle};
use civic_app::{App, Config};
use civic_core::{DecisionId, Role};

use super::spinner;
use crate::cli::{AuditCommand, ReviewCommand};

pub(super) async fn review(
    config: Config,
    cmd: ReviewCommand,
    operator: &super::Operator,
) -> anyhow::Result<ExitCode> {
    let app = App::open(config).await?;
    match cmd {
        ReviewCommand::RedactReason { id, why } => {
            // Whoever runs the binary on the server holds the database and
            // the ledger key: they act as an administrator, recorded as
            // the operator.
            let r = app
                .redact_reason(id.parse()?, &why, operator.principal()?, Role::Admin)
                .await?;
            println!(
                "Redacted the reason of review {}; recorded as ledger entry {}.",
                r.review_id, r.ledger_index
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn audit(config: Config, cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    match &cmd {
        AuditCommand::CheckProof {
            file,
            public_key,
            witness_keys,
            require_witnesses,
        } => {
            return check_proof(
                file,
                public_key.as_deref(),
                witness_keys,
                require_witnesses.unwrap_or(witness_keys.len()),
            );
        }
        AuditCommand::CheckConsistency { file, public_key } => {
            return check_consistency(file, public_key.as_deref());
        }
        _ => {}
    }
    let app = App::open(config).await?;
    match cmd {
        AuditCommand::Verify { stats, since } => verify(&app, stats, since.as_deref()).await,
        AuditCommand::Checkpoint { export } => match app.checkpoint_now().await? {
            Some(cp) => {
                // With any witnesses' cosignatures of it already received.
                let note = app.with_cosignatures(&cp)?;
                match export {
                    Some(path) => {
                        std::fs::write(&path, &note)
                            .with_context(|| format!("could not write {}", path.display()))?;
                        eprintln!(
                            "Wrote the checkpoint of {} entries to {}; later, `civic audit verify --since {}` proves the ledger still extends it.",
                            cp.size,
                            path.display(),
                            path.display()
                        );
                    }
                    None => print!("{note}"),
                }
                Ok(ExitCode::SUCCESS)
            }
            None => {
                println!("The ledger is empty: there is nothing to sign yet.");
                Ok(ExitCode::SUCCESS)
            }
        },
        AuditCommand::Proof {
            decision_id,
            output,
        } => {
            let id: DecisionId = decision_id.parse()?;
            let bundle = app.proof(id).await?;
            write_or_print(output.as_deref(), &bundle.to_json(), |path| {
                format!(
                    "Wrote the inclusion proof of entry {} to {path}; check it with `civic audit check-proof {path}`",
                    bundle.index
                )
            })
        }
        AuditCommand::Consistency { old, output } => {
            let note = std::fs::read_to_string(&old)
                .with_context(|| format!("could not read {}", old.display()))?;
            let bundle = app.consistency_bundle(&note).await?;
            write_or_print(output.as_deref(), &bundle.to_json(), |path| {
                format!(
                    "Wrote the consistency proof to {path}; check it anywhere with `civic audit check-consistency {path} --public-key ledger.pub`"
                )
            })
        }
        AuditCommand::CheckProof { .. } | AuditCommand::CheckConsistency { .. } => {
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub(super) async fn verify(
    app: &App,
    stats: bool,
    since: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    let saved = match since {
        Some(path) => app.read_saved_checkpoints(path)?,
        None => Vec::new(),
    };
    let started = std::time::Instant::now();
    let bar = spinner("{spinner} verifying the ledger: {pos} entries ({per_sec})");
    let outcome = app
        .verify_ledger_since(&saved, &|n| bar.set_position(n))
        .await;
    bar.finish_and_clear();
    if stats {
        println!(
            "verify took {:.3} s ({} CPU); peak memory {}",
            started.elapsed().as_secs_f64(),
            crate::bench::cpu_seconds().map_or("unknown".to_owned(), |s| format!("{s:.2} s")),
            crate::bench::peak_memory().map_or("unknown".to_owned(), |kib| format!(
                "{:.1} MiB",
                kib as f64 / 1024.0
            ))
        );
    }
    match outcome? {
        Ok(report) => {
            println!(
                "OK: {} entries ({}) match their records, the stored hashes and {} signed checkpoints.",
                report.entries,
                report.records(),
                report.checkpoints
            );
            if let Some(largest) = saved.iter().map(|c| c.size).max() {
                println!(
                    "It extends the saved checkpoint of {largest} entries in {}: nothing before it was rewritten.",
                    since.map(|p| p.display().to_string()).unwrap_or_default()
                );
            }
            if report.unsigned_tail() > 0 {
                println!(
                    "{} entries after the latest checkpoint (size {}) are not signed yet; they are signed within the configured interval.",
                    report.unsigned_tail(),
                    report.signed_size
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(bad) => {
            println!("FAILED: {bad}");
            Ok(ExitCode::from(1))
        }
    }
}

pub(super) fn check_proof(
    file: &std::path::Path,
    public_key: Option<&std::path::Path>,
    witness_keys: &[std::path::PathBuf],
    required: usize,
) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("could not read {}", file.display()))?;
    let bundle = ProofBundle::from_json(&text)
        .with_context(|| format!("{} is not a proof bundle", file.display()))?;
    let key = public_key
        .map(|p| {
            std::fs::read_to_string(p).with_context(|| format!("could not read {}", p.display()))
        })
        .transpose()?;
    let witnesses = witness_keys
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("could not read {}", p.display()))?;
            civic_app::ledger::CosignatureVerifier::from_verifier_key(&text)
                .with_context(|| format!("{} is not a witness public key", p.display()))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    match civic_app::audit::check_proof_witnessed(&bundle, key.as_deref(), &witnesses, required) {
        Ok((proof, witnessed)) => {
            println!(
                "OK: entry {} is included in the ledger {} of {} entries (root {}).",
                proof.index, proof.checkpoint.origin, proof.checkpoint.size, proof.checkpoint.root
            );
            if !witnessed.is_empty() {
                println!(
                    "Cosigned by {} of the witnesses given: {}.",
                    witnessed.len(),
                    witnessed.join(", ")
                );
            }
            if public_key.is_none() {
                println!(
                    "Note: checked with the key inside the bundle; pass --public-key ledger.pub to check who signed."
                );
            }
            println!("{}", String::from_utf8_lossy(&proof.entry));
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("FAILED: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

/// Writes `json` to `output` (and says so on standard error, with what
/// `done` says about the file), or prints it to standard output.
pub(super) fn write_or_print(
    output: Option<&std::path::Path>,
    json: &str,
    done: impl FnOnce(&str) -> String,
) -> anyhow::Result<ExitCode> {
    match output {
        Some(path) => {
            std::fs::write(path, format!("{json}\n"))
                .with_context(|| format!("could not write {}", path.display()))?;
            eprintln!("{}", done(&path.display().to_string()));
        }
        None => println!("{json}"),
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn check_consistency(
    file: &std::path::Path,
    public_key: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("could not read {}", file.display()))?;
    let bundle = ConsistencyBundle::from_json(&text)
        .with_context(|| format!("{} is not a consistency bundle", file.display()))?;
    let key = public_key
        .map(|p| {
            std::fs::read_to_string(p).with_context(|| format!("could not read {}", p.display()))
        })
        .transpose()?;
    match civic_app::audit::check_consistency(&bundle, key.as_deref()) {
        Ok((old, new)) => {
            println!(
                "OK: the ledger {} of {} entries (root {}) extends its checkpoint of {} entries (root {}): nothing before it was rewritten.",
                new.origin, new.size, new.root, old.size, old.root
            );
            if public_key.is_none() {
                println!(
                    "Note: checked with the key inside the bundle; pass --public-key ledger.pub to check who signed."
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("FAILED: {e}");
            Ok(ExitCode::from(1))
        }
    }
}
