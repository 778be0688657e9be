//! The parts a reader reads: body, headers, footers, footnotes, endnotes.

use std::collections::HashMap;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, BytesText, Event};

use super::State;
use super::xml::{attr, events, matching_ends, name_is, write_events};
use crate::detection::Detection;
use crate::error::RedactError;
use crate::operator::{LogEntry, replacement};

/// Elements removed with everything inside them.
const REMOVED_ELEMENTS: &[&str] = &[
    "w:del",
    "w:moveFrom",
    "w:commentRangeStart",
    "w:commentRangeEnd",
    "w:commentReference",
    "w:moveFromRangeStart",
    "w:moveFromRangeEnd",
    "w:moveToRangeStart",
    "w:moveToRangeEnd",
    "w:rPrChange",
    "w:pPrChange",
    "w:sectPrChange",
    "w:tblPrChange",
    "w:tblPrExChange",
    "w:trPrChange",
    "w:tcPrChange",
    "w:tblGridChange",
    "w:numberingChange",
];

/// Elements whose content is kept but whose tags go (accepted insertions).
const UNWRAPPED_ELEMENTS: &[&str] = &["w:ins", "w:moveTo"];

/// One piece of a paragraph's text: a `w:t` element, or a tab or break.
struct Piece {
    /// The `w:t` start event, or `None` for a tab or break.
    event: Option<usize>,
    text: String,
}

/// A document part: body, header, footer, footnotes or endnotes.
pub(super) fn redact_text_part(
    state: &mut State<'_>,
    name: &str,
    bytes: &[u8],
) -> Result<Vec<u8>, RedactError> {
    let evs = events(name, bytes)?;
    let ends = matching_ends(&evs)?;
    let (skip, unwrap) = hidden_and_tracked(state, &evs, &ends);

    // Collect each paragraph's pieces; paragraphs nest (text boxes).
    let mut stack: Vec<Vec<Piece>> = vec![Vec::new()];
    let mut new_text: HashMap<usize, String> = HashMap::new();
    let mut i = 0;
    while i < evs.len() {
        if skip[i] {
            i = if matches!(evs[i], Event::Start(_)) {
                ends[i] + 1
            } else {
                i + 1
            };
            continue;
        }
        let e = &evs[i];
        match e {
            Event::Start(s) if s.name().as_ref() == "w:p" => stack.push(Vec::new()),
            Event::End(s) if s.name().as_ref() == "w:p" => {
                let pieces = stack.pop().unwrap_or_default();
                redact_paragraph(state, name, &pieces, &mut new_text);
                if stack.is_empty() {
                    stack.push(Vec::new());
                }
            }
            Event::Start(s) if s.name().as_ref() == "w:t" || s.name().as_ref() == "w:instrText" => {
                let text = element_text(&evs[i + 1..ends[i]]);
                if s.name().as_ref() == "w:instrText" {
                    // Field codes (HYPERLINK "mailto:…") are redacted on their own.
                    if let Some(t) = state.redact_str(&text, name) {
                        new_text.insert(i, t);
                    }
                } else if let Some(p) = stack.last_mut() {
                    p.push(Piece {
                        event: Some(i),
                        text,
                    });
                }
                i = ends[i] + 1;
                continue;
            }
            Event::Empty(s) if matches!(s.name().as_ref(), "w:tab" | "w:br" | "w:cr") => {
                let text = if s.name().as_ref() == "w:tab" {
                    "\t"
                } else {
                    "\n"
                };
                if let Some(p) = stack.last_mut() {
                    p.push(Piece {
                        event: None,
                        text: text.to_owned(),
                    });
                }
            }
            _ => {}
        }
        i += 1;
    }
    for pieces in stack {
        redact_paragraph(state, name, &pieces, &mut new_text);
    }

    // Write the part back, with the changes.
    let mut out: Vec<Event<'_>> = Vec::with_capacity(evs.len());
    let mut i = 0;
    while i < evs.len() {
        if skip[i] {
            i = if matches!(evs[i], Event::Start(_)) {
                ends[i] + 1
            } else {
                i + 1
            };
            continue;
        }
        if unwrap[i] {
            i += 1;
            continue;
        }
        if let Some(text) = new_text.get(&i) {
            let Event::Start(s) = &evs[i] else {
                i += 1;
                continue;
            };
            let mut start = BytesStart::new(s.name().as_ref().to_owned());
            start.push_attribute(("xml:space", "preserve"));
            out.push(Event::Start(start));
            out.push(Event::Text(BytesText::new(text).into_owned()));
            out.push(evs[ends[i]].clone());
            i = ends[i] + 1;
            continue;
        }
        match &evs[i] {
            Event::Start(s) | Event::Empty(s) if s.name().as_ref() == "wp:docPr" => {
                let new = redact_attributes(state, name, s, &["descr", "title"]);
                out.push(if matches!(evs[i], Event::Start(_)) {
                    Event::Start(new)
                } else {
                    Event::Empty(new)
                });
            }
            e => out.push(e.clone()),
        }
        i += 1;
    }
    write_events(name, out.into_iter())
}

