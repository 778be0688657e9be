//! Exports of decisions and review events as CSV, for auditors.
//!
//! An export is a stream of chunks, one per page of the store (keyset
//! pagination), so memory stays flat however many rows there are. A cell
//! that a spreadsheet would run as a formula (one starting with `=`, `+`,
//! `-`, `@`, a tab or a carriage return) is written with a leading `'`, so
//! that opening an export cannot run anything a caller or reviewer typed.
//! Raw inputs are never exported: a decision's row carries its input's
//! digest, as the ledger does.

use civic_core::{Decision, rfc3339};
pub use civic_store::ExportFilter;
use civic_store::{ExportCursor, ExportPage, ReviewRecord, StoreError};
use futures_util::stream::{BoxStream, StreamExt as _};

use crate::{App, AppError};

/// Rows read from the store per chunk.
pub const EXPORT_PAGE: u32 = 1000;

/// The decisions export's columns.
pub const DECISION_HEADER: [&str; 14] = [
    "id",
    "created_at",
    "service",
    "model_name",
    "model_version",
    "status",
    "initial_status",
    "quality_sample",
    "confidence",
    "output",
    "reference",
    "requested_by",
    "input_sha256",
    "ledger_index",
];

/// The review events export's columns.
pub const REVIEW_HEADER: [&str; 12] = [
    "id",
    "created_at",
    "decision_id",
    "service",
    "model_name",
    "model_version",
    "quality_sample",
    "action",
    "output",
    "reason",
    "reviewer",
    "ledger_index",
];

/// A cell as written: a would-be formula gets a leading `'`.
///
/// ```
/// use civic_app::export::safe_cell;
/// assert_eq!(safe_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
/// assert_eq!(safe_cell("case-1"), "case-1");
/// ```
///
/// A spreadsheet skips leading white space and line breaks before it looks
/// for a formula, and some read the full-width and small forms of the
/// signs (`＝`, `﹦`, `＋`…) as the signs themselves, so the first character
/// that is not white space is what is checked, in its compatibility form.
pub fn safe_cell(text: &str) -> std::borrow::Cow<'_, str> {
    let starts_formula = match text.chars().next() {
        Some('\t' | '\r' | '\n') => true,
        _ => text
            .chars()
            .find(|c| !c.is_whitespace())
            .is_some_and(|c| matches!(formula_sign(c), Some('=' | '+' | '-' | '@'))),
    };
    if starts_formula {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// The ASCII sign a character stands for, where it is one of the signs a
/// formula can start with, in any of its Unicode forms.
fn formula_sign(c: char) -> Option<char> {
    match c {
        '=' | '+' | '-' | '@' => Some(c),
        // Full-width forms (U+FF0B, U+FF0D, U+FF1D, U+FF20).
        '\u{FF0B}' => Some('+'),
        '\u{FF0D}' => Some('-'),
        '\u{FF1D}' => Some('='),
        '\u{FF20}' => Some('@'),
        // Small forms (U+FE62, U+FE63, U+FE66, U+FE6B) and the minus sign.
        '\u{FE62}' => Some('+'),
        '\u{FE63}' | '\u{2212}' => Some('-'),
        '\u{FE66}' => Some('='),
        '\u{FE6B}' => Some('@'),
        _ => None,
    }
}

fn decision_row(d: &Decision) -> Vec<String> {
    vec![
        d.id.to_string(),
        rfc3339(d.created_at),
        d.service.to_string(),
        d.model.name.clone(),
        d.model.version.clone(),
        d.status.as_str().to_owned(),
        d.initial_status.as_str().to_owned(),
        d.quality_sample.to_string(),
        d.confidence.map(|c| c.to_string()).unwrap_or_default(),
        d.output.to_string(),
        d.reference.clone().unwrap_or_default(),
        d.requested_by.to_string(),
        d.input_digest.to_hex(),
        d.ledger_index.to_string(),
    ]
}

fn review_row(r: &ReviewRecord) -> Vec<String> {
    let (output, reason) = match &r.review.action {
        civic_core::ReviewAction::Accept => (String::new(), String::new()),
        civic_core::ReviewAction::Override { output, reason } => {
            (output.to_string(), reason.as_str().to_owned())
        }
        civic_core::ReviewAction::Refer { team } => (
            serde_json::json!({ "referred_to": team.as_str() }).to_string(),
            String::new(),
        ),
    };
    vec![
        r.review.id.to_string(),
        rfc3339(r.review.created_at),
        r.review.decision_id.to_string(),
        r.service.to_string(),
        r.model.name.clone(),
        r.model.version.clone(),
        r.quality_sample.to_string(),
        r.review.action.name().to_owned(),
        output,
        reason,
        r.review.reviewer.to_string(),
        r.review.ledger_index.to_string(),
    ]
}

/// Writes `rows` as CSV, each cell made safe.
pub fn csv_chunk(
    rows: impl IntoIterator<Item = Vec<String>>,
    header: Option<&[&str]>,
) -> Result<Vec<u8>, AppError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let failed = |e: csv::Error| AppError::Internal(format!("csv export: {e}"));
    if let Some(h) = header {
        w.write_record(h).map_err(failed)?;
    }
    for row in rows {
        w.write_record(row.iter().map(|c| safe_cell(c).into_owned()))
            .map_err(failed)?;
    }
    w.into_inner()
        .map_err(|e| AppError::Internal(format!("csv export: {e}")))
}

