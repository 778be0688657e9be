//! Carries out each command by calling `civic-app`.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use civic_app::ledger::{ConsistencyBundle, ProofBundle};
use civic_app::{App, Config, InitOutcome, LogFormat, Overrides};
use civic_core::{DecisionId, KeyId, Role, rfc3339};

use crate::cli::{
    AuditCommand, Cli, Command, ConfigArgs, KeyCommand, ModelCommand, RedactCommand, ReviewCommand,
    RiskCommand, RiskTrainArgs, ServeArgs, TriageCommand, UserCommand,
};

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

/// Runs one command; the exit code says whether it succeeded.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
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
        Command::Serve(args) => serve(config, args.demo).await,
        Command::Key(cmd) => key(config, cmd).await,
        Command::User(cmd) => user(config, cmd).await,
        Command::Audit(cmd) => audit(config, cmd).await,
        Command::Review(cmd) => review(config, cmd).await,
        Command::Bench(cmd) => crate::bench::run(config, cmd).await,
        Command::Triage(cmd) => triage(config, cmd).await,
        Command::Risk(cmd) => risk(config, cmd).await,
        Command::Model(cmd) => model(config, cmd).await,
        Command::Witness(_) => Ok(ExitCode::SUCCESS),
        Command::Redact(args) => match args.command {
            Some(cmd) => redact_detect(cmd).await,
            None => redact_files(config, args.files).await,
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

async fn serve(config: Config, demo: bool) -> anyhow::Result<ExitCode> {
    if !config.ledger_key_file.exists() {
        init(&config).await?;
        println!();
    }
    let bind = config.bind;
    let app = App::open(config).await?;
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

async fn key(config: Config, cmd: KeyCommand) -> anyhow::Result<ExitCode> {
    let app = App::open(config).await?;
    match cmd {
        KeyCommand::Create { role, name } => {
            let role: Role = role.parse()?;
            let made = app.create_key(&name, role).await?;
            println!(
                "Created {} key {} ({})",
                made.key.role, made.key.id, made.key.name
            );
            println!("Token (shown once; store it safely):");
            println!("  {}", made.token);
        }
        KeyCommand::List => {
            let keys = app.list_keys().await?;
            if keys.is_empty() {
                println!("No API keys.");
            }
            println!(
                "{:<36}  {:<10}  {:<24}  {:<8}  NAME",
                "ID", "ROLE", "CREATED", "STATE"
            );
            for k in keys {
                let state = if k.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!(
                    "{:<36}  {:<10}  {:<24}  {:<8}  {}",
                    k.id,
                    k.role,
                    rfc3339(k.created_at),
                    state,
                    k.name
                );
            }
        }
        KeyCommand::Revoke { id } => {
            let id: KeyId = id.parse()?;
            let k = app.revoke_key(id).await?;
            println!("Revoked {} key {} ({})", k.role, k.id, k.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The password from the first line of standard input, when asked for.
fn password_from_stdin(asked: bool) -> anyhow::Result<Option<civic_core::Password>> {
    if !asked {
        return Ok(None);
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("could not read the password from standard input")?;
    let line = line.trim_end_matches(['\r', '\n']);
    Ok(Some(civic_core::Password::parse(line)?))
}

fn print_password(generated: Option<&str>) {
    if let Some(p) = generated {
        println!("Password (shown once; give it to them safely):");
        println!("  {p}");
    }
}

async fn user(config: Config, cmd: UserCommand) -> anyhow::Result<ExitCode> {
    let app = App::open(config).await?;
    match cmd {
        UserCommand::Add {
            role,
            email,
            password_stdin,
        } => {
            let role: Role = role.parse()?;
            let email = civic_core::Email::parse(&email)?;
            let password = password_from_stdin(password_stdin)?;
            let made = app.add_user(&email, role, password).await?;
            println!(
                "Added {} {} ({})",
                made.user.role, made.user.email, made.user.id
            );
            print_password(made.generated.as_deref());
        }
        UserCommand::ResetPassword {
            email,
            password_stdin,
        } => {
            let email = civic_core::Email::parse(&email)?;
            let password = password_from_stdin(password_stdin)?;
            let done = app.reset_password(&email, password).await?;
            println!(
                "New password set for {}; their sessions have ended",
                done.user.email
            );
            print_password(done.generated.as_deref());
        }
        UserCommand::List => {
            let users = app.list_users().await?;
            if users.is_empty() {
                println!("No users.");
            }
            println!("{:<36}  {:<10}  {:<24}  EMAIL", "ID", "ROLE", "CREATED");
            for u in users {
                println!(
                    "{:<36}  {:<10}  {:<24}  {}",
                    u.id,
                    u.role,
                    rfc3339(u.created_at),
                    u.email
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn review(config: Config, cmd: ReviewCommand) -> anyhow::Result<ExitCode> {
    let app = App::open(config).await?;
    match cmd {
        ReviewCommand::RedactReason { id, why } => {
            // Whoever runs the binary on the server holds the database and
            // the ledger key: they act as an administrator, recorded under
            // the command line's id.
            let r = app
                .redact_reason(
                    id.parse()?,
                    &why,
                    civic_app::redact::files::command_line_caller(),
                    Role::Admin,
                )
                .await?;
            println!(
                "Redacted the reason of review {}; recorded as ledger entry {}.",
                r.review_id, r.ledger_index
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn audit(config: Config, cmd: AuditCommand) -> anyhow::Result<ExitCode> {
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

async fn verify(
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

fn check_proof(
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
fn write_or_print(
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

fn check_consistency(
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

/// Splits `NAME[@VERSION]`.
fn model_spec(spec: &str) -> anyhow::Result<(String, Option<i64>)> {
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

async fn triage(config: Config, cmd: TriageCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        TriageCommand::Predict(args) => predict(config, args).await,
        TriageCommand::Explain { model, text } => explain(config, &model, &text).await,
        TriageCommand::Eval {
            model,
            data,
            text_column,
            label_column,
            report_dir,
            strict,
        } => {
            let source = civic_app::triage::ExampleSource {
                data: &data,
                text_column: &text_column,
                label_column: &label_column,
                urgent_column: None,
                strict,
            };
            eval(config, &model, source, report_dir.as_deref()).await
        }
        TriageCommand::Train {
            data,
            text_column,
            label_column,
            urgent_column,
            name,
            holdout,
            seed,
            strict,
            include_overrides,
        } => {
            let request = civic_app::triage::TrainRequest {
                data,
                text_column,
                label_column,
                urgent_column,
                name,
                holdout,
                seed,
                strict,
                include_overrides,
            };
            train(config, request).await
        }
    }
}

async fn eval(
    config: Config,
    model: &str,
    source: civic_app::triage::ExampleSource<'_>,
    report_dir: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    let (name, version) = model_spec(model)?;
    let app = App::open(config).await?;
    let data = source.data;
    let (loaded, report, problems) = app.evaluate_triage(&name, version, source).await?;
    for p in problems.iter().take(20) {
        eprintln!("skipped line {}: {}", p.line, p.message);
    }
    println!(
        "Model {} version {} on {}",
        loaded.version.name,
        loaded.version.version,
        data.display()
    );
    println!("{report}");
    if let Some(dir) = report_dir {
        write_eval_reports(dir, &report)?;
        println!(
            "Wrote report.json, confusion-matrix.svg and reliability.svg to {}",
            dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn train(
    config: Config,
    request: civic_app::triage::TrainRequest,
) -> anyhow::Result<ExitCode> {
    let app = App::open(config).await?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message("reading and preparing the data");
    bar.enable_steady_tick(Duration::from_millis(150));
    let progress_bar = bar.clone();
    let progress = std::sync::Arc::new(move |p: civic_triage::Progress| match p {
        civic_triage::Progress::Prepared { train, holdout } => {
            progress_bar.set_message(format!("training on {train} messages ({holdout} held out)"));
        }
        civic_triage::Progress::Epoch { epoch, epochs, .. } => {
            progress_bar.set_length(u64::from(epochs));
            progress_bar.set_position(u64::from(epoch));
        }
        civic_triage::Progress::Calibrating => {
            progress_bar.set_message("calibrating on held-out data")
        }
        _ => {}
    });
    let trained = app.train_triage(request, "cli", progress).await;
    bar.finish_and_clear();
    let trained = trained?;
    if !trained.problems.is_empty() {
        eprintln!(
            "Skipped {} malformed rows (use --strict to stop at the first):",
            trained.problems.len()
        );
        for p in trained.problems.iter().take(20) {
            eprintln!("  line {}: {}", p.line, p.message);
        }
        if trained.problems.len() > 20 {
            eprintln!("  … and {} more", trained.problems.len() - 20);
        }
    }
    if let Some(c) = trained.corrections {
        println!(
            "Reviewers' corrections: {} added; {} skipped (message no longer retained); {} skipped (no team or no text).",
            c.added, c.input_not_retained, c.unusable
        );
    }
    println!("{}", trained.report);
    println!(
        "Registered {} version {} and made it active.",
        trained.version.name, trained.version.version
    );
    Ok(ExitCode::SUCCESS)
}

async fn model(config: Config, cmd: ModelCommand) -> anyhow::Result<ExitCode> {
    let app = App::open(config).await?;
    match cmd {
        ModelCommand::List => {
            let models = app.list_models().await?;
            if models.is_empty() {
                println!(
                    "No models yet: train one with `civic triage train` or `civic risk train`."
                );
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "{:<24}  {:>7}  {:<8}  {:<6}  {:<24}  TRAINING DATA (SHA-256)",
                "NAME", "VERSION", "SERVICE", "ACTIVE", "CREATED"
            );
            for m in models {
                println!(
                    "{:<24}  {:>7}  {:<8}  {:<6}  {:<24}  {}",
                    m.name,
                    m.version,
                    m.service,
                    if m.active { "yes" } else { "" },
                    rfc3339(m.created_at),
                    m.training_data_sha256
                );
            }
        }
        ModelCommand::Activate {
            name,
            model_version,
        } => {
            let m = app.activate_model(&name, model_version).await?;
            println!("{} version {} is now active.", m.name, m.version);
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn predict(config: Config, args: crate::cli::PredictArgs) -> anyhow::Result<ExitCode> {
    let (model, version) = model_spec(&args.model)?;
    let app = App::open(config).await?;
    let bar = spinner("{spinner} routed {pos} messages ({per_sec})");
    let progress_bar = bar.clone();
    let request = civic_app::triage::PredictRequest {
        model,
        version,
        input: args.input,
        output: args.output.clone(),
        text_column: args.text_column,
        strict: args.strict,
        overwrite: args.overwrite,
    };
    let summary = app
        .predict_file(
            request,
            std::sync::Arc::new(move |n| progress_bar.set_position(n)),
        )
        .await;
    bar.finish_and_clear();
    let summary = summary?;
    for p in summary.problems.iter().take(20) {
        eprintln!("skipped line {}: {}", p.line, p.message);
    }
    println!(
        "Routed {} messages to {}: {} need review ({} urgent).",
        summary.rows,
        args.output.display(),
        summary.needs_review,
        summary.urgent
    );
    Ok(ExitCode::SUCCESS)
}

async fn explain(config: Config, model: &str, text: &str) -> anyhow::Result<ExitCode> {
    let (name, version) = model_spec(model)?;
    let app = App::open(config).await?;
    let loaded = app.triage_model(&name, version).await?;
    let p = loaded.model.predict(text);
    println!(
        "Model {} version {}",
        loaded.version.name, loaded.version.version
    );
    println!(
        "Suggested team: {} (confidence {:.1}%)",
        p.label,
        p.confidence * 100.0
    );
    for a in p.alternatives.iter().skip(1) {
        println!("  or {} ({:.1}%)", a.label, a.probability * 100.0);
    }
    println!(
        "Needs review: {}{}",
        if p.needs_review { "yes" } else { "no" },
        if p.review_reasons.is_empty() {
            String::new()
        } else {
            format!(" ({:?})", p.review_reasons)
        }
    );
    for m in &p.safeguarding_matches {
        let state = if m.is_active() {
            "URGENT"
        } else if m.negated {
            "negated"
        } else {
            "quoted"
        };
        println!(
            "Safeguarding: {} [{}] \"{}\" ({state})",
            m.category, m.rule_id, m.text
        );
    }
    println!("Words for {} (contribution to its score):", p.label);
    for t in &p.explanation.supporting {
        println!("  {:+7.3}  {}", t.contribution, t.term);
    }
    println!("Words against:");
    for t in &p.explanation.opposing {
        println!("  {:+7.3}  {}", t.contribution, t.term);
    }
    println!(
        "Score {:.3} = bias {:+.3} + the words above + {:+.3} from the other words.",
        p.explanation.logit, p.explanation.bias, p.explanation.rest
    );
    Ok(ExitCode::SUCCESS)
}

fn write_eval_reports(
    dir: &std::path::Path,
    report: &civic_triage::EvalReport,
) -> anyhow::Result<()> {
    write_reports(
        dir,
        [
            ("report.json", serde_json::to_string_pretty(report)?),
            (
                "confusion-matrix.svg",
                civic_triage::svg::confusion_matrix_svg(&report.metrics.confusion),
            ),
            (
                "reliability.svg",
                civic_triage::svg::reliability_svg(&report.metrics.reliability),
            ),
        ],
    )
}

/// Writes report files into `dir`, creating it if needed.
fn write_reports<const N: usize>(
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

async fn redact_detect(cmd: RedactCommand) -> anyhow::Result<ExitCode> {
    let RedactCommand::Detect {
        input,
        output,
        labels,
        strict,
        overwrite,
        max_line_bytes,
    } = cmd;
    let config = civic_app::redact::analyzer_config(labels.as_deref())?;
    let bar = spinner("{spinner} analysed {pos} documents ({per_sec})");
    let progress_bar = bar.clone();
    let out = output.clone();
    let summary = tokio::task::spawn_blocking(move || {
        civic_app::redact::detect_jsonl(
            &input,
            &out,
            config,
            civic_app::redact::DetectOptions {
                strict,
                overwrite,
                max_line_bytes,
            },
            &|n| progress_bar.set_position(n),
        )
    })
    .await
    .context("detection task")?;
    bar.finish_and_clear();
    let summary = summary?;
    for p in summary.problems.iter().take(20) {
        eprintln!("skipped line {}: {}", p.line, p.message);
    }
    let said = format!(
        "Found {} spans in {} documents; wrote {}.",
        summary.spans,
        summary.documents,
        if output == std::path::Path::new("-") {
            "them to standard output".to_owned()
        } else {
            output.display().to_string()
        }
    );
    // With `--output -` the spans are on standard output: say it elsewhere.
    if output == std::path::Path::new("-") {
        eprintln!("{said}");
    } else {
        println!("{said}");
    }
    Ok(ExitCode::SUCCESS)
}

async fn redact_files(
    config: Config,
    args: crate::cli::RedactFilesArgs,
) -> anyhow::Result<ExitCode> {
    let app = App::open(config).await?;
    let out_dir = args.out_dir.context("--out-dir is required")?;
    let request = civic_app::redact::files::BatchRequest {
        inputs: args.inputs,
        out_dir: out_dir.clone(),
        options: civic_app::redact::RedactOptions {
            operator: Some(args.operator),
            labels: args.labels,
            keep: args.keep,
        },
        keep_file: args.keep_file,
        csv_policy: args.csv_policy,
        overwrite: args.overwrite,
        stream_text_above: args.stream_above,
        max_email_bytes: args.max_email_bytes,
        caller: civic_app::redact::files::command_line_caller(),
        reference: None,
    };
    let bar = spinner("{spinner} redacting [{bar:30}] {pos}/{len} files ({per_sec})");
    let progress_bar = bar.clone();
    let summary = app
        .redact_files(
            request,
            std::sync::Arc::new(move |done, total| {
                progress_bar.set_length(total);
                progress_bar.set_position(done);
            }),
        )
        .await;
    bar.finish_and_clear();
    let summary = summary?;
    for f in &summary.redacted {
        if let Some(d) = &f.decoding {
            eprintln!("warning: {}: {}", f.input.display(), d.describe());
        }
        if f.attachments_removed > 0 {
            eprintln!(
                "note: {}: {} attachment(s) left out; see {}",
                f.input.display(),
                f.attachments_removed,
                f.log.display()
            );
        }
    }
    for (input, error) in &summary.failed {
        let input = input.display().to_string();
        if error.starts_with(&input) {
            eprintln!("error: {error}");
        } else {
            eprintln!("error: {input}: {error}");
        }
    }
    let counts = summary.counts();
    let spans: u64 = counts.values().sum();
    println!(
        "Redacted {} file(s) into {} ({} failed): {spans} span(s).",
        summary.redacted.len(),
        out_dir.display(),
        summary.failed.len()
    );
    for (label, n) in &counts {
        println!("  {:<16} {n}", label.as_str());
    }
    Ok(if summary.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// A spinner on standard error that counts with `template` (indicatif syntax).
fn spinner(template: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template(template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(150));
    bar
}

async fn risk(config: Config, cmd: RiskCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        RiskCommand::Train(args) => risk_train(config, args).await,
        RiskCommand::Score {
            model,
            input,
            output,
            overwrite,
        } => {
            let (model, version) = model_spec(&model)?;
            let request = civic_app::risk::ScoreRequest {
                model,
                version,
                input,
                output,
                overwrite,
            };
            risk_score(config, request).await
        }
        RiskCommand::Fairness {
            model,
            data,
            label_column,
            report_dir,
        } => {
            let (name, version) = model_spec(&model)?;
            let app = App::open(config).await?;
            let (loaded, report) = app
                .risk_fairness(&name, version, &data, &label_column)
                .await?;
            println!(
                "Model {} version {} on {} (threshold {:.4})",
                loaded.version.name,
                loaded.version.version,
                data.display(),
                loaded.model.threshold()
            );
            print!("{report}");
            if let Some(dir) = report_dir {
                write_reports(
                    &dir,
                    [
                        ("fairness.json", serde_json::to_string_pretty(&report)?),
                        ("fairness.svg", report.to_svg()),
                    ],
                )?;
                println!("Wrote fairness.json and fairness.svg to {}", dir.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        RiskCommand::Explain { model, row } => {
            let (name, version) = model_spec(&model)?;
            let row: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&row)
                .context("--row must be a JSON object of column names and values, e.g. '{\"claim_amount\": 420}'")?;
            let app = App::open(config).await?;
            let (loaded, score) = app.explain_risk(&name, version, row).await?;
            print_risk_explanation(&loaded, &score);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn threshold_policy(args: &RiskTrainArgs) -> anyhow::Result<civic_risk::ThresholdPolicy> {
    Ok(match (args.capacity, args.volume) {
        (Some(per_period), Some(volume)) => {
            civic_risk::ThresholdPolicy::Capacity { per_period, volume }
        }
        (None, None) => civic_risk::ThresholdPolicy::FlagRate(args.flag_rate.unwrap_or(0.05)),
        _ => anyhow::bail!("--capacity needs --per and --volume"),
    })
}

async fn risk_train(config: Config, args: RiskTrainArgs) -> anyhow::Result<ExitCode> {
    let request = civic_app::risk::TrainRequest {
        threshold: threshold_policy(&args)?,
        data: args.data,
        label_column: args.label_column,
        protected_columns: args.protected_columns,
        exclude_columns: args.exclude_columns,
        name: args.name,
        holdout: args.holdout,
        seed: args.seed,
    };
    let per = args.per;
    let app = App::open(config).await?;
    let bar = indicatif::ProgressBar::new(5);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message("reading the data");
    bar.enable_steady_tick(Duration::from_millis(150));
    let progress_bar = bar.clone();
    let progress = std::sync::Arc::new(move |stage: civic_risk::TrainStage| {
        use civic_risk::TrainStage as S;
        let (n, what) = match stage {
            S::CheckingData => (1, "checking the data"),
            S::MeasuringProxies => (2, "checking features for proxies of protected columns"),
            S::Fitting => (3, "growing trees"),
            S::Calibrating => (4, "calibrating and setting the threshold"),
            S::Evaluating => (5, "measuring on held-out rows"),
        };
        progress_bar.set_position(n - 1);
        progress_bar.set_message(what);
    });
    let trained = app.train_risk(request, "cli", progress).await;
    bar.finish_and_clear();
    let trained = trained?;
    println!("{}", trained.report);
    if let Some(per) = per {
        println!("(capacity and volume are per {per})");
    }
    println!(
        "Registered {} version {} and made it active.",
        trained.version.name, trained.version.version
    );
    Ok(ExitCode::SUCCESS)
}

async fn risk_score(
    config: Config,
    request: civic_app::risk::ScoreRequest,
) -> anyhow::Result<ExitCode> {
    let app = App::open(config).await?;
    let bar = spinner("{spinner} scored {pos} claims ({per_sec})");
    let progress_bar = bar.clone();
    let output = request.output.clone();
    let summary = app
        .score_risk_file(
            request,
            std::sync::Arc::new(move |n| progress_bar.set_position(n)),
        )
        .await;
    bar.finish_and_clear();
    let summary = summary?;
    println!(
        "Scored {} claims to {}: {} flagged for review.",
        summary.rows,
        output.display(),
        summary.flagged
    );
    if summary.unseen_categories > 0 {
        println!(
            "{} values were categories never seen in training and were scored as missing:",
            summary.unseen_categories
        );
        for example in &summary.unseen_examples {
            println!("  {example}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_risk_explanation(loaded: &civic_app::risk::Loaded, score: &civic_risk::Score) {
    println!(
        "Model {} version {}",
        loaded.version.name, loaded.version.version
    );
    println!(
        "Risk score: {:.4} (threshold {:.4}): {}",
        score.risk_score,
        loaded.model.threshold(),
        if score.flagged {
            "FLAGGED for a person to review"
        } else {
            "not flagged"
        }
    );
    println!("Contributions (log-odds; positive raises the risk):");
    for c in &score.contributions {
        println!("  {:+8.4}  {} = {}", c.contribution, c.feature, c.value);
    }
    let total: f64 = score.contributions.iter().map(|c| c.contribution).sum();
    println!(
        "Log-odds {:.4} = base {:+.4} + contributions {:+.4}",
        score.base_log_odds + total,
        score.base_log_odds,
        total
    );
    for u in &score.unseen_categories {
        println!(
            "Note: {} = {:?} was never seen in training and was scored as missing.",
            u.column, u.value
        );
    }
}
