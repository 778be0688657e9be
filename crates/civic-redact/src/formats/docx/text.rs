//! The parts a reader reads: body, headers, footers, footnotes, endnotes.

use std::collections::HashMap;
use std::io::{BufReader, Read, Take, Write};

use quick_xml::events::{BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer, XmlVersion};

use super::xml::{attr, deeper, keep_event, matching_ends, name_is, unbalanced};
use super::{State, docx_err};
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
    // Ranges only some people may edit, each naming them (`w:ed`).
    "w:permStart",
    "w:permEnd",
    // Embedded documents and objects: their parts are dropped from the
    // package (see `dropped_part`), so the references to them go too; an
    // object's preview picture stays.
    "w:altChunk",
    "o:OLEObject",
    // Attributes of custom XML and smart-tag markup (`w:attr w:val` is
    // any text), and content controls' bindings to the custom XML data,
    // which is dropped: the controls keep their text, unbound.
    "w:customXmlPr",
    "w:smartTagPr",
    "w:dataBinding",
];

/// The references that make a drawing a chart or a SmartArt diagram, whose
/// parts (with their own text and data) are dropped from the package.
const DROPPED_GRAPHICS: &[&str] = &["c:chart", "cx:chart", "dgm:relIds"];

/// Elements whose content is kept but whose tags go (accepted insertions).
const UNWRAPPED_ELEMENTS: &[&str] = &["w:ins", "w:moveTo"];

/// One piece of a paragraph's text: a `w:t` element, or a tab or break.
struct Piece {
    /// The `w:t` start event, or `None` for a tab or break.
    event: Option<usize>,
    text: String,
}

/// How much XML is gathered before it is redacted and written out: the
/// part is cut only between paragraphs, so a cut never splits a value.
pub(super) const CHUNK_BYTES: u64 = 64 * 1024;

/// The longest stretch of XML that cannot be cut: a paragraph (with any
/// text boxes inside it), a tracked change or a hidden run. A longer one
/// is refused, as it would be held in memory whole (about twenty times
/// its size while it is rewritten).
pub const MAX_PARAGRAPH_BYTES: u64 = 8 * 1024 * 1024;

/// Elements a cut may not fall inside: what the redaction of a stretch
/// looks at from start to end.
fn holds(name: &str) -> bool {
    matches!(name, "w:p" | "w:r" | "w:t" | "w:instrText")
        || REMOVED_ELEMENTS.contains(&name)
        || UNWRAPPED_ELEMENTS.contains(&name)
}

