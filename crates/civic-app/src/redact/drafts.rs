//! Redaction drafts: a document between its upload on the Redaction page
//! and the download of its redacted file, with the reviewer's choices so
//! far.
//!
//! # Where a draft lives
//!
//! On disk, in its own directory under `DATA_DIR/drafts/` (the files are
//! described in `disk.rs`): the upload, its text and suggestions cut into
//! pages (`layout.rs`), and the reviewer's choices. A request loads only
//! what it needs: the page being viewed, or one page after another to
//! search the text or to gather the final review. So the server's memory
//! does not grow with the drafts people keep, and drafts survive a
//! restart. Every file is written beside its place and renamed into it.
//!
//! # Who may use one, and for how long
//!
//! A draft is reachable only by the person who uploaded it, under an
//! unguessable random id: another person's id is "not found". It lapses
//! [`DraftLimits::ttl`] after it was last used (housekeeping removes it;
//! until then it is refused as not found) and is deleted as soon as both
//! the redacted file and its log have been downloaded, or when discarded.
//! Each person may keep [`DraftLimits::per_user`] drafts of at most
//! [`DraftLimits::bytes_per_user`] bytes together (a first draft may be
//! larger), and all drafts together [`DraftLimits::total_bytes`]: an upload
//! beyond them is refused with [`AppError::QuotaExceeded`], whose message
//! says what to finish or discard. Nobody else is affected.

pub mod choices;
mod disk;
mod layout;
mod prepare;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use civic_core::UserId;
use civic_redact::{Evidence, Label, OperatorKind};
use serde::Serialize;
use serde_json::json;

use self::choices::{AddOutcome, AddRefused, PageChoice};
pub use self::disk::{Added, PageText, Suggestion};
use self::disk::{Choices, Done, Index, Meta, NewDraft, Page};
use super::RedactOptions;
use super::RedactionFacts;
use super::review::{ReviewCounts, blocking, redact_file_reviewed};
use super::stream::{LogEntries, write_log};
use crate::{App, AppError};
use civic_redact::document::FileType;

/// How many drafts, and how much disk, drafts may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftLimits {
    /// The most drafts one person keeps (`redact_drafts_per_user`).
    pub per_user: usize,
    /// The most bytes one person's drafts take on disk together, a first
    /// draft excepted (`redact_draft_bytes_per_user`).
    pub bytes_per_user: u64,
    /// The most bytes all drafts take on disk together
    /// (`redact_drafts_total_bytes`).
    pub total_bytes: u64,
    /// How long a draft is kept after it was last used
    /// (`redact_draft_hours`).
    pub ttl: Duration,
}

/// The default number of drafts per person.
pub const DEFAULT_PER_USER: usize = 3;

/// The default lifetime of an unused draft, in hours.
pub const DEFAULT_HOURS: u64 = 24;

impl DraftLimits {
    /// The defaults for a server accepting uploads of `body_limit` bytes:
    /// three drafts and ten uploads' worth of disk per person (a draft
    /// takes up to about four times its upload: the upload, its text and
    /// its suggestions; so two of the largest fit), a hundred uploads'
    /// worth for everyone, kept a day.
    pub fn for_body_limit(body_limit: usize) -> Self {
        let body_limit = body_limit as u64;
        DraftLimits {
            per_user: DEFAULT_PER_USER,
            bytes_per_user: body_limit.saturating_mul(10),
            total_bytes: body_limit.saturating_mul(100),
            ttl: Duration::from_secs(DEFAULT_HOURS * 3600),
        }
    }
}

/// A draft's id: 128 random bits, written as 32 hexadecimal digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DraftId([u8; 16]);

impl DraftId {
    fn random() -> Self {
        DraftId(civic_core::random_bytes())
    }

