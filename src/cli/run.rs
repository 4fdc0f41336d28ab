//! `pollscope run`: plan the matrix, run it, write the result folder.

use crate::analysis::RunResult;
use crate::error::{Error, Result};
use crate::export::{ResultFolder, ShardFile};
use crate::publish::{Pictures, publish};
use crate::run::matrix::{Matrix, RunPlan, ScenarioSource};
use crate::run::resources::{
    Estimate, available_memory, check_duration, check_estimate, check_files, check_memory,
    check_threads, disk_warning, free_disk,
};
use crate::run::{RunOptions, run_with};
use crate::scenario::JOURNEY;
use crate::scenario::{Executor, Flavor, JourneyParams, KNOBS, experiment};

use super::args::RunArgs;
use super::{progress, summary};

pub(crate) fn run(args: &RunArgs) -> Result<()> {
    let (plans, shard_file) = shard(args, plan(args)?)?;
    check_machine(args, &plans)?;
    let db = record_db(args)?;
    let folder = ResultFolder::create(&args.out)?;
    if let Some(file) = &shard_file {
        file.write(folder.path())?;
    }
    let mut results = execute(&plans, args)?;
    let stamp = db.as_ref().map(|_| stamp(args));
    if let Some((label, commit)) = &stamp {
        for result in &mut results {
            result.trace.info.label = Some(label.clone());
            result.trace.info.commit = Some(commit.clone());
        }
    }
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
        print!(
            "{}",
            summary::findings(&published.findings, &results, args.verbose)
        );
        println!("results: {}", published.dir.display());
        if let Some(file) = &shard_file {
            println!(
                "shard {}/{}: {} of the matrix's {} runs (join the shards with `pollscope merge`)",
                file.shards[0],
                file.of,
                file.runs.len(),
                file.matrix.len()
            );
        }
    }
    for warning in &warnings {
        eprintln!("warning: {warning}");
    }
    if let (Some(db), Some((label, commit))) = (db, stamp) {
        record(args, &db, &published.dir, label, commit)?;
    }
    Ok(())
}

/// With `--record`: the runs' label and commit, written into runs.csv and
/// given to the history (the commit defaults to `git rev-parse HEAD`, the
/// label to the commit).
fn stamp(args: &RunArgs) -> (String, String) {
    let commit = args
        .record
        .commit
        .clone()
        .unwrap_or_else(crate::history::current_commit);
    let label = args.record.label.clone().unwrap_or_else(|| commit.clone());
    (label, commit)
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
    crate::history::check_stamp(r.label.as_deref(), r.commit.as_deref())?;
    crate::history::check_db(&db)?;
    Ok(Some(db))
}

/// `--record`: adds the written folder to the history, as `history add`
/// does, and says so unless `--quiet`.
fn record(
    args: &RunArgs,
    db: &std::path::Path,
    dir: &std::path::Path,
    label: String,
    commit: String,
) -> Result<()> {
    let options = crate::history::AddOptions {
        db,
        folders: &[dir.to_path_buf()],
        label: Some(label),
        commit: Some(commit),
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
    if args.shard.is_none() {
        // A shard's needs are checked on its slice, once planned.
        let estimate = matrix.estimate(&sources);
        check_estimate(&estimate, available_memory())?;
        if let Some(warning) = disk_warning(&estimate, !args.no_plots, free_disk(&args.out)) {
            eprintln!("warning: {warning}");
        }
    }
    let mut skipped = Vec::new();
    let plans = matrix.plan_reporting(&sources, &mut skipped)?;
    for note in &skipped {
        eprintln!("warning: {note}");
    }
    tokio_knobs_used(args, &sources, &plans)?;
    Ok(plans)
}

/// Refuses runs the machine cannot hold or finish, before anything runs.
fn check_machine(args: &RunArgs, plans: &[RunPlan]) -> Result<()> {
    if args.shard.is_some() {
        let estimate = plans.iter().fold(Estimate::default(), |total, p| {
            total.plus(&Estimate::of(&p.scenario))
        });
        if let Some(warning) = disk_warning(&estimate, !args.no_plots, free_disk(&args.out)) {
            eprintln!("warning: {warning}");
        }
    }
    check_memory(plans.iter().map(|p| &p.scenario), available_memory())?;
    check_threads(plans.iter().map(|p| &p.scenario))?;
    check_duration(plans.iter().map(|p| &p.scenario))?;
    check_files(plans.iter().map(|p| &p.scenario))
}

/// With `--shard K/N`: the K-th slice of `plans` and the shard.json that
/// says what it is part of; without, `plans` whole. A shard that would get
/// no run (fewer configurations than shards) is bad input.
fn shard(args: &RunArgs, plans: Vec<RunPlan>) -> Result<(Vec<RunPlan>, Option<ShardFile>)> {
    let Some(shard) = args.shard else {
        return Ok((plans, None));
    };
    let configurations = crate::run::shard::configurations(&plans);
    if shard.count as usize > configurations {
        return Err(Error::bad_input(format!(
            "--shard {shard}: the matrix has {configurations} configuration(s) (a configuration's repeats stay in one shard), so some of {} shards would run nothing: use at most {configurations} shards",
            shard.count
        )));
    }
    let slice = crate::run::shard::slice(&plans, shard);
    let file = ShardFile {
        pollscope_version: env!("CARGO_PKG_VERSION").to_string(),
        made_by: "run".to_string(),
        shards: vec![shard.index],
        of: shard.count,
        settings: crate::run::shard::settings_id(&plans, args.poll_cpu_time),
        command: args.command.clone(),
        matrix: plans.iter().map(RunPlan::run_id).collect(),
        runs: slice.iter().map(RunPlan::run_id).collect(),
    };
    Ok((slice, Some(file)))
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

/// The command line `argv` as shard.json shows it: `pollscope` and its
/// arguments, less `--shard` and `--out` (`-o`) with their values.
pub(crate) fn shown_command(argv: impl Iterator<Item = String>) -> String {
    let mut shown = vec!["pollscope".to_string()];
    let mut argv = argv.skip(1);
    while let Some(arg) = argv.next() {
        match arg.as_str() {
            "--shard" | "--out" | "-o" => {
                argv.next();
            }
            a if a.starts_with("--shard=") || a.starts_with("--out=") => {}
            a if a.starts_with("-o") && !a.starts_with("--") => {}
            _ => shown.push(arg),
        }
    }
    shown.join(" ")
}

#[cfg(test)]
mod tests {
    use super::shown_command;

    #[test]
    fn the_shown_command_leaves_out_shard_and_out() {
        let argv = [
            "target/pollscope",
            "run",
            "two_futures",
            "--shard",
            "1/2",
            "-o",
            "x",
            "-n",
            "20",
            "--out=y",
            "--shard=2/2",
            "-oz",
            "-q",
        ];
        assert_eq!(
            shown_command(argv.iter().map(|s| s.to_string())),
            "pollscope run two_futures -n 20 -q"
        );
    }
}
