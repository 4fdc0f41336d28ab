//! Memory and parsing figures of issue 10's targets, printed rather than
//! asserted (they depend on the machine). Run them one at a time:
//!
//! ```sh
//! cargo test --release --test memory -- --ignored --nocapture --test-threads 1
//! ```

use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Runs `pollscope ARGS` and returns its peak resident memory, bytes: the
/// child's `VmHWM` (the high-water mark of its own address space, which
/// only grows), read every few milliseconds until it exits. (`wait4`'s
/// `ru_maxrss` would include the test process's own peak, inherited
/// across fork and exec.)
fn peak_rss(args: &[&str]) -> u64 {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pollscope"))
        .args(args)
        .stdout(std::process::Stdio::null())
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
            peak = peak.max(kib * 1024);
        }
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "pollscope {args:?} failed");
            return peak;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn out(dir: &Path) -> String {
    dir.join("r").to_str().unwrap().to_string()
}

#[test]
#[ignore = "prints a figure; run with --ignored"]
fn three_thousand_spawned_futures_of_one_sample() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("many.toml");
    std::fs::write(
        &config,
        "name = \"many\"\n[runtime]\nworkers = 2\n[defaults]\nsamples = 1\n[[future]]\nname = \"task\"\nplacement = \"spawn\"\ncost = \"10us\"\ncount = 3000\n",
    )
    .unwrap();
    let rss = peak_rss(&[
        "run",
        "--config",
        config.to_str().unwrap(),
        "--quiet",
        "--no-plots",
        "--out",
        &out(dir.path()),
    ]);
    println!(
        "3,000 spawned futures of one sample: peak RSS {} (target ≤ 150 MB)",
        mb(rss)
    );
}

#[test]
#[ignore = "prints a figure; run with --ignored"]
fn a_150_run_matrix_of_small_runs() {
    let dir = tempfile::tempdir().unwrap();
    let rss = peak_rss(&[
        "run",
        "two_futures",
        "--samples",
        "20",
        "--repeat",
        "150",
        "--quiet",
        "--no-plots",
        "--out",
        &out(dir.path()),
    ]);
    println!(
        "150 runs of two_futures --samples 20: peak RSS {} (target ≤ 60 MB)",
        mb(rss)
    );
}

#[test]
#[ignore = "prints a figure; run with --ignored"]
fn bytes_per_recorded_event() {
    let dir = tempfile::tempdir().unwrap();
    let base = [
        "run",
        "two_futures",
        "--workers",
        "1",
        "--light-cost",
        "1us",
        "--quiet",
        "--no-plots",
        "--out",
    ];
    let mut small = base.to_vec();
    let o = out(dir.path());
    small.extend([o.as_str(), "--samples", "10"]);
    let mut large = base.to_vec();
    large.extend([o.as_str(), "--samples", "500000"]);
    let (small, large) = (peak_rss(&small), peak_rss(&large));
    // Two futures: a poll and a sample per step, and the final poll.
    let events = 2 * (500_000 + 500_001) - 2 * (10 + 11);
    println!(
        "two_futures at 500,000 samples: peak RSS {} ({} at 10 samples): {:.1} bytes per recorded event (target ≤ 50)",
        mb(large),
        mb(small),
        large.saturating_sub(small) as f64 / events as f64
    );
}

#[test]
#[ignore = "prints a figure; run with --ignored"]
fn a_toml_of_100_000_futures_parses_quickly() {
    let mut toml = String::from("name = \"wide\"\n[runtime]\nworkers = 2\n");
    for i in 0..100_000 {
        toml.push_str(&format!(
            "[[future]]\nname = \"f{i}\"\nplacement = \"spawn\"\ncost = \"10us\"\n"
        ));
    }
    let started = Instant::now();
    let scenario = pollscope::parse_experiment(Path::new("wide.toml"), &toml).unwrap();
    let elapsed = started.elapsed();
    assert_eq!(scenario.futures.len(), 100_000);
    println!("100,000 futures in one TOML: parsed and validated in {elapsed:.2?} (target ≤ 1 s)");
    let started = Instant::now();
    let one_entry = "name = \"wide\"\n[[future]]\nname = \"f\"\nplacement = \"spawn\"\ncost = \"10us\"\ncount = 100000\n";
    let scenario = pollscope::parse_experiment(Path::new("count.toml"), one_entry).unwrap();
    assert_eq!(scenario.futures.len(), 100_000);
    println!(
        "count = 100000: parsed and validated in {:.2?}",
        started.elapsed()
    );
}
