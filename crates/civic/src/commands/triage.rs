//! `civic triage` and `civic model`: training, evaluating and running routing models.

use std::process::ExitCode;
use std::time::Duration;

use civic_app::{App, Config};
use civic_core::rfc3339;

use super::{model_spec, spinner, write_reports};
use crate::cli::{ModelCommand, TriageCommand};

pub(super) async fn triage(
    config: Config,
    cmd: TriageCommand,
    operator: &super::Operator,
) -> anyhow::Result<ExitCode> {
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
            train(config, request, operator).await
        }
    }
}

pub(super) async fn eval(
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

pub(super) async fn train(
    config: Config,
    request: civic_app::triage::TrainRequest,
    operator: &super::Operator,
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
    let trained = app
        .train_triage(request, &operator.principal()?, progress)
        .await;
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

pub(super) async fn model(
    config: Config,
    cmd: ModelCommand,
    operator: &super::Operator,
) -> anyhow::Result<ExitCode> {
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
            let m = app
                .activate_model(&name, model_version, operator.principal()?)
                .await?;
            println!("{} version {} is now active.", m.name, m.version);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn predict(
    config: Config,
    args: crate::cli::PredictArgs,
) -> anyhow::Result<ExitCode> {
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

pub(super) async fn explain(config: Config, model: &str, text: &str) -> anyhow::Result<ExitCode> {
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

pub(super) fn write_eval_reports(
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
