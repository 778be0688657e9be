//! `civic triage train --include-overrides`: reviewers' corrections become
//! training examples while their messages are retained.

use serde_json::json;

use crate::support::{Server, civic, init, record, stdout, tempdir};

/// Overrides decision `id` through the API with `team` as the right team.
async fn override_to(server: &Server, token: &str, id: &str, team: &str) {
    let res = reqwest::Client::new()
        .post(server.url(&format!("/decisions/{id}/review")))
        .bearer_auth(token)
        .json(&json!({"action": "override", "output": {"team": team}, "reason": "Wrong team"}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
}

#[tokio::test(flavor = "multi_thread")]
async fn training_adds_retained_corrections_and_counts_the_ones_it_cannot_use() {
    let (tmp, dir) = tempdir();
    let admin = init(&dir, None);
    let client = reqwest::Client::new();
    let messages = civic_triage::demo::generate(5, 400);
    let team = messages[0].label.clone();

    // Without retention the message is gone: only its digest is kept.
    let server = Server::start(&dir, None);
    let gone = record(&client, &server.base, &admin, 1)
        .await
        .expect("record");
    override_to(&server, &admin, &gone, &team).await;
    server.stop();

    // With retention the message stays beside the decision.
    let (server, _) = Server::start_with(&dir, None, &["--input-retention-days", "1"]);
    let kept = record(&client, &server.base, &admin, 2)
        .await
        .expect("record");
    override_to(&server, &admin, &kept, &team).await;
    let accepted = record(&client, &server.base, &admin, 3)
        .await
        .expect("record");
    let res = client
        .post(server.url(&format!("/decisions/{accepted}/review")))
        .bearer_auth(&admin)
        .json(&json!({"action": "accept"}))
        .send()
        .await
        .expect("send");
    assert_eq!(
        res.status(),
        201,
        "an accepted suggestion is not a correction"
    );
    server.stop();

    let data = tmp.path().join("contacts.jsonl");
    let lines: Vec<String> = messages
        .iter()
        .map(|m| json!({"text": m.text, "label": m.label}).to_string())
        .collect();
    std::fs::write(&data, lines.join("\n")).expect("write");
    let data = data.to_str().expect("utf-8 path");

    let out = civic(
        &dir,
        None,
        &["triage", "train", "--data", data, "--include-overrides"],
    );
    let text = stdout(&out);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(
            "Reviewers' corrections: 1 added; 1 skipped (message no longer retained); 0 skipped"
        ),
        "{text}"
    );
    assert!(text.contains("council-triage version 1"), "{text}");

    // Without the flag, corrections are not read at all.
    let out = civic(&dir, None, &["triage", "train", "--data", data]);
    assert!(out.status.success());
    assert!(!stdout(&out).contains("Reviewers' corrections"));
}
