//! Reading and writing the XML parts of a package as event lists.

use std::io::{BufReader, Read, Take, Write};

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, Writer, XmlVersion};

use super::{docx_err, unzips_too_large};
use crate::error::RedactError;

pub(super) fn attr(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .and_then(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// The deepest nesting of elements accepted in a part. Word's deepest
/// real documents (tables in text boxes in tables…) stay far below it;
/// a deeper part is a crafted one, refused before its nesting can cost
/// time or memory in the code that walks it.
pub(super) const MAX_XML_DEPTH: usize = 512;

/// One level deeper into a part, refused past [`MAX_XML_DEPTH`].
pub(super) fn deeper(name: &str, depth: usize) -> Result<usize, RedactError> {
    if depth >= MAX_XML_DEPTH {
        return Err(docx_err(format!(
            "{name} nests elements more than {MAX_XML_DEPTH} deep, far more than Word writes, so the document is refused"
        )));
    }
    Ok(depth + 1)
}

/// Whether an event read from a part may be written out. Comments and
/// processing instructions are dropped: they can carry any text, no
/// reader sees them, and Word needs neither. A DOCTYPE refuses the
/// document: Word never writes one, and its internal entities can hide
/// text outside the elements the redactor reads, or expand without limit.
/// So does a tag with a malformed attribute (a value left open, an `=`
/// without a name, a name given twice): the XML reader parses attributes
/// only when asked, so such a tag would otherwise be copied through as it
/// is, hide the attributes after the fault from the redactor, or be
/// rewritten into broken XML (found by the `docx` fuzz target).
pub(super) fn keep_event(name: &str, e: &Event<'_>) -> Result<bool, RedactError> {
    match e {
        Event::Comment(_) | Event::PI(_) => Ok(false),
        Event::DocType(_) => Err(docx_err(format!(
            "{name} has a DOCTYPE declaration, which Word never writes; its entities could hide text from redaction or expand without limit, so the document is refused"
        ))),
        Event::Start(s) | Event::Empty(s) => match s.attributes().find_map(Result::err) {
            Some(e) => Err(docx_err(format!(
                "{name} is not well-formed XML (a malformed attribute: {e})"
            ))),
            None => Ok(true),
        },
        _ => Ok(true),
    }
}

/// Reads a whole XML part into owned events, without its comments and
/// processing instructions (see [`keep_event`]).
pub(super) fn events(name: &str, bytes: &[u8]) -> Result<Vec<Event<'static>>, RedactError> {
    let text = std::str::from_utf8(bytes).map_err(|_| docx_err(format!("{name} is not UTF-8")))?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(false);
    let mut out = Vec::new();
    let mut depth = 0usize;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(e) if !keep_event(name, &e)? => {}
            Ok(e) => {
                match e {
                    Event::Start(_) => depth = deeper(name, depth)?,
                    Event::End(_) => depth = depth.saturating_sub(1),
                    _ => {}
                }
                out.push(e.into_owned())
            }
            Err(e) => return Err(docx_err(format!("{name} is not well-formed XML ({e})"))),
        }
    }
    if depth != 0 {
        return Err(docx_err(format!(
            "{name} is not well-formed XML (unbalanced elements)"
        )));
    }
    Ok(out)
}

/// What [`copy_xml_part`] dropped from a part.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Dropped {
    /// Comments and processing instructions.
    pub(super) comments: usize,
    /// Elements named in the `drop` list, with their content.
    pub(super) elements: usize,
}

/// Copies an XML part that is not otherwise rewritten (styles, settings,
/// numbering, the theme…) event by event, dropping what [`keep_event`]
/// drops, so no part leaves with a comment, and the elements named in
/// `drop` with everything inside them. `input` is the part limited to
/// what is left of the document's unzipped budget plus one byte, as for
/// the text parts. Returns the bytes read and what was dropped.
pub(super) fn copy_xml_part<R: Read, W: Write>(
    name: &str,
    input: Take<R>,
    output: W,
    drop: &[&str],
) -> Result<(u64, Dropped), RedactError> {
    let mut reader = Reader::from_reader(BufReader::with_capacity(64 * 1024, input));
    reader.config_mut().trim_text(false);
    let exhausted = |reader: &Reader<BufReader<Take<R>>>| reader.get_ref().get_ref().limit() == 0;
    let mut writer = Writer::new(output);
    let mut buf = Vec::new();
    let (mut depth, mut dropped) = (0usize, Dropped::default());
    // The depth at which a dropped element started, while inside it.
    let mut dropping: Option<usize> = None;
    loop {
        buf.clear();
        let event = match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) => break,
            Ok(e) => e,
            Err(_) if exhausted(&reader) => return Err(unzips_too_large()),
            Err(e) => return Err(docx_err(format!("{name} is not well-formed XML ({e})"))),
        };
        if !keep_event(name, &event)? {
            dropped.comments += 1;
            continue;
        }
        match &event {
            Event::Start(s) => {
                if dropping.is_none() && drop.contains(&s.name().as_ref()) {
                    dropping = Some(depth);
                    dropped.elements += 1;
                }
                depth = deeper(name, depth)?;
            }
            Event::End(_) => {
                depth = depth.checked_sub(1).ok_or_else(|| unbalanced(name))?;
                if dropping == Some(depth) {
                    dropping = None;
                    continue;
                }
            }
            Event::Empty(s) if dropping.is_none() && drop.contains(&s.name().as_ref()) => {
                dropped.elements += 1;
                continue;
            }
            _ => {}
        }
        if dropping.is_some() {
            continue;
        }
        writer
            .write_event(event)
            .map_err(|e| docx_err(format!("{name}: {e}")))?;
    }
    if exhausted(&reader) {
        return Err(unzips_too_large());
    }
    if depth != 0 {
        return Err(unbalanced(name));
    }
    Ok((reader.buffer_position(), dropped))
}

