//! The reviewer's choices on a draft: the boxes of one page taken in, the
//! places added for a text the detectors missed (merged with those added
//! before), and the review they make together, read a page at a time.

use std::collections::BTreeSet;
use std::path::Path;

use civic_redact::Label;

use super::disk::{self, Added, Choices, Index, Page, PageText};
use crate::AppError;
use crate::redact::review::{ChosenSpan, DocumentReview, Occurrences};

/// The most places a reviewer may add to one document (each is a row on
/// its page and a span in the final review).
pub const MAX_ADDED: usize = 10_000;

/// The longest text to redact a reviewer may add, in characters.
pub const MAX_FIND_CHARS: usize = 500;

/// The boxes of one page of the review, as the reviewer left them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageChoice {
    /// The page (from 0) the boxes were on.
    pub page: usize,
    /// The suggestions ticked, as `(passage, index)`.
    pub kept: BTreeSet<(usize, usize)>,
    /// The added spans ticked, by their number in the draft (from 0).
    pub kept_added: BTreeSet<usize>,
}

/// Why a text could not be added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddRefused {
    /// No text was given.
    Empty,
    /// Longer than [`MAX_FIND_CHARS`].
    TooLong,
    /// The text is nowhere in the document.
    NotInDocument,
    /// It appears `found` times: more than [`MAX_ADDED`] places in all.
    TooMany {
        /// How many times it appears.
        found: usize,
    },
}

/// What adding a text did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddOutcome {
    /// Places added (none when it was added everywhere before).
    pub added: usize,
    /// The pages (from 1) they are on.
    pub pages: Vec<usize>,
}

impl Choices {
    /// Takes in the boxes of page `choice.page`, whose text is `page`:
    /// spans on other pages keep their state, as their boxes were not on
    /// the form.
    pub(super) fn take(&mut self, index: &Index, page: &[PageText], choice: &PageChoice) {
        for piece in page {
            for s in &piece.suggestions {
                let key = (piece.passage, s.index);
                if choice.kept.contains(&key) {
                    self.rejected.remove(&key);
                } else {
                    self.rejected.insert(key);
                }
            }
        }
        let added = std::mem::take(&mut self.added);
        self.added = added
            .into_iter()
            .enumerate()
            .filter(|(k, a)| {
                !index.holds(choice.page, a.passage, a.start) || choice.kept_added.contains(k)
            })
            .map(|(_, a)| a)
            .collect();
    }

    /// Adds the places `found` (sorted, not overlapping one another) as
    /// `label`, except where one clashes with a span added before; returns
    /// those added.
    pub(super) fn add(&mut self, found: Places, label: Label) -> Vec<Added> {
        // The spans added before are sorted and never overlap, so a clash is
        // found by search.
        let before = &self.added;
        let new: Vec<Added> = found
            .into_iter()
            .filter(|&(passage, start, end)| {
                let i = before.partition_point(|a| (a.passage, a.end) <= (passage, start));
                !before
                    .get(i)
                    .is_some_and(|a| a.passage == passage && a.start < end)
            })
            .map(|(passage, start, end)| Added {
                passage,
                start,
                end,
                label,
            })
            .collect();
        self.added.extend(new.iter().copied());
        self.added.sort();
        new
    }
}

/// Checks a text to add before the document is searched; returns it
/// trimmed.
pub fn check_text(text: &str) -> Result<&str, AddRefused> {
    let text = text.trim();
    if text.is_empty() {
        Err(AddRefused::Empty)
    } else if text.chars().count() > MAX_FIND_CHARS {
        Err(AddRefused::TooLong)
    } else {
        Ok(text)
    }
}

/// Places in a document, as `(passage, start, end)` in code points.
pub(super) type Places = Vec<(usize, usize, usize)>;

/// Every place `text` appears in the draft in `dir`, reading one page at a
/// time; refused if there are none or too many to add beside `added`.
pub(super) fn find(
    dir: &Path,
    index: &Index,
    text: &str,
    added: usize,
) -> Result<Result<Places, AddRefused>, AppError> {
    let room = MAX_ADDED.saturating_sub(added);
    let mut finder = Occurrences::new(text, room.saturating_add(1));
    for page in 0..index.pages.len() {
        let stored: Page = disk::read_json(&disk::page_file(dir, page))?;
        for q in &stored.text {
            finder.feed(q.passage, q.start, &q.text);
        }
    }
    Ok(match finder.count() {
        0 => Err(AddRefused::NotInDocument),
        n if n > room => Err(AddRefused::TooMany { found: n }),
        _ => Ok(finder.into_found()),
    })
}

