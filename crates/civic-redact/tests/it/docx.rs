//! DOCX true redaction: a document built here with every place personal
//! data hides in Word, redacted, and then searched byte by byte.

use std::io::{Cursor, Read, Write};

use civic_redact::formats::docx;
use civic_redact::{Analyzer, Operator, PseudonymTable, RedactError};

const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main""#;

fn document() -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document {W}><w:body>
<w:p><w:r><w:t xml:space="preserve">Spoke to Sa</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>rah Thom</w:t></w:r><w:r><w:t xml:space="preserve">pson today &amp; agreed a visit.</w:t></w:r></w:p>
<w:p><w:commentRangeStart w:id="0"/><w:r><w:t xml:space="preserve">NHS number </w:t></w:r><w:commentRangeEnd w:id="0"/><w:r><w:commentReference w:id="0"/></w:r><w:r><w:t>943 476 5919</w:t></w:r></w:p>
<w:p><w:del w:id="1" w:author="Officer Deleter" w:date="2025-01-01T00:00:00Z"><w:r><w:delText>Formerly Wendy Deleted-Person</w:delText></w:r></w:del><w:ins w:id="2" w:author="Officer Inserter" w:date="2025-01-01T00:00:00Z"><w:r><w:t>Inserted text stays.</w:t></w:r></w:ins></w:p>
<w:p><w:r><w:rPr><w:vanish/></w:rPr><w:t>Hidden Harriet Hiddenname</w:t></w:r><w:r><w:t>Visible.</w:t></w:r></w:p>
<w:p><w:r><w:drawing><wp:inline><wp:docPr id="1" name="Box" descr="Photo of Sarah Thompson"/><a:graphic><a:graphicData><wps:wsp><wps:txbx><w:txbxContent><w:p><w:r><w:t>NI number JH 12 34 56 C</w:t></w:r></w:p></w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>
<w:p><w:hyperlink r:id="rId9"><w:r><w:t>write to us</w:t></w:r></w:hyperlink></w:p>
<w:sectPr><w:headerReference w:type="default" r:id="rId7"/><w:footerReference w:type="default" r:id="rId8"/></w:sectPr>
</w:body></w:document>"#
    )
}

fn part(body: &str, root: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:{root} {W}>{body}</w:{root}>"#
    )
}

const SECRETS: &[&str] = &[
    "Sarah",
    "Thompson",
    "Thom",
    "5919",
    "JH 12",
    "Wendy",
    "Deleted-Person",
    "Harriet",
    "Hiddenname",
    "Comment Author",
    "Comment Name Bloggs",
    "Doc Creator",
    "Last Modifier",
    "Acme Secret Ltd",
    "jo.bloggs@example.com",
    "07911",
    "Footnote Fiona",
    "Officer Deleter",
    "Officer Inserter",
    "custom-secret",
];

