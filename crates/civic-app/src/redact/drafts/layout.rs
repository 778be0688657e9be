//! The review of a long document, a page at a time.
//!
//! A page holds at most [`PAGE_CHARS`] characters of text and
//! [`PAGE_SPANS`] suggestions, so showing one costs the same whatever the
//! document's length (issue 16's probe: a 9 MB file made a 301 MB page and
//! minutes of CPU per view). The layout is computed once, at upload, as a
//! list of *pieces*: stretches of one passage. A long passage is cut into
//! several pieces, never inside a suggestion and, where one is near, at a
//! line break or a space; short passages share a page.
//!
//! A span belongs to the page where it starts: its row in the form is
//! there, and only that page's form can tick or untick it. An added span
//! that runs over a cut is marked on both pages.

use std::collections::BTreeSet;
use std::ops::Range;

#[cfg(test)]
use crate::redact::review::DocumentPreview;
use crate::redact::review::Span;

/// The most characters of text on one page.
pub const PAGE_CHARS: usize = 40_000;

/// The most suggestions on one page.
pub const PAGE_SPANS: usize = 400;

/// How far back from a page's end a cut looks for a line break or a space.
const CUT_SLACK: usize = 2_000;

/// A stretch of one passage: `start..end` in code points, and the same in
/// UTF-8 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    pub passage: usize,
    pub start: usize,
    pub end: usize,
    pub byte_start: usize,
    pub byte_end: usize,
}

/// Lays out a document's passages, given one at a time in reading order,
/// in pages: a draft's pages are written as the format reads the document,
/// so no more than a page is held.
#[derive(Debug, Clone)]
pub struct Pager {
    page_chars: usize,
    page_spans: usize,
    /// The passages laid out so far.
    passages: usize,
    /// Characters, suggestions and pieces on the open page.
    chars: usize,
    spans: usize,
    pieces: usize,
}

impl Pager {
    /// A pager for pages of at most `page_chars` characters and
    /// `page_spans` suggestions (a single suggestion longer than a page is
    /// kept whole on its own page).
    pub fn new(page_chars: usize, page_spans: usize) -> Self {
        Pager {
            page_chars: page_chars.max(1),
            page_spans: page_spans.max(1),
            passages: 0,
            chars: 0,
            spans: 0,
            pieces: 0,
        }
    }

    /// How many passages have been laid out.
    pub fn passages(&self) -> usize {
        self.passages
    }

    /// Cuts the next passage, `text` with its suggestions `spans` (sorted,
    /// not overlapping), into pieces and hands each to `place` in order,
    /// with whether it starts a new page (the open page, which is not
    /// empty, is then full). Stops at `place`'s first error.
    pub fn passage<E>(
        &mut self,
        text: &str,
        spans: &[Span],
        mut place: impl FnMut(Piece, bool) -> Result<(), E>,
    ) -> Result<(), E> {
        let passage = self.passages;
        self.passages += 1;
        for piece in cut(passage, text, spans, self.page_chars, self.page_spans) {
            let len = piece.end - piece.start;
            let n = spans_starting_in(spans, &piece).len();
            let full = self.pieces > 0
                && (self.chars + len > self.page_chars || self.spans + n > self.page_spans);
            if full {
                (self.chars, self.spans, self.pieces) = (0, 0, 0);
            }
            self.chars += len;
            self.spans += n;
            self.pieces += 1;
            place(piece, full)?;
        }
        Ok(())
    }
}

/// Cuts passage number `passage`, `text` with its suggestions `spans`,
/// into pieces of at most `page_chars` characters and `page_spans`
/// suggestions, never inside a suggestion and, where one is near, at a
/// line break or a space. An empty passage is one empty piece.
fn cut(
    passage: usize,
    text: &str,
    spans: &[Span],
    page_chars: usize,
    page_spans: usize,
) -> Vec<Piece> {
    let text: Vec<char> = text.chars().collect();
    let mut pieces = Vec::new();
    let mut next_span = 0;
    let (mut start, mut byte_start) = (0, 0);
    loop {
        let mut end = usize::saturating_add(start, page_chars).min(text.len());
        // The suggestions starting in this piece, up to the limit; a cut
        // never falls inside one.
        let mut in_piece = 0;
        while let Some(s) = spans.get(next_span) {
            if s.start >= end {
                break;
            }
            if in_piece == page_spans {
                end = s.start.max(start + 1);
                break;
            }
            in_piece += 1;
            end = end.max(s.end.min(text.len()));
            next_span += 1;
        }
        if end < text.len() {
            end = nicer_cut(&text, start, end, &spans[..next_span]);
        }
        let byte_end = byte_start + text[start..end].iter().map(|c| c.len_utf8()).sum::<usize>();
        pieces.push(Piece {
            passage,
            start,
            end,
            byte_start,
            byte_end,
        });
        if end >= text.len() {
            return pieces;
        }
        (start, byte_start) = (end, byte_end);
    }
}