/// Reads one page of an export after a cursor.
type ReadPage<T> =
    fn(
        App,
        ExportFilter,
        Option<ExportCursor>,
    ) -> futures_util::future::BoxFuture<'static, Result<ExportPage<T>, StoreError>>;

/// Turns a paged read into a stream of CSV chunks: the header, then one
/// chunk per page.
fn csv_stream<T: Send + 'static>(
    app: App,
    filter: ExportFilter,
    header: &'static [&'static str],
    read: ReadPage<T>,
    row: fn(&T) -> Vec<String>,
) -> BoxStream<'static, Result<Vec<u8>, AppError>> {
    let head = futures_util::stream::once(async move { csv_chunk(Vec::new(), Some(header)) });
    // `None` as the state means the last page has been sent.
    let pages = futures_util::stream::try_unfold(Some(None::<ExportCursor>), move |state| {
        let app = app.clone();
        let filter = filter.clone();
        async move {
            let Some(after) = state else {
                return Ok(None);
            };
            let page = read(app, filter, after).await?;
            let chunk = csv_chunk(page.items.iter().map(row), None)?;
            Ok::<_, AppError>(Some((chunk, page.next.map(Some))))
        }
    });
    head.chain(pages).boxed()
}

impl App {
    /// Decisions matching `filter` as CSV chunks, oldest first.
    pub fn export_decisions(
        &self,
        filter: ExportFilter,
    ) -> BoxStream<'static, Result<Vec<u8>, AppError>> {
        csv_stream(
            self.clone(),
            filter,
            &DECISION_HEADER,
            |app, filter, after| {
                Box::pin(async move {
                    app.store()
                        .decisions_for_export(&filter, after.as_ref(), EXPORT_PAGE)
                        .await
                })
            },
            decision_row,
        )
    }

    /// Review events of decisions matching `filter` as CSV chunks, oldest first.
    pub fn export_reviews(
        &self,
        filter: ExportFilter,
    ) -> BoxStream<'static, Result<Vec<u8>, AppError>> {
        csv_stream(
            self.clone(),
            filter,
            &REVIEW_HEADER,
            |app, filter, after| {
                Box::pin(async move {
                    app.store()
                        .reviews_for_export(&filter, after.as_ref(), EXPORT_PAGE)
                        .await
                })
            },
            review_row,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn would_be_formulas_are_defused_and_other_cells_kept() {
        for (cell, want) in [
            ("=1+1", "'=1+1"),
            ("+44 20 7946 0000", "'+44 20 7946 0000"),
            ("-3", "'-3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("housing", "housing"),
            ("", ""),
            ("a=b", "a=b"),
            (" =1+1", "' =1+1"),
            ("\n=1+1", "'\n=1+1"),
            ("\u{a0}\u{3000}+1", "'\u{a0}\u{3000}+1"),
            ("\u{FF1D}1+1", "'\u{FF1D}1+1"),
            ("\u{FE66}1+1", "'\u{FE66}1+1"),
            ("\u{FF20}SUM(A1)", "'\u{FF20}SUM(A1)"),
            ("\u{2212}3", "'\u{2212}3"),
            ("  housing = yes", "  housing = yes"),
            ("   ", "   "),
        ] {
            assert_eq!(safe_cell(cell), want, "{cell:?}");
        }
    }

    #[test]
    fn cells_are_quoted_and_escaped_as_csv() {
        let out = csv_chunk(
            vec![vec![
                "a,b".to_owned(),
                "say \"hi\"".to_owned(),
                "two\nlines".to_owned(),
                "=cmd".to_owned(),
            ]],
            Some(&["w", "x", "y", "z"]),
        )
        .expect("csv");
        assert_eq!(
            String::from_utf8(out).expect("utf8"),
            "w,x,y,z\n\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",'=cmd\n"
        );
    }
}
