//! What to run: a runtime setup plus a list of producer futures.
//!
//! A [`Scenario`] is plain data. The journey's scenarios are built-in values
//! ([`journey`]); experiments loaded from TOML are values of the same type,
//! so one engine ([`crate::runner`]) runs both.

mod beyond;
pub(crate) mod builtins;
mod cost_kind;
pub(crate) mod experiment;
pub(crate) mod future_names;
pub(crate) mod journey;
mod params;
pub mod settings;

use std::time::Duration;

use crate::common::duration::format_duration;
use crate::common::names;
use crate::common::spelling::spelled_enum;
use crate::error::{Error, Result};

pub use builtins::{BUILTINS, Builtin, JOURNEY, builtin};
pub use cost_kind::CostKind;
pub use params::JourneyParams;
pub use runtime::{Executor, Flavor, RuntimeSpec};
pub(crate) use settings::parse_count;
pub(crate) use settings::{Choice, KNOBS, KnobUnit, Setting, SettingValue};
pub use settings::{TokioKnob, TokioKnobs};
pub(crate) mod runtime;
mod services;
pub(crate) mod user_claim;
pub use user_claim::{Bound, ClaimMetric, UserClaim};

/// Where a run's scenario came from: only built-in scenarios are judged by
/// the blog post's claims.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Origin {
    /// A built-in scenario (`pollscope list`).
    #[default]
    Builtin,
    /// An experiment loaded from a TOML file.
    File,
    /// A library `Session` around the user's own code.
    Session,
}

spelled_enum!(pub Origin, "origin", {
    Builtin => "builtin",
    File => "file",
    Session => "session",
});

/// Where a producer's steps run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Placement {
    /// Joined with `join_all` inside the task that `block_on` drives.
    #[default]
    Inline,
    /// Its own task via `tokio::spawn`, awaited through the `JoinHandle`.
    Spawn,
    /// Joined inline; each step runs inside `tokio::task::spawn_blocking`.
    SpawnBlocking,
    /// Its own spawned task; each step runs inside
    /// `tokio::task::block_in_place` (needs worker threads).
    BlockInPlace,
    /// Joined inline; each step runs on a dedicated rayon pool and comes
    /// back through a oneshot channel.
    Pool,
}

spelled_enum!(pub Placement, "placement", {
    Inline => "inline",
    Spawn => "spawn",
    SpawnBlocking => "spawn_blocking",
    BlockInPlace => "block_in_place",
    Pool => "pool",
});

impl Placement {
    /// Whether the steps run off the future's own task (on blocking or pool
    /// threads), outside the future's polls.
    pub fn steps_off_task(self) -> bool {
        matches!(self, Placement::SpawnBlocking | Placement::Pool)
    }

    /// Whether the future is its own spawned task.
    pub fn is_spawned(self) -> bool {
        matches!(self, Placement::Spawn | Placement::BlockInPlace)
    }
}

/// The cores this process may use (`std::thread::available_parallelism`).
pub(crate) fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// One producer future: it computes `samples` values of
/// `sin(16·π·i / samples)`, each step costing `cost`, yielding after each
/// step (unless `yields` is false).
#[derive(Clone, Debug, PartialEq)]
pub struct FutureSpec {
    /// Name, unique within the scenario.
    pub name: String,
    /// Where its steps run.
    pub placement: Placement,
    /// Cost of one step.
    pub cost: Duration,
    /// How the cost is spent; `None` = the scenario's.
    pub cost_kind: Option<CostKind>,
    /// Steps; `None` = the scenario's.
    pub samples: Option<u32>,
    /// Whether it yields (`tokio::task::yield_now`) after every step.
    pub yields: bool,
    /// What it does: the post's producer, or a part of a service workload.
    pub role: Role,
}

/// What a future does. A producer computes sine steps; the others are the
/// parts of the service workloads, each recording one sample per event
/// (request, tick, item, lock acquisition) whose `value` is that event's
/// latency in µs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Role {
    /// `samples` sine steps, each costing `cost`, yielding after each
    /// (unless `yields` is false).
    #[default]
    Producer,
    /// tcp_echo: accepts the clients' connections on a loopback socket and
    /// hands each to a handler.
    EchoServer,
    /// tcp_echo: echoes a connection's 64-byte requests, spending `cost` on
    /// each.
    EchoHandler,
    /// tcp_echo: sends `samples` requests of 64 bytes and records each
    /// round trip.
    EchoClient,
    /// timers: sleeps `samples` times for 1 ms and records each lateness.
    Timer,
    /// channel_pipeline: sends `samples` items, stamped with their birth.
    Source,
    /// channel_pipeline: forwards each item, spending `cost` on it.
    Stage,
    /// channel_pipeline and fan_in: receives the items and records each
    /// end-to-end latency, numbered in the order they arrive.
    Sink,
    /// fan_in: sends `samples` small messages, stamped with their birth,
    /// at full rate into the channel it shares with the other senders.
    FanInSender,
    /// fan_in: receives every sender's messages from the shared channel
    /// and forwards each to the sink, spending `cost` on it.
    FanInReceiver,
    /// mutex_contention: `samples` times takes the shared lock, records the
    /// wait, holds it for `cost`, releases it and yields.
    Locker,
    /// starvation: a 1 ms interval ticked `samples` times, recording each
    /// tick's lateness.
    Ticker,
}