/// Where a whole document's pages start and end, laid out by [`Pager`]
/// (the tests' view of the layout; a draft writes its pages as it goes).
#[cfg(test)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pieces: Vec<Piece>,
    /// Each page's pieces, as a range of `pieces`.
    pages: Vec<Range<usize>>,
}

#[cfg(test)]
impl Layout {
    /// Lays out `preview` in pages of at most `page_chars` characters and
    /// `page_spans` suggestions.
    pub fn new(preview: &DocumentPreview, page_chars: usize, page_spans: usize) -> Self {
        let mut pager = Pager::new(page_chars, page_spans);
        let mut pieces = Vec::new();
        let mut first = 0;
        let mut pages = Vec::new();
        for passage in &preview.passages {
            let placed: Result<(), ()> = pager.passage(&passage.text, &passage.spans, |q, new| {
                if new {
                    pages.push(first..pieces.len());
                    first = pieces.len();
                }
                pieces.push(q);
                Ok(())
            });
            placed.expect("placing a piece cannot fail here");
        }
        pages.push(first..pieces.len());
        Layout { pieces, pages }
    }

    /// How many pages there are (at least one).
    pub fn len(&self) -> usize {
        self.pages.len()
    }

    /// The pieces of page `page` (numbered from 0; clamped to the last).
    pub fn page(&self, page: usize) -> &[Piece] {
        let range = self.pages[page.min(self.pages.len() - 1)].clone();
        &self.pieces[range]
    }

    /// The page on which `offset` of `passage` is shown. (A draft finds
    /// pages through its stored index; this checks the layout.)
    pub fn page_of(&self, passage: usize, offset: usize) -> usize {
        let piece = self
            .pieces
            .partition_point(|q| (q.passage, q.end) <= (passage, offset))
            .min(self.pieces.len().saturating_sub(1));
        self.pages
            .partition_point(|r| r.end <= piece)
            .min(self.pages.len() - 1)
    }

    /// Whether a span starting at `start` of `passage` is on page `page`.
    pub fn holds(&self, page: usize, passage: usize, start: usize) -> bool {
        self.page(page)
            .iter()
            .any(|q| q.passage == passage && q.start <= start && start < q.end)
    }
}

/// Moves a cut at `end` back to just after a line break or a space, if one
/// is within [`CUT_SLACK`] characters and not inside one of `taken` (the
/// suggestions already on the piece, which must stay whole).
fn nicer_cut(text: &[char], start: usize, end: usize, taken: &[Span]) -> usize {
    let floor = end
        .saturating_sub(CUT_SLACK)
        .max(start + 1)
        .max(taken.last().map_or(0, |s| s.end));
    (floor..end)
        .rev()
        .find(|&i| text[i - 1] == '\n')
        .or_else(|| (floor..end).rev().find(|&i| text[i - 1].is_whitespace()))
        .unwrap_or(end)
}

/// The indices of the suggestions of `piece`'s passage, `spans`, that
/// start in it (a passage's suggestions are sorted and do not overlap).
pub fn spans_starting_in(spans: &[Span], piece: &Piece) -> Range<usize> {
    spans.partition_point(|s| s.start < piece.start)..spans.partition_point(|s| s.start < piece.end)
}

