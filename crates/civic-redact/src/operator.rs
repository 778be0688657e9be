//! Operators: what a detection is replaced with, and the redaction log.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::detection::{Detection, Evidence};
use crate::error::RedactError;
use crate::label::Label;

/// A deployment secret for the `hash` operator. Its bytes never appear in
/// `Debug` output.
#[derive(Clone)]
pub struct HashKey(Vec<u8>);

impl HashKey {
    /// Wraps a secret of at least 16 bytes.
    pub fn new(secret: impl Into<Vec<u8>>) -> Result<Self, RedactError> {
        let secret = secret.into();
        if secret.len() < 16 {
            return Err(RedactError::WeakHashKey);
        }
        Ok(HashKey(secret))
    }
}

impl fmt::Debug for HashKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HashKey(..)")
    }
}

/// What a detected value is replaced with.
#[derive(Debug, Clone, Default)]
pub enum Operator {
    /// `[PERSON]`, `[NHS_NUMBER]`… (the default).
    #[default]
    Label,
    /// Every character but whitespace replaced with `char`, keeping the length.
    Mask { char: char },
    /// The value is deleted.
    Remove,
    /// A stable stand-in such as "Person A" or "Address 1", consistent for
    /// as long as the caller keeps the same [`PseudonymTable`].
    Pseudonym,
    /// `[PERSON:3f2a…]`: a keyed HMAC-SHA256 of the value, so the same value
    /// links across documents without being disclosed.
    Hash { key: HashKey },
}

impl Operator {
    /// The operator of `kind`. `hash` needs the deployment's key; the
    /// others take none, and ignore one given.
    pub fn new(kind: OperatorKind, key: Option<HashKey>) -> Result<Self, RedactError> {
        match (kind, key) {
            (OperatorKind::Label, _) => Ok(Operator::Label),
            (OperatorKind::Mask, _) => Ok(Operator::Mask { char: '*' }),
            (OperatorKind::Remove, _) => Ok(Operator::Remove),
            (OperatorKind::Pseudonym, _) => Ok(Operator::Pseudonym),
            (OperatorKind::Hash, Some(key)) => Ok(Operator::Hash { key }),
            (OperatorKind::Hash, None) => Err(RedactError::WeakHashKey),
        }
    }

    /// Which operator this is.
    pub fn kind(&self) -> OperatorKind {
        match self {
            Operator::Label => OperatorKind::Label,
            Operator::Mask { .. } => OperatorKind::Mask,
            Operator::Remove => OperatorKind::Remove,
            Operator::Pseudonym => OperatorKind::Pseudonym,
            Operator::Hash { .. } => OperatorKind::Hash,
        }
    }

    /// The operator's wire name.
    pub fn name(&self) -> &'static str {
        self.kind().as_str()
    }
}

/// An operator as a caller chooses it, by name, before any key is attached:
/// what options carry from the edge to the place that holds the
/// deployment's key and builds the [`Operator`] ([`Operator::new`]).
///
/// ```
/// use civic_redact::OperatorKind;
/// assert_eq!(" Mask ".parse::<OperatorKind>().unwrap(), OperatorKind::Mask);
/// assert_eq!(OperatorKind::Pseudonym.as_str(), "pseudonym");
/// assert!("blur".parse::<OperatorKind>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OperatorKind {
    /// `[PERSON]`, `[NHS_NUMBER]`… (the default).
    #[default]
    Label,
    /// Every character but whitespace masked.
    Mask,
    /// The value deleted.
    Remove,
    /// A consistent stand-in ("Person A").
    Pseudonym,
    /// A keyed hash of the value.
    Hash,
}

impl OperatorKind {
    /// Every operator, in the order they are offered.
    pub const ALL: [OperatorKind; 5] = [
        OperatorKind::Label,
        OperatorKind::Mask,
        OperatorKind::Remove,
        OperatorKind::Pseudonym,
        OperatorKind::Hash,
    ];

    /// The wire name: `label`, `mask`, `remove`, `pseudonym` or `hash`.
    pub fn as_str(self) -> &'static str {
        match self {
            OperatorKind::Label => "label",
            OperatorKind::Mask => "mask",
            OperatorKind::Remove => "remove",
            OperatorKind::Pseudonym => "pseudonym",
            OperatorKind::Hash => "hash",
        }
    }
}

impl fmt::Display for OperatorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OperatorKind {
    type Err = RedactError;

    /// Parses a wire name, ignoring case and surrounding spaces.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim().to_ascii_lowercase();
        OperatorKind::ALL
            .into_iter()
            .find(|k| k.as_str() == name)
            .ok_or_else(|| RedactError::UnknownOperator(s.to_owned()))
    }
}