impl Role {
    /// Whether the future is part of a service workload (its samples are
    /// events with a latency, not producer steps).
    pub fn is_service(self) -> bool {
        self != Role::Producer
    }
}

impl FutureSpec {
    /// A yielding producer with the scenario's cost kind and samples.
    ///
    /// ```
    /// use pollscope::{FutureSpec, Placement};
    /// use std::time::Duration;
    /// let spec = FutureSpec::new("fut0", Placement::Inline, Duration::from_micros(100));
    /// assert!(spec.yields);
    /// ```
    pub fn new(name: impl Into<String>, placement: Placement, cost: Duration) -> Self {
        Self {
            name: name.into(),
            placement,
            cost,
            cost_kind: None,
            samples: None,
            yields: true,
            role: Role::Producer,
        }
    }

    /// A part of a service workload, spawned, doing `role` with `cost` of
    /// work per event.
    pub fn service(name: impl Into<String>, role: Role, cost: Duration) -> Self {
        Self {
            role,
            ..Self::new(name, Placement::Spawn, cost)
        }
    }
}

/// A runtime setup plus the producers to run on it.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// Scenario name (`two_futures`, or a TOML experiment's `name`).
    pub name: String,
    /// One line saying what it shows.
    pub description: String,
    /// Where it came from: only built-in scenarios are judged by the
    /// post's claims.
    pub origin: Origin,
    /// The runtime to build.
    pub runtime: RuntimeSpec,
    /// Default cost kind of its futures.
    pub cost_kind: CostKind,
    /// Default steps per future.
    pub samples: u32,
    /// The light cost knob (built-in scenarios; reported in runs.csv).
    pub light_cost: Option<Duration>,
    /// The heavy cost knob (built-in scenarios; reported in runs.csv and
    /// the run id).
    pub heavy_cost: Option<Duration>,
    /// The task-count knob `T` (built-in scenarios; reported in runs.csv).
    pub tasks: Option<u32>,
    /// The producers, in order.
    pub futures: Vec<FutureSpec>,
    /// Your own claims about its futures (a TOML experiment's
    /// `[[claim]]` tables), judged on each run.
    pub claims: Vec<UserClaim>,
}

impl Scenario {
    /// The value of a knob (`light_cost`, `heavy_cost`, `tasks`) where the
    /// scenario uses it. A built-in scenario may not use them all
    /// (`two_futures` has no heavy future and no task count): runs.csv
    /// leaves such a knob blank and `compare` and the history leave it out
    /// of the configuration. The heavy cost still names its runs, so a
    /// list of heavy costs still gives one run per value.
    ///
    /// ```
    /// use pollscope::{builtin, JourneyParams, settings::Setting};
    /// let p = JourneyParams::default();
    /// let two = builtin("two_futures", &p).unwrap();
    /// assert_eq!(two.used(Setting::HeavyCost, two.heavy_cost), None);
    /// assert_eq!(two.used(Setting::LightCost, two.light_cost), Some(p.light_cost));
    /// ```
    pub fn used<T>(&self, knob: Setting, value: Option<T>) -> Option<T> {
        let unused = match self.origin {
            Origin::Builtin => builtins::unused_knobs(&self.name),
            Origin::File | Origin::Session => &[],
        };
        value.filter(|_| !unused.contains(&knob))
    }

    /// Steps of `future`.
    pub fn samples_of(&self, future: &FutureSpec) -> u32 {
        future.samples.unwrap_or(self.samples)
    }

    /// Cost kind of `future`.
    pub fn cost_kind_of(&self, future: &FutureSpec) -> CostKind {
        future.cost_kind.unwrap_or(self.cost_kind)
    }

