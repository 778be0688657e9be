//! `civic redact FILES… --out-dir DIR`: redacting a batch of files.
//!
//! The batch is planned before any work is done: every input found, every
//! output named, clashes and existing outputs refused. Files are then
//! redacted in parallel (rayon). For each file, in this order: the document
//! is redacted (in memory, or as a stream to a temporary file for text, CSV,
//! Word and e-mail files above `stream_text_above`; an e-mail above
//! `max_email_bytes` is refused, since it is parsed whole); its decision
//! (digests and counts, no personal data) is recorded in the ledger; the
//! output is written atomically (temporary file, then rename); then its
//! JSON redaction log. A file that fails leaves nothing behind and does not
//! stop the others.
//!
//! With the `pseudonym` operator the files are redacted one after another,
//! in path order, sharing one table, so that the same person is "Person A"
//! in every file of the batch and the letters do not depend on timing.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use civic_core::{DecisionId, Principal};
use civic_redact::formats::csv::CsvPolicy;
use civic_redact::formats::eml::RemovedAttachment;
use civic_redact::{Label, Operator, PseudonymTable, RedactError};
use rayon::prelude::*;
use serde_json::json;

use civic_redact::document::{
    ContentDigest, Decoding, FileType, Redaction, file_type, redact_document,
};

pub use super::stream::STREAM_TEXT_ABOVE;
use super::stream::{LogEntries, redact_file_stream, write_log};
use super::{
    LogTally, RedactOptions, RedactionFacts, io_err, persist, redact_failed, write_atomic,
};
use crate::{App, AppError};

/// What the log file of `letter.docx` is called: `letter.docx.redaction.json`.
pub const LOG_SUFFIX: &str = ".redaction.json";

/// A batch of files to redact.
#[derive(Debug, Clone)]
pub struct BatchRequest {
    /// Files and directories (walked recursively; hidden entries skipped).
    pub inputs: Vec<PathBuf>,
    /// Where the redacted files and their logs go.
    pub out_dir: PathBuf,
    /// Operator, labels and keep values given directly.
    pub options: RedactOptions,
    /// A file of keep values, one per line (`#` starts a comment line).
    pub keep_file: Option<PathBuf>,
    /// A TOML file of CSV column policies.
    pub csv_policy: Option<PathBuf>,
    /// Replace existing outputs.
    pub overwrite: bool,
    /// Text, Markdown, CSV, Word and e-mail files larger than this many
    /// bytes are redacted as a stream, in bounded memory
    /// ([`STREAM_TEXT_ABOVE`] unless changed).
    pub stream_text_above: u64,
    /// E-mail messages larger than this many bytes are refused: a message
    /// is parsed whole, so its size bounds the memory it needs
    /// ([`MAX_EMAIL_BYTES`] unless changed).
    pub max_email_bytes: u64,
    /// Who the decisions are recorded for (the operator, on the command
    /// line).
    pub caller: Principal,
    /// The caller's reference, recorded (as a digest) with each decision.
    pub reference: Option<String>,
}

/// The largest e-mail message redacted unless changed: a message is
/// parsed whole, and one this size needs two to three times as much memory.
pub const MAX_EMAIL_BYTES: u64 = 32 << 20;

/// One file redacted.
#[derive(Debug, Clone)]
pub struct FileOutcome {
    /// The input file.
    pub input: PathBuf,
    /// The redacted file.
    pub output: PathBuf,
    /// Its redaction log.
    pub log: PathBuf,
    /// The type it was redacted as.
    pub file_type: FileType,
    /// Redactions per label.
    pub counts: BTreeMap<Label, u64>,
    /// The ledger decision recording it.
    pub decision_id: DecisionId,
    /// How its text was decoded, if it was not valid UTF-8.
    pub decoding: Option<Decoding>,
    /// E-mail attachments left out.
    pub attachments_removed: usize,
}

/// What a batch did.
#[derive(Debug, Clone, Default)]
pub struct BatchSummary {
    /// The files redacted, in path order.
    pub redacted: Vec<FileOutcome>,
    /// The files that could not be, with why; nothing was written for them.
    pub failed: Vec<(PathBuf, String)>,
}

impl BatchSummary {
    /// Redactions per label over the whole batch.
    pub fn counts(&self) -> BTreeMap<Label, u64> {
        let mut total = BTreeMap::new();
        for f in &self.redacted {
            for (label, n) in &f.counts {
                *total.entry(*label).or_default() += n;
            }
        }
        total
    }
}

