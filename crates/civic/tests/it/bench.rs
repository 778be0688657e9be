use crate::support::{civic, stdout, tempdir};

#[test]
fn the_web_bench_seeds_an_instance_and_times_every_page() {
    let (_tmp, dir) = tempdir();
    let out = civic(
        &dir,
        None,
        &[
            "bench",
            "web",
            "--entries",
            "400",
            "--clients",
            "8",
            "--requests",
            "3",
        ],
    );
    let text = stdout(&out);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("400 ledger entries, 40 items waiting for review"),
        "{text}"
    );
    for page in [
        "overview",
        "queue, first page",
        "queue, page after 36 items (keyset cursor)",
        "queue filtered by service triage",
        "queue filtered by team",
        "review item",
    ] {
        assert!(text.contains(page), "no timing for {page:?} in:\n{text}");
    }
}
