//! Whether a UK phone number is valid, by libphonenumber's numbering plan
//! for +44, without libphonenumber's cost per call.
//!
//! The `phonenumber` crate looks up each of its patterns in a shared,
//! mutex-guarded cache keyed by the pattern's source text, hashing that text
//! on every use; validating one number costs dozens of such lookups. Here the
//! same metadata (the patterns of the regions that share +44: GB, Guernsey,
//! the Isle of Man, Jersey) is read once and compiled into our own regular
//! expressions, and validation follows the crate's own steps:
//!
//! 1. the national prefix `0` is stripped, leaving the national significant
//!    number;
//! 2. the region is the first of +44's regions whose leading digits match
//!    or, for a region without leading digits, whose plan knows the number;
//! 3. the number is valid when its region's general pattern matches it and
//!    so does the pattern of at least one number type (fixed line, mobile,
//!    toll free…), each pattern checked with its possible lengths.
//!
//! Only ten- and eleven-digit national forms starting `0` and a non-zero
//! digit take this path (every candidate the phone pattern produces that can
//! be valid under +44); a form starting `00` dials abroad and is not under
//! +44; anything else, or metadata that does not have the shape this relies
//! on, goes to the crate itself. A test compares the plan with the crate on
//! every five-digit prefix.

use std::sync::LazyLock;

use phonenumber::metadata::{DATABASE, Descriptor, Metadata};
use regex::{Regex, RegexBuilder};

/// `true` when `national` (digits only, national form such as `07700900123`)
/// is a valid number somewhere under +44.
pub(crate) fn is_valid_national(national: &str) -> bool {
    match PLAN.as_ref() {
        Some(plan) if Plan::covers(national) => plan.is_valid_significant(&national[1..]),
        // "00" is the UK's international prefix: what follows is a number
        // under another country code, not under +44 ("0044…" reaches here
        // already as "0…"). Asking the crate would have it compile that
        // country's patterns, the costliest one-time work of a short run.
        Some(_) if national.starts_with("00") => false,
        _ => libphonenumber_is_valid(national),
    }
}

pub(crate) fn load_tables() {
    LazyLock::force(&PLAN);
}

/// The crate's own answer: the reference that [`Plan`] reproduces.
fn libphonenumber_is_valid(national: &str) -> bool {
    phonenumber::parse(Some(phonenumber::country::Id::GB), national)
        .map(|n| phonenumber::is_valid(&n))
        .unwrap_or(false)
}

static PLAN: LazyLock<Option<Plan>> = LazyLock::new(Plan::load);

/// A metadata pattern compiled as the crate compiles it (whitespace in the
/// metadata's layout is ignored), anchored at the start of the number.
fn anchored(source: &str) -> Option<Regex> {
    RegexBuilder::new(&format!("^(?:{source})"))
        .ignore_whitespace(true)
        .build()
        .ok()
}

/// One pattern of the plan with the lengths it allows (empty: any length).
#[derive(Debug)]
struct Pattern {
    anchored: Regex,
    lengths: Vec<u16>,
}

impl Pattern {
    fn compile(d: &Descriptor) -> Option<Pattern> {
        // The crate accepts a match that starts at the first digit.
        let anchored = anchored(d.national_number().as_str())?;
        Some(Pattern {
            anchored,
            lengths: d.possible_length().to_vec(),
        })
    }

    fn is_match(&self, nsn: &str) -> bool {
        (self.lengths.is_empty() || self.lengths.contains(&(nsn.len() as u16)))
            && self.anchored.is_match(nsn)
    }
}

/// The numbering plan of one region.
#[derive(Debug)]
struct Region {
    leading_digits: Option<Regex>,
    general: Pattern,
    /// Premium rate, toll free, shared cost, VoIP, personal, pager, UAN,
    /// voicemail, fixed line, mobile: a number is valid if one matches.
    types: Vec<Pattern>,
}

impl Region {
    fn compile(meta: &Metadata) -> Option<Region> {
        let leading_digits = match meta.leading_digits() {
            Some(re) => Some(anchored(re.as_str())?),
            None => None,
        };
        let d = meta.descriptors();
        let types = [
            d.premium_rate(),
            d.toll_free(),
            d.shared_cost(),
            d.voip(),
            d.personal_number(),
            d.pager(),
            d.uan(),
            d.voicemail(),
            d.fixed_line(),
            d.mobile(),
        ]
        .into_iter()
        .flatten()
        .map(Pattern::compile)
        .collect::<Option<Vec<_>>>()?;
        Some(Region {
            leading_digits,
            general: Pattern::compile(d.general())?,
            types,
        })
    }