/// The page numbers (from 1) in `pages` that are not in `seen`, for the
/// reminder beside the final button.
pub fn unseen(pages: usize, seen: &BTreeSet<usize>) -> Vec<usize> {
    (0..pages)
        .filter(|p| !seen.contains(p))
        .map(|p| p + 1)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::review::Passage;
    use civic_redact::document::FileType;

    fn preview(passages: Vec<(String, Vec<Range<usize>>)>) -> DocumentPreview {
        DocumentPreview {
            file_type: FileType::Text,
            decoding: None,
            passages: passages
                .into_iter()
                .map(|(text, spans)| Passage {
                    spans: spans.into_iter().map(span).collect(),
                    text,
                })
                .collect(),
        }
    }

    /// A suggestion over `r` (code points; the texts here are ASCII).
    fn span(r: Range<usize>) -> Span {
        Span {
            start: r.start,
            end: r.end,
            byte_start: r.start,
            byte_end: r.end,
            label: civic_redact::Label::Person,
            score: 0.9,
            evidence: civic_redact::Evidence {
                pattern: "test".into(),
                check: None,
                context: None,
            },
            kept: None,
        }
    }

    /// Every character of every passage is on exactly one page, in order.
    fn covers(layout: &Layout, preview: &DocumentPreview) {
        let mut expected = Vec::new();
        for (p, passage) in preview.passages.iter().enumerate() {
            expected.push((p, passage.text.chars().count()));
        }
        let mut at = (0usize, 0usize);
        for page in 0..layout.len() {
            for q in layout.page(page) {
                if q.passage != at.0 {
                    assert_eq!(at.1, expected[at.0].1, "passage {} ended early", at.0);
                    at = (q.passage, 0);
                }
                assert_eq!(q.start, at.1, "a gap or an overlap at {q:?}");
                let text = &preview.passages[q.passage].text;
                assert_eq!(
                    text[q.byte_start..q.byte_end].chars().count(),
                    q.end - q.start,
                    "bytes and code points agree at {q:?}"
                );
                at.1 = q.end;
            }
        }
        assert_eq!(at, *expected.last().expect("one passage"));
    }

    #[test]
    fn a_long_passage_is_cut_between_words_and_never_inside_a_suggestion() {
        let text = "word ".repeat(30_000); // 150,000 characters
        // A suggestion over the first natural cut.
        let spans = vec![39_998..40_006, 100_000..100_004];
        let preview = preview(vec![(text, spans)]);
        let layout = Layout::new(&preview, PAGE_CHARS, PAGE_SPANS);
        covers(&layout, &preview);
        assert!(layout.len() >= 4, "{}", layout.len());
        for page in 0..layout.len() {
            let chars: usize = layout.page(page).iter().map(|q| q.end - q.start).sum();
            assert!(chars <= PAGE_CHARS + 8, "page {page}: {chars}");
            for q in layout.page(page) {
                for s in &preview.passages[0].spans {
                    assert!(
                        !(s.start < q.end && q.end < s.end),
                        "cut inside {s:?} at {}",
                        q.end
                    );
                }
            }
        }
        assert_eq!(layout.page_of(0, 0), 0);
        assert_eq!(layout.page_of(0, 39_999), 0, "the suggestion stays whole");
        assert!(layout.holds(layout.page_of(0, 100_000), 0, 100_000));
        assert!(!layout.holds(0, 0, 100_000));
    }

    #[test]
    fn short_passages_share_a_page_until_it_is_full_of_suggestions() {
        let passages: Vec<_> = (0..1_000)
            .map(|i| (format!("Call Ann on 0{i:04} 123456."), vec![0..3, 5..8]))
            .collect();
        let preview = preview(passages);
        let layout = Layout::new(&preview, PAGE_CHARS, 100);
        covers(&layout, &preview);
        assert_eq!(layout.len(), 20, "1,000 passages × 2 suggestions / 100");
        assert_eq!(layout.page_of(999, 0), 19);
        assert_eq!(layout.page_of(50, 3), 1);
    }

    #[test]
    fn an_empty_document_has_one_empty_page() {
        let preview = preview(vec![(String::new(), Vec::new())]);
        let layout = Layout::new(&preview, PAGE_CHARS, PAGE_SPANS);
        assert_eq!(layout.len(), 1);
        assert_eq!(layout.page(5).len(), 1, "a page past the end is the last");
        assert!(!layout.holds(0, 0, 0), "nothing starts in no text");
    }

    #[test]
    fn a_document_with_no_passages_has_one_empty_page() {
        let preview = preview(Vec::new());
        let layout = Layout::new(&preview, PAGE_CHARS, PAGE_SPANS);
        assert_eq!((layout.len(), layout.page(0).len()), (1, 0));
        assert_eq!(layout.page_of(0, 0), 0);
    }

    #[test]
    fn pieces_cut_between_characters_of_any_width() {
        let text = "é😀 word ".repeat(20_000);
        let preview = preview(vec![(text, Vec::new())]);
        let layout = Layout::new(&preview, 1_000, PAGE_SPANS);
        covers(&layout, &preview);
        assert!(layout.len() > 100);
    }

    #[test]
    fn unseen_pages_are_counted_from_one() {
        let seen = BTreeSet::from([0, 2]);
        assert_eq!(unseen(4, &seen), vec![2, 4]);
    }
}
