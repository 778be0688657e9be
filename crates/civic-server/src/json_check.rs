//! Checks a JSON body for what parses but cannot be kept exactly, before it
//! is read into a request type.
//!
//! - **NUL characters** (`\u0000`) in a string or a key: PostgreSQL cannot
//!   store them in `text` or `jsonb`, so one such request used to fail the
//!   whole group-commit batch it landed in. SQLite can store them, but both
//!   backends must answer alike, so they are refused everywhere.
//! - **Duplicate keys** in one object: a JSON reader keeps one of them (which
//!   one varies by reader), so what was recorded would not be what was sent.
//! - **Integers beyond ±2⁵³** (9,007,199,254,740,992): many JSON readers,
//!   and the canonical form the ledger commits to, keep them only
//!   approximately (RFC 7493, I-JSON, §2.2). Send such a number as a string.
//!
//! Each problem names where it is, as a JSON Pointer (RFC 6901), e.g.
//! `/output/team`.

use std::collections::HashSet;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// The largest integer every JSON reader keeps exactly: 2⁵³.
pub const MAX_EXACT_INTEGER: u64 = 1 << 53;

/// What is wrong with a body, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyProblem {
    /// The JSON Pointer of the value at fault (`""` for the whole body).
    pub pointer: String,
    /// What is wrong, in plain words.
    pub message: String,
}

impl fmt::Display for BodyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.pointer.is_empty() {
            "the body"
        } else {
            &self.pointer
        };
        write!(f, "{at}: {}", self.message)
    }
}

/// Why a body was refused.
#[derive(Debug)]
pub enum Refusal {
    /// It is not JSON; the error names the line and column.
    Syntax(serde_json::Error),
    /// It is JSON that cannot be kept exactly.
    Problem(BodyProblem),
}

/// Checks that `body` is one well-formed JSON value that can be kept
/// exactly; the first problem found is the one named.
pub fn check(body: &[u8]) -> Result<(), Refusal> {
    let mut found = None;
    let mut de = serde_json::Deserializer::from_slice(body);
    let walk = Walk {
        pointer: &mut String::new(),
        found: &mut found,
    };
    let walked = walk.deserialize(&mut de).and_then(|()| de.end());
    match (found, walked) {
        (Some(p), _) => Err(Refusal::Problem(p)),
        (None, Err(e)) => Err(Refusal::Syntax(e)),
        (None, Ok(())) => Ok(()),
    }
}

/// Walks one value, stopping at the first problem (kept in `found`).
struct Walk<'a> {
    pointer: &'a mut String,
    found: &'a mut Option<BodyProblem>,
}

impl Walk<'_> {
    fn fail<E: serde::de::Error>(self, message: impl Into<String>) -> Result<(), E> {
        *self.found = Some(BodyProblem {
            pointer: self.pointer.clone(),
            message: message.into(),
        });
        // Any error stops the parse; the message is in `found`.
        Err(E::custom("stop"))
    }

    fn string<E: serde::de::Error>(self, s: &str) -> Result<(), E> {
        if s.contains('\0') {
            return self.fail(NUL);
        }
        Ok(())
    }
}

const NUL: &str = "contains a NUL character (\\u0000), which cannot be stored; remove it";

fn too_large(n: impl fmt::Display) -> String {
    format!(
        "the number {n} is beyond ±2^53 (9007199254740992), which JSON readers keep only \
         approximately; send it as a string"
    )
}

/// Appends a key to a JSON Pointer, escaping `~` and `/` (RFC 6901 §3).
fn push_key(pointer: &mut String, key: &str) {
    pointer.push('/');
    for c in key.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<(), E> {
        if v > MAX_EXACT_INTEGER {
            return self.fail(too_large(v));
        }
        Ok(())
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<(), E> {
        if v.unsigned_abs() > MAX_EXACT_INTEGER {
            return self.fail(too_large(v));
        }
        Ok(())
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<(), E> {
        // An integer too long for 64 bits arrives here, already rounded;
        // so does a whole number written with an exponent (1e20). A
        // fraction is a binary approximation by nature and is kept as the
        // shortest text that reads back to the same double.
        if v.is_finite() && v.fract() == 0.0 && v.abs() > MAX_EXACT_INTEGER as f64 {
            return self.fail(too_large(v));
        }
        Ok(())
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<(), E> {
        self.string(v)
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<(), E> {
        self.string(v)
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<(), E> {
        self.string(&v)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let base = self.pointer.len();
        let mut i = 0usize;
        loop {
            self.pointer.truncate(base);
            self.pointer.push_str(&format!("/{i}"));
            let item = Walk {
                pointer: &mut *self.pointer,
                found: &mut *self.found,
            };
            if seq.next_element_seed(item)?.is_none() {
                break;
            }
            i += 1;
        }
        self.pointer.truncate(base);
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let base = self.pointer.len();
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            self.pointer.truncate(base);
            push_key(self.pointer, &key);
            if key.contains('\0') {
                return self.fail(format!("a key {NUL}"));
            }
            if !seen.insert(key) {
                return self.fail(
                    "this key appears twice in the same object; a reader would keep only one \
                     of the values, so send it once",
                );
            }
            map.next_value_seed(Walk {
                pointer: &mut *self.pointer,
                found: &mut *self.found,
            })?;
        }
        self.pointer.truncate(base);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (body, the pointer named, a word of the message) for each refusal.
    #[test]
    fn refusals_name_the_value_at_fault() {
        let cases: &[(&str, &str, &str)] = &[
            (r#"{"reference":"a\u0000b"}"#, "/reference", "NUL"),
            (r#"{"a\u0000":1}"#, "/a\u{0}", "key"),
            (
                r#"{"output":{"team":"x","team":"y"}}"#,
                "/output/team",
                "twice",
            ),
            (r#"{"n":9007199254740993}"#, "/n", "2^53"),
            (r#"{"n":-9007199254740993}"#, "/n", "2^53"),
            (r#"{"n":123456789012345678901234567890}"#, "/n", "2^53"),
            (r#"{"n":1e20}"#, "/n", "2^53"),
            (r#"[1,{"x":["ok","\u0000"]}]"#, "/1/x/1", "NUL"),
            (r#"{"a/b~c":"\u0000"}"#, "/a~1b~0c", "NUL"),
        ];
        for (body, pointer, word) in cases {
            let Err(Refusal::Problem(problem)) = check(body.as_bytes()) else {
                panic!("{body} should be refused as a problem");
            };
            assert_eq!(problem.pointer, *pointer, "{body}");
            assert!(problem.message.contains(word), "{body}: {problem}");
        }
    }

    #[test]
    fn ordinary_bodies_pass() {
        for body in [
            r#"{"text":"hello","n":9007199254740992,"m":-9007199254740992,"f":0.1}"#,
            r#"{"a":{"b":1},"c":{"b":2},"d":[{"b":3},{"b":4}]}"#,
            r#"[]"#,
            r#"{"big fraction":12345678901234567.5e-3,"tiny":1e-300}"#,
            r#""just a string""#,
        ] {
            assert!(check(body.as_bytes()).is_ok(), "{body}");
        }
    }

    #[test]
    fn malformed_json_is_a_syntax_error_with_its_position() {
        for body in [
            &b"{\"a\":"[..],
            b"not json",
            b"{} trailing",
            b"{\"a\":1,\n \"b\": }",
        ] {
            match check(body) {
                Err(Refusal::Syntax(e)) => assert!(e.line() >= 1, "{e}"),
                other => panic!("{body:?}: {other:?}"),
            }
        }
    }
}
