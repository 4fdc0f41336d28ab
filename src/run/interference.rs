//! Interference: what the rest of the machine did with the CPUs while a run
//! ran, from `/proc/stat` and the process's own CPU clock, read at the
//! run's start and end.
//!
//! Over the run's wall interval W, on C CPUs, every figure is a share of
//! C × W. C is the CPUs the process may run on (its affinity mask, which
//! `taskset` and cpusets narrow) as `/proc/stat` counts them: its aggregate
//! `cpu` line when that is every online CPU, else the sum of the allowed
//! CPUs' `cpuN` lines — so a process pinned to one CPU is disturbed by a
//! busy loop on that CPU, not helped by an idle one it may not use. (This
//! is `available_parallelism` without the cgroup CPU quota, which
//! `/proc/stat` cannot see: under a quota, idle time on the allowed CPUs
//! may be time the run was not allowed to use.)
//!
//! * `other_cpu_pct` — CPU time of everything but this process: the
//!   aggregate's busy time (`user + nice + system + irq + softirq`) less
//!   the process's own CPU time (`CLOCK_PROCESS_CPUTIME_ID`, every thread
//!   of the process, exited ones included);
//! * `steal_pct` — the hypervisor's `steal`: time the host gave the vCPUs
//!   to someone else;
//! * `idle_pct` — `idle + iowait`.
//!
//! `/proc/stat` counts in ticks of 1/`USER_HZ` s (10 ms), each field
//! truncated, so one tick is 1/(C × W × `USER_HZ`) of the total: 2.5 % of
//! a 200 ms run on 2 CPUs, 0.5 % of a second. Short runs read coarsely;
//! figures are clamped to 0–100 %.
//!
//! Reading both snapshots (two reads of `/proc/stat` and of the process
//! clock) costs well under a millisecond per run (see
//! `snapshot_cost` in the tests; docs/benchmarks.md gives the figure).

use std::time::Instant;

use crate::trace::Interference;

/// The aggregate `cpu` line of `/proc/stat`, in ticks of 1/`USER_HZ` s.
/// (`guest` and `guest_nice` are already inside `user` and `nice`.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct CpuTimes {
    pub(crate) user: u64,
    pub(crate) nice: u64,
    pub(crate) system: u64,
    pub(crate) idle: u64,
    pub(crate) iowait: u64,
    pub(crate) irq: u64,
    pub(crate) softirq: u64,
    pub(crate) steal: u64,
}

impl CpuTimes {
    /// Busy time of whatever ran: user, nice, system, irq, softirq.
    fn busy(&self) -> u64 {
        self.user + self.nice + self.system + self.irq + self.softirq
    }
}

/// A `/proc/stat` reading: its aggregate `cpu` line and each `cpuN` line
/// (the online CPUs), by N.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ProcStat {
    pub(crate) total: CpuTimes,
    pub(crate) per_cpu: Vec<(usize, CpuTimes)>,
}

impl ProcStat {
    /// The CPU times summed over the CPUs in `allowed` (the process's
    /// affinity) and how many they are: the aggregate line when `allowed`
    /// is unknown or covers every CPU (it is truncated to ticks once, not
    /// once per CPU), else the sum of the allowed CPUs' lines.
    pub(crate) fn over(&self, allowed: Option<&[usize]>) -> (CpuTimes, usize) {
        let everything = (self.total, self.per_cpu.len());
        let Some(allowed) = allowed else {
            return everything;
        };
        let mine: Vec<&CpuTimes> = self
            .per_cpu
            .iter()
            .filter(|(n, _)| allowed.contains(n))
            .map(|(_, t)| t)
            .collect();
        if mine.is_empty() || mine.len() == self.per_cpu.len() {
            return everything;
        }
        let sum = mine.iter().fold(CpuTimes::default(), |a, t| CpuTimes {
            user: a.user + t.user,
            nice: a.nice + t.nice,
            system: a.system + t.system,
            idle: a.idle + t.idle,
            iowait: a.iowait + t.iowait,
            irq: a.irq + t.irq,
            softirq: a.softirq + t.softirq,
            steal: a.steal + t.steal,
        });
        (sum, mine.len())
    }
}

/// The fields of one `cpu` line after its name; `None` when malformed.
/// Fields a kernel does not print (old ones lack `steal`) read 0.
fn cpu_times(fields: std::str::SplitWhitespace<'_>) -> Option<CpuTimes> {
    let values: Vec<u64> = fields
        .take(8)
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    if values.len() < 4 {
        return None;
    }
    let at = |i: usize| values.get(i).copied().unwrap_or(0);
    Some(CpuTimes {
        user: at(0),
        nice: at(1),
        system: at(2),
        idle: at(3),
        iowait: at(4),
        irq: at(5),
        softirq: at(6),
        steal: at(7),
    })
}

