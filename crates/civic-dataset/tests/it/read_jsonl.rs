use civic_dataset::{Cell, Error, ReadOptions, Reader};
use serde_json::json;

use crate::{file, lines, read, read_with};

#[test]
fn records_keep_json_types_and_blank_lines_are_skipped_but_counted() {
    let jsonl = "{\"text\": \"hello\", \"n\": 3, \"ok\": true, \"x\": null}\n\n   \n{\"text\": \"bye\", \"n\": 2.5}\n";
    let data = read("a.jsonl", jsonl).unwrap();
    assert_eq!(lines(&data), [1, 4]);
    let first = &data.records[0];
    assert_eq!(first.get("n"), Some(Cell::Json(&json!(3))));
    assert_eq!(first.get_str("n").as_deref(), Some("3"));
    assert_eq!(first.get_str("ok").as_deref(), Some("true"));
    assert_eq!(first.get("x"), Some(Cell::Json(&json!(null))));
    assert_eq!(first.get_str("x"), None);
    assert_eq!(data.records[1].get("ok"), None);
}

#[test]
fn columns_are_the_first_objects_keys_then_new_keys_in_order_seen() {
    let jsonl = "{\"b\": 1, \"a\": 2}\n{\"c\": 3, \"a\": 4}\n{\"d\": 5, \"b\": 6}\n";
    let (_dir, path) = file("a.jsonl", jsonl);
    let mut reader = Reader::open(&path, &ReadOptions::new()).unwrap();
    assert_eq!(reader.columns(), ["b", "a"]);
    let records: Vec<_> = reader.by_ref().collect::<Result<_, _>>().unwrap();
    assert_eq!(reader.columns(), ["b", "a", "c", "d"]);
    // Each record knows the columns as they were when it was read.
    assert_eq!(records[0].columns(), ["b", "a"]);
    assert_eq!(records[1].columns(), ["b", "a", "c"]);
    assert_eq!(records[1].get_str("c").as_deref(), Some("3"));
    assert_eq!(records[1].get("b"), None);
}

#[test]
fn a_line_that_is_not_an_object_is_an_error_with_line_and_column() {
    let err = read("a.jsonl", "{\"a\": 1}\n  [1, 2]\n").unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotAnObject {
                line: 2,
                column: 3,
                found: "an array",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("a.jsonl: line 2, column 3"),
        "{err}"
    );
}

#[test]
fn invalid_json_names_line_and_column() {
    let err = read("a.jsonl", "{\"a\": 1}\n{\"a\": 1,}\n").unwrap_err();
    match err {
        Error::InvalidJson { line, column, .. } => assert_eq!((line, column), (2, 9)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn lenient_mode_skips_bad_lines_including_before_the_first_object() {
    let jsonl = "oops\n{\"a\": 1}\n\"just text\"\n{\"a\": 2}\n";
    let options = ReadOptions::new().strict(false);
    let data = read_with("a.jsonl", jsonl, &options).unwrap();
    assert_eq!(lines(&data), [2, 4]);
    let problems: Vec<u64> = data.problems.iter().map(|p| p.line).collect();
    assert_eq!(problems, [1, 3]);
    assert_eq!(data.columns, ["a"]);
}

#[test]
fn invalid_utf8_names_the_line_and_byte() {
    let err = read(
        "a.jsonl",
        b"{\"a\": 1}\n{\"a\": 2}\n{\"a\": \"\xc3\x28\"}\n",
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidUtf8 {
                line: 3,
                column: 8,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn empty_file_has_no_records_at_open() {
    for contents in ["", "\n\n  \n"] {
        let (_dir, path) = file("e.ndjson", contents);
        let err = Reader::open(&path, &ReadOptions::new()).unwrap_err();
        assert_eq!(err.code(), "dataset.no_records");
        assert!(
            err.to_string()
                .contains("e.ndjson: the file has no records")
        );
    }
}

#[test]
fn crlf_and_byte_order_mark_are_handled() {
    let data = read("a.jsonl", "\u{feff}{\"a\": 1}\r\n{\"a\": 2}\r\n").unwrap();
    assert_eq!(lines(&data), [1, 2]);
    assert_eq!(data.records[1].get_f64("a").unwrap(), Some(2.0));
}

#[test]
fn invalid_utf8_is_replaced_and_its_lines_reported_when_asked() {
    let options = ReadOptions::new().invalid_utf8(civic_dataset::InvalidUtf8::Replace);
    let data = read_with(
        "a.jsonl",
        b"{\"a\": \"ok\"}\n{\"a\": \"caf\xe9\"}\n",
        &options,
    )
    .unwrap();
    assert_eq!(data.replaced_lines, [2]);
    assert_eq!(data.records[1].get_str("a").as_deref(), Some("caf\u{fffd}"));
}

#[test]
fn missing_column_lists_the_first_objects_keys() {
    let (_dir, path) = file("a.jsonl", "{\"message\": \"hi\", \"team\": \"x\"}\n");
    let reader = Reader::open(&path, &ReadOptions::new()).unwrap();
    let err = reader.require_columns(&["text"]).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("missing column `text`; the file has columns: `message`, `team`"),
        "{err}"
    );
}
