//! Redaction drafts on disk: a review survives a restart of the instance,
//! is its owner's alone, keeps within the limits, lapses, and leaves
//! nothing behind once downloaded or discarded.

use std::path::Path;
use std::time::Duration;

use civic_app::redact::RedactOptions;
use civic_app::redact::drafts::choices::PageChoice;
use civic_app::redact::drafts::{DraftId, DraftPart};
use civic_app::{App, AppError};
use civic_core::{Email, Role, UserId};
use civic_redact::Label;

use crate::support;

const LETTER: &str = "Dear Mr John Smith,\nYour NHS number 943 476 5919 is on file and we will call 020 7946 0000.\nThe Ravenscroft file is closed.\n";

async fn open(dir: &Path, configure: impl FnOnce(&mut civic_app::Config)) -> App {
    let mut config = support::config(dir);
    configure(&mut config);
    civic_app::init(&config).await.expect("init");
    App::open(config).await.expect("open")
}

async fn clerk(app: &App, name: &str) -> UserId {
    let email = Email::parse(&format!("{name}@example.gov.uk")).expect("email");
    app.add_user(
        &email,
        Role::Caseworker,
        None,
        civic_core::Principal::demo(),
    )
    .await
    .expect("user")
    .user
    .id
}

async fn start(app: &App, owner: UserId, text: &str) -> Result<DraftId, AppError> {
    let options = RedactOptions {
        operator: Some(civic_redact::OperatorKind::Label),
        ..RedactOptions::default()
    };
    app.start_draft(
        owner,
        "letter.txt".into(),
        text.as_bytes().to_vec(),
        options,
    )
    .await
}

/// Redacts draft `id` with `choice` for the last page seen; returns the
/// result and the redacted text, downloaded.
async fn finish(
    app: &App,
    owner: UserId,
    id: DraftId,
    choice: PageChoice,
) -> (civic_app::redact::drafts::DraftResult, String) {
    app.finish_draft(owner, id, choice).await.expect("redact");
    let result = app
        .draft_result(owner, id)
        .await
        .expect("result")
        .expect("redacted");
    let file = app
        .take_draft_part(owner, id, DraftPart::File)
        .await
        .expect("file");
    (result, std::io::read_to_string(file.file).expect("utf-8"))
}

