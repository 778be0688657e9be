//! Word documents (`.docx`) with true redaction.
//!
//! The text is removed from the document XML itself, not covered up.
//! Personal data is found in the text of each paragraph as a reader sees
//! it, so a name split across Word's runs ("Sa" + "rah") is still found,
//! and the replacement is written into the first run while the rest of the
//! value is deleted from the others. This is done in the body (including
//! text boxes and tables), headers, footers, footnotes and endnotes.
//!
//! Everything a reader does not see is removed: comments (and their
//! anchors), tracked deletions and moves (insertions are accepted), the
//! records of formatting changes, hidden text, and the document properties
//! (author, last modified by, company…). External link targets such as
//! `mailto:` addresses are redacted too; content controls' names and tags
//! are emptied, and XML comments and processing instructions are dropped
//! from every part. Only the parts known to be safe are kept (the text
//! parts, styles, settings, numbering, fonts, theme and pictures): custom
//! XML data, embedded files, thumbnails and any part this module does not
//! know are dropped, with the relationships and content-type overrides
//! that point at them, and counted in what was removed by kind, number and
//! size ("unknown part 3 (4.2 KB) dropped"), never by name or content: a
//! part's name can itself be personal data (`customXml/Jane Smith.xml`).
//! The log and the errors name a part only by a name Word itself gives
//! (`word/document.xml`, `word/header2.xml`), and any other by its number
//! in the package ([`part_label`]). A zip entry name that could escape the folder it is
//! unzipped into, or a DOCTYPE (whose entities could hide text), refuses
//! the document. Pictures, headers, footers, themes and fonts are kept
//! under neutral names (`image1.png`, `header1.xml`…): a file name chosen
//! by an author or a tool can name a person (`names`). The package is read
//! and written a part at a time
//! ([`redact_stream`]), and the parts a reader reads are
//! read and written a stretch of paragraphs at a time, so memory is bounded
//! by the longest paragraph ([`MAX_PARAGRAPH_BYTES`]), not the document.
//! The small parts that are rewritten whole (relationships, content types)
//! are held in memory up to [`MAX_PART_BYTES`]. The work is bounded by the
//! XML of the text parts, which the caller limits (a server, to what one
//! upload may cost): checked against the sizes the package declares
//! before anything is inflated, and against what each part really
//! inflates to. A corrupt or unexpected file is an error, and the caller
//! discards what was written.
//!
//! This module handles the package (which parts are kept, dropped or
//! rewritten); `text` redacts the parts a reader reads; `xml` holds the
//! event-list plumbing both use.

mod names;
mod text;
mod xml;

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{Cursor, Read, Seek, Write};

use quick_xml::events::{BytesStart, Event};
use serde::Serialize;

use crate::analyzer::Analyzer;
use crate::error::RedactError;
use crate::operator::{LogEntry, Operator, PseudonymTable, replacement};
use xml::{attr, events, matching_ends, write_events};

/// The most a document may expand to when unzipped, against zip bombs.
const MAX_UNZIPPED: u64 = 512 * 1024 * 1024;

/// The most entries a package may have. Word writes tens; a document with
/// thousands of pictures stays well below it. More is a crafted file,
/// refused before any entry is read.
const MAX_ENTRIES: usize = 10_000;

/// The largest XML part that is rewritten whole (the relationships, the
/// content types): such a part is held in memory as a list of XML events,
/// which costs several times its size, so a larger one is refused with an
/// error naming it rather than let memory grow. The parts a reader reads
/// are streamed instead (see [`MAX_PARAGRAPH_BYTES`]), and other parts
/// (images, styles) are copied through whatever their size.
pub const MAX_PART_BYTES: u64 = 8 * 1024 * 1024;

pub use text::MAX_PARAGRAPH_BYTES;

/// No limit on the text parts' XML beyond the package's own
/// ([`MAX_UNZIPPED`], 512 MiB), for a caller redacting files it trusts.
pub const UNLIMITED_TEXT_XML: u64 = u64::MAX;

/// Parts deleted from the package, with what they hold.
const DROPPED_PARTS: &[(&str, &str)] = &[
    ("word/comments.xml", "comments"),
    ("word/commentsExtended.xml", "comments"),
    ("word/commentsIds.xml", "comments"),
    ("word/commentsExtensible.xml", "comments"),
    ("word/people.xml", "comment authors"),
    ("docProps/custom.xml", "custom document properties"),
];

