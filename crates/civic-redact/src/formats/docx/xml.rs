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
    let mut depth = 0usize;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(e) => {
                match e {
                    Event::Start(_) => depth += 1,
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
