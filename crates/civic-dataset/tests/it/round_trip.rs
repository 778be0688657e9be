//! Property: whatever text a CSV or JSON Lines file holds, writing it and
//! reading it back gives the same values, and line numbers count the
//! line ends inside quoted fields.

use civic_dataset::{ReadOptions, Reader, WriteOptions, Writer};
use proptest::prelude::*;
use serde_json::json;

fn cell() -> impl Strategy<Value = String> {
    // Weighted towards the characters that CSV must quote.
    prop::collection::vec(
        prop_oneof![
            3 => Just(",".to_owned()),
            3 => Just("\"".to_owned()),
            3 => Just("\n".to_owned()),
            1 => Just("\r\n".to_owned()),
            5 => "[a-z ]{0,3}",
            2 => any::<char>().prop_map(String::from),
        ],
        0..6,
    )
    .prop_map(|parts| parts.concat())
}

fn rows() -> impl Strategy<Value = Vec<Vec<String>>> {
    (1usize..4)
        .prop_flat_map(|width| prop::collection::vec(prop::collection::vec(cell(), width), 1..8))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn written_values_read_back_unchanged(rows in rows(), jsonl in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let width = rows[0].len();
        let columns: Vec<String> = (0..width).map(|i| format!("c{i}")).collect();
        let extension = if jsonl { "jsonl" } else { "csv" };

        // Write the rows as new columns of an otherwise empty record set.
        let seed = dir.path().join(format!("seed.{extension}"));
        let seed_text = if jsonl {
            "{\"row\": 0}\n".repeat(rows.len())
        } else {
            format!("row\n{}", "0\n".repeat(rows.len()))
        };
        std::fs::write(&seed, seed_text).unwrap();
        let reader = Reader::open(&seed, &ReadOptions::new()).unwrap();
        let out = dir.path().join(format!("out.{extension}"));
        let new: Vec<&str> = columns.iter().map(String::as_str).collect();
        let mut writer = Writer::create(&out, reader.columns(), &new, &WriteOptions::new()).unwrap();
        for (record, row) in reader.zip(&rows) {
            let values: Vec<_> = row.iter().map(|v| json!(v)).collect();
            writer.write(&record.unwrap(), &values).unwrap();
        }
        writer.finish().unwrap();

        let read: Vec<_> = Reader::open(&out, &ReadOptions::new())
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        prop_assert_eq!(read.len(), rows.len());
        let mut expected_line = if jsonl { 1 } else { 2 };
        for (record, row) in read.iter().zip(&rows) {
            prop_assert_eq!(record.line(), expected_line);
            for (column, value) in columns.iter().zip(row) {
                let got = record.get_str(column).unwrap_or_default();
                prop_assert_eq!(got.as_ref(), value.as_str());
            }
            // A line ends at "\n", "\r\n" or a lone "\r", inside a quoted
            // field as anywhere else.
            let line_ends = row
                .iter()
                .map(|v| {
                    let lone_cr = v
                        .match_indices('\r')
                        .filter(|(i, _)| !v[i + 1..].starts_with('\n'))
                        .count();
                    (v.matches('\n').count() + lone_cr) as u64
                })
                .sum::<u64>();
            expected_line += 1 + if jsonl { 0 } else { line_ends };
        }
    }
}