/// A document part (body, header, footer, footnotes or endnotes), read
/// from `input` and written to `output` a stretch of about `chunk_bytes`
/// at a time, cut between paragraphs; each stretch's log entries go to
/// `on_entry` once it is written. Memory is bounded by the longest
/// paragraph, not the part. `input` is the part limited to what is left
/// of the document's budgets plus one byte, so that running out of it is
/// told apart from the end of the part; `over_budget` is the error for
/// running out. `name` is what errors and log entries call the part (its
/// label, which is not always its name in the package). Returns the bytes
/// read.
pub(super) fn redact_text_part<R: Read, W: Write>(
    state: &mut State<'_>,
    name: &str,
    input: Take<R>,
    over_budget: &dyn Fn() -> RedactError,
    output: W,
    chunk_bytes: u64,
    on_entry: &mut dyn FnMut(LogEntry) -> Result<(), RedactError>,
) -> Result<u64, RedactError> {
    let mut reader = Reader::from_reader(BufReader::with_capacity(64 * 1024, input));
    reader.config_mut().trim_text(false);
    let exhausted = |reader: &Reader<BufReader<Take<R>>>| reader.get_ref().get_ref().limit() == 0;
    let mut writer = Writer::new(output);
    let mut buf = Vec::new();
    let mut chunk: Vec<Event<'static>> = Vec::new();
    let (mut chunk_start, mut depth, mut held) = (0u64, 0usize, 0usize);
    loop {
        buf.clear();
        let event = match reader.read_event_into(&mut buf) {
            Ok(e) => e,
            Err(_) if exhausted(&reader) => return Err(over_budget()),
            Err(quick_xml::Error::Encoding(_)) => {
                return Err(docx_err(format!("{name} is not UTF-8")));
            }
            Err(e) => return Err(docx_err(format!("{name} is not well-formed XML ({e})"))),
        };
        if !keep_event(name, &event)? {
            state.count("XML comments and processing instructions");
            continue;
        }
        let eof = matches!(event, Event::Eof);
        match &event {
            Event::Start(s) => {
                depth = deeper(name, depth)?;
                held += usize::from(holds(s.name().as_ref()));
            }
            Event::End(s) => {
                depth = depth.checked_sub(1).ok_or_else(|| unbalanced(name))?;
                held -= usize::from(holds(s.name().as_ref()));
            }
            _ => {}
        }
        if eof && depth != 0 {
            // The stretch would hold elements that never end, which its
            // redaction assumes they do; a cut-off part is an error.
            return Err(if exhausted(&reader) {
                over_budget()
            } else {
                unbalanced(name)
            });
        }
        if !eof {
            chunk.push(event.into_owned());
        }
        let at = reader.buffer_position();
        if eof || (held == 0 && at - chunk_start >= chunk_bytes) {
            redact_stretch(state, name, std::mem::take(&mut chunk), &mut writer)?;
            for entry in state.log.drain(..) {
                on_entry(entry)?;
            }
            chunk_start = at;
        } else if held > 0 && at - chunk_start > MAX_PARAGRAPH_BYTES {
            return Err(RedactError::TooLarge(format!(
                "the Word document's part {name} has a paragraph larger than {} MiB, the most Civic rewrites at once; split the paragraph",
                MAX_PARAGRAPH_BYTES >> 20
            )));
        }
        if eof {
            break;
        }
    }
    if exhausted(&reader) {
        return Err(over_budget());
    }
    if depth != 0 {
        return Err(unbalanced(name));
    }
    Ok(reader.buffer_position())
}

/// Redacts a stretch of a part that no paragraph, run, tracked change or
/// hidden run crosses, and writes it out.
fn redact_stretch<W: Write>(
    state: &mut State<'_>,
    name: &str,
    evs: Vec<Event<'static>>,
    writer: &mut Writer<W>,
) -> Result<(), RedactError> {
    let ends = matching_ends(&evs);
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

    // Write the stretch back, with the changes.
    let mut write = |e: Event<'_>| {
        writer
            .write_event(e)
            .map_err(|e| docx_err(format!("{name}: {e}")))
    };
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
            write(Event::Start(start))?;
            write(Event::Text(BytesText::new(text)))?;
            write(evs[ends[i]].borrow())?;
            i = ends[i] + 1;
            continue;
        }
        match &evs[i] {
            Event::Start(s) | Event::Empty(s) if text_attributes(s).is_some() => {
                let keys = text_attributes(s).unwrap_or_default();
                let new = redact_attributes(state, name, s, keys);
                write(same_kind(&evs[i], new))?;
            }
            Event::Start(s) | Event::Empty(s) if s.name().as_ref() == "w:bookmarkStart" => {
                let new = rename_bookmark(s);
                if new.is_some() {
                    state.count("bookmark names");
                }
                let new = new.unwrap_or_else(|| s.to_owned());
                write(same_kind(&evs[i], new))?;
            }
            Event::Start(s) | Event::Empty(s)
                if CONTENT_CONTROL_NAMES.contains(&s.name().as_ref()) =>
            {
                // A content control's name, tag and placeholder are free
                // text a reader never sees, so they are emptied whatever
                // they hold; an empty value is still valid.
                let new = clear_attribute(s, "w:val");
                if new.is_some() {
                    state.count("content control names and tags");
                }
                let new = new.unwrap_or_else(|| s.to_owned());
                write(same_kind(&evs[i], new))?;
            }
            Event::Start(s) | Event::Empty(s)
                if attr(s, "w:author").is_some_and(|a| !a.is_empty()) =>
            {
                // What is left of tracked changes once they are accepted
                // (a cell or table-row insertion, a custom XML range…)
                // names the reviser; the name goes, the change stays.
                state.count("tracked change authors");
                let new = clear_attribute(s, "w:author").unwrap_or_else(|| s.to_owned());
                write(same_kind(&evs[i], new))?;
            }
            e => write(e.borrow())?,
        }
        i += 1;
    }
    Ok(())
}

