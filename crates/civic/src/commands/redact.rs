//! `civic redact`: finding and removing personal data in files and folders.

use std::process::ExitCode;

use anyhow::Context as _;
use civic_app::{App, Config};

use super::spinner;
use crate::cli::RedactCommand;

pub(super) async fn redact_detect(cmd: RedactCommand) -> anyhow::Result<ExitCode> {
    let RedactCommand::Detect {
        input,
        output,
        labels,
        strict,
        overwrite,
        max_line_bytes,
    } = cmd;
    let labels = labels
        .as_deref()
        .map(|names| civic_app::redact::parse_labels(names.split(',')))
        .transpose()?;
    let config = civic_app::redact::analyzer_config(labels.as_ref());
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

pub(super) async fn redact_files(
    config: Config,
    args: crate::cli::RedactFilesArgs,
    operator: &super::Operator,
) -> anyhow::Result<ExitCode> {
    let app = App::open(config).await?;
    let out_dir = args.out_dir.context("--out-dir is required")?;
    let request = civic_app::redact::files::BatchRequest {
        inputs: args.inputs,
        out_dir: out_dir.clone(),
        options: civic_app::redact::RedactOptions {
            operator: Some(civic_app::redact::parse_operator(&args.operator)?),
            labels: args
                .labels
                .as_deref()
                .map(|names| civic_app::redact::parse_labels(names.split(',')))
                .transpose()?,
            keep: args.keep,
        },
        keep_file: args.keep_file,
        csv_policy: args.csv_policy,
        overwrite: args.overwrite,
        stream_text_above: args.stream_above,
        max_email_bytes: args.max_email_bytes,
        caller: operator.principal()?,
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
