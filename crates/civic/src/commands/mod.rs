//! Carries out each command by calling `civic-app`.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use civic_app::{App, Config, InitOutcome, LogFormat, Overrides};
use civic_core::{OperatorName, Principal};

use crate::cli::{Cli, Command, ConfigArgs, ServeArgs};

mod audit;
mod people;
mod redact;
mod risk;
mod triage;

fn overrides(c: ConfigArgs, serve: Option<&ServeArgs>) -> Overrides {
    Overrides {
        data_dir: c.data_dir,
        database_url: c.database_url,
        bind: serve.and_then(|s| s.bind.clone()),
        body_limit: serve.and_then(|s| s.body_limit),
        checkpoint_every: c.checkpoint_every,
        checkpoint_interval_secs: c.checkpoint_interval_secs,
        input_retention_days: c.input_retention_days,
        ledger_origin: c.ledger_origin,
        ledger_key_file: c.ledger_key_file,
        checkpoint_log: c.checkpoint_log,
        organisation: c.organisation,
        log_format: c.log_format,
        session_hours: c.session_hours,
        review_target_hours: c.review_target_hours,
        secure_cookies: c.secure_cookies,
        default_input_retention_days: serve.filter(|s| s.demo).map(|_| DEMO_INPUT_RETENTION_DAYS),
        quality_sample_rate: c.quality_sample_rate,
    }
}

/// How long `serve --demo` keeps raw messages unless retention is
/// configured: long enough for reviewers to see what they review.
const DEMO_INPUT_RETENTION_DAYS: u64 = 30;

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Who runs a command that changes something: `--operator-name`,
/// `CIVIC_OPERATOR`, or else the operating-system account (`USER`, else the
/// account of the process's user id, so services and containers without
/// `USER` still have one). Resolved only by the commands that record
/// something, so a read-only command never fails for want of a name.
#[derive(Debug, Clone)]
pub(crate) struct Operator(Option<String>);

impl Operator {
    /// The principal recorded for what this command does.
    pub(crate) fn principal(&self) -> anyhow::Result<Principal> {
        let (name, source) = match &self.0 {
            Some(name) => (name.clone(), "--operator-name (or CIVIC_OPERATOR)"),
            None => match std::env::var("USER") {
                Ok(name) if !name.is_empty() => (name, "the USER environment variable"),
                _ => match whoami::fallible::username() {
                    Ok(name) if !name.is_empty() => (name, "the operating-system account"),
                    _ => anyhow::bail!(
                        "cannot tell who is running this command: give --operator-name NAME \
                         (or set CIVIC_OPERATOR); the name is recorded in the ledger"
                    ),
                },
            },
        };
        let name: OperatorName = name.parse().with_context(|| {
            format!("{source} does not give a usable operator name; give --operator-name NAME")
        })?;
        Ok(Principal::Operator(name))
    }
}

/// Runs one command; the exit code says whether it succeeded.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let operator = Operator(cli.operator_name.clone());
    // A witness has its own configuration file, not a data directory.
    if let Command::Witness(cmd) = cli.command {
        init_logging(LogFormat::Text);
        return crate::witness::run(cmd).await;
    }
    let serve_args = match &cli.command {
        Command::Serve(s) => Some(s),
        _ => None,
    };
    let config = Config::load(overrides(cli.config, serve_args))?;
    init_logging(config.log_format);
    match cli.command {
        Command::Init => init(&config).await,
        Command::Serve(args) => serve(config, args.demo, &operator).await,
        Command::Key(cmd) => people::key(config, cmd, &operator).await,
        Command::User(cmd) => people::user(config, cmd, &operator).await,
        Command::Audit(cmd) => audit::audit(config, cmd).await,
        Command::Review(cmd) => audit::review(config, cmd, &operator).await,
        Command::Bench(cmd) => crate::bench::run(config, cmd).await,
        Command::Triage(cmd) => triage::triage(config, cmd, &operator).await,
        Command::Risk(cmd) => risk::risk(config, cmd, &operator).await,
        Command::Model(cmd) => triage::model(config, cmd, &operator).await,
        Command::Witness(_) => Ok(ExitCode::SUCCESS),
        Command::Redact(args) => match args.command {
            Some(cmd) => redact::redact_detect(cmd).await,
            None => redact::redact_files(config, args.files, &operator).await,
        },
    }
}

