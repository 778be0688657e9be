//! `civic risk`: training and scoring risk models.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use civic_app::{App, Config};

use super::{model_spec, spinner, write_reports};
use crate::cli::{RiskCommand, RiskTrainArgs};

pub(super) async fn risk(
    config: Config,
    cmd: RiskCommand,
    operator: &super::Operator,
) -> anyhow::Result<ExitCode> {
    match cmd {
        RiskCommand::Train(args) => risk_train(config, args, operator).await,
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

pub(super) fn threshold_policy(
    args: &RiskTrainArgs,
) -> anyhow::Result<civic_risk::ThresholdPolicy> {
    Ok(match (args.capacity, args.volume) {
        (Some(per_period), Some(volume)) => {
            civic_risk::ThresholdPolicy::Capacity { per_period, volume }
        }
        (None, None) => civic_risk::ThresholdPolicy::FlagRate(args.flag_rate.unwrap_or(0.05)),
        _ => anyhow::bail!("--capacity needs --per and --volume"),
    })
}

pub(super) async fn risk_train(
    config: Config,
    args: RiskTrainArgs,
    operator: &super::Operator,
) -> anyhow::Result<ExitCode> {
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
    let trained = app
        .train_risk(request, &operator.principal()?, progress)
        .await;
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

pub(super) async fn risk_score(
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

pub(super) fn print_risk_explanation(loaded: &civic_app::risk::Loaded, score: &civic_risk::Score) {
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