pub(super) fn unbalanced(name: &str) -> RedactError {
    docx_err(format!(
        "{name} is not well-formed XML (unbalanced elements)"
    ))
}

pub(super) fn write_events<'a>(
    name: &str,
    events: impl Iterator<Item = Event<'a>>,
) -> Result<Vec<u8>, RedactError> {
    let mut writer = Writer::new(Vec::new());
    for e in events {
        writer
            .write_event(e)
            .map_err(|e| docx_err(format!("{name}: {e}")))?;
    }
    Ok(writer.into_inner())
}

/// For each start event, the index of its end event. The events may be a
/// stretch cut out of a well-formed part: an end whose start came before
/// the stretch is passed over, and a start whose end comes after it is
/// its own "end".
pub(super) fn matching_ends(events: &[Event<'_>]) -> Vec<usize> {
    let mut ends: Vec<usize> = (0..events.len()).collect();
    let mut stack = Vec::new();
    for (i, e) in events.iter().enumerate() {
        match e {
            Event::Start(_) => stack.push(i),
            Event::End(_) => {
                if let Some(start) = stack.pop() {
                    ends[start] = i;
                }
            }
            _ => {}
        }
    }
    ends
}

pub(super) fn name_is(e: &Event<'_>, wanted: &str) -> bool {
    match e {
        Event::Start(s) | Event::Empty(s) => s.name().as_ref() == wanted,
        Event::End(s) => s.name().as_ref() == wanted,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(xml: &str) -> Result<(String, Dropped), RedactError> {
        let mut out = Vec::new();
        let (read, dropped) = copy_xml_part(
            "word/styles.xml",
            xml.as_bytes().take(u64::MAX - 1),
            &mut out,
            &["w:docVars", "w:attachedTemplate"],
        )?;
        assert_eq!(read, xml.len() as u64);
        Ok((
            String::from_utf8(out).expect("quick-xml writes UTF-8"),
            dropped,
        ))
    }

    #[test]
    fn copied_parts_lose_comments_and_instructions_but_nothing_else() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles a="1"><!-- Zebedee --><?pi Zebedee?><w:style>x &amp; y</w:style><w:e/></w:styles>"#;
        let (out, dropped) = copy(xml).unwrap();
        assert_eq!(
            dropped,
            Dropped {
                comments: 2,
                elements: 0
            }
        );
        assert_eq!(
            out,
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles a="1"><w:style>x &amp; y</w:style><w:e/></w:styles>"#
        );
    }

    #[test]
    fn copied_parts_lose_the_elements_asked_for_with_their_content() {
        let xml = r#"<w:settings><w:attachedTemplate r:id="rId1"/><w:zoom/><w:docVars><w:docVar w:name="client" w:val="Zebedee"/><w:docVars/></w:docVars><w:rsids/></w:settings>"#;
        let (out, dropped) = copy(xml).unwrap();
        assert_eq!(
            dropped,
            Dropped {
                comments: 0,
                elements: 2
            }
        );
        assert_eq!(out, "<w:settings><w:zoom/><w:rsids/></w:settings>");
    }

    #[test]
    fn a_doctype_or_broken_xml_is_an_error_naming_the_part() {
        let doctype =
            r#"<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x "Zebedee">]><w:styles>&x;</w:styles>"#;
        let deep = "<a>".repeat(MAX_XML_DEPTH + 1) + &"</a>".repeat(MAX_XML_DEPTH + 1);
        for xml in [
            doctype,
            "<w:styles><w:a></w:styles>",
            "<w:styles>",
            &deep,
            // Malformed attributes: a name missing, a value left open, a
            // name given twice (found by the docx fuzz target).
            r#"<w:styles><w:a =x b="Zebedee"/></w:styles>"#,
            r#"<w:styles><w:a b="Zebedee/></w:styles>"#,
            r#"<w:styles><w:a b="1" b="Zebedee"/></w:styles>"#,
        ] {
            let e = copy(xml).unwrap_err();
            assert_eq!(e.code(), "redact.docx_invalid");
            assert!(e.to_string().contains("word/styles.xml"), "{e}");
            assert!(!e.to_string().contains("Zebedee"), "{e}");
        }
        assert!(copy(doctype).unwrap_err().to_string().contains("DOCTYPE"));
        let e = events("word/_rels/document.xml.rels", doctype.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("DOCTYPE"), "{e}");
        let e = events("word/_rels/document.xml.rels", deep.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("deep"), "{e}");
        let fine = "<a>".repeat(MAX_XML_DEPTH) + &"</a>".repeat(MAX_XML_DEPTH);
        assert!(copy(&fine).is_ok() && events("x.rels", fine.as_bytes()).is_ok());
    }

    #[test]
    fn a_copied_part_past_the_budget_is_too_large() {
        let xml = "<w:styles><w:a/><w:a/><w:a/></w:styles>";
        let mut out = Vec::new();
        let e =
            copy_xml_part("word/styles.xml", xml.as_bytes().take(11), &mut out, &[]).unwrap_err();
        assert_eq!(e.code(), "redact.too_large");
    }
}
