//! Who gets flagged: per-group selection rate, precision, false-positive and false-negative
//! rates, each with a 95% Wilson interval, ratios to the best-off group, and the four-fifths
//! rule.
//!
//! The per-group figures are defined exactly as fairlearn's `MetricFrame` computes them with
//! `selection_rate`, `precision_score(zero_division=0)`, `false_positive_rate` and
//! `false_negative_rate` (a rate with an empty denominator is 0), and the integration tests
//! check them against fairlearn's output to 4 decimal places.
//!
//! **Ratios and the four-fifths rule.** Being flagged is an adverse outcome, so the best-off
//! group is the one flagged least. A group's flag-rate ratio is `lowest flag rate / its flag
//! rate`; the four-fifths rule fails when that ratio is below 0.8 (the group is flagged more
//! than 1.25 times as often as the best-off group). The same "best / this" ratio is reported
//! for the false-positive and false-negative rates (lower is better) and "this / best" for
//! precision (higher is better), so every ratio is at most 1 and 1 means parity. The smallest
//! ratio in a column equals fairlearn's `MetricFrame.ratio()` (min over max).
//!
//! A group of fewer than [`MIN_GROUP_ROWS`] rows is too small to judge: it is marked
//! `small_group`, is never the reference for the four-fifths rule and is never said to fail
//! it (its ratios are still reported).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Groups with fewer rows than this are not judged by the four-fifths rule.
pub const MIN_GROUP_ROWS: usize = 30;

/// The label given to rows whose protected value is missing.
pub const MISSING_GROUP: &str = "(missing)";

/// A proportion with its 95% Wilson score interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Proportion {
    /// Successes over trials, or 0 when there are no trials.
    pub value: f64,
    /// Lower end of the interval.
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
    /// Trials (the denominator).
    pub n: usize,
}

impl Proportion {
    /// `successes / trials` with its Wilson interval at z = 1.96; with no trials the value
    /// is 0 and the interval is the whole of [0, 1].
    pub fn wilson(successes: usize, trials: usize) -> Proportion {
        const Z: f64 = 1.959_963_984_540_054;
        if trials == 0 {
            return Proportion {
                value: 0.0,
                low: 0.0,
                high: 1.0,
                n: 0,
            };
        }
        let n = trials as f64;
        let p = successes as f64 / n;
        let z2 = Z * Z;
        let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
        let half = Z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
        Proportion {
            value: p,
            low: (centre - half).max(0.0),
            high: (centre + half).min(1.0),
            n: trials,
        }
    }
}

/// The figures for one group of one protected column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupFairness {
    /// The group's value, or [`MISSING_GROUP`].
    pub group: String,
    /// Rows in the group.
    pub count: usize,
    /// Rows in the group with the outcome.
    pub positives: usize,
    /// Rows flagged.
    pub flagged: usize,
    /// Share flagged (fairlearn's selection rate).
    pub flag_rate: Proportion,
    /// Share of flagged rows with the outcome.
    pub precision: Proportion,
    /// Share of rows without the outcome that were flagged.
    pub false_positive_rate: Proportion,
    /// Share of rows with the outcome that were not flagged.
    pub false_negative_rate: Proportion,
    /// Lowest flag rate among groups / this group's (1 = parity; see module docs).
    pub flag_rate_ratio: f64,
    /// This group's precision / the highest.
    pub precision_ratio: f64,
    /// Lowest false-positive rate / this group's.
    pub false_positive_rate_ratio: f64,
    /// Lowest false-negative rate / this group's.
    pub false_negative_rate_ratio: f64,
    /// Whether the group is flagged more than 1.25 times as often as the least-flagged group
    /// (both with at least [`MIN_GROUP_ROWS`] rows).
    pub fails_four_fifths: bool,
    /// Whether the group has fewer than [`MIN_GROUP_ROWS`] rows.
    pub small_group: bool,
}

/// The figures for one protected column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnFairness {
    /// The protected column.
    pub column: String,
    /// One entry per group, sorted by group name.
    pub groups: Vec<GroupFairness>,
}

/// Fairness figures for every protected column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FairnessReport {
    /// Rows measured.
    pub rows: usize,
    /// One entry per protected column.
    pub columns: Vec<ColumnFairness>,
}