    fn knows(&self, nsn: &str) -> bool {
        self.general.is_match(nsn) && self.types.iter().any(|t| t.is_match(nsn))
    }
}

/// The regions that share +44, in the crate's order.
#[derive(Debug)]
struct Plan {
    regions: Vec<Region>,
}

impl Plan {
    /// Reads the crate's metadata. `None` (so every number goes to the crate)
    /// if the metadata does not have the shape the steps above rely on.
    fn load() -> Option<Plan> {
        let gb = DATABASE.by_id("GB")?;
        // Step 1 relies on GB's national prefix being a plain "0" (the
        // parsing rule "0|180020" strips just the "0" from "0" + a non-zero digit).
        if gb.national_prefix() != Some("0")
            || gb.national_prefix_transform_rule().is_some()
            || gb
                .national_prefix_for_parsing()
                .is_some_and(|re| !re.as_str().split_whitespace().eq(["0|180020"]))
        {
            return None;
        }
        let regions = DATABASE
            .region(&44)?
            .into_iter()
            .map(|id| DATABASE.by_id(id).and_then(Region::compile))
            .collect::<Option<Vec<_>>>()?;
        Some(Plan { regions })
    }

    /// Whether `national` is in the domain this plan answers for.
    fn covers(national: &str) -> bool {
        let b = national.as_bytes();
        (10..=11).contains(&b.len())
            && b[0] == b'0'
            && (b'1'..=b'9').contains(&b[1])
            && b.iter().all(u8::is_ascii_digit)
    }

    fn is_valid_significant(&self, nsn: &str) -> bool {
        let region = self.regions.iter().find(|r| match &r.leading_digits {
            Some(re) => re.is_match(nsn),
            None => r.knows(nsn),
        });
        region.is_some_and(|r| r.knows(nsn))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_loads_from_the_crate_metadata() {
        let plan = PLAN.as_ref().expect("+44 metadata has the expected shape");
        assert_eq!(plan.regions.len(), 4, "GB, GG, IM and JE share +44");
    }

    #[test]
    fn accepts_real_uk_numbers_and_rejects_malformed_ones() {
        for n in [
            "02079460958",
            "07911123456",
            "01612345678",
            "03001234567",
            "08001111111",
            "01534456789", // Jersey (the metadata's example)
            "01624756789", // Isle of Man (the metadata's example)
        ] {
            assert!(is_valid_national(n), "{n}");
        }
        for n in ["07012", "0000000000", "0292018996", "09999999999"] {
            assert!(!is_valid_national(n), "{n}");
        }
    }

    #[test]
    fn a_number_dialled_abroad_is_not_under_plus_44_even_when_valid_there() {
        // The Faroe Islands' example landline after "00 298": eleven digits,
        // a valid number (the crate says so), but not a UK one.
        let faroe = DATABASE.by_id("FO").expect("metadata holds FO");
        let example = faroe
            .descriptors()
            .fixed_line()
            .and_then(|d| d.example())
            .expect("FO has an example");
        let dialled = format!("00{}{example}", faroe.country_code());
        assert!((10..=11).contains(&dialled.len()), "{dialled}");
        assert!(libphonenumber_is_valid(&dialled), "{dialled}");
        assert!(!is_valid_national(&dialled), "{dialled}");
        assert!(!is_valid_national("0092416414"));
    }

    /// A small deterministic generator, so the comparison is reproducible.
    fn next(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn agrees_with_libphonenumber_on_every_five_digit_prefix() {
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut checked = 0;
        for prefix in 1000..10000u32 {
            for len in [10usize, 11] {
                for _ in 0..2 {
                    let mut n = format!("0{prefix}");
                    while n.len() < len {
                        n.push(char::from(b'0' + (next(&mut state) % 10) as u8));
                    }
                    assert_eq!(
                        is_valid_national(&n),
                        libphonenumber_is_valid(&n),
                        "disagreement on {n}"
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 36_000);
    }
}
