use crate::support::{civic, init, stdout, tempdir};

#[test]
fn init_creates_a_private_key_file_and_prints_an_admin_token_once() {
    let (_tmp, dir) = tempdir();
    let token = init(&dir, None);
    assert!(token.starts_with("civic_"));
    let key = dir.join("ledger.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key)
            .expect("key file")
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "the signing key is readable by its owner only"
        );
    }
    assert!(dir.join("ledger.pub").exists());
    assert!(dir.join("civic.db").exists());
    // A second init changes nothing and prints no token.
    let again = civic(&dir, None, &["init"]);
    assert!(again.status.success());
    assert!(!stdout(&again).contains("civic_"));
}

#[test]
fn keys_are_created_listed_and_revoked_from_the_command_line() {
    let (_tmp, dir) = tempdir();
    init(&dir, None);
    let made = civic(
        &dir,
        None,
        &[
            "key",
            "create",
            "--role",
            "auditor",
            "--name",
            "internal-audit",
        ],
    );
    assert!(made.status.success());
    let text = stdout(&made);
    let id = text.split_whitespace().nth(3).expect("id").to_owned();
    assert!(stdout(&civic(&dir, None, &["key", "list"])).contains("internal-audit"));
    let revoked = civic(&dir, None, &["key", "revoke", &id]);
    assert!(
        revoked.status.success(),
        "{}",
        String::from_utf8_lossy(&revoked.stderr)
    );
    assert!(stdout(&civic(&dir, None, &["key", "list"])).contains("revoked"));
    let bad = civic(
        &dir,
        None,
        &["key", "create", "--role", "root", "--name", "x"],
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("caseworker, reviewer, admin, auditor"));
}

#[test]
fn a_bad_setting_in_civic_toml_is_named() {
    let (_tmp, dir) = tempdir();
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("civic.toml"), "checkpoint_every = 0\n").expect("write");
    let out = civic(&dir, None, &["init"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("checkpoint_every"));
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["key", "create", "--help"],
        vec!["audit", "verify", "--help"],
        vec!["audit", "check-proof", "--help"],
    ] {
        let out = std::process::Command::new(crate::support::CIVIC)
            .args(&args)
            .output()
            .expect("run");
        assert!(out.status.success(), "{args:?}");
        assert!(stdout(&out).contains("Usage"), "{args:?}");
    }
}

