//! The calling thread's own CPU clock: how long the kernel has run it.
//!
//! `clock_gettime(CLOCK_THREAD_CPUTIME_ID)` is a system call (the vDSO
//! serves only wall clocks): about 0.3–0.7 µs a read on the machines
//! measured (`cargo bench --bench probe -- cpu_clock`). The perf
//! task-clock page could be read without one only where the kernel offers
//! user-space time for software events (`cap_user_time`), which the VMs
//! measured do not; so pollscope reads the system call, twice per producer
//! step (under 1 % of a 100 µs step), and per poll only when asked
//! (`--poll-cpu-time`).
//!
//! Inside a VM, time the host steals from the vCPU counts as the thread's
//! CPU time: it stays invisible here.

/// The calling thread's CPU time, ns; `None` where the clock is missing.
///
/// ```
/// let a = pollscope::internals::thread_cpu_ns().unwrap();
/// let b = pollscope::internals::thread_cpu_ns().unwrap();
/// assert!(b >= a);
/// ```
#[inline]
pub fn thread_cpu_ns() -> Option<u64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-pointer for the duration of the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| (ts.tv_sec as u64).saturating_mul(1_000_000_000) + ts.tv_nsec as u64)
}

/// CPU time the kernel has charged to thread `tid` of this process, ns:
/// the first field of `/proc/self/task/<tid>/schedstat` (the same counter
/// as `CLOCK_THREAD_CPUTIME_ID`), readable from any thread.
pub(crate) fn cpu_time_of_ns(tid: u64) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/self/task/{tid}/schedstat")).ok()?;
    text.split_whitespace().next()?.parse().ok()
}