/// One planned file.
#[derive(Debug, Clone)]
struct Job {
    input: PathBuf,
    output: PathBuf,
    log: PathBuf,
    /// The input and output as the log names them.
    input_name: String,
    output_name: String,
}

/// An uploaded file's name made safe as a file name and in a
/// `Content-Disposition` header: ASCII letters, digits, `.`, `-` and `_`
/// (anything else becomes `_`), no leading dot, at most 100 characters.
pub fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let safe: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let safe = safe.trim_start_matches('.');
    // Keep the end, where the extension is.
    let skip = safe.len().saturating_sub(100);
    match &safe[skip..] {
        "" => "upload".to_owned(),
        kept => kept.to_owned(),
    }
}

/// An uploaded document to redact to files.
#[derive(Debug)]
pub struct UploadToFiles {
    /// The name it was sent with (its extension tells its type).
    pub name: String,
    pub bytes: Vec<u8>,
    pub options: RedactOptions,
    /// A CSV policy, as TOML text.
    pub csv_policy: Option<String>,
    pub reference: Option<String>,
    pub caller: Principal,
}

impl FileOutcome {
    /// Packs the redacted file and its log into one ZIP archive at `path`
    /// (the file stored as it is, the log compressed), copying each from
    /// disk a piece at a time: the answer to an upload, as one download.
    pub fn package_zip(&self, path: &Path) -> Result<(), AppError> {
        let file = std::fs::File::create_new(path).map_err(|e| io_err(path, e))?;
        let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
        let zip_err = |e: zip::result::ZipError| io_err(path, std::io::Error::other(e));
        for (source, method) in [
            (&self.output, zip::CompressionMethod::Stored),
            (&self.log, zip::CompressionMethod::Deflated),
        ] {
            let name = source
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(method)
                .large_file(true);
            zip.start_file(name, options).map_err(zip_err)?;
            let mut from = std::fs::File::open(source).map_err(|e| io_err(source, e))?;
            std::io::copy(&mut from, &mut zip).map_err(|e| io_err(path, e))?;
        }
        let mut inner = zip.finish().map_err(zip_err)?;
        std::io::Write::flush(&mut inner).map_err(|e| io_err(path, e))?;
        Ok(())
    }
}

/// The name every upload's temporary directory under the data directory
/// starts with.
const UPLOAD_PREFIX: &str = ".upload-";

/// An upload's directory is left behind only by a process that stopped in
/// the middle of a request; housekeeping removes one this old.
pub const STALE_UPLOAD: std::time::Duration = std::time::Duration::from_secs(3600);

/// Removes the upload directories under `data_dir` last changed more than
/// `older_than` ago (they hold an uploaded document: personal data that
/// must not outlive its request); returns how many. One that cannot be
/// read or removed is logged and left for the next round.
pub(crate) fn remove_stale_uploads(data_dir: &Path, older_than: std::time::Duration) -> u64 {
    let Ok(entries) = std::fs::read_dir(data_dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        if !entry
            .file_name()
            .to_string_lossy()
            .starts_with(UPLOAD_PREFIX)
        {
            continue;
        }
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > older_than);
        if !stale {
            continue;
        }
        match std::fs::remove_dir_all(entry.path()) {
            Ok(()) => removed += 1,
            Err(e) => tracing::warn!(error = %e, "could not remove a stale upload directory"),
        }
    }
    removed
}

/// An upload redacted and packed by [`App::redact_upload_packaged`].
#[derive(Debug)]
pub struct PackagedUpload {
    /// What was redacted and recorded.
    pub outcome: FileOutcome,
    /// The archive: the redacted file, then its log.
    pub zip: PathBuf,
    /// The archive's size in bytes.
    pub len: u64,
    /// Removed, with everything in it, when this is dropped.
    _dir: tempfile::TempDir,
}

/// Uploads above this size are redacted as a stream: with the whole file in
/// memory already, an answer built in memory would hold it several times
/// over.
const STREAM_UPLOADS_ABOVE: u64 = 1 << 20;

impl App {
    /// Redacts a batch of files; see the module documentation. `progress`
    /// is called with (files done, files planned).
    pub async fn redact_files(
        &self,
        req: BatchRequest,
        progress: Arc<dyn Fn(u64, u64) + Send + Sync>,
    ) -> Result<BatchSummary, AppError> {
        let app = self.clone();
        let handle = tokio::runtime::Handle::current();
        // Walking, reading and redacting are blocking and CPU-bound.
        tokio::task::spawn_blocking(move || app.redact_files_blocking(&req, &handle, &*progress))
            .await
            .map_err(|e| AppError::Internal(format!("redaction task: {e}")))?
    }