/// Parts kept (rewritten or copied) besides the text parts
/// ([`is_text_part`]): the ones Word needs to lay out the text, which hold
/// no text of their own beyond names of styles and fonts. Each is also
/// known inside `word/glossary/` (the building blocks' own styles…).
const KNOWN_PARTS: &[&str] = &[
    "styles.xml",
    "stylesWithEffects.xml",
    "settings.xml",
    "webSettings.xml",
    "fontTable.xml",
    "numbering.xml",
];

/// Folders under `word/` whose files are kept: the theme, pictures (which
/// a reader sees, and which this module cannot redact) and embedded fonts.
const KNOWN_FOLDERS: &[&str] = &["theme/", "media/", "fonts/"];

/// What becomes of a part: `None` if it is kept, or what it held if it is
/// dropped. Anything not known to be safe is dropped, so a part Civic does
/// not read (custom XML data, embedded files, a macro project, a
/// thumbnail of the first page, a part of an extension) never leaves
/// unredacted. A relationships part goes with the part it belongs to.
fn dropped_part(name: &str) -> Option<&'static str> {
    if let Some((_, what)) = DROPPED_PARTS.iter().find(|(p, _)| *p == name) {
        return Some(what);
    }
    if name.starts_with("customXml/") {
        return Some("custom XML data");
    }
    if let Some(at) = name.rfind("_rels/")
        && (at == 0 || name[..at].ends_with('/'))
        && let Some(file) = name[at + "_rels/".len()..].strip_suffix(".rels")
        && !file.contains('/')
    {
        // `_rels/.rels` belongs to the package itself.
        return match file {
            "" if at == 0 => None,
            _ => dropped_part(&format!("{}{file}", &name[..at])).map(|_| "relationships"),
        };
    }
    let known = match name {
        "[Content_Types].xml" | "docProps/core.xml" | "docProps/app.xml" => true,
        n if is_text_part(n) => true,
        n => n
            .strip_prefix("word/glossary/")
            .or_else(|| n.strip_prefix("word/"))
            .is_some_and(|file| {
                KNOWN_PARTS.contains(&file)
                    || (n.starts_with("word/")
                        && !n.starts_with("word/glossary/")
                        && KNOWN_FOLDERS.iter().any(|f| {
                            file.strip_prefix(f)
                                .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
                        }))
            }),
    };
    (!known).then_some("unknown")
}

/// The part a relationship in the relationships part `rels` points at,
/// as a part name, or `None` if the target climbs out of the package.
/// Targets are relative to the folder that holds the `_rels` folder,
/// unless they start with `/`.
fn relationship_target(rels: &str, target: &str) -> Option<String> {
    let base = rels.rfind("_rels/").map_or("", |at| &rels[..at]);
    let joined = match target.strip_prefix('/') {
        Some(absolute) => absolute.to_owned(),
        None => format!("{base}{target}"),
    };
    let mut segments = Vec::new();
    for segment in joined.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop()?;
            }
            s => segments.push(s),
        }
    }
    Some(segments.join("/"))
}

/// Elements dropped from a document's settings: document variables (any
/// text a macro or an add-in stored), the attached template (a path that
/// often holds the author's user name) and mail merge settings (the data
/// source's path and the query, which can name a person).
const SETTINGS_DROPPED: &[&str] = &["w:docVars", "w:attachedTemplate", "w:mailMerge"];

/// Relationship types of what [`SETTINGS_DROPPED`] removes, which go with it.
const SETTINGS_RELATIONSHIPS: &[&str] = &[
    "/attachedTemplate",
    "/mailMergeSource",
    "/mailMergeHeaderSource",
    "/recipientData",
];

/// Whether a part is a settings part (the document's or the building blocks').
fn is_settings(name: &str) -> bool {
    matches!(name, "word/settings.xml" | "word/glossary/settings.xml")
}

const CORE_PROPERTIES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"></cp:coreProperties>"#;

const APP_PROPERTIES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"></Properties>"#;

/// A redacted document, its log, and what was removed besides the text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocxRedacted {
    #[serde(skip)]
    pub bytes: Vec<u8>,
    pub log: Vec<LogEntry>,
    /// Counts of what was removed, e.g. `{"comments": 2, "hidden runs": 1}`.
    pub removed: HashMap<String, usize>,
}

