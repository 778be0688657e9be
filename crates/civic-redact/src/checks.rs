//! Check digits and structural rules for UK identifiers.
//!
//! Each function takes the identifier with separators already removed
//! where that is stated, and answers only "does the rule hold".

/// The digits of `s`, ignoring spaces and dashes; `None` if anything else
/// is present.
pub(crate) fn digits(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'0'..=b'9' => out.push(b - b'0'),
            b' ' | b'-' => {}
            _ => return None,
        }
    }
    Some(out)
}

/// NHS number modulus-11 check (NHS Data Dictionary): weights 10..2 on the
/// first nine digits; 11 − (sum mod 11) is the check digit, 11 means 0 and
/// 10 means the number is invalid. Numbers of one repeated digit are not
/// issued and are rejected.
pub(crate) fn nhs_mod11(d: &[u8]) -> bool {
    if d.len() != 10 || d.iter().all(|&x| x == d[0]) {
        return false;
    }
    let sum: u32 = d[..9]
        .iter()
        .zip((2..=10).rev())
        .map(|(&x, w)| u32::from(x) * w)
        .sum();
    let check = match 11 - sum % 11 {
        11 => 0,
        10 => return false,
        c => c,
    };
    check == u32::from(d[9])
}

/// The Luhn (mod-10) check used by payment cards.
pub(crate) fn luhn(d: &[u8]) -> bool {
    if d.len() < 2 {
        return false;
    }
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            let x = u32::from(x);
            if i % 2 == 1 {
                let y = x * 2;
                if y > 9 { y - 9 } else { y }
            } else {
                x
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The card scheme whose issuer range (IIN) and length fit these digits.
pub(crate) fn card_issuer(d: &[u8]) -> Option<&'static str> {
    let prefix = |n: usize| {
        d.iter()
            .take(n)
            .fold(0u32, |acc, &x| acc * 10 + u32::from(x))
    };
    let len = d.len();
    let (p1, p2, p3, p4, p6) = (prefix(1), prefix(2), prefix(3), prefix(4), prefix(6));
    if p1 == 4 && matches!(len, 13 | 16 | 19) {
        Some("visa")
    } else if ((51..=55).contains(&p2) || (2221..=2720).contains(&p4)) && len == 16 {
        Some("mastercard")
    } else if matches!(p2, 34 | 37) && len == 15 {
        Some("american express")
    } else if (p4 == 6011
        || (644..=649).contains(&p3)
        || p2 == 65
        || (622126..=622925).contains(&p6))
        && (16..=19).contains(&len)
    {
        Some("discover")
    } else if (3528..=3589).contains(&p4) && (16..=19).contains(&len) {
        Some("jcb")
    } else if ((300..=305).contains(&p3) || matches!(p2, 36 | 38 | 39)) && (14..=19).contains(&len)
    {
        Some("diners club")
    } else if p2 == 62 && (16..=19).contains(&len) {
        Some("unionpay")
    } else if (p2 == 50 || (56..=69).contains(&p2)) && (12..=19).contains(&len) {
        Some("maestro")
    } else {
        None
    }
}

/// IBAN lengths for the countries most often seen in UK correspondence.
fn iban_length(country: &str) -> Option<usize> {
    Some(match country {
        "GB" => 22,
        "IE" => 22,
        "DE" => 22,
        "FR" => 27,
        "ES" => 24,
        "IT" => 27,
        "NL" => 18,
        "BE" => 16,
        "PT" => 25,
        "PL" => 28,
        "CH" => 21,
        "AT" => 20,
        "DK" => 18,
        "SE" => 24,
        "NO" => 15,
        "FI" => 18,
        "LU" => 20,
        "GI" => 23,
        "GR" => 27,
        "RO" => 24,
        "CZ" => 24,
        "HU" => 28,
        "LT" => 20,
        "LV" => 21,
        "EE" => 20,
        "MT" => 31,
        "CY" => 28,
        _ => return None,
    })
}

/// ISO 13616 IBAN check: known country length and mod-97 == 1. `iban` must
/// be upper-case with spaces removed.
pub(crate) fn iban_mod97(iban: &str) -> bool {
    let b = iban.as_bytes();
    if b.len() < 15 || !b.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    if iban_length(&iban[..2]) != Some(b.len()) {
        return false;
    }
    let mut rem: u32 = 0;
    for &c in b[4..].iter().chain(&b[..4]) {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return false,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

/// HMRC National Insurance number prefix rules: the first letter is not
/// D, F, I, Q, U or V; the second is not D, F, I, O, Q, U or V; and the
/// prefixes BG, GB, KN, NK, NT, TN and ZZ are never allocated.
pub(crate) fn nino_prefix_ok(first: u8, second: u8) -> bool {
    let (a, b) = (first.to_ascii_uppercase(), second.to_ascii_uppercase());
    if !a.is_ascii_uppercase() || !b.is_ascii_uppercase() {
        return false;
    }
    if b"DFIQUV".contains(&a) || b"DFIOQUV".contains(&b) {
        return false;
    }
    !matches!(
        &[a, b],
        b"BG" | b"GB" | b"KN" | b"NK" | b"NT" | b"TN" | b"ZZ"
    )
}

/// UK postcode areas (the letters of the outward code), from the Royal Mail
/// list, including the Crown dependencies.
const POSTCODE_AREAS: [&str; 124] = [
    "AB", "AL", "B", "BA", "BB", "BD", "BH", "BL", "BN", "BR", "BS", "BT", "CA", "CB", "CF", "CH",
    "CM", "CO", "CR", "CT", "CV", "CW", "DA", "DD", "DE", "DG", "DH", "DL", "DN", "DT", "DY", "E",
    "EC", "EH", "EN", "EX", "FK", "FY", "G", "GL", "GU", "GY", "HA", "HD", "HG", "HP", "HR", "HS",
    "HU", "HX", "IG", "IM", "IP", "IV", "JE", "KA", "KT", "KW", "KY", "L", "LA", "LD", "LE", "LL",
    "LN", "LS", "LU", "M", "ME", "MK", "ML", "N", "NE", "NG", "NN", "NP", "NR", "NW", "OL", "OX",
    "PA", "PE", "PH", "PL", "PO", "PR", "RG", "RH", "RM", "S", "SA", "SE", "SG", "SK", "SL", "SM",
    "SN", "SO", "SP", "SR", "SS", "ST", "SW", "SY", "TA", "TD", "TF", "TN", "TQ", "TR", "TS", "TW",
    "UB", "W", "WA", "WC", "WD", "WF", "WN", "WR", "WS", "WV", "YO", "ZE",
];

/// Whether the outward code (e.g. `"SW1A"`) starts with a real postcode area.
pub(crate) fn postcode_area_ok(outward: &str) -> bool {
    let letters: String = outward
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect();
    let letters = letters.to_ascii_uppercase();
    letters == "GIR" || POSTCODE_AREAS.contains(&letters.as_str())
}

/// DVLA driving licence number structure (16 characters, no spaces):
/// surname (5, letters then `9` padding), decade digit, month (01–12, or
/// 51–62 for women), day (01–31), year digit, two initials (letter then
/// letter or `9`), an arbitrary digit and two check letters.
pub(crate) fn dvla_structure_ok(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 16 {
        return false;
    }
    let surname = &b[..5];
    let padding_from = surname.iter().position(|&c| c == b'9').unwrap_or(5);
    if padding_from == 0
        || !surname[..padding_from].iter().all(u8::is_ascii_uppercase)
        || !surname[padding_from..].iter().all(|&c| c == b'9')
    {
        return false;
    }
    if !b[5..11].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let num = |i: usize| u32::from(b[i] - b'0') * 10 + u32::from(b[i + 1] - b'0');
    let month = num(6);
    let day = num(8);
    let month_ok = (1..=12).contains(&month) || (51..=62).contains(&month);
    if !month_ok || !(1..=31).contains(&day) {
        return false;
    }
    let initials_ok = b[11].is_ascii_uppercase() && (b[12].is_ascii_uppercase() || b[12] == b'9');
    initials_ok
        && b[13].is_ascii_digit()
        && b[14].is_ascii_uppercase()
        && b[15].is_ascii_uppercase()
}

/// Whether day/month/year form a real calendar date.
pub(crate) fn valid_date(day: u32, month: u32, year: i32) -> bool {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Vec<u8> {
        digits(s).unwrap()
    }

    #[test]
    fn nhs_mod11_known_answers() {
        let cases = [
            ("943 476 5919", true), // NHS Digital's published example
            ("9434765870", true),
            ("401 023 2137", true),
            ("943 476 5918", false), // wrong check digit
            ("1234567890", false),   // check digit would be 10: never issued
            ("0000000000", false),   // repeated digit
            ("123456789", false),    // too short
        ];
        for (n, want) in cases {
            assert_eq!(nhs_mod11(&d(n)), want, "{n}");
        }
    }

    #[test]
    fn luhn_and_issuer_known_answers() {
        let cases = [
            ("4111 1111 1111 1111", true, Some("visa")),
            ("5555 5555 5555 4444", true, Some("mastercard")),
            ("2223 0031 2200 3222", true, Some("mastercard")),
            ("3782 822463 10005", true, Some("american express")),
            ("6011 1111 1111 1117", true, Some("discover")),
            ("3530 1113 3330 0000", true, Some("jcb")),
            ("4111 1111 1111 1112", false, Some("visa")),
            ("1234 5678 9012 3452", true, None), // Luhn passes, no issuer
        ];
        for (n, luhn_ok, issuer) in cases {
            assert_eq!(luhn(&d(n)), luhn_ok, "{n}");
            assert_eq!(card_issuer(&d(n)), issuer, "{n}");
        }
    }

    #[test]
    fn iban_mod97_known_answers() {
        let cases = [
            ("GB82WEST12345698765432", true),
            ("GB33BUKB20201555555555", true),
            ("DE89370400440532013000", true),
            ("FR1420041010050500013M02606", true),
            ("GB82WEST12345698765433", false),
            ("GB82WEST1234569876543", false), // wrong length for GB
            ("XX82WEST12345698765432", false),
        ];
        for (iban, want) in cases {
            assert_eq!(iban_mod97(iban), want, "{iban}");
        }
    }

    #[test]
    fn nino_prefix_rules() {
        let cases = [
            ("AB", true),
            ("QQ", false), // Q never first or second
            ("DA", false),
            ("AO", false), // O never second
            ("OA", true),  // O allowed first
            ("BG", false),
            ("GB", false),
            ("NK", false),
            ("KN", false),
            ("TN", false),
            ("NT", false),
            ("ZZ", false),
            ("JH", true),
            ("VA", false),
        ];
        for (p, want) in cases {
            let b = p.as_bytes();
            assert_eq!(nino_prefix_ok(b[0], b[1]), want, "{p}");
        }
    }

    #[test]
    fn dvla_structure_known_answers() {
        let cases = [
            ("MORGA753116SM9IJ", true),
            ("SMITH551029JJ9AB", true), // female month 55
            ("JO999712051AB1CD", true),
            ("MORGA753116SM9I", false),  // 15 characters
            ("MORGA713116SM9IJ", false), // month 13
            ("MORGA750016SM9IJ", false), // month 00
            ("MORGA753326SM9IJ", false), // day 32
            ("9ORGA753116SM9IJ", false), // padding before letters
            ("MO9GA753116SM9IJ", false), // letter after padding
            ("MORGA753116S99IJ", true),  // one initial, padded with 9
            ("MORGA753116SM9I1", false), // check characters are letters
        ];
        for (s, want) in cases {
            assert_eq!(dvla_structure_ok(s), want, "{s}");
        }
    }

    #[test]
    fn postcode_areas_and_dates() {
        assert!(postcode_area_ok("SW1A"));
        assert!(postcode_area_ok("M1"));
        assert!(postcode_area_ok("GIR"));
        assert!(!postcode_area_ok("QX1"));
        assert!(!postcode_area_ok("ZZ9"));
        assert!(valid_date(29, 2, 2000));
        assert!(!valid_date(29, 2, 1900));
        assert!(!valid_date(31, 4, 1990));
        assert!(!valid_date(0, 1, 1990));
    }
}