    fn redact_files_blocking(
        &self,
        req: &BatchRequest,
        handle: &tokio::runtime::Handle,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<BatchSummary, AppError> {
        let mut options = req.options.clone();
        if let Some(path) = &req.keep_file {
            options.keep.extend(read_keep_file(path)?);
        }
        let policy = match &req.csv_policy {
            Some(path) => read_csv_policy(path)?,
            None => CsvPolicy::default(),
        };
        let mut redaction = self.redaction(&options)?;
        // Files on the operator's own disk are not bounded as uploads
        // are: a Word document may hold as much text as its package may
        // unzip to.
        redaction.docx_text_xml = civic_redact::formats::docx::UNLIMITED_TEXT_XML;
        let jobs = plan(&req.inputs, &req.out_dir, req.overwrite)?;
        let total = jobs.len() as u64;
        progress(0, total);
        let done = AtomicU64::new(0);
        // Each file's size, read once: it decides both how the file is
        // redacted and which worker takes it.
        let sizes: Vec<Option<u64>> = jobs
            .iter()
            .map(|job| std::fs::metadata(&job.input).ok().map(|m| m.len()))
            .collect();
        let run = |i: usize, table: &mut PseudonymTable| {
            let job = &jobs[i];
            let result = self.redact_job(job, sizes[i], req, &redaction, &policy, table, handle);
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            (job.input.clone(), result)
        };
        let results: Vec<(PathBuf, Result<FileOutcome, AppError>)> =
            if matches!(redaction.operator, Operator::Pseudonym) {
                let mut table = PseudonymTable::new();
                (0..jobs.len()).map(|i| run(i, &mut table)).collect()
            } else {
                // Large files one after another on one worker, small ones
                // in parallel on the others (see [`LARGE_FILE`]).
                let (large, small): (Vec<usize>, Vec<usize>) =
                    (0..jobs.len()).partition(|&i| sizes[i].is_some_and(|size| size >= LARGE_FILE));
                let redact_each = |&i: &usize| (i, run(i, &mut PseudonymTable::new()));
                let (mut done_large, done_small) = rayon::join(
                    || large.iter().map(redact_each).collect::<Vec<_>>(),
                    || small.par_iter().map(redact_each).collect::<Vec<_>>(),
                );
                done_large.extend(done_small);
                done_large.sort_by_key(|(i, _)| *i);
                done_large.into_iter().map(|(_, r)| r).collect()
            };
        let mut summary = BatchSummary::default();
        for (input, result) in results {
            match result {
                Ok(outcome) => summary.redacted.push(outcome),
                Err(e) => summary.failed.push((input, e.to_string())),
            }
        }
        Ok(summary)
    }

    /// Redacts an uploaded document into one ZIP archive holding its
    /// redacted file and its log, in a temporary directory under the data
    /// directory that is removed when the result is dropped (so after the
    /// answer is sent, or when the client goes away). The memory needed is
    /// `civic redact`'s, not a multiple of the document's size. One decision
    /// is recorded for `upload.caller`.
    pub async fn redact_upload_packaged(
        &self,
        upload: UploadToFiles,
    ) -> Result<PackagedUpload, AppError> {
        let data_dir = &self.config().data_dir;
        let dir = tempfile::Builder::new()
            .prefix(UPLOAD_PREFIX)
            .tempdir_in(data_dir)
            .map_err(|e| io_err(data_dir, e))?;
        let outcome = self.redact_upload_to_dir(upload, dir.path()).await?;
        let zip = dir.path().join("answer.zip");
        let (packed, at) = (outcome.clone(), zip.clone());
        tokio::task::spawn_blocking(move || packed.package_zip(&at))
            .await
            .map_err(|e| AppError::Internal(format!("packaging task: {e}")))??;
        let len = std::fs::metadata(&zip).map_err(|e| io_err(&zip, e))?.len();
        Ok(PackagedUpload {
            outcome,
            zip,
            len,
            _dir: dir,
        })
    }

    /// Redacts an uploaded document into `dir` (which must exist and be
    /// empty): its redacted file, named `redacted-NAME`, and its log,
    /// `NAME.redaction.json`, written as `civic redact` writes them and in
    /// the memory it needs (a document over 1 MiB is redacted as a stream;
    /// the upload is written to `dir/input/` first and removed after). One
    /// decision is recorded for `upload.caller`.
    async fn redact_upload_to_dir(
        &self,
        upload: UploadToFiles,
        dir: &Path,
    ) -> Result<FileOutcome, AppError> {
        crate::check_reference(upload.reference.as_deref())?;
        if upload.bytes.is_empty() {
            return Err(AppError::Unprocessable {
                field: "file",
                message: "the uploaded file is empty".into(),
            });
        }
        let policy = match &upload.csv_policy {
            Some(text) => CsvPolicy::from_toml(text).map_err(|source| AppError::Redact {
                file: "csv_policy".into(),
                source,
            })?,
            None => CsvPolicy::default(),
        };
        let redaction = self.redaction(&upload.options)?;
        let name = safe_file_name(&upload.name);
        let input_dir = dir.join("input");
        std::fs::create_dir(&input_dir).map_err(|e| io_err(&input_dir, e))?;
        let input = input_dir.join(&name);
        std::fs::write(&input, &upload.bytes).map_err(|e| io_err(&input, e))?;
        let size = upload.bytes.len() as u64;
        drop(upload.bytes);
        let output_name = format!("redacted-{name}");
        let job = Job {
            output: dir.join(&output_name),
            log: dir.join(format!("{name}{LOG_SUFFIX}")),
            input: input.clone(),
            input_name: name,
            output_name,
        };
        let req = BatchRequest {
            inputs: vec![input.clone()],
            out_dir: dir.to_owned(),
            options: upload.options,
            keep_file: None,
            csv_policy: None,
            overwrite: false,
            stream_text_above: STREAM_UPLOADS_ABOVE,
            max_email_bytes: MAX_EMAIL_BYTES,
            caller: upload.caller,
            reference: upload.reference,
        };
        let app = self.clone();
        let handle = tokio::runtime::Handle::current();
        let outcome = tokio::task::spawn_blocking(move || {
            let mut table = PseudonymTable::new();
            app.redact_job(
                &job,
                Some(size),
                &req,
                &redaction,
                &policy,
                &mut table,
                &handle,
            )
        })
        .await
        .map_err(|e| AppError::Internal(format!("redaction task: {e}")))?;
        // The upload holds the personal data: it goes whatever happened.
        let _ = std::fs::remove_dir_all(&input_dir);
        outcome
    }

    /// Redacts one planned file, whole or as a stream as its size and type
    /// decide.
    #[allow(clippy::too_many_arguments)]
    fn redact_job(
        &self,
        job: &Job,
        size: Option<u64>,
        req: &BatchRequest,
        redaction: &Redaction,
        policy: &CsvPolicy,
        table: &mut PseudonymTable,
        handle: &tokio::runtime::Handle,
    ) -> Result<FileOutcome, AppError> {
        match route(job, size, req)? {
            Route::Stream(kind) => {
                self.redact_streamed(job, kind, redaction, policy, table, handle, req)
            }
            Route::Whole => self.redact_one(job, redaction, policy, table, handle, req),
        }
    }

    fn redact_one(
        &self,
        job: &Job,
        redaction: &Redaction,
        policy: &CsvPolicy,
        table: &mut PseudonymTable,
        handle: &tokio::runtime::Handle,
        req: &BatchRequest,
    ) -> Result<FileOutcome, AppError> {
        let overwrite = req.overwrite;
        let name = job.input.display().to_string();
        let bytes = std::fs::read(&job.input).map_err(|e| io_err(&job.input, e))?;
        let kind = file_type(&name, &bytes).map_err(redact_failed(&name))?;
        let doc = redact_document(kind, &bytes, redaction, policy, table)
            .map_err(redact_failed(&name))?;
        let attachments = attachment_facts(&doc.attachments);
        let tally = LogTally::of(&doc.log);
        let output = ContentDigest::of(&doc.bytes);
        let facts = RedactionFacts {
            input: doc.input,
            output,
            file_type: kind.as_str(),
            operator: redaction.operator.name(),
            tally: &tally,
            extra: json!({
                "attachments_removed": attachments,
                "removed": doc.removed,
                "decoding": doc.decoding,
            }),
        };
        // The decision is recorded before the output exists: no redacted
        // file is ever released without its ledger record.
        let decision = handle.block_on(self.record_redaction(
            facts,
            req.caller.clone(),
            req.reference.clone(),
        ))?;
        write_atomic(&job.output, &doc.bytes, overwrite)?;
        let mut log = log_header(job, kind, redaction, &decision, &output);
        log["counts"] = json!(doc.counts());
        log["decoding"] = json!(doc.decoding);
        log["attachments_removed"] = json!(doc.attachments);
        log["removed"] = json!(doc.removed);
        write_log(&job.log, &log, LogEntries::Held(&doc.log), overwrite)?;
        Ok(FileOutcome {
            input: job.input.clone(),
            output: job.output.clone(),
            log: job.log.clone(),
            file_type: kind,
            counts: doc.counts(),
            decision_id: decision.id,
            decoding: doc.decoding,
            attachments_removed: doc.attachments.len(),
        })
    }

    /// Redacts a large text, CSV, Word or e-mail file as a stream (see [`super::stream`]),
    /// with the same order of steps as [`redact_one`](Self::redact_one):
    /// the decision is recorded before the output is renamed into place.
    #[allow(clippy::too_many_arguments)]
    fn redact_streamed(
        &self,
        job: &Job,
        kind: FileType,
        redaction: &Redaction,
        policy: &CsvPolicy,
        table: &mut PseudonymTable,
        handle: &tokio::runtime::Handle,
        req: &BatchRequest,
    ) -> Result<FileOutcome, AppError> {
        let overwrite = req.overwrite;
        let out_dir = job
            .output
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let streamed = redact_file_stream(&job.input, kind, out_dir, redaction, policy, table)?;
        let facts = RedactionFacts {
            input: streamed.input_content,
            output: streamed.output_content,
            file_type: kind.as_str(),
            operator: redaction.operator.name(),
            tally: &streamed.tally,
            extra: json!({
                "attachments_removed": attachment_facts(&streamed.attachments),
                "removed": streamed.removed,
                "decoding": streamed.decoding,
                "streamed": true,
            }),
        };
        let decision = handle.block_on(self.record_redaction(
            facts,
            req.caller.clone(),
            req.reference.clone(),
        ))?;
        persist(streamed.output, &job.output, overwrite)?;
        let counts = streamed.tally.counts().clone();
        let mut log = log_header(job, kind, redaction, &decision, &streamed.output_content);
        log["counts"] = json!(counts);
        log["decoding"] = json!(streamed.decoding);
        log["attachments_removed"] = json!(streamed.attachments);
        log["removed"] = json!(streamed.removed);
        write_log(
            &job.log,
            &log,
            LogEntries::Spilled(streamed.entries),
            overwrite,
        )?;
        Ok(FileOutcome {
            input: job.input.clone(),
            output: job.output.clone(),
            log: job.log.clone(),
            file_type: kind,
            counts,
            decision_id: decision.id,
            decoding: streamed.decoding,
            attachments_removed: streamed.attachments.len(),
        })
    }
}

/// What the ledger decision says of the attachments left out of an e-mail:
/// type, size and digest, not the name (which may be personal data).
fn attachment_facts(attachments: &[RemovedAttachment]) -> Vec<serde_json::Value> {
    attachments
        .iter()
        .map(|a| json!({"content_type": a.content_type, "size": a.size, "sha256": a.digest}))
        .collect()
}

/// The fields of a file's redaction log that do not depend on how it was
/// redacted; the caller adds the counts, decoding, removals and entries.
fn log_header(
    job: &Job,
    kind: FileType,
    redaction: &Redaction,
    decision: &civic_core::Decision,
    output: &ContentDigest,
) -> serde_json::Value {
    json!({
        "input": job.input_name,
        "output": job.output_name,
        "file_type": kind,
        "operator": redaction.operator.name(),
        "labels": redaction.analyzer.config().labels,
        "keep_values": redaction.analyzer.config().keep.len(),
        "input_sha256": decision.input_digest.to_hex(),
        "output_sha256": output.to_hex(),
        "decision_id": decision.id.to_string(),
    })
}

/// How one file is redacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// Read whole and redacted in memory.
    Whole,
    /// Redacted as a stream (see [`super::stream`]).
    Stream(FileType),
}