    /// Parses an id as [`Display`](std::fmt::Display) writes it; anything
    /// else (a path, a short or long string) is `None`.
    pub fn parse(s: &str) -> Option<Self> {
        if s.len() != 32 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return None;
        }
        let mut bytes = [0u8; 16];
        hex::decode_to_slice(s, &mut bytes).ok()?;
        Some(DraftId(bytes))
    }
}

impl std::fmt::Display for DraftId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

/// Serialises the changes to each draft (two tabs submitting at once), and
/// the admission of new drafts against the limits. Only small files are
/// read and written under these locks; nothing is rendered.
#[derive(Debug)]
pub(crate) struct DraftLocks {
    admission: tokio::sync::Mutex<()>,
    drafts: Vec<tokio::sync::Mutex<()>>,
}

impl Default for DraftLocks {
    fn default() -> Self {
        DraftLocks {
            admission: tokio::sync::Mutex::new(()),
            drafts: (0..64).map(|_| tokio::sync::Mutex::new(())).collect(),
        }
    }
}

impl DraftLocks {
    fn of(&self, id: DraftId) -> &tokio::sync::Mutex<()> {
        &self.drafts[usize::from(id.0[0]) % self.drafts.len()]
    }
}

/// A draft as its owner's list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftSummary {
    pub id: DraftId,
    /// The file's name, as uploaded.
    pub name: String,
    /// When it will be removed unless used again.
    pub expires: SystemTime,
    /// Whether it is redacted and waiting to be downloaded.
    pub redacted: bool,
}

/// One page of a draft's review.
#[derive(Debug, Clone)]
pub struct DraftPage {
    /// The file's name, as uploaded.
    pub name: String,
    pub file_type: FileType,
    /// The operator chosen at upload.
    pub operator: String,
    /// How a text that was not valid UTF-8 was read, in words.
    pub decoding: Option<String>,
    /// This page (from 0).
    pub page: usize,
    pub pages: usize,
    /// The pages (from 1) the reviewer has not opened yet.
    pub unseen: Vec<usize>,
    /// How many spans, suggested or added, come before this page (spans
    /// are numbered through the whole document in reading order).
    pub numbered_before: usize,
    /// The page's text, stretch by stretch, with its suggestions.
    pub text: Vec<PageText>,
    /// The evidence the suggestions cite ([`Suggestion::evidence`] is an
    /// index into it).
    pub evidence: Vec<Evidence>,
    /// The suggestions on this page the reviewer unticked, as
    /// `(passage, index)`.
    pub rejected: BTreeSet<(usize, usize)>,
    /// The added spans shown on this page, with their number in the draft.
    pub added: Vec<(usize, Added)>,
    /// When the draft will be removed unless used again.
    pub expires: SystemTime,
}

/// A redacted draft waiting to be downloaded.
#[derive(Debug, Clone)]
pub struct DraftResult {
    /// The file's name, as uploaded.
    pub name: String,
    /// The decision recorded.
    pub decision: String,
    pub file_type: FileType,
    pub counts: ReviewCounts,
    /// Spans redacted per label.
    pub per_label: Vec<(String, u64)>,
    /// When the draft will be removed unless downloaded or used again.
    pub expires: SystemTime,
}

/// Which of a redacted draft's two downloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftPart {
    /// The redacted file, in its own format.
    File,
    /// The redaction log, as JSON.
    Log,
}

/// A download of a redacted draft.
#[derive(Debug)]
pub struct DraftDownload {
    /// The part, open for reading: it stays readable after the draft is
    /// removed (the last download removes it), so it is sent from disk, a
    /// piece at a time, never read whole.
    pub file: std::fs::File,
    /// Its size in bytes.
    pub len: u64,
    /// The uploaded file's name.
    pub name: String,
    pub file_type: FileType,
}

impl App {
    fn drafts_root(&self) -> PathBuf {
        disk::root(&self.config().data_dir)
    }

