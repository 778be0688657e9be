//! civic-app is the only door: the server and the CLI reach the store and
//! the ledger through its use cases, never directly. This test reads their
//! manifests, so that a dependency added back fails here with the crate's
//! name rather than slipping in unnoticed.

use std::path::Path;

/// The crates that are edges (they parse input and present output) and
/// the crates only civic-app may depend on.
const EDGES: [&str; 2] = ["civic-server", "civic"];
const BEHIND_THE_APP: [&str; 2] = ["civic-store", "civic-ledger"];

/// The names of the crates `manifest` depends on outside tests: its
/// `[dependencies]` and `[build-dependencies]`, also per target, by package
/// name (a renamed dependency counts under its real name).
fn non_test_dependencies(manifest: &str) -> Vec<String> {
    let doc: toml::Table = manifest.parse().expect("a manifest that parses");
    let targets = doc.get("target").and_then(toml::Value::as_table);
    let scopes = std::iter::once(&doc).chain(
        targets
            .into_iter()
            .flat_map(|t| t.values())
            .filter_map(toml::Value::as_table),
    );
    let tables = scopes.flat_map(|scope| {
        ["dependencies", "build-dependencies"]
            .into_iter()
            .filter_map(|key| scope.get(key).and_then(toml::Value::as_table))
    });
    let mut names = Vec::new();
    for deps in tables {
        for (name, spec) in deps {
            let package = spec.get("package").and_then(toml::Value::as_str);
            names.push(package.unwrap_or(name).to_owned());
        }
    }
    names
}

#[test]
fn the_server_and_the_cli_depend_on_neither_the_store_nor_the_ledger() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the crates folder");
    for edge in EDGES {
        let path = crates.join(edge).join("Cargo.toml");
        let manifest = std::fs::read_to_string(&path).expect("the edge's manifest");
        let deps = non_test_dependencies(&manifest);
        assert!(
            deps.iter().any(|d| d == "civic-app"),
            "{} no longer depends on civic-app: is it still an edge?",
            path.display()
        );
        for hidden in BEHIND_THE_APP {
            assert!(
                !deps.iter().any(|d| d == hidden),
                "{} depends on {hidden}: call a use case of civic-app instead \
                 (add one there if none fits); {hidden} may be a dev-dependency only",
                path.display()
            );
        }
    }
}

#[test]
fn the_check_sees_plain_renamed_and_per_target_dependencies() {
    let manifest = r#"
        [package]
        name = "edge"

        [dependencies]
        civic-app.workspace = true
        store = { package = "civic-store", workspace = true }

        [target.'cfg(unix)'.dependencies]
        civic-ledger = "1"

        [dev-dependencies]
        sqlx = "0.8"
    "#;
    let deps = non_test_dependencies(manifest);
    assert_eq!(deps, ["civic-app", "civic-store", "civic-ledger"]);
}
