//! Text decoding: a text file's bytes read as UTF-8 where they are UTF-8,
//! as Windows-1252 where no byte sequence in them is multi-byte UTF-8
//! (legacy single-byte text, read losslessly), and otherwise as UTF-8 with
//! each invalid sequence replaced by U+FFFD. Whole ([`decode_text`]) or
//! as a stream in two passes ([`scan`] decides, [`Decoder`] decodes), with
//! the same result.

use std::io::Read;

use serde::Serialize;

use super::digest::{BLOCK, ContentDigest, digest_blocks};
use crate::error::RedactError;

/// How a text file that was not valid UTF-8 was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "decoded_as", rename_all = "kebab-case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Decoding {
    /// No byte sequence in the file was valid multi-byte UTF-8, so it was
    /// read as Windows-1252 (which maps every byte: nothing was lost) and
    /// written out as UTF-8.
    #[serde(rename = "windows-1252")]
    Windows1252,
    /// Mostly UTF-8 with some invalid bytes, each replaced with U+FFFD.
    #[serde(rename = "utf-8-with-replacements")]
    Utf8Replaced {
        /// How many invalid sequences were replaced.
        replaced: usize,
        /// The byte offset of the first.
        first_offset: usize,
    },
}

impl Decoding {
    /// A one-line description for summaries.
    pub fn describe(&self) -> String {
        match self {
            Decoding::Windows1252 => {
                "not UTF-8: read as Windows-1252 (lossless) and written as UTF-8".to_owned()
            }
            Decoding::Utf8Replaced {
                replaced,
                first_offset,
            } => format!(
                "invalid UTF-8: {replaced} invalid byte sequence(s) replaced with U+FFFD, the first at byte {first_offset}"
            ),
        }
    }
}

/// Decodes a text file held in memory: UTF-8 as it is; legacy
/// single-byte text as Windows-1252, losslessly; otherwise UTF-8 with
/// invalid bytes replaced. A file read as a stream is decoded the same way
/// by [`scan`] and [`Decoder`].
///
/// ```
/// use civic_redact::document::{Decoding, decode_text};
/// assert_eq!(decode_text(b"Caf\xe9"), ("Café".to_owned(), Some(Decoding::Windows1252)));
/// ```
pub fn decode_text(bytes: &[u8]) -> (String, Option<Decoding>) {
    let first_offset = match std::str::from_utf8(bytes) {
        Ok(text) => return (text.to_owned(), None),
        Err(e) => e.valid_up_to(),
    };
    let (lossy, replaced) = decode_utf8_lossy(bytes);
    let has_utf8_multibyte = lossy.chars().any(|c| c != '\u{FFFD}' && c.len_utf8() > 1);
    if !has_utf8_multibyte {
        let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
        return (text.into_owned(), Some(Decoding::Windows1252));
    }
    (
        lossy,
        Some(Decoding::Utf8Replaced {
            replaced,
            first_offset,
        }),
    )
}

/// Decodes bytes as UTF-8 strictly, naming the first bad byte.
pub fn decode_utf8(bytes: &[u8]) -> Result<&str, RedactError> {
    std::str::from_utf8(bytes).map_err(|e| RedactError::InvalidUtf8 {
        offset: e.valid_up_to(),
    })
}

/// Decodes bytes as UTF-8, replacing invalid sequences with U+FFFD, and
/// says how many were replaced so the caller can report it.
pub fn decode_utf8_lossy(bytes: &[u8]) -> (String, usize) {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let replaced = text.matches('\u{FFFD}').count() - bytes_contain_literal_replacement(bytes);
    (text, replaced)
}

fn bytes_contain_literal_replacement(bytes: &[u8]) -> usize {
    bytes
        .windows(3)
        .filter(|w| *w == [0xEF, 0xBF, 0xBD])
        .count()
}

/// Lossy UTF-8 decoding a block at a time, with the same result as
/// `String::from_utf8_lossy` on the whole input: each invalid sequence
/// becomes one U+FFFD, and a sequence cut by a block boundary is completed
/// from the next block.
#[derive(Debug, Default)]
struct Utf8Lossy {
    /// The start of a sequence that the last block cut off.
    carry: Vec<u8>,
    /// Bytes consumed before `carry`.
    consumed: u64,
    replaced: usize,
    first_offset: Option<u64>,
    /// Whether a valid multi-byte character (other than U+FFFD) was seen.
    multibyte: bool,
}