/// Files at least this large are redacted one after another, on one
/// worker thread, while smaller ones run in parallel on the others. A file
/// read whole takes up to about seventeen times its size while it is
/// redacted (an 8.3 MB CSV took 139 MB), and the system allocator keeps
/// what a thread frees for that thread's next use: twelve files of 8–33 MB
/// taking turns on both workers of a two-core machine held 269 MB, on one
/// worker 188 MB, and the first figure grows with the number of cores. By
/// the same ratio a file below this size needs under about 17 MB.
pub const LARGE_FILE: u64 = 1 << 20;

/// How to redact `job`, judged from its size (`None` if it could not be
/// read) and its first 64 KiB (enough
/// for the content checks of [`file_type`] on text and e-mail): text, CSV
/// and e-mail files above `stream_text_above` are streamed, and Word files
/// that are, or unzip to, more than that (a package of under a megabyte
/// can hold 10 MiB of text, whose output and log would then be held whole);
/// an e-mail above `max_email_bytes` is refused, naming the limit. Anything
/// else, or a file that cannot be read here, is read whole, which reports
/// errors.
fn route(job: &Job, size: Option<u64>, req: &BatchRequest) -> Result<Route, AppError> {
    let Some(size) = size else {
        return Ok(Route::Whole);
    };
    let is_docx_name = job
        .input
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("docx"));
    if size <= req.stream_text_above.min(req.max_email_bytes) && !is_docx_name {
        return Ok(Route::Whole);
    }
    let mut head = Vec::with_capacity(64 * 1024);
    let read = std::fs::File::open(&job.input).and_then(|file| {
        std::io::Read::read_to_end(&mut std::io::Read::take(file, 64 * 1024), &mut head)
    });
    if read.is_err() {
        return Ok(Route::Whole);
    }
    let name = job.input.display().to_string();
    // A large package's entry names need not be in its first 64 KiB: the
    // streamed redaction checks its central directory for word/document.xml.
    if is_docx_name && head.starts_with(b"PK\x03\x04") {
        let unzipped = unzipped_size(&job.input).unwrap_or(size);
        return Ok(if size.max(unzipped) > req.stream_text_above {
            Route::Stream(FileType::Docx)
        } else {
            Route::Whole
        });
    }
    if size <= req.stream_text_above.min(req.max_email_bytes) {
        return Ok(Route::Whole);
    }
    Ok(match file_type(&name, &head) {
        Ok(kind @ (FileType::Text | FileType::Csv)) if size > req.stream_text_above => {
            Route::Stream(kind)
        }
        Ok(FileType::Eml) if size > req.max_email_bytes => {
            return Err(AppError::Redact {
                file: name,
                source: RedactError::TooLarge(format!(
                    "the e-mail is {size} bytes, more than the limit of {} bytes for one message; raise it with --max-email-bytes",
                    req.max_email_bytes
                )),
            });
        }
        Ok(FileType::Eml) if size > req.stream_text_above => Route::Stream(FileType::Eml),
        _ => Route::Whole,
    })
}