/// The most a part over [`RATIO_FLOOR`] bytes may expand against its
/// compressed size. Deflate cannot exceed about 1,030 times; the XML of real
/// documents, even long repetitive tables, stays well under 100 times, while a
/// zip bomb's runs of one byte reach the maximum.
const MAX_RATIO: u64 = 200;

/// Parts smaller than this (1 MiB) are not checked for their ratio: a small
/// part cannot cost much whatever it expands to.
const RATIO_FLOOR: u64 = 1 << 20;

/// Whether a part that declares `size` bytes from `compressed` bytes expands
/// like a zip bomb (see [`MAX_RATIO`]); checked from the central directory,
/// before anything is inflated.
fn expands_like_a_bomb(size: u64, compressed: u64) -> bool {
    size > RATIO_FLOOR && size / compressed.max(1) > MAX_RATIO
}

/// A package that unzips past [`MAX_UNZIPPED`] (a zip bomb, or simply too big).
fn unzips_too_large() -> RedactError {
    RedactError::TooLarge(format!(
        "the Word document unzips to more than {} MB",
        MAX_UNZIPPED >> 20
    ))
}

/// A document whose text parts hold more than `limit` bytes of XML: as
/// `declared` by the package, or found while inflating them (`None`).
fn too_much_text_xml(limit: u64, declared: Option<u64>) -> RedactError {
    let limit = size_text(limit);
    let what = "the Word document's text parts (body, headers, footers, notes)";
    RedactError::TooLarge(match declared {
        Some(bytes) => format!(
            "{what} hold {} of XML, more than the {limit} Civic rewrites in one document; split the document",
            size_text(bytes)
        ),
        None => format!(
            "{what} inflate to more than the {limit} of XML Civic rewrites in one document (more than their sizes in the package say); split the document"
        ),
    })
}

fn docx_err(what: impl std::fmt::Display) -> RedactError {
    RedactError::Docx(what.to_string())
}

/// Redacts a `.docx` file held in memory, rewriting at most `max_text_xml`
/// bytes of text parts' XML; see [`redact_stream`], which this collects.
pub fn redact(
    analyzer: &Analyzer,
    input: &[u8],
    operator: &Operator,
    table: &mut PseudonymTable,
    max_text_xml: u64,
) -> Result<DocxRedacted, RedactError> {
    let mut out = Cursor::new(Vec::with_capacity(input.len()));
    let mut log = Vec::new();
    let removed = redact_stream(
        analyzer,
        Cursor::new(input),
        &mut out,
        operator,
        table,
        max_text_xml,
        |e| {
            log.push(e);
            Ok(())
        },
    )?;
    Ok(DocxRedacted {
        bytes: out.into_inner(),
        log,
        removed,
    })
}