fn build() -> Vec<u8> {
    let files: Vec<(&str, String)> = vec![
        ("[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/comments.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"/><Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/><Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/><Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/><Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/></Types>"#.to_owned()),
        ("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties" Target="docProps/custom.xml"/></Relationships>"#.to_owned()),
        ("word/_rels/document.xml.rels", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments" Target="comments.xml"/><Relationship Id="rId6" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/><Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/><Relationship Id="rId8" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="mailto:jo.bloggs@example.com" TargetMode="External"/></Relationships>"#.to_owned()),
        ("word/document.xml", document()),
        ("word/comments.xml", part(r#"<w:comment w:id="0" w:author="Comment Author"><w:p><w:r><w:t>Check with Comment Name Bloggs</w:t></w:r></w:p></w:comment>"#, "comments")),
        ("word/header1.xml", part("<w:p><w:r><w:t>Case of Mrs Sarah Thompson</w:t></w:r></w:p>", "hdr")),
        ("word/footer1.xml", part("<w:p><w:r><w:t>Call 07911 123456</w:t></w:r></w:p>", "ftr")),
        ("word/footnotes.xml", part(r#"<w:footnote w:id="1"><w:p><w:r><w:t>Told by Mrs Footnote Fiona on 07911 123456.</w:t></w:r></w:p></w:footnote>"#, "footnotes")),
        ("docProps/core.xml", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Doc Creator</dc:creator><cp:lastModifiedBy>Last Modifier</cp:lastModifiedBy></cp:coreProperties>"#.to_owned()),
        ("docProps/app.xml", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Company>Acme Secret Ltd</Company></Properties>"#.to_owned()),
        ("docProps/custom.xml", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"><property name="x">custom-secret</property></Properties>"#.to_owned()),
    ];
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, body) in files {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("test fixture");
        zip.write_all(body.as_bytes()).expect("test fixture");
    }
    zip.finish().expect("test fixture").into_inner()
}

fn unzip(bytes: &[u8]) -> Vec<(String, String)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("test fixture");
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).expect("test fixture");
            let mut s = String::new();
            f.read_to_string(&mut s).expect("test fixture");
            (f.name().expect("test fixture").into_owned(), s)
        })
        .collect()
}

#[test]
fn docx_redaction_leaves_no_personal_data_anywhere_in_the_package() {
    let input = build();
    for secret in SECRETS {
        assert!(
            unzip(&input).iter().any(|(_, s)| s.contains(secret)),
            "fixture lacks {secret}"
        );
    }
    let out = docx::redact(
        &Analyzer::default(),
        &input,
        &Operator::Label,
        &mut PseudonymTable::new(),
        docx::UNLIMITED_TEXT_XML,
    )
    .expect("test fixture");
    let parts = unzip(&out.bytes);
    for (name, body) in &parts {
        for secret in SECRETS {
            assert!(
                !body.contains(secret),
                "{secret:?} survived in {name}:\n{body}"
            );
        }
    }
    let get = |n: &str| {
        parts
            .iter()
            .find(|(name, _)| name == n)
            .map(|(_, b)| b.as_str())
    };
    let document = get("word/document.xml").expect("test fixture");
    assert!(document.contains("Spoke to [PERSON]"), "{document}");
    assert!(document.contains(" today &amp; agreed a visit."));
    assert!(document.contains("Inserted text stays.") && document.contains("Visible."));
    assert!(document.contains("[NHS_NUMBER]") && document.contains("[NINO]"));
    assert!(get("word/comments.xml").is_none());
    assert!(
        !get("word/_rels/document.xml.rels")
            .expect("test fixture")
            .contains("comments.xml")
    );
    assert!(
        !get("[Content_Types].xml")
            .expect("test fixture")
            .contains("comments.xml")
    );
    assert!(
        get("word/header1.xml")
            .expect("test fixture")
            .contains("[PERSON]")
    );
    assert!(
        out.removed.contains_key("hidden runs") && out.removed.contains_key("tracked deletions")
    );
    let log = serde_json::to_string(&out.log).expect("test fixture");
    assert!(!log.contains("Thompson"));
}

#[test]
fn sar_keep_list_applies_inside_word_documents() {
    use civic_redact::AnalyzerConfig;
    let config = AnalyzerConfig {
        keep: vec!["Sarah Thompson".into()],
        ..AnalyzerConfig::default()
    };
    let out = docx::redact(
        &Analyzer::new(config),
        &build(),
        &Operator::Label,
        &mut PseudonymTable::new(),
        docx::UNLIMITED_TEXT_XML,
    )
    .expect("test fixture");
    let parts = unzip(&out.bytes);
    let document = &parts
        .iter()
        .find(|(n, _)| n == "word/document.xml")
        .expect("test fixture")
        .1;
    // Kept across the split runs, while other personal data is still removed.
    assert!(
        document.contains("Spoke to Sa") && document.contains("rah Thom"),
        "{document}"
    );
    assert!(document.contains("[NHS_NUMBER]"));
}

#[test]
fn corrupt_or_foreign_zip_files_are_refused() {
    let analyzer = Analyzer::default();
    let mut table = PseudonymTable::new();
    let not_zip = docx::redact(
        &analyzer,
        b"PK\x03\x04 this is not really a zip",
        &Operator::Label,
        &mut table,
        docx::UNLIMITED_TEXT_XML,
    );
    assert!(matches!(not_zip, Err(RedactError::Docx(_))));

    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("hello.txt", zip::write::SimpleFileOptions::default())
        .expect("test fixture");
    zip.write_all(b"hi").expect("test fixture");
    let foreign = zip.finish().expect("test fixture").into_inner();
    let err = docx::redact(
        &analyzer,
        &foreign,
        &Operator::Label,
        &mut table,
        docx::UNLIMITED_TEXT_XML,
    )
    .unwrap_err();
    assert!(err.to_string().contains("word/document.xml"), "{err}");

    let mut truncated = build();
    truncated.truncate(truncated.len() / 2);
    assert!(
        docx::redact(
            &analyzer,
            &truncated,
            &Operator::Label,
            &mut table,
            docx::UNLIMITED_TEXT_XML
        )
        .is_err()
    );
}

/// Writes the fixture and its redaction for a manual check in LibreOffice.
#[test]
fn docx_fixture_can_be_written_for_libreoffice() {
    let Ok(dir) = std::env::var("CIVIC_REDACT_DOCX_OUT") else {
        return;
    };
    let input = build();
    let out = docx::redact(
        &Analyzer::default(),
        &input,
        &Operator::Label,
        &mut PseudonymTable::new(),
        docx::UNLIMITED_TEXT_XML,
    )
    .expect("test fixture");
    std::fs::write(format!("{dir}/fixture.docx"), &input).expect("test fixture");
    std::fs::write(format!("{dir}/redacted.docx"), &out.bytes).expect("test fixture");
}

// The hiding places of issue 16: each test seeds a made-up name in one
// place, redacts, and searches every entry of the output as raw bytes,
// read with the zip crate rather than the redactor's own reader.

/// A name no detector needs to know to be removed: it must go with its
/// hiding place, not be found by the analyzer.
const HIDDEN: &str = "Zebedee Quillfeather";

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;

const PACKAGE_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;

/// Zips `files` in order, names and bytes exactly as given.
fn package(files: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, body) in files {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("test fixture");
        zip.write_all(body.as_bytes()).expect("test fixture");
    }
    zip.finish().expect("test fixture").into_inner()
}

/// The smallest Word document with `body` as its body.
fn body_document(body: &str) -> String {
    part(&format!("<w:body>{body}</w:body>"), "document")
}

fn redact_package(input: &[u8]) -> Result<docx::DocxRedacted, RedactError> {
    docx::redact(
        &Analyzer::default(),
        input,
        &Operator::Label,
        &mut PseudonymTable::new(),
        docx::UNLIMITED_TEXT_XML,
    )
}

/// Every entry of a zip file as raw bytes, with its name.
fn entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("test fixture");
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).expect("test fixture");
            let mut b = Vec::new();
            f.read_to_end(&mut b).expect("test fixture");
            (f.name().expect("test fixture").into_owned(), b)
        })
        .collect()
}

