//! criterion benches of your own async code that also track its scheduling:
//! [`bench_async`] times the workload with criterion, then measures it with
//! [`measure`](crate::measure()) into `target/pollscope/<bench>/`, a result
//! folder that `pollscope compare`, `check`, `plot` and `history add` read.
//! Needs the `criterion` feature.

use std::future::Future;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::common::names::check_name;
use crate::error::{Error, Result};
use crate::publish::Published;
use crate::run::executor::tokio_builder;
use crate::session::{MeasureOptions, Repeat, measure};

/// The folder a bench named `bench` writes: `$CARGO_TARGET_DIR` (else
/// `target`, relative to the package, where `cargo bench` runs benches)
/// `/pollscope/<bench>`.
pub fn folder_of(bench: &str) -> PathBuf {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    target.join("pollscope").join(bench)
}

/// Benchmarks `workload` as criterion's `bench` (each iteration one
/// `block_on` of it on a runtime of `options.runtime`, recording nothing:
/// a probed future costs one check per poll), then runs it
/// `options.repeats` times under [`measure`] into [`folder_of`]`(bench)`,
/// with `options`' claims. `bench` names the folder, so it must be a safe
/// name (1–64 characters of `A-Z a-z 0-9 _ . -`): bad input otherwise.
///
/// ```no_run
/// use criterion::Criterion;
/// use pollscope::{MeasureOptions, Probed};
///
/// fn echo(c: &mut Criterion) {
///     let options = MeasureOptions::new("echo").repeats(5).workers(2);
///     pollscope::criterion::bench_async(c, "echo", options, |repeat| async move {
///         let handler = tokio::spawn(async { tokio::task::yield_now().await }.probed(&repeat, "handler"));
///         handler.await.unwrap();
///     })
///     .unwrap();
/// }
/// ```
pub fn bench_async<W, Fut>(
    c: &mut ::criterion::Criterion,
    bench: &str,
    options: MeasureOptions,
    mut workload: W,
) -> Result<Published>
where
    W: FnMut(Repeat) -> Fut,
    Fut: Future<Output = ()>,
{
    check_name("bench name", bench)?;
    let runtime = tokio_builder(&options.runtime)
        .build()
        .map_err(|e| Error::bad_input(format!("bench `{bench}`: cannot build its runtime: {e}")))?;
    let quiet = Repeat::unrecorded()?;
    c.bench_function(bench, |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let run = workload(quiet.clone());
                let start = Instant::now();
                runtime.block_on(run);
                total += start.elapsed();
            }
            total
        });
    });
    drop(runtime);
    let options = options.out(folder_of(bench));
    measure(&options, &mut workload)
}
