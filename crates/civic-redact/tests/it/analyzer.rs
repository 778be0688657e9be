//! The analyzer as a whole: configuration, keep lists, overlaps, offsets.

use civic_redact::{Analyzer, AnalyzerConfig, KeepReason, Label, char_offsets};

const LETTER: &str = "Dear Ms Priya Patel,\nYour NI number AB123456C and NHS number 943 476 5919 are on file. \
Officer: Cllr Dan Jones, Leeds City Council, 1 Calverley Street, Leeds LS1 1UR.";

#[test]
fn sar_keep_list_protects_the_requesters_own_data_only() {
    let config = AnalyzerConfig {
        keep: vec!["Priya Patel".into(), "AB 12 34 56 C".into()],
        ..AnalyzerConfig::default()
    };
    let analysis = Analyzer::new(config).analyze_with_kept(LETTER);
    let kept: Vec<_> = analysis
        .kept
        .iter()
        .map(|(d, r)| (d.value(LETTER), *r))
        .collect();
    assert_eq!(
        kept,
        vec![
            ("Priya Patel", KeepReason::Keep),
            ("AB123456C", KeepReason::Keep)
        ]
    );
    let labels: Vec<Label> = analysis.detections.iter().map(|d| d.label).collect();
    assert!(labels.contains(&Label::NhsNumber) && labels.contains(&Label::Person));
}

#[test]
fn do_not_redact_list_protects_officers_and_the_councils_address() {
    let config = AnalyzerConfig {
        do_not_redact: vec![
            "Dan Jones".into(),
            "1 Calverley Street, Leeds".into(),
            "LS1 1UR".into(),
        ],
        ..AnalyzerConfig::default()
    };
    let analysis = Analyzer::new(config).analyze_with_kept(LETTER);
    let values: Vec<&str> = analysis
        .detections
        .iter()
        .map(|d| d.value(LETTER))
        .collect();
    assert!(
        !values
            .iter()
            .any(|v| v.contains("Jones") || v.contains("Calverley") || v.contains("LS1"))
    );
    assert!(
        analysis
            .kept
            .iter()
            .all(|(_, r)| *r == KeepReason::DoNotRedact)
    );
    assert_eq!(analysis.kept.len(), 3);
}

#[test]
fn disabled_labels_are_not_reported_and_organisation_is_opt_in() {
    let only_nhs = AnalyzerConfig {
        labels: [Label::NhsNumber].into(),
        ..AnalyzerConfig::default()
    };
    let found = Analyzer::new(only_nhs).analyze(LETTER);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].label, Label::NhsNumber);

    let default = Analyzer::default().analyze(LETTER);
    assert!(default.iter().all(|d| d.label != Label::Organisation));
    let mut with_orgs = AnalyzerConfig::default();
    with_orgs.labels.insert(Label::Organisation);
    let found = Analyzer::new(with_orgs).analyze(LETTER);
    let orgs: Vec<_> = found
        .iter()
        .filter(|d| d.label == Label::Organisation)
        .map(|d| d.value(LETTER))
        .collect();
    assert_eq!(orgs, vec!["Leeds City Council"]);
}

#[test]
fn detections_are_sorted_disjoint_and_deterministic() {
    let analyzer = Analyzer::default();
    let a = analyzer.analyze(LETTER);
    let b = analyzer.analyze(LETTER);
    assert_eq!(a, b);
    for pair in a.windows(2) {
        assert!(pair[0].end <= pair[1].start, "{pair:?}");
    }
    assert!(a.iter().all(|d| !d.evidence.pattern.is_empty()));
}

#[test]
fn code_point_offsets_count_characters_not_bytes() {
    let text = "Zoë’s NHS number is 943 476 5919 — ok";
    let found = Analyzer::default().analyze(text);
    let nhs = found
        .iter()
        .position(|d| d.label == Label::NhsNumber)
        .unwrap();
    let (s, e) = char_offsets(text, &found)[nhs];
    let chars: Vec<char> = text.chars().collect();
    assert_eq!(chars[s..e].iter().collect::<String>(), "943 476 5919");
}

#[test]
fn analyzer_can_be_shared_across_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Analyzer>();
    shared::<civic_redact::PseudonymTable>();
}

#[test]
fn streaming_in_pieces_finds_what_whole_text_analysis_finds() {
    let para = "Spoke to Sarah Thompson at 12 Oak Road,\nLeeds LS6 2AB. NHS number 943 476 5919, \
mobile 07911 123456. Café visit on Zoë’s birthday.\n\n";
    let text = para.repeat(200);
    let analyzer = Analyzer::default();
    let whole: Vec<(usize, usize, Label)> = analyzer
        .analyze(&text)
        .iter()
        .map(|d| (d.start, d.end, d.label))
        .collect();
    let mut streamed = Vec::new();
    let mut rebuilt = String::new();
    for chunk in analyzer.analyze_stream(text.as_bytes(), 1500) {
        let chunk = chunk.unwrap();
        assert!(chunk.text.len() <= 1500);
        assert_eq!(chunk.offset, rebuilt.len());
        streamed.extend(
            chunk
                .detections
                .iter()
                .map(|d| (d.start + chunk.offset, d.end + chunk.offset, d.label)),
        );
        rebuilt.push_str(&chunk.text);
    }
    assert_eq!(rebuilt, text);
    assert_eq!(streamed, whole);
}

#[test]
fn streaming_reports_invalid_utf8_with_its_offset_in_the_whole_input() {
    let mut bytes = "ok text\n".repeat(300).into_bytes();
    bytes.push(0xff);
    bytes.extend_from_slice(b" more");
    let analyzer = Analyzer::default();
    let results: Vec<_> = analyzer.analyze_stream(&bytes[..], 1024).collect();
    let err = results.into_iter().find_map(Result::err).unwrap();
    assert!(
        matches!(err, civic_redact::RedactError::InvalidUtf8 { offset: 2400 }),
        "{err:?}"
    );
}