/// What the zip package at `path` says it unzips to, from its central
/// directory (nothing is inflated); `None` if that cannot be read, and the
/// redaction then reports why.
fn unzipped_size(path: &Path) -> Option<u64> {
    let file = std::fs::File::open(path).ok()?;
    unzipped_size_of(std::io::BufReader::new(file))
}

/// What a zip package read from `reader` says it unzips to.
fn unzipped_size_of(reader: impl std::io::Read + std::io::Seek) -> Option<u64> {
    let mut archive = zip::ZipArchive::new(reader).ok()?;
    let mut total = 0u64;
    for i in 0..archive.len() {
        total = total.saturating_add(archive.by_index_raw(i).ok()?.size());
    }
    Some(total)
}

/// How much an upload's redaction reads: its size, or, for a zip package
/// (a Word document), what its central directory says it unzips to when
/// that is more (nothing is inflated). An 846 KB Word file can hold 10 MiB
/// of text, and the work and the answer follow the text.
pub fn work_size(bytes: &[u8]) -> u64 {
    let size = bytes.len() as u64;
    if !bytes.starts_with(b"PK") {
        return size;
    }
    unzipped_size_of(std::io::Cursor::new(bytes)).map_or(size, |u| u.max(size))
}

/// Reads a keep file: one value per line; blank lines and lines starting
/// with `#` are skipped.
pub fn read_keep_file(path: &Path) -> Result<Vec<String>, AppError> {
    let bytes = std::fs::read(path).map_err(|e| io_err(path, e))?;
    let text = String::from_utf8(bytes).map_err(|e| AppError::Invalid {
        field: "keep-file",
        message: format!(
            "{} is not UTF-8 text (first bad byte at {})",
            path.display(),
            e.utf8_error().valid_up_to()
        ),
    })?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect())
}