/// A `/proc/stat` text's `cpu` lines; `None` when the aggregate line or
/// every `cpuN` line is missing, or one is malformed.
pub(crate) fn parse_proc_stat(text: &str) -> Option<ProcStat> {
    let mut stat = ProcStat::default();
    let mut seen_total = false;
    for line in text.lines().take_while(|l| l.starts_with("cpu")) {
        let mut fields = line.split_whitespace();
        let name = fields.next()?;
        let times = cpu_times(fields)?;
        match name.strip_prefix("cpu")? {
            "" => {
                stat.total = times;
                seen_total = true;
            }
            n => stat.per_cpu.push((n.parse().ok()?, times)),
        }
    }
    (seen_total && !stat.per_cpu.is_empty()).then_some(stat)
}

/// The CPUs the calling thread may run on (its affinity mask, which the
/// run's threads inherit); `None` where the kernel does not say.
fn allowed_cpus() -> Option<Vec<usize>> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: a zeroed cpu_set_t is valid; sched_getaffinity writes
        // within the size it is given, and CPU_ISSET reads within it.
        unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
                return None;
            }
            let bits = 8 * std::mem::size_of::<libc::cpu_set_t>();
            Some((0..bits).filter(|&n| libc::CPU_ISSET(n, &set)).collect())
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// The interference over an interval of `wall_ns` on `cpus` CPUs, from the
/// `/proc/stat` readings at its start and end, the process's CPU time over
/// it (`process_ns`) and the length of a tick (`tick_ns`, 1/`USER_HZ` s).
/// `None` for an empty interval or counters that went backwards.
pub(crate) fn figures(
    start: &CpuTimes,
    end: &CpuTimes,
    cpus: usize,
    wall_ns: u64,
    process_ns: u64,
    tick_ns: u64,
) -> Option<Interference> {
    let capacity = cpus as f64 * wall_ns as f64;
    if capacity <= 0.0 {
        return None;
    }
    let delta = |a: u64, b: u64| b.checked_sub(a).map(|d| d as f64 * tick_ns as f64);
    let busy = delta(start.busy(), end.busy())?;
    let steal = delta(start.steal, end.steal)?;
    let idle = delta(start.idle + start.iowait, end.idle + end.iowait)?;
    let pct = |ns: f64| (ns * 100.0 / capacity).clamp(0.0, 100.0);
    let (other, steal, idle) = (pct(busy - process_ns as f64), pct(steal), pct(idle));
    let mut interference = Interference::new(other, steal, idle);
    // Each CPU's counters are whole ticks at both readings, so a share can
    // be off by up to one tick per CPU over the run: the rule judges the
    // figures less that resolution, and a short run is not called disturbed
    // on a difference its reading cannot tell from none.
    let resolution = resolution_pct(tick_ns, wall_ns);
    interference.disturbed = Interference::rule(
        (other - resolution).max(0.0),
        (steal - resolution).max(0.0),
        idle,
    );
    Some(interference)
}

/// What one tick per CPU is of a run of `wall_ns` on every CPU, in %: the
/// resolution of the shares `/proc/stat` gives over that run (5.7 % for a
/// 175 ms run at 100 ticks a second).
pub(crate) fn resolution_pct(tick_ns: u64, wall_ns: u64) -> f64 {
    if wall_ns == 0 {
        return 100.0;
    }
    (tick_ns as f64 * 100.0 / wall_ns as f64).min(100.0)
}

/// One reading of the machine's CPU times and the process's own, at a
/// moment of the wall clock.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Snapshot {
    at: Instant,
    /// `/proc/stat` over the CPUs the process may run on, and how many.
    machine: Option<(CpuTimes, usize)>,
    process_ns: Option<u64>,
}

impl Snapshot {
    /// Reads `/proc/stat` and the process's CPU clock now.
    pub(crate) fn now() -> Self {
        let machine = std::fs::read_to_string("/proc/stat")
            .ok()
            .and_then(|text| parse_proc_stat(&text))
            .map(|stat| stat.over(allowed_cpus().as_deref()));
        Self {
            process_ns: process_cpu_ns(),
            machine,
            at: Instant::now(),
        }
    }
}

/// What a run measured between two snapshots: the interference (`None`
/// where `/proc/stat` or the process clock is unreadable) and the process's
/// CPU time over the interval (`None` without the clock).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Measured {
    pub(crate) interference: Option<Interference>,
    pub(crate) process_cpu_ns: Option<u64>,
}

