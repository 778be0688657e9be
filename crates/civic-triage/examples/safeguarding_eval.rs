//! Measures the safeguarding detector on labelled JSON Lines files and prints Markdown.
//!
//! ```text
//! cargo run --release -p civic-triage --example safeguarding_eval -- FILE.jsonl...
//! cargo run --release -p civic-triage --example safeguarding_eval -- --in-house
//! ```
//!
//! Each line: `{"text", "safeguarding": bool, "categories": [...], "kind"?, "register"?}`.
//! Files are measured together and then one by one. `--in-house` measures on the held-out
//! fifth of the synthetic corpus's templates, with a scorer trained on the other four
//! fifths. `--alert X` and `--watch Y` set the learned scorer's thresholds. `--rules FILE`
//! measures a rules file (a body's own, or a draft) instead of the default rules. `--show`
//! also prints each missed concern and each false alarm with what was found (message
//! text: use it on evaluation sets only, never on real messages).

use std::sync::Arc;
use std::time::Instant;

use civic_triage::safeguarding::{
    Detector, EvalLine, LearnedScorer, SafeguardingRules, Thresholds, corpus, evaluate,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut files = Vec::new();
    let mut in_house = false;
    let mut show = false;
    let mut thresholds = Thresholds::default();
    let mut rules_file = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--in-house" => in_house = true,
            "--show" => show = true,
            "--alert" => thresholds.alert = args.next().ok_or("--alert needs a value")?.parse()?,
            "--watch" => thresholds.watch = args.next().ok_or("--watch needs a value")?.parse()?,
            "--rules" => rules_file = Some(args.next().ok_or("--rules needs a file")?),
            _ => files.push(a),
        }
    }
    if in_house {
        let all = corpus::generate(
            corpus::DEFAULT_SEED,
            civic_triage::safeguarding::DEFAULT_VARIANTS,
        );
        let (held, train): (Vec<_>, Vec<_>) = all.into_iter().partition(|e| e.held_out());
        let scorer = LearnedScorer::train(&train)?;
        let detector = Detector::new(
            SafeguardingRules::default(),
            Some(Arc::new(scorer)),
            thresholds,
        )?;
        let lines: Vec<EvalLine> = held
            .iter()
            .map(|e| EvalLine {
                text: e.text.clone(),
                safeguarding: !e.categories.is_empty(),
                categories: e.categories.iter().map(|c| c.id().to_string()).collect(),
                kind: (e.categories.is_empty()).then(|| {
                    if e.hard_negative {
                        "hard_negative"
                    } else {
                        "ordinary"
                    }
                    .to_string()
                }),
                register: Some(format!("{:?}", e.register).to_lowercase()),
            })
            .collect();
        println!(
            "## In-house: held-out corpus templates ({} lines)\n",
            lines.len()
        );
        println!("{}", evaluate(&detector, &lines).to_markdown());
        let rules_only = Detector::new(SafeguardingRules::default(), None, thresholds)?;
        println!(
            "### Rules alone\n\n{}",
            evaluate(&rules_only, &lines).to_markdown()
        );
    }
    if files.is_empty() {
        return Ok(());
    }
    // The rules are compiled once per process and the scorer trained once: timed apart,
    // so that a change to either shows in its own figure.
    let started = Instant::now();
    let rules = match &rules_file {
        Some(f) => SafeguardingRules::from_toml(&std::fs::read_to_string(f)?)?,
        None => SafeguardingRules::default(),
    };
    let rules_time = started.elapsed().as_secs_f64();
    let detector = Detector::new(
        rules,
        Some(civic_triage::safeguarding::default_scorer()?),
        thresholds,
    )?;
    eprintln!(
        "detector ready in {:.2} s (rules {:.2} s, learned scorer {:.2} s)",
        started.elapsed().as_secs_f64(),
        rules_time,
        started.elapsed().as_secs_f64() - rules_time
    );
    let mut all = Vec::new();
    let mut per_file = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f)?;
        let mut lines = Vec::new();
        for (n, l) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let line: EvalLine =
                serde_json::from_str(l).map_err(|e| format!("{f}: line {}: {e}", n + 1))?;
            lines.push(line);
        }
        all.extend(lines.iter().cloned());
        per_file.push((f, lines));
    }
    if show {
        show_errors(&detector, &all);
    }
    // Per-message cost: one pass over every line, one thread, after the first use has
    // compiled and trained everything.
    let started = Instant::now();
    for l in &all {
        std::hint::black_box(detector.assess(&l.text));
    }
    let took = started.elapsed().as_secs_f64();
    eprintln!(
        "assessed {} messages in {:.3} s ({:.3} ms each, one thread)",
        all.len(),
        took,
        took * 1000.0 / all.len().max(1) as f64
    );
    println!("## All files ({} lines)\n", all.len());
    println!("{}", evaluate(&detector, &all).to_markdown());
    if per_file.len() > 1 {
        for (f, lines) in &per_file {
            println!("## {f} ({} lines)\n", lines.len());
            println!("{}", evaluate(&detector, lines).to_markdown());
        }
    }
    Ok(())
}

/// Prints every missed concern, concern alerted without one of its categories, and false
/// alarm.
fn show_errors(detector: &Detector, lines: &[EvalLine]) {
    for l in lines {
        let a = detector.assess(&l.text);
        let found: Vec<&str> = a.findings.iter().map(|f| f.category.id()).collect();
        let rules: Vec<&str> = a
            .findings
            .iter()
            .flat_map(|f| f.rule_ids.iter().map(String::as_str))
            .collect();
        // A category counts as found only at alert level, as in the report.
        let alerted: Vec<&str> = a
            .categories(civic_triage::safeguarding::Level::Alert)
            .into_iter()
            .map(|c| c.id())
            .collect();
        let wrong_category = l.safeguarding
            && a.urgent()
            && !l.categories.iter().all(|c| alerted.contains(&c.as_str()));
        let what = match (l.safeguarding, a.urgent()) {
            (true, false) => "MISSED",
            (false, true) => "FALSE ALARM",
            _ if wrong_category => "WRONG CATEGORY",
            _ => continue,
        };
        println!(
            "{what} want {:?} got {:?} {:?} score {:.2} rules {:?}: {}",
            l.categories, a.level, found, a.score, rules, l.text
        );
    }
}