/// Redacts a `.docx` package read from `input` (a file, or bytes in a
/// cursor) into `output`, one part at a time: text parts are streamed a
/// stretch of paragraphs at a time, the small parts rewritten whole are
/// held in memory (at most [`MAX_PART_BYTES`] of XML), other parts are
/// copied through, and log entries are handed to `on_entry` as each
/// stretch or part is done. Returns the counts of what was
/// removed besides the personal data. On an error, what was written to
/// `output` is not a usable document and must be discarded.
///
/// A document whose text parts hold more than `max_text_xml` bytes of XML
/// is refused with [`RedactError::TooLarge`] naming the limit: before
/// anything is inflated when the package declares it, or as soon as the
/// parts inflate past it.
pub fn redact_stream<R: Read + Seek, W: Write + Seek>(
    analyzer: &Analyzer,
    input: R,
    output: W,
    operator: &Operator,
    table: &mut PseudonymTable,
    max_text_xml: u64,
    mut on_entry: impl FnMut(LogEntry) -> Result<(), RedactError>,
) -> Result<HashMap<String, usize>, RedactError> {
    let mut archive =
        zip::ZipArchive::new(input).map_err(|e| docx_err(format!("not a zip file ({e})")))?;
    if archive.len() > MAX_ENTRIES {
        return Err(RedactError::TooLarge(format!(
            "the Word document has {} parts, more than the {MAX_ENTRIES} Civic reads",
            archive.len()
        )));
    }
    // What the package says it unzips to, from the central directory: a
    // zip bomb that declares its size honestly is refused before any of it
    // is inflated. One that understates it fails as soon as a part inflates
    // past its declared size: the zip reader stops there (tested in
    // `a_part_inflating_past_its_declared_size_is_refused_at_that_size`).
    let mut declared = 0u64;
    let mut declared_text_xml = 0u64;
    let mut bomb = None;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| docx_err(format!("unreadable zip entry ({e})")))?;
        declared = declared.saturating_add(entry.size());
        if entry.name().is_ok_and(|n| is_text_part(&n)) {
            declared_text_xml = declared_text_xml.saturating_add(entry.size());
        }
        if bomb.is_none() && expands_like_a_bomb(entry.size(), entry.compressed_size()) {
            let label = entry.name().map_or_else(
                |_| format!("part {}", i + 1),
                |n| part_label(i + 1, &n).into_owned(),
            );
            bomb = Some((label, entry.size(), entry.compressed_size()));
        }
    }
    if declared > MAX_UNZIPPED {
        return Err(RedactError::TooLarge(format!(
            "the Word document declares {} MB unzipped, more than the {} MB Civic reads",
            declared >> 20,
            MAX_UNZIPPED >> 20
        )));
    }
    if declared_text_xml > max_text_xml {
        return Err(too_much_text_xml(max_text_xml, Some(declared_text_xml)));
    }
    if let Some((label, size, compressed)) = bomb {
        return Err(RedactError::TooLarge(format!(
            "the Word document's {label} unzips to {} MB from {} KB, more than {MAX_RATIO} \
             times its compressed size: a zip bomb, not a document",
            size >> 20,
            compressed >> 10
        )));
    }
    // The names come from the central directory: nothing is unzipped yet,
    // so an unsafe name refuses the document before anything is written.
    let mut has_document = false;
    let mut names = Vec::with_capacity(archive.len());
    for (i, n) in archive.file_names().enumerate() {
        let n = n.map_err(|e| docx_err(format!("unreadable zip entry name ({e})")))?;
        check_entry_name(i + 1, &n)?;
        has_document |= n == "word/document.xml";
        names.push(n.into_owned());
    }
    if !has_document {
        return Err(docx_err(
            "no word/document.xml: this is not a Word document",
        ));
    }
    let part_names = names::PartNames::new(names.iter().map(String::as_str));
    drop(names);
    let mut state = State {
        analyzer,
        operator,
        table,
        log: Vec::new(),
        removed: HashMap::new(),
        names: part_names,
    };
    if state.names.pictures() > 0 {
        state
            .removed
            .insert("picture file names".to_owned(), state.names.pictures());
    }
    if state.names.others() > 0 {
        state.removed.insert(
            "header, footer, theme and font file names".to_owned(),
            state.names.others(),
        );
    }
    let mut out = zip::ZipWriter::new(output);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut total = 0u64;
    let mut text_xml = 0u64;
    for i in 0..archive.len() {
        let mut file = archive
            .by_index(i)
            .map_err(|e| docx_err(format!("unreadable zip entry ({e})")))?;
        if file.is_dir() {
            continue;
        }
        let name = file
            .name()
            .map_err(|e| docx_err(format!("unreadable zip entry name ({e})")))?
            .into_owned();
        let number = i + 1;
        // Checked again here in case the local header's name differs from
        // the central directory's.
        check_entry_name(number, &name)?;
        let label = part_label(number, &name);
        if let Some(what) = dropped_part(&name) {
            // Neither its name nor its content is logged: either can be
            // personal data.
            state.count(&format!(
                "{what} part {number} ({}) dropped",
                size_text(file.size())
            ));
            continue;
        }
        let budget = MAX_UNZIPPED.saturating_sub(total);
        if is_text_part(&name) {
            // Read, redacted and written a stretch at a time (a header or
            // footer under its new name), up to whichever budget is
            // smaller; a part that declared less than it inflates to is
            // stopped there.
            let text_budget = max_text_xml.saturating_sub(text_xml);
            let (limit, over_budget): (u64, &dyn Fn() -> RedactError) = if text_budget < budget {
                (text_budget, &|| too_much_text_xml(max_text_xml, None))
            } else {
                (budget, &unzips_too_large)
            };
            out.start_file(state.names.of(&name), options)
                .map_err(docx_err)?;
            let read = text::redact_text_part(
                &mut state,
                &label,
                (&mut file).take(limit + 1),
                over_budget,
                &mut out,
                text::CHUNK_BYTES,
                &mut on_entry,
            )?;
            total += read;
            text_xml += read;
            continue;
        }
        let rewrite = match name.as_str() {
            "docProps/core.xml" | "docProps/app.xml" | "[Content_Types].xml" => true,
            n => n.ends_with(".rels"),
        };
        let new_bytes = if rewrite {
            let bytes = read_part(&mut file, &label, budget)?;
            total += bytes.len() as u64;
            Some(match name.as_str() {
                "docProps/core.xml" => {
                    state.count("document properties");
                    CORE_PROPERTIES.as_bytes().to_vec()
                }
                "docProps/app.xml" => APP_PROPERTIES.as_bytes().to_vec(),
                "[Content_Types].xml" => state.names.content_types(
                    &label,
                    filter_xml(&label, &bytes, |e| !is_dropped_override(e))?,
                )?,
                _ => redact_rels(&mut state, &name, &label, &bytes)?,
            })
        } else {
            None
        };
        // A renamed part under its new name; every other part under its own.
        out.start_file(state.names.of(&name), options)
            .map_err(docx_err)?;
        match new_bytes {
            Some(bytes) => out.write_all(&bytes).map_err(docx_err)?,
            None if name.ends_with(".xml") => {
                let drop = if is_settings(&name) {
                    SETTINGS_DROPPED
                } else {
                    &[]
                };
                let (copied, dropped) =
                    xml::copy_xml_part(&label, (&mut file).take(budget + 1), &mut out, drop)?;
                total += copied;
                for (what, n) in [
                    ("XML comments and processing instructions", dropped.comments),
                    (
                        "document variables, template and mail merge settings",
                        dropped.elements,
                    ),
                ] {
                    if n > 0 {
                        *state.removed.entry(what.to_owned()).or_default() += n;
                    }
                }
            }
            None => {
                let copied = std::io::copy(&mut (&mut file).take(budget + 1), &mut out)
                    .map_err(|e| docx_err(format!("{label}: {e}")))?;
                total += copied;
            }
        }
        if total > MAX_UNZIPPED {
            return Err(unzips_too_large());
        }
        for entry in state.log.drain(..) {
            on_entry(entry)?;
        }
    }
    out.finish().map_err(docx_err)?;
    Ok(state.removed)
}

