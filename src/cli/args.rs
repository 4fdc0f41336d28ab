//! The command line (clap).

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};

use crate::common::duration::{parse_duration, parse_duration_or_zero};
use crate::scenario::{BUILTINS, Choice, CostKind, Executor, Flavor, KNOBS};

/// Shows and measures how the tokio runtime schedules futures, tasks and
/// blocking work. Without a subcommand: `pollscope run`, the whole journey
/// at the defaults into results/latest.
#[derive(Debug, Parser)]
#[command(name = "pollscope", version, about, long_about = None)]
pub(crate) struct Cli {
    /// What to do (default: run).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
#[allow(
    clippy::large_enum_variant,
    reason = "parsed once per process: boxing `run`'s options saves nothing"
)]
pub(crate) enum Command {
    /// List the built-in scenarios, one line each.
    List,
    /// Run scenarios (default: the journey's five) and write a result folder.
    Run(RunArgs),
    /// Compare two result folders, or one folder's values of a setting
    /// (--vary); exit 1 if something regressed.
    ///
    /// Exit codes: 0 nothing regressed and every row judged, 1 something
    /// regressed, 2 bad input, 3 nothing regressed but some rows unknown
    /// or disturbed.
    Compare {
        /// The baseline result folder (with --vary and no NEW: the one
        /// folder whose configurations are compared).
        #[arg(value_name = "BASE")]
        base: PathBuf,
        /// The result folder to judge.
        #[arg(value_name = "NEW")]
        new: Option<PathBuf>,
        /// Smallest change of the medians, in % of the base median, that
        /// can count.
        #[arg(long, value_name = "PCT", default_value = "10", value_parser = parse_percent, allow_hyphen_values = true)]
        threshold: f64,
        /// The false-discovery rate held over the whole comparison
        /// (Benjamini–Hochberg).
        #[arg(long, value_name = "Q", default_value = "0.05", value_parser = parse_fdr, allow_hyphen_values = true)]
        fdr: f64,
        /// Pair configurations that differ only in these settings (e.g.
        /// event_interval or workers,executor).
        #[arg(long, value_name = "SETTING[,SETTING…]", value_delimiter = ',', value_parser = |s: &str| s.trim().parse::<crate::scenario::Setting>())]
        vary: Vec<crate::scenario::Setting>,
        /// With one folder and --vary: each varied setting's base value, in
        /// --vary's order [default: its first value in run order].
        #[arg(
            long = "base",
            id = "base_value",
            value_name = "VALUE[,VALUE…]",
            value_delimiter = ','
        )]
        base_value: Vec<String>,
        /// Output format (markdown for CI comments, json for programs).
        #[arg(long, default_value = "text", value_parser = PossibleValuesParser::new(crate::compare::Format::ALL.map(|f| f.as_str())).try_map(|s| s.parse::<crate::compare::Format>()))]
        format: crate::compare::Format,
        /// Print every row, not only the changed ones and a count of the rest.
        #[arg(long)]
        all: bool,
    },
    /// Judge the user claims of a result folder (claims.csv); exit 1 if
    /// one does not hold.
    ///
    /// Exit codes: 0 every claim holds, 1 a claim does not hold, 2 bad
    /// input (no folder, no user claims), 3 none failed but some are
    /// inconclusive (a disturbed run) or not applicable.
    Check {
        /// A result folder whose runs carry user claims.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// Output format (markdown for CI comments, json for programs).
        #[arg(long, default_value = "text", value_parser = PossibleValuesParser::new(crate::compare::Format::ALL.map(|f| f.as_str())).try_map(|s| s.parse::<crate::compare::Format>()))]
        format: crate::compare::Format,
    },
    /// Re-render findings.md, trace.json, the plots and index.html of DIR from its CSV files.
    Plot {
        /// A result folder written by `pollscope run`.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// The zoom view's window, as durations since each run's start
        /// (e.g. 5ms..10ms) [default: the first ~60 polls of the busiest future].
        #[arg(long, value_name = "FROM..TO", value_parser = parse_zoom, allow_hyphen_values = true)]
        zoom: Option<(Duration, Duration)>,
        /// Re-render the pictures of the runs whose id matches this regular
        /// expression only [default: every run].
        #[arg(long = "run", value_name = "REGEX", value_parser = parse_regex)]
        run_filter: Option<regex::Regex>,
        /// The summary charts' x axis: workers, executor or one of tokio's
        /// list knobs, by its name in runs.csv (one line per other setting).
        #[arg(long, value_name = "AXIS", default_value = "workers", value_parser = |s: &str| s.parse::<crate::render::SummaryAxis>())]
        x: crate::render::SummaryAxis,
        /// No findings list and no summary (warnings still go to stderr).
        #[arg(short = 'q', long)]
        quiet: bool,
    },
    /// Join shard folders (`pollscope run … --shard K/N`) into one result
    /// folder; refuses (exit 2) folders that overlap or come from another
    /// version or other settings.
    Merge {
        /// The merged folder: absent, or one `pollscope merge` wrote
        /// (replaced whole).
        #[arg(value_name = "OUT")]
        out: PathBuf,
        /// The shard folders.
        #[arg(value_name = "DIR", required = true)]
        dirs: Vec<PathBuf>,
        /// Skip the plots, the HTML report and the traces (CSV files and
        /// findings only).
        #[arg(long)]
        no_plots: bool,
        /// No findings list and no summary (warnings still go to stderr).
        #[arg(short = 'q', long)]
        quiet: bool,
    },
    /// Keep result folders in a database and follow metrics over labels
    /// (commits), per configuration and machine.
    History {
        /// What to do with the history.
        #[command(subcommand)]
        command: HistoryCommand,
    },
}

