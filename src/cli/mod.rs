//! The `pollscope` command: parses the command line and calls the library.
//! Every failure becomes one line on stderr and exit code 2; `compare`
//! finding a regression is exit code 1, rows it could not judge 3.

mod args;
mod progress;
mod run;
mod summary;

pub(crate) use args::{Cli, Command, HistoryCommand, RunArgs};

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::Duration;

use clap::Parser;

use crate::common::duration::nanos;
use crate::scenario::{BUILTINS, JOURNEY};

/// Makes every way out of a run clean: a panic anywhere (a thread the OS
/// will not create, a failing future) is one line on stderr and exit code
/// 1, however many threads fail at once; Ctrl-C, SIGTERM and SIGHUP exit
/// with 130 and say nothing more. Both first remove the temporary result
/// folder, and neither waits for the runtime's threads. A closed stdout
/// (`pollscope list | head -1`) ends quietly with the status the work had.
fn install_exit_handlers() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".to_string());
        crate::export::wait_if_interrupted();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(STATUS_IF_STDOUT_CLOSES.load(Ordering::SeqCst));
        }
        if FAILING.swap(true, Ordering::SeqCst) {
            // Another thread is already reporting the failure and exiting.
            loop {
                std::thread::park();
            }
        }
        let message = crate::error::one_line(&message);
        eprintln!("error: the run failed: {message}");
        crate::export::remove_temporaries(false);
        std::process::exit(1);
    }));
    let _ = ctrlc::set_handler(|| {
        crate::export::interrupt();
        eprintln!("interrupted: nothing was written (a previous result is intact)");
        std::process::exit(130);
    });
}

/// Set by the first failing thread: the others stay silent.
static FAILING: AtomicBool = AtomicBool::new(false);

/// The exit status when stdout closes under a printing command: the status
/// of the work done so far (0, or 1 once `compare` found a regression).
static STATUS_IF_STDOUT_CLOSES: AtomicI32 = AtomicI32::new(0);

/// Runs the command line of this process; returns the exit code.
pub fn main() -> i32 {
    install_exit_handlers();
    let cli = match parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let outcome = match cli.command.unwrap_or(Command::Run(RunArgs::default_run())) {
        Command::List => {
            list();
            Ok(0)
        }
        Command::Run(mut args) => {
            args.command = run::shown_command(std::env::args());
            run::run(&args).map(|()| 0)
        }
        Command::Merge {
            out,
            dirs,
            no_plots,
            quiet,
        } => merge(&out, &dirs, no_plots, quiet),
        Command::Compare {
            base,
            new,
            threshold,
            fdr,
            vary,
            base_value,
            format,
            all,
        } => {
            let options = crate::compare::Options {
                base,
                new,
                threshold_pct: threshold,
                fdr,
                vary,
                base_values: base_value,
            };
            compare(&options, format, all)
        }
        Command::Plot {
            dir,
            zoom,
            run_filter,
            x,
            quiet,
        } => plot(&dir, zoom, run_filter.as_ref(), x, quiet),
        Command::History { command } => history(command),
        Command::Check { dir, format } => check(&dir, format),
    };
    // After Ctrl-C, the signal handler alone speaks and exits (130).
    crate::export::wait_if_interrupted();
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", crate::error::one_line(&e.to_string()));
            e.exit_code()
        }
    }
}

/// This process's command line, or the exit code once clap has answered
/// it: help and version texts whole (exit 0); bad input as clap's
/// `error: …` line alone (exit 2), without the tips and usage.
fn parse() -> Result<Cli, i32> {
    Cli::try_parse().map_err(|e| {
        use clap::error::ErrorKind;
        if matches!(
            e.kind(),
            ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        ) {
            let _ = e.print();
        } else {
            eprintln!("{}", clap_line(&e.render().to_string()));
        }
        e.exit_code()
    })
}

/// clap's error text as one line: the message without the usage and tips
/// that follow it, its indented continuation lines (the arguments that
/// were not provided) joined with spaces, and any other line break (one
/// inside a quoted value) escaped.
fn clap_line(text: &str) -> String {
    let message = text.split("\n\n").next().unwrap_or(text).trim_end();
    let mut line = String::new();
    for (i, part) in message.lines().enumerate() {
        if i > 0 {
            if part.starts_with(char::is_whitespace) {
                line.push(' ');
            } else {
                line.push_str("\\n");
            }
        }
        line.push_str(if i > 0 { part.trim_start() } else { part });
    }
    let line = crate::error::one_line(&bounded_quotes(&line));
    if line.is_empty() {
        "error: bad arguments".to_string()
    } else {
        line
    }
}

/// clap's `'…'` quotes of the user's input, each cut like pollscope's own
/// ([`crate::error::shown`]: control characters escaped, at most 80
/// characters).
fn bounded_quotes(text: &str) -> String {
    let parts: Vec<&str> = text.split('\'').collect();
    if parts.len() < 3 {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len().min(2048));
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('\'');
        }
        // Odd parts lie between a pair of quotes (the last one only when
        // its quote is closed).
        if i % 2 == 1 && i + 1 < parts.len() {
            out.push_str(&crate::error::shown(part));
        } else {
            out.push_str(part);
        }
    }
    out
}

