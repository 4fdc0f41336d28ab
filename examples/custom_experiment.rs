//! A custom experiment built in code instead of TOML: three light tickers
//! share the runtime with four 1 ms crunchers, on one and on two workers.
//!
//!     cargo run --release --example custom_experiment
//!     open results/custom_experiment/index.html

use std::time::Duration;

use pollscope::{FutureSpec, Origin, Placement, RuntimeSpec, Scenario};
use pollscope::{Pictures, publish};
use pollscope::{ResultFolder, RunResult};

fn main() -> Result<(), pollscope::Error> {
    let tickers = (1..=3).map(|i| {
        FutureSpec::new(
            format!("ticker{i}"),
            Placement::Inline,
            Duration::from_micros(100),
        )
    });
    let crunchers = (1..=4).map(|i| {
        FutureSpec::new(
            format!("crunch{i}"),
            Placement::Spawn,
            Duration::from_millis(1),
        )
    });
    let scenario = Scenario {
        name: "tickers_vs_crunchers".into(),
        description: "three light tickers beside four 1 ms crunchers".into(),
        // Built in code, like an experiment file: not judged by the post's claims.
        origin: Origin::File,
        runtime: RuntimeSpec::default(),
        cost_kind: Default::default(), // cpu
        samples: 200,
        // Knobs of the built-in scenarios only.
        light_cost: None,
        heavy_cost: None,
        tasks: None,
        futures: tickers.chain(crunchers).collect(),
        // Your own claim, judged into findings.csv and by `pollscope check`.
        claims: vec!["ticker* sched_delay p99 < 50ms".parse()?],
    };

    // The same engine as `pollscope run`: one fresh runtime per run.
    let mut results = Vec::new();
    for workers in [1, 2] {
        let mut run = scenario.clone();
        run.runtime.workers = Some(workers);
        results.push(RunResult::new(pollscope::run(&run, 0)?));
    }

    for r in &results {
        let a = &r.analysis;
        let ticker = a
            .future("ticker1")
            .and_then(|f| f.completed_ns)
            .unwrap_or(0);
        println!(
            "{}: makespan {:.1} ms, ticker1 done at {:.1} ms, efficiency {:.2}",
            r.trace.info.run_id,
            a.makespan_ns as f64 / 1e6,
            ticker as f64 / 1e6,
            a.efficiency.unwrap_or(0.0)
        );
    }
    let published = publish(
        ResultFolder::create("results/custom_experiment")?,
        &results,
        Pictures::Yes,
    )?;
    println!("report: {}", published.dir.join("index.html").display());
    Ok(())
}
