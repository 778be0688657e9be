//! A new draft, prepared at upload: the format reads the document once
//! and each passage, with the spans suggested in it, is laid out and
//! written page by page as it comes ([`PageWriter`]). The server holds the
//! upload, one passage being analysed and the page being filled, never
//! every passage and suggestion of the document (issue 16: a 10 MB text
//! dense with personal data took about 500 MB while all of them were held).

use std::path::{Path, PathBuf};

use civic_core::UserId;
use civic_redact::Evidence;
use civic_redact::document::{Decoding, Redaction};
use civic_redact::formats::csv::CsvPolicy;

use super::disk::{self, Choices, Index, Meta, NewDraft, Page, PageStart, PageText, Suggestion};
use super::layout::{PAGE_CHARS, PAGE_SPANS, Pager, Piece, spans_starting_in};
use crate::AppError;
use crate::redact::RedactOptions;
use crate::redact::review::{Span, preview_document};

/// Writes a new draft of `owner`'s in a directory of its own under `root`:
/// the upload, its pages (written as the document is read) and index, no
/// choices yet. Returns it (unpublished) and its size on disk.
pub(super) fn write_new(
    root: &Path,
    owner: UserId,
    name: String,
    bytes: Vec<u8>,
    options: &RedactOptions,
    redaction: Redaction,
) -> Result<(NewDraft, u64), AppError> {
    let new = NewDraft::create(root)?;
    let dir = new.path();
    disk::write(&dir.join(disk::UPLOAD), &bytes)?;
    let pages = PageWriter::new(dir);
    let (facts, pages) = preview_document(
        &name,
        &bytes,
        redaction,
        &CsvPolicy::default(),
        pages,
        |pages, text, spans| pages.passage(text, &spans),
    )?;
    drop(bytes);
    let (passages, pages) = pages.finish()?;
    let index = Index {
        file_type: facts.file_type,
        decoding: facts.decoding.as_ref().map(Decoding::describe),
        passages,
        pages,
    };
    disk::write_json(&dir.join(disk::INDEX), &index)?;
    disk::write_json(&dir.join(disk::CHOICES), &Choices::default())?;
    let now = disk::now();
    let mut meta = Meta {
        owner,
        name,
        options: options.into(),
        created: now,
        last_used: now,
        bytes: 0,
        done: None,
    };
    // The facts' own file is small; counted as written once.
    let meta_len = disk::write_json(&dir.join(disk::META), &meta)?;
    meta.bytes = disk::size_of(dir) + meta_len;
    disk::write_json(&dir.join(disk::META), &meta)?;
    Ok((new, meta.bytes))
}

/// Lays out passages, given one at a time, in pages ([`Pager`]) and writes
/// each page to the draft's directory as soon as it is full.
#[derive(Debug)]
pub(super) struct PageWriter {
    pager: Pager,
    pages: Pages,
}

/// The pages of a draft being written.
#[derive(Debug)]
struct Pages {
    dir: PathBuf,
    /// The page being filled.
    open: Page,
    /// Where each page written so far starts.
    starts: Vec<PageStart>,
    /// The suggestions on the pages before the open one.
    suggestions_before: usize,
}

impl PageWriter {
    pub fn new(dir: &Path) -> Self {
        PageWriter {
            pager: Pager::new(PAGE_CHARS, PAGE_SPANS),
            pages: Pages {
                dir: dir.to_owned(),
                open: Page::default(),
                starts: Vec::new(),
                suggestions_before: 0,
            },
        }
    }

    /// Lays out the next passage, `text` with its suggestions `spans`,
    /// writing each page it fills.
    pub fn passage(&mut self, text: &str, spans: &[Span]) -> Result<(), AppError> {
        let pages = &mut self.pages;
        self.pager.passage(text, spans, |piece, new_page| {
            if new_page {
                pages.write_open()?;
            }
            pages.place(&piece, text, spans);
            Ok(())
        })
    }

    /// Writes the last page (an empty one if the document had no
    /// passages); returns how many passages there were and where each
    /// page starts.
    pub fn finish(mut self) -> Result<(usize, Vec<PageStart>), AppError> {
        if !self.pages.open.text.is_empty() || self.pages.starts.is_empty() {
            self.pages.write_open()?;
        }
        Ok((self.pager.passages(), self.pages.starts))
    }
}

impl Pages {
    /// Puts `piece` of the passage `text` on the open page, with the
    /// suggestions that start in it.
    fn place(&mut self, piece: &Piece, text: &str, spans: &[Span]) {
        let evidence = &mut self.open.evidence;
        let suggestions = spans_starting_in(spans, piece)
            .map(|i| {
                let s = &spans[i];
                Suggestion {
                    index: i,
                    start: s.start,
                    end: s.end,
                    label: s.label,
                    score: s.score,
                    evidence: cited(evidence, &s.evidence),
                }
            })
            .collect();
        self.open.text.push(PageText {
            passage: piece.passage,
            start: piece.start,
            end: piece.end,
            text: text[piece.byte_start..piece.byte_end].to_owned(),
            suggestions,
        });
    }

    /// Writes the open page and starts the next.
    fn write_open(&mut self) -> Result<(), AppError> {
        let page = std::mem::take(&mut self.open);
        let first = page.text.first();
        self.starts.push(PageStart {
            passage: first.map_or(0, |q| q.passage),
            start: first.map_or(0, |q| q.start),
            suggestions_before: self.suggestions_before,
        });
        self.suggestions_before += page.text.iter().map(|q| q.suggestions.len()).sum::<usize>();
        disk::write_json(&disk::page_file(&self.dir, self.starts.len() - 1), &page)?;
        Ok(())
    }
}

/// The index of `cited` in a page's `evidence`, added if it is new. A page
/// cites a few kinds of evidence: a search of those seen is quicker than a
/// map.
fn cited(evidence: &mut Vec<Evidence>, cited: &Evidence) -> usize {
    match evidence.iter().position(|e| e == cited) {
        Some(at) => at,
        None => {
            evidence.push(cited.clone());
            evidence.len() - 1
        }
    }
}
