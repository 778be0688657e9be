//! `POST /api/v1/redact` (text and upload) and `POST /api/v1/redact/preview`.

use base64::Engine as _;
use civic_core::Role;
use serde_json::{Value, json};

use crate::support::{TestServer, docx, docx_text, multipart};

const TEXT: &str = "Café note: Mr John Smith, NHS number 943 476 5919, phone 020 7946 0000.";

async fn post(s: &TestServer, path: &str, body: Value) -> (u16, Value) {
    let res = s
        .client
        .post(s.url(path))
        .bearer_auth(s.token(Role::Caseworker))
        .json(&body)
        .send()
        .await
        .expect("send");
    let status = res.status().as_u16();
    (status, res.json().await.expect("json"))
}

/// Uploads `bytes` as `file_name` with a hand-built multipart body.
async fn upload(
    s: &TestServer,
    file_name: &str,
    bytes: &[u8],
    options: Option<&str>,
) -> (u16, Value) {
    let options: Vec<(&str, &str)> = options.map(|o| ("options", o)).into_iter().collect();
    let (content_type, body) = multipart(&options, Some((file_name, bytes)));
    let res = s
        .client
        .post(s.url("/redact"))
        .bearer_auth(s.token(Role::Caseworker))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("send");
    let status = res.status().as_u16();
    (status, res.json().await.expect("json"))
}