/// The subcommands of `pollscope history`.
#[derive(Debug, Subcommand)]
pub(crate) enum HistoryCommand {
    /// Add result folders' runs (a run already present is left as it is).
    Add {
        /// Result folders written by `pollscope run`.
        #[arg(value_name = "FOLDER", required = true)]
        folders: Vec<PathBuf>,
        /// The label of the runs [default: the commit].
        #[arg(long, value_name = "L")]
        label: Option<String>,
        /// The commit the runs measured [default: `git rev-parse HEAD` in
        /// the current folder, else `unknown`].
        #[arg(long, value_name = "SHA")]
        commit: Option<String>,
        /// The database.
        #[arg(long, value_name = "FILE", default_value = crate::history::DEFAULT_DB)]
        db: PathBuf,
    },
    /// List the labels (commit, time, runs) and the series (configuration
    /// and machine, with their ids).
    List {
        /// The database.
        #[arg(long, value_name = "FILE", default_value = crate::history::DEFAULT_DB)]
        db: PathBuf,
    },
    /// One series' metric over the labels: each label's values and median.
    Show {
        /// The series' id, or a beginning of it that only it has (see
        /// `pollscope history list`).
        #[arg(value_name = "SERIES")]
        series: String,
        /// The metric, as `compare` names it (e.g. makespan, `ticker
        /// sched_delay p99`).
        #[arg(value_name = "METRIC")]
        metric: String,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: crate::history::ShowFormat,
        /// The database.
        #[arg(long, value_name = "FILE", default_value = crate::history::DEFAULT_DB)]
        db: PathBuf,
    },
    /// Write one self-contained HTML page of trend charts (each
    /// configuration's metrics over the labels, with change points).
    Report {
        /// The folder of the page (pollscope's alone: absent, empty, or
        /// written by pollscope).
        #[arg(long, value_name = "DIR", default_value = crate::history::DEFAULT_REPORT)]
        out: PathBuf,
        /// The database.
        #[arg(long, value_name = "FILE", default_value = crate::history::DEFAULT_DB)]
        db: PathBuf,
    },
    /// Judge the newest (or a given) label against the labels before it,
    /// per series and metric, as `compare` judges (exit 0, 1 regressed,
    /// 3 unknown or disturbed), and list the series' change points.
    Check {
        /// The label to judge [default: the newest].
        #[arg(long, value_name = "L")]
        label: Option<String>,
        /// Smallest change that counts, % of the base median.
        #[arg(long, value_name = "PCT", default_value = "10", value_parser = parse_percent, allow_hyphen_values = true)]
        threshold: f64,
        /// False-discovery rate held over all rows.
        #[arg(long, value_name = "Q", default_value = "0.05", value_parser = parse_fdr, allow_hyphen_values = true)]
        fdr: f64,
        /// Output format (markdown for CI job summaries, json for programs).
        #[arg(long, default_value = "text", value_parser = PossibleValuesParser::new(crate::compare::Format::ALL.map(|f| f.as_str())).try_map(|s| s.parse::<crate::compare::Format>()))]
        format: crate::compare::Format,
        /// Print every row, not only those that moved beyond the threshold.
        #[arg(long)]
        all: bool,
        /// The database.
        #[arg(long, value_name = "FILE", default_value = crate::history::DEFAULT_DB)]
        db: PathBuf,
    },
}

/// `pollscope run`'s options that add the result to the history.
#[derive(Debug, Args, Default)]
pub(crate) struct RecordArgs {
    /// Add the result folder to the history database once written.
    #[arg(long)]
    pub record: bool,
    /// With --record: the runs' label [default: the commit].
    #[arg(long, value_name = "L")]
    pub label: Option<String>,
    /// With --record: the commit measured [default: `git rev-parse HEAD`,
    /// else `unknown`].
    #[arg(long, value_name = "SHA")]
    pub commit: Option<String>,
    /// With --record: the database [default: results/history.sqlite].
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
}

