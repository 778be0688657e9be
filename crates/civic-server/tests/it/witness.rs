//! Witnesses: a real witness server on a free port and Civic instances
//! configured to send it their checkpoints. Consistent checkpoints are
//! cosigned, a rewritten history with the same key is refused, and
//! `check-proof` can require the cosignatures.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use civic_app::witness::{Witness, WitnessConfig, init_witness_key};
use civic_app::{App, Config, Overrides};
use civic_core::{DecisionStatus, Digest, ModelRef, NewDecision, Role, Service};
use civic_ledger::CosignatureVerifier;
use serde_json::{Value, json};

const WITNESS_NAME: &str = "witness.test/w1";

fn overrides(dir: &Path) -> Overrides {
    Overrides {
        data_dir: Some(dir.to_owned()),
        quality_sample_rate: Some(0.0),
        ..Overrides::default()
    }
}

fn decision(n: u64) -> NewDecision {
    let input = json!({ "household": n });
    NewDecision {
        service: Service::parse("eligibility").expect("service"),
        model: ModelRef {
            name: "fsm-rules".into(),
            version: "1".into(),
        },
        input_digest: Digest::of_json(&input),
        input: None,
        output: json!({ "eligible": n.is_multiple_of(2) }),
        explanation: json!({}),
        confidence: None,
        status: DecisionStatus::Auto,
        queue: civic_core::QueueFacts::default(),
        requested_by: civic_core::Principal::Unqualified(uuid::Uuid::nil()),
        reference: None,
    }
}

