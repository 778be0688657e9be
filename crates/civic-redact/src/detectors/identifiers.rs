//! Identifiers with a structure or check digit: NHS number, NI number,
//! payment card, IBAN, sort code, account number, passport, driving
//! licence and vehicle registration.

use super::{Candidate, Pattern};
use crate::checks;
use crate::context::Cue;
use crate::detection::{Detection, Evidence};
use crate::label::Label;

pub(crate) fn patterns() -> Vec<Pattern> {
    vec![
        Pattern {
            label: Label::NhsNumber,
            regex: r"(?-u)\b\d{3}[ -]?\d{3}[ -]?\d{4}\b".into(),
            validate: nhs,
            alone: false,
        },
        Pattern {
            label: Label::Nino,
            regex: r"(?i-u)(?-u:\b)[A-Z]{2}[ -]?\d{2}[ -]?\d{2}[ -]?\d{2}(?:[ -]?[A-D])?(?-u:\b)"
                .into(),
            validate: nino,
            alone: false,
        },
        Pattern {
            label: Label::CardNumber,
            regex: r"(?-u)\b\d(?:[ -]?\d){11,18}\b".into(),
            validate: card,
            alone: false,
        },
        Pattern {
            label: Label::Iban,
            regex: r"(?-u)\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b".into(),
            validate: iban,
            alone: false,
        },
        Pattern {
            label: Label::SortCode,
            regex: r"(?-u)\b\d{2}[- ]?\d{2}[- ]?\d{2}\b".into(),
            validate: sort_code,
            alone: false,
        },
        Pattern {
            label: Label::AccountNumber,
            regex: r"(?-u)\b\d{8}\b".into(),
            validate: account,
            alone: false,
        },
        Pattern {
            label: Label::Passport,
            regex: r"(?-u)\b\d{9}\b".into(),
            validate: passport,
            alone: false,
        },
        Pattern {
            label: Label::DrivingLicence,
            regex: r"(?-u)\b[A-Z][A-Z9]{4} ?\d{6} ?[A-Z][A-Z9]\d[A-Z]{2}\b".into(),
            validate: driving_licence,
            alone: false,
        },
        Pattern {
            label: Label::VehicleReg,
            regex: r"(?-u)\b[A-HJ-PR-Y][A-HJ-PR-Y]\d{2} ?[A-HJ-PR-Z]{3}\b".into(),
            validate: vehicle_current,
            alone: false,
        },
        Pattern {
            label: Label::VehicleReg,
            regex: r"(?-u)\b[A-HJ-NP-Y]\d{1,3} ?[A-HJ-PR-Y]{3}\b".into(),
            validate: vehicle_prefix,
            alone: false,
        },
        Pattern {
            label: Label::VehicleReg,
            regex: r"(?-u)\b[A-HJ-PR-Y]{3} ?\d{1,3}[A-HJ-NP-Y]\b".into(),
            validate: vehicle_suffix,
            alone: false,
        },
    ]
}

/// The separators used between digit groups, which must all be the same.
fn consistent_separators(s: &str) -> Option<Option<char>> {
    let mut seps = s.chars().filter(|c| !c.is_ascii_alphanumeric());
    let first = seps.next();
    if seps.all(|c| Some(c) == first) {
        Some(first)
    } else {
        None
    }
}