/// `a / b`, or `when_zero` if `b` is 0.
fn ratio(a: f64, b: f64, when_zero: f64) -> f64 {
    if b == 0.0 { when_zero } else { a / b }
}

impl ColumnFairness {
    /// Computes the figures from each row's group, outcome and flag.
    pub fn compute(column: &str, groups: &[String], outcomes: &[bool], flagged: &[bool]) -> Self {
        // (count, positives, flagged, true positives)
        let mut tallies: BTreeMap<&str, [usize; 4]> = BTreeMap::new();
        for ((g, &y), &f) in groups.iter().zip(outcomes).zip(flagged) {
            let t = tallies.entry(g.as_str()).or_default();
            t[0] += 1;
            t[1] += usize::from(y);
            t[2] += usize::from(f);
            t[3] += usize::from(y && f);
        }
        let mut out: Vec<GroupFairness> = tallies
            .into_iter()
            .map(|(group, [count, pos, flagged, tp])| {
                let neg = count - pos;
                let fp = flagged - tp;
                GroupFairness {
                    group: group.to_string(),
                    count,
                    positives: pos,
                    flagged,
                    flag_rate: Proportion::wilson(flagged, count),
                    precision: Proportion::wilson(tp, flagged),
                    false_positive_rate: Proportion::wilson(fp, neg),
                    false_negative_rate: Proportion::wilson(pos - tp, pos),
                    flag_rate_ratio: 1.0,
                    precision_ratio: 1.0,
                    false_positive_rate_ratio: 1.0,
                    false_negative_rate_ratio: 1.0,
                    fails_four_fifths: false,
                    small_group: count < MIN_GROUP_ROWS,
                }
            })
            .collect();
        let min = |f: fn(&GroupFairness) -> f64| out.iter().map(f).fold(f64::INFINITY, f64::min);
        let best_flag = min(|g| g.flag_rate.value);
        let best_fpr = min(|g| g.false_positive_rate.value);
        let best_fnr = min(|g| g.false_negative_rate.value);
        let best_precision = out
            .iter()
            .map(|g| g.precision.value)
            .fold(f64::NEG_INFINITY, f64::max);
        for g in &mut out {
            g.flag_rate_ratio = ratio(best_flag, g.flag_rate.value, 1.0);
            g.precision_ratio = ratio(g.precision.value, best_precision, 1.0);
            g.false_positive_rate_ratio = ratio(best_fpr, g.false_positive_rate.value, 1.0);
            g.false_negative_rate_ratio = ratio(best_fnr, g.false_negative_rate.value, 1.0);
        }
        let judged_best = out
            .iter()
            .filter(|g| !g.small_group)
            .map(|g| g.flag_rate.value)
            .fold(f64::INFINITY, f64::min);
        for g in &mut out {
            g.fails_four_fifths =
                !g.small_group && ratio(judged_best, g.flag_rate.value, 1.0) < 0.8;
        }
        ColumnFairness {
            column: column.to_string(),
            groups: out,
        }
    }
}

impl FairnessReport {
    /// Whether any group in any column fails the four-fifths rule.
    pub fn any_four_fifths_failure(&self) -> bool {
        self.columns
            .iter()
            .any(|c| c.groups.iter().any(|g| g.fails_four_fifths))
    }

