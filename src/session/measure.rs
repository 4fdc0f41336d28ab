//! Repeats of your own workload: K fresh runtimes of one configuration, a
//! session each, published as one result folder.

use std::future::Future;
use std::ops::Deref;
use std::path::PathBuf;

use super::{Session, SessionOptions};
use crate::common::names::check_name;
use crate::error::{Error, Result};
use crate::export::ResultFolder;
use crate::publish::{Pictures, Published, publish};
use crate::run::executor::tokio_builder;
use crate::scenario::{Executor, Flavor, RuntimeSpec, TokioKnob, UserClaim};

/// What [`measure`] runs: how many repeats, on which runtime, written
/// where.
///
/// ```
/// use pollscope::{Flavor, MeasureOptions};
/// let options = MeasureOptions::new("service").repeats(5).workers(2).out("results/service");
/// assert_eq!(options.runtime.effective_workers(), 2);
/// assert_eq!(options.runtime.flavor, Flavor::MultiThread);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct MeasureOptions {
    /// The name: each repeat's run id is `<name>-r<repeat>`.
    pub name: String,
    /// Repeats (fresh runtimes), at least 1; default 5.
    pub repeats: u32,
    /// The runtime each repeat gets: flavor, workers, blocking cap, tokio's
    /// knobs (tokio only: a smol executor is bad input).
    pub runtime: RuntimeSpec,
    /// How each repeat's session records.
    pub session: SessionOptions,
    /// The result folder (absent, empty or a pollscope result, replaced
    /// whole); default `results/<name>`.
    pub out: PathBuf,
    /// Whether to draw the pictures and the report; default yes.
    pub pictures: Pictures,
    /// Your claims, judged on every repeat.
    pub claims: Vec<UserClaim>,
}

impl MeasureOptions {
    /// Five repeats of `name` on tokio's default multi-thread runtime,
    /// written to `results/<name>` with pictures.
    pub fn new(name: impl Into<String>) -> Self {
        let name = name.into();
        Self {
            out: PathBuf::from("results").join(&name),
            name,
            repeats: 5,
            runtime: RuntimeSpec::default(),
            session: SessionOptions::default(),
            pictures: Pictures::Yes,
            claims: Vec::new(),
        }
    }

    /// These options with `repeats` repeats.
    pub fn repeats(mut self, repeats: u32) -> Self {
        self.repeats = repeats;
        self
    }

    /// These options on a multi-thread runtime of `workers` workers.
    pub fn workers(mut self, workers: usize) -> Self {
        self.runtime.flavor = Flavor::MultiThread;
        self.runtime.workers = Some(workers);
        self
    }

    /// These options on a runtime of `flavor`.
    pub fn flavor(mut self, flavor: Flavor) -> Self {
        self.runtime.flavor = flavor;
        self
    }

    /// These options with tokio's `knob` set to `value` (a count, or ns for
    /// `thread_keep_alive`).
    pub fn knob(mut self, knob: TokioKnob, value: u64) -> Self {
        self.runtime.tokio.set(knob, Some(value));
        self
    }

    /// These options writing to `out`.
    pub fn out(mut self, out: impl Into<PathBuf>) -> Self {
        self.out = out.into();
        self
    }

    /// These options with `claim` judged on every repeat.
    pub fn claim(mut self, claim: UserClaim) -> Self {
        self.claims.push(claim);
        self
    }

    /// These options with or without pictures.
    pub fn pictures(mut self, pictures: Pictures) -> Self {
        self.pictures = pictures;
        self
    }
}

/// One repeat of a [`measure`]d workload: its number and its session
/// (a `Repeat` derefs to its [`Session`], so `fut.probed(&repeat, "name")`
/// and `repeat.instrument(...)` work). Cloning is cheap: move a clone into
/// each task that instruments futures.
#[derive(Clone, Debug)]
pub struct Repeat {
    index: u32,
    session: Session,
}

impl Repeat {
    /// A repeat whose session records nothing (already finished): what
    /// the timed iterations of a criterion bench run under.
    #[cfg(feature = "criterion")]
    pub(crate) fn unrecorded() -> Result<Self> {
        let session = Session::start("unrecorded")?;
        drop(session.clone().finish()?);
        Ok(Self { index: 0, session })
    }

    /// The repeat's number, from 0.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The repeat's session.
    pub fn session(&self) -> &Session {
        &self.session
    }
}

impl Deref for Repeat {
    type Target = Session;
    fn deref(&self) -> &Session {
        &self.session
    }
}

/// Runs `workload` `options.repeats` times, each on a fresh tokio runtime
/// built from `options.runtime` (the runner's own builder) under a session
/// named `<name>-r<repeat>`, and publishes the repeats as one result folder
/// that `pollscope plot`, `compare` and `history add` accept. The
/// future `workload` returns is the repeat's `block_on`; what it
/// instruments through its [`Repeat`] is recorded, with tokio's worker
/// metrics.
///
/// The runs carry no configuration columns in runs.csv (pollscope did not
/// write the workload): name the configuration in `name` when you measure
/// several.
///
/// ```
/// use pollscope::{MeasureOptions, Pictures, Probed};
///
/// let dir = tempfile::tempdir().unwrap();
/// let options = MeasureOptions::new("echo").repeats(2).workers(2).out(dir.path().join("echo")).pictures(Pictures::No);
/// let published = pollscope::measure(&options, |repeat| async move {
///     let task = tokio::spawn(async { tokio::task::yield_now().await }.probed(&repeat, "handler"));
///     task.await.unwrap();
/// })
/// .unwrap();
/// let runs = pollscope::load_results(&published.dir).unwrap();
/// let ids: Vec<&str> = runs.iter().map(|r| r.trace.info.run_id.as_str()).collect();
/// assert_eq!(ids, ["echo-r0", "echo-r1"]);
/// assert!(runs.iter().all(|r| r.trace.future("handler").is_some()));
/// ```
pub fn measure<W, Fut>(options: &MeasureOptions, mut workload: W) -> Result<Published>
where
    W: FnMut(Repeat) -> Fut,
    Fut: Future<Output = ()>,
{
    // Before `out` (by default made from the name) is used as a path.
    check_name("measure name", &options.name)?;
    if options.repeats == 0 {
        return Err(Error::bad_input(format!(
            "measure `{}`: repeats must be at least 1",
            crate::error::shown(&options.name)
        )));
    }
    if options.runtime.executor != Executor::Tokio {
        return Err(Error::bad_input(format!(
            "measure `{}`: the workload runs on tokio; executor `{}` does not apply",
            crate::error::shown(&options.name),
            options.runtime.executor
        )));
    }
    let folder = ResultFolder::create(&options.out)?;
    let mut results = Vec::new();
    for index in 0..options.repeats {
        let runtime = tokio_builder(&options.runtime)
            .build()
            .map_err(|e| Error::io(&options.out, e))?;
        let name = format!("{}-r{index}", options.name);
        let session = Session::start_run(name, options.name.clone(), options.session)?;
        options.claims.iter().for_each(|c| session.claim(c.clone()));
        runtime.block_on(workload(Repeat {
            index,
            session: session.clone(),
        }));
        // Stops the recording, whatever the workload left running.
        results.push(session.finish_with(runtime.handle())?);
    }
    publish(folder, &results, options.pictures)
}
