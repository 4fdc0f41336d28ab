//! The ground every stage stands on: durations, names, statistics.

pub(crate) mod duration;
pub(crate) mod hash;
pub(crate) mod machine;
pub(crate) mod names;
#[cfg(test)]
pub(crate) mod rng;
pub(crate) mod significance;
pub(crate) mod spelling;
pub(crate) mod stats;
pub(crate) mod time;
