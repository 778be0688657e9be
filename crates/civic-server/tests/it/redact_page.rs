//! The Redaction page over HTTP: upload a text file and a Word document,
//! reject a suggestion, add a missed span, download the file and its log,
//! and check what the output holds; roles, CSRF, bad and oversized uploads.

use civic_core::Role;
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{Browser, TestServer, docx, docx_text, hidden, multipart, user};

const LETTER: &str = "Dear Mr John Smith,\nYour NHS number 943 476 5919 is on file and we will call 020 7946 0000.\nThe Ravenscroft file is closed.\n";

/// A file to upload (none, or its name and bytes), the status wanted, and
/// the text the page must show.
type UploadCase<'a> = (Option<(&'a str, &'a [u8])>, StatusCode, &'a str);

/// A signed-in caseworker's browser.
async fn caseworker(s: &TestServer) -> Browser {
    let (email, _) = user(s, Role::Caseworker).await;
    let mut b = Browser::new(s);
    b.sign_in(&email).await;
    b
}

/// Uploads a file through the page's form; returns the review page's path.
async fn upload(b: &mut Browser, name: &str, bytes: &[u8]) -> String {
    let (status, page, _) = b.get("/redact").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("id=\"redact-upload-form\""));
    let csrf = hidden(&page, "csrf");
    let form = multipart(
        &[("csrf", &csrf), ("operator", "label")],
        Some((name, bytes)),
    );
    let (status, page, headers) = b.post_multipart("/redact", form).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    headers["location"].to_str().expect("ascii").to_owned()
}

/// The suggestions' checkboxes on a review page: `(field, label text)`.
fn suggestions(page: &str) -> Vec<(String, String)> {
    page.split("<div class=\"govuk-checkboxes__item\">")
        .skip(1)
        .filter_map(|item| {
            let start = item.find("name=\"keep-")? + "name=\"".len();
            let end = item[start..].find('"')? + start;
            let label_start = item.find("govuk-checkboxes__label")?;
            let label = &item[label_start..];
            let label = &label[label.find('>')? + 1..label.find("</label>")?];
            Some((item[start..end].to_owned(), label.to_owned()))
        })
        .collect()
}

/// The review form with every suggestion ticked but those whose label
/// text contains one of `reject`.
fn ticked<'a>(boxes: &'a [(String, String)], reject: &[&str]) -> Vec<(&'a str, &'static str)> {
    boxes
        .iter()
        .filter(|(_, label)| !reject.iter().any(|r| label.contains(r)))
        .map(|(field, _)| (field.as_str(), "yes"))
        .collect()
}

/// Rejects the suggestions containing `reject`, adds every `add` as a
/// PERSON, redacts, and returns the download page.
async fn review(b: &mut Browser, path: &str, reject: &[&str], add: &str) -> String {
    let (status, page, _) = b.get(path).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("id=\"redact-review-form\""));
    assert!(page.contains("<mark>"), "spans are highlighted: {page}");
    let csrf = hidden(&page, "csrf");
    let boxes = suggestions(&page);
    for r in reject {
        assert!(
            boxes.iter().any(|(_, l)| l.contains(r)),
            "{r} is suggested: {boxes:?}"
        );
    }
    let mut form = ticked(&boxes, reject);
    form.extend([
        ("csrf", csrf.as_str()),
        ("action", "add"),
        ("find_text", add),
        ("find_label", "PERSON"),
    ]);
    let (status, page, _) = b.post(path, &form).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Added 1 place to redact."), "{page}");
    assert!(page.contains("name=\"added-0\""), "{page}");
    // The rejection is remembered across adding.
    for (field, label) in suggestions(&page) {
        let checked = page[page.find(&format!("name=\"{field}\"")).expect("box")..]
            .split('>')
            .next()
            .expect("tag")
            .contains("checked");
        assert_eq!(
            checked,
            !reject.iter().any(|r| label.contains(r)),
            "{label}"
        );
    }
    let mut form = ticked(&boxes, reject);
    form.extend([
        ("csrf", csrf.as_str()),
        ("action", "redact"),
        ("added-0", "yes"),
    ]);
    let (status, page, headers) = b.post(path, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let done = headers["location"].to_str().expect("ascii").to_owned();
    assert_eq!(done, format!("{path}/done"));
    let (status, page, _) = b.get(&done).await;
    assert_eq!(status, 200, "{page}");
    page
}