/// Reads a CSV policy file (TOML; see [`CsvPolicy`]).
pub fn read_csv_policy(path: &Path) -> Result<CsvPolicy, AppError> {
    let text = std::fs::read_to_string(path).map_err(|e| io_err(path, e))?;
    CsvPolicy::from_toml(&text).map_err(|source| AppError::Redact {
        file: path.display().to_string(),
        source,
    })
}

/// Every file to redact, with its output and log paths. Refuses a missing
/// input, two inputs with the same output, an output that is an input, and
/// (without `overwrite`) any output or log that exists already.
fn plan(inputs: &[PathBuf], out_dir: &Path, overwrite: bool) -> Result<Vec<Job>, AppError> {
    if inputs.is_empty() {
        return Err(AppError::Invalid {
            field: "inputs",
            message: "name at least one file or directory to redact".into(),
        });
    }
    let out_canonical = std::fs::canonicalize(out_dir).ok();
    let mut found: Vec<(PathBuf, PathBuf)> = Vec::new();
    for input in inputs {
        let meta = std::fs::metadata(input).map_err(|e| io_err(input, e))?;
        if meta.is_dir() {
            walk(input, input, out_canonical.as_deref(), &mut found)?;
        } else {
            let name = input.file_name().ok_or_else(|| AppError::Invalid {
                field: "inputs",
                message: format!("{} has no file name", input.display()),
            })?;
            found.push((input.clone(), PathBuf::from(name)));
        }
    }
    found.sort();
    found.dedup();
    let mut jobs = Vec::with_capacity(found.len());
    let mut outputs: HashMap<PathBuf, PathBuf> = HashMap::new();
    let mut existing = Vec::new();
    for (input, relative) in found {
        let output = out_dir.join(&relative);
        let mut log_name = relative.into_os_string();
        log_name.push(LOG_SUFFIX);
        let log = out_dir.join(log_name);
        if let Some(other) = outputs.insert(output.clone(), input.clone()) {
            return Err(AppError::Invalid {
                field: "inputs",
                message: format!(
                    "{} and {} would both be written to {}; redact them in separate runs",
                    other.display(),
                    input.display(),
                    output.display()
                ),
            });
        }
        for written in [&output, &log] {
            if same_file(&input, written) {
                return Err(AppError::Invalid {
                    field: "out-dir",
                    message: format!(
                        "{} would be overwritten by its own redaction; Civic never overwrites its inputs: choose another --out-dir",
                        input.display()
                    ),
                });
            }
            if written.exists() {
                existing.push(written.clone());
            }
        }
        jobs.push(Job {
            input_name: input.display().to_string(),
            output_name: output.display().to_string(),
            input,
            output,
            log,
        });
    }
    if jobs.is_empty() {
        return Err(AppError::Invalid {
            field: "inputs",
            message: "no files found to redact".into(),
        });
    }
    if !overwrite && let Some(first) = existing.first() {
        return Err(AppError::Invalid {
            field: "out-dir",
            message: format!(
                "{} output file(s) exist already (the first is {}); pass --overwrite to replace them",
                existing.len(),
                first.display()
            ),
        });
    }
    Ok(jobs)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The regular files under `dir`, with their paths relative to `root`.
/// Hidden entries and symbolic links are skipped, and so is the output
/// directory when it lies inside an input directory.
fn walk(
    root: &Path,
    dir: &Path,
    skip: Option<&Path>,
    found: &mut Vec<(PathBuf, PathBuf)>,
) -> Result<(), AppError> {
    let entries = std::fs::read_dir(dir).map_err(|e| io_err(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io_err(dir, e))?;
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = entry.file_type().map_err(|e| io_err(&path, e))?;
        if kind.is_dir() {
            let inside_out_dir =
                skip.is_some_and(|s| std::fs::canonicalize(&path).is_ok_and(|p| p == s));
            if !inside_out_dir {
                walk(root, &path, skip, found)?;
            }
        } else if kind.is_file() {
            let relative = path.strip_prefix(root).unwrap_or(&path).to_owned();
            found.push((path, relative));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_names_become_safe_file_names_that_keep_their_extension() {
        assert_eq!(safe_file_name("letter 1.docx"), "letter_1.docx");
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(
            safe_file_name("C:\\Users\\jo\\Smith SAR.txt"),
            "Smith_SAR.txt"
        );
        assert_eq!(safe_file_name(".hidden.txt"), "hidden.txt");
        assert_eq!(safe_file_name("a\"b;\r\n.txt"), "a_b___.txt");
        assert_eq!(safe_file_name(""), "upload");
        assert_eq!(safe_file_name(".."), "upload");
        let long = format!("{}.csv", "x".repeat(300));
        let kept = safe_file_name(&long);
        assert_eq!(kept.len(), 100);
        assert!(kept.ends_with(".csv"));
        assert_eq!(safe_file_name("Zoë.txt"), "Zo_.txt");
    }

    #[test]
    fn the_plan_mirrors_directories_and_refuses_clashes_and_existing_outputs() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("in");
        std::fs::create_dir_all(src.join("sub")).unwrap();
        std::fs::create_dir_all(src.join(".git")).unwrap();
        std::fs::write(src.join("a.txt"), "a").unwrap();
        std::fs::write(src.join("sub/b.txt"), "b").unwrap();
        std::fs::write(src.join("sub/a.txt"), "another a").unwrap();
        std::fs::write(src.join(".git/c.txt"), "c").unwrap();
        let out = src.join("out");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("old.txt"), "old output").unwrap();

        let whole = [src.clone()];
        let jobs = plan(&whole, &out, false).unwrap();
        let outputs: Vec<_> = jobs.iter().map(|j| j.output.clone()).collect();
        assert_eq!(
            outputs,
            vec![
                out.join("a.txt"),
                out.join("sub/a.txt"),
                out.join("sub/b.txt")
            ]
        );
        assert_eq!(jobs[0].log, out.join("a.txt.redaction.json"));

        // The same file name from two places clashes.
        let e = plan(&[src.join("a.txt"), src.join("sub/a.txt")], &out, false).unwrap_err();
        assert!(e.to_string().contains("would both be written"), "{e}");

        // An existing output is refused unless --overwrite.
        std::fs::write(out.join("a.txt"), "earlier").unwrap();
        let e = plan(&whole, &out, false).unwrap_err();
        assert!(e.to_string().contains("--overwrite"), "{e}");
        assert!(plan(&whole, &out, true).is_ok());

        // An output that is the input is refused even with --overwrite.
        let e = plan(&[src.join("a.txt")], &src, true).unwrap_err();
        assert!(e.to_string().contains("never overwrites its inputs"), "{e}");

        let e = plan(&[dir.path().join("missing")], &out, false).unwrap_err();
        assert!(e.to_string().contains("missing"), "{e}");
    }

    #[test]
    fn keep_files_skip_blank_and_comment_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keep.txt");
        std::fs::write(&path, "# the requester\nJane Smith\n\n  AB 12 34 56 C  \n").unwrap();
        assert_eq!(
            read_keep_file(&path).unwrap(),
            vec!["Jane Smith".to_owned(), "AB 12 34 56 C".to_owned()]
        );
    }

    /// A Word package is judged by what it unzips to, not by its zipped
    /// size: a small package holding much text is streamed, so its output
    /// and log are never held whole.
    #[test]
    fn a_small_word_package_that_unzips_large_is_streamed() {
        let dir = tempfile::tempdir().expect("dir");
        let write = |name: &str, xml_bytes: usize| {
            use std::io::Write as _;
            let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            zip.start_file("word/document.xml", options).expect("entry");
            zip.write_all(&vec![b' '; xml_bytes]).expect("write");
            let bytes = zip.finish().expect("zip").into_inner();
            let path = dir.path().join(name);
            std::fs::write(&path, &bytes).expect("write");
            let job = Job {
                input: path,
                output: dir.path().join("out"),
                log: dir.path().join("log"),
                input_name: name.into(),
                output_name: "out".into(),
            };
            (job, bytes.len() as u64)
        };
        let req = BatchRequest {
            inputs: Vec::new(),
            out_dir: dir.path().to_owned(),
            options: RedactOptions::default(),
            keep_file: None,
            csv_policy: None,
            overwrite: false,
            stream_text_above: 1 << 20,
            max_email_bytes: MAX_EMAIL_BYTES,
            caller: civic_core::UserId::new().as_principal(),
            reference: None,
        };
        let (large, size) = write("large.docx", 4 << 20);
        assert!(size < 1 << 20, "{size}");
        assert!(matches!(
            route(&large, Some(size), &req),
            Ok(Route::Stream(FileType::Docx))
        ));
        let (small, size) = write("small.docx", 1000);
        assert!(matches!(route(&small, Some(size), &req), Ok(Route::Whole)));
    }
}
