//! The analyzer: every detector run over a text, overlaps resolved, keep
//! lists applied.

use std::collections::BTreeSet;
use std::sync::{Arc, LazyLock};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::{Deserialize, Serialize};

use crate::context::ContextWords;
use crate::detection::Detection;
use crate::detectors::{self, Candidate, Pattern};
use crate::label::Label;

/// What to look for and what to leave alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AnalyzerConfig {
    /// The labels to report. Defaults to every label but `ORGANISATION`.
    pub labels: BTreeSet<Label>,
    /// Subject Access Request mode: the requester's own values (name,
    /// address, NI number…), which are never reported.
    pub keep: Vec<String>,
    /// Values that are never redacted, such as officers acting in their
    /// role or the council's own name and address.
    pub do_not_redact: Vec<String>,
    /// Detections scoring below this are dropped (0.0–1.0).
    pub min_score: f32,
}

impl Default for AnalyzerConfig {
    fn default() -> Self {
        AnalyzerConfig {
            labels: Label::ALL
                .into_iter()
                .filter(|l| l.enabled_by_default())
                .collect(),
            keep: Vec::new(),
            do_not_redact: Vec::new(),
            min_score: 0.5,
        }
    }
}

/// Why a detection was not reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeepReason {
    /// On the SAR keep list.
    Keep,
    /// On the do-not-redact list.
    DoNotRedact,
}

/// The result of analysing one text: what to redact and what was
/// deliberately kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Analysis {
    pub detections: Vec<Detection>,
    pub kept: Vec<(Detection, KeepReason)>,
}

/// Values that must not be redacted, matched case-insensitively as text
/// and, for identifiers, by their letters and digits alone.
#[derive(Debug)]
struct Protected {
    matcher: Option<AhoCorasick>,
    reasons: Vec<KeepReason>,
    compact: Vec<(String, KeepReason)>,
}

impl Protected {
    fn new(keep: &[String], do_not_redact: &[String]) -> Self {
        let mut values = Vec::new();
        let mut reasons = Vec::new();
        let mut compact = Vec::new();
        for (list, reason) in [
            (keep, KeepReason::Keep),
            (do_not_redact, KeepReason::DoNotRedact),
        ] {
            for v in list.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
                values.push(v.to_owned());
                reasons.push(reason);
                compact.push((compact_form(v), reason));
            }
        }
        let matcher = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&values)
            .ok()
            .filter(|_| !values.is_empty());
        Protected {
            matcher,
            reasons,
            compact,
        }
    }

    /// Protected ranges of `text`, with why each is protected.
    fn ranges(&self, text: &str) -> Vec<(usize, usize, KeepReason)> {
        let Some(m) = &self.matcher else {
            return Vec::new();
        };
        m.find_iter(text)
            .map(|hit| {
                (
                    hit.start(),
                    hit.end(),
                    self.reasons[hit.pattern().as_usize()],
                )
            })
            .collect()
    }

    fn reason_for(
        &self,
        d: &Detection,
        text: &str,
        ranges: &[(usize, usize, KeepReason)],
    ) -> Option<KeepReason> {
        let len = d.end - d.start;
        for &(s, e, reason) in ranges {
            let overlap = d.end.min(e).saturating_sub(d.start.max(s));
            if overlap * 2 >= len && overlap > 0 {
                return Some(reason);
            }
        }
        if self.compact.is_empty() {
            return None;
        }
        let c = compact_form(d.value(text));
        self.compact
            .iter()
            .find(|(v, _)| !v.is_empty() && *v == c)
            .map(|(_, r)| *r)
    }
}