/// Refuses a zip entry name that could escape the folder the output is
/// unzipped into, or be read differently by another tool: an absolute
/// name, a drive letter, a `..` component, a backslash (a separator on
/// Windows) or a NUL. Word never writes such names, so the document is
/// refused rather than the name cleaned, and the error names the entry by
/// its number (the name itself could be personal data).
fn check_entry_name(number: usize, name: &str) -> Result<(), RedactError> {
    let bytes = name.as_bytes();
    let why = if name.is_empty() {
        "is empty"
    } else if name.contains('\0') {
        "contains a NUL character"
    } else if name.contains('\\') {
        "contains a backslash"
    } else if name.starts_with('/') {
        "is an absolute path"
    } else if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        "starts with a drive letter"
    } else if name.split('/').any(|c| c == "..") {
        "has a '..' component that climbs out of the package"
    } else {
        return Ok(());
    };
    Err(docx_err(format!(
        "the name of zip entry {number} {why}; Word never writes such a name and it could escape the folder the file is unzipped into, so the document is refused"
    )))
}

/// Reads one XML part (`label` names it in errors), refusing one larger
/// than [`MAX_PART_BYTES`] or than what is left of the unzipped budget.
fn read_part(file: &mut impl Read, label: &str, budget: u64) -> Result<Vec<u8>, RedactError> {
    let limit = budget.min(MAX_PART_BYTES);
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| docx_err(format!("{label}: {e}")))?;
    if bytes.len() as u64 > MAX_PART_BYTES {
        return Err(RedactError::TooLarge(format!(
            "the Word document's part {label} is larger than {} MiB, the most Civic rewrites in one part; split the document",
            MAX_PART_BYTES >> 20
        )));
    }
    if bytes.len() as u64 > budget {
        return Err(unzips_too_large());
    }
    Ok(bytes)
}

