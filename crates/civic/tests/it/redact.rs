//! `civic redact FILES… --out-dir DIR`: outputs, logs, ledger records and
//! bad input.

use std::path::Path;

use serde_json::Value;

use crate::support::{Server, civic, init, stdout, tempdir};

const LETTER: &str = "Dear Mr John Smith,\nYour NHS number is 943 476 5919 and your phone 020 7946 0000.\nEmail jo@example.com.\n";
const EMAIL: &str = "From: Jane Doe <jane.doe@example.com>\r\nTo: council@example.gov.uk\r\nSubject: my bins\r\n\r\nPlease call me on 020 7946 0000.\r\n";

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
    std::fs::write(path, bytes).expect("write");
}

/// `civic redact INPUTS… --out-dir OUT EXTRA…`.
fn redact(dir: &Path, inputs: &[&Path], out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["redact"];
    args.extend(inputs.iter().map(|p| p.to_str().expect("utf-8")));
    args.extend(["--out-dir", out.to_str().expect("utf-8")]);
    args.extend_from_slice(extra);
    civic(dir, None, &args)
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries {
            let e = e.expect("entry");
            if e.path().is_dir() {
                for n in files_in(&e.path()) {
                    names.push(format!("{}/{n}", e.file_name().to_string_lossy()));
                }
            } else {
                names.push(e.file_name().to_string_lossy().into_owned());
            }
        }
    }
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn a_directory_is_redacted_with_a_log_per_file_and_a_ledger_decision_without_personal_data() {
    let (tmp, dir) = tempdir();
    let token = init(&dir, None);
    let src = tmp.path().join("in");
    write(&src.join("letter.txt"), LETTER.as_bytes());
    write(&src.join("mail/complaint.eml"), EMAIL.as_bytes());
    write(
        &src.join("cases.csv"),
        b"case_id,name,notes\n17,Sarah Jones,call 020 7946 0000\n",
    );
    write(
        &src.join("policy.toml"),
        b"[columns]\ncase_id = \"keep\"\nname = \"PERSON\"\n",
    );
    std::fs::rename(src.join("policy.toml"), tmp.path().join("policy.toml")).expect("move");
    let out_dir = tmp.path().join("out");
    let policy = tmp.path().join("policy.toml");

    let out = redact(
        &dir,
        &[&src],
        &out_dir,
        &[
            "--keep",
            "jo@example.com",
            "--csv-policy",
            policy.to_str().expect("utf-8"),
            "--operator-name",
            "j.smith@council.example",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = stdout(&out);
    assert!(summary.contains("Redacted 3 file(s)"), "{summary}");
    assert!(summary.contains("NHS_NUMBER"), "{summary}");
    assert_eq!(
        files_in(&out_dir),
        vec![
            "cases.csv",
            "cases.csv.redaction.json",
            "letter.txt",
            "letter.txt.redaction.json",
            "mail/complaint.eml",
            "mail/complaint.eml.redaction.json",
        ]
    );

    let letter = std::fs::read_to_string(out_dir.join("letter.txt")).expect("read");
    for gone in ["John Smith", "943 476 5919", "020 7946 0000"] {
        assert!(!letter.contains(gone), "{gone} survived: {letter}");
    }
    assert!(letter.contains("[NHS_NUMBER]"), "{letter}");
    assert!(
        letter.contains("jo@example.com"),
        "the keep value was redacted: {letter}"
    );
    let csv = std::fs::read_to_string(out_dir.join("cases.csv")).expect("read");
    assert_eq!(csv, "case_id,name,notes\n17,[PERSON],call [PHONE]\n");
    let eml = std::fs::read_to_string(out_dir.join("mail/complaint.eml")).expect("read");
    assert!(
        !eml.contains("Jane Doe") && !eml.contains("jane.doe@example.com"),
        "{eml}"
    );

    // The log holds digests and evidence, never the values.
    let log: Value = serde_json::from_slice(
        &std::fs::read(out_dir.join("letter.txt.redaction.json")).expect("log"),
    )
    .expect("json");
    assert_eq!(log["file_type"], "text");
    assert_eq!(log["counts"]["NHS_NUMBER"], 1);
    let nhs = log["redactions"]
        .as_array()
        .expect("redactions")
        .iter()
        .find(|r| r["label"] == "NHS_NUMBER")
        .expect("nhs entry");
    assert_eq!(nhs["evidence"]["check"], "mod-11 passed");
    assert_eq!(
        &LETTER[nhs["start"].as_u64().expect("start") as usize
            ..nhs["end"].as_u64().expect("end") as usize],
        "943 476 5919"
    );
    let log_text = serde_json::to_string(&log).expect("text");
    assert!(!log_text.contains("943 476 5919") && !log_text.contains("John Smith"));

    // One decision per file in the ledger: digests and counts only.
    let server = Server::start(&dir, None);
    let client = reqwest::Client::new();
    for name in ["letter.txt", "cases.csv", "mail/complaint.eml"] {
        let log: Value = serde_json::from_slice(
            &std::fs::read(out_dir.join(format!("{name}.redaction.json"))).expect("log"),
        )
        .expect("json");
        let id = log["decision_id"].as_str().expect("decision id");
        let res = client
            .get(server.url(&format!("/decisions/{id}")))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), 200);
        let decision: Value = res.json().await.expect("json");
        let text = decision.to_string();
        assert_eq!(decision["service"], "redact", "{text}");
        assert_eq!(decision["input_sha256"], log["input_sha256"], "{text}");
        assert_eq!(
            decision["output"]["output_sha256"], log["output_sha256"],
            "{text}"
        );
        assert_eq!(decision["output"]["counts"], log["counts"], "{text}");
        assert_eq!(decision["output"]["file_type"], log["file_type"], "{text}");
        // Who ran the command, said plainly.
        assert_eq!(
            decision["requested_by"], "operator:j.smith@council.example",
            "{text}"
        );
        for personal in [
            "John",
            "Smith",
            "943 476 5919",
            "7946",
            "Sarah",
            "Jane",
            "jane.doe",
            "letter.txt",
        ] {
            assert!(
                !text.contains(personal),
                "{personal} is in the ledger: {text}"
            );
        }
    }
    server.stop();
    let verify = civic(&dir, None, &["audit", "verify"]);
    assert!(verify.status.success(), "{}", stdout(&verify));
}