/// Asserts `needle` is in no entry of `zip`, searched as bytes.
fn assert_nowhere(zip: &[u8], needle: &str) {
    for (name, bytes) in entries(zip) {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{needle:?} survived in {name}:\n{}",
            String::from_utf8_lossy(&bytes)
        );
    }
}

/// Asserts the fixture does hold `needle`, so a test cannot pass vacuously.
fn assert_somewhere(zip: &[u8], needle: &str) {
    assert!(
        entries(zip)
            .iter()
            .any(|(_, b)| b.windows(needle.len()).any(|w| w == needle.as_bytes())),
        "fixture lacks {needle:?}"
    );
}

#[test]
fn a_zip_entry_that_climbs_out_of_the_package_refuses_the_document() {
    let input = package(&[
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", PACKAGE_RELS),
        ("word/document.xml", &body_document("<w:p/>")),
        ("../../evil.txt", HIDDEN),
    ]);
    assert!(
        entries(&input).iter().any(|(n, _)| n == "../../evil.txt"),
        "the zip crate kept the name as given"
    );
    assert_somewhere(&input, HIDDEN);
    let err = redact_package(&input).unwrap_err();
    assert_eq!(err.code(), "redact.docx_invalid");
    // Named by its place in the package: the name could be personal data.
    assert!(err.to_string().contains("zip entry 4 "), "{err}");
    assert!(!err.to_string().contains("evil"), "{err}");
    // An absolute name and a backslash are refused the same way.
    for name in ["/tmp/evil.txt", "word\\evil.xml"] {
        let input = package(&[
            ("word/document.xml", &body_document("<w:p/>")),
            (name, HIDDEN),
        ]);
        let err = redact_package(&input).unwrap_err();
        assert!(err.to_string().contains("zip entry 2 "), "{err}");
    }
}

#[test]
fn xml_comments_are_dropped_from_every_part_and_a_doctype_refuses_the_document() {
    let comment = format!("<!-- {HIDDEN} -->");
    let rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{comment}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#
    );
    let input = package(&[
        (
            "[Content_Types].xml",
            &CONTENT_TYPES.replace("<Default", &format!("{comment}<Default")),
        ),
        ("_rels/.rels", PACKAGE_RELS),
        (
            "word/document.xml",
            &body_document(&format!(
                "<w:p>{comment}<w:r><w:t>Kept text.</w:t></w:r><?x {HIDDEN}?></w:p>"
            )),
        ),
        ("word/_rels/document.xml.rels", &rels),
        (
            "word/styles.xml",
            &part(&format!("{comment}<w:style/>"), "styles"),
        ),
        ("word/settings.xml", &part(&comment, "settings")),
    ]);
    assert_somewhere(&input, HIDDEN);
    let out = redact_package(&input).expect("test fixture");
    assert_nowhere(&out.bytes, HIDDEN);
    assert_nowhere(&out.bytes, "<!--");
    let parts = entries(&out.bytes);
    let document = &parts
        .iter()
        .find(|(n, _)| n == "word/document.xml")
        .expect("test fixture")
        .1;
    assert!(String::from_utf8_lossy(document).contains("Kept text."));
    assert!(
        parts
            .iter()
            .any(|(n, b)| n == "word/styles.xml"
                && String::from_utf8_lossy(b).contains("<w:style/>"))
    );
    assert!(
        out.removed["XML comments and processing instructions"] >= 3,
        "{:?}",
        out.removed
    );

    let entity = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><!DOCTYPE w:document [<!ENTITY x "{HIDDEN}">]><w:document {W}><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>"#
    );
    for (part_name, doctype_in) in [
        ("word/document.xml", entity.clone()),
        ("word/styles.xml", entity),
    ] {
        let mut files = vec![("word/document.xml", body_document("<w:p/>"))];
        if part_name == "word/document.xml" {
            files[0].1 = doctype_in;
        } else {
            files.push((part_name, doctype_in));
        }
        let files: Vec<(&str, &str)> = files.iter().map(|(n, b)| (*n, b.as_str())).collect();
        let err = redact_package(&package(&files)).unwrap_err();
        assert_eq!(err.code(), "redact.docx_invalid");
        let message = err.to_string();
        assert!(
            message.contains(part_name) && message.contains("DOCTYPE"),
            "{message}"
        );
        assert!(!message.contains(HIDDEN), "{message}");
    }
}