struct State<'a> {
    analyzer: &'a Analyzer,
    operator: &'a Operator,
    table: &'a mut PseudonymTable,
    log: Vec<LogEntry>,
    removed: HashMap<String, usize>,
    /// The pictures' new names.
    names: names::PartNames,
}

impl State<'_> {
    fn count(&mut self, what: &str) {
        *self.removed.entry(what.to_owned()).or_default() += 1;
    }

    /// Redacts a string, returning the new string (or `None` if unchanged).
    fn redact_str(&mut self, value: &str, location: &str) -> Option<String> {
        let found = self.analyzer.analyze(value);
        if found.is_empty() {
            return None;
        }
        let mut out = String::with_capacity(value.len());
        let mut at = 0;
        for d in &found {
            let v = d.value(value);
            out.push_str(&value[at..d.start]);
            out.push_str(&replacement(v, d.label, self.operator, self.table));
            self.log
                .push(LogEntry::new(d, v, self.operator).at(location));
            at = d.end;
        }
        out.push_str(&value[at..]);
        Some(out)
    }
}

fn is_text_part(name: &str) -> bool {
    let Some(file) = name.strip_prefix("word/") else {
        return false;
    };
    matches!(
        file,
        "document.xml" | "footnotes.xml" | "endnotes.xml" | "glossary/document.xml"
    ) || ((file.starts_with("header") || file.starts_with("footer"))
        && file.ends_with(".xml")
        && !file.contains('/'))
}

/// Whether a content-types entry is an override for a dropped part, which
/// must go with it.
fn is_dropped_override(e: &BytesStart<'_>) -> bool {
    e.name().as_ref() == "Override"
        && attr(e, "PartName").is_some_and(|p| dropped_part(p.trim_start_matches('/')).is_some())
}

/// Drops the elements (and their content) that `keep` rejects.
fn filter_xml(
    name: &str,
    bytes: &[u8],
    keep: impl Fn(&BytesStart<'_>) -> bool,
) -> Result<Vec<u8>, RedactError> {
    let evs = events(name, bytes)?;
    let ends = matching_ends(&evs);
    let mut skip_to = 0;
    let mut kept = Vec::with_capacity(evs.len());
    for (i, e) in evs.into_iter().enumerate() {
        if i < skip_to {
            continue;
        }
        match &e {
            Event::Start(s) if !keep(s) => skip_to = ends[i] + 1,
            Event::Empty(s) if !keep(s) => {}
            _ => kept.push(e),
        }
    }
    write_events(name, kept.into_iter())
}

/// Relationships: drop those to dropped parts, point those to pictures at
/// their new names, redact external targets. `name` is the part's name in
/// the package, `label` what the log and errors call it.
fn redact_rels(
    state: &mut State<'_>,
    name: &str,
    label: &str,
    bytes: &[u8],
) -> Result<Vec<u8>, RedactError> {
    let evs = events(label, bytes)?;
    let mut out = Vec::with_capacity(evs.len());
    for e in evs {
        let rel = match &e {
            Event::Empty(s) | Event::Start(s) if s.name().as_ref() == "Relationship" => {
                Some(s.clone())
            }
            _ => None,
        };
        let Some(rel) = rel else {
            out.push(e);
            continue;
        };
        let target = attr(&rel, "Target").unwrap_or_default();
        let external = attr(&rel, "TargetMode").is_some_and(|m| m == "External");
        // A relationship to a dropped part goes too, so that Word does not
        // look for the part and call the document damaged.
        if !external
            && relationship_target(name, &target).is_none_or(|t| dropped_part(&t).is_some())
        {
            continue;
        }
        let kind = attr(&rel, "Type").unwrap_or_default();
        if SETTINGS_RELATIONSHIPS.iter().any(|t| kind.ends_with(t)) {
            state.count("document variables, template and mail merge settings");
            continue;
        }
        if !external && let Some(new) = state.names.target(name, &target) {
            let new = names::with_attribute(&rel, "Target", &new);
            out.push(match e {
                Event::Start(_) => Event::Start(new),
                _ => Event::Empty(new),
            });
            continue;
        }
        match external.then(|| state.redact_str(&target, label)).flatten() {
            Some(_) => {
                let mut new = BytesStart::new("Relationship");
                for a in rel.attributes().flatten() {
                    if a.key.as_ref() == "Target" {
                        new.push_attribute(("Target", "#redacted"));
                    } else {
                        new.push_attribute(a);
                    }
                }
                out.push(Event::Empty(new));
            }
            None => out.push(e),
        }
    }
    write_events(label, out.into_iter())
}

/// How the log and errors name a part: by its name when it is one Word
/// itself gives, or else by its number in the package (`part 7`), since an
/// author's file name, or a crafted one, can hold personal data
/// (`customXml/Jane Smith.xml`, `word/media/Jane.png`).
fn part_label(number: usize, name: &str) -> Cow<'_, str> {
    if is_word_name(name) {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(format!("part {number}"))
    }
}