/// A witness listening on a free port; returns its URL and public key.
async fn start_witness(dir: &Path, logs: &[&Path]) -> (String, CosignatureVerifier, PathBuf) {
    let key_file = dir.join("witness.key");
    let cosigner = init_witness_key(WITNESS_NAME, &key_file).expect("witness key");
    let mut toml = String::from("key_file = \"witness.key\"\nstate_file = \"state.json\"\n");
    for pub_file in logs {
        let key = std::fs::read_to_string(pub_file).expect("ledger.pub");
        toml.push_str(&format!("\n[[logs]]\nkey = \"{}\"\n", key.trim()));
    }
    let config_file = dir.join("witness.toml");
    std::fs::write(&config_file, toml).expect("write config");
    let config = WitnessConfig::load(&config_file).expect("witness config");
    let witness = Arc::new(Witness::open(&config).expect("witness"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(civic_server::witness::serve_witness(
        listener,
        witness,
        std::future::pending(),
    ));
    (url, cosigner.verifier(), dir.join("state.json"))
}

/// Sets up a data directory (its ledger key first, so a witness can be
/// told of it).
async fn init_instance(dir: &Path) -> PathBuf {
    let config = Config::load(overrides(dir)).expect("config");
    civic_app::init(&config).await.expect("init");
    config.ledger_public_key_file()
}

/// Opens the instance with the witness configured in its civic.toml.
async fn open_with_witness(dir: &Path, url: &str, key: &CosignatureVerifier) -> App {
    std::fs::write(
        dir.join("civic.toml"),
        format!(
            "[[witnesses]]\nname = \"{WITNESS_NAME}\"\nurl = \"{url}\"\nkey = \"{}\"\n",
            key.verifier_key()
        ),
    )
    .expect("civic.toml");
    let config = Config::load(overrides(dir)).expect("config with a witness");
    assert_eq!(config.witnesses.len(), 1);
    App::open(config).await.expect("open")
}

async fn record_and_sign(app: &App, numbers: std::ops::Range<u64>) -> Vec<civic_core::Decision> {
    let mut out = Vec::new();
    for n in numbers {
        out.push(app.record_decision(decision(n)).await.expect("record"));
    }
    app.checkpoint_now().await.expect("checkpoint");
    out
}

fn only_outcome(outcomes: Vec<civic_app::witnessing::WitnessOutcome>) -> Result<u64, String> {
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    assert_eq!(outcomes[0].witness, WITNESS_NAME);
    outcomes.into_iter().next().map(|o| o.result).expect("one")
}

#[tokio::test(flavor = "multi_thread")]
async fn consistent_checkpoints_are_cosigned_and_a_rewritten_history_is_refused() {
    let root = tempfile::tempdir().expect("dir");
    let (real, forged, wdir) = (
        root.path().join("real"),
        root.path().join("forged"),
        root.path().join("witness"),
    );
    std::fs::create_dir_all(&wdir).expect("dir");
    let ledger_pub = init_instance(&real).await;
    let (url, witness_key, state_file) = start_witness(&wdir, &[&ledger_pub]).await;
    let app = open_with_witness(&real, &url, &witness_key).await;

    // The first checkpoint, then a grown one (a consistency proof from 3).
    let decisions = record_and_sign(&app, 0..3).await;
    assert_eq!(
        only_outcome(app.witness_round().await.expect("round")),
        Ok(3)
    );
    record_and_sign(&app, 3..5).await;
    assert_eq!(
        only_outcome(app.witness_round().await.expect("round")),
        Ok(5)
    );
    // Nothing new: nothing sent, the cosignature is already kept.
    assert_eq!(
        only_outcome(app.witness_round().await.expect("round")),
        Ok(5)
    );
    // Each cosigned checkpoint, largest first, as the Audit page lists them.
    let cosigned = app.recently_cosigned(10);
    assert_eq!(
        cosigned.iter().map(|c| c.size).collect::<Vec<_>>(),
        vec![5, 3]
    );
    assert!(
        cosigned
            .iter()
            .all(|c| c.cosignatures.len() == 1 && c.cosignatures[0].witness == WITNESS_NAME),
        "{cosigned:?}"
    );
    assert_eq!(app.recently_cosigned(1).len(), 1);
    // An exported checkpoint carries its cosignatures and still reads as a
    // saved checkpoint for `verify --since`.
    let latest_cp = app.latest_checkpoint().await.expect("cp").expect("some");
    let exported = app.with_cosignatures(&latest_cp).expect("note");
    assert!(exported.contains(WITNESS_NAME), "{exported}");
    let saved_file = root.path().join("saved.checkpoint");
    std::fs::write(&saved_file, &exported).expect("write");
    let saved = app.read_saved_checkpoints(&saved_file).expect("reads");
    assert_eq!(saved[0].size, 5);
    let latest = app.latest_checkpoint().await.expect("cp").expect("some");
    let cosigned = app.cosignatures(latest.size, &latest.root);
    assert_eq!(cosigned.len(), 1);
    assert_eq!(cosigned[0].witness, WITNESS_NAME);
    let state = std::fs::read_to_string(&state_file).expect("state");
    assert!(state.contains("\"size\": 5"), "{state}");

    // A proof carries the cosignature; check-proof can require it.
    let bundle = app.proof(decisions[1].id).await.expect("proof");
    let log_key = std::fs::read_to_string(&ledger_pub).expect("pub");
    let (proof, names) = civic_app::audit::check_proof_witnessed(
        &bundle,
        Some(&log_key),
        std::slice::from_ref(&witness_key),
        1,
    )
    .expect("witnessed proof");
    assert_eq!(proof.checkpoint.size, 5);
    assert_eq!(names, [WITNESS_NAME]);
    let stranger = civic_ledger::Cosigner::generate("witness.test/w2", &mut rand::rngs::OsRng)
        .expect("key")
        .verifier();
    let two = [witness_key.clone(), stranger.clone()];
    let err = civic_app::audit::check_proof_witnessed(&bundle, Some(&log_key), &two, 2)
        .expect_err("only one of two cosigned");
    assert!(err.to_string().contains("1 of the witnesses"), "{err}");
    assert!(
        civic_app::audit::check_proof_witnessed(&bundle, Some(&log_key), &[stranger], 1).is_err(),
        "a witness that did not cosign"
    );
    // A cosignature line moved to another checkpoint does not count.
    let mut moved = bundle.clone();
    moved.checkpoint = moved.checkpoint.replacen("\n5\n", "\n4\n", 1);
    assert!(
        civic_app::audit::check_proof_witnessed(
            &moved,
            None,
            std::slice::from_ref(&witness_key),
            1
        )
        .is_err()
    );

    // The API lists each checkpoint's cosignatures.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(civic_server::serve(
        listener,
        civic_server::AppState::new(app.clone()),
        std::future::pending(),
    ));
    let token = app
        .create_key("auditor", Role::Auditor, civic_core::Principal::demo())
        .await
        .expect("key")
        .token;
    let list: Value = reqwest::Client::new()
        .get(format!("{base}/api/v1/audit/checkpoints"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    let checkpoints = list["checkpoints"].as_array().expect("list");
    let five = checkpoints
        .iter()
        .find(|c| c["tree_size"] == 5)
        .expect("checkpoint of 5");
    assert_eq!(five["cosignatures"][0]["witness"], WITNESS_NAME);
    assert!(
        five["note"]
            .as_str()
            .is_some_and(|n| n.contains(&format!("\u{2014} {WITNESS_NAME} "))),
        "{five}"
    );
    app.shutdown().await.expect("shutdown");

    // Another history signed with the same key: the witness, which saw 5
    // entries of the real one, refuses it.
    let forged_config = Config::load(overrides(&forged)).expect("config");
    std::fs::create_dir_all(&forged).expect("dir");
    std::fs::copy(real.join("ledger.key"), forged.join("ledger.key")).expect("key");
    std::fs::copy(&ledger_pub, forged_config.ledger_public_key_file()).expect("pub");
    civic_app::init(&forged_config).await.expect("init");
    let forged_app = open_with_witness(&forged, &url, &witness_key).await;
    record_and_sign(&forged_app, 100..107).await;
    let refused = only_outcome(forged_app.witness_round().await.expect("round"));
    let err = refused.expect_err("a fork is not cosigned");
    assert!(err.contains("422"), "{err}");
    let latest = forged_app
        .latest_checkpoint()
        .await
        .expect("cp")
        .expect("some");
    assert!(
        forged_app
            .cosignatures(latest.size, &latest.root)
            .is_empty()
    );
    let state = std::fs::read_to_string(&state_file).expect("state");
    assert!(
        state.contains("\"size\": 5"),
        "the witness kept the real: {state}"
    );
    forged_app.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_witness_answers_with_the_statuses_the_protocol_gives() {
    let root = tempfile::tempdir().expect("dir");
    let (real, wdir) = (root.path().join("real"), root.path().join("witness"));
    std::fs::create_dir_all(&wdir).expect("dir");
    let ledger_pub = init_instance(&real).await;
    let (url, _, _) = start_witness(&wdir, &[&ledger_pub]).await;
    let config = Config::load(overrides(&real)).expect("config");
    let app = App::open(config).await.expect("open");
    record_and_sign(&app, 0..2).await;
    let latest = app.latest_checkpoint().await.expect("cp").expect("some");
    let client = reqwest::Client::new();
    let post = |body: String| {
        client
            .post(format!("{url}/add-checkpoint"))
            .body(body)
            .send()
    };

    let res = post(format!("old 1\n\n{}", latest.note))
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 409);
    assert_eq!(
        res.headers()["content-type"].to_str().expect("type"),
        "text/x.tlog.size"
    );
    assert_eq!(res.text().await.expect("body"), "0\n");
    let res = post(format!("old 0\n\n{}", latest.note))
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 200);
    let line = res.text().await.expect("body");
    assert!(
        line.starts_with(&format!("\u{2014} {WITNESS_NAME} ")),
        "{line}"
    );

    for malformed in ["old zero\n\nnote\n", "old 5\n\nx\n"] {
        let res = post(malformed.into()).await.expect("send");
        assert_eq!(res.status().as_u16(), 400, "{malformed:?}");
    }
    let other = civic_ledger::LogSigner::generate("other.test/ledger", &mut rand::rngs::OsRng)
        .expect("key");
    let res = post(format!("old 0\n\n{}", other.sign(1, latest.root)))
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 404);
    let res = post(format!(
        "old 2\n\n{}",
        latest.note.replacen("\n2\n", "\n3\n", 1)
    ))
    .await
    .expect("send");
    assert_eq!(res.status().as_u16(), 403);
    let res = post(format!("old 0\n\n{}", "x".repeat(20_000)))
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 413);
    app.shutdown().await.expect("shutdown");
}
