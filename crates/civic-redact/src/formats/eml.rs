//! E-mail messages (`.eml`, RFC 5322 with MIME).
//!
//! The output is a new, plain-text message: the From, To, Cc, Reply-To and
//! Subject headers redacted, the Date kept, and the text body (or the text
//! of the HTML body) redacted. Attachments are not carried across, since
//! they are files in formats of their own; each one is listed in
//! [`EmailRedacted::attachments`] so that nothing is dropped silently.
//! Other headers (Received, Message-ID, X-…) are left out: they carry
//! host names, IP addresses and client details.
//!
//! The message is parsed whole (MIME parsing needs it), so the caller
//! bounds its size: the CLI refuses a message larger than its
//! `--max-email-bytes`. Long text parts are analysed in pieces, so the
//! analysis itself needs no more than a piece's worth of working memory.

use std::io::Write;

use base64::Engine;
use mail_parser::{Address, MessageParser, MimeHeaders};
use serde::Serialize;

use crate::analyzer::Analyzer;
use crate::detection::Evidence;
use crate::error::RedactError;
use crate::formats::text::redact_each_piece;
use crate::label::Label;
use crate::operator::{LogEntry, Operator, PseudonymTable, digest, redact_text, replacement};

/// Body text parts longer than this are analysed in pieces of this size.
const BODY_PIECE: usize = 1 << 20;

/// An attachment that was removed from the message.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RemovedAttachment {
    /// The file name, redacted like any other text (a name can be personal data).
    pub name: String,
    pub content_type: String,
    pub size: usize,
    /// SHA-256 of the attachment's bytes, hex.
    pub digest: String,
}

/// A redacted message, its log and the attachments it no longer holds.
#[derive(Debug, Clone, PartialEq)]
pub struct EmailRedacted {
    pub bytes: Vec<u8>,
    pub log: Vec<LogEntry>,
    pub attachments: Vec<RemovedAttachment>,
}

/// Redacts one RFC 5322 message held in memory; see [`redact_to`], which
/// this collects.
pub fn redact(
    analyzer: &Analyzer,
    input: &[u8],
    operator: &Operator,
    table: &mut PseudonymTable,
) -> Result<EmailRedacted, RedactError> {
    let mut bytes = Vec::new();
    let mut log = Vec::new();
    let attachments = redact_to(analyzer, input, &mut bytes, operator, table, |e| {
        log.push(e);
        Ok(())
    })?;
    Ok(EmailRedacted {
        bytes,
        log,
        attachments,
    })
}

/// Redacts one RFC 5322 message into `output`, writing the body a piece at
/// a time and handing each log entry to `on_entry` as it is made, so that
/// neither the redacted text nor the log is held whole. Returns the
/// attachments that were left out. On an error, what was written to
/// `output` is incomplete and must be discarded.
pub fn redact_to<W: Write>(
    analyzer: &Analyzer,
    input: &[u8],
    output: W,
    operator: &Operator,
    table: &mut PseudonymTable,
    mut on_entry: impl FnMut(LogEntry) -> Result<(), RedactError>,
) -> Result<Vec<RemovedAttachment>, RedactError> {
    let message = MessageParser::default()
        .parse(input)
        .ok_or(RedactError::Email)?;
    let has_headers =
        message.from().is_some() || message.to().is_some() || message.subject().is_some();
    if !has_headers {
        return Err(RedactError::Email);
    }
    let mut log = Vec::new();
    let mut headers = String::new();
    let address_headers = [
        ("From", message.from()),
        ("To", message.to()),
        ("Cc", message.cc()),
        ("Reply-To", message.reply_to()),
    ];
    for (name, address) in address_headers {
        if let Some(address) = address {
            let value = redact_addresses(analyzer, address, name, operator, table, &mut log);
            headers.push_str(&header_line(name, &value));
        }
    }
    if let Some(subject) = message.subject() {
        let found = analyzer.analyze(subject);
        let redacted = redact_text(subject, &found, operator, table);
        log.extend(located(redacted.log, "header Subject"));
        headers.push_str(&header_line("Subject", &redacted.text));
    }
    if let Some(date) = message.date() {
        headers.push_str(&header_line("Date", &date.to_rfc822()));
    }
    for entry in log {
        on_entry(entry)?;
    }

    let mut out = Crlf::new(output);
    out.write_raw(&headers)?;
    out.write_raw("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")?;
    for i in 0..message.text_body_count().max(1) {
        if let Some(text) = message.body_text(i) {
            let location = format!("body part {}", i + 1);
            redact_each_piece(
                analyzer,
                text.as_bytes(),
                operator,
                table,
                BODY_PIECE,
                |redacted| {
                    out.push(&redacted.text)?;
                    for mut entry in redacted.log {
                        entry.location.clone_from(&location);
                        on_entry(entry)?;
                    }
                    Ok(())
                },
            )?;
        }
    }

    let mut attachments = Vec::new();
    for part in message.attachments() {
        let raw_name = part.attachment_name().unwrap_or("(unnamed)");
        let found = analyzer.analyze(raw_name);
        let name = redact_text(raw_name, &found, operator, table).text;
        let content_type = part
            .content_type()
            .map(|ct| match ct.subtype() {
                Some(sub) => format!("{}/{}", ct.ctype(), sub),
                None => ct.ctype().to_owned(),
            })
            .unwrap_or_else(|| "application/octet-stream".to_owned());
        attachments.push(RemovedAttachment {
            name,
            content_type,
            size: part.contents().len(),
            digest: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(part.contents())),
        });
    }
    if !attachments.is_empty() {
        out.push(&format!(
            "\n\n[{} attachment(s) removed by redaction: see the redaction log]\n",
            attachments.len()
        ))?;
    }
    out.flush()?;
    Ok(attachments)
}