/// Whether `name` is one of the names Word gives parts, which say what a
/// part is and nothing of what it holds.
fn is_word_name(name: &str) -> bool {
    // A relationships part is named after its part.
    if let Some(at) = name.rfind("_rels/")
        && let Some(file) = name[at + "_rels/".len()..].strip_suffix(".rels")
    {
        return (name == "_rels/.rels")
            || (!file.is_empty() && is_word_name(&format!("{}{file}", &name[..at])));
    }
    let numbered = |file: &str, stem: &str| {
        file.strip_prefix(stem)
            .and_then(|rest| rest.strip_suffix(".xml"))
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
    };
    match name {
        "[Content_Types].xml"
        | "docProps/core.xml"
        | "docProps/app.xml"
        | "docProps/custom.xml"
        | "word/document.xml"
        | "word/footnotes.xml"
        | "word/endnotes.xml"
        | "word/glossary/document.xml" => true,
        n if DROPPED_PARTS.iter().any(|(p, _)| *p == n) => true,
        n => {
            let file = n
                .strip_prefix("word/glossary/")
                .or_else(|| n.strip_prefix("word/"));
            file.is_some_and(|f| {
                KNOWN_PARTS.contains(&f)
                    || numbered(f, "header")
                    || numbered(f, "footer")
                    || numbered(f, "theme/theme")
            }) || n
                .strip_prefix("customXml/")
                .is_some_and(|f| numbered(f, "item") || numbered(f, "itemProps"))
        }
    }
}

