//! Memory bounds of issue 10's targets, on the child process's peak
//! resident memory. Each bound is structural (a generous allowance per
//! future, per run or per recorded event over a minimal run of the same
//! shape) or the issue's absolute target, several times above what runs
//! use, so they hold on any machine however busy: memory does not depend
//! on timing. The figures are printed too:
//!
//! ```sh
//! cargo test --release --test memory -- --nocapture --test-threads 1
//! ```
//!
//! The parsing figure (a TOML of 100,000 futures) is a criterion bench:
//! `cargo bench --bench experiment`.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::process::Command;

use pollscope::{Poll, Sample};

const MB: u64 = 1_000_000;
const KIB: u64 = 1024;

/// Runs `pollscope ARGS` and returns its peak resident memory, bytes: the
/// child's `VmHWM` (the high-water mark of its own address space, which
/// only grows), read every few milliseconds until it exits. (`wait4`'s
/// `ru_maxrss` would include the test process's own peak, inherited
/// across fork and exec.)
/// Its stderr (warnings about a noisy machine) is kept for the message of
/// a failure.
fn peak_rss(args: &[&str]) -> u64 {
    let mut stderr = tempfile::tempfile().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(stderr.try_clone().unwrap())
        .spawn()
        .expect("the binary runs");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status_file)
            && let Some(kib) = text
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        {
            peak = peak.max(kib * KIB);
        }
        if let Some(status) = child.try_wait().unwrap() {
            let mut text = String::new();
            stderr.seek(SeekFrom::Start(0)).unwrap();
            stderr.read_to_string(&mut text).unwrap();
            assert!(status.success(), "pollscope {args:?} failed: {text}");
            assert!(peak > 0, "pollscope {args:?}: no VmHWM read");
            return peak;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// A fresh output folder under `dir`.
fn out(dir: &Path, name: &str) -> String {
    dir.join(name).to_str().unwrap().to_string()
}

/// Peak RSS of `pollscope run` of the experiment of `count` spawned futures
/// of one sample each, on 2 workers.
fn spawned_futures_of_one_sample(dir: &Path, count: usize) -> u64 {
    let config = dir.join(format!("many{count}.toml"));
    std::fs::write(
        &config,
        format!(
            "name = \"many\"\n[runtime]\nworkers = 2\n[defaults]\nsamples = 1\n[[future]]\nname = \"task\"\nplacement = \"spawn\"\ncost = \"10us\"\ncount = {count}\n"
        ),
    )
    .unwrap();
    peak_rss(&[
        "run",
        "--config",
        config.to_str().unwrap(),
        "--quiet",
        "--no-plots",
        "--out",
        &out(dir, &format!("r{count}")),
    ])
}

#[test]
fn three_thousand_spawned_futures_of_one_sample() {
    let dir = tempfile::tempdir().unwrap();
    let one = spawned_futures_of_one_sample(dir.path(), 1);
    let many = spawned_futures_of_one_sample(dir.path(), 3000);
    let per_future = many.saturating_sub(one) / 3000;
    println!(
        "3,000 spawned futures of one sample: peak RSS {} ({} for one): {per_future} bytes per future (target ≤ 150 MB)",
        mb(many),
        mb(one)
    );
    // A future of one sample is a task, its name, two polls and a sample
    // (about 2 KiB in all here); 16 KiB each is far beyond that.
    assert!(
        per_future <= 16 * KIB,
        "{per_future} bytes per spawned future of one sample"
    );
    assert!(
        many <= 150 * MB,
        "peak RSS {}: the target is 150 MB",
        mb(many)
    );
}

fn matrix_of_small_runs(dir: &Path, repeat: usize) -> u64 {
    peak_rss(&[
        "run",
        "two_futures",
        "--workers",
        "2",
        "--samples",
        "20",
        "--repeat",
        &repeat.to_string(),
        "--quiet",
        "--no-plots",
        "--out",
        &out(dir, &format!("r{repeat}")),
    ])
}

#[test]
fn a_150_run_matrix_of_small_runs() {
    let dir = tempfile::tempdir().unwrap();
    let one = matrix_of_small_runs(dir.path(), 1);
    let many = matrix_of_small_runs(dir.path(), 150);
    let per_run = many.saturating_sub(one) / 149;
    println!(
        "150 runs of two_futures --samples 20: peak RSS {} ({} for one run): {per_run} bytes per further run (target ≤ 60 MB)",
        mb(many),
        mb(one)
    );
    // A run of 2 × 20 samples keeps about 15 KiB here (its records,
    // analysis and findings); each runtime is dropped before the next.
    assert!(per_run <= 64 * KIB, "{per_run} bytes per further run");
    assert!(
        many <= 60 * MB,
        "peak RSS {}: the target is 60 MB",
        mb(many)
    );
}

#[test]
fn bytes_per_recorded_event() {
    let dir = tempfile::tempdir().unwrap();
    let run = |samples: u64| {
        peak_rss(&[
            "run",
            "two_futures",
            "--workers",
            "1",
            "--light-cost",
            "1us",
            "--quiet",
            "--no-plots",
            "--samples",
            &samples.to_string(),
            "--out",
            &out(dir.path(), &format!("r{samples}")),
        ])
    };
    let (few, many) = (10, 50_000);
    let (small, large) = (run(few), run(many));
    // Two futures: a poll and a sample per step, and the final poll.
    let events = 2 * (2 * many + 1) - 2 * (2 * few + 1);
    let per_event = large.saturating_sub(small) as f64 / events as f64;
    println!(
        "two_futures at {many} samples: peak RSS {} ({} at {few} samples): {per_event:.1} bytes per recorded event (target ≤ 50)",
        mb(large),
        mb(small),
    );
    // Every event is one record of 40 bytes (a `Poll` or a `Sample`, the
    // size of the probe's records), kept until the run is written. Four
    // records' worth per event leaves room for a buffer's growth (up to 3×
    // while it is copied to twice its size) and the analysis's sorted
    // durations; a per-event string or a second full copy kept alive would
    // not fit.
    let record = std::mem::size_of::<Poll>().max(std::mem::size_of::<Sample>()) as f64;
    assert_eq!(
        record, 40.0,
        "the records' size changed: revisit this bound"
    );
    assert!(large > small, "the records take memory");
    assert!(
        per_event <= 4.0 * record,
        "{per_event:.1} bytes per recorded event, over 4 records of {record} bytes"
    );
}