#[test]
fn an_operator_name_that_cannot_be_recorded_is_refused_before_anything_is_written() {
    let (tmp, dir) = tempdir();
    init(&dir, None);
    let src = tmp.path().join("in");
    write(&src.join("good.txt"), LETTER.as_bytes());
    let out_dir = tmp.path().join("out");
    let out = redact(&dir, &[&src], &out_dir, &["--operator-name", "Jo Smith"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("--operator-name") && err.contains("' '"),
        "names the flag and the character: {err}"
    );
    assert!(files_in(&out_dir).is_empty(), "nothing written");
}

#[test]
fn an_unknown_operator_is_refused_naming_the_flag_before_anything_is_written() {
    let (tmp, dir) = tempdir();
    init(&dir, None);
    let src = tmp.path().join("in");
    write(&src.join("good.txt"), LETTER.as_bytes());
    let out_dir = tmp.path().join("out");
    let out = redact(&dir, &[&src], &out_dir, &["--operator", "blur"]);
    assert!(!out.status.success());
    assert_eq!(
        stderr(&out).trim_end(),
        "error: invalid operator: unknown operator \"blur\": use one of label, mask, remove, pseudonym, hash"
    );
    assert!(files_in(&out_dir).is_empty(), "nothing written");
}

#[test]
fn bad_files_are_named_with_their_real_type_and_leave_no_output() {
    let (tmp, dir) = tempdir();
    init(&dir, None);
    let src = tmp.path().join("in");
    // A truncated Word document: a zip header naming word/document.xml, then garbage.
    write(
        &src.join("corrupt.docx"),
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00word/document.xml garbage garbage",
    );
    write(&src.join("scan.txt"), b"%PDF-1.7\n%binary");
    write(&src.join("notes.docx"), b"Dear Sir, this is plain text.");
    write(&src.join("good.txt"), LETTER.as_bytes());
    let out_dir = tmp.path().join("out");
    let out = redact(&dir, &[&src], &out_dir, &[]);
    assert!(!out.status.success(), "bad files must fail the run");
    let err = stderr(&out);
    assert!(
        err.contains("corrupt.docx") && err.contains("not a valid Word document"),
        "{err}"
    );
    assert!(err.contains("scan.txt") && err.contains("PDF"), "{err}");
    assert!(
        err.contains("notes.docx") && err.contains("the content is plain text"),
        "{err}"
    );
    // The good file is done; the bad ones leave nothing, not even a temporary file.
    assert_eq!(
        files_in(&out_dir),
        vec!["good.txt", "good.txt.redaction.json"]
    );
    assert!(stdout(&out).contains("Redacted 1 file(s)") && stdout(&out).contains("(3 failed)"));
}

#[test]
fn an_existing_output_is_refused_unless_overwrite_and_an_input_never_overwritten() {
    let (tmp, dir) = tempdir();
    init(&dir, None);
    let src = tmp.path().join("in");
    write(&src.join("letter.txt"), LETTER.as_bytes());
    let out_dir = tmp.path().join("out");
    write(&out_dir.join("letter.txt"), b"an earlier output");
    let run = |extra: &[&str], out: &Path| redact(&dir, &[&src], out, extra);
    let refused = run(&[], &out_dir);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("--overwrite"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(
        std::fs::read(out_dir.join("letter.txt")).expect("read"),
        b"an earlier output"
    );
    let replaced = run(&["--overwrite"], &out_dir);
    assert!(replaced.status.success(), "{}", stderr(&replaced));
    assert!(
        std::fs::read_to_string(out_dir.join("letter.txt"))
            .expect("read")
            .contains("[PHONE]")
    );
    // Writing into the input directory would replace the input: refused even with --overwrite.
    let into_input = run(&["--overwrite"], &src);
    assert!(!into_input.status.success());
    assert!(
        stderr(&into_input).contains("never overwrites its inputs"),
        "{}",
        stderr(&into_input)
    );
    assert_eq!(
        std::fs::read(src.join("letter.txt")).expect("read"),
        LETTER.as_bytes()
    );
}

#[test]
fn invalid_utf8_is_decoded_and_reported_and_pseudonyms_are_consistent_across_the_batch() {
    let (tmp, dir) = tempdir();
    init(&dir, None);
    let src = tmp.path().join("in");
    write(
        &src.join("a.txt"),
        b"Caf\xe9 visit: Mr John Smith called from 020 7946 0000.",
    );
    write(&src.join("b.txt"), "Mr John Smith wrote again.".as_bytes());
    let out_dir = tmp.path().join("out");
    let out = redact(
        &dir,
        &[&src.join("a.txt"), &src.join("b.txt")],
        &out_dir,
        &["--operator", "pseudonym"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("Windows-1252"), "{}", stderr(&out));
    let a = std::fs::read_to_string(out_dir.join("a.txt")).expect("utf-8 output");
    let b = std::fs::read_to_string(out_dir.join("b.txt")).expect("utf-8 output");
    assert!(a.starts_with("Café visit: Mr Person A"), "{a}");
    assert!(b.contains("Mr Person A wrote"), "{b}");
    let log: Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("a.txt.redaction.json")).expect("log"))
            .expect("json");
    assert_eq!(log["decoding"]["decoded_as"], "windows-1252");
}

#[test]
fn a_large_text_file_is_streamed_with_the_same_output_log_and_pseudonyms_as_in_memory() {
    let (tmp, dir) = tempdir();
    init(&dir, None);
    let src = tmp.path().join("in");
    // About 2.5 MB: more than two of the stream's 1 MiB pieces, so pieces are
    // cut, and the same people recur in every piece.
    let paragraph = "Mr John Smith (NHS number 943 476 5919) rang from 020 7946 0000.\nEmail jo@example.com; Mrs Sarah Jones was copied in.\n\n";
    let big = paragraph.repeat(2_500_000 / paragraph.len());
    write(&src.join("big.txt"), big.as_bytes());
    write(&src.join("small.txt"), b"Mrs Sarah Jones wrote again.");
    let (big_in, small_in) = (src.join("big.txt"), src.join("small.txt"));
    let inputs: [&Path; 2] = [&big_in, &small_in];
    let streamed_dir = tmp.path().join("streamed");
    let whole_dir = tmp.path().join("whole");
    let out = redact(
        &dir,
        &inputs,
        &streamed_dir,
        &["--operator", "pseudonym", "--stream-above", "100000"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = redact(&dir, &inputs, &whole_dir, &["--operator", "pseudonym"]);
    assert!(out.status.success(), "{}", stderr(&out));

    let read = |d: &Path, name: &str| std::fs::read(d.join(name)).expect("output");
    let streamed = read(&streamed_dir, "big.txt");
    assert_eq!(streamed, read(&whole_dir, "big.txt"));
    let text = String::from_utf8(streamed).expect("utf-8");
    assert!(
        text.starts_with("Mr Person A (NHS number NHS number 1)"),
        "{}",
        &text[..80]
    );
    assert!(!text.contains("Smith") && !text.contains("943 476"));
    // The batch shares one table: Sarah Jones is the same person in both files.
    assert_eq!(
        read(&streamed_dir, "small.txt"),
        read(&whole_dir, "small.txt")
    );

    let log = |d: &Path| -> Value {
        serde_json::from_slice(&read(d, "big.txt.redaction.json")).expect("json log")
    };
    let (streamed_log, whole_log) = (log(&streamed_dir), log(&whole_dir));
    assert!(
        !streamed_log["redactions"]
            .as_array()
            .expect("array")
            .is_empty()
    );
    for field in ["counts", "output_sha256", "input_sha256"] {
        assert_eq!(streamed_log[field], whole_log[field], "{field}");
    }
    // Scores are f32: the streamed log writes them as such (0.95), the
    // in-memory one by way of f64 (0.949999988…); compare them as f32.
    let entries = |log: &Value| -> Vec<Value> {
        let mut entries = log["redactions"].as_array().expect("array").clone();
        for e in &mut entries {
            let score = e["score"].as_f64().expect("score") as f32;
            e["score"] = Value::from(f64::from(score));
        }
        entries
    };
    assert_eq!(entries(&streamed_log), entries(&whole_log));
}

/// A Word document with `paragraphs` paragraphs of personal data, each
/// split across two runs, and an image part that is copied through.
fn word_document(paragraphs: usize) -> Vec<u8> {
    use std::io::Write as _;
    let mut body = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#,
    );
    for i in 0..paragraphs {
        body.push_str(&format!(
            r#"<w:p><w:r><w:t xml:space="preserve">Case {i}: Mr John Sm</w:t></w:r><w:r><w:t xml:space="preserve">ith rang from 020 7946 0000.</w:t></w:r></w:p>"#
        ));
    }
    body.push_str("<w:sectPr/></w:body></w:document>");
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#.to_owned(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#.to_owned(),
        ),
        ("word/document.xml", body),
        ("word/media/image1.bin", "\u{1}binary\u{2}".repeat(20_000)),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content) in parts {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("fixture");
        zip.write_all(content.as_bytes()).expect("fixture");
    }
    zip.finish().expect("fixture").into_inner()
}

