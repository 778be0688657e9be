//! Where a person lives: UK postcodes and postal addresses.
//!
//! An address is a street line (house number or name, street name, a
//! street suffix) extended over the locality lines that follow it. A
//! postcode that follows is its own detection; the address stops before
//! it, and the postcode raises the address's score.

use std::sync::LazyLock;

use regex::Regex;

use super::{Candidate, Pattern};
use crate::checks;
use crate::detection::{Detection, Evidence};
use crate::label::Label;

/// Outward code (A9, A99, AA9, AA99, A9A, AA9A) and inward code (9AA), or GIR 0AA.
const POSTCODE: &str = r"(?:[A-PR-UWYZ](?:\d[A-HJKPSTUW]|\d{1,2}|[A-HK-Y]\d[ABEHMNPRVWXY]|[A-HK-Y]\d{1,2}) ?\d[ABD-HJLNP-UW-Z]{2}|GIR ?0AA)";

const STREET_SUFFIX: &str = "Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Close|Cl|Court|Ct|Crescent|Cres|Place|Pl|Way|Gardens|Gdns|Grove|Terrace|Terr|Square|Sq|Hill|Park|Row|Mews|Walk|View|Rise|Green|Parade|Mount|Vale|Wharf|Meadows?|Fields?|Gate|End|Ridge|Path|Yard|Wynd|Broadway|Circus|Embankment|Promenade|Quay|Chase|Croft|Grange|Hollow|Heights|Boulevard|Approach|Bank|Brow|Causeway|Common|Copse|Corner|Dale|Dene|Glade|Glen|Orchard|Paddock|Spinney|Wood|Woods|Market|Bridge|Gate|Passage";

const HOUSE_NAME: &str = "Cottage|House|Farm|Lodge|Manor|Hall|Barn|Villa|Bungalow|Cottages|Farmhouse|Rectory|Vicarage|Mill|Grange|Croft";

pub(crate) fn patterns() -> Vec<Pattern> {
    vec![
        Pattern {
            label: Label::Postcode,
            regex: format!(r"(?i-u)(?-u:\b){POSTCODE}(?-u:\b)"),
            validate: postcode,
            alone: false,
        },
        Pattern {
            label: Label::Address,
            regex: street_line(),
            validate: address,
            alone: true,
        },
    ]
}

fn street_line() -> String {
    let word = r"(?:[A-Z]['’]|Ma?c)?[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)?";
    let flat = r"(?:(?:Flat|Apartment|Apt|Unit|Studio|Room) \d+[A-Za-z]?(?:,? |,?\n))?";
    let number = r"\d{1,4}[A-Za-z]?(?:-\d{1,4})?,? ";
    let house = format!(r"(?:{word} ){{1,2}}(?:{HOUSE_NAME}),? (?:\d{{1,4}}[A-Za-z]? )?");
    format!(
        r"(?-u:\b){flat}(?:{number}|{house})(?:The )?(?:{word} ){{0,3}}(?:{STREET_SUFFIX})\.?(?-u:\b)"
    )
}

static POSTCODE_AT_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"^(?i-u){POSTCODE}(?-u:\b)"))
        .expect("the constant postcode pattern compiles")
});

static LOCALITY_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[A-Z][A-Za-z'’\-]+|upon|on|under|in|le|the|by)(?-u:\b)(?: (?:[A-Z][A-Za-z'’\-]+|upon|on|under|in|le|the|by)(?-u:\b)){0,3}")
        .expect("the constant locality pattern compiles")
});

pub(crate) fn load_tables() {
    LazyLock::force(&POSTCODE_AT_START);
    LazyLock::force(&LOCALITY_LINE);
}

fn postcode(c: Candidate<'_>) -> Option<Detection> {
    let v = c.value();
    let outward = v.split(' ').next().unwrap_or(v);
    let outward = if v.contains(' ') {
        outward
    } else {
        v.get(..v.len().saturating_sub(3)).unwrap_or("")
    };
    if !checks::postcode_area_ok(outward) {
        return None;
    }
    let upper = !v.bytes().any(|b| b.is_ascii_lowercase());
    let spaced = v.contains(' ');
    let score = match (upper, spaced) {
        (true, true) => 0.95,
        (true, false) => 0.85,
        (false, true) => 0.6,
        (false, false) => return None,
    };
    Some(Detection::new(
        Label::Postcode,
        c.start,
        c.end,
        score,
        Evidence::new("uk postcode").check("royal mail format and postcode area"),
    ))
}

fn address(c: Candidate<'_>) -> Option<Detection> {
    let text = c.text;
    let mut end = c.end;
    let mut followed_by_postcode = false;
    // Up to three locality lines ("Headingley", "Leeds", "West Yorkshire").
    for _ in 0..4 {
        let rest = &text[end..];
        let sep_len = separator_len(rest);
        if sep_len == 0 {
            break;
        }
        let after = &rest[sep_len..];
        if POSTCODE_AT_START.is_match(after) {
            followed_by_postcode = true;
            break;
        }
        let Some(m) = LOCALITY_LINE.find(after) else {
            break;
        };
        // A locality line ends at a separator, a postcode, or the end of the text.
        let tail = &after[m.end()..];
        let ends_well = tail.is_empty()
            || tail.starts_with([',', '\n', '\r', '.', ';', ')'])
            || (tail.starts_with(' ') && POSTCODE_AT_START.is_match(tail.trim_start_matches(' ')));
        if !ends_well || !m.as_str().starts_with(|ch: char| ch.is_ascii_uppercase()) {
            break;
        }
        end += sep_len + m.end();
    }
    let score = if followed_by_postcode { 0.95 } else { 0.85 };
    let check = if followed_by_postcode {
        "street line, followed by a postcode"
    } else {
        "street line"
    };
    Some(Detection::new(
        Label::Address,
        c.start,
        end,
        score,
        Evidence::new("uk address").check(check),
    ))
}

/// The length of an address-line separator at the start of `s`: ", ",
/// ",\n", a newline, or a single space before a postcode.
fn separator_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    if b.first() == Some(&b',') {
        i += 1;
    }
    let mut newlines = 0;
    while let Some(&x) = b.get(i) {
        match x {
            b' ' | b'\t' => i += 1,
            b'\r' => i += 1,
            b'\n' if newlines == 0 => {
                newlines += 1;
                i += 1
            }
            _ => break,
        }
    }
    if i == 0 || (b.first() != Some(&b',') && newlines == 0 && !POSTCODE_AT_START.is_match(&s[i..]))
    {
        return 0;
    }
    i
}
