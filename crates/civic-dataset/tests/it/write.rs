use std::path::Path;

use civic_dataset::{Error, Format, ReadOptions, Reader, WriteOptions, Writer, read_all};
use serde_json::{Value, json};

use crate::file;

/// Reads `input`, adds the new columns with values from `values`, writes
/// `output`.
fn annotate(input: &Path, output: &Path, new_columns: &[&str], values: impl Fn(u64) -> Vec<Value>) {
    let reader = Reader::open(input, &ReadOptions::new()).unwrap();
    let mut writer =
        Writer::create(output, reader.columns(), new_columns, &WriteOptions::new()).unwrap();
    for record in reader {
        let record = record.unwrap();
        writer.write(&record, &values(record.line())).unwrap();
    }
    writer.finish().unwrap();
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn csv_round_trip_preserves_columns_and_values_and_appends_new_ones() {
    let input = "id,text,empty\n1,\"commas, \"\"quotes\"\"\nand newlines\",\n2,plain,x\n";
    let (dir, path) = file("in.csv", input);
    let output = dir.path().join("out.csv");
    annotate(
        &path,
        &output,
        &["team", "confidence", "top_terms", "urgent", "none"],
        |line| {
            vec![
                json!(format!("team {line}")),
                json!(0.25),
                json!(["bin", "collection"]),
                json!(line == 2),
                Value::Null,
            ]
        },
    );

    let data = read_all(&output, &ReadOptions::new()).unwrap();
    assert_eq!(
        data.columns,
        [
            "id",
            "text",
            "empty",
            "team",
            "confidence",
            "top_terms",
            "urgent",
            "none"
        ]
    );
    let first = &data.records[0];
    assert_eq!(
        first.get_str("text").as_deref(),
        Some("commas, \"quotes\"\nand newlines")
    );
    assert_eq!(first.get_str("empty"), None);
    assert_eq!(first.get_str("team").as_deref(), Some("team 2"));
    assert_eq!(first.get_str("confidence").as_deref(), Some("0.25"));
    assert_eq!(
        first.get_str("top_terms").as_deref(),
        Some(r#"["bin","collection"]"#)
    );
    assert_eq!(first.get_str("urgent").as_deref(), Some("true"));
    assert_eq!(first.get_str("none"), None);
    assert_eq!(data.records[1].line(), 4);
    assert_eq!(data.records[1].get_str("empty").as_deref(), Some("x"));
}

#[test]
fn jsonl_round_trip_keeps_json_values_and_key_order_and_adds_fields() {
    let input = concat!(
        r#"{"z": "first", "n": 1.5, "nested": {"b": [1, null]}, "flag": false}"#,
        "\n",
        r#"{"z": "second", "extra": null}"#,
        "\n"
    );
    let (dir, path) = file("in.jsonl", input);
    let output = dir.path().join("out.jsonl");
    annotate(&path, &output, &["predicted", "scores"], |line| {
        vec![json!(format!("p{line}")), json!({"a": 0.5})]
    });

    let text = std::fs::read_to_string(&output).unwrap();
    assert_eq!(
        text,
        concat!(
            r#"{"z":"first","n":1.5,"nested":{"b":[1,null]},"flag":false,"predicted":"p1","scores":{"a":0.5}}"#,
            "\n",
            r#"{"z":"second","extra":null,"predicted":"p2","scores":{"a":0.5}}"#,
            "\n"
        )
    );
}

#[test]
fn csv_can_be_written_as_jsonl_with_cells_as_strings() {
    let (dir, path) = file("in.csv", "id,text\n007,hello\n");
    let output = dir.path().join("out.jsonl");
    annotate(&path, &output, &["score"], |_| vec![json!(1)]);
    let text = std::fs::read_to_string(&output).unwrap();
    assert_eq!(text, "{\"id\":\"007\",\"text\":\"hello\",\"score\":1}\n");
}

#[test]
fn no_output_is_left_when_the_caller_fails_before_finish() {
    let (dir, path) = file("in.csv", "text\na\nb\nc\n");
    let output = dir.path().join("out.csv");

    let run = || -> Result<(), Error> {
        let reader = Reader::open(&path, &ReadOptions::new())?;
        let mut writer = Writer::create(&output, reader.columns(), &["n"], &WriteOptions::new())?;
        for record in reader {
            let record = record?;
            if record.line() == 3 {
                // The caller's own failure midway, e.g. a model error.
                return Err(Error::NoRecords {
                    path: path.clone(),
                    skipped: 0,
                });
            }
            writer.write(&record, &[json!(1)])?;
        }
        writer.finish()
    };
    assert!(run().is_err());
    assert!(!output.exists());
    assert_eq!(
        files_in(dir.path()),
        ["in.csv"],
        "no temporary file left behind"
    );
}

#[test]
fn an_existing_output_is_never_overwritten_unless_allowed() {
    let (dir, path) = file("in.csv", "text\na\n");
    let output = dir.path().join("out.csv");
    std::fs::write(&output, "precious").unwrap();
    let columns = vec!["text".to_owned()];

    let err = Writer::create(&output, &columns, &[], &WriteOptions::new()).unwrap_err();
    assert_eq!(err.code(), "dataset.output_exists");
    assert!(err.to_string().contains("out.csv"), "{err}");
    assert_eq!(std::fs::read_to_string(&output).unwrap(), "precious");

    let writer =
        Writer::create(&output, &columns, &[], &WriteOptions::new().overwrite(true)).unwrap();
    writer.finish().unwrap();
    assert_eq!(std::fs::read_to_string(&output).unwrap(), "text\n");
    drop(path);
}

#[test]
fn an_output_created_by_someone_else_meanwhile_is_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out.jsonl");
    let writer = Writer::create(&output, &[], &["a"], &WriteOptions::new()).unwrap();
    std::fs::write(&output, "theirs").unwrap();
    let err = writer.finish().unwrap_err();
    assert_eq!(err.code(), "dataset.output_exists");
    assert_eq!(std::fs::read_to_string(&output).unwrap(), "theirs");
    assert_eq!(files_in(dir.path()), ["out.jsonl"]);
}

#[test]
fn a_new_column_that_repeats_an_input_column_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out.csv");
    let columns = vec!["text".to_owned(), "predicted".to_owned()];
    let err = Writer::create(&output, &columns, &["predicted"], &WriteOptions::new()).unwrap_err();
    assert!(matches!(&err, Error::DuplicateColumn { column, .. } if column == "predicted"));
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn the_wrong_number_of_new_values_is_an_error_not_a_panic() {
    let (dir, path) = file("in.csv", "text\na\n");
    let reader = Reader::open(&path, &ReadOptions::new()).unwrap();
    let columns = reader.columns().to_vec();
    let record = reader.into_iter().next().unwrap().unwrap();
    let output = dir.path().join("out.csv");
    let mut writer = Writer::create(&output, &columns, &["a", "b"], &WriteOptions::new()).unwrap();
    let err = writer.write(&record, &[json!(1)]).unwrap_err();
    assert!(matches!(
        err,
        Error::ValueCount {
            expected: 2,
            found: 1,
            ..
        }
    ));
}

#[test]
fn the_output_format_can_be_named_explicitly() {
    let (dir, path) = file("in.csv", "text\na\n");
    let output = dir.path().join("out.data");
    let reader = Reader::open(&path, &ReadOptions::new()).unwrap();
    let err = Writer::create(&output, reader.columns(), &[], &WriteOptions::new()).unwrap_err();
    assert_eq!(err.code(), "dataset.unknown_format");
    let options = WriteOptions::new().format(Format::JsonLines);
    let mut writer = Writer::create(&output, reader.columns(), &[], &options).unwrap();
    for record in reader {
        writer.write(&record.unwrap(), &[]).unwrap();
    }
    writer.finish().unwrap();
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        "{\"text\":\"a\"}\n"
    );
}

#[test]
fn a_new_jsonl_field_replaces_a_key_of_the_same_name_in_a_later_line() {
    let (dir, path) = file("in.jsonl", "{\"a\": 1}\n{\"a\": 2, \"score\": \"old\"}\n");
    let output = dir.path().join("out.jsonl");
    annotate(&path, &output, &["score"], |_| vec![json!(0.5)]);
    let text = std::fs::read_to_string(&output).unwrap();
    assert_eq!(text, "{\"a\":1,\"score\":0.5}\n{\"a\":2,\"score\":0.5}\n");
}
