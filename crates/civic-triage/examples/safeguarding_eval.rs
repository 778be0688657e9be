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
//! fifths (with `--after`'s settings). `--alert X` and `--watch Y` set the learned
//! scorer's thresholds. `--rules FILE` measures a rules file (a body's own, or a draft)
//! instead of the default rules. `--show`
//! also prints each missed concern and each false alarm with what was found (message
//! text: use it on evaluation sets only, never on real messages).
//!
//! `--cross-validate` measures generalisation across authors: for each hand-written
//! development group (`dev` … `dev7`, compiled into the crate), two scorers trained on the
//! corpus and the *other* groups are measured on that group, with the rules and alone:
//! "before" with the settings `--before SPEC` gives and "after" with `--after SPEC`'s
//! (`ScorerOptions::parse`: e.g. `weight=3,ngrams=4-4,buckets=17`; both the default
//! scorer's settings when not given). The rules were written with every group in view, so
//! only the scorer-alone rows are fully cross-validated. With `--show`, each left-out
//! group's errors under the rules and the "after" scorer are printed too.
//! `--train-only corpus|default` trains that scorer (with `--after`'s settings) once and
//! exits (to time start-up training in process CPU time). `--sweep A,B,...` adds, for each
//! alert threshold A (watch = min(watch, A)), the pooled cross-validated figures.

use std::sync::Arc;
use std::time::Instant;