impl Utf8Lossy {
    fn push(&mut self, block: &[u8], out: &mut String) {
        if self.carry.is_empty() {
            self.decode(block, out, false);
        } else {
            let mut joined = std::mem::take(&mut self.carry);
            joined.extend_from_slice(block);
            self.decode(&joined, out, false);
        }
    }

    fn finish(&mut self, out: &mut String) {
        let carry = std::mem::take(&mut self.carry);
        self.decode(&carry, out, true);
    }

    fn decode(&mut self, mut bytes: &[u8], out: &mut String, last: bool) {
        loop {
            match std::str::from_utf8(bytes) {
                Ok(valid) => {
                    self.take_valid(valid, out);
                    self.consumed += bytes.len() as u64;
                    return;
                }
                Err(e) => {
                    let (valid, rest) = bytes.split_at(e.valid_up_to());
                    // `valid_up_to` marks where the valid UTF-8 ends, so this always succeeds.
                    if let Ok(valid) = std::str::from_utf8(valid) {
                        self.take_valid(valid, out);
                    }
                    self.consumed += valid.len() as u64;
                    let bad = match e.error_len() {
                        Some(n) => n,
                        // Cut off by the end of the block: finish it with the next one.
                        None if !last => {
                            self.carry = rest.to_vec();
                            return;
                        }
                        None => rest.len(),
                    };
                    self.first_offset.get_or_insert(self.consumed);
                    self.replaced += 1;
                    out.push('\u{FFFD}');
                    self.consumed += bad as u64;
                    bytes = &rest[bad..];
                }
            }
        }
    }

    fn take_valid(&mut self, valid: &str, out: &mut String) {
        if !self.multibyte && !valid.is_ascii() {
            self.multibyte = valid.chars().any(|c| c != '\u{FFFD}' && c.len_utf8() > 1);
        }
        out.push_str(valid);
    }
}

/// Reads `reader` to its end and decides how its text is decoded, with the
/// rule of [`decode_text`]: UTF-8 as it is; no valid multi-byte character
/// at all, Windows-1252; otherwise UTF-8 with replacements. Also digests
/// the bytes. Memory does not grow with the input: it is read a block at a
/// time and nothing is kept; a [`Decoder`] then reads it again.
pub fn scan(reader: impl Read) -> std::io::Result<(ContentDigest, Option<Decoding>)> {
    let mut utf8 = Utf8Lossy::default();
    let mut scratch = String::with_capacity(BLOCK + 4);
    let content = digest_blocks(reader, |block| {
        scratch.clear();
        utf8.push(block, &mut scratch);
    })?;
    scratch.clear();
    utf8.finish(&mut scratch);
    let decoding = match utf8.first_offset {
        None => None,
        Some(_) if !utf8.multibyte => Some(Decoding::Windows1252),
        Some(first_offset) => Some(Decoding::Utf8Replaced {
            replaced: utf8.replaced,
            first_offset: usize::try_from(first_offset).unwrap_or(usize::MAX),
        }),
    };
    Ok((content, decoding))
}

/// How a [`Decoder`] turns bytes into UTF-8.
enum Mode {
    Utf8(Utf8Lossy),
    Legacy(encoding_rs::Decoder),
}

/// A reader of UTF-8: the bytes of `inner`, decoded as [`scan`] decided,
/// a block at a time.
///
/// ```
/// use std::io::Read;
/// use civic_redact::document::{Decoder, scan};
/// let bytes = b"Caf\xe9 \x96 \xa35";
/// let (_, decoding) = scan(&bytes[..]).unwrap();
/// let mut text = String::new();
/// Decoder::new(&bytes[..], decoding.as_ref()).read_to_string(&mut text).unwrap();
/// assert_eq!(text, "Café – £5");
/// ```
pub struct Decoder<R> {
    inner: R,
    mode: Mode,
    block: Vec<u8>,
    out: String,
    pos: usize,
    done: bool,
}

