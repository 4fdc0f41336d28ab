//! How a step spends its cost: `cpu`, `spin` or `sleep` (what a scenario
//! asks for; [`crate::run`] burns it).

use crate::common::spelling::spelled_enum;

/// How a step spends its cost.
///
/// ```
/// use pollscope::CostKind;
/// assert_eq!("spin".parse::<CostKind>(), Ok(CostKind::Spin));
/// assert!("gpu".parse::<CostKind>().is_err());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
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

spelled_enum!(pub CostKind, "cost kind", {
    Cpu => "cpu",
    Spin => "spin",
    Sleep => "sleep",
});

impl CostKind {
    /// Whether the cost occupies a core while it runs (`cpu`, `spin`).
    pub fn uses_cpu(self) -> bool {
        !matches!(self, CostKind::Sleep)
    }
}
