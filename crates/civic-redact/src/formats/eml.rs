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

use base64::Engine;
use mail_parser::{Address, MessageParser, MimeHeaders};
use serde::Serialize;

use crate::analyzer::Analyzer;
use crate::detection::Evidence;
use crate::error::RedactError;
use crate::formats::text::redact_in_pieces;
use crate::label::Label;
use crate::operator::{LogEntry, Operator, PseudonymTable, digest, redact_text, replacement};

/// Body text parts longer than this are analysed in pieces of this size.
const BODY_PIECE: usize = 1 << 20;

/// An attachment that was removed from the message.
#[derive(Debug, Clone, PartialEq, Serialize)]
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

/// Redacts one RFC 5322 message.
pub fn redact(
    analyzer: &Analyzer,
    input: &[u8],
    operator: &Operator,
    table: &mut PseudonymTable,
) -> Result<EmailRedacted, RedactError> {
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

    // The body is written straight into the output with CRLF line ends;
    // a long text part is analysed in pieces, so the analysis's working
    // memory does not grow with it.
    let mut out = headers;
    out.push_str("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
    for i in 0..message.text_body_count().max(1) {
        if let Some(text) = message.body_text(i) {
            let redacted = redact_in_pieces(analyzer, &text, operator, table, BODY_PIECE);
            log.extend(located(redacted.log, &format!("body part {}", i + 1)));
            push_crlf(&mut out, &redacted.text);
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
        push_crlf(
            &mut out,
            &format!(
                "\n\n[{} attachment(s) removed by redaction: see the redaction log]\n",
                attachments.len()
            ),
        );
    }
    Ok(EmailRedacted {
        bytes: out.into_bytes(),
        log,
        attachments,
    })
}

/// Appends `text` to `out` with every line break as CRLF (a bare LF
/// becomes CRLF; a CRLF stays one).
fn push_crlf(out: &mut String, text: &str) {
    let mut lines = text.split('\n');
    if let Some(first) = lines.next() {
        out.push_str(first);
    }
    for line in lines {
        // The segment before this break ended with '\r' if it was a CRLF.
        if out.ends_with('\r') {
            out.push('\n');
        } else {
            out.push_str("\r\n");
        }
        out.push_str(line);
    }
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
            let mut out = String::from("Header: x\r\n\r\n");
            for t in *texts {
                push_crlf(&mut out, t);
            }
            assert_eq!(out, format!("Header: x\r\n\r\n{want}"), "{texts:?}");
        }
    }
}