    /// Suggests spans in an uploaded document and keeps it as a draft of
    /// `owner`'s, to review a page at a time; refused with
    /// [`AppError::QuotaExceeded`] beyond the [`DraftLimits`].
    pub async fn start_draft(
        &self,
        owner: UserId,
        name: String,
        bytes: Vec<u8>,
        options: RedactOptions,
    ) -> Result<DraftId, AppError> {
        let root = self.drafts_root();
        let limits = self.config().drafts.clone();
        // Refused at once when even the upload alone does not fit.
        self.admit(owner, bytes.len() as u64, None).await?;
        let redaction = self.redaction(&options)?;
        let (new, size) =
            blocking(move || prepare::write_new(&root, owner, name, bytes, &options, redaction))
                .await?;
        let id = DraftId::random();
        self.admit(owner, size, Some((new, id))).await?;
        tracing::info!(user = %owner, bytes = size, keep_hours = limits.ttl.as_secs() / 3600, "kept a redaction draft");
        Ok(id)
    }

    /// Checks that a draft of `size` bytes fits `owner`'s and everyone's
    /// limits and, when given, publishes the written draft as `id`: under
    /// one lock, so two uploads cannot both take the last place.
    async fn admit(
        &self,
        owner: UserId,
        size: u64,
        publish: Option<(NewDraft, DraftId)>,
    ) -> Result<(), AppError> {
        let _admission = self.drafts.admission.lock().await;
        let root = self.drafts_root();
        let limits = self.config().drafts.clone();
        blocking(move || {
            fits(&disk::all(&root), owner, size, &limits, disk::now())?;
            match publish {
                Some((new, id)) => new.publish(&root, id),
                None => Ok(()),
            }
        })
        .await
    }

    /// `owner`'s drafts, the most recently used first.
    pub async fn drafts_of(&self, owner: UserId) -> Result<Vec<DraftSummary>, AppError> {
        let root = self.drafts_root();
        let ttl = self.config().drafts.ttl;
        let mut mine: Vec<(u64, DraftSummary)> = blocking(move || {
            let now = disk::now();
            Ok(disk::all(&root)
                .into_iter()
                .filter(|(_, m)| m.owner == owner && !disk::expired(m, ttl, now))
                .map(|(id, m)| {
                    (
                        m.last_used,
                        DraftSummary {
                            id,
                            expires: expires(&m, ttl),
                            redacted: m.done.is_some(),
                            name: m.name,
                        },
                    )
                })
                .collect())
        })
        .await?;
        mine.sort_by_key(|(used, _)| std::cmp::Reverse(*used));
        Ok(mine.into_iter().map(|(_, s)| s).collect())
    }

    /// Page `page` (from 0, clamped to the last) of `owner`'s draft `id`,
    /// which is marked as opened.
    pub async fn draft_page(
        &self,
        owner: UserId,
        id: DraftId,
        page: usize,
    ) -> Result<DraftPage, AppError> {
        let ttl = self.config().drafts.ttl;
        self.with_draft(owner, id, move |dir, meta| {
            let index: Index = disk::read_json(&dir.join(disk::INDEX))?;
            let page = page.min(index.pages.len().saturating_sub(1));
            let stored: Page = disk::read_json(&disk::page_file(&dir, page))?;
            let mut choices: Choices = disk::read_json(&dir.join(disk::CHOICES))?;
            if choices.seen.insert(page) {
                disk::write_json(&dir.join(disk::CHOICES), &choices)?;
            }
            Ok(page_of(meta, ttl, &index, page, stored, &choices))
        })
        .await
    }

    /// Keeps the boxes of one page of `owner`'s draft `id`.
    pub async fn save_draft_page(
        &self,
        owner: UserId,
        id: DraftId,
        choice: PageChoice,
    ) -> Result<(), AppError> {
        self.change_draft(owner, id, move |dir, index, choices| {
            take_page(dir, index, choices, &choice)
        })
        .await
    }