fn compact_form(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The lazy DFA cache of each pattern. The default (2 MB) is too small for
/// the combined set and the Unicode name pattern: the cache fills, is
/// cleared, and states are built again and again, which profiling showed
/// as a quarter of the run time. It grows only as far as needed.
const LAZY_DFA_CACHE: usize = 16 << 20;

/// Finds UK personal data in text. Build one per configuration and reuse
/// it: building compiles every pattern, analysing does not.
///
/// ```
/// use civic_redact::{Analyzer, Label};
/// let analyzer = Analyzer::default();
/// let found = analyzer.analyze("NHS number 943 476 5919, call 020 7946 0000.");
/// assert_eq!(found[0].label, Label::NhsNumber);
/// assert_eq!(found[0].evidence.check.as_deref(), Some("mod-11 passed"));
/// ```
#[derive(Debug)]
pub struct Analyzer {
    config: AnalyzerConfig,
    /// Whether each of `COMPILED.patterns` runs under this configuration.
    enabled: Vec<bool>,
    protected: Protected,
    review: Option<Arc<dyn Review>>,
}

/// A person's say over what is redacted, given to an analyzer with
/// [`Analyzer::with_review`]: every text the analyzer is asked about passes
/// through it after detection, in the order the caller analyses them.
///
/// This is how a reviewer's accepted, rejected and added spans reach every
/// file format without each format knowing about review: a format asks the
/// analyzer about each piece of its text (a paragraph, a header, a cell),
/// always in the same order for the same input, so a first run can record
/// the pieces and their suggestions and a second run can replace them.
pub trait Review: Send + Sync + std::fmt::Debug {
    /// The detections to report for `text`, given the detectors' `found`
    /// (sorted, without overlaps). Must return sorted, non-overlapping
    /// detections within `text`, on character boundaries.
    fn review(&self, text: &str, found: Vec<Detection>) -> Vec<Detection>;
}

/// Every pattern compiled once per process: an [`Analyzer`] only chooses
/// which of them run, so building one (per API request, with its own keep
/// list) costs no regular-expression compilation.
#[derive(Debug)]
struct Compiled {
    patterns: Vec<(Pattern, Regex)>,
    /// One pass over the text tells which patterns can match at all.
    prefilter: RegexSet,
    context: ContextWords,
}

static COMPILED: LazyLock<Compiled> = LazyLock::new(|| {
    let patterns: Vec<(Pattern, Regex)> = detectors::patterns()
        .into_iter()
        .map(|p| {
            let re = RegexBuilder::new(&p.regex)
                .dfa_size_limit(LAZY_DFA_CACHE)
                .build()
                .expect("the crate's constant patterns compile");
            (p, re)
        })
        .collect();
    let prefilter = RegexSetBuilder::new(patterns.iter().map(|(p, _)| p.regex.as_str()))
        .dfa_size_limit(LAZY_DFA_CACHE)
        .build()
        .expect("the crate's constant patterns compile as a set");
    detectors::load_tables();
    Compiled {
        patterns,
        prefilter,
        context: ContextWords::new(),
    }
});

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer::new(AnalyzerConfig::default())
    }
}

impl Analyzer {
    /// Builds an analyzer. Patterns are constants of this crate, so building
    /// cannot fail on the caller's input.
    pub fn new(config: AnalyzerConfig) -> Self {
        // Addresses are always looked for: a street named after a person
        // ("Victoria Road") must not come out as a PERSON even when
        // ADDRESS is switched off. Disabled labels are dropped at the end.
        let enabled = COMPILED
            .patterns
            .iter()
            .map(|(p, _)| config.labels.contains(&p.label) || p.label == Label::Address)
            .collect();
        let protected = Protected::new(&config.keep, &config.do_not_redact);
        Analyzer {
            config,
            enabled,
            protected,
            review: None,
        }
    }

    /// This analyzer with `review` deciding, after detection, what is
    /// reported for each text (see [`Review`]).
    pub fn with_review(mut self, review: Arc<dyn Review>) -> Self {
        self.review = Some(review);
        self
    }

    /// The configuration this analyzer was built with.
    pub fn config(&self) -> &AnalyzerConfig {
        &self.config
    }

    /// Whether a whole value (an e-mail header's address, a CSV cell) is on
    /// the keep or do-not-redact list.
    pub fn protection(&self, value: &str) -> Option<KeepReason> {
        let value = value.trim();
        let c = compact_form(value);
        if c.is_empty() {
            return None;
        }
        if let Some((_, r)) = self.protected.compact.iter().find(|(v, _)| *v == c) {
            return Some(*r);
        }
        self.protected
            .ranges(value)
            .into_iter()
            .find(|&(s, e, _)| s == 0 && e == value.len())
            .map(|(_, _, r)| r)
    }