/// `new` as the same kind of tag as `e`: a start tag, or an empty one.
fn same_kind(e: &Event<'_>, new: BytesStart<'static>) -> Event<'static> {
    if matches!(e, Event::Start(_)) {
        Event::Start(new)
    } else {
        Event::Empty(new)
    }
}

/// Attributes that hold text a reader may see (or follow), redacted like
/// the text of a paragraph: a drawing's or picture's name (often the file
/// name of the photo), description and title, a simple field's code
/// (`HYPERLINK "mailto:…"`), a link's tooltip, the choices of a content
/// control's drop-down list or combo box, and in VML (older Word's shapes)
/// a shape's alternative text, an image's title and WordArt's text.
const TEXT_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("wp:docPr", &["name", "descr", "title"]),
    ("pic:cNvPr", &["name", "descr", "title"]),
    ("wps:cNvPr", &["name", "descr", "title"]),
    ("wpg:cNvPr", &["name", "descr", "title"]),
    ("w:fldSimple", &["w:instr"]),
    ("w:hyperlink", &["w:tooltip"]),
    ("w:listItem", &["w:displayText", "w:value"]),
    ("v:shape", &["alt", "title"]),
    ("v:rect", &["alt", "title"]),
    ("v:roundrect", &["alt", "title"]),
    ("v:oval", &["alt", "title"]),
    ("v:group", &["alt", "title"]),
    ("v:imagedata", &["o:title"]),
    ("v:textpath", &["string"]),
];

