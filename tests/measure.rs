//! `pollscope::measure`: repeats of a user's workload become one result
//! folder that `plot`, `compare` and `history` accept; `publish` refuses
//! two runs of one id.

mod common;

use std::path::{Path, PathBuf};

use common::{Table, pollscope, pollscope_ok, set_column};
use pollscope::{MeasureOptions, Pictures, Probed, ResultFolder, Session};

/// Three repeats of a small ticker + handler workload into `dir/name`,
/// marked undisturbed (this machine may be busy).
fn measured(dir: &Path, name: &str) -> PathBuf {
    let options = MeasureOptions::new("service")
        .repeats(3)
        .workers(2)
        .out(dir.join(name))
        .pictures(Pictures::No);
    let published = pollscope::measure(&options, |repeat| async move {
        let handlers: Vec<_> = (0..3)
            .map(|i| {
                tokio::spawn(
                    async move {
                        for k in 0..10 {
                            pollscope::sample(f64::from(k * 1000 + i));
                            tokio::task::yield_now().await;
                        }
                    }
                    .probed(&repeat, format!("handler{i}")),
                )
            })
            .collect();
        for h in handlers {
            h.await.unwrap();
        }
    })
    .unwrap();
    set_column(&published.dir.join("runs.csv"), "disturbed", "0");
    published.dir
}

#[test]
fn measure_writes_one_folder_of_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let folder = measured(dir.path(), "a");
    let runs = Table::read(&folder.join("runs.csv"));
    let ids: Vec<&str> = runs.rows.iter().map(|r| r["run_id"].as_str()).collect();
    assert_eq!(ids, ["service-r0", "service-r1", "service-r2"]);
    assert!(runs.rows.iter().all(|r| r["scenario"] == "service"));
    let futures = Table::read(&folder.join("futures.csv"));
    assert_eq!(futures.rows.len(), 9);
    let results = pollscope::load_results(&folder).unwrap();
    // tokio's metrics of each repeat's own two workers.
    assert!(
        results
            .iter()
            .all(|r| r.trace.info.metrics.tokio_workers.len() == 2)
    );
}

#[test]
fn compare_plot_and_history_accept_measured_folders() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (measured(dir.path(), "a"), measured(dir.path(), "b"));
    let out = pollscope(&[
        "compare",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let code = out.status.code().unwrap();
    assert!([0, 1, 3].contains(&code), "{code}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = doc["rows"].as_array().unwrap();
    assert!(!rows.is_empty());
    let known = ["regressed", "improved", "same", "unknown", "disturbed"];
    for row in rows {
        assert!(known.contains(&row["verdict"].as_str().unwrap()), "{row}");
        assert_eq!(row["base_values"].as_array().unwrap().len(), 3, "{row}");
    }
    // The samples' values are judged too.
    assert!(
        rows.iter()
            .any(|r| r["metric"].as_str().unwrap() == "handler0 value p99")
    );
    assert_eq!(doc["exit_code"], code);
    pollscope_ok(&["plot", a.to_str().unwrap()]);
    assert!(a.join("index.html").exists());
    let db = dir.path().join("history.sqlite");
    pollscope_ok(&[
        "history",
        "add",
        a.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
        "--commit",
        "abc",
    ]);
}

#[test]
fn measure_refuses_zero_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let options = MeasureOptions::new("none")
        .repeats(0)
        .out(dir.path().join("none"));
    let error = pollscope::measure(&options, |_| async {}).unwrap_err();
    assert_eq!(error.exit_code(), 2);
    assert!(!dir.path().join("none").exists());
}

#[test]
fn publish_refuses_two_runs_of_one_id() {
    let dir = tempfile::tempdir().unwrap();
    let results: Vec<_> = (0..2)
        .map(|_| {
            let session = Session::start("my_service").unwrap();
            futures::executor::block_on(session.instrument("work", async {}));
            session.finish().unwrap()
        })
        .collect();
    let out = dir.path().join("out");
    let error = pollscope::publish(ResultFolder::create(&out).unwrap(), &results, Pictures::No)
        .unwrap_err();
    let message = error.to_string();
    assert_eq!(error.exit_code(), 2);
    assert!(
        message.contains("`my_service`") && !message.contains('\n'),
        "{message}"
    );
    assert!(!out.exists());
}