/// Pseudonyms handed out so far. Share one table across the documents of a
/// batch and the same person is "Person A" in all of them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PseudonymTable {
    assigned: HashMap<String, String>,
    counts: HashMap<Label, usize>,
}

impl PseudonymTable {
    pub fn new() -> Self {
        PseudonymTable::default()
    }

    /// The pseudonym for `value` of `label`, assigning the next one if new.
    /// Values are compared ignoring case, spacing and punctuation, so
    /// "AB 12 34 56 C" and "ab123456c" are the same person's number.
    pub fn pseudonym(&mut self, label: Label, value: &str) -> String {
        let key = format!("{}:{}", label.as_str(), normalise(value));
        if let Some(p) = self.assigned.get(&key) {
            return p.clone();
        }
        let n = self.counts.entry(label).or_insert(0);
        let p = match label {
            Label::Person | Label::Organisation => {
                format!("{} {}", label.pseudonym_noun(), letters(*n))
            }
            _ => format!("{} {}", label.pseudonym_noun(), *n + 1),
        };
        *n += 1;
        self.assigned.insert(key, p.clone());
        p
    }

    /// How many distinct values have a pseudonym.
    pub fn len(&self) -> usize {
        self.assigned.len()
    }

    pub fn is_empty(&self) -> bool {
        self.assigned.is_empty()
    }
}

fn normalise(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// 0 → "A", 25 → "Z", 26 → "AA"…
fn letters(mut n: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(char::from(b'A' + (n % 26) as u8));
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    out.iter().rev().collect()
}

/// One redaction, as written to the log: never the value itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogEntry {
    pub label: Label,
    /// Byte offsets in the original text.
    pub start: usize,
    pub end: usize,
    /// Where in a file the text came from (`"body"`, `"row 3, column email"`,
    /// `"word/document.xml"`); empty for plain text.
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub location: String,
    /// SHA-256 of the value, hex: lets an auditor confirm a value was
    /// redacted without the log holding it.
    pub digest: String,
    pub score: f32,
    pub evidence: Evidence,
    pub operator: String,
}

impl LogEntry {
    /// The log entry for replacing `d` (whose value is `value`) with `operator`.
    pub(crate) fn new(d: &Detection, value: &str, operator: &Operator) -> Self {
        LogEntry {
            label: d.label,
            start: d.start,
            end: d.end,
            location: String::new(),
            digest: digest(value),
            score: d.score,
            evidence: d.evidence.clone(),
            operator: operator.name().to_owned(),
        }
    }

    pub(crate) fn at(mut self, location: &str) -> Self {
        self.location = location.to_owned();
        self
    }
}

/// Redacted text and its log.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Redacted {
    pub text: String,
    pub log: Vec<LogEntry>,
}