#[test]
fn content_control_names_and_tags_leave_no_trace() {
    let body = format!(
        r#"<w:sdt><w:sdtPr><w:alias w:val="{HIDDEN}"/><w:tag w:val="{HIDDEN}"/><w:placeholder><w:docPart w:val="{HIDDEN}"/></w:placeholder></w:sdtPr><w:sdtContent><w:p><w:r><w:t>Kept text.</w:t></w:r></w:p></w:sdtContent></w:sdt>"#
    );
    let header = part(
        &format!(
            r#"<w:sdt><w:sdtPr><w:alias w:val="{HIDDEN}"/><w:tag w:val="{HIDDEN}"/></w:sdtPr><w:sdtContent><w:p/></w:sdtContent></w:sdt>"#
        ),
        "hdr",
    );
    let input = package(&[
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", PACKAGE_RELS),
        ("word/document.xml", &body_document(&body)),
        ("word/header1.xml", &header),
    ]);
    assert_somewhere(&input, HIDDEN);
    let out = redact_package(&input).expect("test fixture");
    assert_nowhere(&out.bytes, HIDDEN);
    assert_eq!(out.removed["content control names and tags"], 5);
    let document = entries(&out.bytes)
        .into_iter()
        .find(|(n, _)| n == "word/document.xml")
        .expect("test fixture")
        .1;
    assert!(String::from_utf8_lossy(&document).contains("Kept text."));
}