/// A multipart e-mail: a long text body (LF and CRLF line ends, so the
/// CRLF conversion runs across the body's pieces) and a PDF attachment.
fn long_email(lines: usize) -> String {
    let mut body = String::new();
    for i in 0..lines {
        let end = if i % 2 == 0 { "\n" } else { "\r\n" };
        body.push_str(&format!(
            "Note {i}: Mrs Sarah Jones of 12 High Street, Leeds LS1 4AP rang on 07700 900123.{end}"
        ));
    }
    format!(
        "From: Jane Doe <jane.doe@example.com>\r\nTo: council@example.gov.uk\r\nSubject: my bins\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n--B\r\nContent-Type: application/pdf; name=\"Jane Doe evidence.pdf\"\r\nContent-Disposition: attachment; filename=\"Jane Doe evidence.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcfsj6IK\r\n--B--\r\n"
    )
}

#[test]
fn large_csv_word_and_email_files_are_streamed_with_the_same_output_as_in_memory() {
    let (tmp, dir) = tempdir();
    init(&dir, None);
    let src = tmp.path().join("in");
    let mut csv = String::from("case_id,name,notes,internal\n");
    for i in 0..4_000 {
        csv.push_str(&format!(
            "{i},Sarah Jones,\"Mr John Smith rang from 020 7946 0000, NHS number 943 476 5919\",x{i}\n"
        ));
    }
    write(&src.join("cases.csv"), csv.as_bytes());
    write(&src.join("letter.docx"), &word_document(2_000));
    // Over 1 MiB of body text: analysed in pieces either way.
    write(&src.join("message.eml"), long_email(14_000).as_bytes());
    let policy = src.join("policy.toml");
    write(
        &policy,
        b"[columns]\ncase_id = \"keep\"\nname = \"PERSON\"\ninternal = \"drop\"\n",
    );
    let (csv_in, docx_in) = (src.join("cases.csv"), src.join("letter.docx"));
    let eml_in = src.join("message.eml");
    let inputs: [&Path; 3] = [&csv_in, &docx_in, &eml_in];
    let policy_arg = policy.to_str().expect("utf-8");
    let streamed_dir = tmp.path().join("streamed");
    let whole_dir = tmp.path().join("whole");
    for (out_dir, extra) in [
        (&streamed_dir, &["--stream-above", "10000"][..]),
        (&whole_dir, &[][..]),
    ] {
        let mut args = vec!["--operator", "pseudonym", "--csv-policy", policy_arg];
        args.extend_from_slice(extra);
        let out = redact(&dir, &inputs, out_dir, &args);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let read = |d: &Path, name: &str| std::fs::read(d.join(name)).expect("output");
    let log = |d: &Path, name: &str| -> Value {
        serde_json::from_slice(&read(d, &format!("{name}.redaction.json"))).expect("json log")
    };
    for name in ["cases.csv", "letter.docx", "message.eml"] {
        assert_eq!(read(&streamed_dir, name), read(&whole_dir, name), "{name}");
        let (streamed, whole) = (log(&streamed_dir, name), log(&whole_dir, name));
        for field in [
            "counts",
            "output_sha256",
            "input_sha256",
            "removed",
            "attachments_removed",
        ] {
            assert_eq!(streamed[field], whole[field], "{name} {field}");
        }
        assert_eq!(
            streamed["redactions"].as_array().expect("array").len(),
            whole["redactions"].as_array().expect("array").len(),
            "{name}"
        );
    }
    let csv_out = String::from_utf8(read(&streamed_dir, "cases.csv")).expect("utf-8");
    // Pseudonyms hold across every row of the stream; the dropped column is gone.
    assert!(
        csv_out.starts_with("case_id,name,notes\n0,Person A,\"Mr Person B rang"),
        "{}",
        &csv_out[..80]
    );
    assert!(
        csv_out
            .lines()
            .last()
            .expect("row")
            .starts_with("3999,Person A,\"Mr Person B rang")
    );
    assert!(!csv_out.contains("Smith") && !csv_out.contains("x17"));
    // The e-mail: its attachment listed (name redacted), its entries the
    // same, one for one, and no personal data left in the message.
    let (streamed, whole) = (
        log(&streamed_dir, "message.eml"),
        log(&whole_dir, "message.eml"),
    );
    assert_eq!(streamed["redactions"], whole["redactions"]);
    assert_eq!(
        streamed["counts"]["PERSON"], 14_001,
        "{}",
        streamed["counts"]
    );
    let attachment = &streamed["attachments_removed"][0];
    assert_eq!(attachment["content_type"], "application/pdf");
    assert!(!attachment["name"].as_str().expect("name").contains("Jane"));
    let message = String::from_utf8(read(&streamed_dir, "message.eml")).expect("utf-8");
    assert!(std::fs::metadata(&eml_in).expect("input").len() > 1 << 20);
    assert!(!message.contains("Sarah") && !message.contains("07700") && !message.contains("Jane"));
    assert!(
        !message.replace("\r\n", "").contains('\n'),
        "every line ends CRLF"
    );
    let streamed_log = log(&streamed_dir, "cases.csv");
    assert_eq!(
        streamed_log["redactions"][0]["location"],
        "row 2, column name"
    );
}

#[test]
fn a_streamed_csv_with_a_ragged_row_names_it_and_leaves_no_output() {
    let (tmp, dir) = tempdir();
    init(&dir, None);
    let src = tmp.path().join("in");
    let mut csv = String::from("a,b\n");
    for i in 0..2_000 {
        csv.push_str(&format!("{i},jo@example.com\n"));
    }
    csv.push_str("1,2,3\n");
    write(&src.join("ragged.csv"), csv.as_bytes());
    let out_dir = tmp.path().join("out");
    let out = redact(&dir, &[&src], &out_dir, &["--stream-above", "1000"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("ragged.csv") && err.contains("row 2002 (byte 38894): 3 fields"),
        "{err}"
    );
    assert_eq!(files_in(&out_dir), Vec::<String>::new());
}

#[test]
fn an_email_over_the_size_limit_is_refused_naming_the_file_and_the_limit() {
    let (tmp, dir) = tempdir();
    init(&dir, None);
    let src = tmp.path().join("in");
    let body = "Please call me on 020 7946 0000.\r\n".repeat(100);
    write(&src.join("long.eml"), format!("{EMAIL}{body}").as_bytes());
    write(&src.join("short.eml"), EMAIL.as_bytes());
    let out_dir = tmp.path().join("out");
    let out = redact(&dir, &[&src], &out_dir, &["--max-email-bytes", "1000"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("long.eml")
            && err.contains("limit of 1000 bytes")
            && err.contains("--max-email-bytes"),
        "{err}"
    );
    assert_eq!(
        files_in(&out_dir),
        vec!["short.eml", "short.eml.redaction.json"]
    );
}

#[test]
fn detect_refuses_a_line_over_the_limit_naming_it_and_writes_nothing() {
    let (tmp, dir) = tempdir();
    init(&dir, None);
    let input = tmp.path().join("docs.jsonl");
    let long = "x".repeat(5_000);
    write(
        &input,
        format!("{{\"id\": 1, \"text\": \"short\"}}\n{{\"id\": 2, \"text\": \"{long}\"}}\n")
            .as_bytes(),
    );
    let output = tmp.path().join("spans.jsonl");
    let args = |limit: &'static str| {
        vec![
            "redact".to_owned(),
            "detect".to_owned(),
            input.display().to_string(),
            "--output".to_owned(),
            output.display().to_string(),
            "--max-line-bytes".to_owned(),
            limit.to_owned(),
        ]
    };
    let run = |limit| {
        let args = args(limit);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        civic(&dir, None, &args)
    };
    let refused = run("4096");
    assert!(!refused.status.success());
    let err = stderr(&refused);
    assert!(
        err.contains("line 2 is longer than 4096 bytes") && err.contains("--max-line-bytes"),
        "{err}"
    );
    assert!(!output.exists());
    let done = run("10000");
    assert!(done.status.success(), "{}", stderr(&done));
    assert_eq!(
        std::fs::read_to_string(&output)
            .expect("output")
            .lines()
            .count(),
        2
    );
}

/// Run as root, a rename over `/dev/null` replaced the device with a regular
/// file: special outputs are written into in place, and `-` is standard
/// output.
#[test]
fn detect_writes_into_dev_null_and_standard_output_without_replacing_them() {
    let (tmp, dir) = tempdir();
    init(&dir, None);
    let input = tmp.path().join("docs.jsonl");
    write(
        &input,
        b"{\"id\": 1, \"text\": \"Call Sarah Thompson on 020 7946 0000\"}\n",
    );
    let input = input.display().to_string();
    if Path::new("/dev/null").exists() {
        let out = civic(
            &dir,
            None,
            &["redact", "detect", &input, "--output", "/dev/null"],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let kind = std::fs::symlink_metadata("/dev/null")
            .expect("/dev/null")
            .file_type();
        assert!(!kind.is_file(), "/dev/null was replaced by a regular file");
    }
    let out = civic(&dir, None, &["redact", "detect", &input, "--output", "-"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    // Standard output holds the spans and nothing else.
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("only JSON lines"))
        .collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert_eq!(lines[0]["id"], 1, "{text}");
    assert!(
        !Path::new("-").exists() && !dir.join("-").exists(),
        "no file named -"
    );
}