fn nhs(c: Candidate<'_>) -> Option<Detection> {
    let v = c.value();
    if c.continues_as_number() || matches!(c.byte_before(1), Some(b'+')) {
        return None;
    }
    let sep = consistent_separators(v)?;
    let d = checks::digits(v)?;
    if !checks::nhs_mod11(&d) {
        return None;
    }
    let grouped = sep.is_some() && v.len() == 12;
    let context = c.ctx.near(c.text, c.start, c.end, Cue::Nhs, 40, 20);
    // North American phone numbers are grouped 3-3-4 as well ("949-833-2800"),
    // and one in eleven passes mod-11: all 28 NHS numbers found in a corpus
    // of real e-mail were such phone numbers. The NHS writes its numbers with
    // spaces; so without an NHS context word, a 3-3-4 grouping with dashes,
    // or one right after a phone word ("Tel", "call"), is no evidence.
    // (With "+1" or "1-" in front the pattern's match continues a longer
    // number and was refused above.)
    let phone_like = grouped
        && context.is_none()
        && (sep == Some('-') || c.ctx.has(c.text, c.start, c.end, Cue::Phone, 30, 0));
    // A bare run of ten digits passes mod-11 one time in eleven, so the
    // check alone is not enough: we also want the NHS's own 3-3-4 grouping
    // or a context word. Without either the score stays below the default
    // threshold.
    let score = match (context, grouped) {
        (Some(_), _) => 0.98,
        (None, true) if !phone_like => 0.7,
        (None, _) => 0.3,
    };
    let pattern = match (grouped, phone_like) {
        (true, true) => "nhs-number 3-3-4 written as a phone number",
        (true, false) => "nhs-number 3-3-4",
        (false, _) => "nhs-number 10 digits",
    };
    Some(Detection::new(
        Label::NhsNumber,
        c.start,
        c.end,
        score,
        Evidence::new(pattern)
            .check("mod-11 passed")
            .context(context),
    ))
}

fn nino(c: Candidate<'_>) -> Option<Detection> {
    let v = c.value();
    let b = v.as_bytes();
    let (&first, &second) = (b.first()?, b.get(1)?);
    if !checks::nino_prefix_ok(first, second) {
        return None;
    }
    // NINO separators come between pairs only; mixed separators are a different identifier.
    consistent_separators(v)?;
    let context = c.ctx.near(c.text, c.start, c.end, Cue::Nino, 40, 10);
    let upper = v.bytes().all(|x| !x.is_ascii_lowercase());
    if !upper && context.is_none() {
        return None;
    }
    let has_suffix = b.last().is_some_and(u8::is_ascii_alphabetic);
    let mut score: f32 = if has_suffix { 0.95 } else { 0.8 };
    if context.is_some() {
        score = 0.99;
    } else if c.ctx.has(c.text, c.start, c.end, Cue::Reference, 20, 0) {
        score = 0.4;
    }
    let check = if has_suffix {
        "hmrc prefix rules and suffix A-D"
    } else {
        "hmrc prefix rules"
    };
    Some(Detection::new(
        Label::Nino,
        c.start,
        c.end,
        score,
        Evidence::new("nino").check(check).context(context),
    ))
}

fn card(c: Candidate<'_>) -> Option<Detection> {
    let v = c.value();
    if c.continues_as_number() {
        return None;
    }
    let d = checks::digits(v)?;
    consistent_separators(v)?;
    if !checks::luhn(&d) {
        return None;
    }
    let issuer = checks::card_issuer(&d)?;
    let context = c.ctx.near(c.text, c.start, c.end, Cue::Card, 40, 10);
    let score = if context.is_some() { 0.99 } else { 0.95 };
    let check = format!("luhn passed, {issuer} range");
    Some(Detection::new(
        Label::CardNumber,
        c.start,
        c.end,
        score,
        Evidence::new("card-number").check(check).context(context),
    ))
}

fn iban(c: Candidate<'_>) -> Option<Detection> {
    // The pattern is greedy and may swallow a following upper-case word:
    // walk the characters until the country's length is reached.
    let v = c.value();
    for want in [15usize, 16, 18, 20, 21, 22, 23, 24, 25, 27, 28, 31]
        .into_iter()
        .rev()
    {
        let mut count = 0;
        let mut end = None;
        for (i, ch) in v.char_indices() {
            if ch.is_ascii_alphanumeric() {
                count += 1;
                if count == want {
                    end = Some(i + 1);
                    break;
                }
            }
        }
        let Some(end) = end else { continue };
        let at_boundary = v
            .as_bytes()
            .get(end)
            .is_none_or(|b| !b.is_ascii_alphanumeric());
        if !at_boundary {
            continue;
        }
        let compact: String = v[..end]
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        if checks::iban_mod97(&compact) {
            return Some(Detection::new(
                Label::Iban,
                c.start,
                c.start + end,
                1.0,
                Evidence::new("iban").check("mod-97 passed"),
            ));
        }
    }
    None
}

