//! `pollscope run`: plan the matrix, run it, write the result folder.

use crate::analysis::RunResult;
use crate::error::{Error, Result};
use crate::export::ResultFolder;
use crate::publish::{Pictures, publish};
use crate::run::matrix::{Matrix, RunPlan, ScenarioSource};
use crate::run::resources::{
    available_memory, check_duration, check_estimate, check_files, check_memory, check_threads,
    disk_warning, free_disk,
};
use crate::run::{RunOptions, run_with};
use crate::scenario::JOURNEY;
use crate::scenario::{Executor, Flavor, JourneyParams, KNOBS, experiment};

use super::args::RunArgs;
use super::{progress, summary};

pub(crate) fn run(args: &RunArgs) -> Result<()> {
    let plans = plan(args)?;
    let db = record_db(args)?;
    let folder = ResultFolder::create(&args.out)?;
    let results = execute(&plans, args)?;
    // Without a thread CPU clock the costs are calibrated arithmetic alone:
    // measure the calibration again to see how far it drifted.
    let recalibrated = (crate::analysis::noise::uses_cpu_cost(&results)
        && crate::probe::thread_cpu_ns().is_none())
    .then(crate::run::cost::calibrate);
    let warnings = crate::analysis::noise::warnings(&results, recalibrated);
    let pictures = if args.no_plots {
        Pictures::No
    } else {
        Pictures::Yes
    };
    let published = publish(folder, &results, pictures)?;
    if !args.quiet {
        print!("{}", summary::table(&results, args.verbose));
        print!("{}", crate::export::summary_lines(&published.findings));
        println!("results: {}", published.dir.display());
    }
    for warning in &warnings {
        eprintln!("warning: {warning}");
    }
    if let Some(db) = db {
        record(args, &db, &published.dir)?;
    }
    Ok(())
}

/// With `--record`, the history database, checked before anything runs
/// (a file `history add` would refuse is refused here, untouched).
fn record_db(args: &RunArgs) -> Result<Option<std::path::PathBuf>> {
    let r = &args.record;
    if !r.record {
        let given = [
            ("--label", r.label.is_some()),
            ("--commit", r.commit.is_some()),
            ("--db", r.db.is_some()),
        ];
        return match given.iter().find(|(_, given)| *given) {
            Some((flag, _)) => Err(Error::bad_input(format!(
                "{flag} applies to the history: add --record"
            ))),
            None => Ok(None),
        };
    }
    let db = args
        .record
        .db
        .clone()
        .unwrap_or_else(|| crate::history::DEFAULT_DB.into());
    crate::history::check_db(&db)?;
    Ok(Some(db))
}

/// `--record`: adds the written folder to the history, as `history add`
/// does, and says so unless `--quiet`.
fn record(args: &RunArgs, db: &std::path::Path, dir: &std::path::Path) -> Result<()> {
    let options = crate::history::AddOptions {
        db,
        folders: &[dir.to_path_buf()],
        label: args.record.label.clone(),
        commit: args.record.commit.clone(),
    };
    let lines = crate::history::add(&options)?;
    if !args.quiet {
        for line in lines {
            println!("history {}: {line}", db.display());
        }
    }
    Ok(())
}

