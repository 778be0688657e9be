//! Dates of birth: a real calendar date with birth context nearby.

use super::{Candidate, Pattern};
use crate::checks;
use crate::context::Cue;
use crate::detection::{Detection, Evidence};
use crate::label::Label;

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const MONTH_NAMES: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

pub(crate) fn patterns() -> Vec<Pattern> {
    vec![
    Pattern { label: Label::DateOfBirth, regex: r"(?-u)\b\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})\b".into(), validate: dob, alone: false },
    Pattern { label: Label::DateOfBirth, regex: r"(?-u)\b\d{4}-\d{2}-\d{2}\b".into(), validate: dob, alone: false },
    Pattern {
        label: Label::DateOfBirth,
        regex: r"(?i-u)(?-u:\b)\d{1,2}(?:st|nd|rd|th)?(?: of)? (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,? \d{4}(?-u:\b)".into(),
        validate: dob,
        alone: false,
    },
    Pattern {
        label: Label::DateOfBirth,
        regex: r"(?i-u)(?-u:\b)(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}(?-u:\b)".into(),
        validate: dob,
        alone: false,
    },
    ]
}

/// Parses the date forms the patterns match: d/m/y (UK order), y-m-d, "3rd
/// March 1980" and "March 3, 1980". Returns (day, month, year).
pub(crate) fn parse_date(s: &str) -> Option<(u32, u32, i32)> {
    let lower = s.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split([' ', ',', '/', '-', '.'])
        .filter(|w| !w.is_empty())
        .collect();
    let month_of = |w: &str| {
        let w = w.trim_end_matches('.');
        MONTHS.iter().position(|m| {
            w.len() >= 3
                && (w == *m
                    || MONTH_NAMES
                        .iter()
                        .any(|n| n.starts_with(w) && w.starts_with(m)))
        })
    };
    let num = |w: &str| {
        w.trim_end_matches(|c: char| c.is_ascii_alphabetic())
            .parse::<u32>()
            .ok()
    };
    let (d, m, y) = match words.as_slice() {
        [a, b, c] if a.len() == 4 => (num(c)?, num(b)?, num(a)? as i32),
        [a, b, c]
            if a.bytes().all(|ch| ch.is_ascii_digit())
                && b.bytes().all(|ch| ch.is_ascii_digit()) =>
        {
            let y = num(c)? as i32;
            let y = if c.len() == 2 {
                if y > 30 { 1900 + y } else { 2000 + y }
            } else {
                y
            };
            (num(a)?, num(b)?, y)
        }
        [a, b, c] | [a, _, b, c] if month_of(b).is_some() => {
            (num(a)?, month_of(b)? as u32 + 1, num(c)? as i32)
        }
        [a, b, c] if month_of(a).is_some() => (num(b)?, month_of(a)? as u32 + 1, num(c)? as i32),
        _ => return None,
    };
    checks::valid_date(d, m, y).then_some((d, m, y))
}

fn dob(c: Candidate<'_>) -> Option<Detection> {
    if c.continues_as_number() {
        return None;
    }
    // A date is only personal data here when something says it is a birth
    // date. Most dates have no such word, and looking for one is cheaper
    // than parsing the date, so it comes first.
    let context = c
        .ctx
        .near(c.text, c.start, c.end, Cue::Birth, 40, 0)
        .or_else(|| c.ctx.near(c.text, c.start, c.end, Cue::Age, 0, 12))?;
    let (_, _, year) = parse_date(c.value())?;
    if !(1900..=2030).contains(&year) {
        return None;
    }
    Some(Detection::new(
        Label::DateOfBirth,
        c.start,
        c.end,
        0.95,
        Evidence::new("date")
            .check("valid calendar date")
            .context(Some(context)),
    ))
}

#[cfg(test)]
mod tests {
    use super::parse_date;

    #[test]
    fn parses_uk_date_forms_and_rejects_impossible_dates() {
        let cases = [
            ("03/04/1985", Some((3, 4, 1985))),
            ("3.4.85", Some((3, 4, 1985))),
            ("1985-04-03", Some((3, 4, 1985))),
            ("3rd April 1985", Some((3, 4, 1985))),
            ("3 of April 1985", Some((3, 4, 1985))),
            ("April 3, 1985", Some((3, 4, 1985))),
            ("3 Sept 1985", Some((3, 9, 1985))),
            ("31/04/1985", None),
            ("29/02/2001", None),
            ("3 Aprilx 1985", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_date(s), want, "{s}");
        }
    }
}
