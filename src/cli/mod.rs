//! The `pollscope` command: parses the command line and calls the library.
//! Every failure becomes one line on stderr and exit code 2; `compare`
//! finding a regression is exit code 1.

mod args;
mod progress;
mod run;
mod summary;

pub use args::{Cli, Command, RunArgs};

use clap::Parser;

use crate::scenario::journey::BUILTINS;

/// Runs the command line of this process; returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints `error: …` with usage for bad input (exit 2), or
            // the help and version texts (exit 0).
            let _ = e.print();
            return e.exit_code();
        }
    };
    let outcome = match cli.command.unwrap_or(Command::Run(RunArgs::default_run())) {
        Command::List => {
            list();
            Ok(0)
        }
        Command::Run(args) => run::run(&args).map(|()| 0),
        Command::Compare {
            base,
            new,
            threshold,
            format,
        } => crate::compare::compare(&base, &new, threshold).map(|comparison| {
            print!("{}", crate::compare::render(&comparison, format));
            let regressions: Vec<_> = comparison.regressions().collect();
            for r in &regressions {
                println!(
                    "regression: {}: {} {:+.1}%",
                    r.config, r.metric, r.change_pct
                );
            }
            i32::from(!regressions.is_empty())
        }),
        Command::Plot { dir } => crate::publish::replot(&dir).map(|published| {
            print!("{}", crate::findings::summary_lines(&published.findings));
            println!("re-rendered: {}", published.dir.display());
            0
        }),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}

fn list() {
    let width = BUILTINS.iter().map(|b| b.name.len()).max().unwrap_or(0);
    for builtin in BUILTINS {
        println!("{:width$}  {}", builtin.name, builtin.description);
    }
}

impl RunArgs {
    /// The arguments of a bare `pollscope run`.
    pub fn default_run() -> Self {
        Cli::parse_from(["pollscope", "run"])
            .command
            .and_then(|c| match c {
                Command::Run(args) => Some(args),
                _ => None,
            })
            .expect("`pollscope run` parses")
    }
}