/// The matrix the options ask for, planned and checked against the
/// machine: bad input is refused here, before anything runs or is written.
fn plan(args: &RunArgs) -> Result<Vec<RunPlan>> {
    if !args.flavor.is_empty()
        && args.flavor.iter().all(|&f| f == Flavor::CurrentThread)
        && !args.workers.is_empty()
    {
        return Err(Error::bad_input(
            "--workers does not apply to --flavor current_thread, which runs everything on one thread: drop one of them",
        ));
    }
    let matrix = matrix(args);
    let names: Vec<&str> = if args.scenarios.is_empty() && args.config.is_none() {
        JOURNEY.to_vec()
    } else {
        args.scenarios.iter().map(String::as_str).collect()
    };
    for warning in repeated_options(args, &names) {
        eprintln!("warning: {warning}");
    }
    let mut sources = names
        .iter()
        .enumerate()
        .filter(|(i, name)| !names[..*i].contains(name))
        .map(|(_, name)| {
            ScenarioSource::builtin(name).ok_or_else(|| {
                Error::bad_input(format!("unknown scenario `{}`", crate::error::shown(name)))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    if let Some(path) = &args.config {
        sources.push(ScenarioSource::Custom(Box::new(experiment::load(path)?)));
    }
    if args.light_cost.is_some_and(|d| d.is_zero()) {
        zero_cost_only_for_services(&sources, &matrix.params)?;
    }
    let estimate = matrix.estimate(&sources);
    check_estimate(&estimate, available_memory())?;
    if let Some(warning) = disk_warning(&estimate, !args.no_plots, free_disk(&args.out)) {
        eprintln!("warning: {warning}");
    }
    let mut skipped = Vec::new();
    let plans = matrix.plan_reporting(&sources, &mut skipped)?;
    for note in &skipped {
        eprintln!("warning: {note}");
    }
    tokio_knobs_used(args, &sources, &plans)?;
    check_memory(plans.iter().map(|p| &p.scenario), available_memory())?;
    check_threads(plans.iter().map(|p| &p.scenario))?;
    check_duration(plans.iter().map(|p| &p.scenario))?;
    check_files(plans.iter().map(|p| &p.scenario))?;
    Ok(plans)
}

/// The matrix of the options.
fn matrix(args: &RunArgs) -> Matrix {
    let defaults = JourneyParams::default();
    Matrix {
        params: JourneyParams {
            samples: args.samples.unwrap_or(defaults.samples),
            light_cost: args.light_cost.unwrap_or(defaults.light_cost),
            heavy_cost: defaults.heavy_cost,
            tasks: args.tasks.unwrap_or(defaults.tasks),
            cost_kind: args.cost_kind.unwrap_or(defaults.cost_kind),
            task_threads: None,
        },
        heavy_costs: args.heavy_cost.clone(),
        executors: args.executor.clone(),
        flavors: args.flavor.clone(),
        workers: args.workers.clone(),
        knobs: args.tokio.values.clone(),
        max_blocking_threads: args.max_blocking_threads,
        repeat: args.repeat,
        custom_cost_kind: args.cost_kind,
        custom_samples: args.samples,
    }
}

/// One warning per list value given twice.
fn repeated_options(args: &RunArgs, names: &[&str]) -> Vec<String> {
    let knob_repeats = KNOBS
        .iter()
        .zip(&args.tokio.values)
        .flat_map(|(spec, values)| {
            repeated_values(&format!("--{}", spec.flag), values, |v| {
                v.describe(|&n| spec.knob.format_value(n))
            })
        });
    repeated_values("--workers", &args.workers, |w| w.describe(usize::to_string))
        .into_iter()
        .chain(repeated_values("--flavor", &args.flavor, |f| f.to_string()))
        .chain(repeated_values("--executor", &args.executor, |e| {
            e.to_string()
        }))
        .chain(knob_repeats)
        .chain(repeated_values("--heavy-cost", &args.heavy_cost, |d| {
            crate::common::duration::format_duration(*d)
        }))
        .chain(repeated_values("scenario", names, |n| n.to_string()))
        .collect()
}

/// Runs every plan, with a progress bar on a terminal.
fn execute(plans: &[RunPlan], args: &RunArgs) -> Result<Vec<RunResult>> {
    let bar = progress::bar(plans.len(), args.quiet);
    let mut results = Vec::with_capacity(plans.len());
    let options = RunOptions {
        poll_cpu_time: args.poll_cpu_time,
    };
    for plan in plans {
        bar.set_message(plan.run_id());
        results.push(RunResult::new(run_with(
            &plan.scenario,
            plan.repeat,
            options,
        )?));
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(results)
}

/// One line per value of `values` that repeats an earlier one (the matrix
/// runs each configuration once).
fn repeated_values<T: PartialEq>(
    what: &str,
    values: &[T],
    show: impl Fn(&T) -> String,
) -> Vec<String> {
    values
        .iter()
        .enumerate()
        .filter(|(i, v)| values[..*i].contains(v))
        .map(|(_, v)| format!("{what} `{}` is repeated; it runs once", show(v)))
        .collect()
}

/// `--light-cost 0` suits only service workloads (a pure echo): a built-in
/// whose producers would get no work is bad input naming the value.
fn zero_cost_only_for_services(sources: &[ScenarioSource], params: &JourneyParams) -> Result<()> {
    for source in sources {
        if let ScenarioSource::Builtin(builtin) = source {
            let scenario = (builtin.build)(params);
            if scenario
                .futures
                .iter()
                .any(|f| f.cost.is_zero() && !f.role.is_service())
            {
                return Err(Error::bad_input(format!(
                    "--light-cost 0: `{}` computes steps, which need a positive cost (0 suits the service workloads, e.g. a pure tcp_echo)",
                    builtin.name
                )));
            }
        }
    }
    Ok(())
}

/// tokio's options (from the command line or an experiment's `[runtime]`)
/// in a matrix with no tokio run would apply to nothing: bad input, as
/// `--workers` with current_thread is.
fn tokio_knobs_used(args: &RunArgs, sources: &[ScenarioSource], plans: &[RunPlan]) -> Result<()> {
    if plans
        .iter()
        .any(|p| p.scenario.runtime.executor == Executor::Tokio)
    {
        return Ok(());
    }
    let mbt = args
        .max_blocking_threads
        .map(|_| "--max-blocking-threads".to_string());
    if let Some(flag) = args.tokio.given().chain(mbt).next() {
        return Err(Error::bad_input(format!(
            "{flag} is tokio's and this matrix runs on smol only: drop it, or add tokio to --executor"
        )));
    }
    for source in sources {
        if let ScenarioSource::Custom(scenario) = source
            && (!scenario.runtime.tokio.is_default()
                || scenario.runtime.max_blocking_threads.is_some())
        {
            return Err(Error::bad_input(format!(
                "the experiment `{}` sets tokio's knobs in [runtime], and --executor runs it on smol only: add tokio to --executor, or remove them",
                scenario.name
            )));
        }
    }
    Ok(())
}