/// The names of the entries of the drafts' folder.
fn drafts_on_disk(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir.join("drafts"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_review_continues_after_a_restart_and_nothing_stays_once_downloaded() {
    let dir = tempfile::tempdir().expect("dir");
    let app = open(dir.path(), |_| {}).await;
    let owner = clerk(&app, "ann").await;
    let id = start(&app, owner, LETTER).await.expect("draft");
    let page = app.draft_page(owner, id, 0).await.expect("page");
    assert_eq!(page.name, "letter.txt");
    assert_eq!((page.page, page.pages), (0, 1));
    let suggested: Vec<(usize, usize, String)> = page
        .text
        .iter()
        .flat_map(|q| {
            q.suggestions.iter().map(|s| {
                let value: String = q
                    .text
                    .chars()
                    .skip(s.start - q.start)
                    .take(s.end - s.start)
                    .collect();
                (q.passage, s.index, value)
            })
        })
        .collect();
    assert!(
        suggested.iter().any(|s| s.2.contains("John Smith")),
        "{suggested:?}"
    );
    // Keep every suggestion but the phone number.
    let kept = suggested
        .iter()
        .filter(|s| !s.2.contains("7946"))
        .map(|s| (s.0, s.1))
        .collect();
    let choice = PageChoice {
        page: 0,
        kept,
        kept_added: Default::default(),
    };
    app.save_draft_page(owner, id, choice.clone())
        .await
        .expect("save");
    app.shutdown().await.expect("shutdown");

    // A new instance on the same data directory: the draft and its choices
    // are there.
    let app = open(dir.path(), |_| {}).await;
    let page = app
        .draft_page(owner, id, 0)
        .await
        .expect("page after restart");
    assert_eq!(page.rejected.len(), 1, "the rejection was kept");
    assert!(page.unseen.is_empty());
    let added = app
        .add_to_draft(
            owner,
            id,
            choice.clone(),
            "ravenscroft".into(),
            Label::Person,
        )
        .await
        .expect("add")
        .expect("found");
    assert_eq!((added.added, added.pages.clone()), (1, vec![1]));
    let choice = PageChoice {
        kept_added: [0].into(),
        ..choice
    };
    let (result, text) = finish(&app, owner, id, choice).await;
    assert_eq!((result.counts.added, result.counts.rejected), (1, 1));
    assert!(
        text.contains("020 7946 0000"),
        "the rejected phone stays: {text}"
    );
    assert!(
        !text.contains("John Smith") && !text.contains("Ravenscroft"),
        "{text}"
    );
    let log = app
        .take_draft_part(owner, id, DraftPart::Log)
        .await
        .expect("log");
    let log: serde_json::Value = serde_json::from_reader(log.file).expect("json");
    assert_eq!(log["decision_id"], result.decision.as_str());
    // Both parts are with the user: nothing of the document stays.
    assert!(
        drafts_on_disk(dir.path()).is_empty(),
        "{:?}",
        drafts_on_disk(dir.path())
    );
    let gone = app.draft_page(owner, id, 0).await.expect_err("gone");
    assert!(matches!(gone, AppError::NotFound { .. }), "{gone:?}");
    app.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread")]
async fn another_persons_draft_is_not_found_and_a_discarded_one_is_gone() {
    let dir = tempfile::tempdir().expect("dir");
    let app = open(dir.path(), |_| {}).await;
    let (ann, bob) = (clerk(&app, "ann").await, clerk(&app, "bob").await);
    let id = start(&app, ann, LETTER).await.expect("draft");
    for refused in [
        app.draft_page(bob, id, 0).await.map(|_| ()),
        app.discard_draft(bob, id).await,
        app.take_draft_part(bob, id, DraftPart::File)
            .await
            .map(|_| ()),
    ] {
        let e = refused.expect_err("not Bob's");
        assert!(matches!(e, AppError::NotFound { .. }), "{e:?}");
    }
    assert!(app.drafts_of(bob).await.expect("list").is_empty());
    assert_eq!(app.drafts_of(ann).await.expect("list").len(), 1);
    app.discard_draft(ann, id).await.expect("discard");
    assert!(drafts_on_disk(dir.path()).is_empty());
    app.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread")]
async fn over_the_limits_an_upload_is_refused_with_what_to_do_and_others_are_not_affected() {
    let dir = tempfile::tempdir().expect("dir");
    let app = open(dir.path(), |c| c.drafts.per_user = 2).await;
    let (ann, bob) = (clerk(&app, "ann").await, clerk(&app, "bob").await);
    start(&app, ann, LETTER).await.expect("first");
    start(&app, ann, LETTER).await.expect("second");
    let refused = start(&app, ann, LETTER).await.expect_err("a third");
    assert!(matches!(refused, AppError::QuotaExceeded(_)), "{refused:?}");
    assert!(
        refused.to_string().contains("Finish or discard"),
        "{refused}"
    );
    start(&app, bob, LETTER).await.expect("Bob still can");
    // Nothing half-written stays from the refused upload.
    assert_eq!(drafts_on_disk(dir.path()).len(), 3);
    app.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread")]
async fn housekeeping_removes_drafts_past_their_lifetime() {
    let dir = tempfile::tempdir().expect("dir");
    let app = open(dir.path(), |_| {}).await;
    let ann = clerk(&app, "ann").await;
    start(&app, ann, LETTER).await.expect("draft");
    assert_eq!(app.purge_lapsed().await.drafts, 0, "used just now");
    app.shutdown().await.expect("shutdown");
    // Expiry is counted in whole seconds: a lifetime of one, and a wait.
    let app = open(dir.path(), |c| c.drafts.ttl = Duration::from_secs(1)).await;
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert!(app.drafts_of(ann).await.expect("list").is_empty(), "lapsed");
    assert_eq!(app.purge_lapsed().await.drafts, 1);
    assert!(drafts_on_disk(dir.path()).is_empty());
    app.shutdown().await.expect("shutdown");
}

/// A text longer than the piece the analyzer reads at once is prepared a
/// piece at a time, each piece a passage written to pages as it comes; the
/// final redaction reads it in the same pieces, so the review still fits.
#[tokio::test(flavor = "multi_thread")]
async fn a_long_text_is_prepared_a_piece_at_a_time_and_its_review_still_fits() {
    let dir = tempfile::tempdir().expect("dir");
    let app = open(dir.path(), |_| {}).await;
    let owner = clerk(&app, "ann").await;
    // About 2.6 MB in paragraphs of 2 KB, each with one phone number.
    let paragraph = format!("Call 020 7946 0000 today. {}\n\n", "word ".repeat(400));
    let text = paragraph.repeat(1_300);
    let id = start(&app, owner, &text).await.expect("draft");
    let first = app.draft_page(owner, id, 0).await.expect("page");
    assert!(first.pages > 2, "{} pages", first.pages);
    let last = app
        .draft_page(owner, id, first.pages - 1)
        .await
        .expect("last page");
    let passage = last.text.last().expect("text").passage;
    assert!(passage >= 2, "a 2.6 MB text is cut in pieces: {passage}");
    // Untick the last suggestion of the last page, keep every other.
    let kept = last
        .text
        .iter()
        .flat_map(|q| q.suggestions.iter().map(|s| (q.passage, s.index)))
        .collect::<Vec<_>>();
    let choice = PageChoice {
        page: last.page,
        kept: kept[..kept.len() - 1].iter().copied().collect(),
        kept_added: Default::default(),
    };
    let (result, redacted) = finish(&app, owner, id, choice).await;
    assert_eq!((result.counts.accepted, result.counts.rejected), (1_299, 1));
    assert_eq!(redacted.matches("020 7946 0000").count(), 1);
    // Apart from the one phone number left, the streamed redaction of the
    // draft is what redacting the whole text at once gives.
    let (_, whole) = app
        .redact_upload(
            "letter.txt".into(),
            text.clone().into_bytes(),
            &RedactOptions {
                operator: Some(civic_redact::OperatorKind::Label),
                ..RedactOptions::default()
            },
            None,
            None,
            owner.as_principal(),
        )
        .await
        .expect("whole");
    let whole = String::from_utf8(whole.bytes).expect("utf-8");
    let at = redacted.find("020 7946 0000").expect("the phone left");
    assert_eq!(redacted[..at], whole[..at]);
    assert_eq!(
        redacted[at + "020 7946 0000".len()..],
        whole[at + "[PHONE]".len()..]
    );
    // The log, written from the entries spilled to disk, has every one.
    let log = app
        .take_draft_part(owner, id, DraftPart::Log)
        .await
        .expect("log");
    let log: serde_json::Value = serde_json::from_reader(log.file).expect("json");
    assert_eq!(log["redactions"].as_array().map(Vec::len), Some(1_299));
    assert_eq!(log["review"]["accepted"], 1_299);
    assert_eq!(log["decision_id"], result.decision.as_str());
    assert_eq!(log["file_type"], "text");
    assert!(drafts_on_disk(dir.path()).is_empty());
    app.shutdown().await.expect("shutdown");
}

/// A Word upload whose text parts hold more XML than uploads may (the
/// body limit's worth) is refused before any of it is inflated, naming
/// the limit, on the Redaction page as through the API.
#[tokio::test(flavor = "multi_thread")]
async fn a_word_upload_with_too_much_text_xml_is_refused_naming_the_limit() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().expect("dir");
    let app = open(dir.path(), |c| c.body_limit = 64 * 1024).await;
    let owner = clerk(&app, "ann").await;
    let paragraph = "<w:p><w:r><w:t>Call John Smith on 020 7946 0000.</w:t></w:r></w:p>";
    let docx = |paragraphs: usize| {
        let document = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{}</w:body></w:document>"#,
            paragraph.repeat(paragraphs)
        );
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("word/document.xml", options).expect("entry");
        zip.write_all(document.as_bytes()).expect("write");
        (zip.finish().expect("zip").into_inner(), document.len())
    };
    let options = || RedactOptions {
        operator: Some(civic_redact::OperatorKind::Label),
        ..RedactOptions::default()
    };
    // 64 KiB × 1.6 = 104,857 bytes of XML.
    let (over, xml) = docx(1_600);
    assert!(
        over.len() < 64 * 1024 && xml > 104_857,
        "{} {xml}",
        over.len()
    );
    let refused = app
        .start_draft(owner, "letter.docx".into(), over.clone(), options())
        .await
        .expect_err("too much XML");
    assert_eq!(refused.kind(), civic_core::ErrorKind::TooLarge, "{refused}");
    assert!(
        refused.to_string().contains("more than the 64.0 KB"),
        "{refused}"
    );
    let refused = app
        .redact_upload(
            "letter.docx".into(),
            over,
            &options(),
            None,
            None,
            owner.as_principal(),
        )
        .await
        .expect_err("too much XML");
    assert_eq!(refused.kind(), civic_core::ErrorKind::TooLarge, "{refused}");
    let (under, xml) = docx(900);
    assert!(xml < 64 * 1024, "{xml}");
    app.start_draft(owner, "letter.docx".into(), under, options())
        .await
        .expect("under the limit");
    app.shutdown().await.expect("shutdown");
}
