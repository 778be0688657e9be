//! The review use cases as every edge (web page, API, command line) uses
//! them: who may review a decision, the rules an override must pass, and the
//! erasure of a reviewer's reason; the ledger verifies at the end.

use std::path::Path;
use std::sync::Arc;

use civic_app::overrides::Correction;
use civic_app::triage::TrainRequest;
use civic_app::{App, AppError};
use civic_core::{DecisionStatus, KeyId, Principal, ReviewAction, Role};
use serde_json::json;

use crate::support::config;

/// An instance with a small routing model, trained from demo messages.
async fn instance(dir: &Path) -> App {
    civic_app::init(&config(dir)).await.expect("init");
    let app = App::open(config(dir)).await.expect("open");
    let data = dir.join("contacts.jsonl");
    let lines: Vec<String> = civic_triage::demo::generate(7, 600)
        .into_iter()
        .map(|m| json!({"text": m.text, "team": m.label, "urgent": m.urgent}).to_string())
        .collect();
    std::fs::write(&data, lines.join("\n")).expect("write");
    let trained = app
        .train_triage(
            TrainRequest {
                data,
                text_column: "text".into(),
                label_column: "team".into(),
                urgent_column: Some("urgent".into()),
                name: "council-triage".into(),
                holdout: 0.2,
                seed: 1,
                strict: true,
                include_overrides: false,
            },
            &"operator:test"
                .parse::<civic_core::Principal>()
                .expect("operator"),
            Arc::new(|_| {}),
        )
        .await
        .expect("train");
    assert!(trained.version.active);
    app
}

fn person() -> Principal {
    Principal::from(KeyId::new())
}

