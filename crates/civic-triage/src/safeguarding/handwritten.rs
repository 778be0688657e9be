//! The hand-written development sets (`data/safeguarding/*-dev*.jsonl`), compiled in: the
//! learned scorer is trained on them beside the synthetic corpus.
//!
//! They are messages written by people other than the corpus's authors, from the
//! category definitions only, in seven groups (`dev` … `dev7`), each by different authors.
//! Measuring on a group the scorer was trained on measures training, not generalisation:
//! `examples/safeguarding_eval.rs --cross-validate` leaves one group out at a time. The
//! held-out sets (`*-test*`) are never compiled in.

use super::EvalLine;
use crate::TriageError;

/// The development groups, each with its files (`name`, contents).
const GROUPS: &[(&str, &[(&str, &str)])] = &[
    (
        "dev",
        &[
            (
                "positives-dev.jsonl",
                include_str!("../../data/safeguarding/positives-dev.jsonl"),
            ),
            (
                "negatives-dev.jsonl",
                include_str!("../../data/safeguarding/negatives-dev.jsonl"),
            ),
            (
                "ordinary-dev.jsonl",
                include_str!("../../data/safeguarding/ordinary-dev.jsonl"),
            ),
        ],
    ),
    (
        "dev2",
        &[
            (
                "positives-dev2.jsonl",
                include_str!("../../data/safeguarding/positives-dev2.jsonl"),
            ),
            (
                "negatives-dev2.jsonl",
                include_str!("../../data/safeguarding/negatives-dev2.jsonl"),
            ),
        ],
    ),
    (
        "dev3",
        &[
            (
                "positives-dev3.jsonl",
                include_str!("../../data/safeguarding/positives-dev3.jsonl"),
            ),
            (
                "negatives-dev3.jsonl",
                include_str!("../../data/safeguarding/negatives-dev3.jsonl"),
            ),
            (
                "ordinary-dev3.jsonl",
                include_str!("../../data/safeguarding/ordinary-dev3.jsonl"),
            ),
        ],
    ),
    (
        "dev4",
        &[
            (
                "positives-dev4.jsonl",
                include_str!("../../data/safeguarding/positives-dev4.jsonl"),
            ),
            (
                "negatives-dev4.jsonl",
                include_str!("../../data/safeguarding/negatives-dev4.jsonl"),
            ),
            (
                "ordinary-dev4.jsonl",
                include_str!("../../data/safeguarding/ordinary-dev4.jsonl"),
            ),
        ],
    ),
    (
        "dev5",
        &[
            (
                "positives-dev5.jsonl",
                include_str!("../../data/safeguarding/positives-dev5.jsonl"),
            ),
            (
                "negatives-dev5.jsonl",
                include_str!("../../data/safeguarding/negatives-dev5.jsonl"),
            ),
            (
                "ordinary-dev5.jsonl",
                include_str!("../../data/safeguarding/ordinary-dev5.jsonl"),
            ),
        ],
    ),
    (
        "dev6",
        &[
            (
                "positives-dev6.jsonl",
                include_str!("../../data/safeguarding/positives-dev6.jsonl"),
            ),
            (
                "negatives-dev6.jsonl",
                include_str!("../../data/safeguarding/negatives-dev6.jsonl"),
            ),
            (
                "ordinary-dev6.jsonl",
                include_str!("../../data/safeguarding/ordinary-dev6.jsonl"),
            ),
        ],
    ),
    (
        "dev7",
        &[
            (
                "positives-dev7.jsonl",
                include_str!("../../data/safeguarding/positives-dev7.jsonl"),
            ),
            (
                "negatives-dev7.jsonl",
                include_str!("../../data/safeguarding/negatives-dev7.jsonl"),
            ),
            (
                "ordinary-dev7.jsonl",
                include_str!("../../data/safeguarding/ordinary-dev7.jsonl"),
            ),
        ],
    ),
];

/// The names of the development groups, in order.
pub fn development_groups() -> Vec<&'static str> {
    GROUPS.iter().map(|(g, _)| *g).collect()
}

/// The lines of one development group (`dev` … `dev7`); an unknown group
/// has none.
pub fn development_group(group: &str) -> Result<Vec<EvalLine>, TriageError> {
    let mut out = Vec::new();
    for (_, files) in GROUPS.iter().filter(|(g, _)| *g == group) {
        for (name, text) in *files {
            out.extend(parse_lines(name, text)?);
        }
    }
    Ok(out)
}

/// Parses JSON Lines of [`EvalLine`]s; an error names the file and line.
pub fn parse_lines(name: &str, text: &str) -> Result<Vec<EvalLine>, TriageError> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed: EvalLine =
            serde_json::from_str(line).map_err(|e| TriageError::InvalidOption {
                option: "safeguarding training data",
                reason: format!("{name}: line {}: {e}", n + 1),
            })?;
        if let Some(bad) = parsed
            .categories
            .iter()
            .find(|c| super::Category::parse(c).is_none())
        {
            return Err(TriageError::InvalidOption {
                option: "safeguarding training data",
                reason: format!("{name}: line {}: field categories: unknown {bad:?}", n + 1),
            });
        }
        out.push(parsed);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_group_parses_with_known_categories_and_both_classes() {
        let mut total = 0;
        for group in development_groups() {
            let lines = development_group(group).unwrap_or_else(|e| panic!("{group}: {e}"));
            assert!(lines.iter().any(|l| l.safeguarding), "{group}");
            assert!(lines.iter().any(|l| !l.safeguarding), "{group}");
            total += lines.len();
        }
        assert_eq!(total, 5959);
        assert!(development_group("test6").is_ok_and(|l| l.is_empty()));
    }

    #[test]
    fn bad_lines_are_refused_with_file_and_line() {
        let err = parse_lines("x.jsonl", "\n{\"text\": 1}")
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("x.jsonl: line 2")));
        let bad = r#"{"text": "a", "safeguarding": true, "categories": ["flood"]}"#;
        let err = parse_lines("y.jsonl", bad).err().map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("y.jsonl: line 1") && e.contains("flood")));
    }
}