/// SHA-256 of a value, hex-encoded, for the log.
pub fn digest(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// The replacement for one value.
pub fn replacement(
    value: &str,
    label: Label,
    operator: &Operator,
    table: &mut PseudonymTable,
) -> String {
    match operator {
        Operator::Label => format!("[{}]", label.as_str()),
        Operator::Mask { char } => value
            .chars()
            .map(|c| if c.is_whitespace() { c } else { *char })
            .collect(),
        Operator::Remove => String::new(),
        Operator::Pseudonym => table.pseudonym(label, value),
        Operator::Hash { key } => {
            // A fixed-size key never fails HMAC construction; fall back to
            // the label rather than leak the value if it somehow did.
            match Hmac::<Sha256>::new_from_slice(&key.0) {
                Ok(mut mac) => {
                    mac.update(label.as_str().as_bytes());
                    mac.update(b":");
                    mac.update(normalise(value).as_bytes());
                    let tag = hex::encode(mac.finalize().into_bytes());
                    format!("[{}:{}]", label.as_str(), &tag[..16])
                }
                Err(_) => format!("[{}]", label.as_str()),
            }
        }
    }
}

/// Replaces each detection in `text` with the operator's output and
/// records it in the log. Detections must not overlap (as returned by
/// [`Analyzer::analyze`](crate::Analyzer::analyze)); any that do, or whose
/// offsets do not fit `text`, are skipped rather than corrupt the output.
///
/// ```
/// use civic_redact::{redact_text, Analyzer, Operator, PseudonymTable};
/// let text = "Email jo@example.com or jo@example.com";
/// let found = Analyzer::default().analyze(text);
/// let mut table = PseudonymTable::new();
/// let out = redact_text(text, &found, &Operator::Pseudonym, &mut table);
/// assert_eq!(out.text, "Email Email 1 or Email 1");
/// ```
pub fn redact_text(
    text: &str,
    detections: &[Detection],
    operator: &Operator,
    table: &mut PseudonymTable,
) -> Redacted {
    let mut sorted: Vec<&Detection> = detections.iter().collect();
    sorted.sort_by_key(|d| (d.start, d.end));
    let mut out = String::with_capacity(text.len());
    let mut log = Vec::with_capacity(sorted.len());
    let mut at = 0;
    for d in sorted {
        let Some(value) = text.get(d.start..d.end) else {
            continue;
        };
        if d.start < at {
            continue;
        }
        out.push_str(&text[at..d.start]);
        out.push_str(&replacement(value, d.label, operator, table));
        log.push(LogEntry::new(d, value, operator));
        at = d.end;
    }
    out.push_str(&text[at..]);
    Redacted { text: out, log }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det(label: Label, start: usize, end: usize) -> Detection {
        Detection::new(label, start, end, 1.0, Evidence::new("test"))
    }

    #[test]
    fn each_operator_replaces_as_documented() {
        let text = "Call Jo Bloggs now";
        let d = [det(Label::Person, 5, 14)];
        let key = HashKey::new(*b"0123456789abcdef").unwrap();
        let cases = [
            (Operator::Label, "Call [PERSON] now"),
            (Operator::Mask { char: '*' }, "Call ** ****** now"),
            (Operator::Remove, "Call  now"),
            (Operator::Pseudonym, "Call Person A now"),
        ];
        for (op, want) in cases {
            let out = redact_text(text, &d, &op, &mut PseudonymTable::new());
            assert_eq!(out.text, want, "{}", op.name());
            assert_eq!(out.log.len(), 1);
            assert_eq!(out.log[0].digest, digest("Jo Bloggs"));
        }
        let hashed = redact_text(
            text,
            &d,
            &Operator::Hash { key: key.clone() },
            &mut PseudonymTable::new(),
        );
        assert!(hashed.text.starts_with("Call [PERSON:") && !hashed.text.contains("Bloggs"));
        let again = redact_text(
            "Jo Bloggs",
            &[det(Label::Person, 0, 9)],
            &Operator::Hash { key },
            &mut PseudonymTable::new(),
        );
        assert_eq!(
            &again.text,
            &hashed.text[5..hashed.text.len() - 4],
            "same key, same value, same tag"
        );
    }

    #[test]
    fn pseudonyms_are_consistent_across_documents_sharing_a_table() {
        let mut table = PseudonymTable::new();
        assert_eq!(table.pseudonym(Label::Person, "Jo Bloggs"), "Person A");
        assert_eq!(table.pseudonym(Label::Person, "Sam Smith"), "Person B");
        assert_eq!(table.pseudonym(Label::Person, "JO  BLOGGS"), "Person A");
        assert_eq!(table.pseudonym(Label::Address, "1 High St"), "Address 1");
        assert_eq!(table.pseudonym(Label::Nino, "AB 12 34 56 C"), "NI number 1");
        assert_eq!(table.pseudonym(Label::Nino, "ab123456c"), "NI number 1");
        assert_eq!(letters(25), "Z");
        assert_eq!(letters(26), "AA");
        assert_eq!(letters(27), "AB");
    }

    #[test]
    fn overlapping_or_out_of_range_detections_are_skipped_not_fatal() {
        let text = "abcdef";
        let d = [
            det(Label::Person, 0, 4),
            det(Label::Email, 2, 5),
            det(Label::Url, 4, 99),
        ];
        let out = redact_text(text, &d, &Operator::Label, &mut PseudonymTable::new());
        assert_eq!(out.text, "[PERSON]ef");
        assert_eq!(out.log.len(), 1);
    }

    #[test]
    fn weak_hash_keys_and_unknown_operators_are_refused() {
        assert!(HashKey::new(b"short".to_vec()).is_err());
        let e = "blur".parse::<OperatorKind>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown operator \"blur\": use one of label, mask, remove, pseudonym, hash"
        );
        assert!(matches!(
            Operator::new(OperatorKind::Hash, None),
            Err(RedactError::WeakHashKey)
        ));
        assert_eq!("MASK".parse::<OperatorKind>().unwrap(), OperatorKind::Mask);
        let key = HashKey::new(*b"0123456789abcdef").unwrap();
        for kind in OperatorKind::ALL {
            let op = Operator::new(kind, Some(key.clone())).unwrap();
            assert_eq!(op.kind(), kind);
            assert_eq!(op.name().parse::<OperatorKind>().unwrap(), kind);
        }
    }
}