/// Writes text with every line break as CRLF (a message's line ending),
/// whether it came as LF or CRLF, across pieces: a piece that ends in CR
/// followed by one that starts with LF is one CRLF, as in the whole text.
struct Crlf<W> {
    inner: W,
    /// Whether the last byte written was a CR.
    last_cr: bool,
}

impl<W: Write> Crlf<W> {
    fn new(inner: W) -> Self {
        Crlf {
            inner,
            last_cr: false,
        }
    }

    fn write_raw(&mut self, text: &str) -> Result<(), RedactError> {
        if let Some(&last) = text.as_bytes().last() {
            self.last_cr = last == b'\r';
        }
        self.inner.write_all(text.as_bytes()).map_err(write_err)
    }

    fn push(&mut self, text: &str) -> Result<(), RedactError> {
        let mut lines = text.split('\n');
        if let Some(first) = lines.next() {
            self.write_raw(first)?;
        }
        for line in lines {
            self.write_raw(if self.last_cr { "\n" } else { "\r\n" })?;
            self.write_raw(line)?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), RedactError> {
        self.inner.flush().map_err(write_err)
    }
}

fn write_err(e: std::io::Error) -> RedactError {
    RedactError::Io(format!("writing the output: {e}"))
}

fn located(log: Vec<LogEntry>, location: &str) -> impl Iterator<Item = LogEntry> + '_ {
    log.into_iter().map(move |mut e| {
        e.location = location.to_owned();
        e
    })
}

/// Display names are PERSON and addresses EMAIL by position, not by
/// detection: everything in an address header is about a person.
fn redact_addresses(
    analyzer: &Analyzer,
    address: &Address<'_>,
    header: &str,
    operator: &Operator,
    table: &mut PseudonymTable,
    log: &mut Vec<LogEntry>,
) -> String {
    let mut parts = Vec::new();
    for addr in address.iter() {
        let mut one = String::new();
        for (value, label) in [
            (addr.name.as_deref(), Label::Person),
            (addr.address.as_deref(), Label::Email),
        ] {
            let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
                continue;
            };
            let shown = if analyzer.protection(value).is_some() {
                value.to_owned()
            } else {
                log.push(LogEntry {
                    label,
                    start: 0,
                    end: value.len(),
                    location: format!("header {header}"),
                    digest: digest(value),
                    score: 1.0,
                    evidence: Evidence::new("e-mail address header")
                        .check("display name or address"),
                    operator: operator.name().to_owned(),
                });
                replacement(value, label, operator, table)
            };
            match label {
                Label::Email => one.push_str(&format!("<{shown}>")),
                _ => one.push_str(&format!("\"{}\" ", shown.replace('"', "'"))),
            }
        }
        parts.push(one.trim().to_owned());
    }
    parts.join(", ")
}

/// A header line, RFC 2047-encoded when the value is not plain ASCII.
fn header_line(name: &str, value: &str) -> String {
    let value = value.replace(['\r', '\n'], " ");
    if value.is_ascii() {
        format!("{name}: {value}\r\n")
    } else {
        let encoded = base64::engine::general_purpose::STANDARD.encode(value.as_bytes());
        format!("{name}: =?utf-8?b?{encoded}?=\r\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_become_crlf_as_replacing_them_in_the_whole_body_did() {
        let parts: &[&[&str]] = &[
            &["a\nb\r\nc"],
            &["a\r\n\r\nb\n\n"],
            &["lone\rcr", "\r\r\nx"],
            &["ends with cr\r", "\nstarts with lf"],
            &["", "\n", ""],
        ];
        for texts in parts {
            let whole: String = texts.concat();
            let want = whole.replace("\r\n", "\n").replace('\n', "\r\n");
            let mut out = Crlf::new(Vec::new());
            out.write_raw("Header: x\r\n\r\n").unwrap();
            for t in *texts {
                out.push(t).unwrap();
            }
            let out = String::from_utf8(out.inner).unwrap();
            assert_eq!(out, format!("Header: x\r\n\r\n{want}"), "{texts:?}");
        }
    }
}
