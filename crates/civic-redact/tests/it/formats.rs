//! File formats end to end.

use civic_redact::document::{decode_utf8, decode_utf8_lossy};
use civic_redact::formats::csv::{self as csv_format, ColumnPolicy, CsvPolicy};
use civic_redact::formats::{eml, text};
use civic_redact::{Analyzer, AnalyzerConfig, Label, Operator, PseudonymTable, RedactError};

#[test]
fn text_redaction_removes_values_and_logs_digests_not_values() {
    let input = "Spoke to Sarah Thompson, NHS number 943 476 5919.";
    let out = text::redact(
        &Analyzer::default(),
        input,
        &Operator::Label,
        &mut PseudonymTable::new(),
    );
    assert_eq!(out.text, "Spoke to [PERSON], NHS number [NHS_NUMBER].");
    let log = serde_json::to_string(&out.log).unwrap();
    assert!(!log.contains("Thompson") && !log.contains("5919"), "{log}");
    assert!(log.contains("mod-11 passed"));
}

#[test]
fn invalid_utf8_is_reported_or_replaced() {
    let bytes = b"Name: Jo \xff Bloggs";
    assert!(matches!(
        decode_utf8(bytes),
        Err(RedactError::InvalidUtf8 { offset: 9 })
    ));
    let (lossy, replaced) = decode_utf8_lossy(bytes);
    assert_eq!(replaced, 1);
    assert!(lossy.contains('\u{FFFD}'));
}

const CSV: &str = "case_id,name,notes,score\n\
1001,Sarah Thompson,\"Called from 07911 123456, NHS no 943 476 5919\",0.7\n\
1002,Jo Bloggs,No personal data here,0.2\n";

#[test]
fn csv_columns_are_redacted_dropped_kept_or_labelled_by_policy() {
    let policy = CsvPolicy::from_toml(
        "default = \"redact\"\n[columns]\ncase_id = \"keep\"\nname = \"PERSON\"\nscore = \"drop\"\n",
    )
    .unwrap();
    let mut table = PseudonymTable::new();
    let out = csv_format::redact(
        &Analyzer::default(),
        CSV.as_bytes(),
        &policy,
        &Operator::Pseudonym,
        &mut table,
    )
    .unwrap();
    let text = String::from_utf8(out.bytes).unwrap();
    assert_eq!(
        text,
        "case_id,name,notes\n1001,Person A,\"Called from Phone 1, NHS no NHS number 1\"\n1002,Person B,No personal data here\n"
    );
    assert_eq!(out.log[0].location, "row 2, column name");
    assert_eq!(out.log.len(), 4);
    assert_eq!(policy.columns["name"], ColumnPolicy::As(Label::Person));
}

#[test]
fn ragged_csv_is_an_error_naming_the_row_and_gives_no_output() {
    let bad = "a,b\n1,2\n3\n";
    let err = csv_format::redact(
        &Analyzer::default(),
        bad.as_bytes(),
        &CsvPolicy::default(),
        &Operator::Label,
        &mut PseudonymTable::new(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("row 3"), "{err}");
    assert_eq!(err.code(), "redact.csv_invalid");
}

const EML: &str = "From: Sarah Thompson <sarah.t@example.co.uk>\r\n\
To: Housing Options <housing@council.gov.uk>\r\n\
Subject: Repairs for Sarah Thompson\r\n\
Date: Mon, 3 Mar 2025 10:00:00 +0000\r\n\
Message-ID: <abc@mail.example.co.uk>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b1\"\r\n\
\r\n\
--b1\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Hello, my NI number is JH 12 34 56 C and my mobile is 07911 123456.\r\n\
--b1\r\n\
Content-Type: application/pdf\r\n\
Content-Disposition: attachment; filename=\"tenancy.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
JVBERi0xLjQK\r\n\
--b1--\r\n";

#[test]
fn eml_headers_and_body_are_redacted_and_attachments_listed() {
    let config = AnalyzerConfig {
        do_not_redact: vec!["housing@council.gov.uk".into(), "Housing Options".into()],
        ..Default::default()
    };
    let out = eml::redact(
        &Analyzer::new(config),
        EML.as_bytes(),
        &Operator::Label,
        &mut PseudonymTable::new(),
    )
    .unwrap();
    let text = String::from_utf8(out.bytes).unwrap();
    for secret in [
        "Sarah", "Thompson", "sarah.t@", "JH 12", "07911", "abc@mail",
    ] {
        assert!(!text.contains(secret), "{secret} survived in:\n{text}");
    }
    assert!(
        text.contains("To: \"Housing Options\" <housing@council.gov.uk>"),
        "{text}"
    );
    assert!(text.contains("Subject: Repairs for [PERSON]"), "{text}");
    assert_eq!(out.attachments.len(), 1);
    assert_eq!(out.attachments[0].name, "tenancy.pdf");
    assert_eq!(out.attachments[0].content_type, "application/pdf");
    assert!(text.contains("1 attachment(s) removed"));
}

#[test]
fn bytes_that_are_not_an_email_are_refused() {
    let err = eml::redact(
        &Analyzer::default(),
        b"\x00\x01\x02 not a message",
        &Operator::Label,
        &mut PseudonymTable::new(),
    );
    assert!(matches!(err, Err(RedactError::Email)));
}

#[test]
fn csv_with_invalid_utf8_is_an_error_naming_the_row() {
    let bad = b"name,notes\nJo,fine\nSam,bad \xff byte\n";
    let err = csv_format::redact(
        &Analyzer::default(),
        bad,
        &CsvPolicy::default(),
        &Operator::Label,
        &mut PseudonymTable::new(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("row 3"), "{err}");
}

#[test]
fn one_pseudonym_table_keeps_people_consistent_across_formats() {
    let analyzer = Analyzer::default();
    let mut table = PseudonymTable::new();
    let a = text::redact(
        &analyzer,
        "Spoke to Sarah Thompson today.",
        &Operator::Pseudonym,
        &mut table,
    );
    let b = text::redact(
        &analyzer,
        "Dear Priya Patel, Sarah Thompson called.",
        &Operator::Pseudonym,
        &mut table,
    );
    assert_eq!(a.text, "Spoke to Person A today.");
    assert_eq!(b.text, "Dear Person B, Person A called.");
}

#[test]
fn eml_with_only_an_html_body_is_redacted_as_text() {
    let eml = "From: Jo Bloggs <jo@example.com>\r\nSubject: Hello\r\nMIME-Version: 1.0\r\n\
Content-Type: text/html; charset=utf-8\r\n\r\n<p>My NHS number is <b>943 476 5919</b>.</p>\r\n";
    let out = eml::redact(
        &Analyzer::default(),
        eml.as_bytes(),
        &Operator::Label,
        &mut PseudonymTable::new(),
    )
    .unwrap();
    let text = String::from_utf8(out.bytes).unwrap();
    assert!(
        !text.contains("5919") && !text.contains("Bloggs") && !text.contains("<p>"),
        "{text}"
    );
    assert!(text.contains("[NHS_NUMBER]"), "{text}");
}