    /// The run id of this scenario's `repeat`-th run:
    /// `<scenario>-<w{workers} or ct>-<cost kind><heavy cost>-r<repeat>`,
    /// where an experiment from a file, which has no heavy-cost knob, names
    /// its largest future cost.
    ///
    /// ```
    /// use pollscope::{builtin, JourneyParams, Flavor};
    /// let mut s = builtin("many_spawn_task", &JourneyParams::default()).unwrap();
    /// s.runtime.workers = Some(2);
    /// assert_eq!(s.run_id(0), "many_spawn_task-w2-cpu500us-r0");
    /// s.runtime.flavor = Flavor::CurrentThread;
    /// assert_eq!(s.run_id(1), "many_spawn_task-ct-cpu500us-r1");
    /// ```
    pub fn run_id(&self, repeat: u32) -> String {
        format!("{}-{}-r{repeat}", self.name, self.configuration_id())
    }

    /// The benches' id of this scenario's point:
    /// `<scenario>/<w{workers} or ct>-<cost kind><heavy cost><suffixes>`.
    pub fn bench_id(&self) -> String {
        format!("{}/{}", self.name, self.configuration_id())
    }

    /// The run id's middle: `<w{workers} or ct>-<cost kind><cost>` and the
    /// runtime's suffixes ([`RuntimeSpec::id_suffix`]).
    fn configuration_id(&self) -> String {
        let threads = match self.runtime.flavor {
            Flavor::CurrentThread => "ct".to_string(),
            Flavor::MultiThread => format!("w{}", self.runtime.effective_workers()),
        };
        format!(
            "{threads}-{}{}{}",
            self.cost_kind,
            format_duration(self.id_cost()),
            self.runtime.id_suffix(),
        )
    }

    /// The heavy-cost knob, or (an experiment from a file) its largest
    /// future cost: the cost named in run ids.
    pub fn id_cost(&self) -> Duration {
        self.heavy_cost.unwrap_or_else(|| {
            self.futures
                .iter()
                .map(|f| f.cost)
                .max()
                .unwrap_or_default()
        })
    }

    /// Checks that the scenario can be run: a name, at least one future,
    /// unique future names, positive samples and costs, worker counts of at
    /// least one, and no `block_in_place` on a current_thread runtime.
    pub fn validate(&self) -> Result<()> {
        let bad = |msg: String| Err(Error::bad_input(format!("scenario `{}`: {msg}", self.name)));
        names::check_name("scenario name", &self.name)?;
        if self.futures.is_empty() {
            return bad("has no futures".into());
        }
        if self.samples == 0 {
            return bad("samples must be at least 1".into());
        }
        for (key, value) in [
            ("workers", self.runtime.workers),
            ("max_blocking_threads", self.runtime.max_blocking_threads),
            ("blocking permits", self.runtime.blocking_permits),
            ("pool threads", self.runtime.pool_threads),
        ] {
            if value == Some(0) {
                return bad(format!("{key} must be at least 1"));
            }
        }
        if let Some((knob, _)) = self.runtime.tokio.iter().find(|&(_, v)| v == 0) {
            return bad(format!("{knob} must be at least 1"));
        }
        if let (Flavor::CurrentThread, Some(workers @ 2..)) =
            (self.runtime.flavor, self.runtime.workers)
        {
            return bad(format!(
                "workers = {workers} does not apply to current_thread, which runs everything on one thread"
            ));
        }
        if self.runtime.executor == Executor::Smol
            && let Some((knob, _)) = self.runtime.tokio.iter().next()
        {
            return bad(format!("{knob} is tokio's: it does not apply to smol"));
        }
        let mut ids = std::collections::HashSet::with_capacity(self.claims.len());
        for claim in &self.claims {
            let id = claim.id();
            if !ids.insert(id.clone()) {
                return bad(format!(
                    "two claims have the id `{id}` (one future pattern, metric and percentile): keep one bound per claim id"
                ));
            }
        }
        let mut seen = std::collections::HashSet::with_capacity(self.futures.len());
        for future in &self.futures {
            names::check_name("future name", &future.name)?;
            if !seen.insert(future.name.as_str()) {
                return bad(format!("future name `{}` is used twice", future.name));
            }
            if future.samples == Some(0) {
                return bad(format!(
                    "future `{}`: samples must be at least 1",
                    future.name
                ));
            }
            if future.cost.is_zero() && !future.role.is_service() {
                return bad(format!("future `{}`: cost must be positive", future.name));
            }
            if future.placement == Placement::BlockInPlace
                && self.runtime.executor == Executor::Smol
            {
                return bad(format!(
                    "future `{}` uses block_in_place, which smol has no equivalent of: run it on tokio",
                    future.name
                ));
            }
            if future.placement == Placement::BlockInPlace
                && self.runtime.flavor == Flavor::CurrentThread
            {
                return bad(format!(
                    "future `{}` uses block_in_place, which needs worker threads: not available on a current_thread runtime",
                    future.name
                ));
            }
        }
        Ok(())
    }
}