async fn init(config: &Config) -> anyhow::Result<ExitCode> {
    match civic_app::init(config).await? {
        InitOutcome::Created {
            admin_token,
            verifier_key,
        } => {
            println!("Set up {}", config.data_dir.display());
            println!("  database:           {}", config.database_url_redacted());
            println!(
                "  ledger signing key: {} (keep it secret)",
                config.ledger_key_file.display()
            );
            println!("  ledger public key:  {verifier_key}");
            println!();
            println!("First admin API key (shown once; store it safely):");
            println!("  {admin_token}");
            Ok(ExitCode::SUCCESS)
        }
        InitOutcome::AlreadyInitialised => {
            println!(
                "{} is already set up; nothing changed.",
                config.data_dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn serve(config: Config, demo: bool, operator: &Operator) -> anyhow::Result<ExitCode> {
    if !config.ledger_key_file.exists() {
        init(&config).await?;
        println!();
    }
    let bind = config.bind;
    let app = App::open(config).await?;
    // The settings that alter decisions are recorded in the ledger when
    // they differ from the last recorded ones.
    if let Some(event) = app.record_settings(operator.principal()?).await? {
        println!(
            "Recorded the settings that alter decisions in the ledger (entry {}).",
            event.ledger_index
        );
    }
    if demo {
        println!("Demo mode: the data below is synthetic.");
        match app.config().input_retention {
            Some(d) => println!(
                "  messages and explanations are kept for {} days (input_retention_days), so reviewers can read them",
                d.as_secs() / 86_400
            ),
            None => println!(
                "  messages and explanations are not kept (input_retention_days = 0): reviewers see only the suggestion"
            ),
        }
        let outcome = app.seed_demo().await?;
        if let Some(v) = &outcome.trained {
            println!(
                "  trained triage model {} version {} on 6,000 synthetic council contacts",
                v.name, v.version
            );
        }
        if let Some(v) = &outcome.trained_risk {
            println!(
                "  trained risk model {} version {} on {} synthetic claims",
                v.name,
                v.version,
                civic_app::DEMO_TRAINING_CLAIMS
            );
        }
        if outcome.keys.is_empty() {
            println!(
                "  demo API keys were printed when this data directory was first started with --demo"
            );
        } else {
            println!("  API keys, one per role (shown once):");
            for (role, token) in &outcome.keys {
                println!("    {role:<10} {token}");
            }
            println!("  web sign-ins, one per role (shown once):");
            for (role, email, password) in &outcome.users {
                println!("    {role:<10} {email}  {password}");
            }
            println!(
                "  routed {} synthetic messages; {} are waiting for review",
                outcome.routed, outcome.waiting
            );
            println!(
                "  scored {} synthetic claims; {} were flagged and are waiting for review",
                outcome.scored, outcome.flagged
            );
        }
        println!();
    }
    let listener = tokio::net::TcpListener::bind(bind).await.with_context(|| {
        format!("could not listen on {bind} (is another server using it? set --bind)")
    })?;
    let addr = listener.local_addr()?;
    println!(
        "Civic is listening on http://{addr} (web interface at /, API under /api/v1; press Ctrl-C to stop)"
    );
    tracing::info!(%addr, backend = ?app.backend(), "server started");
    civic_server::serve(
        listener,
        civic_server::AppState::new(app.clone()),
        shutdown_signal(),
    )
    .await?;
    // Sign whatever the last requests appended, so that a stopped server
    // leaves no entry without a signed checkpoint.
    if let Err(e) = app.shutdown().await {
        tracing::warn!(error = %e, "could not sign a final checkpoint");
    }
    tracing::info!("server stopped");
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// A spinner on standard error that counts with `template` (indicatif syntax).
pub(super) fn spinner(template: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template(template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(150));
    bar
}

/// Splits `NAME[@VERSION]`.
pub(super) fn model_spec(spec: &str) -> anyhow::Result<(String, Option<i64>)> {
    match spec.rsplit_once('@') {
        Some((name, v)) => {
            let version = v.parse().with_context(|| {
                format!("{spec:?}: the version after @ must be a number, e.g. council-triage@2")
            })?;
            Ok((name.to_owned(), Some(version)))
        }
        None => Ok((spec.to_owned(), None)),
    }
}

/// Writes report files into `dir`, creating it if needed.
pub(super) fn write_reports<const N: usize>(
    dir: &std::path::Path,
    files: [(&str, String); N],
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text)
            .with_context(|| format!("could not write {}", path.display()))?;
    }
    Ok(())
}
