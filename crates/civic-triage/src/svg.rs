//! SVG pictures of a confusion matrix and a reliability diagram.
//!
//! Hand-written SVG keeps the crate free of a plotting dependency; every label is escaped.

use std::fmt::Write;

use crate::calibration::ReliabilityBin;
use crate::metrics::ConfusionMatrix;

/// Escapes text for SVG/XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A confusion matrix as an SVG heat map: rows are true teams, columns predicted teams,
/// darker cells hold a larger share of their row.
pub fn confusion_matrix_svg(cm: &ConfusionMatrix) -> String {
    let n = cm.labels.len();
    let cell = 36;
    let margin = 10
        + 7 * cm
            .labels
            .iter()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(4);
    let size = margin + n * cell + 20;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}" font-family="sans-serif" font-size="11"><title>Confusion matrix (rows: true team, columns: predicted team)</title>"#
    );
    for (r, (label, row)) in cm.labels.iter().zip(&cm.counts).enumerate() {
        let total: usize = row.iter().sum::<usize>().max(1);
        let y = margin + r * cell;
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
            margin - 4,
            y + cell / 2 + 4,
            escape(label)
        );
        for (c, &count) in row.iter().enumerate() {
            let x = margin + c * cell;
            let share = count as f64 / total as f64;
            let light = (95.0 - 60.0 * share).round();
            let _ = write!(
                s,
                r#"<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="hsl(210,70%,{light}%)" stroke="white"/><text x="{}" y="{}" text-anchor="middle" fill="{}">{count}</text>"#,
                x + cell / 2,
                y + cell / 2 + 4,
                if share > 0.5 { "white" } else { "black" }
            );
        }
    }
    for (c, label) in cm.labels.iter().enumerate() {
        let x = margin + c * cell + cell / 2;
        let _ = write!(
            s,
            r#"<text transform="translate({x},{}) rotate(-60)" text-anchor="start">{}</text>"#,
            margin - 4,
            escape(label)
        );
    }
    s.push_str("</svg>");
    s
}

/// A reliability diagram: per confidence bin, the accuracy (bars) against the diagonal of
/// perfect calibration; bar labels give the number of messages.
pub fn reliability_svg(bins: &[ReliabilityBin]) -> String {
    let (w, h, pad) = (420.0, 420.0, 40.0);
    let plot = w - 2.0 * pad;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="11"><title>Reliability diagram</title><rect x="{pad}" y="{pad}" width="{plot}" height="{plot}" fill="none" stroke="black"/>"#
    );
    for b in bins.iter().filter(|b| b.count > 0) {
        let x = pad + b.lower * plot;
        let bw = (b.upper - b.lower) * plot;
        let bh = b.accuracy * plot;
        let _ = write!(
            s,
            r#"<rect x="{x:.1}" y="{:.1}" width="{bw:.1}" height="{bh:.1}" fill="hsl(210,70%,55%)" stroke="white"><title>confidence {:.2}–{:.2}: accuracy {:.3}, mean confidence {:.3}, {} messages</title></rect>"#,
            pad + plot - bh,
            b.lower,
            b.upper,
            b.accuracy,
            b.mean_confidence,
            b.count
        );
    }
    let _ = write!(
        s,
        r#"<line x1="{pad}" y1="{}" x2="{}" y2="{pad}" stroke="grey" stroke-dasharray="4"/><text x="{}" y="{}" text-anchor="middle">confidence</text><text transform="translate(14,{}) rotate(-90)" text-anchor="middle">accuracy</text></svg>"#,
        pad + plot,
        pad + plot,
        w / 2.0,
        h - 10.0,
        h / 2.0
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped() {
        let cm = ConfusionMatrix {
            labels: vec!["<script>&".into(), "a\"b".into()],
            counts: vec![vec![1, 0], vec![0, 1]],
        };
        let svg = confusion_matrix_svg(&cm);
        assert!(svg.contains("&lt;script&gt;&amp;") && svg.contains("a&quot;b"));
        assert!(!svg.contains("<script>"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }

    #[test]
    fn reliability_draws_one_bar_per_non_empty_bin() {
        let bins = crate::calibration::reliability_bins(&[0.95, 0.55, 0.5], &[true, false, true]);
        let svg = reliability_svg(&bins);
        // 0.95, 0.55 and 0.5 fall in three different bins; one more rect is the frame.
        assert_eq!(svg.matches("<rect").count(), 1 + 3);
    }
}