/// Marks tracked deletions, comment anchors, change records and hidden
/// runs for removal, and tracked insertions for unwrapping.
fn hidden_and_tracked(
    state: &mut State<'_>,
    evs: &[Event<'_>],
    ends: &[usize],
) -> (Vec<bool>, Vec<bool>) {
    let mut skip = vec![false; evs.len()];
    let mut unwrap = vec![false; evs.len()];
    for (i, e) in evs.iter().enumerate() {
        let (Event::Start(s) | Event::Empty(s)) = e else {
            continue;
        };
        let name = s.name();
        let name = name.as_ref();
        if REMOVED_ELEMENTS.contains(&name) {
            skip[i] = true;
            let what = match name {
                "w:del" | "w:moveFrom" => "tracked deletions",
                "w:commentReference" => "comments",
                n if n.ends_with("Change") => "formatting change records",
                _ => "comment and move anchors",
            };
            state.count(what);
        } else if UNWRAPPED_ELEMENTS.contains(&name) && matches!(e, Event::Start(_)) {
            unwrap[i] = true;
            unwrap[ends[i]] = true;
            state.count("tracked insertions accepted");
        } else if name == "w:r"
            && matches!(e, Event::Start(_))
            && run_is_hidden(&evs[i + 1..ends[i]])
        {
            skip[i] = true;
            state.count("hidden runs");
        }
    }
    (skip, unwrap)
}

/// Whether a run's properties include `w:vanish` (hidden text) that is on.
fn run_is_hidden(inner: &[Event<'_>]) -> bool {
    let mut in_rpr = false;
    for e in inner {
        if name_is(e, "w:rPr") {
            match e {
                Event::Start(_) => in_rpr = true,
                Event::End(_) => return false,
                _ => {}
            }
            continue;
        }
        if let (true, Event::Empty(s) | Event::Start(s)) = (in_rpr, e)
            && matches!(s.name().as_ref(), "w:vanish" | "w:specVanish")
        {
            return !matches!(attr(s, "w:val").as_deref(), Some("false" | "0" | "off"));
        }
    }
    false
}

/// The text inside a `w:t`: character data plus entity references.
fn element_text(inner: &[Event<'_>]) -> String {
    let mut text = String::new();
    for e in inner {
        match e {
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::CData(c) => text.push_str(&c.clone().into_inner()),
            Event::GeneralRef(r) => {
                if let Ok(Some(ch)) = r.resolve_char_ref() {
                    text.push(ch);
                } else {
                    text.push(match r.as_ref() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        _ => '\u{FFFD}',
                    });
                }
            }
            _ => {}
        }
    }
    text
}

/// Finds personal data in a paragraph's text and spreads the change over
/// its pieces: each replacement goes into the first `w:t` the value
/// touches, and the value's other characters are deleted.
fn redact_paragraph(
    state: &mut State<'_>,
    part: &str,
    pieces: &[Piece],
    new_text: &mut HashMap<usize, String>,
) {
    if pieces.is_empty() {
        return;
    }
    let text: String = pieces.iter().map(|p| p.text.as_str()).collect();
    let found: Vec<Detection> = state.analyzer.analyze(&text);
    if found.is_empty() {
        return;
    }
    // Piece boundaries in paragraph offsets.
    let mut bounds = Vec::with_capacity(pieces.len());
    let mut at = 0;
    for p in pieces {
        bounds.push((at, at + p.text.len()));
        at += p.text.len();
    }
    // Which piece receives each replacement: the first real w:t it touches.
    let mut owner: Vec<Option<usize>> = Vec::with_capacity(found.len());
    for d in &found {
        let piece = pieces
            .iter()
            .zip(&bounds)
            .position(|(p, &(s, e))| p.event.is_some() && s < d.end && d.start < e);
        owner.push(piece);
        let value = d.value(&text);
        state
            .log
            .push(LogEntry::new(d, value, state.operator).at(part));
    }
    let replacements: Vec<String> = found
        .iter()
        .map(|d| replacement(d.value(&text), d.label, state.operator, state.table))
        .collect();
    for (k, (piece, &(ps, pe))) in pieces.iter().zip(&bounds).enumerate() {
        let Some(event) = piece.event else { continue };
        let touching: Vec<usize> = (0..found.len())
            .filter(|&j| found[j].start < pe && ps < found[j].end)
            .collect();
        if touching.is_empty() {
            continue;
        }
        let mut out = String::new();
        let mut pos = ps;
        for j in touching {
            let d = &found[j];
            let cut_start = d.start.max(ps);
            out.push_str(&text[pos..cut_start]);
            if owner[j] == Some(k) {
                out.push_str(&replacements[j]);
            }
            pos = d.end.min(pe);
        }
        out.push_str(&text[pos..pe]);
        new_text.insert(event, out);
    }
}

fn redact_attributes(
    state: &mut State<'_>,
    part: &str,
    s: &BytesStart<'_>,
    keys: &[&str],
) -> BytesStart<'static> {
    let mut new = BytesStart::new(s.name().as_ref().to_owned());
    for a in s.attributes().flatten() {
        let key = a.key.as_ref().to_owned();
        let value = a
            .normalized_value(XmlVersion::Implicit1_0)
            .map(|v| v.into_owned())
            .unwrap_or_default();
        let value = if keys.contains(&a.key.as_ref()) {
            state.redact_str(&value, part).unwrap_or(value)
        } else {
            value
        };
        new.push_attribute((key.as_str(), value.as_str()));
    }
    new
}