/// `pollscope compare`: warnings on stderr, the comparison on stdout; the
/// exit code the verdicts give (0, 1 or 3). A closed stdout (`| head`)
/// ends it quietly with that code.
fn compare(
    options: &crate::compare::Options,
    format: crate::compare::Format,
    all: bool,
) -> crate::error::Result<i32> {
    use std::io::Write;
    let comparison = crate::compare::compare(options)?;
    STATUS_IF_STDOUT_CLOSES.store(comparison.exit_code(), Ordering::SeqCst);
    for warning in &comparison.warnings {
        let _ = writeln!(std::io::stderr(), "warning: {warning}");
    }
    write_stdout(&crate::compare::render(&comparison, format, all))?;
    Ok(comparison.exit_code())
}

/// `pollscope check`: the user claims' verdicts on stdout; the exit code
/// they give (0, 1 or 3), also when stdout closes.
fn check(dir: &Path, format: crate::compare::Format) -> crate::error::Result<i32> {
    let check = crate::check::check(dir)?;
    STATUS_IF_STDOUT_CLOSES.store(check.exit_code(), Ordering::SeqCst);
    write_stdout(&crate::check::render(&check, format))?;
    Ok(check.exit_code())
}

/// `pollscope history …`: what it says on stdout, exit 0 (`check`: its
/// verdicts' code).
fn history(command: HistoryCommand) -> crate::error::Result<i32> {
    let text = match command {
        HistoryCommand::Add {
            folders,
            label,
            commit,
            db,
        } => {
            let options = crate::history::AddOptions {
                db: &db,
                folders: &folders,
                label,
                commit,
            };
            crate::history::add(&options)?.join("\n") + "\n"
        }
        HistoryCommand::List { db } => crate::history::list(&db)?,
        HistoryCommand::Show {
            series,
            metric,
            format,
            db,
        } => crate::history::show(&db, &series, &metric, format)?,
        HistoryCommand::Report { out, db } => {
            let page = crate::history::report(&db, &out)?;
            format!("history report: {}\n", page.display())
        }
        HistoryCommand::Check {
            label,
            threshold,
            fdr,
            format,
            all,
            db,
        } => {
            let options = crate::history::CheckOptions {
                db: &db,
                label: label.as_deref(),
                format,
                all,
                threshold_pct: threshold,
                fdr,
            };
            let (text, code) = crate::history::check(&options)?;
            STATUS_IF_STDOUT_CLOSES.store(code, Ordering::SeqCst);
            write_stdout(&text)?;
            return Ok(code);
        }
    };
    write_stdout(&text)?;
    Ok(0)
}

/// Writes `text` to stdout; a closed stdout (`| head`) is not an error.
fn write_stdout(text: &str) -> crate::error::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(crate::error::Error::io("standard output", e))
        }
        _ => Ok(()),
    }
}

/// `pollscope plot`: re-renders `dir`, then lists its findings unless
/// `quiet`.
fn plot(
    dir: &Path,
    zoom: Option<(Duration, Duration)>,
    run_filter: Option<&regex::Regex>,
    x: crate::render::SummaryAxis,
    quiet: bool,
) -> crate::error::Result<i32> {
    let zoom = zoom.map(|(from, to)| (nanos(from), nanos(to)));
    let published = crate::publish::replot(dir, zoom, run_filter, x)?;
    if !quiet {
        print!("{}", crate::export::summary_lines(&published.findings));
        println!("re-rendered: {}", published.dir.display());
    }
    for warning in &published.warnings {
        eprintln!("warning: {warning}");
    }
    Ok(0)
}

/// `pollscope merge`: joins the shard folders, then lists the findings
/// unless `quiet`.
fn merge(
    out: &Path,
    dirs: &[std::path::PathBuf],
    no_plots: bool,
    quiet: bool,
) -> crate::error::Result<i32> {
    let pictures = if no_plots {
        crate::publish::Pictures::No
    } else {
        crate::publish::Pictures::Yes
    };
    let merged = crate::merge::merge(out, dirs, pictures)?;
    if !quiet {
        print!("{}", crate::export::summary_lines(&merged.findings));
        println!("merged: {}", merged.dir.display());
    }
    for warning in &merged.warnings {
        eprintln!("warning: {warning}");
    }
    Ok(0)
}

/// One line per built-in scenario; `*` marks the journey's five, which a
/// bare `pollscope run` runs.
fn list() {
    let width = BUILTINS.iter().map(|b| b.name.len()).max().unwrap_or(0);
    for builtin in BUILTINS {
        let mark = if JOURNEY.contains(&builtin.name) {
            '*'
        } else {
            ' '
        };
        println!("{mark} {:width$}  {}", builtin.name, builtin.description);
    }
    println!("\n(*) the journey: what `pollscope run` runs without scenario names");
}

impl RunArgs {
    /// The arguments of a bare `pollscope run`.
    pub(crate) fn default_run() -> Self {
        Cli::parse_from(["pollscope", "run"])
            .command
            .and_then(|c| match c {
                Command::Run(args) => Some(args),
                _ => None,
            })
            .expect("`pollscope run` parses")
    }
}