    /// Keeps the boxes of one page, then adds every place `text` appears in
    /// the document as `label`; says how many, or why none.
    pub async fn add_to_draft(
        &self,
        owner: UserId,
        id: DraftId,
        choice: PageChoice,
        text: String,
        label: Label,
    ) -> Result<Result<AddOutcome, AddRefused>, AppError> {
        self.change_draft(owner, id, move |dir, index, choices| {
            take_page(dir, index, choices, &choice)?;
            let text = match choices::check_text(&text) {
                Ok(t) => t,
                Err(refused) => return Ok(Err(refused)),
            };
            let found = match choices::find(dir, index, text, choices.added.len())? {
                Ok(found) => found,
                Err(refused) => return Ok(Err(refused)),
            };
            let added = choices.add(found, label);
            let pages: BTreeSet<usize> = added
                .iter()
                .map(|a| index.page_of(a.passage, a.start) + 1)
                .collect();
            Ok(Ok(AddOutcome {
                added: added.len(),
                pages: pages.into_iter().collect(),
            }))
        })
        .await
    }

    /// Runs `change` on `owner`'s draft `id` and its choices, then keeps
    /// the choices.
    async fn change_draft<T: Send + 'static>(
        &self,
        owner: UserId,
        id: DraftId,
        change: impl FnOnce(&Path, &Index, &mut Choices) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        self.with_draft(owner, id, move |dir, _| {
            let index: Index = disk::read_json(&dir.join(disk::INDEX))?;
            let mut choices: Choices = disk::read_json(&dir.join(disk::CHOICES))?;
            let out = change(&dir, &index, &mut choices)?;
            disk::write_json(&dir.join(disk::CHOICES), &choices)?;
            Ok(out)
        })
        .await
    }

    /// Keeps the boxes of one page, then redacts `owner`'s draft `id` with
    /// the review and records the decision for `owner`; the result waits in
    /// the draft until downloaded.
    pub async fn finish_draft(
        &self,
        owner: UserId,
        id: DraftId,
        choice: PageChoice,
    ) -> Result<(), AppError> {
        let (review, kind) = self
            .change_draft(owner, id, move |dir, index, choices| {
                take_page(dir, index, choices, &choice)?;
                Ok((choices::review(dir, index, choices)?, index.file_type))
            })
            .await?;
        // The redaction itself runs without the draft's lock: it may take a
        // while, and the draft's files it reads never change.
        let (dir, meta) = self
            .with_draft(owner, id, |dir, meta| Ok((dir, meta)))
            .await?;
        let options: RedactOptions = meta.options.clone().try_into()?;
        let redaction = self.redaction(&options)?;
        let operator = redaction.operator.name();
        // Redacted as a stream from the upload on disk into the draft's
        // folder, its log spilled beside it: a 10 MB text dense with
        // personal data, every suggestion accepted, took the server to
        // 370 MB when the document, its copy and its log were held whole.
        let upload = dir.join(disk::UPLOAD);
        let out_dir = dir.clone();
        let (streamed, counts) =
            blocking(move || redact_file_reviewed(&upload, kind, &out_dir, redaction, review))
                .await?;
        let facts = RedactionFacts {
            input: streamed.input_content,
            output: streamed.output_content,
            file_type: kind.as_str(),
            operator,
            tally: &streamed.tally,
            extra: json!({
                "attachments_removed": streamed.attachments.len(),
                "removed": streamed.removed,
                "decoding": streamed.decoding,
                "review": counts,
            }),
        };
        let decision = self
            .record_redaction(facts, owner.as_principal(), None)
            .await?;
        tracing::info!(user = %owner, decision = %decision.id, spans = streamed.tally.spans(), "redacted a document on the web page");
        let done = Done {
            decision: decision.id.to_string(),
            file_type: kind,
            per_label: streamed
                .tally
                .counts()
                .iter()
                .map(|(l, n)| (l.as_str().to_owned(), *n))
                .collect(),
            counts,
            file_taken: false,
            log_taken: false,
        };
        let head = FinishedLog {
            decision_id: decision.id.to_string(),
            file_type: kind.as_str(),
            operator: options.operator.map(OperatorKind::as_str),
            review: counts,
            attachments_removed: streamed.attachments,
            removed: streamed.removed,
            decoding: streamed.decoding,
        };
        let head = serde_json::to_value(&head)
            .map_err(|e| AppError::Internal(format!("redaction log: {e}")))?;
        let (output, entries) = (streamed.output, streamed.entries);
        self.with_draft(owner, id, move |dir, mut meta| {
            super::persist(output, &dir.join(disk::REDACTED), true)?;
            // The entries go from the spill file to the log one at a time.
            write_log(
                &dir.join(disk::LOG),
                &head,
                LogEntries::Spilled(entries),
                true,
            )?;
            meta.bytes = disk::size_of(&dir);
            meta.done = Some(done);
            disk::write_json(&dir.join(disk::META), &meta)?;
            Ok(())
        })
        .await
    }

    /// The result of `owner`'s draft `id`, or `None` if it is not redacted
    /// yet.
    pub async fn draft_result(
        &self,
        owner: UserId,
        id: DraftId,
    ) -> Result<Option<DraftResult>, AppError> {
        let ttl = self.config().drafts.ttl;
        let meta = self.with_draft(owner, id, |_, meta| Ok(meta)).await?;
        let expires = expires(&meta, ttl);
        Ok(meta.done.map(|done| DraftResult {
            name: meta.name,
            decision: done.decision,
            file_type: done.file_type,
            counts: done.counts,
            per_label: done.per_label,
            expires,
        }))
    }

    /// One download of `owner`'s redacted draft `id`; once both are taken,
    /// the draft is deleted (nothing of the document stays here).
    pub async fn take_draft_part(
        &self,
        owner: UserId,
        id: DraftId,
        part: DraftPart,
    ) -> Result<DraftDownload, AppError> {
        self.with_draft(owner, id, move |dir, mut meta| {
            let Some(done) = meta.done.as_mut() else {
                return Err(AppError::NotFound { what: "draft" });
            };
            let file = match part {
                DraftPart::File => {
                    done.file_taken = true;
                    dir.join(disk::REDACTED)
                }
                DraftPart::Log => {
                    done.log_taken = true;
                    dir.join(disk::LOG)
                }
            };
            let finished = done.file_taken && done.log_taken;
            let file_type = done.file_type;
            let opened = std::fs::File::open(&file).map_err(|e| super::io_err(&file, e))?;
            let len = opened
                .metadata()
                .map_err(|e| super::io_err(&file, e))?
                .len();
            if finished {
                remove(&dir)?;
            } else {
                disk::write_json(&dir.join(disk::META), &meta)?;
            }
            Ok(DraftDownload {
                file: opened,
                len,
                name: meta.name,
                file_type,
            })
        })
        .await
    }

    /// Deletes `owner`'s draft `id` and everything in it.
    pub async fn discard_draft(&self, owner: UserId, id: DraftId) -> Result<(), AppError> {
        self.with_draft(owner, id, |dir, _| remove(&dir)).await?;
        tracing::info!(user = %owner, "discarded a redaction draft");
        Ok(())
    }

    /// Runs `work` off the async workers on `owner`'s draft `id` (its
    /// directory and facts, marked as used), holding the draft's lock.
    async fn with_draft<T: Send + 'static>(
        &self,
        owner: UserId,
        id: DraftId,
        work: impl FnOnce(PathBuf, Meta) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let _draft = self.drafts.of(id).lock().await;
        let (root, ttl) = (self.drafts_root(), self.config().drafts.ttl);
        blocking(move || {
            let (dir, meta) = open(&root, id, owner, ttl)?;
            work(dir, meta)
        })
        .await
    }

    /// Removes the drafts not used for [`DraftLimits::ttl`] and those a
    /// stopped process left half-written; returns how many.
    pub async fn remove_expired_drafts(&self) -> u64 {
        let (root, ttl) = (self.drafts_root(), self.config().drafts.ttl);
        tokio::task::spawn_blocking(move || disk::remove_expired(&root, ttl))
            .await
            .unwrap_or(0)
    }
}

