//! Reading and writing the XML parts of a package as event lists.

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, Writer, XmlVersion};

use super::docx_err;
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

/// Reads a whole XML part into owned events.
pub(super) fn events(name: &str, bytes: &[u8]) -> Result<Vec<Event<'static>>, RedactError> {
    let text = std::str::from_utf8(bytes).map_err(|_| docx_err(format!("{name} is not UTF-8")))?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(false);
    let mut out = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(e) => out.push(e.into_owned()),
            Err(e) => return Err(docx_err(format!("{name} is not well-formed XML ({e})"))),
        }
    }
    Ok(out)
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

/// For each start event, the index of its end event.
pub(super) fn matching_ends(events: &[Event<'_>]) -> Result<Vec<usize>, RedactError> {
    let mut ends: Vec<usize> = (0..events.len()).collect();
    let mut stack = Vec::new();
    for (i, e) in events.iter().enumerate() {
        match e {
            Event::Start(_) => stack.push(i),
            Event::End(_) => {
                let start = stack.pop().ok_or_else(|| docx_err("unbalanced XML"))?;
                ends[start] = i;
            }
            _ => {}
        }
    }
    if stack.is_empty() {
        Ok(ends)
    } else {
        Err(docx_err("unbalanced XML"))
    }
}

pub(super) fn name_is(e: &Event<'_>, wanted: &str) -> bool {
    match e {
        Event::Start(s) | Event::Empty(s) => s.name().as_ref() == wanted,
        Event::End(s) => s.name().as_ref() == wanted,
        _ => false,
    }
}
