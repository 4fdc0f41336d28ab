//! The cross product of runs: every scenario × workers × heavy cost ×
//! repeat is one run.

use std::collections::HashMap;
use std::time::Duration;

use crate::cost::CostKind;
use crate::error::{Error, Result};
use crate::names;
use crate::scenario::journey::{BUILTINS, Builtin};
use crate::scenario::{Flavor, JourneyParams, Scenario};

/// Where a scenario of the matrix comes from.
#[derive(Clone, Debug)]
pub(crate) enum ScenarioSource {
    /// A built-in scenario, rebuilt for each heavy cost.
    Builtin(Builtin),
    /// A fixed scenario (a TOML experiment): heavy costs do not apply; the
    /// flavor, workers, blocking cap, cost kind and samples of the matrix
    /// override the file's.
    Custom(Scenario),
}

impl ScenarioSource {
    /// What the source is, for messages: `built-in scenario `two_futures``
    /// or `experiment `x``.
    pub(crate) fn describe(&self) -> String {
        match self {
            ScenarioSource::Builtin(b) => format!("the built-in scenario `{}`", b.name),
            ScenarioSource::Custom(s) => format!("the experiment `{}` ({})", s.name, s.description),
        }
    }

    /// The built-in scenario called `name`.
    pub(crate) fn builtin(name: &str) -> Option<Self> {
        BUILTINS
            .iter()
            .find(|b| b.name == name)
            .copied()
            .map(Self::Builtin)
    }
}

/// The knobs that span the matrix, plus those applied to every run.
#[derive(Clone, Debug, Default)]
pub(crate) struct Matrix {
    /// Knobs of the built-in scenarios (the heavy cost is overridden by
    /// `heavy_costs` when that is not empty).
    pub params: JourneyParams,
    /// Heavy costs to sweep; empty = the params' one.
    pub heavy_costs: Vec<Duration>,
    /// Worker counts to sweep; empty = tokio's default.
    pub workers: Vec<usize>,
    /// Flavor for every run; `None` = the scenario's.
    pub flavor: Option<Flavor>,
    /// Blocking pool cap for every run; `None` = the scenario's.
    pub max_blocking_threads: Option<usize>,
    /// Runs per configuration (at least 1).
    pub repeat: u32,
    /// Cost kind forced on custom scenarios (every future); built-ins take
    /// theirs from `params`.
    pub custom_cost_kind: Option<CostKind>,
    /// Samples forced on custom scenarios (every future).
    pub custom_samples: Option<u32>,
}

/// One run of the matrix.
#[derive(Clone, Debug)]
pub(crate) struct RunPlan {
    /// The fully configured scenario.
    pub scenario: Scenario,
    /// Repeat number, from 0.
    pub repeat: u32,
}

impl RunPlan {
    /// The run's id.
    pub(crate) fn run_id(&self) -> String {
        self.scenario.run_id(self.repeat)
    }
}

impl Matrix {
    /// Every run, scenario-major, then workers, heavy cost and repeat.
    /// Worker counts collapse to one for current_thread runs. Every scenario
    /// is validated, so a bad combination fails before anything runs.
    pub(crate) fn plan(&self, sources: &[ScenarioSource]) -> Result<Vec<RunPlan>> {
        let workers: Vec<Option<usize>> = if self.workers.is_empty() {
            vec![None]
        } else {
            self.workers.iter().copied().map(Some).collect()
        };
        let heavy_costs = if self.heavy_costs.is_empty() {
            vec![self.params.heavy_cost]
        } else {
            self.heavy_costs.clone()
        };
        let mut plans: Vec<RunPlan> = Vec::new();
        // Run id → index of the source that made it: the same source may
        // repeat a run (duplicates collapse); two sources may not share one.
        let mut made_by: HashMap<String, usize> = HashMap::new();
        for (source_index, source) in sources.iter().enumerate() {
            for &w in &workers {
                for &heavy in &heavy_costs {
                    let mut scenario = match source {
                        ScenarioSource::Builtin(b) => (b.build)(&JourneyParams {
                            heavy_cost: heavy,
                            task_threads: match (self.flavor, w) {
                                (Some(Flavor::CurrentThread), _) => Some(1),
                                (_, w) => w,
                            },
                            ..self.params.clone()
                        }),
                        ScenarioSource::Custom(s) => {
                            let mut s = s.clone();
                            if let Some(kind) = self.custom_cost_kind {
                                s.cost_kind = kind;
                                s.futures.iter_mut().for_each(|f| f.cost_kind = None);
                            }
                            if let Some(samples) = self.custom_samples {
                                s.samples = samples;
                                s.futures.iter_mut().for_each(|f| f.samples = None);
                            }
                            s
                        }
                    };
                    if let Some(flavor) = self.flavor {
                        scenario.runtime.flavor = flavor;
                    }
                    if w.is_some() {
                        scenario.runtime.workers = w;
                    }
                    if self.max_blocking_threads.is_some() {
                        scenario.runtime.max_blocking_threads = self.max_blocking_threads;
                    }
                    scenario.validate()?;
                    for repeat in 0..self.repeat.max(1) {
                        let plan = RunPlan {
                            scenario: scenario.clone(),
                            repeat,
                        };
                        let id = plan.run_id();
                        if let Some(problem) = names::run_id_problem(&id) {
                            return Err(Error::bad_input(format!("run id `{id}` {problem}")));
                        }
                        match made_by.get(&id) {
                            Some(&other) if other == source_index => {}
                            Some(&other) => {
                                return Err(Error::bad_input(format!(
                                    "{} and {} would both write the run `{id}`: rename the experiment",
                                    sources[other].describe(),
                                    source.describe()
                                )));
                            }
                            None => {
                                made_by.insert(id, source_index);
                                plans.push(plan);
                            }
                        }
                    }
                }
            }
        }
        Ok(plans)
    }
}

#[cfg(test)]
mod doc_examples {
    #[test]
    fn matrix_plan() {
        use crate::matrix::{Matrix, ScenarioSource};
        use std::time::Duration;

        let matrix = Matrix {
            workers: vec![1, 2],
            heavy_costs: vec![Duration::from_micros(100), Duration::from_micros(500)],
            repeat: 2,
            ..Default::default()
        };
        let runs = matrix
            .plan(&[ScenarioSource::builtin("two_futures").unwrap()])
            .unwrap();
        assert_eq!(runs.len(), 8);
        assert_eq!(runs[0].run_id(), "two_futures-w1-cpu100us-r0");
        assert_eq!(runs[7].run_id(), "two_futures-w2-cpu500us-r1");
    }
}