/// Whether a draft of `size` bytes of `owner`'s fits beside `all`.
fn fits(
    all: &[(DraftId, Meta)],
    owner: UserId,
    size: u64,
    limits: &DraftLimits,
    now: u64,
) -> Result<(), AppError> {
    let live: Vec<&Meta> = all
        .iter()
        .map(|(_, m)| m)
        .filter(|m| !disk::expired(m, limits.ttl, now))
        .collect();
    let mine: Vec<&&Meta> = live.iter().filter(|m| m.owner == owner).collect();
    let finish = "Finish or discard one of your documents being redacted (listed on this page), then upload this one again";
    if mine.len() >= limits.per_user {
        return Err(AppError::QuotaExceeded(format!(
            "You already have {} documents being redacted, the most one person may keep. {finish}",
            mine.len()
        )));
    }
    let my_bytes: u64 = mine.iter().map(|m| m.bytes).sum();
    // A first draft is limited by everyone's space only, so that a single
    // large document can always be redacted.
    if !mine.is_empty() && my_bytes.saturating_add(size) > limits.bytes_per_user {
        return Err(AppError::QuotaExceeded(format!(
            "Your documents being redacted already take {} of the {} one person may use. {finish}",
            megabytes(my_bytes),
            megabytes(limits.bytes_per_user)
        )));
    }
    let total: u64 = live.iter().map(|m| m.bytes).sum();
    if total.saturating_add(size) > limits.total_bytes {
        let hours = limits.ttl.as_secs() / 3600;
        return Err(AppError::QuotaExceeded(format!(
            "The space for documents being redacted is full. Finish or discard any of yours, or try again later: drafts not used for {hours} hours are removed"
        )));
    }
    Ok(())
}