impl<R> std::fmt::Debug for Decoder<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoder")
            .field("windows_1252", &matches!(self.mode, Mode::Legacy(_)))
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<R: Read> Decoder<R> {
    /// Decodes `inner` as `decoding` says (`None`: UTF-8, as it is).
    pub fn new(inner: R, decoding: Option<&Decoding>) -> Self {
        let mode = match decoding {
            // With BOM sniffing, as `Encoding::decode` does for the whole file.
            Some(Decoding::Windows1252) => Mode::Legacy(encoding_rs::WINDOWS_1252.new_decoder()),
            _ => Mode::Utf8(Utf8Lossy::default()),
        };
        Decoder {
            inner,
            mode,
            block: vec![0u8; BLOCK],
            out: String::new(),
            pos: 0,
            done: false,
        }
    }

    /// Decodes the next block into `out`; false at the end of the input.
    fn fill(&mut self) -> std::io::Result<bool> {
        self.out.clear();
        self.pos = 0;
        while self.out.is_empty() {
            if self.done {
                return Ok(false);
            }
            let n = match self.inner.read(&mut self.block) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let last = n == 0;
            self.done = last;
            let src = &self.block[..n];
            match &mut self.mode {
                Mode::Utf8(utf8) if last => utf8.finish(&mut self.out),
                Mode::Utf8(utf8) => utf8.push(src, &mut self.out),
                Mode::Legacy(decoder) => {
                    let need = decoder
                        .max_utf8_buffer_length(n)
                        .unwrap_or(n.saturating_mul(3).saturating_add(16));
                    self.out.reserve(need);
                    let _ = decoder.decode_to_string(src, &mut self.out, last);
                }
            }
        }
        Ok(true)
    }
}

impl<R: Read> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.out.len() && !self.fill()? {
            return Ok(0);
        }
        let available = &self.out.as_bytes()[self.pos..];
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most `step` bytes per read, to put block
    /// boundaries inside multi-byte sequences.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    #[test]
    fn text_is_decoded_losslessly_where_possible_and_reported() {
        assert_eq!(decode_text("Café".as_bytes()), ("Café".to_owned(), None));
        // Latin-1 / Windows-1252 "Café – £5": every byte maps, nothing is lost.
        let (text, how) = decode_text(b"Caf\xe9 \x96 \xa35");
        assert_eq!(text, "Café – £5");
        assert_eq!(how, Some(Decoding::Windows1252));
        // UTF-8 with one stray byte: replaced and located.
        let (text, how) = decode_text(
            "é ok \u{00e9}"
                .as_bytes()
                .iter()
                .copied()
                .chain([0xff])
                .collect::<Vec<_>>()
                .as_slice(),
        );
        assert!(text.ends_with('\u{FFFD}'));
        assert_eq!(
            how,
            Some(Decoding::Utf8Replaced {
                replaced: 1,
                first_offset: 8
            })
        );
    }

    #[test]
    fn streamed_decoding_matches_decoding_the_whole_file() {
        let cases: &[&[u8]] = &[
            b"plain ascii",
            "Café – £5 ✓".as_bytes(),
            b"Caf\xe9 \x96 \xa35",
            b"ok \xc3\xa9 then \xff and \xe2\x82 cut and \xf0\x9f\x98",
            b"\xef\xbf\xbd literal replacement and a stray \x80",
            b"\xff\xfeU\x00T\x00F\x00",
            b"",
        ];
        for bytes in cases {
            let (want_text, want_decoding) = decode_text(bytes);
            for step in [1, 2, 3, 5, 64 * 1024] {
                let (content, decoding) = scan(Trickle { bytes, step }).unwrap();
                assert_eq!(decoding, want_decoding, "{bytes:?} in steps of {step}");
                assert_eq!(content, ContentDigest::of(bytes));
                let mut text = String::new();
                Decoder::new(Trickle { bytes, step }, decoding.as_ref())
                    .read_to_string(&mut text)
                    .unwrap();
                assert_eq!(text, want_text, "{bytes:?} in steps of {step}");
            }
        }
    }
}