use civic_triage::safeguarding::{
    Count, Detector, EvalLine, EvalReport, LearnedScorer, SafeguardingRules, ScorerOptions,
    Thresholds, corpus, development_group, development_groups, evaluate,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut files = Vec::new();
    let mut in_house = false;
    let mut cross_validate = false;
    let mut sweep: Vec<f64> = Vec::new();
    let mut show = false;
    let mut thresholds = Thresholds::default();
    let mut rules_file = None;
    let mut train_only = None;
    let mut before = ScorerOptions::default();
    let mut after = ScorerOptions::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--in-house" => in_house = true,
            "--show" => show = true,
            "--cross-validate" => cross_validate = true,
            "--train-only" => {
                train_only = Some(args.next().ok_or("--train-only needs corpus or default")?)
            }
            "--before" => {
                before = ScorerOptions::parse(&args.next().ok_or("--before needs settings")?)?
            }
            "--after" => {
                after = ScorerOptions::parse(&args.next().ok_or("--after needs settings")?)?
            }
            "--sweep" => {
                for v in args.next().ok_or("--sweep needs values")?.split(',') {
                    sweep.push(v.trim().parse()?);
                }
            }
            "--alert" => thresholds.alert = args.next().ok_or("--alert needs a value")?.parse()?,
            "--watch" => thresholds.watch = args.next().ok_or("--watch needs a value")?.parse()?,
            "--rules" => rules_file = Some(args.next().ok_or("--rules needs a file")?),
            _ => files.push(a),
        }
    }
    if let Some(which) = train_only {
        let generated = corpus::generate(corpus::DEFAULT_SEED, after.variants);
        let scorer = match which.as_str() {
            "corpus" => LearnedScorer::train_with_options(&generated, &[], &after)?,
            "default" => {
                let mut handwritten = Vec::new();
                for g in development_groups() {
                    handwritten.extend(development_group(g)?);
                }
                LearnedScorer::train_with_options(&generated, &handwritten, &after)?
            }
            _ => return Err("--train-only needs corpus or default".into()),
        };
        std::hint::black_box(scorer);
        return Ok(());
    }
    if in_house {
        let all = corpus::generate(corpus::DEFAULT_SEED, after.variants);
        let (held, train): (Vec<_>, Vec<_>) = all.into_iter().partition(|e| e.held_out());
        let scorer = LearnedScorer::train_with_options(&train, &[], &after)?;
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
    if cross_validate {
        run_cross_validation(&before, &after, thresholds, &sweep, show)?;
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

/// Leaves one development group out at a time (see the module's documentation).
fn run_cross_validation(
    before: &ScorerOptions,
    after: &ScorerOptions,
    thresholds: Thresholds,
    sweep: &[f64],
    show: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    eprintln!("before: {before:?}\nafter: {after:?}");
    let generated_before = corpus::generate(corpus::DEFAULT_SEED, before.variants);
    let generated_after = corpus::generate(corpus::DEFAULT_SEED, after.variants);
    let groups = development_groups();
    let mut data = Vec::new();
    for g in &groups {
        data.push(development_group(g)?);
    }
    let no_rules = SafeguardingRules::from_toml("")?;
    // (group, detector name, report) and, per alert threshold swept, pooled reports of
    // the four detectors in the order of `rows`.
    let mut rows: Vec<(String, &str, EvalReport)> = Vec::new();
    let mut swept: Vec<(f64, Vec<EvalReport>)> = sweep
        .iter()
        .map(|&a| (a, vec![EvalReport::default(); 4]))
        .collect();
    for (k, g) in groups.iter().enumerate() {
        let train: Vec<EvalLine> = data
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != k)
            .flat_map(|(_, d)| d.iter().cloned())
            .collect();
        let mut scorers: Vec<Arc<LearnedScorer>> = Vec::new();
        for (name, generated, options) in [
            ("before", &generated_before, before),
            ("after", &generated_after, after),
        ] {
            // The same settings train the same scorer: train it once.
            if before == after && !scorers.is_empty() {
                scorers.push(Arc::clone(&scorers[0]));
                continue;
            }
            let started = Instant::now();
            scorers.push(Arc::new(LearnedScorer::train_with_options(
                generated, &train, options,
            )?));
            eprintln!(
                "fold {g}: {name} scorer trained on the corpus and {} hand-written lines in {:.2} s",
                train.len(),
                started.elapsed().as_secs_f64()
            );
        }
        let held = &data[k];
        let detectors: Vec<_> = [
            (
                "before: rules + scorer",
                SafeguardingRules::default(),
                &scorers[0],
            ),
            (
                "after: rules + scorer",
                SafeguardingRules::default(),
                &scorers[1],
            ),
            ("before: scorer alone", no_rules.clone(), &scorers[0]),
            ("after: scorer alone", no_rules.clone(), &scorers[1]),
        ]
        .into_iter()
        // The same settings give the same figures: measure them once.
        .filter(|(name, _, _)| before != after || name.starts_with("after"))
        .collect();
        for (name, rules, scorer) in &detectors {
            let d = Detector::new(rules.clone(), Some(Arc::clone(scorer)), thresholds)?;
            if show && name.starts_with("after: rules") {
                println!("### Errors on {g}, {name}\n");
                show_errors(&d, held);
                println!();
            }
            rows.push((g.to_string(), name, evaluate(&d, held)));
        }
        for (alert, pooled) in &mut swept {
            let t = Thresholds {
                alert: *alert,
                watch: thresholds.watch.min(*alert),
            };
            for ((_, rules, scorer), pooled) in detectors.iter().zip(pooled.iter_mut()) {
                let d = Detector::new(rules.clone(), Some(Arc::clone(scorer)), t)?;
                merge(pooled, &evaluate(&d, held));
            }
        }
    }
    let per_fold = if before == after { 2 } else { 4 };
    let names: Vec<&str> = rows.iter().take(per_fold).map(|(_, n, _)| *n).collect();
    for name in &names {
        let mut pooled = EvalReport::default();
        for (_, n, r) in &rows {
            if n == name {
                merge(&mut pooled, r);
            }
        }
        rows.push(("all groups, pooled".into(), name, pooled));
    }
    println!(
        "## Cross-validation across development groups (alert {}, watch {})\n",
        thresholds.alert, thresholds.watch
    );
    println!(
        "| held out | detector | urgent | to a person | false alarms, hard negatives | false alarms, ordinary |\n|---|---|---|---|---|---|"
    );
    for (g, name, r) in &rows {
        println!(
            "| {g} | {name} | {} | {} | {} | {} |",
            pct(&r.recall),
            pct(&r.review_recall),
            pct(&kind(r, "hard_negative")),
            pct(&kind(r, "ordinary")),
        );
    }
    let categories: Vec<String> = rows
        .iter()
        .flat_map(|(_, _, r)| r.per_category.keys().cloned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    println!(
        "\nPer category, recall with the right category / with any alert:\n\n| held out | detector | {} |\n|---|---|{}",
        categories.join(" | "),
        "---|".repeat(categories.len())
    );
    for (g, name, r) in &rows {
        let cells: Vec<String> = categories
            .iter()
            .map(|c| {
                let right = r.per_category.get(c).copied().unwrap_or_default();
                let any = r.per_category_any.get(c).copied().unwrap_or_default();
                format!("{} / {}", short(&right), short(&any))
            })
            .collect();
        println!("| {g} | {name} | {} |", cells.join(" | "));
    }
    let registers: Vec<String> = rows
        .iter()
        .flat_map(|(_, _, r)| r.per_register.keys().cloned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    println!(
        "\nPer register, urgent recall pooled over the left-out groups:\n\n| register | {} |\n|---|{}",
        names.join(" | "),
        "---|".repeat(names.len())
    );
    for register in &registers {
        let cells: Vec<String> = rows
            .iter()
            .filter(|(g, _, _)| g == "all groups, pooled")
            .map(|(_, _, r)| {
                let n = r.per_register.get(register).copied().unwrap_or_default();
                format!("{} ({}/{})", short(&n), n.hits, n.total)
            })
            .collect();
        println!("| {register} | {} |", cells.join(" | "));
    }
    if !swept.is_empty() {
        println!(
            "\n### Alert threshold swept (pooled over the left-out groups)\n\n| alert | watch | detector | urgent | to a person | worst category, right | worst category, any alert | false alarms, hard | false alarms, ordinary |\n|---|---|---|---|---|---|---|---|---|"
        );
        for (alert, reports) in &swept {
            for (name, r) in names.iter().zip(reports) {
                println!(
                    "| {alert} | {} | {name} | {} | {} | {} | {} | {} | {} |",
                    thresholds.watch.min(*alert),
                    short(&r.recall),
                    short(&r.review_recall),
                    worst(&r.per_category),
                    worst(&r.per_category_any),
                    short(&kind(r, "hard_negative")),
                    short(&kind(r, "ordinary")),
                );
            }
        }
    }
    Ok(())
}

/// The category with the lowest recall, and its recall.
fn worst(per_category: &std::collections::BTreeMap<String, Count>) -> String {
    per_category
        .iter()
        .min_by(|x, y| {
            x.1.rate()
                .unwrap_or(1.0)
                .total_cmp(&y.1.rate().unwrap_or(1.0))
        })
        .map_or("–".to_string(), |(c, n)| format!("{c} {}", short(n)))
}

/// Adds `r`'s counts to `into`'s.
fn merge(into: &mut EvalReport, r: &EvalReport) {
    fn add(a: &mut Count, b: &Count) {
        a.hits += b.hits;
        a.total += b.total;
    }
    add(&mut into.recall, &r.recall);
    add(&mut into.review_recall, &r.review_recall);
    for (into_map, map) in [
        (&mut into.per_category, &r.per_category),
        (&mut into.per_category_any, &r.per_category_any),
        (&mut into.per_register, &r.per_register),
        (&mut into.false_alarms, &r.false_alarms),
        (&mut into.reviewed_negatives, &r.reviewed_negatives),
    ] {
        for (k, v) in map {
            add(into_map.entry(k.clone()).or_default(), v);
        }
    }
}

fn kind(r: &EvalReport, kind: &str) -> Count {
    r.false_alarms.get(kind).copied().unwrap_or_default()
}

fn pct(c: &Count) -> String {
    match c.rate() {
        Some(r) => format!("{:.1} % ({}/{})", r * 100.0, c.hits, c.total),
        None => "–".into(),
    }
}

fn short(c: &Count) -> String {
    c.rate()
        .map_or("–".into(), |r| format!("{:.1} %", r * 100.0))
}