/// Downloads the file and the log; afterwards the draft is gone.
async fn downloads(b: &mut Browser, path: &str) -> (Vec<u8>, Value) {
    let (status, file, headers) = b.get_bytes(&format!("{path}/file")).await;
    assert_eq!(status, 200);
    assert!(
        headers["content-disposition"]
            .to_str()
            .expect("ascii")
            .starts_with("attachment; filename=\"redacted-")
    );
    let (status, log, _) = b.get_bytes(&format!("{path}/log")).await;
    assert_eq!(status, 200);
    let log: Value = serde_json::from_slice(&log).expect("json log");
    let (status, _, _) = b.get(path).await;
    assert_eq!(status, 404, "deleted once both are downloaded");
    (file, log)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_text_file_is_reviewed_redacted_downloaded_and_recorded() {
    let s = TestServer::start().await;
    let mut b = caseworker(&s).await;
    let path = upload(&mut b, "letter.txt", LETTER.as_bytes()).await;
    let done = review(&mut b, &path, &["020 7946 0000"], "ravenscroft").await;
    assert!(done.contains("id=\"download-file\"") && done.contains("id=\"download-log\""));

    let (file, log) = downloads(&mut b, &path).await;
    let out = String::from_utf8(file).expect("utf-8");
    for gone in ["John Smith", "943 476 5919", "Ravenscroft"] {
        assert!(!out.contains(gone), "{gone} survived: {out}");
    }
    assert!(
        out.contains("020 7946 0000"),
        "the rejected span stays: {out}"
    );
    assert!(
        out.contains("[PERSON]") && out.contains("[NHS_NUMBER]"),
        "{out}"
    );

    assert_eq!(log["file_type"], "text");
    assert_eq!(log["review"]["rejected"], 1, "{log}");
    assert_eq!(log["review"]["added"], 1, "{log}");
    assert!(
        !log.to_string().contains("John Smith"),
        "no values in the log"
    );
    let recorded = s
        .decision(log["decision_id"].as_str().expect("decision id"))
        .await;
    assert_eq!(recorded["service"], "redact");
    assert_eq!(recorded["output"]["review"]["added"], 1, "{recorded}");
    assert!(!recorded.to_string().contains("Smith"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_word_document_stays_a_word_document_with_the_review_applied() {
    let s = TestServer::start().await;
    let mut b = caseworker(&s).await;
    let input = docx(&[
        "Spoke to Mrs Sarah Thompson about the missed bins.",
        "NHS number 943 476 5919, phone 020 7946 0000.",
        "The Ravenscroft file is closed.",
    ]);
    let path = upload(&mut b, "notes.docx", &input).await;
    review(&mut b, &path, &["943 476 5919"], "Ravenscroft").await;

    let (file, log) = downloads(&mut b, &path).await;
    assert!(
        file.starts_with(b"PK\x03\x04"),
        "a Word document comes back"
    );
    let text = docx_text(&file);
    for gone in ["Sarah", "Thompson", "7946", "Ravenscroft"] {
        assert!(!text.contains(gone), "{gone} survived: {text}");
    }
    assert!(
        text.contains("943 476 5919"),
        "the rejected span stays: {text}"
    );
    assert_eq!(log["file_type"], "docx");
    assert_eq!(log["review"]["rejected"], 1, "{log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_is_for_caseworkers_and_above_and_checks_csrf_and_uploads() {
    let s = TestServer::start_with(|o| o.body_limit = Some(4096)).await;

    let mut anonymous = Browser::new(&s);
    let (status, _, headers) = anonymous.get("/redact").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/sign-in?return_to=/redact");

    let (auditor, _) = user(&s, Role::Auditor).await;
    let mut a = Browser::new(&s);
    a.sign_in(&auditor).await;
    let (status, page, _) = a.get("/redact").await;
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("You cannot see this page"));

    let mut b = caseworker(&s).await;
    let (_, page, _) = b.get("/").await;
    assert!(page.contains("href=\"/redact\""), "in the navigation");

    // A wrong CSRF token: refused, nothing kept.
    let form = multipart(
        &[("csrf", "forged"), ("operator", "label")],
        Some(("a.txt", LETTER.as_bytes())),
    );
    let (status, page, _) = b.post_multipart("/redact", form).await;
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("Your form could not be accepted"));

    let (_, page, _) = b.get("/redact").await;
    let csrf = hidden(&page, "csrf");
    let big = "Call 020 7946 0000.\n".repeat(1000);
    let cases: [UploadCase<'_>; 4] = [
        (None, StatusCode::BAD_REQUEST, "Select a file to redact"),
        (
            Some(("letter.docx", b"Dear Sir, plain text")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "plain text",
        ),
        (
            Some(("scan.pdf", b"%PDF-1.7 ...")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not supported",
        ),
        (
            Some(("big.txt", big.as_bytes())),
            StatusCode::PAYLOAD_TOO_LARGE,
            "The selected file must be smaller than 4 KB",
        ),
    ];
    for (file, want_status, want_text) in cases {
        let form = multipart(&[("csrf", &csrf), ("operator", "label")], file);
        let (status, page, _) = b.post_multipart("/redact", form).await;
        assert_eq!(status, want_status, "{page}");
        assert!(page.contains("govuk-error-summary"), "{page}");
        assert!(page.contains(want_text), "{want_text}: {page}");
    }
    // An operator that is not one of the choices is refused at the field.
    let form = multipart(
        &[("csrf", &csrf), ("operator", "blur")],
        Some(("a.txt", LETTER.as_bytes())),
    );
    let (status, page, _) = b.post_multipart("/redact", form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(
        page.contains("Select what to replace personal data with"),
        "{page}"
    );

    // Another caseworker cannot open someone else's document; a forged
    // review form is refused.
    let path = upload(&mut b, "a.txt", b"Call Mr John Smith.").await;
    let mut other = Browser::new(&s);
    let (email, _) = user(&s, Role::Reviewer).await;
    other.sign_in(&email).await;
    let (status, _, _) = other.get(&path).await;
    assert_eq!(status, 404);
    let (status, page, _) = b
        .post(&path, &[("csrf", "forged"), ("action", "redact")])
        .await;
    assert_eq!(status, 403, "{page}");
    let (status, _, _) = b.get(&format!("{path}/file")).await;
    assert_eq!(status, 404, "nothing to download before redacting");
}

/// Whether the box `field` is ticked on `page`.
fn is_ticked(page: &str, field: &str) -> bool {
    page[page.find(&format!("name=\"{field}\"")).expect("box")..]
        .split('>')
        .next()
        .expect("tag")
        .contains("checked")
}

/// A long document is reviewed a page at a time: each page is small, the
/// spans are numbered through the document, a choice made on one page is
/// kept while the reviewer visits others, and the final redaction applies
/// the choices of every page.
#[tokio::test(flavor = "multi_thread")]
async fn a_long_document_is_reviewed_page_by_page_and_every_pages_choices_count() {
    let s = TestServer::start().await;
    let mut b = caseworker(&s).await;
    let letter: String = (0..2_000)
        .map(|i| format!("Case {i}: we called Mr John Smith on 020 7946 {i:04} about the bins.\n"))
        .collect();
    let path = upload(&mut b, "cases.txt", letter.as_bytes()).await;

    let (status, first, _) = b.get(&path).await;
    assert_eq!(status, 200, "{first}");
    let pages: usize = first
        .split("Page 1 of ")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .and_then(|n| n.trim().parse().ok())
        .expect("page 1 of N");
    assert!(pages >= 5, "{pages} pages for 4,000 suggestions");
    assert!(first.len() < 400_000, "one page is {} bytes", first.len());
    assert!(
        first.contains("You have not opened pages 2, 3"),
        "the reminder"
    );
    let boxes_one = suggestions(&first);
    assert!(
        !boxes_one.is_empty() && boxes_one.len() <= 400,
        "{}",
        boxes_one.len()
    );
    assert!(boxes_one[0].1.starts_with("1. "), "{:?}", boxes_one[0]);
    let csrf = hidden(&first, "csrf");

    // Untick the first suggestion and go to page 2.
    let rejected_one = boxes_one[0].0.clone();
    let mut form: Vec<(&str, &str)> = boxes_one[1..]
        .iter()
        .map(|(f, _)| (f.as_str(), "yes"))
        .collect();
    form.extend([("csrf", csrf.as_str()), ("page", "1"), ("action", "page-2")]);
    let (status, _, headers) = b.post(&path, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], format!("{path}?page=2").as_str());

    let (_, second, _) = b.get(&format!("{path}?page=2")).await;
    assert!(second.contains("Page 2 of "), "on page 2");
    let boxes_two = suggestions(&second);
    assert!(
        boxes_two
            .iter()
            .all(|(f, _)| !boxes_one.iter().any(|(g, _)| g == f)),
        "each suggestion is on one page"
    );
    let first_number: usize = boxes_two[0]
        .1
        .split('.')
        .next()
        .expect("n")
        .parse()
        .expect("number");
    assert_eq!(first_number, boxes_one.len() + 1, "numbers run on");

    // Untick one on page 2, and go back: page 1 remembers its choice.
    let rejected_two = boxes_two[3].0.clone();
    let mut form: Vec<(&str, &str)> = boxes_two
        .iter()
        .filter(|(f, _)| *f != rejected_two)
        .map(|(f, _)| (f.as_str(), "yes"))
        .collect();
    form.extend([("csrf", csrf.as_str()), ("page", "2"), ("action", "page-1")]);
    let (status, _, _) = b.post(&path, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, again, _) = b.get(&format!("{path}?page=1")).await;
    assert!(!is_ticked(&again, &rejected_one), "kept across pages");
    assert!(is_ticked(&again, &boxes_one[1].0));
    assert!(
        again.contains("You have not opened pages 3"),
        "page 2 is seen now"
    );
    // Past the end is the last page; nonsense is the first.
    let (_, last, _) = b.get(&format!("{path}?page=999")).await;
    assert!(last.contains(&format!("Page {pages} of {pages}")));
    let (_, nonsense, _) = b.get(&format!("{path}?page=abc")).await;
    assert!(nonsense.contains("Page 1 of "));

    // Redact from page 1: the choices of both pages are applied.
    let mut form: Vec<(&str, &str)> = boxes_one[1..]
        .iter()
        .map(|(f, _)| (f.as_str(), "yes"))
        .collect();
    form.extend([("csrf", csrf.as_str()), ("page", "1"), ("action", "redact")]);
    let (status, page, _) = b.post(&path, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let (file, log) = downloads(&mut b, &path).await;
    assert_eq!(log["review"]["rejected"], 2, "{}", log["review"]);
    let out = String::from_utf8(file).expect("utf-8");
    assert_eq!(
        out.matches("John Smith").count() + out.matches("020 7946").count(),
        2,
        "only the two unticked suggestions are left"
    );
}

/// Each person keeps a few documents in progress, listed on the upload
/// page; one more is refused with what to do (not "unavailable"), another
/// person is not affected, and discarding one makes room.
#[tokio::test(flavor = "multi_thread")]
async fn a_person_over_their_drafts_is_told_to_finish_or_discard_one() {
    let s = TestServer::start().await;
    let mut b = caseworker(&s).await;
    let mut paths = Vec::new();
    for _ in 0..3 {
        paths.push(upload(&mut b, "letter.txt", LETTER.as_bytes()).await);
    }
    let (status, page, _) = b.get(&paths[0]).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("id=\"expires\""),
        "the page says when it expires: {page}"
    );
    assert!(page.contains("24 hours after you last use it"), "{page}");

    let (_, page, _) = b.get("/redact").await;
    assert!(page.contains("Documents you are redacting"), "{page}");
    for path in &paths {
        assert!(
            page.contains(&format!("href=\"{path}\"")),
            "{path} is listed"
        );
    }
    let csrf = hidden(&page, "csrf");
    let form = multipart(
        &[("csrf", &csrf), ("operator", "label")],
        Some(("fourth.txt", LETTER.as_bytes())),
    );
    let (status, page, _) = b.post_multipart("/redact", form).await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    assert!(page.contains("govuk-error-summary"), "{page}");
    assert!(
        page.contains("Finish or discard one of your documents"),
        "{page}"
    );

    let (reviewer, _) = user(&s, Role::Reviewer).await;
    let mut other = Browser::new(&s);
    other.sign_in(&reviewer).await;
    upload(&mut other, "theirs.txt", LETTER.as_bytes()).await;

    // Discarding: a forged form is refused; the draft then goes.
    let (status, _, _) = b
        .post(&format!("{}/discard", paths[0]), &[("csrf", "forged")])
        .await;
    assert_eq!(status, 403);
    let (status, _, headers) = b
        .post(&format!("{}/discard", paths[0]), &[("csrf", &csrf)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/redact");
    let (status, _, _) = b.get(&paths[0]).await;
    assert_eq!(status, 404, "discarded");
    upload(&mut b, "fourth.txt", LETTER.as_bytes()).await;
}