    /// The personal data in `text` that should be redacted, sorted by
    /// position, without overlaps.
    ///
    /// Memory grows with `text` and with the number of detections (every
    /// candidate is held until overlaps are resolved): about 180 MB for
    /// 20 MB of text dense with personal data. For large inputs use
    /// [`analyze_stream`](Self::analyze_stream), whose memory is bounded
    /// by the piece size.
    pub fn analyze(&self, text: &str) -> Vec<Detection> {
        self.analyze_with_kept(text).detections
    }

    /// Like [`analyze`](Self::analyze), but also returns what the keep and
    /// do-not-redact lists protected, for the redaction log.
    pub fn analyze_with_kept(&self, text: &str) -> Analysis {
        let compiled = &*COMPILED;
        let ctx = compiled.context.scan(text);
        let mut found = Vec::new();
        for i in compiled.prefilter.matches(text).iter() {
            if !self.enabled[i] {
                continue;
            }
            let (pattern, re) = &compiled.patterns[i];
            for m in re.find_iter(text) {
                let c = Candidate {
                    text,
                    ctx: &ctx,
                    start: m.start(),
                    end: m.end(),
                };
                if let Some(d) = (pattern.validate)(c) {
                    found.push(d);
                }
            }
        }
        if self.config.labels.contains(&Label::Person)
            || self.config.labels.contains(&Label::Organisation)
        {
            detectors::names::detect(text, &ctx, &mut found);
        }
        let resolved = resolve_overlaps(found);
        let ranges = self.protected.ranges(text);
        let mut analysis = Analysis::default();
        for d in resolved {
            if !self.config.labels.contains(&d.label) || d.score < self.config.min_score {
                continue;
            }
            match self.protected.reason_for(&d, text, &ranges) {
                Some(reason) => analysis.kept.push((d, reason)),
                None => analysis.detections.push(d),
            }
        }
        if let Some(review) = &self.review {
            analysis.detections = review.review(text, std::mem::take(&mut analysis.detections));
        }
        analysis
    }
}

/// Chooses among overlapping detections: the highest score wins, then the
/// longer span, then the earlier start, then the label order — a total
/// order, so the result never depends on the order detectors ran in.
/// Low-scoring candidates take part too, so that (say) a weak NHS-number
/// reading of a phone number does not survive next to the phone number.
fn resolve_overlaps(mut found: Vec<Detection>) -> Vec<Detection> {
    found.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then((b.end - b.start).cmp(&(a.end - a.start)))
            .then(a.start.cmp(&b.start))
            .then(a.label.cmp(&b.label))
    });
    let mut taken: BTreeSet<(usize, usize)> = BTreeSet::new();
    let mut kept = Vec::with_capacity(found.len());
    for d in found {
        // The nearest taken span starting before d.end is the only one that can overlap.
        // Taken spans never overlap each other, so the last one starting
        // before d.end is the only one that can overlap d.
        let clash = taken
            .range(..(d.end, 0))
            .next_back()
            .is_some_and(|&(_, e)| d.start < e);
        if !clash {
            taken.insert((d.start, d.end));
            kept.push(d);
        }
    }
    kept.sort_by_key(|d| (d.start, d.end));
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keeps only the detections of one label.
    #[derive(Debug)]
    struct OnlyPhones;

    impl Review for OnlyPhones {
        fn review(&self, _text: &str, found: Vec<Detection>) -> Vec<Detection> {
            found
                .into_iter()
                .filter(|d| d.label == Label::Phone)
                .collect()
        }
    }

    #[test]
    fn a_review_decides_what_is_reported_after_detection() {
        let text = "Email jo@example.com or call 020 7946 0000.";
        let all = Analyzer::default().analyze(text);
        assert!(all.iter().any(|d| d.label == Label::Email), "{all:?}");
        let reviewed = Analyzer::default()
            .with_review(Arc::new(OnlyPhones))
            .analyze(text);
        assert_eq!(reviewed.len(), 1, "{reviewed:?}");
        assert_eq!(reviewed[0].label, Label::Phone);
    }
}