/// Options of `pollscope run`.
#[derive(Debug, Args, Default)]
pub(crate) struct RunArgs {
    /// Scenarios to run (see `pollscope list`); default: the journey's five.
    #[arg(value_name = "SCENARIO", value_parser = parse_scenario)]
    pub scenarios: Vec<String>,
    /// Worker counts, e.g. 1,2,4 or default,1 [default: one per core].
    #[arg(short = 'w', long, value_name = "LIST", value_delimiter = ',', value_parser = |s: &str| Choice::parse(s, parse_count), allow_hyphen_values = true)]
    pub workers: Vec<Choice<usize>>,
    /// Runtime flavors, e.g. multi_thread,current_thread [default: multi_thread].
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = parse_flavor)]
    pub flavor: Vec<Flavor>,
    /// Executors, e.g. tokio,smol [default: tokio].
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = parse_executor)]
    pub executor: Vec<Executor>,
    /// tokio's knobs, one option per row of the knob table.
    #[command(flatten)]
    pub tokio: KnobArgs,
    /// Cost of a light step, e.g. 100us [default: 100us]; a service's work
    /// per event, where 0 means none (a pure echo).
    #[arg(long, value_name = "DUR", value_parser = parse_duration_or_zero, allow_hyphen_values = true)]
    pub light_cost: Option<Duration>,
    /// Costs of a heavy step, e.g. 100us,500us [default: 500us].
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = parse_duration, allow_hyphen_values = true)]
    pub heavy_cost: Vec<Duration>,
    /// How a step spends its cost [default: cpu].
    #[arg(long, value_parser = PossibleValuesParser::new(CostKind::ALL.iter().map(|k| k.as_str())).try_map(|s| s.parse::<CostKind>()))]
    pub cost_kind: Option<CostKind>,
    /// Steps per future [default: 500].
    #[arg(short = 'n', long, value_name = "N", value_parser = parse_count_u32, allow_hyphen_values = true)]
    pub samples: Option<u32>,
    /// Task count T of the scenarios that have one (spawned1..T, client1..T, ...) [default: 6].
    #[arg(long, value_name = "T", value_parser = parse_count_u32, allow_hyphen_values = true)]
    pub tasks: Option<u32>,
    /// Runs per configuration (run ids end in -r0, -r1, ...).
    #[arg(long, value_name = "K", value_parser = parse_count_u32, default_value = "1", allow_hyphen_values = true)]
    pub repeat: u32,
    /// Cap of tokio's blocking pool [default: 512].
    #[arg(long, value_name = "N", value_parser = parse_count, allow_hyphen_values = true)]
    pub max_blocking_threads: Option<usize>,
    /// A custom experiment (TOML); its values give way to the flags above.
    #[arg(long, value_name = "FILE.toml")]
    pub config: Option<PathBuf>,
    /// Output folder: absent, empty or a pollscope result (replaced whole).
    #[arg(
        short = 'o',
        long,
        value_name = "DIR",
        default_value = "results/latest"
    )]
    pub out: PathBuf,
    /// Run only the K-th of N slices of the matrix (1 ≤ K ≤ N): disjoint,
    /// together the whole matrix, balanced by estimated time, a
    /// configuration's repeats in one; join the folders with `pollscope
    /// merge`.
    #[arg(long, value_name = "K/N", value_parser = |s: &str| s.parse::<crate::run::shard::Shard>())]
    pub shard: Option<crate::run::shard::Shard>,
    /// The command line less --shard and --out (set by the caller, for
    /// shard.json).
    #[arg(skip)]
    pub command: String,
    /// Add the result folder to the history once written (see `pollscope
    /// history`).
    #[command(flatten)]
    pub record: RecordArgs,
    /// Record every poll's on-CPU time too (two reads of the thread's CPU
    /// clock per poll), so the truth check covers whole threads.
    #[arg(long)]
    pub poll_cpu_time: bool,
    /// Skip the plots, the HTML report and the traces (CSV files and findings only).
    #[arg(long)]
    pub no_plots: bool,
    /// No progress bar and no summary (warnings still go to stderr).
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// A summary line per future too (completion, p99 scheduling delay,
    /// p50/p99 value), not only per run.
    #[arg(short = 'v', long, conflicts_with = "quiet")]
    pub verbose: bool,
}

fn parse_scenario(name: &str) -> Result<String, String> {
    if BUILTINS.iter().any(|b| b.name == name) {
        Ok(name.to_string())
    } else {
        let known: Vec<&str> = BUILTINS.iter().map(|b| b.name).collect();
        Err(format!(
            "unknown scenario `{}` (known: {})",
            crate::error::shown(name),
            known.join(", ")
        ))
    }
}

