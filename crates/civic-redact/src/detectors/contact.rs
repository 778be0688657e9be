//! Ways to reach a person: e-mail address, URL, IP address and UK phone number.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::{Candidate, Pattern, boost, uk_phone};
use crate::context::Cue;
use crate::detection::{Detection, Evidence};
use crate::label::Label;

pub(crate) fn patterns() -> Vec<Pattern> {
    vec![
    Pattern {
        label: Label::Email,
        regex: r"(?i-u)(?-u:\b)[a-z0-9][a-z0-9._%+'\-]*@[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)*\.[a-z]{2,24}(?-u:\b)".into(),
        validate: email,
        alone: true,
    },
    Pattern { label: Label::Url, regex: r#"(?i)(?:https?://|www\.)[^\s<>"\]\)]+"#.into(), validate: url, alone: true },
    Pattern { label: Label::IpAddress, regex: r"(?-u)\b(?:\d{1,3}\.){3}\d{1,3}\b".into(), validate: ipv4, alone: false },
    Pattern { label: Label::IpAddress, regex: r"(?i-u)[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}".into(), validate: ipv6, alone: true },
    Pattern {
        label: Label::Phone,
        regex: r"(?-u)(?:(?:\+|00)44[ \-]?(?:\(0\)[ \-]?)?|\(0|\b0)\d(?:[ \-.)]{0,2}\d){8,9}\b".into(),
        validate: phone,
        alone: false,
    },
    ]
}

fn email(c: Candidate<'_>) -> Option<Detection> {
    Some(Detection::new(
        Label::Email,
        c.start,
        c.end,
        1.0,
        Evidence::new("email").check("local@domain.tld shape"),
    ))
}

fn url(c: Candidate<'_>) -> Option<Detection> {
    let v = c.value();
    let trimmed = v.trim_end_matches(['.', ',', ';', ':', '!', '?', '\'']);
    if trimmed.len() < 8 {
        return None;
    }
    Some(Detection::new(
        Label::Url,
        c.start,
        c.start + trimmed.len(),
        0.9,
        Evidence::new("url").check("scheme or www prefix"),
    ))
}

fn ipv4(c: Candidate<'_>) -> Option<Detection> {
    // Version strings such as 1.2.3.4.5 are not addresses.
    let dotted_digit =
        |a: Option<u8>, b: Option<u8>| a == Some(b'.') && b.is_some_and(|b| b.is_ascii_digit());
    if dotted_digit(c.byte_after(0), c.byte_after(1))
        || dotted_digit(c.byte_before(1), c.byte_before(2))
    {
        return None;
    }
    let addr: Ipv4Addr = c.value().parse().ok()?;
    let score = if addr.is_unspecified() || addr.is_broadcast() {
        0.6
    } else {
        0.95
    };
    Some(Detection::new(
        Label::IpAddress,
        c.start,
        c.end,
        score,
        Evidence::new("ipv4").check("four octets 0-255"),
    ))
}

fn ipv6(c: Candidate<'_>) -> Option<Detection> {
    let v = c.value();
    let glued = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || b == b':');
    if v.len() < 3
        || glued(c.byte_before(1))
        || glued(c.byte_after(0))
        || c.byte_before(1) == Some(b'.')
    {
        return None;
    }
    let _: Ipv6Addr = v.parse().ok()?;
    Some(Detection::new(
        Label::IpAddress,
        c.start,
        c.end,
        0.95,
        Evidence::new("ipv6").check("rfc 4291 syntax"),
    ))
}

fn phone(c: Candidate<'_>) -> Option<Detection> {
    let v = c.value();
    if matches!(c.byte_after(0), Some(b'-' | b'/'))
        && c.byte_after(1).is_some_and(|b| b.is_ascii_digit())
    {
        return None;
    }
    // The national form, digits only: "+44 (0)20 7946 0000" is "02079460000".
    // Built on the stack; anything longer than eleven digits is refused below.
    let mut digits = [0u8; 12];
    let mut len = 0;
    let rest = match v.strip_prefix("+44").or_else(|| v.strip_prefix("0044")) {
        Some(rest) => {
            digits[0] = b'0';
            len = 1;
            rest
        }
        None => v,
    };
    let bytes = rest.as_bytes();
    let international = len == 1;
    let mut i = 0;
    while i < bytes.len() {
        // After +44 the trunk "(0)" is dropped ("+44 (0)20…").
        if international && bytes[i..].starts_with(b"(0)") {
            i += 3;
            continue;
        }
        if bytes[i].is_ascii_digit() {
            if len == digits.len() {
                return None;
            }
            digits[len] = bytes[i];
            len += 1;
        }
        i += 1;
    }
    let national = std::str::from_utf8(&digits[..len]).ok()?;
    if !(10..=11).contains(&national.len()) {
        return None;
    }
    let context = c.ctx.near(c.text, c.start, c.end, Cue::Phone, 40, 5);
    let valid = uk_phone::is_valid_national(national);
    let (score, check) = if valid {
        (0.9, "libphonenumber: valid GB number")
    } else if national.len() == 11 && context.is_some() {
        // Ofcom's ranges for drama and examples are well formed but not valid.
        (0.75, "GB number length")
    } else if national.len() == 11
        && (national.starts_with("01") || national.starts_with("02") || national.starts_with("07"))
    {
        (0.6, "GB number length and prefix")
    } else {
        return None;
    };
    let score = if context.is_some() {
        boost(score, 0.08)
    } else {
        score
    };
    // Brackets belong to the number only when both ends are in the match.
    let (start, end) = trim_unbalanced_paren(c.start, c.end, v);
    Some(Detection::new(
        Label::Phone,
        start,
        end,
        score,
        Evidence::new("uk phone").check(check).context(context),
    ))
}

fn trim_unbalanced_paren(start: usize, end: usize, v: &str) -> (usize, usize) {
    if v.starts_with('(') && !v.contains(')') {
        (start + 1, end)
    } else {
        (start, end)
    }
}