/// The spans to redact, read a page at a time: the suggestions still
/// ticked, except where an added span covers them (the reviewer's own span
/// wins), and the added spans.
pub(super) fn review(
    dir: &Path,
    index: &Index,
    choices: &Choices,
) -> Result<DocumentReview, AppError> {
    let mut passages: Vec<Vec<ChosenSpan>> = vec![Vec::new(); index.passages];
    for page in 0..index.pages.len() {
        let stored: Page = disk::read_json(&disk::page_file(dir, page))?;
        for q in &stored.text {
            let Some(chosen) = passages.get_mut(q.passage) else {
                return Err(AppError::Internal(format!(
                    "a draft's page {page} names passage {} of {}",
                    q.passage, index.passages
                )));
            };
            let first = choices
                .added
                .partition_point(|a| (a.passage, a.end) <= (q.passage, q.start));
            let added = &choices.added[first..];
            chosen.extend(
                q.suggestions
                    .iter()
                    .filter(|s| !choices.rejected.contains(&(q.passage, s.index)))
                    .filter(|s| {
                        !added
                            .iter()
                            .take_while(|a| a.passage == q.passage && a.start < s.end)
                            .any(|a| s.start < a.end)
                    })
                    .map(|s| ChosenSpan {
                        start: s.start,
                        end: s.end,
                        label: s.label,
                    }),
            );
        }
    }
    for a in &choices.added {
        if let Some(chosen) = passages.get_mut(a.passage) {
            chosen.push(ChosenSpan {
                start: a.start,
                end: a.end,
                label: a.label,
            });
        }
    }
    Ok(DocumentReview { passages })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::drafts::disk::PageStart;
    use civic_redact::document::FileType;

    fn index(pages: usize) -> Index {
        Index {
            file_type: FileType::Text,
            decoding: None,
            passages: 1,
            pages: (0..pages)
                .map(|p| PageStart {
                    passage: 0,
                    start: p * 100,
                    suggestions_before: 0,
                })
                .collect(),
        }
    }

    #[test]
    fn a_pages_boxes_change_only_that_pages_spans() {
        let index = index(2);
        let mut choices = Choices::default();
        choices.rejected.insert((0, 7));
        let found = vec![(0, 10, 13), (0, 150, 153)];
        assert_eq!(choices.add(found, Label::Person).len(), 2);
        let page = vec![PageText {
            passage: 0,
            start: 0,
            end: 100,
            text: String::new(),
            suggestions: vec![super::super::disk::Suggestion {
                index: 0,
                start: 1,
                end: 4,
                label: Label::Person,
                score: 0.9,
                evidence: 0,
            }],
        }];
        // Page 0's form: the suggestion and the first added span unticked.
        choices.take(&index, &page, &PageChoice::default());
        assert!(choices.rejected.contains(&(0, 0)));
        assert!(choices.rejected.contains(&(0, 7)), "not on this page");
        assert_eq!(choices.added.len(), 1, "page 1's added span stays");
        assert_eq!(choices.added[0].start, 150);
    }

    #[test]
    fn an_added_place_that_clashes_with_one_added_before_is_skipped() {
        let mut choices = Choices::default();
        choices.add(vec![(0, 10, 20)], Label::Person);
        let new = choices.add(vec![(0, 5, 11), (0, 20, 25), (1, 10, 20)], Label::Address);
        assert_eq!(new.len(), 2);
        assert_eq!(choices.added.len(), 3);
        assert!(choices.added.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn text_to_add_is_trimmed_and_bounded() {
        assert_eq!(check_text("  Ann  "), Ok("Ann"));
        assert_eq!(check_text("   "), Err(AddRefused::Empty));
        assert_eq!(
            check_text(&"x".repeat(MAX_FIND_CHARS + 1)),
            Err(AddRefused::TooLong)
        );
    }
}