fn parse_flavor(text: &str) -> Result<Flavor, String> {
    match text.trim() {
        "default" => Ok(Flavor::default()),
        other => other.parse(),
    }
}

fn parse_executor(text: &str) -> Result<Executor, String> {
    match text.trim() {
        "default" => Ok(Executor::default()),
        other => other.parse(),
    }
}

fn parse_count(text: &str) -> Result<usize, String> {
    crate::scenario::parse_count(text).map(|n| n as usize)
}

fn parse_count_u32(text: &str) -> Result<u32, String> {
    crate::scenario::parse_count(text)
}

fn parse_percent(text: &str) -> Result<f64, String> {
    match text.trim().trim_end_matches('%').parse::<f64>() {
        Ok(p) if p >= 0.0 && p.is_finite() => Ok(p),
        _ => Err(format!(
            "`{}` is not a percentage (e.g. 10 or 10%)",
            crate::error::shown(text)
        )),
    }
}

fn parse_fdr(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(q) if q > 0.0 && q < 1.0 => Ok(q),
        _ => Err(format!(
            "`{text}` is not a false-discovery rate (a number between 0 and 1, e.g. 0.05)"
        )),
    }
}

fn parse_zoom(text: &str) -> Result<(Duration, Duration), String> {
    crate::render::parse_zoom(text)
}

fn parse_regex(text: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(text).map_err(|e| {
        let first = e.to_string();
        let reason = first
            .lines()
            .last()
            .unwrap_or("malformed")
            .trim()
            .to_string();
        format!(
            "`{}` is not a regular expression: {reason}",
            crate::error::shown(text)
        )
    })
}

/// tokio's knobs as `run` options, one per row of [`KNOBS`]: a list
/// option (`default,31`) is one more axis of the matrix; a single one
/// (`50ms`) applies to every tokio run.
#[derive(Clone, Debug, Default)]
pub(crate) struct KnobArgs {
    /// Each knob's values, in [`KNOBS`] order (empty: not given).
    pub values: [Vec<Choice<u64>>; KNOBS.len()],
}

impl KnobArgs {
    /// The knobs given on the command line, as `--flag` names.
    pub(crate) fn given(&self) -> impl Iterator<Item = String> + '_ {
        KNOBS
            .iter()
            .zip(&self.values)
            .filter(|(_, values)| !values.is_empty())
            .map(|(spec, _)| format!("--{}", spec.flag))
    }
}

impl clap::FromArgMatches for KnobArgs {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let mut args = Self::default();
        args.update_from_arg_matches(matches)?;
        Ok(args)
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        for (spec, values) in KNOBS.iter().zip(&mut self.values) {
            if let Some(given) = matches.get_many::<Choice<u64>>(spec.knob.as_str()) {
                *values = given.copied().collect();
            }
        }
        Ok(())
    }
}

impl Args for KnobArgs {
    fn augment_args(command: clap::Command) -> clap::Command {
        KNOBS.iter().fold(command, |command, spec| {
            let knob = spec.knob;
            let list = spec.list;
            let (value_name, example) = match spec.unit {
                crate::scenario::KnobUnit::Count => ("LIST", "default,7"),
                crate::scenario::KnobUnit::Duration => ("DUR", "50ms"),
            };
            let arg = clap::Arg::new(knob.as_str())
                .long(spec.flag)
                .value_name(if list { "LIST" } else { value_name })
                .help(format!(
                    "tokio's {knob} ({}), e.g. {example} [default: tokio's, {}]",
                    spec.about, spec.tokio_default
                ))
                .allow_hyphen_values(true)
                .value_parser(move |text: &str| -> Result<Choice<u64>, String> {
                    if list {
                        Choice::parse(text, |v| knob.parse_value(v))
                    } else {
                        knob.parse_value(text).map(Choice::Set)
                    }
                });
            command.arg(if list {
                arg.value_delimiter(',').action(clap::ArgAction::Append)
            } else {
                arg.action(clap::ArgAction::Set)
            })
        })
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        Self::augment_args(command)
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;
    use crate::scenario::Setting;

    /// The settings table's flags are `run`'s options: messages that name
    /// a flag (compare's reproducing command) name one that exists.
    #[test]
    fn every_setting_is_an_option_of_run() {
        let cli = Cli::command();
        let run = cli.find_subcommand("run").expect("run is a subcommand");
        for setting in Setting::ALL {
            let flag = setting.spec().flag;
            assert!(
                run.get_arguments().any(|a| a.get_long() == Some(flag)),
                "--{flag} ({setting}) is not an option of `pollscope run`"
            );
        }
    }
}
