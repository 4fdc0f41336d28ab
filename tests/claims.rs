//! Your own claims: declared in code or in a TOML experiment, written to
//! claims.csv, judged into findings.csv, and `pollscope check` as a CI
//! gate (exit 0 / 1 / 2 / 3).

mod common;

use std::path::{Path, PathBuf};

use common::{Table, pollscope, pollscope_ok, run_small, set_column};
use pollscope::{MeasureOptions, Pictures, Probed, UserClaim};

/// Two repeats of three handlers (each yielding 5 times and sampling 2 ms)
/// under `claims`, marked undisturbed (this machine may be busy).
fn measured(dir: &Path, claims: &[&str]) -> PathBuf {
    let mut options = MeasureOptions::new("svc")
        .repeats(2)
        .workers(2)
        .out(dir.join("svc"))
        .pictures(Pictures::No);
    for claim in claims {
        options = options.claim(claim.parse::<UserClaim>().unwrap());
    }
    let published = pollscope::measure(&options, |repeat| async move {
        let tasks: Vec<_> = (1..=3)
            .map(|i| {
                tokio::spawn(
                    async {
                        for _ in 0..5 {
                            pollscope::sample(2000.0);
                            tokio::task::yield_now().await;
                        }
                    }
                    .probed(&repeat, format!("handler{i}")),
                )
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    })
    .unwrap();
    set_column(&published.dir.join("runs.csv"), "disturbed", "0");
    published.dir
}

fn check(dir: &Path, format: &str) -> std::process::Output {
    pollscope(&["check", dir.to_str().unwrap(), "--format", format])
}

#[test]
fn claims_on_both_sides_of_their_bound_decide_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    // Sample values are 2 ms each: below 3 ms holds, below 1 ms does not.
    let holds = measured(
        &dir.path().join("a"),
        &["handler* value p99 < 3ms", "handler2 value p50 > 1ms"],
    );
    let out = check(&holds, "json");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = doc["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 4); // 2 claims × 2 repeats
    assert_eq!(rows[0]["claim"], "user.handler*.value.p99");
    assert_eq!(rows[0]["run_id"], "svc-r0");
    assert!(rows.iter().all(|r| r["verdict"] == "holds"));
    assert_eq!(doc["counts"]["holds"], 4);
    assert_eq!(doc["exit_code"], 0);

    let fails = measured(&dir.path().join("b"), &["handler* value p99 < 1ms"]);
    let out = check(&fails, "text");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("DOES_NOT_HOLD"), "{text}");
    assert!(
        text.contains("value p99 is 2.00ms, not below 1ms"),
        "{text}"
    );
    // The same verdicts went to findings.csv.
    let findings = Table::read(&fails.join("findings.csv"));
    let user: Vec<_> = findings
        .rows
        .iter()
        .filter(|r| r["claim"] == "user.handler*.value.p99")
        .collect();
    assert_eq!(user.len(), 2);
    assert!(user.iter().all(|r| r["verdict"] == "does_not_hold"));
    let md = std::fs::read_to_string(fails.join("findings.md")).unwrap();
    assert!(md.contains("user.handler*.value.p99"), "{md}");
}

#[test]
fn a_disturbed_run_or_a_missing_future_is_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let folder = measured(dir.path(), &["nobody busy < 1s"]);
    assert_eq!(check(&folder, "text").status.code(), Some(3));
    let folder = measured(&dir.path().join("d"), &["handler* value p99 < 1ms"]);
    // A disturbed run decides nothing: its failing claim is inconclusive.
    set_column(&folder.join("runs.csv"), "disturbed", "1");
    set_column(&folder.join("runs.csv"), "steal_pct", "20");
    let out = check(&folder, "markdown");
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stdout).contains("| inconclusive |"));
}

#[test]
fn check_without_user_claims_or_folder_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let folder = measured(dir.path(), &[]);
    assert!(!folder.join("claims.csv").exists());
    let out = check(&folder, "text");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no user claims") && stderr.lines().count() == 1,
        "{stderr}"
    );
    assert_eq!(
        check(&dir.path().join("missing"), "text").status.code(),
        Some(2)
    );
}

#[test]
fn plot_keeps_the_claims_and_their_findings() {
    let dir = tempfile::tempdir().unwrap();
    let folder = measured(dir.path(), &["handler1 poll_duration p99 < 10s"]);
    pollscope_ok(&["plot", folder.to_str().unwrap(), "--quiet"]);
    let claims = Table::read(&folder.join("claims.csv"));
    assert_eq!(claims.rows.len(), 2);
    assert_eq!(claims.rows[0]["limit"], "10000000000");
    let findings = Table::read(&folder.join("findings.csv"));
    assert_eq!(findings.rows.len(), 2);
}

#[test]
fn a_toml_experiment_declares_claims() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("claims.toml");
    std::fs::write(
        &file,
        r#"
name = "claimed"
[[future]]
name = "tick"
placement = "inline"
cost = "10us"
count = 2
[[claim]]
future = "tick*"
metric = "poll_duration"
percentile = 99
below = "10s"
[[claim]]
future = "tick1"
metric = "migrations"
below = 1000
"#,
    )
    .unwrap();
    let folder = run_small(dir.path(), &["--config", file.to_str().unwrap()]);
    set_column(&folder.join("runs.csv"), "disturbed", "0");
    let claims = Table::read(&folder.join("claims.csv"));
    let ids: Vec<&str> = claims.rows.iter().map(|r| r["claim"].as_str()).collect();
    assert_eq!(
        ids,
        ["user.tick*.poll_duration.p99", "user.tick1.migrations"]
    );
    let out = check(&folder, "text");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // A claim without a bound, or a percentile on a sum, is a located error.
    for (bad, says) in [
        ("future = \"tick\"\nmetric = \"busy\"\n", "below"),
        (
            "future = \"tick\"\nmetric = \"busy\"\npercentile = 99\nbelow = \"1ms\"\n",
            "without a percentile",
        ),
        (
            "future = \"tick\"\nmetric = \"speed\"\nbelow = \"1ms\"\n",
            "speed",
        ),
    ] {
        let text = format!(
            "name = \"bad\"\n[[future]]\nname = \"tick\"\nplacement = \"inline\"\ncost = \"10us\"\n[[claim]]\n{bad}"
        );
        let error = pollscope::parse_experiment(Path::new("bad.toml"), &text).unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("bad.toml:") && message.contains(says),
            "{message}"
        );
    }
}

#[test]
fn two_claims_with_one_id_are_bad_input() {
    let text = "name = \"twice\"\n[[future]]\nname = \"tick\"\nplacement = \"inline\"\ncost = \"10us\"\n\
                [[claim]]\nfuture = \"tick\"\nmetric = \"busy\"\nbelow = \"1s\"\n\
                [[claim]]\nfuture = \"tick\"\nmetric = \"busy\"\nbelow = \"2s\"\n";
    let scenario = pollscope::parse_experiment(Path::new("twice.toml"), text);
    let message = match scenario.and_then(|s| s.validate().map(|()| s)) {
        Ok(_) => panic!("two claims with one id accepted"),
        Err(e) => e.to_string(),
    };
    assert!(message.contains("`user.tick.busy`"), "{message}");
}