#[test]
fn custom_xml_and_unknown_parts_are_dropped_with_their_relationships() {
    let types = CONTENT_TYPES.replace(
        "</Types>",
        r#"<Override PartName="/customXml/itemProps1.xml" ContentType="application/vnd.openxmlformats-officedocument.customXmlProperties+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/></Types>"#,
    );
    let rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml" Target="../customXml/item1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/package" Target="embeddings/Secret_Sheet.xlsx"/></Relationships>"#;
    let item = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?><case><client>{HIDDEN}</client></case>"#
    );
    let props = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?><ds:datastoreItem ds:itemID="{{00000000-0000-0000-0000-000000000000}}" xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml"><ds:schemaRefs><ds:schemaRef ds:uri="urn:{HIDDEN}"/></ds:schemaRefs></ds:datastoreItem>"#
    );
    let item_rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXmlProps" Target="itemProps1.xml"/></Relationships>"#;
    let input = package(&[
        ("[Content_Types].xml", &types),
        ("_rels/.rels", PACKAGE_RELS),
        (
            "word/document.xml",
            &body_document("<w:p><w:r><w:t>Kept text.</w:t></w:r></w:p>"),
        ),
        ("word/_rels/document.xml.rels", rels),
        ("word/styles.xml", &part("<w:style/>", "styles")),
        ("customXml/item1.xml", &item),
        ("customXml/itemProps1.xml", &props),
        ("customXml/_rels/item1.xml.rels", item_rels),
        ("word/embeddings/Secret_Sheet.xlsx", HIDDEN),
        ("docProps/thumbnail.jpeg", HIDDEN),
    ]);
    assert_somewhere(&input, HIDDEN);
    let out = redact_package(&input).expect("test fixture");
    assert_nowhere(&out.bytes, HIDDEN);
    // Nothing is left pointing at what was dropped.
    assert_nowhere(&out.bytes, "customXml");
    assert_nowhere(&out.bytes, "embeddings");
    let names: Vec<String> = entries(&out.bytes).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "[Content_Types].xml",
            "_rels/.rels",
            "word/document.xml",
            "word/_rels/document.xml.rels",
            "word/styles.xml"
        ]
    );
    let parts = entries(&out.bytes);
    let text = |n: &str| {
        String::from_utf8_lossy(
            &parts
                .iter()
                .find(|(name, _)| name == n)
                .expect("test fixture")
                .1,
        )
        .into_owned()
    };
    assert!(text("word/_rels/document.xml.rels").contains(r#"Target="styles.xml""#));
    assert!(text("[Content_Types].xml").contains("/word/styles.xml"));
    // The log counts each dropped part by kind, number and size, and says
    // nothing of its name or of what it held.
    for key in [
        format!("custom XML data part 6 ({} bytes) dropped", item.len()),
        format!("custom XML data part 7 ({} bytes) dropped", props.len()),
        format!("custom XML data part 8 ({} bytes) dropped", item_rels.len()),
        "unknown part 9 (20 bytes) dropped".to_owned(),
        "unknown part 10 (20 bytes) dropped".to_owned(),
    ] {
        assert_eq!(out.removed.get(&key), Some(&1), "{key}: {:?}", out.removed);
    }
    let log = serde_json::to_string(&out).expect("test fixture");
    assert!(!log.contains(HIDDEN), "{log}");
}

/// A name in a part's file name: the log and the counts never carry it,
/// whether the part is dropped, renamed (a picture) or redacted (a header).
#[test]
fn part_names_holding_personal_data_never_reach_the_log() {
    let rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="headerJane%20Smith.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/Jane%20Smith.png"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="mailto:jo.bloggs@example.com" TargetMode="External"/></Relationships>"#;
    let input = package(&[
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", PACKAGE_RELS),
        (
            "word/document.xml",
            &body_document("<w:p><w:r><w:t>Call 07911 123456.</w:t></w:r></w:p>"),
        ),
        ("word/_rels/document.xml.rels", rels),
        (
            "word/headerJane Smith.xml",
            &part("<w:p><w:r><w:t>Ring 07911 123456</w:t></w:r></w:p>", "hdr"),
        ),
        ("word/media/Jane Smith.png", "not really a picture"),
        ("customXml/Jane Smith.xml", &"x".repeat(4300)),
        ("word/Jane Smith notes.bin", "notes"),
    ]);
    let out = redact_package(&input).expect("test fixture");
    assert_eq!(
        out.removed.get("custom XML data part 7 (4.2 KB) dropped"),
        Some(&1),
        "{:?}",
        out.removed
    );
    assert_eq!(
        out.removed.get("unknown part 8 (5 bytes) dropped"),
        Some(&1),
        "{:?}",
        out.removed
    );
    // The header's finds are logged at its number, the link's at the
    // relationships part Word names itself.
    let locations: Vec<&str> = out.log.iter().map(|e| e.location.as_str()).collect();
    assert!(locations.contains(&"part 5"), "{locations:?}");
    assert!(
        locations.contains(&"word/_rels/document.xml.rels"),
        "{locations:?}"
    );
    let log = serde_json::to_string(&out).expect("test fixture");
    for piece in ["Jane", "Smith", "notes.bin"] {
        assert!(!log.contains(piece), "{piece} in {log}");
    }
    // The picture's percent-encoded target follows it to its new name: no
    // relationship in the package keeps the old one.
    let (_, new_rels) = unzip(&out.bytes)
        .into_iter()
        .find(|(name, _)| name == "word/_rels/document.xml.rels")
        .expect("relationships");
    assert!(
        new_rels.contains(r#"Target="media/image1.png""#) && !new_rels.contains("Jane%20Smith.png"),
        "{new_rels}"
    );
    // An error names the part by number too.
    let broken = package(&[
        ("word/document.xml", &body_document("<w:p/>")),
        ("word/headerJane Smith.xml", "<w:hdr><w:p>"),
    ]);
    let err = redact_package(&broken).unwrap_err().to_string();
    assert!(err.contains("part 2") && !err.contains("Jane"), "{err}");
}

/// A tag whose attributes do not parse is refused, wherever it is: it used
/// to be rewritten into XML that no reader (the redactor included) accepts,
/// or copied through with a name behind the fault (found by the docx fuzz
/// target, whose input had `<wp:docPr =id0" "name="photo of Sarah.png">`).
#[test]
fn a_tag_with_a_malformed_attribute_refuses_the_document() {
    for body in [
        r#"<w:p><w:r><w:drawing><wp:inline><wp:docPr =id0" "name="photo of Zebedee Quillfeather.png" descr="x"/></wp:inline></w:drawing></w:r></w:p>"#,
        r#"<w:p><w:bookmarkStart =x w:name="Zebedee_Quillfeather"/><w:r><w:t>Hi</w:t></w:r></w:p>"#,
        r#"<w:p><w:r w:rsidR="1" w:rsidR="2"><w:t>Hi</w:t></w:r></w:p>"#,
    ] {
        let input = package(&[
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", PACKAGE_RELS),
            ("word/document.xml", &body_document(body)),
        ]);
        let err = redact_package(&input).unwrap_err();
        assert_eq!(err.code(), "redact.docx_invalid", "{err}");
        assert!(
            err.to_string().contains("word/document.xml")
                && err.to_string().contains("malformed attribute")
                && !err.to_string().contains("Zebedee"),
            "{err}"
        );
    }
}

#[test]
fn document_variables_and_the_template_path_leave_the_settings() {
    let settings = part(
        &format!(
            r#"<w:attachedTemplate r:id="rId1"/><w:docVars><w:docVar w:name="client" w:val="{HIDDEN}"/></w:docVars><w:mailMerge><w:query w:val="SELECT * FROM cases WHERE name = '{HIDDEN}'"/></w:mailMerge><w:zoom w:percent="100"/>"#
        ),
        "settings",
    );
    let settings_rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" Target="file:///C:/Users/{HIDDEN}/Templates/Letter.dotm" TargetMode="External"/></Relationships>"#
    );
    let input = package(&[
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", PACKAGE_RELS),
        ("word/document.xml", &body_document("<w:p/>")),
        ("word/settings.xml", &settings),
        ("word/_rels/settings.xml.rels", &settings_rels),
    ]);
    assert_somewhere(&input, HIDDEN);
    let out = redact_package(&input).expect("test fixture");
    assert_nowhere(&out.bytes, HIDDEN);
    assert_nowhere(&out.bytes, "attachedTemplate");
    let settings = entries(&out.bytes)
        .into_iter()
        .find(|(n, _)| n == "word/settings.xml")
        .expect("test fixture")
        .1;
    assert!(String::from_utf8_lossy(&settings).contains(r#"<w:zoom w:percent="100"/>"#));
    assert_eq!(
        out.removed["document variables, template and mail merge settings"],
        4
    );
}

#[test]
fn a_crafted_nesting_depth_or_entry_count_refuses_the_document() {
    // Deeper than any Word document, inside one paragraph.
    let deep = format!("<w:p>{}{}</w:p>", "<w:r>".repeat(600), "</w:r>".repeat(600));
    let input = package(&[("word/document.xml", &body_document(&deep))]);
    let err = redact_package(&input).unwrap_err();
    assert_eq!(err.code(), "redact.docx_invalid");
    assert!(
        err.to_string().contains("word/document.xml") && err.to_string().contains("deep"),
        "{err}"
    );

    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..10_001 {
        let name = if i == 0 {
            "word/document.xml".to_owned()
        } else {
            format!("word/media/{i}.png")
        };
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("test fixture");
    }
    let many = zip.finish().expect("test fixture").into_inner();
    let err = redact_package(&many).unwrap_err();
    assert_eq!(err.code(), "redact.too_large");
    assert!(err.to_string().contains("10000"), "{err}");
}

/// A package whose part inflates past the size its central directory
/// declares (a bomb that understates its size) is refused as soon as it
/// passes that size, not after the whole unzipped budget: the zip reader
/// checks it, and this holds us to it across upgrades.
#[test]
fn a_part_inflating_past_its_declared_size_is_refused_at_that_size() {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("word/document.xml", options).expect("entry");
    zip.write_all(body_document("<w:p/>").as_bytes())
        .expect("write");
    zip.start_file("word/media/padding.bin", options)
        .expect("entry");
    zip.write_all(&vec![0u8; 8 << 20]).expect("write");
    let mut bytes = zip.finish().expect("finish").into_inner();
    // Say the padding unzips to 100 bytes, in its local header and in the
    // central directory (the uncompressed size sits 22 and 24 bytes into
    // them), as a bomb that hides its size would.
    let name = b"word/media/padding.bin";
    let mut patched = 0;
    for (signature, offset) in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)] {
        let at = bytes
            .windows(4)
            .enumerate()
            .filter(|(_, w)| w == signature)
            .map(|(i, _)| i)
            .find(|&i| bytes[i..].windows(name.len()).take(64).any(|w| w == name))
            .expect("the padding's header");
        bytes[at + offset..at + offset + 4].copy_from_slice(&100u32.to_le_bytes());
        patched += 1;
    }
    assert_eq!(patched, 2);
    let err = redact_package(&bytes).unwrap_err();
    assert_eq!(err.code(), "redact.docx_invalid", "{err}");
    // The picture is named by its number: an author's file name can be personal data.
    assert!(
        err.to_string().contains("part 2:")
            && !err.to_string().contains("padding")
            && err.to_string().contains("declared uncompressed size"),
        "{err}"
    );
}

/// A package whose parts say they unzip past the limit is refused from its
/// central directory, before anything is inflated.
#[test]
fn a_package_declaring_more_than_the_limit_is_refused_before_inflating() {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file("word/document.xml", options).expect("entry");
    zip.write_all(body_document("<w:p/>").as_bytes())
        .expect("write");
    // 520 MiB of zeros deflate to about half a megabyte.
    zip.start_file("word/media/padding.bin", options)
        .expect("entry");
    let block = vec![0u8; 1 << 20];
    for _ in 0..520 {
        zip.write_all(&block).expect("write");
    }
    let bytes = zip.finish().expect("finish").into_inner();
    assert!(bytes.len() < 4 << 20, "{} bytes", bytes.len());
    match redact_package(&bytes) {
        Err(RedactError::TooLarge(message)) => {
            assert!(message.contains("declares 520 MB"), "{message}");
        }
        other => panic!("expected a refusal, got {:?}", other.map(|_| ())),
    }
}

/// A classic zip bomb under the size limit (a part of 400 MiB of one byte,
/// deflated about a thousand times) is refused from the central directory by
/// its expansion ratio, naming the part, before anything is inflated.
#[test]
fn a_part_expanding_like_a_bomb_is_refused_before_inflating() {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("word/document.xml", options).expect("entry");
    zip.write_all(body_document("<w:p/>").as_bytes())
        .expect("write");
    zip.start_file("word/header1.xml", options).expect("entry");
    let block = vec![b' '; 1 << 20];
    for _ in 0..400 {
        zip.write_all(&block).expect("write");
    }
    let bytes = zip.finish().expect("finish").into_inner();
    assert!(bytes.len() < 1 << 20, "{} bytes", bytes.len());
    match redact_package(&bytes) {
        Err(RedactError::TooLarge(message)) => {
            assert!(
                message.contains("word/header1.xml") && message.contains("zip bomb"),
                "{message}"
            );
        }
        other => panic!("expected a refusal, got {:?}", other.map(|_| ())),
    }
}

/// The names of a zip file's entries, as `unzip -Z1` (an independent
/// reader) lists them, or, where it is not installed, as the zip crate
/// reads them.
fn listed(zip: &[u8]) -> Vec<String> {
    // One file per call: tests run in parallel in one process.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("civic-media-{}-{call}.docx", std::process::id()));
    std::fs::write(&path, zip).expect("test fixture");
    let listing = std::process::Command::new("unzip")
        .arg("-Z1")
        .arg(&path)
        .output();
    let _ = std::fs::remove_file(&path);
    match listing {
        Ok(out) if out.status.success() => String::from_utf8(out.stdout)
            .expect("utf-8 names")
            .lines()
            .map(str::to_owned)
            .collect(),
        _ => {
            eprintln!("unzip is not installed: listing with the zip crate");
            entries(zip).into_iter().map(|(n, _)| n).collect()
        }
    }
}

/// The values of attribute `key` in an XML text (the fixture's quoting).
fn attribute_values(xml: &str, key: &str) -> Vec<String> {
    xml.split(&format!(" {key}=\""))
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn pictures_are_renamed_and_every_relationship_still_resolves() {
    let seeded = ["John_Smith_passport", "Ann Lee scan"];
    let types = CONTENT_TYPES.replace(
        "</Types>",
        r#"<Default Extension="jpg" ContentType="image/jpeg"/><Override PartName="/word/media/Ann Lee scan.png" ContentType="image/png"/><Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/></Types>"#,
    );
    let rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/John_Smith_passport.jpg"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="/word/media/Ann Lee scan.png"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/></Relationships>"#;
    let header_rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/John_Smith_passport.jpg"/></Relationships>"#;
    let input = package(&[
        ("[Content_Types].xml", &types),
        ("_rels/.rels", PACKAGE_RELS),
        (
            "word/document.xml",
            &body_document(r#"<w:p><w:r><w:t>Kept text.</w:t></w:r></w:p>"#),
        ),
        ("word/_rels/document.xml.rels", rels),
        ("word/header1.xml", &part("<w:p/>", "hdr")),
        ("word/_rels/header1.xml.rels", header_rels),
        ("word/media/John_Smith_passport.jpg", "JPEG bytes"),
        ("word/media/Ann Lee scan.png", "PNG bytes"),
    ]);
    let (out, after) = redact_names_away(&input, &seeded);
    assert!(
        after.contains(&"word/media/image1.jpg".to_owned()),
        "{after:?}"
    );
    assert!(
        after.contains(&"word/media/image2.png".to_owned()),
        "{after:?}"
    );
    assert_eq!(out.removed.get("picture file names"), Some(&2));
    // The document still opens.
    assert_every_reference_resolves(&out.bytes);
    let parts = entries(&out.bytes);
    let text = |n: &str| {
        let (_, bytes) = parts.iter().find(|(name, _)| name == n).expect(n);
        String::from_utf8_lossy(bytes).into_owned()
    };
    // The pictures themselves are copied unchanged.
    assert_eq!(text("word/media/image1.jpg"), "JPEG bytes");
    assert_eq!(text("word/media/image2.png"), "PNG bytes");
}

/// Every relationship's target and every content-type override of a
/// package names one of its entries (as `unzip -Z1` lists them).
fn assert_every_reference_resolves(zip: &[u8]) {
    let after = listed(zip);
    let parts = entries(zip);
    let text = |n: &str| {
        let (_, bytes) = parts.iter().find(|(name, _)| name == n).expect(n);
        String::from_utf8_lossy(bytes).into_owned()
    };
    for rels in after.iter().filter(|n| n.ends_with(".rels")) {
        let base = rels.rfind("_rels/").map_or("", |at| &rels[..at]);
        for target in attribute_values(&text(rels), "Target") {
            let part = match target.strip_prefix('/') {
                Some(absolute) => absolute.to_owned(),
                None => format!("{base}{target}"),
            };
            assert!(
                after.contains(&part),
                "{rels}: {target} → {part} is missing"
            );
        }
    }
    for part in attribute_values(&text("[Content_Types].xml"), "PartName") {
        let part = part.trim_start_matches('/').to_owned();
        assert!(after.contains(&part), "override for missing {part}");
    }
}

#[test]
fn headers_footers_themes_and_fonts_named_by_an_author_are_renamed_with_their_relationships() {
    let seeded = ["Okafor", "Mistry", "Pennine", "Hargreaves"];
    let types = CONTENT_TYPES.replace(
        "</Types>",
        r#"<Default Extension="odttf" ContentType="application/vnd.openxmlformats-officedocument.obfuscatedFont"/><Override PartName="/word/headerOkafor.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/><Override PartName="/word/footer_Mistry.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/><Override PartName="/word/theme/Pennine.xml" ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/></Types>"#,
    );
    let rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="headerOkafor.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="/word/footer_Mistry.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme" Target="theme/Pennine.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable" Target="fontTable.xml"/></Relationships>"#;
    let header_rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/logo.png"/></Relationships>"#;
    let font_rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/font" Target="fonts/Hargreaves.odttf"/></Relationships>"#;
    let input = package(&[
        ("[Content_Types].xml", &types),
        ("_rels/.rels", PACKAGE_RELS),
        (
            "word/document.xml",
            &body_document(r#"<w:p><w:r><w:t>Kept text.</w:t></w:r></w:p>"#),
        ),
        ("word/_rels/document.xml.rels", rels),
        ("word/headerOkafor.xml", &part("<w:p/>", "hdr")),
        ("word/_rels/headerOkafor.xml.rels", header_rels),
        ("word/footer_Mistry.xml", &part("<w:p/>", "ftr")),
        ("word/theme/Pennine.xml", "<a:theme/>"),
        ("word/fontTable.xml", "<w:fonts/>"),
        ("word/_rels/fontTable.xml.rels", font_rels),
        ("word/fonts/Hargreaves.odttf", "font bytes"),
        ("word/media/logo.png", "PNG bytes"),
    ]);
    let (out, after) = redact_names_away(&input, &seeded);
    for renamed in [
        "word/header1.xml",
        "word/_rels/header1.xml.rels",
        "word/footer1.xml",
        "word/theme/theme1.xml",
        "word/fonts/font1.odttf",
    ] {
        assert!(
            after.contains(&renamed.to_owned()),
            "{renamed} not in {after:?}"
        );
    }
    assert_eq!(
        out.removed.get("header, footer, theme and font file names"),
        Some(&4)
    );
    assert_every_reference_resolves(&out.bytes);
}

/// Redacts `input`, whose entry names hold each of `seeded`, and checks
/// that no entry name, nor anything else in the package, holds one after;
/// the result and its entry names.
fn redact_names_away(input: &[u8], seeded: &[&str]) -> (docx::DocxRedacted, Vec<String>) {
    let before = listed(input);
    for name in seeded {
        assert!(
            before.iter().any(|n| n.contains(name)),
            "fixture lacks {name}"
        );
    }
    let out = redact_package(input).expect("test fixture");
    let after = listed(&out.bytes);
    for name in seeded {
        assert!(
            !after.iter().any(|n| n.contains(name)),
            "{name} in {after:?}"
        );
        assert_nowhere(&out.bytes, name);
    }
    (out, after)
}

/// A document whose body and headers hold `paragraphs` paragraphs each of
/// text dense with personal data, and the bytes of XML in its text parts.
fn document_with_headers(paragraphs: usize, headers: usize) -> (Vec<u8>, u64) {
    let paragraph =
        "<w:p><w:r><w:t>Call John Smith on 020 7946 0958 or jo@example.com.</w:t></w:r></w:p>";
    let body = body_document(&paragraph.repeat(paragraphs));
    let header = part(&paragraph.repeat(paragraphs), "hdr");
    let names: Vec<String> = (1..=headers)
        .map(|i| format!("word/header{i}.xml"))
        .collect();
    let mut files = vec![
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", PACKAGE_RELS),
        ("word/document.xml", body.as_str()),
    ];
    files.extend(names.iter().map(|n| (n.as_str(), header.as_str())));
    let text_xml = (body.len() + headers * header.len()) as u64;
    (package(&files), text_xml)
}

/// The limit on the text parts' XML is checked against the sizes the
/// package declares, before anything is inflated: a document one byte
/// over it is refused at once with an error naming the limit and the
/// document's total; one at the limit is redacted.
#[test]
fn a_document_whose_text_parts_exceed_the_xml_limit_is_refused_before_inflating() {
    let (input, text_xml) = document_with_headers(5_000, 3);
    assert!(text_xml > 1 << 20, "{text_xml}");
    let redact = |limit| {
        docx::redact(
            &Analyzer::default(),
            &input,
            &Operator::Label,
            &mut PseudonymTable::new(),
            limit,
        )
    };
    let started = std::time::Instant::now();
    let err = redact(text_xml - 1).unwrap_err();
    let took = started.elapsed();
    assert_eq!(err.code(), "redact.too_large", "{err}");
    let message = err.to_string();
    let mb = |bytes: u64| format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0));
    assert!(
        message.contains(&format!("hold {} of XML", mb(text_xml)))
            && message.contains(&format!("more than the {}", mb(text_xml - 1))),
        "{message}"
    );
    assert!(took.as_millis() < 500, "refused after {took:?}");

    let out = redact(text_xml).expect("at the limit");
    let document = entries(&out.bytes)
        .into_iter()
        .find(|(n, _)| n == "word/header3.xml")
        .expect("the last header is kept")
        .1;
    assert!(!String::from_utf8_lossy(&document).contains("John Smith"));
    // Three finds a paragraph, in the body and three headers.
    assert_eq!(out.log.len(), 3 * 5_000 * 4);
}