    /// A bar chart of flag rates with their intervals, one panel per protected column, as a
    /// self-contained SVG document. Groups failing the four-fifths rule are drawn in a second
    /// colour and marked in their label, so the chart does not rely on colour alone.
    pub fn to_svg(&self) -> String {
        const WIDTH: f64 = 640.0;
        const LABEL: f64 = 200.0;
        const BAR_H: f64 = 18.0;
        const GAP: f64 = 8.0;
        const HEADER: f64 = 28.0;
        let max_rate = self
            .columns
            .iter()
            .flat_map(|c| c.groups.iter().map(|g| g.flag_rate.high))
            .fold(0.0_f64, f64::max)
            .max(0.01);
        let plot_w = WIDTH - LABEL - 60.0;
        let x = |v: f64| LABEL + v / max_rate * plot_w;
        let height: f64 = 20.0
            + self
                .columns
                .iter()
                .map(|c| HEADER + c.groups.len() as f64 * (BAR_H + GAP))
                .sum::<f64>();
        let mut svg = String::new();
        let _ = writeln!(
            svg,
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="title"><title id="title">Flag rate by group, with 95% intervals</title><g font-family="Arial,sans-serif" font-size="13" fill="#0b0c0c">"##
        );
        let mut y = 10.0;
        for column in &self.columns {
            y += HEADER;
            let _ = writeln!(
                svg,
                r#"<text font-weight="bold" x="4" y="{:.1}">{}</text>"#,
                y - 10.0,
                escape(&column.column)
            );
            for g in &column.groups {
                let colour = if g.fails_four_fifths {
                    "#d4351c"
                } else {
                    "#1d70b8"
                };
                let mark = if g.fails_four_fifths {
                    " (fails 4/5)"
                } else {
                    ""
                };
                let (x0, x1) = (x(0.0), x(g.flag_rate.value));
                let _ = writeln!(
                    svg,
                    r##"<text x="{:.1}" y="{:.1}" text-anchor="end">{}{}</text><rect x="{x0:.1}" y="{y:.1}" width="{:.1}" height="{BAR_H}" fill="{colour}"><title>{}: {:.1}% flagged of {}</title></rect><line x1="{:.1}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="#0b0c0c" stroke-width="2"/><text x="{:.1}" y="{:.1}">{:.1}%</text>"##,
                    LABEL - 6.0,
                    y + 13.0,
                    escape(&g.group),
                    mark,
                    (x1 - x0).max(0.5),
                    escape(&g.group),
                    g.flag_rate.value * 100.0,
                    g.count,
                    x(g.flag_rate.low),
                    x(g.flag_rate.high),
                    y + BAR_H / 2.0,
                    y + BAR_H / 2.0,
                    x(g.flag_rate.high) + 6.0,
                    y + 13.0,
                    g.flag_rate.value * 100.0,
                );
                y += BAR_H + GAP;
            }
        }
        // Presentation attributes on a group, not a <style> element, so the
        // chart looks the same inlined in a page whose Content-Security-
        // Policy forbids inline style elements as it does on its own.
        svg.push_str("</g></svg>\n");
        svg
    }
}

/// Escapes text for SVG/XML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_interval_matches_known_values() {
        // statsmodels proportion_confint(8, 20, method="wilson") = (0.2188, 0.6134)
        let p = Proportion::wilson(8, 20);
        assert!(
            (p.low - 0.218_8).abs() < 1e-4 && (p.high - 0.613_4).abs() < 1e-4,
            "{p:?}"
        );
        let empty = Proportion::wilson(0, 0);
        assert_eq!((empty.value, empty.low, empty.high), (0.0, 0.0, 1.0));
    }

    #[test]
    fn four_fifths_fails_for_a_group_flagged_much_more_often() {
        // a: 10% flagged, b: 20% flagged, "tiny" (20 rows): never flagged.
        let groups: Vec<String> = (0..220)
            .map(|i| match i {
                0..100 => "a",
                100..200 => "b",
                _ => "tiny",
            })
            .map(String::from)
            .collect();
        let outcomes = vec![false; 220];
        let flagged: Vec<bool> = (0..220)
            .map(|i| (i < 100 && i % 10 == 0) || ((100..200).contains(&i) && i % 5 == 0))
            .collect();
        let c = ColumnFairness::compute("sex", &groups, &outcomes, &flagged);
        let [a, b, tiny] = [&c.groups[0], &c.groups[1], &c.groups[2]];
        assert!(!a.fails_four_fifths && b.fails_four_fifths);
        // The tiny group is the least flagged but too small to be the reference.
        assert!(tiny.small_group && !tiny.fails_four_fifths);
        assert_eq!(b.flag_rate_ratio, 0.0);
    }

    #[test]
    fn svg_escapes_labels() {
        let c = ColumnFairness::compute("a<b", &["x&y".to_string()], &[true], &[true]);
        let svg = FairnessReport {
            rows: 1,
            columns: vec![c],
        }
        .to_svg();
        assert!(svg.contains("a&lt;b") && svg.contains("x&amp;y"));
        assert!(!svg.contains("x&y"));
    }
}