/// A size as a person reads it: `812 bytes`, `4.2 KB`, `3.1 MB`.
fn size_text(bytes: u64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} bytes"),
        b if b < 1024 * 1024 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_large_parts_that_expand_like_a_bomb_are_refused() {
        assert!(!super::expands_like_a_bomb(1 << 20, 1));
        assert!(!super::expands_like_a_bomb(50 << 20, 1 << 20));
        assert!(super::expands_like_a_bomb(300 << 20, 300 << 10));
        assert!(super::expands_like_a_bomb(2 << 20, 0));
    }

    use super::*;

    #[test]
    fn only_known_parts_are_kept_and_relationships_go_with_their_part() {
        for kept in [
            "[Content_Types].xml",
            "_rels/.rels",
            "docProps/core.xml",
            "word/document.xml",
            "word/_rels/document.xml.rels",
            "word/header2.xml",
            "word/_rels/header2.xml.rels",
            "word/styles.xml",
            "word/theme/theme1.xml",
            "word/media/image1.png",
            "word/glossary/document.xml",
            "word/glossary/_rels/document.xml.rels",
            "word/glossary/styles.xml",
        ] {
            assert_eq!(dropped_part(kept), None, "{kept}");
        }
        for (dropped, what) in [
            ("customXml/item1.xml", "custom XML data"),
            ("customXml/itemProps1.xml", "custom XML data"),
            ("customXml/_rels/item1.xml.rels", "custom XML data"),
            ("word/comments.xml", "comments"),
            ("word/_rels/comments.xml.rels", "relationships"),
            ("word/embeddings/oleObject1.bin", "unknown"),
            ("word/_rels/vbaProject.bin.rels", "relationships"),
            ("docProps/thumbnail.jpeg", "unknown"),
            ("docProps/custom.xml", "custom document properties"),
            ("word/media/nested/x.png", "unknown"),
            ("word/glossary/media/x.png", "unknown"),
            ("secret.xml", "unknown"),
        ] {
            assert_eq!(dropped_part(dropped), Some(what), "{dropped}");
        }
    }

    #[test]
    fn relationship_targets_resolve_against_the_folder_of_their_part() {
        let cases = [
            (
                "_rels/.rels",
                "word/document.xml",
                Some("word/document.xml"),
            ),
            (
                "_rels/.rels",
                "/word/document.xml",
                Some("word/document.xml"),
            ),
            (
                "word/_rels/document.xml.rels",
                "styles.xml",
                Some("word/styles.xml"),
            ),
            (
                "word/_rels/document.xml.rels",
                "../customXml/item1.xml",
                Some("customXml/item1.xml"),
            ),
            (
                "word/_rels/document.xml.rels",
                "./media/../media/a.png",
                Some("word/media/a.png"),
            ),
            ("word/_rels/document.xml.rels", "../../x.xml", None),
        ];
        for (rels, target, want) in cases {
            assert_eq!(
                relationship_target(rels, target).as_deref(),
                want,
                "{rels} {target}"
            );
        }
    }

    #[test]
    fn unsafe_entry_names_are_refused_naming_the_entry_by_number_only() {
        for name in [
            "../../evil.txt",
            "word/../../evil.txt",
            "..",
            "/etc/passwd",
            "C:/evil.txt",
            "c:evil.txt",
            "word\\..\\evil.txt",
            "word/evil\0.xml",
            "",
        ] {
            let e = check_entry_name(3, name).unwrap_err();
            assert_eq!(e.code(), "redact.docx_invalid");
            let message = e.to_string();
            assert!(message.contains("zip entry 3 "), "{message}");
            // (".." is also in the reason's words.)
            assert!(name.len() < 3 || !message.contains(name), "{message}");
            assert!(!message.contains("evil"), "{message}");
        }
        for name in [
            "word/document.xml",
            "[Content_Types].xml",
            "_rels/.rels",
            "word/..media/x.png",
            "word/media/a..b.png",
        ] {
            assert!(check_entry_name(1, name).is_ok(), "{name}");
        }
    }

    #[test]
    fn parts_are_named_only_by_the_names_word_gives_and_otherwise_by_number() {
        for word in [
            "[Content_Types].xml",
            "_rels/.rels",
            "docProps/core.xml",
            "word/document.xml",
            "word/_rels/document.xml.rels",
            "word/header12.xml",
            "word/_rels/footer1.xml.rels",
            "word/styles.xml",
            "word/glossary/settings.xml",
            "word/theme/theme1.xml",
            "word/comments.xml",
            "customXml/item1.xml",
            "customXml/_rels/item1.xml.rels",
            "customXml/itemProps2.xml",
        ] {
            assert_eq!(part_label(4, word), word);
        }
        for personal in [
            "customXml/Jane Smith.xml",
            "customXml/_rels/Jane Smith.xml.rels",
            "word/media/Jane.png",
            "word/headerJane.xml",
            "word/_rels/headerJane.xml.rels",
            "word/theme/Jane.xml",
            "word/embeddings/Jane_Smith.xlsx",
            "Jane Smith.xml",
            "_rels/Jane.rels",
        ] {
            assert_eq!(part_label(4, personal), "part 4", "{personal}");
        }
    }

    #[test]
    fn sizes_read_as_bytes_kilobytes_or_megabytes() {
        assert_eq!(size_text(812), "812 bytes");
        assert_eq!(size_text(4300), "4.2 KB");
        assert_eq!(size_text(3 << 20), "3.0 MB");
    }

    #[test]
    fn a_part_over_the_cap_is_refused_naming_the_part_and_the_cap() {
        let mut big = std::io::repeat(b' ').take(MAX_PART_BYTES + 10);
        let e = read_part(&mut big, "word/document.xml", MAX_UNZIPPED).unwrap_err();
        let message = e.to_string();
        // A valid document that is too big is not called invalid.
        assert_eq!(e.code(), "redact.too_large");
        assert!(
            message.contains("word/document.xml") && message.contains("8 MiB"),
            "{message}"
        );
        let mut small = std::io::repeat(b' ').take(100);
        assert_eq!(
            read_part(&mut small, "word/document.xml", MAX_UNZIPPED)
                .unwrap()
                .len(),
            100
        );
        // What is left of the unzipped budget applies too.
        let mut rest = std::io::repeat(b' ').take(100);
        let e = read_part(&mut rest, "word/document.xml", 50).unwrap_err();
        assert_eq!(e.code(), "redact.too_large");
    }
}