fn sort_code(c: Candidate<'_>) -> Option<Detection> {
    let v = c.value();
    if c.continues_as_number() {
        return None;
    }
    let sep = consistent_separators(v)?;
    let context = c.ctx.near(c.text, c.start, c.end, Cue::SortCode, 30, 5);
    let bank = c.ctx.near(c.text, c.start, c.end, Cue::Bank, 60, 30);
    // Six digits in pairs are also dates and times; only context makes them a sort code.
    let score = match (context, bank, sep) {
        (Some(_), _, _) => 0.95,
        (None, Some(_), Some('-')) => 0.7,
        _ => return None,
    };
    Some(Detection::new(
        Label::SortCode,
        c.start,
        c.end,
        score,
        Evidence::new("sort-code nn-nn-nn")
            .check("six digits")
            .context(context.or(bank)),
    ))
}

fn account(c: Candidate<'_>) -> Option<Detection> {
    if c.continues_as_number() {
        return None;
    }
    let context = c
        .ctx
        .near(c.text, c.start, c.end, Cue::Account, 40, 5)
        .or_else(|| c.ctx.near(c.text, c.start, c.end, Cue::SortCode, 60, 40));
    let context = context?;
    Some(Detection::new(
        Label::AccountNumber,
        c.start,
        c.end,
        0.9,
        Evidence::new("account-number 8 digits")
            .check("eight digits")
            .context(Some(context)),
    ))
}

fn passport(c: Candidate<'_>) -> Option<Detection> {
    if c.continues_as_number() {
        return None;
    }
    let context = c.ctx.near(c.text, c.start, c.end, Cue::Passport, 50, 5)?;
    Some(Detection::new(
        Label::Passport,
        c.start,
        c.end,
        0.9,
        Evidence::new("passport 9 digits")
            .check("nine digits")
            .context(Some(context)),
    ))
}

fn driving_licence(c: Candidate<'_>) -> Option<Detection> {
    let compact: String = c.value().chars().filter(|ch| *ch != ' ').collect();
    if !checks::dvla_structure_ok(&compact) {
        return None;
    }
    let context = c.ctx.near(c.text, c.start, c.end, Cue::Licence, 50, 10);
    let score = if context.is_some() { 0.99 } else { 0.9 };
    Some(Detection::new(
        Label::DrivingLicence,
        c.start,
        c.end,
        score,
        Evidence::new("dvla licence number")
            .check("dvla structure: surname, birth date, initials")
            .context(context),
    ))
}

/// The current (2001+) format: two letters, an age identifier, three letters.
fn vehicle_current(c: Candidate<'_>) -> Option<Detection> {
    let v = c.value();
    let age: u32 = v.get(2..4)?.parse().ok()?;
    // Age identifiers run 02..=current year (March) and 51..=current+50 (September).
    if !((2..=29).contains(&age) || (51..=79).contains(&age)) {
        return None;
    }
    let context = c.ctx.near(c.text, c.start, c.end, Cue::Vehicle, 50, 20);
    let spaced = v.len() == 8;
    let score = match (context, spaced) {
        (Some(_), _) => 0.97,
        (None, true) => 0.75,
        (None, false) => 0.55,
    };
    Some(Detection::new(
        Label::VehicleReg,
        c.start,
        c.end,
        score,
        Evidence::new("vehicle-reg current")
            .check("valid age identifier")
            .context(context),
    ))
}

fn vehicle_context_only(c: Candidate<'_>, pattern: &'static str) -> Option<Detection> {
    let context = c.ctx.near(c.text, c.start, c.end, Cue::Vehicle, 50, 20)?;
    Some(Detection::new(
        Label::VehicleReg,
        c.start,
        c.end,
        0.85,
        Evidence::new(pattern).context(Some(context)),
    ))
}

/// The 1983–2001 prefix format (A123 BCD); common as words, so context is required.
fn vehicle_prefix(c: Candidate<'_>) -> Option<Detection> {
    vehicle_context_only(c, "vehicle-reg prefix")
}

/// The 1963–1983 suffix format (ABC 123D); context is required.
fn vehicle_suffix(c: Candidate<'_>) -> Option<Detection> {
    vehicle_context_only(c, "vehicle-reg suffix")
}