#[test]
fn a_triage_model_is_trained_from_a_csv_registered_and_activated() {
    let (tmp, dir) = tempdir();
    init(&dir, None);
    let data = tmp.path().join("contacts.csv");
    let mut csv = String::from("message,team\n");
    for m in civic_triage::demo::generate(3, 400) {
        csv.push_str(&format!(
            "\"{}\",{}\n",
            m.text.replace('"', "\"\""),
            m.label
        ));
    }
    csv.push_str(",waste\n"); // an empty message is skipped and counted, not fatal
    std::fs::write(&data, csv).expect("write");
    let out = civic(
        &dir,
        None,
        &[
            "triage",
            "train",
            "--data",
            data.to_str().expect("p"),
            "--text-column",
            "message",
            "--label-column",
            "team",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    assert!(
        text.contains("macro") && text.contains("council-triage version 1"),
        "{text}"
    );
    let again = civic(
        &dir,
        None,
        &[
            "triage",
            "train",
            "--data",
            data.to_str().expect("p"),
            "--text-column",
            "message",
            "--label-column",
            "team",
        ],
    );
    assert!(again.status.success());
    let list = stdout(&civic(&dir, None, &["model", "list"]));
    assert_eq!(
        list.lines()
            .filter(|l| l.contains("council-triage"))
            .count(),
        2,
        "{list}"
    );
    let activate = civic(&dir, None, &["model", "activate", "council-triage", "1"]);
    assert!(activate.status.success());
    assert!(stdout(&activate).contains("version 1 is now active"));

    // Batch prediction keeps every column and adds the suggestion.
    let out_file = tmp.path().join("routed.csv");
    let predicted = civic(
        &dir,
        None,
        &[
            "triage",
            "predict",
            data.to_str().expect("p"),
            "--text-column",
            "message",
            "--output",
            out_file.to_str().expect("p"),
        ],
    );
    assert!(
        predicted.status.success(),
        "{}",
        String::from_utf8_lossy(&predicted.stderr)
    );
    let routed = std::fs::read_to_string(&out_file).expect("output");
    assert!(
        routed.starts_with(
            "message,team,predicted,confidence,urgent,needs_review,top_terms,safeguarding_level,safeguarding"
        ),
        "{}",
        routed.lines().next().unwrap_or_default()
    );
    let rows = civic_dataset::read_all(&out_file, &civic_dataset::ReadOptions::new())
        .expect("read output");
    assert_eq!(rows.records.len(), 401, "every input row is kept");
    assert!(
        rows.records
            .iter()
            .all(|r| r.get_str("predicted").is_some())
    );
    let refused = civic(
        &dir,
        None,
        &[
            "triage",
            "predict",
            data.to_str().expect("p"),
            "--text-column",
            "message",
            "--output",
            out_file.to_str().expect("p"),
        ],
    );
    assert!(
        !refused.status.success(),
        "an existing output is not overwritten without --overwrite"
    );
    let explained = civic(
        &dir,
        None,
        &[
            "triage",
            "explain",
            "--model",
            "council-triage@2",
            "there is a huge pothole on the high street",
        ],
    );
    assert!(
        explained.status.success(),
        "{}",
        String::from_utf8_lossy(&explained.stderr)
    );
    let text = stdout(&explained);
    assert!(
        text.contains("Suggested team") && text.contains("Words for"),
        "{text}"
    );

    // Evaluation reports the metrics and writes the SVG reports.
    let reports = tmp.path().join("reports");
    let eval = civic(
        &dir,
        None,
        &[
            "triage",
            "eval",
            "--data",
            data.to_str().expect("p"),
            "--text-column",
            "message",
            "--label-column",
            "team",
            "--report-dir",
            reports.to_str().expect("p"),
        ],
    );
    assert!(
        eval.status.success(),
        "{}",
        String::from_utf8_lossy(&eval.stderr)
    );
    assert!(stdout(&eval).contains("macro"), "{}", stdout(&eval));
    for f in ["report.json", "confusion-matrix.svg", "reliability.svg"] {
        let text = std::fs::read_to_string(reports.join(f)).expect("report file");
        assert!(!text.is_empty(), "{f}");
    }
    assert!(
        std::fs::read_to_string(reports.join("confusion-matrix.svg"))
            .expect("svg")
            .starts_with("<svg")
    );

    // A missing column is named, with the columns found.
    let bad = civic(
        &dir,
        None,
        &[
            "triage",
            "train",
            "--data",
            data.to_str().expect("p"),
            "--text-column",
            "body",
        ],
    );
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("body") && err.contains("message"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_demo_trains_a_model_prints_keys_and_queues_messages_once() {
    let (_tmp, dir) = tempdir();
    let (server, printed) = crate::support::Server::start_with(&dir, None, &["--demo"]);
    assert!(printed.contains("synthetic"), "{printed}");
    assert!(
        printed.contains("trained triage model council-triage version 1"),
        "{printed}"
    );
    assert!(
        printed.contains("routed 300 synthetic messages"),
        "{printed}"
    );
    // A web sign-in for each role, with its generated password.
    for role in ["caseworker", "reviewer", "admin", "auditor"] {
        let line = printed
            .lines()
            .find(|l| l.contains(&format!("{role}@demo.civic.local")))
            .unwrap_or_else(|| panic!("no {role} sign-in in {printed}"));
        assert_eq!(line.split_whitespace().count(), 3, "{line}");
    }
    assert!(
        printed.contains("trained risk model claims-risk version 1 on 5000 synthetic claims"),
        "{printed}"
    );
    let flagged: u64 = printed
        .lines()
        .find_map(|l| l.trim().strip_prefix("scored 200 synthetic claims; "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("the number of flagged claims is printed");
    assert!(flagged > 0 && flagged < 200, "{printed}");
    let caseworker = printed
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("caseworker")
                .map(|t| t.trim().to_owned())
        })
        .expect("a caseworker key is printed");
    let res = reqwest::Client::new()
        .post(server.url("/triage"))
        .bearer_auth(&caseworker)
        .json(&serde_json::json!({"text": "Someone has dumped a mattress and bin bags in the alley behind the shops"}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 200);
    let claim = serde_json::json!({
        "claim_amount": 880.5, "household_size": 3, "changes_of_circumstance_12m": 2,
        "days_since_last_claim": 40, "channel": "phone", "region": "london",
        "employment_status": "self_employed", "bank_details_changed": true,
        "previous_overpayment": false, "preferred_language": "english"
    });
    let res = reqwest::Client::new()
        .post(server.url("/risk/score"))
        .bearer_auth(&caseworker)
        .json(&serde_json::json!({"model": "claims-risk", "record": claim}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    // Messages are kept (30 days unless configured), so reviewers read them.
    assert!(
        printed.contains("messages and explanations are kept for 30 days"),
        "{printed}"
    );
    let password = printed
        .lines()
        .find_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            match words.as_slice() {
                ["reviewer", "reviewer@demo.civic.local", password] => Some(*password),
                _ => None,
            }
        })
        .expect("the reviewer's password is printed")
        .to_owned();
    let page = reviewer_opens_first_waiting_item(&server.base, &password).await;
    assert!(
        page.contains("id=\"message\""),
        "the message is shown: {page}"
    );
    server.stop();
    // A restart keeps the data and does not create new keys or messages.
    let (server, printed) = crate::support::Server::start_with(&dir, None, &["--demo"]);
    assert!(printed.contains("were printed when"), "{printed}");
    server.stop();
}

/// Signs in to the web interface as the demo reviewer, opens the queue and
/// returns the page of its first (oldest) item.
async fn reviewer_opens_first_waiting_item(base: &str, password: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let cookie_of = |res: &reqwest::Response, name: &str| {
        res.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|c| c.to_str().ok())
            .find_map(|c| c.strip_prefix(&format!("{name}=")))
            .and_then(|c| c.split(';').next())
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("no {name} cookie"))
    };
    let value_after = |page: &str, marker: &str| {
        let start = page.find(marker).expect("marker") + marker.len();
        let end = page[start..].find('"').expect("quote") + start;
        page[start..end].to_owned()
    };
    let res = client
        .get(format!("{base}/sign-in"))
        .send()
        .await
        .expect("send");
    let sign_in_cookie = cookie_of(&res, "civic_sign_in");
    let csrf = value_after(&res.text().await.expect("page"), "name=\"csrf\" value=\"");
    let res = client
        .post(format!("{base}/sign-in"))
        .header("cookie", format!("civic_sign_in={sign_in_cookie}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "reviewer@demo.civic.local"),
            ("password", password),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 303);
    let session = format!("civic_session={}", cookie_of(&res, "civic_session"));
    let queue = client
        .get(format!("{base}/queue"))
        .header("cookie", &session)
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("page");
    let item = value_after(&queue, "href=\"/review/");
    client
        .get(format!("{base}/review/{item}"))
        .header("cookie", &session)
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("page")
}

#[test]
fn redact_detect_writes_code_point_spans_for_each_document() {
    let (tmp, dir) = tempdir();
    let input = tmp.path().join("docs.jsonl");
    std::fs::write(
        &input,
        concat!(
            "{\"id\": 1, \"text\": \"Café note: contact jane.doe@example.org or 07700 900123.\"}\n",
            "{\"id\": \"b\", \"text\": \"Nothing personal here.\"}\n",
        ),
    )
    .expect("write");
    let output = tmp.path().join("spans.jsonl");
    let out = civic(
        &dir,
        None,
        &[
            "redact",
            "detect",
            input.to_str().expect("p"),
            "--output",
            output.to_str().expect("p"),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&output)
        .expect("output")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["id"], 1);
    let spans = lines[0]["spans"].as_array().expect("spans");
    let email = spans
        .iter()
        .find(|s| s["label"] == "EMAIL")
        .expect("an EMAIL span");
    // "Café" has a two-byte é: code-point offsets, not byte offsets.
    let text: Vec<char> = "Café note: contact jane.doe@example.org or 07700 900123."
        .chars()
        .collect();
    let (start, end) = (
        email["start"].as_u64().expect("s") as usize,
        email["end"].as_u64().expect("e") as usize,
    );
    assert_eq!(
        text[start..end].iter().collect::<String>(),
        "jane.doe@example.org"
    );
    assert_eq!(lines[1]["spans"], serde_json::json!([]));
    // An existing output is not replaced; a bad label is named.
    let again = civic(
        &dir,
        None,
        &[
            "redact",
            "detect",
            input.to_str().expect("p"),
            "--output",
            output.to_str().expect("p"),
        ],
    );
    assert!(!again.status.success());
    let bad = civic(
        &dir,
        None,
        &[
            "redact",
            "detect",
            input.to_str().expect("p"),
            "-o",
            "x.jsonl",
            "--labels",
            "SHOE_SIZE",
        ],
    );
    assert!(String::from_utf8_lossy(&bad.stderr).contains("SHOE_SIZE"));
}

#[test]
fn user_add_prints_a_generated_password_once_and_refuses_a_second_account() {
    let (_tmp, dir) = tempdir();
    crate::support::init(&dir, None);
    let out = civic(
        &dir,
        None,
        &["user", "add", "--role", "reviewer", "Jo@Example.gov.uk"],
    );
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("Added reviewer jo@example.gov.uk"), "{text}");
    let password = text
        .lines()
        .skip_while(|l| !l.starts_with("Password"))
        .nth(1)
        .map(|l| l.trim().to_owned())
        .expect("a password line");
    assert_eq!(password.len(), 20, "{text}");

    let again = civic(
        &dir,
        None,
        &["user", "add", "--role", "admin", "jo@example.gov.uk"],
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already a user"));
    let bad = civic(
        &dir,
        None,
        &["user", "add", "--role", "boss", "x@example.gov.uk"],
    );
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a role"));

    let reset = civic(&dir, None, &["user", "reset-password", "jo@example.gov.uk"]);
    let text = stdout(&reset);
    assert!(
        reset.status.success() && text.contains("sessions have ended"),
        "{text}"
    );
    let list = stdout(&civic(&dir, None, &["user", "list"]));
    assert!(
        list.contains("jo@example.gov.uk") && list.contains("reviewer"),
        "{list}"
    );
}
