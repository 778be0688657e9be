//! Finding quoted reply text in a message.
//!
//! Quoted text is text the sender did not write now: earlier messages in a reply chain.
//! A safeguarding phrase there is still shown, flagged `quoted`, but does not by itself
//! make the new message urgent (the earlier message was triaged when it arrived).
//!
//! What counts as quoted, exactly:
//! - a line whose first non-blank character is `>`;
//! - everything after an attribution line `On … wrote:` (also when the attribution wraps
//!   onto a second line ending in `wrote:`), unless the next non-blank line starts with
//!   `>`: then the attribution introduces a `>` block and the reply follows it
//!   ("On Mon, Housing wrote:\n> …\n\nMy answer…"), so only the attribution and the
//!   `>` lines are quoted;
//! - everything after an Outlook separator `-----Original Message-----`, or after an
//!   Outlook header block: a line starting `From:` followed within three lines by a line
//!   starting `Sent:`, unless that block's `Subject:` starts with `FW:` or `Fwd:`. A later
//!   line of dashes alone (`----`) closes the quoted block, as phone mail apps write it,
//!   and what follows is new text.
//!
//! Forwarded messages (`---------- Forwarded message ---------`, `Begin forwarded message:`)
//! are deliberately **not** treated as quoted: a colleague or councillor forwarding a
//! resident's words is passing on a live concern.

use std::ops::Range;

/// Byte ranges of `text` that are quoted reply text, in order, not overlapping.
pub(crate) fn quoted_ranges(text: &str) -> Vec<Range<usize>> {
    let lines: Vec<(usize, &str)> = line_starts(text);
    let mut out: Vec<Range<usize>> = Vec::new();
    // Lines before this offset are inside a quoted block already pushed.
    let mut skip_until = 0;
    for (k, &(start, line)) in lines.iter().enumerate() {
        if start < skip_until {
            continue;
        }
        let t = line.trim();
        let lower = t.to_lowercase();
        let attribution = (lower.starts_with("on ") && lower.ends_with("wrote:"))
            || (lower.ends_with("wrote:")
                && k > 0
                && lines[k - 1]
                    .1
                    .trim_start()
                    .to_lowercase()
                    .starts_with("on "));
        let outlook = lower.trim_matches('-').trim() == "original message"
            && lower.starts_with("--")
            || lower.starts_with("from:")
                && lines
                    .iter()
                    .skip(k + 1)
                    .take(3)
                    .any(|(_, l)| l.trim_start().to_lowercase().starts_with("sent:"));
        if outlook && forwarded_subject(&lines[k..]) {
            continue;
        }
        if attribution || outlook {
            // The attribution may have started on the previous line.
            let from = if attribution && !lower.starts_with("on ") && k > 0 {
                lines[k - 1].0
            } else {
                start
            };
            let rest = &lines[k + 1..];
            let next = rest.iter().find(|(_, l)| !l.trim().is_empty());
            if attribution && next.is_some_and(|(_, l)| l.trim_start().starts_with('>')) {
                // Only the attribution line; the `>` lines below are quoted one by one.
                out.push(from..start + line.len());
                continue;
            }
            let end = if outlook {
                rest.iter()
                    .find(|(_, l)| is_dash_rule(l))
                    .map_or(text.len(), |(s, l)| s + l.len())
            } else {
                text.len()
            };
            out.push(from..end);
            if end == text.len() {
                break;
            }
            skip_until = end;
            continue;
        }
        if t.starts_with('>') {
            out.push(start..start + line.len());
        }
    }
    out
}

/// Whether a line is a rule of three or more dashes alone (`----`), closing a quoted
/// original message (not `-- `, which opens a signature).
fn is_dash_rule(line: &str) -> bool {
    let t = line.trim();
    t.len() >= 3 && t.bytes().all(|b| b == b'-')
}

/// Whether an Outlook header block starting at `lines[0]` is a forward (`Subject: FW: …`).
fn forwarded_subject(lines: &[(usize, &str)]) -> bool {
    lines.iter().take(6).any(|(_, l)| {
        let l = l.trim_start().to_lowercase();
        l.starts_with("subject: fw:") || l.starts_with("subject: fwd:")
    })
}

fn line_starts(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        out.push((start, line));
        start += line.len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted(text: &str) -> Vec<&str> {
        quoted_ranges(text)
            .into_iter()
            .map(|r| text[r].trim())
            .collect()
    }

    #[test]
    fn table_of_quoted_forms() {
        let cases: &[(&str, &[&str])] = &[
            ("no quotes here", &[]),
            ("new text\n> old line\nmore new", &["> old line"]),
            ("  >> nested\n", &[">> nested"]),
            (
                "thanks\nOn Mon, 3 Mar 2025, Jo <jo@x.org> wrote:\nI am suicidal",
                &["On Mon, 3 Mar 2025, Jo <jo@x.org> wrote:\nI am suicidal"],
            ),
            (
                "thanks\nOn Mon, 3 Mar 2025 at 10:00, Jo Bloggs\n<jo@x.org> wrote:\nold",
                &["On Mon, 3 Mar 2025 at 10:00, Jo Bloggs\n<jo@x.org> wrote:\nold"],
            ),
            (
                "ok\n-----Original Message-----\nFrom: a\nold",
                &["-----Original Message-----\nFrom: a\nold"],
            ),
            (
                "ok\nFrom: Housing\nSent: 1 May\nSubject: x\nold",
                &["From: Housing\nSent: 1 May\nSubject: x\nold"],
            ),
            (
                "fyi\nFrom: Resident\nSent: 1 May\nTo: Housing\nSubject: FW: help\nI have nowhere to sleep",
                &[],
            ),
            (
                "fyi\n---------- Forwarded message ---------\nFrom: resident\nI have nowhere to sleep",
                &[],
            ),
            // Bottom-posted: the attribution introduces a `>` block, the reply follows.
            (
                "On 3 March, Tenancy Services wrote:\n> Both must sign.\n\nHe will kill me",
                &["On 3 March, Tenancy Services wrote:", "> Both must sign."],
            ),
            // A phone app's original message, closed by a rule of dashes.
            (
                "---- Original message ----\nFrom: Revenues\nold\n----\nMy husband went up the loft",
                &["---- Original message ----\nFrom: Revenues\nold\n----"],
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(quoted(text), *expected, "text: {text:?}");
        }
    }
}