async fn decision(s: &TestServer, id: &str) -> Value {
    let res = s
        .client
        .get(s.url(&format!("/decisions/{id}")))
        .bearer_auth(s.token(Role::Auditor))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 200);
    res.json().await.expect("json")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_preview_gives_code_point_and_byte_offsets_evidence_and_kept_spans() {
    let s = TestServer::start().await;
    let (status, body) = post(
        &s,
        "/redact/preview",
        json!({"text": TEXT, "options": {"keep": ["020 7946 0000"]}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let spans = body["spans"].as_array().expect("spans");
    let nhs = spans
        .iter()
        .find(|s| s["label"] == "NHS_NUMBER")
        .expect("nhs");
    let chars: Vec<char> = TEXT.chars().collect();
    let (start, end) = (
        nhs["start"].as_u64().unwrap() as usize,
        nhs["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(chars[start..end].iter().collect::<String>(), "943 476 5919");
    // "é" is two bytes: byte offsets are one more than code points.
    assert_eq!(nhs["byte_start"].as_u64().unwrap() as usize, start + 1);
    assert_eq!(nhs["evidence"]["check"], "mod-11 passed");
    assert!(nhs["score"].as_f64().unwrap() > 0.5);
    assert!(!spans.iter().any(|s| s["label"] == "PHONE"), "{body}");
    assert_eq!(body["kept"][0]["label"], "PHONE");
    assert_eq!(body["kept"][0]["kept"], "keep");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_text_is_redacted_and_recorded_without_its_personal_data() {
    let s = TestServer::start().await;
    let (status, body) = post(
        &s,
        "/redact",
        json!({"text": TEXT, "options": {"operator": "pseudonym"}, "reference": "SAR-7"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let text = body["text"].as_str().expect("text");
    assert!(text.contains("Mr Person A"), "{text}");
    assert!(
        !text.contains("943 476 5919") && !text.contains("John Smith"),
        "{text}"
    );
    assert_eq!(body["operator"], "pseudonym");
    let recorded = decision(&s, body["decision_id"].as_str().expect("id")).await;
    assert_eq!(recorded["service"], "redact");
    // Without a retention period the record keeps neither the reference
    // nor the explanation (the ledger entry holds their digests).
    assert_eq!(recorded["reference"], Value::Null);
    assert!(recorded["explanation_removed_at"].is_string(), "{recorded}");
    assert_eq!(recorded["output"]["counts"]["NHS_NUMBER"], 1);
    let all = recorded.to_string();
    for personal in ["John", "Smith", "943 476 5919", "7946", "Café"] {
        assert!(!all.contains(personal), "{personal} recorded: {all}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_final_redaction_follows_the_reviewers_spans_and_records_the_review() {
    let s = TestServer::start().await;
    let (_, preview) = post(&s, "/redact/preview", json!({"text": TEXT})).await;
    // Accept the NHS number only; reject the rest; add "Café" (0..4).
    let nhs = preview["spans"]
        .as_array()
        .expect("spans")
        .iter()
        .find(|s| s["label"] == "NHS_NUMBER")
        .expect("nhs")
        .clone();
    let suggested = preview["spans"].as_array().expect("spans").len();
    let spans = json!([
        {"start": nhs["start"], "end": nhs["end"], "label": "NHS_NUMBER"},
        {"start": 0, "end": 4, "label": "ORGANISATION"},
    ]);
    let (status, body) = post(&s, "/redact", json!({"text": TEXT, "spans": spans})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["text"],
        "[ORGANISATION] note: Mr John Smith, NHS number [NHS_NUMBER], phone 020 7946 0000."
    );
    assert_eq!(
        body["review"],
        json!({"accepted": 1, "added": 1, "rejected": suggested - 1})
    );
    assert_eq!(body["spans"][0]["evidence"]["pattern"], "reviewer");
    let recorded = decision(&s, body["decision_id"].as_str().expect("id")).await;
    assert_eq!(recorded["output"]["review"]["added"], 1);

    let (status, body) = post(
        &s,
        "/redact",
        json!({"text": TEXT, "spans": [{"start": 5, "end": 9, "label": "PERSON"}, {"start": 0, "end": 6, "label": "PERSON"}]}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("overlaps"),
        "{body}"
    );
    let (status, body) = post(
        &s,
        "/redact",
        json!({"text": TEXT, "spans": [{"start": 0, "end": 4, "label": "NAME"}]}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("spans[0].label"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_requests_get_clear_errors() {
    let s = TestServer::start().await;
    for (body, want_status, want_code) in [
        (json!({"text": "   "}), 422, "invalid_input"),
        (
            json!({"text": TEXT, "options": {"operator": "blur"}}),
            400,
            "invalid_input",
        ),
        (
            json!({"text": TEXT, "options": {"labels": ["SOCIAL"]}}),
            400,
            "invalid_input",
        ),
        (json!({"text": TEXT, "colour": "red"}), 422, "invalid_body"),
    ] {
        let (status, got) = post(&s, "/redact", body.clone()).await;
        assert_eq!(status, want_status, "{body} → {got}");
        assert_eq!(got["error"]["code"], want_code, "{body} → {got}");
    }
    // An unknown operator is refused naming the field, from a text's
    // options and from an upload's.
    let want = "invalid operator: unknown operator \"blur\": use one of label, mask, remove, pseudonym, hash";
    let (status, got) = post(
        &s,
        "/redact/preview",
        json!({"text": TEXT, "options": {"operator": "blur"}}),
    )
    .await;
    assert_eq!(
        (status, got["error"]["message"].as_str()),
        (400, Some(want)),
        "{got}"
    );
    let (status, got) = upload(
        &s,
        "a.txt",
        TEXT.as_bytes(),
        Some(r#"{"operator": "blur"}"#),
    )
    .await;
    assert_eq!(
        (status, got["error"]["message"].as_str()),
        (400, Some(want)),
        "{got}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_uploaded_document_comes_back_redacted_with_its_log_and_bad_uploads_are_refused() {
    let s = TestServer::start().await;
    let eml = "From: Jane Doe <jane.doe@example.com>\r\nTo: council@example.gov.uk\r\nSubject: bins\r\n\r\nCall me on 020 7946 0000.\r\n";
    let (status, body) = upload(
        &s,
        "complaint.eml",
        eml.as_bytes(),
        Some(r#"{"operator": "mask"}"#),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["file_type"], "eml");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(body["content_base64"].as_str().expect("content"))
        .expect("base64");
    let out = String::from_utf8(bytes).expect("utf-8");
    assert!(!out.contains("Jane Doe") && !out.contains("7946"), "{out}");
    assert!(out.contains("*** **** ****"), "{out}");
    let redactions = body["redactions"].as_array().expect("log");
    assert!(
        redactions
            .iter()
            .any(|r| r["label"] == "PHONE" && r["operator"] == "mask")
    );
    let recorded = decision(&s, body["decision_id"].as_str().expect("id")).await;
    assert_eq!(recorded["output"]["file_type"], "eml");
    assert_eq!(recorded["output"]["output_sha256"], body["output_sha256"]);

    let (status, body) = upload(
        &s,
        "letter.docx",
        b"PK\x03\x04 word/document.xml truncated",
        None,
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "redact.docx_invalid");
    let (status, body) = upload(&s, "letter.docx", b"Dear Sir, plain text", None).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "redact.unsupported_file_type");
    assert!(
        body["error"]["message"].as_str().unwrap().starts_with(
            "letter.docx: the extension says a Word document (docx) but the content is plain text"
        ),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_uploaded_word_document_comes_back_as_word_without_its_personal_data() {
    let s = TestServer::start().await;
    let input = docx(&[
        "Spoke to Mrs Sarah Thompson about the missed bins.",
        "NHS number 943 476 5919, phone 020 7946 0000.",
        "Nothing personal in this paragraph.",
    ]);
    let (status, body) = upload(&s, "notes.docx", &input, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["file_type"], "docx");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(body["content_base64"].as_str().expect("content"))
        .expect("base64");
    assert!(
        bytes.starts_with(b"PK\x03\x04"),
        "a Word document comes back"
    );
    let text = docx_text(&bytes);
    for secret in ["Sarah", "Thompson", "5919", "7946"] {
        assert!(!text.contains(secret), "{secret} survived: {text}");
    }
    assert!(
        text.contains("Nothing personal in this paragraph."),
        "{text}"
    );
    assert!(
        text.contains("[PERSON]") && text.contains("[NHS_NUMBER]"),
        "{text}"
    );
    let recorded = decision(&s, body["decision_id"].as_str().expect("id")).await;
    assert_eq!(recorded["output"]["file_type"], "docx");
    assert!(!recorded.to_string().contains("Thompson"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upload_over_the_body_limit_is_413() {
    let s = TestServer::start_with(|o| o.body_limit = Some(4096)).await;
    let big = "Call 020 7946 0000.\n".repeat(1000);
    let (status, body) = upload(&s, "big.txt", big.as_bytes(), None).await;
    assert_eq!(status, 413, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upload_too_large_for_a_json_answer_is_413_pointing_to_the_zip_answer() {
    let s = TestServer::start().await;
    let text = "Call Mr John Smith on 020 7946 0000.\n".repeat(60_000);
    assert!(text.len() > civic_server::api::redact::JSON_ANSWER_LIMIT);
    let (status, body) = upload(&s, "notes.txt", text.as_bytes(), None).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"]["code"], "answer_too_large", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Accept: application/zip"),
        "{body}"
    );
    // The same upload asking for the ZIP answer is redacted.
    let (status, _, _) = upload_for_zip(&s, "notes.txt", text.as_bytes(), &[]).await;
    assert_eq!(status, 200);
    // A Word document is measured by what it unzips to: a few hundred
    // kilobytes of zip can hold megabytes of text.
    let paragraph = "Call Mr John Smith on 020 7946 0000. ".repeat(50);
    let paragraphs: Vec<&str> = std::iter::repeat_n(paragraph.as_str(), 1_500).collect();
    let word = docx(&paragraphs);
    assert!(
        word.len() < civic_server::api::redact::JSON_ANSWER_LIMIT,
        "{}",
        word.len()
    );
    let (status, body) = upload(&s, "notes.docx", &word, None).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"]["code"], "answer_too_large", "{body}");
}

/// Uploads `bytes` asking for the ZIP answer; the status, headers and body.
async fn upload_for_zip(
    s: &TestServer,
    file_name: &str,
    bytes: &[u8],
    fields: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let (content_type, body) = multipart(fields, Some((file_name, bytes)));
    let res = s
        .client
        .post(s.url("/redact"))
        .bearer_auth(s.token(Role::Caseworker))
        .header("content-type", content_type)
        .header("accept", "application/zip")
        .body(body)
        .send()
        .await
        .expect("send");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.bytes().await.expect("body").to_vec())
}

/// A ZIP answer's entries, by name.
fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).expect("entry");
            let mut content = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut content).expect("read");
            (entry.name().expect("entry name").into_owned(), content)
        })
        .collect()
}

/// With `Accept: application/zip` an upload comes back as one download:
/// the redacted file and its log, for a small file redacted whole and for
/// a large one redacted as a stream alike; the decision is recorded for
/// the caller, and nothing is left under the data directory afterwards.
#[tokio::test(flavor = "multi_thread")]
async fn an_upload_can_come_back_as_one_zip_download_redacted_in_bounded_memory() {
    let s = TestServer::start().await;
    let small = "Dear Mr John Smith, we will call 020 7946 0000.\n";
    let large: String = (0..40_000)
        .map(|i| format!("Case {i}: Mr John Smith, 020 7946 {:04}.\n", i % 10_000))
        .collect();
    assert!(large.len() > 1 << 20, "over the streaming threshold");
    for (name, text) in [("letter.txt", small), ("cases.txt", large.as_str())] {
        let (status, headers, body) = upload_for_zip(
            &s,
            &format!("../{name}"),
            text.as_bytes(),
            &[
                ("reference", "case-77"),
                ("options", r#"{"operator": "label"}"#),
            ],
        )
        .await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        assert_eq!(headers["content-type"], "application/zip");
        assert_eq!(
            headers["content-disposition"],
            format!("attachment; filename=\"redacted-{name}.zip\"").as_str()
        );
        let files = unzip(&body);
        let names: Vec<&str> = files.keys().map(String::as_str).collect();
        let log_name = format!("{name}.redaction.json");
        assert_eq!(names, {
            let mut want = vec![format!("redacted-{name}"), log_name.clone()];
            want.sort();
            want
        });
        let out = String::from_utf8(files[&format!("redacted-{name}")].clone()).expect("utf-8");
        for gone in ["John Smith", "020 7946"] {
            let at = out.find(gone);
            assert!(
                at.is_none(),
                "{name}: {gone} survived: {}",
                &out[at.unwrap_or(0).saturating_sub(200)..(at.unwrap_or(0) + 200).min(out.len())]
            );
        }
        assert_eq!(
            out.matches("[PERSON]").count(),
            text.matches("John Smith").count()
        );
        let log: Value = serde_json::from_slice(&files[&log_name]).expect("log json");
        assert_eq!(
            log["input"], name,
            "the upload's name, not a path on the server"
        );
        assert_eq!(
            log["redactions"].as_array().expect("entries").len(),
            2 * text.lines().count()
        );
        assert!(
            !log.to_string().contains("John Smith"),
            "digests, not values"
        );
        let id = headers["civic-decision-id"].to_str().expect("ascii");
        assert_eq!(log["decision_id"], id);
        let recorded = decision(&s, id).await;
        assert_eq!(recorded["service"], "redact");
        assert_eq!(recorded["output"]["output_sha256"], log["output_sha256"]);
        let by = recorded["requested_by"].as_str().expect("requested_by");
        assert!(
            by.starts_with("key:"),
            "recorded for the API key, not the command line: {by}"
        );
    }
    let left: Vec<_> = std::fs::read_dir(s.data_dir())
        .expect("data dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".upload-"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");

    // Errors are JSON errors as before.
    let (status, _, body) = upload_for_zip(&s, "letter.docx", b"Dear Sir, plain text", &[]).await;
    assert_eq!(status, 422);
    let body: Value = serde_json::from_slice(&body).expect("json error");
    assert_eq!(body["error"]["code"], "redact.unsupported_file_type");
}