fn megabytes(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / (1024.0 * 1024.0))
}

/// When a draft lapses unless used again.
fn expires(meta: &Meta, ttl: Duration) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(meta.last_used) + ttl
}

/// Opens draft `id` for `owner`: its directory and facts, marked as used
/// now. Another person's, an expired or a missing draft is not found.
fn open(
    root: &Path,
    id: DraftId,
    owner: UserId,
    ttl: Duration,
) -> Result<(PathBuf, Meta), AppError> {
    let dir = disk::dir_of(root, id);
    let mut meta: Meta = disk::read_json(&dir.join(disk::META))?;
    if meta.owner != owner {
        return Err(AppError::NotFound { what: "draft" });
    }
    let now = disk::now();
    if disk::expired(&meta, ttl, now) {
        remove(&dir)?;
        return Err(AppError::NotFound { what: "draft" });
    }
    // Written at most once a minute: the expiry is counted in hours.
    if now.saturating_sub(meta.last_used) >= 60 {
        meta.last_used = now;
        disk::write_json(&dir.join(disk::META), &meta)?;
    }
    Ok((dir, meta))
}

fn remove(dir: &Path) -> Result<(), AppError> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(super::io_err(dir, e)),
    }
}

/// Takes page `choice.page`'s boxes into `choices`.
fn take_page(
    dir: &Path,
    index: &Index,
    choices: &mut Choices,
    choice: &PageChoice,
) -> Result<(), AppError> {
    let page = choice.page.min(index.pages.len().saturating_sub(1));
    let stored: Page = disk::read_json(&disk::page_file(dir, page))?;
    let choice = PageChoice {
        page,
        ..choice.clone()
    };
    choices.take(index, &stored.text, &choice);
    Ok(())
}

