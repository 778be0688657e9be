//! Analysing inputs too large to hold in memory, a piece at a time.

use std::io::Read;

use crate::analyzer::Analyzer;
use crate::detection::Detection;
use crate::error::RedactError;

/// A piece of a streamed input and what was found in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    /// The text of this piece.
    pub text: String,
    /// Where the piece starts in the whole input, in bytes.
    pub offset: usize,
    /// Detections with offsets relative to `text` (add `offset` for the
    /// position in the whole input).
    pub detections: Vec<Detection>,
}

/// The pieces of a streamed input; see [`Analyzer::analyze_stream`].
#[derive(Debug)]
pub struct Chunks<'a, R> {
    analyzer: &'a Analyzer,
    reader: R,
    buf: Vec<u8>,
    offset: usize,
    target: usize,
    eof: bool,
    failed: bool,
}

impl Analyzer {
    /// Reads `reader` in pieces of about `target` bytes, each cut at a
    /// paragraph break where there is one (else a line break, else a
    /// space), and analyses each piece. Memory use is bounded by the piece
    /// size, whatever the input's size. Personal data is not split by a
    /// cut unless it spans a whole paragraph break, which addresses and
    /// names do not.
    ///
    /// ```
    /// use civic_redact::Analyzer;
    /// let input = "Call 020 7946 0958.\n\nEmail jo@example.com.\n".repeat(1000);
    /// let analyzer = Analyzer::default();
    /// let found: usize = analyzer
    ///     .analyze_stream(input.as_bytes(), 4096)
    ///     .map(|chunk| chunk.map(|c| c.detections.len()).unwrap_or(0))
    ///     .sum();
    /// assert_eq!(found, 2000);
    /// ```
    pub fn analyze_stream<R: Read>(&self, reader: R, target: usize) -> Chunks<'_, R> {
        Chunks {
            analyzer: self,
            reader,
            buf: Vec::new(),
            offset: 0,
            target: target.max(1024),
            eof: false,
            failed: false,
        }
    }
}

impl Analyzer {
    /// Analyses a text held in memory a piece at a time, as
    /// [`analyze_stream`](Self::analyze_stream) cuts it, and returns every
    /// detection with its offsets in the whole text. Only the detections
    /// grow with the text: the analysis's own working memory (several
    /// times the text it looks at) is bounded by the piece. A text no
    /// longer than `target` is analysed whole, as [`analyze`](Self::analyze)
    /// would.
    ///
    /// ```
    /// use civic_redact::Analyzer;
    /// let text = "Call 020 7946 0958.\n\nEmail jo@example.com.\n".repeat(1000);
    /// let found = Analyzer::default().analyze_in_pieces(&text, 4096);
    /// assert_eq!(found.len(), 2000);
    /// assert_eq!(found[1999].value(&text), "jo@example.com");
    /// ```
    pub fn analyze_in_pieces(&self, text: &str, target: usize) -> Vec<Detection> {
        let mut found = Vec::new();
        for chunk in self.analyze_stream(text.as_bytes(), target) {
            // Reading from a `&str` cannot fail, and pieces are cut on
            // character boundaries, so every piece is valid UTF-8.
            let Ok(chunk) = chunk else { break };
            found.extend(chunk.detections.into_iter().map(|mut d| {
                d.start += chunk.offset;
                d.end += chunk.offset;
                d
            }));
        }
        found
    }
}

impl<R: Read> Iterator for Chunks<'_, R> {
    type Item = Result<Chunk, RedactError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || (self.eof && self.buf.is_empty()) {
            return None;
        }
        let mut block = [0u8; 64 * 1024];
        while !self.eof && self.buf.len() < self.target {
            match self.reader.read(&mut block) {
                Ok(0) => self.eof = true,
                Ok(n) => self.buf.extend_from_slice(&block[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.failed = true;
                    return Some(Err(RedactError::Io(e.to_string())));
                }
            }
        }
        let cut = if self.eof && self.buf.len() <= self.target {
            self.buf.len()
        } else {
            cut_point(&self.buf, self.target)
        };
        let piece: Vec<u8> = self.buf.drain(..cut).collect();
        let text = match String::from_utf8(piece) {
            Ok(text) => text,
            Err(e) => {
                self.failed = true;
                return Some(Err(RedactError::InvalidUtf8 {
                    offset: self.offset + e.utf8_error().valid_up_to(),
                }));
            }
        };
        let detections = self.analyzer.analyze(&text);
        let chunk = Chunk {
            text,
            offset: self.offset,
            detections,
        };
        self.offset += cut;
        Some(Ok(chunk))
    }
}

/// Where to end a piece: after the last paragraph break in the second half
/// of the first `target` bytes, else the last line break, else the last
/// space, else the last character boundary.
fn cut_point(buf: &[u8], target: usize) -> usize {
    let window = &buf[..target.min(buf.len())];
    let half = window.len() / 2;
    let last = |pred: &dyn Fn(usize) -> bool| (half..window.len()).rev().find(|&i| pred(i));
    if let Some(i) = last(&|i| window[i] == b'\n' && i > 0 && window[i - 1] == b'\n') {
        return i + 1;
    }
    if let Some(i) = last(&|i| window[i] == b'\n') {
        return i + 1;
    }
    if let Some(i) = last(&|i| window[i] == b' ') {
        return i + 1;
    }
    // No break at all: end on a character boundary (not inside a UTF-8 sequence).
    let mut cut = window.len();
    while cut > 1 && (buf.get(cut).is_some_and(|b| b & 0xC0 == 0x80)) {
        cut -= 1;
    }
    cut.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_prefer_paragraphs_then_lines_then_spaces_then_char_boundaries() {
        assert_eq!(cut_point(b"aaaa\n\nbbbb cc\ndd", 16), 14);
        assert_eq!(cut_point(b"aaaaaa\n\nbbbbbbbbbbbbbbb", 12), 8);
        assert_eq!(cut_point(b"aaaaaa bbbbb", 10), 7);
        // A break in the first half would make pieces too small: cut at the target instead.
        assert_eq!(cut_point(b"aaaa bbbbbbb", 10), 10);
        let s = "éééééééé".as_bytes();
        let cut = cut_point(s, 5);
        assert!(std::str::from_utf8(&s[..cut]).is_ok());
    }
}
