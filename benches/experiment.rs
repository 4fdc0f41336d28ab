//! Reading a custom experiment: `parse_experiment/entries` parses and
//! validates a TOML of 100,000 `[[future]]` entries, and
//! `parse_experiment/count` one entry with `count = 100000` (the target:
//! ≤ 1 s each, with `cargo bench`). In test mode (`cargo test --benches`,
//! without `--bench`) the files hold 10,000 futures, so the check stays
//! quick in a debug build; every iteration checks the future count.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, SamplingMode};

fn entries(n: usize) -> String {
    let mut toml = String::from("name = \"wide\"\n[runtime]\nworkers = 2\n");
    for i in 0..n {
        toml.push_str(&format!(
            "[[future]]\nname = \"f{i}\"\nplacement = \"spawn\"\ncost = \"10us\"\n"
        ));
    }
    toml
}

fn count(n: usize) -> String {
    format!(
        "name = \"wide\"\n[[future]]\nname = \"f\"\nplacement = \"spawn\"\ncost = \"10us\"\ncount = {n}\n"
    )
}

fn bench_parse(c: &mut Criterion, n: usize) {
    let mut group = c.benchmark_group("parse_experiment");
    group.sampling_mode(SamplingMode::Flat);
    for (name, toml) in [("entries", entries(n)), ("count", count(n))] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let scenario =
                    pollscope::parse_experiment(Path::new("wide.toml"), black_box(&toml))
                        .expect("the experiment parses");
                assert_eq!(scenario.futures.len(), n, "{name}");
                scenario
            })
        });
    }
    group.finish();
}

fn main() {
    // `cargo test --benches` runs each bench once, without `--bench`.
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    bench_parse(&mut criterion, if benchmarking { 100_000 } else { 10_000 });
    criterion.final_summary();
}