/// What page `page` shows, from its text and the choices.
fn page_of(
    meta: Meta,
    ttl: Duration,
    index: &Index,
    page: usize,
    stored: Page,
    choices: &Choices,
) -> DraftPage {
    let Page { evidence, text } = stored;
    let numbered_before = text.first().map_or(0, |f| {
        let added = choices
            .added
            .iter()
            .filter(|a| (a.passage, a.start) < (f.passage, f.start))
            .count();
        index.pages[page].suggestions_before + added
    });
    let rejected = text
        .iter()
        .flat_map(|q| q.suggestions.iter().map(|s| (q.passage, s.index)))
        .filter(|key| choices.rejected.contains(key))
        .collect();
    let added = choices
        .added
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, a)| {
            text.iter()
                .any(|q| q.passage == a.passage && a.end > q.start && a.start < q.end)
        })
        .collect();
    let pages = index.pages.len();
    DraftPage {
        expires: expires(&meta, ttl),
        name: meta.name,
        file_type: index.file_type,
        operator: meta.options.operator.unwrap_or_default(),
        decoding: index.decoding.clone(),
        page,
        pages,
        unseen: layout::unseen(pages, &choices.seen),
        numbered_before,
        text,
        evidence,
        rejected,
        added,
    }
}

/// The redaction log of a finished draft, as written for download: the
/// decision, the review's counts and one entry per redaction (digests,
/// never values).
#[derive(Serialize)]
struct FinishedLog {
    decision_id: String,
    file_type: &'static str,
    operator: Option<&'static str>,
    review: ReviewCounts,
    attachments_removed: Vec<civic_redact::formats::eml::RemovedAttachment>,
    removed: std::collections::BTreeMap<String, usize>,
    decoding: Option<civic_redact::document::Decoding>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(owner: UserId, bytes: u64) -> (DraftId, Meta) {
        let now = disk::now();
        (
            DraftId::random(),
            Meta {
                owner,
                name: "a.txt".into(),
                options: (&RedactOptions::default()).into(),
                created: now,
                last_used: now,
                bytes,
                done: None,
            },
        )
    }

    fn limits() -> DraftLimits {
        DraftLimits {
            per_user: 3,
            bytes_per_user: 2_000,
            total_bytes: 8_000,
            ttl: Duration::from_secs(3_600),
        }
    }

    #[test]
    fn one_person_cannot_fill_the_drafts_for_everyone() {
        let (a, b, c) = (UserId::new(), UserId::new(), UserId::new());
        let now = disk::now();
        let mut all = vec![meta(a, 1_500)];
        let refused = fits(&all, a, 1_000, &limits(), now).expect_err("over A's share");
        assert!(matches!(refused, AppError::QuotaExceeded(_)), "{refused:?}");
        assert!(
            refused.to_string().contains("Finish or discard"),
            "{refused}"
        );
        // One large document alone fits, whatever the share.
        assert!(fits(&all, c, 3_000, &limits(), now).is_ok());
        for _ in 0..3 {
            assert!(fits(&all, b, 600, &limits(), now).is_ok(), "B has room");
            all.push(meta(b, 600));
        }
        let refused = fits(&all, b, 10, &limits(), now).expect_err("three each");
        assert!(
            refused.to_string().contains("You already have 3"),
            "{refused}"
        );
        // Everyone's space: C's first draft must fit in what is left.
        assert!(fits(&all, c, 8_000 - 3_300, &limits(), now).is_ok());
        assert!(fits(&all, c, 8_000 - 3_299, &limits(), now).is_err());
        // An expired draft counts for nothing.
        all[0].1.last_used = now - 3_600;
        assert!(fits(&all, a, 1_000, &limits(), now).is_ok());
    }

    #[test]
    fn only_well_formed_draft_ids_are_read() {
        let id = DraftId::random();
        assert_eq!(DraftId::parse(&id.to_string()), Some(id));
        for bad in [
            "",
            "short",
            "../../etc/passwd",
            "0123456789abcdef0123456789abcdeg",
            "0123456789ABCDEF0123456789ABCDEF",
            "0123456789abcdef0123456789abcdef0",
        ] {
            assert_eq!(DraftId::parse(bad), None, "{bad}");
        }
    }
}