/// The field an error names, for an error that names one.
fn field_of(e: &AppError) -> Option<&'static str> {
    match e {
        AppError::Unprocessable { field, .. } | AppError::Invalid { field, .. } => Some(field),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_safeguarding_message_is_reviewed_under_the_rules_and_its_reason_can_be_erased() {
    let dir = tempfile::tempdir().expect("dir");
    let app = instance(dir.path()).await;
    let (caller, other, reviewer, admin) = (person(), person(), person(), person());

    let triaged = app
        .triage(
            "council-triage",
            "My neighbour is threatening to hurt himself",
            None,
            caller.clone(),
        )
        .await
        .expect("triage");
    let decision = triaged.decision;
    assert_eq!(decision.status, DecisionStatus::NeedsReview);
    assert_eq!(decision.output["urgent"], true, "{}", decision.output);

    // Another caseworker may not settle it; the caller or a reviewer may.
    let refused = app
        .review_as(
            decision.id,
            ReviewAction::Accept,
            other.clone(),
            Role::Caseworker,
        )
        .await
        .expect_err("not theirs");
    assert!(matches!(refused, AppError::Forbidden(_)), "{refused:?}");
    assert!(App::may_review(&decision, &caller, Role::Caseworker));
    assert!(App::may_review(&decision, &other, Role::Reviewer));

    // The override rules, each naming its field.
    let team = decision.output["team"].as_str().expect("team").to_owned();
    let other_team = if team == "parking" {
        "waste_collection"
    } else {
        "parking"
    };
    let cases = [
        (json!({"team": "no_such_team"}), "Wrong team", "", "output"),
        (
            json!({"team": other_team}),
            "Because I said so",
            "",
            "reason",
        ),
        (json!({"team": other_team}), "Other", "", "details"),
        (json!("parking"), "Wrong team", "", "output"),
        (decision.output.clone(), "Wrong team", "", "output"),
        (
            json!({"team": other_team, "priority": 1}),
            "Wrong team",
            "",
            "output",
        ),
    ];
    for (output, reason, details, field) in cases {
        let correction = Correction {
            output: output.clone(),
            reason: reason.into(),
            details: details.into(),
        };
        let err = app
            .check_override(&decision, correction)
            .await
            .expect_err("refused");
        assert_eq!(field_of(&err), Some(field), "{output} / {reason}: {err}");
    }

    // A good override, by a reviewer, with details that are personal.
    let action = app
        .check_override(
            &decision,
            Correction {
                output: json!({"team": other_team, "urgent": true}),
                reason: "Other".into(),
                details: "spoke to Mrs Okafor, it is her son".into(),
            },
        )
        .await
        .expect("a valid override");
    let review = app
        .review_as(decision.id, action, reviewer.clone(), Role::Reviewer)
        .await
        .expect("review");
    let (now, reviews) = app
        .decision_with_reviews(decision.id)
        .await
        .expect("decision");
    assert_eq!(now.status, DecisionStatus::Reviewed);
    assert_eq!(reviews.len(), 1);
    assert!(
        format!("{reviews:?}").contains("Okafor"),
        "kept until erased"
    );
    // Settled once: a second review is refused.
    assert!(
        app.review_as(decision.id, ReviewAction::Accept, caller, Role::Caseworker)
            .await
            .is_err()
    );

    // Erasing the reason: administrators only, and it says why.
    let refused = app
        .redact_reason(review.id, "SAR-2026-0042", reviewer, Role::Reviewer)
        .await
        .expect_err("admins only");
    assert!(matches!(refused, AppError::Forbidden(_)), "{refused:?}");
    let err = app
        .redact_reason(review.id, "  ", admin.clone(), Role::Admin)
        .await
        .expect_err("no why");
    assert_eq!(field_of(&err), Some("why"));
    app.redact_reason(review.id, "SAR-2026-0042", admin, Role::Admin)
        .await
        .expect("redacted");
    let (_, reviews) = app
        .decision_with_reviews(decision.id)
        .await
        .expect("decision");
    assert!(!format!("{reviews:?}").contains("Okafor"), "{reviews:?}");

    let outcome = app.verify_ledger(&|_| {}).await.expect("verify ran");
    assert!(outcome.is_ok(), "{outcome:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_safeguarding_concern_is_referred_to_a_team_and_the_referral_is_in_the_ledger() {
    let dir = tempfile::tempdir().expect("dir");
    let app = instance(dir.path()).await;
    let reviewer = person();
    let triaged = app
        .triage(
            "council-triage",
            "My partner hits me and I need somewhere safe to stay",
            None,
            person(),
        )
        .await
        .expect("triage");
    let decision = triaged.decision;
    assert_eq!(decision.output["urgent"], true, "{}", decision.output);

    // Only a safeguarding team is accepted, and the error names the field.
    for bad in ["", "   ", "no such team", "parking"] {
        let err = app.check_referral(bad).expect_err("refused");
        assert_eq!(field_of(&err), Some("team"), "{bad:?}: {err}");
    }
    let teams = app.config().safeguarding.referral_teams();
    let team = teams[1].clone();
    let action = app
        .check_referral(&format!("  {team} "))
        .expect("a known team");
    assert_eq!(action.name(), "refer");
    app.review_as(decision.id, action, reviewer, Role::Reviewer)
        .await
        .expect("referred");

    let (now, reviews) = app
        .decision_with_reviews(decision.id)
        .await
        .expect("decision");
    assert_eq!(now.status, DecisionStatus::Reviewed);
    match &reviews[0].action {
        ReviewAction::Refer { team: t } => assert_eq!(t.as_str(), team),
        other => panic!("not a referral: {other:?}"),
    }
    // The ledger entry names the team (configured text, no personal data),
    // and the ledger verifies with it.
    let entry = String::from_utf8(reviews[0].ledger_event().to_bytes()).expect("utf-8");
    assert!(
        entry.contains(&format!("\"referred_to\":{}", json!(team))),
        "{entry}"
    );
    assert!(entry.contains("\"action\":\"refer\""), "{entry}");
    let outcome = app.verify_ledger(&|_| {}).await.expect("verify ran");
    assert!(outcome.is_ok(), "{outcome:?}");
}

/// Models and keys are named by one rule (`civic_core::check_name`): 1 to
/// 100 characters once trimmed, counted in characters, with no control
/// characters; a bad name is refused on the field `name` before anything is
/// written.
#[tokio::test(flavor = "multi_thread")]
async fn models_and_keys_are_named_by_one_rule() {
    let dir = tempfile::tempdir().expect("dir");
    let app = instance(dir.path()).await;
    for bad in ["   ", "case\u{0}system", "two\nlines", &"k".repeat(101)] {
        let e = app
            .create_key(bad, Role::Caseworker, person())
            .await
            .expect_err("a bad key name");
        assert_eq!(field_of(&e), Some("name"), "{bad:?}: {e}");
    }
    // 100 two-byte letters are 100 characters.
    let made = app
        .create_key(
            &format!("  {}  ", "é".repeat(100)),
            Role::Caseworker,
            person(),
        )
        .await
        .expect("100 characters");
    assert_eq!(made.key.name, "é".repeat(100));
    let data = dir.path().join("contacts.jsonl");
    let train = |name: &str| TrainRequest {
        data: data.clone(),
        text_column: "text".into(),
        label_column: "team".into(),
        urgent_column: Some("urgent".into()),
        name: name.into(),
        holdout: 0.2,
        seed: 1,
        strict: true,
        include_overrides: false,
    };
    let operator = "operator:test"
        .parse::<civic_core::Principal>()
        .expect("operator");
    let e = app
        .train_triage(train("tab\there"), &operator, Arc::new(|_| {}))
        .await
        .expect_err("a bad model name");
    assert_eq!(field_of(&e), Some("name"), "{e}");
    assert!(e.to_string().contains("control characters"), "{e}");
    app.shutdown().await.expect("shutdown");
}
