//! How a step spends its cost: `cpu`, `spin` or `sleep` (what a scenario
//! asks for; [`crate::run`] burns it).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How a step spends its cost.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum CostKind {
    /// Arithmetic that spends the requested time in on-CPU time: sized by
    /// the calibration and bounded by the thread's own CPU clock, so a
    /// preempted step still costs exactly its CPU and stretches in wall
    /// time, as real work does.
    #[default]
    Cpu,
    /// Busy-wait until the clock passes the deadline: burns a core but ends
    /// on time even when preempted.
    Spin,
    /// `std::thread::sleep`: blocks the thread without using the CPU (what
    /// the blog post's program did).
    Sleep,
}

impl CostKind {
    /// All kinds, in documentation order.
    pub const ALL: [CostKind; 3] = [CostKind::Cpu, CostKind::Spin, CostKind::Sleep];

    /// The kind's name on the command line and in CSV files.
    pub fn as_str(self) -> &'static str {
        match self {
            CostKind::Cpu => "cpu",
            CostKind::Spin => "spin",
            CostKind::Sleep => "sleep",
        }
    }

    /// Whether the cost occupies a core while it runs (`cpu`, `spin`).
    pub fn uses_cpu(self) -> bool {
        !matches!(self, CostKind::Sleep)
    }
}

impl fmt::Display for CostKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CostKind {
    type Err = String;

    /// ```
    /// use pollscope::CostKind;
    /// assert_eq!("spin".parse::<CostKind>(), Ok(CostKind::Spin));
    /// assert!("gpu".parse::<CostKind>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, String> {
        CostKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| format!("unknown cost kind `{s}` (use cpu, spin or sleep)"))
    }
}
