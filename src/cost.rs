//! The cost of one producer step: `cpu`, `spin` or `sleep`.

use std::fmt;
use std::hint::black_box;
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::probe::clock;

/// How a step spends its cost.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum CostKind {
    /// A fixed amount of arithmetic, calibrated once per process to take the
    /// requested time on an idle core; slower under contention, as real CPU
    /// work is.
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
    /// use pollscope::cost::CostKind;
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

/// One step's cost, ready to burn: for `cpu`, the iteration count is worked
/// out once from the process's [`calibration`].
///
/// ```
/// use pollscope::cost::{Cost, CostKind};
/// use std::time::{Duration, Instant};
///
/// let cost = Cost::new(CostKind::Spin, Duration::from_micros(200));
/// let start = Instant::now();
/// cost.burn();
/// assert!(start.elapsed() >= Duration::from_micros(200));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cost {
    kind: CostKind,
    duration: Duration,
    iterations: u64,
}

impl Cost {
    /// A step of `duration` spent the `kind` way.
    pub fn new(kind: CostKind, duration: Duration) -> Self {
        let iterations = match kind {
            CostKind::Cpu => (duration.as_secs_f64() * 1e6 * calibration()).round() as u64,
            CostKind::Spin | CostKind::Sleep => 0,
        };
        Self {
            kind,
            duration,
            iterations,
        }
    }

    /// How the cost is spent.
    pub fn kind(&self) -> CostKind {
        self.kind
    }

    /// The requested duration.
    pub fn duration(&self) -> Duration {
        self.duration
    }

    /// Spends the cost on the calling thread.
    #[inline]
    pub fn burn(&self) {
        match self.kind {
            CostKind::Cpu => {
                black_box(cpu_work(self.iterations));
            }
            CostKind::Spin => {
                let deadline = clock::ticks_after(clock::now(), self.duration.as_nanos() as u64);
                while clock::now() < deadline {
                    std::hint::spin_loop();
                }
            }
            CostKind::Sleep => std::thread::sleep(self.duration),
        }
    }
}

/// The `cpu` kind's arithmetic: a dependent chain of multiply, add and
/// xor-shift that the compiler can neither vectorise nor skip.
#[inline(never)]
pub fn cpu_work(iterations: u64) -> u64 {
    let mut x = black_box(0x9E37_79B9_7F4A_7C15_u64);
    for _ in 0..iterations {
        x = x.wrapping_mul(0x5851_F42D_4C95_7F2D).wrapping_add(1);
        x ^= x >> 29;
    }
    x
}

/// The `cpu` cost's calibration: iterations of [`cpu_work`] per microsecond,
/// measured once per process (by [`calibrate`]) and reused for every run.
pub fn calibration() -> f64 {
    static CALIBRATION: OnceLock<f64> = OnceLock::new();
    *CALIBRATION.get_or_init(calibrate)
}

/// Measures [`cpu_work`]'s speed afresh, in iterations per microsecond:
/// 20 ms of warm-up (so the core reaches its working frequency: without it,
/// costs came out up to 9 % short), then 15 trials of about 2 ms, and their
/// median rate, which a preempted trial or a frequency burst cannot move.
/// About 50 ms in all.
pub fn calibrate() -> f64 {
    // Size a ~2 ms trial while warming up, then keep warming up to 20 ms.
    let warm_up = Instant::now();
    let mut iterations = 10_000u64;
    loop {
        let start = Instant::now();
        black_box(cpu_work(iterations));
        if start.elapsed() >= Duration::from_millis(2) {
            break;
        }
        iterations *= 2;
    }
    while warm_up.elapsed() < Duration::from_millis(20) {
        black_box(cpu_work(iterations));
    }
    let mut rates: Vec<f64> = (0..15)
        .map(|_| {
            let start = Instant::now();
            black_box(cpu_work(iterations));
            iterations as f64 / (start.elapsed().as_secs_f64() * 1e6)
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}
