use civic_dataset::{Error, InvalidUtf8, ReadOptions, Reader};

use crate::{file, lines, read, read_with};

#[test]
fn quoted_fields_with_newlines_report_the_start_line_of_later_records() {
    let csv = "id,text\n\
               1,\"first line\nsecond line\nthird, with \"\"quotes\"\"\"\n\
               2,plain\n\
               3,\"a\r\nb\"\n\
               4,end\n";
    let data = read("a.csv", csv).unwrap();
    assert_eq!(lines(&data), [2, 5, 6, 8]);
    assert_eq!(
        data.records[0].get_str("text").as_deref(),
        Some("first line\nsecond line\nthird, with \"quotes\"")
    );
    assert_eq!(data.records[2].get_str("text").as_deref(), Some("a\r\nb"));
}

#[test]
fn invalid_utf8_on_line_3_names_line_3() {
    let err = read("bad.csv", b"id,text\n1,fine\n2,caf\xe9\n3,fine\n").unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidUtf8 {
                line: 3,
                column: 4,
                ..
            }
        ),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("bad.csv"), "{message}");
    assert!(message.contains("line 3"), "{message}");
    assert_eq!(err.code(), "dataset.invalid_utf8");
}

#[test]
fn invalid_utf8_inside_a_multiline_field_names_the_line_of_the_byte() {
    let err = read("bad.csv", b"id,text\n1,\"ok\nstill ok \xff\"\n").unwrap_err();
    assert!(matches!(err, Error::InvalidUtf8 { line: 3, .. }), "{err:?}");
}

#[test]
fn invalid_utf8_is_replaced_and_its_lines_reported_when_asked() {
    let options = ReadOptions::new().invalid_utf8(InvalidUtf8::Replace);
    let data = read_with("a.csv", b"id,text\n1,ok\n2,caf\xe9\n3,\xff\n", &options).unwrap();
    assert_eq!(data.records.len(), 3);
    assert_eq!(
        data.records[1].get_str("text").as_deref(),
        Some("caf\u{fffd}")
    );
    assert_eq!(data.replaced_lines, [3, 4]);
    assert!(data.problems.is_empty());
}

#[test]
fn invalid_utf8_row_is_skipped_and_reported_in_lenient_mode() {
    let options = ReadOptions::new().strict(false);
    let data = read_with("a.csv", b"id,text\n1,ok\n2,caf\xe9\n3,ok\n", &options).unwrap();
    assert_eq!(lines(&data), [2, 4]);
    assert_eq!(data.problems.len(), 1);
    assert_eq!(data.problems[0].line, 3);
}

#[test]
fn missing_column_error_names_it_and_lists_the_columns_found() {
    let (_dir, path) = file("contacts.csv", "id,message,team\n1,hello,waste\n");
    let reader = Reader::open(&path, &ReadOptions::new()).unwrap();
    assert!(reader.require_columns(&["message"]).is_ok());
    let err = reader
        .require_columns(&["text", "team", "label"])
        .unwrap_err();
    match &err {
        Error::MissingColumns { missing, found, .. } => {
            assert_eq!(missing, &["text", "label"]);
            assert_eq!(found, &["id", "message", "team"]);
        }
        other => panic!("{other:?}"),
    }
    let message = err.to_string();
    assert!(
        message.ends_with(
            "missing columns `text`, `label`; the file has columns: `id`, `message`, `team`"
        ),
        "{message}"
    );
}

#[test]
fn wrong_field_count_names_the_line() {
    let err = read("a.csv", "a,b\n1,2\n3,4,5\n6,7\n").unwrap_err();
    assert!(
        matches!(
            err,
            Error::WrongFieldCount {
                line: 3,
                expected: 2,
                found: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("line 3 has 3 fields but the header has 2")
    );
}

#[test]
fn strict_mode_stops_at_the_first_malformed_row_and_lenient_mode_collects_them() {
    let csv = "a,b\n1,2\n3\n4,5\n6,7,8\n9,10\n";
    let err = read("a.csv", csv).unwrap_err();
    assert_eq!(err.line(), Some(3));

    let data = read_with("a.csv", csv, &ReadOptions::new().strict(false)).unwrap();
    assert_eq!(lines(&data), [2, 4, 6]);
    let problems: Vec<u64> = data.problems.iter().map(|p| p.line).collect();
    assert_eq!(problems, [3, 5]);
    assert!(data.problems[1].message.contains("has 3 fields"));
}

#[test]
fn the_reader_stops_after_a_strict_error() {
    let (_dir, path) = file("a.csv", "a\n1\n\"x\",\"y\"\n2\n");
    let results: Vec<_> = Reader::open(&path, &ReadOptions::new()).unwrap().collect();
    assert_eq!(results.len(), 2);
    assert!(results[0].is_ok());
    assert!(results[1].is_err());
}

#[test]
fn empty_file_has_no_header_row() {
    let err = read("empty.csv", "").unwrap_err();
    assert_eq!(err.code(), "dataset.no_header");
    assert!(
        err.to_string()
            .contains("empty.csv: the file has no header row")
    );
}

#[test]
fn header_only_file_has_no_records() {
    let err = read("h.csv", "text,label\n").unwrap_err();
    assert_eq!(err.code(), "dataset.no_records");
    assert!(err.to_string().contains("h.csv: the file has no records"));

    let options = ReadOptions::new().strict(false);
    let err = read_with("h.csv", "text,label\nonly one field\n", &options).unwrap_err();
    assert!(
        matches!(err, Error::NoRecords { skipped: 1, .. }),
        "{err:?}"
    );
}

#[test]
fn repeated_header_name_is_an_error() {
    let err = read("a.csv", "id,text,id\n1,2,3\n").unwrap_err();
    assert!(matches!(&err, Error::DuplicateColumn { column, .. } if column == "id"));
}

#[test]
fn byte_order_mark_and_crlf_line_ends_are_handled() {
    let data = read("excel.csv", "\u{feff}text,label\r\nhello,a\r\nbye,b\r\n").unwrap();
    assert_eq!(data.columns, ["text", "label"]);
    assert_eq!(lines(&data), [2, 3]);
    assert_eq!(data.records[1].get_str("label").as_deref(), Some("b"));
}

#[test]
fn unknown_extension_names_the_file_and_an_explicit_format_reads_it() {
    let (_dir, path) = file("contacts.txt", "text\nhi\n");
    let err = Reader::open(&path, &ReadOptions::new()).unwrap_err();
    assert_eq!(err.code(), "dataset.unknown_format");
    assert!(err.to_string().contains("contacts.txt"));

    let options = ReadOptions::new().format(civic_dataset::Format::Csv);
    let reader = Reader::open(&path, &options).unwrap();
    assert_eq!(reader.count(), 1);
}

#[test]
fn missing_file_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nowhere.csv");
    let err = Reader::open(&path, &ReadOptions::new()).unwrap_err();
    assert_eq!(err.code(), "dataset.io");
    assert!(err.to_string().contains("nowhere.csv"), "{err}");
}

#[test]
fn numeric_columns_are_parsed_with_errors_that_name_row_and_column() {
    let data = read("claims.csv", "amount\n12.5\n\nabc\n").unwrap();
    // The blank line is skipped by CSV, so "abc" is on line 4.
    assert_eq!(data.records[0].get_f64("amount").unwrap(), Some(12.5));
    let err = data.records[1].get_f64("amount").unwrap_err();
    assert!(
        err.to_string()
            .ends_with("claims.csv: line 4, column `amount`: `abc` is not a number"),
        "{err}"
    );
}
