//! The analyzer: every detector run over a text, overlaps resolved, keep
//! lists applied.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, LazyLock};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex_automata::hybrid::dfa::{Cache, DFA, OverlappingState};
use regex_automata::util::pool::Pool;
use regex_automata::{Input, meta};
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// Each value by its letters and digits alone (the first list to name
    /// a value gives its reason), looked up once per detection.
    compact: HashMap<String, KeepReason>,
}

impl Protected {
    fn new(keep: &[String], do_not_redact: &[String]) -> Self {
        let mut values = Vec::new();
        let mut reasons = Vec::new();
        let mut compact = HashMap::new();
        for (list, reason) in [
            (keep, KeepReason::Keep),
            (do_not_redact, KeepReason::DoNotRedact),
        ] {
            for v in list.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
                values.push(v.to_owned());
                reasons.push(reason);
                let c = compact_form(v);
                if !c.is_empty() {
                    compact.entry(c).or_insert(reason);
                }
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
        // The ranges are in order and do not overlap (one leftmost-longest
        // pass), so only those from the first ending after `d.start` up to
        // the first starting at or after `d.end` can overlap it.
        let first = ranges.partition_point(|&(_, e, _)| e <= d.start);
        for &(s, e, reason) in ranges[first..].iter().take_while(|&&(s, _, _)| s < d.end) {
            let overlap = d.end.min(e).saturating_sub(d.start.max(s));
            if overlap * 2 >= len && overlap > 0 {
                return Some(reason);
            }
        }
        if self.compact.is_empty() {
            return None;
        }
        self.compact.get(&compact_form(d.value(text))).copied()
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
    patterns: Vec<CompiledPattern>,
    /// One pass over the text tells which patterns match and where.
    combined: Combined,
    context: ContextWords,
}

#[derive(Debug)]
struct CompiledPattern {
    pattern: Pattern,
    /// Compiled as the `regex` crate compiles a `Regex` (it is this engine
    /// with these settings), so the matches are the same; used directly
    /// because it can search part of a text with the rest as context.
    regex: meta::Regex,
    /// The longest text the pattern can match, if bounded.
    max_len: Option<usize>,
    /// Its number in the combined pass, unless it is searched alone.
    combined: Option<usize>,
}

impl CompiledPattern {
    /// The part of a text of `len` bytes that holds every match of this
    /// pattern, given the combined pass's [`match_ends`](Combined::match_ends)
    /// (`None` if it could not run); `None` if the pattern has no match.
    fn search_range(
        &self,
        ends: Option<&[Option<(usize, usize)>]>,
        len: usize,
    ) -> Option<std::ops::Range<usize>> {
        match (self.combined, ends) {
            (Some(k), Some(ends)) => {
                // A match ends between the first and the last end seen, and
                // starts at most `max_len` bytes before its end.
                let (first, last) = ends[k]?;
                Some(self.max_len.map_or(0, |max| first.saturating_sub(max))..last)
            }
            _ => Some(0..len),
        }
    }
}

/// The patterns not marked `alone`, as one lazy DFA that reports every
/// position where a match of each pattern ends (an overlapping search).
/// From the first and last of these, and the pattern's longest match, the
/// stretch of text that holds all of a pattern's matches follows; the
/// pattern is then searched in that stretch only, rather than over the
/// whole text. Where the combined pass finds no match, the pattern does not
/// run at all.
#[derive(Debug)]
struct Combined {
    dfa: DFA,
    caches: Pool<Cache, Box<dyn Fn() -> Cache + Send + Sync>>,
    /// The pattern (index in `Compiled::patterns`) of each combined pattern.
    members: Vec<usize>,
}

impl Combined {
    /// For each member, the first and last byte offsets where one of its
    /// matches ends in `text`, or `None` where it has no match. `None` for
    /// the whole pass if the search could not run (it never stops early
    /// with these settings; if it did, every pattern searches everywhere).
    fn match_ends(&self, text: &str, ends: &mut Vec<Option<(usize, usize)>>) -> Option<()> {
        ends.clear();
        ends.resize(self.members.len(), None);
        let mut cache = self.caches.get();
        let input = Input::new(text);
        let mut state = OverlappingState::start();
        loop {
            self.dfa
                .try_search_overlapping_fwd(&mut cache, &input, &mut state)
                .ok()?;
            let Some(m) = state.get_match() else {
                return Some(());
            };
            let end = m.offset();
            let seen = &mut ends[m.pattern().as_usize()];
            *seen = Some(seen.map_or((end, end), |(first, _)| (first, end)));
        }
    }
}

static COMPILED: LazyLock<Compiled> = LazyLock::new(|| {
    // The settings of `regex::RegexBuilder` with `dfa_size_limit`.
    let config = meta::Config::new()
        .nfa_size_limit(Some(10 * (1 << 20)))
        .hybrid_cache_capacity(LAZY_DFA_CACHE)
        .match_kind(regex_automata::MatchKind::LeftmostFirst)
        .utf8_empty(true);
    let mut members = Vec::new();
    let patterns: Vec<CompiledPattern> = detectors::patterns()
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let regex = meta::Builder::new()
                .configure(config.clone())
                .build(&p.regex)
                .expect("the crate's constant patterns compile");
            let max_len = regex_syntax::parse(&p.regex)
                .expect("the crate's constant patterns parse")
                .properties()
                .maximum_len();
            let combined = (!p.alone).then(|| {
                members.push(i);
                members.len() - 1
            });
            CompiledPattern {
                pattern: p,
                regex,
                max_len,
                combined,
            }
        })
        .collect();
    let dfa = DFA::builder()
        .configure(
            DFA::config()
                .match_kind(regex_automata::MatchKind::All)
                .cache_capacity(LAZY_DFA_CACHE),
        )
        .build_many(
            &members
                .iter()
                .map(|&i| patterns[i].pattern.regex.as_str())
                .collect::<Vec<_>>(),
        )
        .expect("the crate's constant patterns compile as one automaton");
    let for_caches = dfa.clone();
    detectors::load_tables();
    Compiled {
        patterns,
        combined: Combined {
            dfa,
            caches: Pool::new(Box::new(move || for_caches.create_cache())),
            members,
        },
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
            .map(|c| config.labels.contains(&c.pattern.label) || c.pattern.label == Label::Address)
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
        if let Some(&r) = self.protected.compact.get(&c) {
            return Some(r);
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
        let mut ends = Vec::new();
        let combined = compiled.combined.match_ends(text, &mut ends);
        for (i, c) in compiled.patterns.iter().enumerate() {
            if !self.enabled[i] {
                continue;
            }
            let Some(range) = c.search_range(combined.map(|()| ends.as_slice()), text.len()) else {
                continue;
            };
            for m in c.regex.find_iter(Input::new(text).range(range)) {
                let candidate = Candidate {
                    text,
                    ctx: &ctx,
                    start: m.start(),
                    end: m.end(),
                };
                if let Some(d) = (c.pattern.validate)(candidate) {
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

    /// Byte ranges of matches.
    type Spans = Vec<(usize, usize)>;

    /// Every match of every pattern, as a whole-text search finds them, and
    /// as the analyzer's search of the part the combined pass points to does.
    fn matches_both_ways(text: &str) -> Vec<(Spans, Spans)> {
        let compiled = &*COMPILED;
        let mut ends = Vec::new();
        let ran = compiled.combined.match_ends(text, &mut ends);
        assert!(ran.is_some(), "the combined pass runs on {text:?}");
        compiled
            .patterns
            .iter()
            .map(|c| {
                let whole = c.regex.find_iter(text).map(|m| (m.start(), m.end()));
                let part = c
                    .search_range(Some(&ends), text.len())
                    .into_iter()
                    .flat_map(|r| c.regex.find_iter(Input::new(text).range(r)))
                    .map(|m| (m.start(), m.end()));
                (whole.collect(), part.collect())
            })
            .collect()
    }

    #[test]
    fn searching_where_the_combined_pass_points_finds_every_match() {
        for text in [
            "",
            "NHS number 943 476 5919, card 4929 1234 5678 9012 3456, sort code 12-34-56.",
            "Account 12345678, passport 123456789, DOB 14/03/1979 (aged 45), 1979-03-14.",
            "NI JH 12 34 56 C; IBAN GB82 WEST 1234 5698 7654 32; reg AB12 CDE; A123 BCD.",
            "Call 07700 900123 or +44 (0)20 7946 0958; ip 192.168.0.1 and fe80::1.",
            "12 Oak Road, Leeds LS6 2AB; 3rd March 1980; March 3, 1980; 0092416414.",
            "1234567890123456789012 99-99-99-99 1.2.3.4.5 LS6 2AB LS6 2AB 07700900123",
        ] {
            for (whole, part) in matches_both_ways(text) {
                assert_eq!(whole, part, "{text:?}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn searching_where_the_combined_pass_points_agrees_on_any_text(
            text in "([0-9]{1,12}|[A-Z]{1,3}|[a-z]{1,4}|[ \\-/.:()+@,]|\n|é|’){0,40}"
        ) {
            for (whole, part) in matches_both_ways(&text) {
                proptest::prop_assert_eq!(whole, part);
            }
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