/// The interference and process CPU time between `start` and `end`.
pub(crate) fn between(start: &Snapshot, end: &Snapshot) -> Measured {
    let process_cpu_ns = match (start.process_ns, end.process_ns) {
        (Some(a), Some(b)) => Some(b.saturating_sub(a)),
        _ => None,
    };
    let wall_ns = crate::common::duration::nanos(end.at.saturating_duration_since(start.at));
    let interference = match (start.machine, end.machine, process_cpu_ns, tick_ns()) {
        (Some((a, cpus)), Some((b, _)), Some(process), Some(tick)) => {
            figures(&a, &b, cpus, wall_ns, process, tick)
        }
        _ => None,
    };
    Measured {
        interference,
        process_cpu_ns,
    }
}

/// The process's CPU time (all its threads, exited ones included), ns.
fn process_cpu_ns() -> Option<u64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-pointer for the duration of the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| (ts.tv_sec as u64).saturating_mul(1_000_000_000) + ts.tv_nsec as u64)
}

/// The length of `/proc/stat`'s tick, ns (1/`USER_HZ` s).
fn tick_ns() -> Option<u64> {
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    (hz > 0).then(|| 1_000_000_000 / hz as u64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_share_within_the_readings_resolution_does_not_disturb() {
        let t = |busy: u64, idle: u64| CpuTimes {
            user: busy,
            idle,
            ..CpuTimes::default()
        };
        // 2 CPUs, 175 ms, 10 ms ticks: one tick per CPU is 5.7 %. Others
        // took 2 ticks (20 ms of 350 ms: 5.7 %) beside the process's 300
        // ms, idle 3 ticks (8.6 %): within the resolution.
        let tick = 10_000_000;
        let within = figures(&t(0, 0), &t(32, 3), 2, 175_000_000, 300_000_000, tick).unwrap();
        assert!(
            within.other_cpu_pct > 5.0 && !within.disturbed,
            "{within:?}"
        );
        // Others took 10 ticks (100 ms, 28.6 %): disturbed, resolution or not.
        let beyond = figures(&t(0, 0), &t(35, 0), 2, 175_000_000, 250_000_000, tick).unwrap();
        assert!(beyond.disturbed, "{beyond:?}");
        assert!((resolution_pct(tick, 175_000_000) - 5.71).abs() < 0.01);
    }

    use super::*;

    const TICK: u64 = 10_000_000; // 10 ms
    const SECOND: u64 = 1_000_000_000;

    /// A `/proc/stat` reading of `cpus` CPUs.
    fn stat(user: u64, system: u64, idle: u64, iowait: u64, steal: u64) -> CpuTimes {
        CpuTimes {
            user,
            system,
            idle,
            iowait,
            steal,
            ..CpuTimes::default()
        }
    }

    /// The interference of 1 s on 2 CPUs (200 ticks in all) from a
    /// reading of zeros to `end`, the process having used `process_ms`.
    fn over_a_second(end: CpuTimes, process_ms: u64) -> Interference {
        figures(
            &CpuTimes::default(),
            &end,
            2,
            SECOND,
            process_ms * 1_000_000,
            TICK,
        )
        .unwrap()
    }

    #[test]
    fn parses_the_aggregate_line_and_counts_the_cpus() {
        let text = "cpu  225239 14502 45252 191681 1911 0 299 344 0 0\n\
                    cpu0 107700 7343 21544 102153 658 0 21 166 0 0\n\
                    cpu1 117538 7159 23707 89527 1252 0 278 178 0 0\n\
                    intr 1933381 0 0\nctxt 3103369\n";
        let stat = parse_proc_stat(text).unwrap();
        let (times, cpus) = stat.over(None);
        assert_eq!(cpus, 2);
        assert_eq!(times.user, 225239);
        assert_eq!(times.idle, 191681);
        assert_eq!(times.steal, 344);
        assert_eq!(times.busy(), 225239 + 14502 + 45252 + 299);
        // Every CPU allowed: the aggregate line.
        assert_eq!(stat.over(Some(&[0, 1, 5])), (times, 2));
        // CPU 1 alone: its own line.
        let (one, n) = stat.over(Some(&[1]));
        assert_eq!(n, 1);
        assert_eq!((one.user, one.idle, one.steal), (117538, 89527, 178));
        assert_eq!(parse_proc_stat("intr 1 2\n"), None);
        assert_eq!(parse_proc_stat("cpu 1 x 3 4\ncpu0 1 2 3 4\n"), None);
        assert_eq!(parse_proc_stat("cpu 1 2 3 4\n"), None);
        assert_eq!(parse_proc_stat(""), None);
        // An old kernel without steal.
        let old = parse_proc_stat("cpu 1 2 3 4\ncpu0 1 2 3 4\n").unwrap();
        assert_eq!((old.total.idle, old.total.steal), (4, 0));
    }

    #[test]
    fn figures_are_shares_of_cpus_times_wall() {
        // 200 ticks: the process used 1 s (100 ticks), others 60 ticks,
        // 30 ticks idle, 10 iowait.
        let i = over_a_second(stat(140, 20, 30, 10, 0), 1_000);
        assert!((i.other_cpu_pct - 30.0).abs() < 1e-9, "{i:?}");
        assert!((i.idle_pct - 20.0).abs() < 1e-9, "{i:?}");
        assert_eq!(i.steal_pct, 0.0);
        // The process's own CPU above /proc/stat's busy time (its ticks
        // are coarser): others read 0, never below.
        assert_eq!(
            over_a_second(stat(50, 0, 150, 0, 0), 600).other_cpu_pct,
            0.0
        );
        // An empty interval, or counters that went backwards.
        assert_eq!(
            figures(&CpuTimes::default(), &stat(1, 0, 0, 0, 0), 2, 0, 0, TICK),
            None
        );
        assert_eq!(
            figures(
                &stat(5, 0, 0, 0, 0),
                &stat(4, 0, 0, 0, 0),
                2,
                SECOND,
                0,
                TICK
            ),
            None
        );
    }

    #[test]
    fn steal_disturbs_from_five_percent_beyond_the_resolution() {
        // Over a second a tick per CPU is 1 %: 11 of 200 ticks stolen
        // (5.5 %) is 4.5 % beyond it; 12 (6 %) is 5 %.
        let below = over_a_second(stat(100, 0, 89, 0, 11), 1_000);
        assert!((below.steal_pct - 5.5).abs() < 1e-9);
        assert!(!below.disturbed, "{below:?}");
        let at = over_a_second(stat(100, 0, 88, 0, 12), 1_000);
        assert!((at.steal_pct - 6.0).abs() < 1e-9);
        assert!(at.disturbed, "{at:?}");
    }

    #[test]
    fn others_disturb_from_five_percent_while_idle_is_under_ten() {
        // The process used 1.8 s of 2 s; others 11 ticks (5.5 %: 4.5 %
        // beyond the 1 % resolution), idle 9.
        let below = over_a_second(stat(191, 0, 9, 0, 0), 1_800);
        assert!((below.other_cpu_pct - 5.5).abs() < 1e-9, "{below:?}");
        assert!(!below.disturbed);
        // Others 12 ticks (6 %: 5 % beyond), idle 8 ticks (4 %): disturbed.
        let at = over_a_second(stat(192, 0, 8, 0, 0), 1_800);
        assert!((at.other_cpu_pct - 6.0).abs() < 1e-9, "{at:?}");
        assert!(at.disturbed, "{at:?}");
        // Others 40 % but 20 ticks idle (10 %): they ran beside the run,
        // on CPU it did not want.
        let beside = over_a_second(stat(140, 40, 20, 0, 0), 1_000);
        assert!((beside.other_cpu_pct - 40.0).abs() < 1e-9, "{beside:?}");
        assert!((beside.idle_pct - 10.0).abs() < 1e-9, "{beside:?}");
        assert!(!beside.disturbed);
        // iowait counts as idle: 19 ticks idle + 1 iowait is 10 %.
        let waiting = over_a_second(stat(140, 40, 19, 1, 0), 1_000);
        assert!(!waiting.disturbed, "{waiting:?}");
        // … and 19 ticks alone is under 10 %.
        let busy = over_a_second(stat(141, 40, 19, 0, 0), 1_000);
        assert!(busy.disturbed, "{busy:?}");
    }

    #[test]
    fn the_rule_on_its_thresholds() {
        assert!(!Interference::rule(4.99, 4.99, 0.0));
        assert!(Interference::rule(0.0, 5.0, 100.0));
        assert!(Interference::rule(5.0, 0.0, 9.99));
        assert!(!Interference::rule(5.0, 0.0, 10.0));
        assert!(!Interference::rule(100.0, 0.0, 50.0));
    }

    #[test]
    fn snapshots_measure_this_machine() {
        let start = Snapshot::now();
        let mut x = 0u64;
        for i in 0..1_000_000u64 {
            x = x.wrapping_add(std::hint::black_box(i));
        }
        std::hint::black_box(x);
        let end = Snapshot::now();
        let measured = between(&start, &end);
        assert!(measured.process_cpu_ns.is_some());
        if let Some(i) = measured.interference {
            for pct in [i.other_cpu_pct, i.steal_pct, i.idle_pct] {
                assert!((0.0..=100.0).contains(&pct), "{i:?}");
            }
        }
    }

    /// The cost of measuring interference on a run: two snapshots.
    /// `cargo test snapshot_cost -- --ignored --nocapture` prints it.
    #[test]
    #[ignore = "prints a timing"]
    fn snapshot_cost() {
        let rounds = 1_000u32;
        let started = Instant::now();
        for _ in 0..rounds {
            let a = Snapshot::now();
            let b = Snapshot::now();
            std::hint::black_box(between(&a, &b));
        }
        let per_run = started.elapsed() / rounds;
        println!("two snapshots and the figures: {per_run:?} per run");
    }
}