/// A bookmark's name as the author typed it ("Mrs_Okafor_address") is
/// replaced by one made from its id; names Word makes itself, which start
/// with `_` (`_Toc…`, `_Ref…`, `_GoBack`), hold no personal data and stay,
/// so tables of contents and cross-references made by Word keep working.
fn rename_bookmark(s: &BytesStart<'_>) -> Option<BytesStart<'static>> {
    let current = attr(s, "w:name")?;
    if current.is_empty() || current.starts_with('_') {
        return None;
    }
    let id = attr(s, "w:id").unwrap_or_default();
    let id: String = id.chars().filter(char::is_ascii_digit).collect();
    let mut new = BytesStart::new(s.name().as_ref().to_owned());
    for a in s.attributes().flatten() {
        if a.key.as_ref() == "w:name" {
            new.push_attribute(("w:name", format!("Bookmark{id}").as_str()));
        } else {
            new.push_attribute(a);
        }
    }
    Some(new)
}

/// The attributes of `s` that [`TEXT_ATTRIBUTES`] redacts, if any.
fn text_attributes(s: &BytesStart<'_>) -> Option<&'static [&'static str]> {
    TEXT_ATTRIBUTES
        .iter()
        .find(|(element, _)| s.name().as_ref() == *element)
        .map(|(_, keys)| *keys)
}

/// The elements of a content control's properties (`w:sdtPr`) whose
/// `w:val` is a name the author typed: its title, its tag, and the
/// glossary entry its placeholder text comes from.
const CONTENT_CONTROL_NAMES: &[&str] = &["w:alias", "w:tag", "w:docPart"];

/// A copy of `s` with the attribute `key` emptied, or `None` if it has no
/// such attribute or it is already empty.
fn clear_attribute(s: &BytesStart<'_>, key: &str) -> Option<BytesStart<'static>> {
    let mut changed = false;
    let mut new = BytesStart::new(s.name().as_ref().to_owned());
    for a in s.attributes().flatten() {
        if a.key.as_ref() == key && !a.value.is_empty() {
            changed = true;
            new.push_attribute((key, ""));
        } else {
            new.push_attribute(a);
        }
    }
    changed.then_some(new)
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
                "w:permStart" | "w:permEnd" => "editing permissions",
                "w:altChunk" | "o:OLEObject" => "embedded documents and objects",
                "w:customXmlPr" | "w:smartTagPr" | "w:dataBinding" => {
                    "custom XML properties and bindings"
                }
                n if n.ends_with("Change") => "formatting change records",
                _ => "comment and move anchors",
            };
            state.count(what);
        } else if UNWRAPPED_ELEMENTS.contains(&name) && matches!(e, Event::Start(_)) {
            unwrap[i] = true;
            unwrap[ends[i]] = true;
            state.count("tracked insertions accepted");
        } else if UNWRAPPED_ELEMENTS.contains(&name) {
            // An empty one marks an inserted paragraph mark in the
            // paragraph's run properties; accepting it removes the marker,
            // and with it the author's name and the date.
            skip[i] = true;
            state.count("tracked insertions accepted");
        } else if name == "w:drawing"
            && matches!(e, Event::Start(_))
            // A drawing is not kept whole in one stretch (outside a run, a
            // crafted one can be cut), so its end may be missing: `get`.
            && evs.get(i + 1..ends[i]).is_some_and(|inner| {
                inner
                    .iter()
                    .any(|e| DROPPED_GRAPHICS.iter().any(|g| name_is(e, g)))
            })
        {
            // Its data and text live in parts that are dropped; the
            // drawing would point at nothing.
            skip[i] = true;
            state.count("charts and diagrams");
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
    // Pieces and detections are both in order and detections do not
    // overlap, so each search starts where the last one ended (a paragraph
    // of many runs and many values stays linear).
    let mut owner: Vec<Option<usize>> = Vec::with_capacity(found.len());
    let mut from = 0;
    for d in &found {
        from += bounds[from..].partition_point(|&(_, e)| e <= d.start);
        let piece = (from..pieces.len())
            .take_while(|&k| bounds[k].0 < d.end)
            .find(|&k| pieces[k].event.is_some() && d.start < bounds[k].1);
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
    let mut first = 0;
    for (k, (piece, &(ps, pe))) in pieces.iter().zip(&bounds).enumerate() {
        let Some(event) = piece.event else { continue };
        // The detections this piece touches: those ending after it starts,
        // from the first such, while they start before it ends.
        first += found[first..].partition_point(|d| d.end <= ps);
        let touching: Vec<usize> = (first..found.len())
            .take_while(|&j| found[j].start < pe)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Analyzer, Operator, PseudonymTable};

    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing""#;

    /// A redacted part: the XML, the log, the counts of what was removed.
    type Part = (String, Vec<LogEntry>, HashMap<String, usize>);

    /// Redacts `xml` as the body, cut into stretches of `chunk` bytes.
    fn redact(xml: &str, chunk: u64, budget: u64) -> Result<Part, RedactError> {
        redact_bytes(xml.as_bytes(), chunk, budget)
    }

    /// [`redact`] of bytes that need not be UTF-8, as a zip entry's.
    fn redact_bytes(xml: &[u8], chunk: u64, budget: u64) -> Result<Part, RedactError> {
        let analyzer = Analyzer::default();
        let mut table = PseudonymTable::new();
        let mut state = State {
            analyzer: &analyzer,
            operator: &Operator::Pseudonym,
            table: &mut table,
            log: Vec::new(),
            removed: HashMap::new(),
            names: Default::default(),
        };
        let (mut out, mut log) = (Vec::new(), Vec::new());
        let read = redact_text_part(
            &mut state,
            "word/document.xml",
            xml.take(budget + 1),
            &super::super::unzips_too_large,
            &mut out,
            chunk,
            &mut |e| {
                log.push(e);
                Ok(())
            },
        )?;
        assert_eq!(read, xml.len() as u64);
        let out = String::from_utf8(out).expect("quick-xml writes UTF-8");
        Ok((out, log, state.removed))
    }

    /// A body with what a cut must not split: values across runs, a text
    /// box inside a paragraph, tables, tracked changes, hidden runs.
    fn body(paragraphs: usize) -> String {
        let mut xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W}><w:body>"#
        );
        for k in 0..paragraphs {
            xml.push_str(&match k % 5 {
                0 => format!(
                    r#"<w:p><w:r><w:t xml:space="preserve">Visit {k}: spoke to Sa</w:t></w:r><w:r><w:t>rah Thom</w:t></w:r><w:r><w:t xml:space="preserve">pson &amp; her son.</w:t></w:r></w:p>"#
                ),
                1 => r#"<w:tbl><w:tr><w:tc><w:p><w:r><w:t>NHS number 943 476 5919</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Call 07911 123456</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"#.to_owned(),
                2 => r#"<w:p><w:del w:id="1" w:author="Officer Deleter"><w:r><w:delText>Wendy Deleted</w:delText></w:r></w:del><w:ins w:id="2" w:author="Officer Inserter"><w:r><w:t>Mr John Inserted agreed.</w:t></w:r></w:ins><w:r><w:rPr><w:vanish/></w:rPr><w:t>Hidden Harriet</w:t></w:r></w:p>"#.to_owned(),
                3 => r#"<w:p><w:r><w:drawing><wp:inline><wp:docPr id="1" name="Box" descr="Photo of Sarah Thompson"/><w:txbxContent><w:p><w:r><w:t>NI number JH 12 34 56 C</w:t></w:r></w:p></w:txbxContent></wp:inline></w:drawing></w:r><w:r><w:t xml:space="preserve"> and Mrs Jane Bloggs of 12 High Street</w:t></w:r></w:p>"#.to_owned(),
                _ => "<w:p><w:r><w:t>nothing personal here at all</w:t></w:r></w:p>".to_owned(),
            });
        }
        xml.push_str("<w:sectPr/></w:body></w:document>");
        xml
    }

    #[test]
    fn content_control_names_and_tags_are_emptied_and_list_items_redacted() {
        let xml = format!(
            r#"<w:document {W}><w:body><w:sdt><w:sdtPr><w:alias w:val="Zebedee Quillfeather"/><w:tag w:val="Zebedee"/><w:placeholder><w:docPart w:val="Quillfeather"/></w:placeholder><w:dropDownList><w:listItem w:displayText="Sarah Thompson" w:value="jo.bloggs@example.com"/></w:dropDownList></w:sdtPr><w:sdtContent><w:p><w:r><w:t>Kept.</w:t></w:r></w:p></w:sdtContent></w:sdt></w:body></w:document>"#
        );
        let (out, log, removed) = redact(&xml, 1 << 20, u64::MAX - 1).unwrap();
        for secret in ["Zebedee", "Quillfeather", "Sarah", "jo.bloggs"] {
            assert!(!out.contains(secret), "{secret} in {out}");
        }
        assert!(
            out.contains(r#"<w:alias w:val=""/><w:tag w:val=""/>"#) && out.contains("Kept."),
            "{out}"
        );
        assert_eq!(removed["content control names and tags"], 3);
        assert_eq!(log.len(), 2);
    }

    #[test]
    fn field_codes_tooltips_and_inserted_paragraph_marks_leave_no_trace() {
        let xml = format!(
            r#"<w:document {W}><w:body><w:p><w:pPr><w:rPr><w:ins w:id="1" w:author="Officer Inserter" w:date="2025-01-01T00:00:00Z"/></w:rPr></w:pPr><w:fldSimple w:instr=" HYPERLINK &quot;mailto:jo.bloggs@example.com&quot; "><w:r><w:t>write</w:t></w:r></w:fldSimple><w:hyperlink w:tooltip="Email Sarah Thompson"><w:r><w:t>Kept.</w:t></w:r></w:hyperlink></w:p></w:body></w:document>"#
        );
        let (out, log, removed) = redact(&xml, 1 << 20, u64::MAX - 1).unwrap();
        for secret in ["Officer Inserter", "jo.bloggs", "Sarah", "Thompson"] {
            assert!(!out.contains(secret), "{secret} in {out}");
        }
        assert!(
            out.contains("<w:rPr></w:rPr>") && out.contains("Kept."),
            "{out}"
        );
        assert!(out.contains("HYPERLINK"), "{out}");
        assert_eq!(removed["tracked insertions accepted"], 1);
        assert_eq!(log.len(), 2);
    }

    #[test]
    fn reviser_names_and_editing_permissions_leave_no_trace() {
        let xml = format!(
            r#"<w:document {W}><w:body><w:permStart w:id="0" w:ed="Zebedee Quillfeather"/><w:tbl><w:tr><w:tc><w:tcPr><w:cellIns w:id="1" w:author="Zebedee Quillfeather" w:date="2025-01-01T00:00:00Z"/></w:tcPr><w:p><w:r><w:t>Kept.</w:t></w:r></w:p></w:tc></w:tr></w:tbl><w:permEnd w:id="0"/></w:body></w:document>"#
        );
        let (out, _, removed) = redact(&xml, 1 << 20, u64::MAX - 1).unwrap();
        assert!(!out.contains("Zebedee") && !out.contains("w:perm"), "{out}");
        assert!(
            out.contains(r#"w:author="""#) && out.contains("Kept."),
            "{out}"
        );
        assert_eq!(removed["editing permissions"], 2);
        assert_eq!(removed["tracked change authors"], 1);
    }

    #[test]
    fn picture_names_and_embedded_objects_leave_no_trace() {
        let xml = format!(
            r#"<w:document {W}><w:body><w:p><w:r><w:drawing><wp:inline><wp:docPr id="1" name="Photo of Sarah Thompson"/><pic:pic><pic:nvPicPr><pic:cNvPr id="0" name="Sarah Thompson" descr="Photo of Sarah Thompson"/></pic:nvPicPr></pic:pic></wp:inline></w:drawing></w:r><w:r><w:object><v:shape id="s1"/><o:OLEObject Type="Embed" r:id="rId9"/></w:object></w:r></w:p><w:altChunk r:id="rId10"/></w:body></w:document>"#
        );
        let (out, _, removed) = redact(&xml, 1 << 20, u64::MAX - 1).unwrap();
        assert!(!out.contains("Sarah") && !out.contains("Thompson"), "{out}");
        assert!(!out.contains("rId9") && !out.contains("rId10"), "{out}");
        assert!(out.contains("<v:shape"), "{out}");
        assert_eq!(removed["embedded documents and objects"], 2);
    }

    #[test]
    fn vml_alternative_text_wordart_and_bookmark_names_leave_no_trace() {
        let xml = format!(
            r#"<w:document {W}><w:body><w:p><w:bookmarkStart w:id="7" w:name="Sarah_Thompson_letter"/><w:bookmarkStart w:id="8" w:name="_GoBack"/><w:r><w:pict><v:shape id="s1" alt="Photo of Sarah Thompson" title="Mrs Sarah Thompson"><v:imagedata r:id="rId4" o:title="Sarah Thompson at home"/><v:textpath string="Dear Mrs Sarah Thompson"/></v:shape></w:pict></w:r><w:r><w:t>Kept.</w:t></w:r><w:bookmarkEnd w:id="7"/><w:bookmarkEnd w:id="8"/></w:p></w:body></w:document>"#
        );
        let (out, _, removed) = redact(&xml, 1 << 20, u64::MAX - 1).unwrap();
        assert!(!out.contains("Sarah") && !out.contains("Thompson"), "{out}");
        assert!(out.contains(r#"w:name="Bookmark7""#), "{out}");
        assert!(
            out.contains(r#"w:name="_GoBack""#),
            "Word's own bookmarks stay: {out}"
        );
        assert!(
            out.contains("<v:imagedata") && out.contains("<v:textpath") && out.contains("Kept."),
            "{out}"
        );
        assert_eq!(removed["bookmark names"], 1);
    }

    #[test]
    fn custom_xml_markup_and_bindings_leave_no_trace() {
        let xml = format!(
            r#"<w:document {W}><w:body><w:customXml w:element="client"><w:customXmlPr><w:attr w:name="id" w:val="Zebedee Quillfeather"/></w:customXmlPr><w:p><w:smartTag w:element="place"><w:smartTagPr><w:attr w:name="x" w:val="Zebedee"/></w:smartTagPr><w:r><w:t>Kept.</w:t></w:r></w:smartTag></w:p></w:customXml><w:sdt><w:sdtPr><w:dataBinding w:xpath="/case[name='Zebedee']" w:storeItemID="{{1}}"/></w:sdtPr><w:sdtContent><w:p/></w:sdtContent></w:sdt></w:body></w:document>"#
        );
        let (out, _, removed) = redact(&xml, 1 << 20, u64::MAX - 1).unwrap();
        assert!(!out.contains("Zebedee") && out.contains("Kept."), "{out}");
        assert_eq!(removed["custom XML properties and bindings"], 3);
    }

    #[test]
    fn an_unclosed_element_at_the_end_of_a_part_is_an_error_not_a_panic() {
        for tail in [
            "<w:r>",
            "<w:p><w:r>",
            "<w:r><w:drawing>",
            "<w:t>",
            "<w:ins>",
        ] {
            let xml = format!(r#"<w:document {W}><w:body><w:p>{tail}"#);
            let e = redact(&xml, 1 << 20, u64::MAX - 1).unwrap_err();
            assert_eq!(e.code(), "redact.docx_invalid", "{tail}");
        }
    }

    #[test]
    fn a_part_cut_off_anywhere_is_redacted_or_refused_never_a_panic() {
        let xml = body(10);
        for end in 0..=xml.len() {
            for chunk in [64, 1 << 20] {
                // Only whether it returns matters: any cut is an answer.
                let _ = redact_bytes(&xml.as_bytes()[..end], chunk, u64::MAX - 1);
            }
        }
    }

    #[test]
    fn charts_and_diagrams_go_with_their_parts() {
        let xml = format!(
            r#"<w:document {W}><w:body><w:p><w:r><w:drawing><wp:inline><a:graphic><a:graphicData><c:chart r:id="rId5"/></a:graphicData></a:graphic></wp:inline></w:drawing></w:r><w:r><w:drawing><wp:inline><a:graphic><a:graphicData><dgm:relIds r:dm="rId6"/></a:graphicData></a:graphic></wp:inline></w:drawing></w:r><w:r><w:t>Kept.</w:t></w:r></w:p></w:body></w:document>"#
        );
        let (out, _, removed) = redact(&xml, 1 << 20, u64::MAX - 1).unwrap();
        assert!(
            !out.contains("rId5") && !out.contains("rId6") && out.contains("Kept."),
            "{out}"
        );
        assert_eq!(removed["charts and diagrams"], 2);
        // Outside a run, a drawing may be cut across stretches: no panic.
        let paragraphs = "<w:p><w:r><w:t>Kept.</w:t></w:r></w:p>".repeat(50);
        let xml = format!(
            r#"<w:document {W}><w:body><w:drawing>{paragraphs}<c:chart r:id="rId5"/></w:drawing></w:body></w:document>"#
        );
        assert!(redact(&xml, 64, u64::MAX - 1).is_ok());
    }

    #[test]
    fn cutting_a_part_into_stretches_changes_nothing_in_the_output_or_the_log() {
        let xml = body(40);
        let whole = redact(&xml, u64::MAX, u64::MAX - 1).unwrap();
        for secret in [
            "Sa<", "rah", "Thom", "5919", "07911", "Wendy", "Harriet", "Inserted", "JH 12",
            "Bloggs",
        ] {
            assert!(!whole.0.contains(secret), "{secret} survived:\n{}", whole.0);
        }
        // Cut wherever a cut is allowed, and every few paragraphs.
        for chunk in [0, 1, 300, 2000] {
            let cut = redact(&xml, chunk, u64::MAX - 1).unwrap();
            let at = cut
                .0
                .bytes()
                .zip(whole.0.bytes())
                .take_while(|(a, b)| a == b)
                .count();
            assert_eq!(
                cut.0.len(),
                at,
                "chunk {chunk}: the output differs at byte {at}: {:?} where whole: {:?}",
                &cut.0[at.saturating_sub(80)..(at + 80).min(cut.0.len())],
                &whole.0[at.saturating_sub(80)..(at + 80).min(whole.0.len())]
            );
            assert_eq!(cut.0.len(), whole.0.len(), "chunk {chunk}");
            // The same entries; image descriptions are logged as their
            // stretch is written, so they come earlier when cut.
            let sorted = |log: &[LogEntry]| {
                let mut log: Vec<String> = log.iter().map(|e| format!("{e:?}")).collect();
                log.sort();
                log
            };
            assert_eq!(sorted(&cut.1), sorted(&whole.1), "chunk {chunk}");
            assert_eq!(cut.2, whole.2, "chunk {chunk}");
        }
    }

    #[test]
    fn a_paragraph_over_the_limit_is_refused_but_a_long_part_of_short_ones_is_not() {
        let long = "x".repeat(MAX_PARAGRAPH_BYTES as usize + 10);
        let xml = format!(
            r#"<w:document {W}><w:body><w:p><w:r><w:t>{long}</w:t></w:r></w:p></w:body></w:document>"#
        );
        let e = redact(&xml, CHUNK_BYTES, u64::MAX - 1).unwrap_err();
        assert_eq!(e.code(), "redact.too_large");
        let message = e.to_string();
        assert!(
            message.contains("word/document.xml") && message.contains("paragraph"),
            "{message}"
        );
        // Many short paragraphs adding up to more than the limit are fine.
        let short = format!("<w:p><w:r><w:t>{}</w:t></w:r></w:p>", "x".repeat(1000));
        let count = MAX_PARAGRAPH_BYTES as usize / 1000 + 100;
        let xml = format!(
            r#"<w:document {W}><w:body>{}</w:body></w:document>"#,
            short.repeat(count)
        );
        let (out, log, _) = redact(&xml, CHUNK_BYTES, u64::MAX - 1).unwrap();
        assert_eq!(out, xml);
        assert!(log.is_empty());
    }

    #[test]
    fn broken_or_oversized_xml_is_an_error_not_a_partial_part() {
        let xml = body(3);
        let cut = &xml[..xml.len() - 20];
        let e = redact(cut, 0, u64::MAX - 1).unwrap_err();
        assert!(e.to_string().contains("word/document.xml"), "{e}");
        assert_eq!(e.code(), "redact.docx_invalid");
        // Running past what is left of the document's unzipped budget.
        let e = redact(&xml, 0, 100).unwrap_err();
        assert_eq!(e.code(), "redact.too_large");
        let mut bad = xml.clone().into_bytes();
        let at = bad.len() / 2;
        bad[at] = 0xff;
        // Not UTF-8: the bytes go in as a reader, as from the zip entry.
        let e = redact_bytes(&bad, 0, u64::MAX - 1).unwrap_err();
        assert_eq!(e.code(), "redact.docx_invalid");
        assert!(e.to_string().contains("word/document.xml"), "{e}");
    }
}
