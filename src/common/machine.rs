//! What the machine allows this process: memory and resource limits, read
//! by every stage that refuses a request before building it.

/// The memory this process may still use, where known: the smaller of the
/// machine's available memory (`MemAvailable` of /proc/meminfo) and, under
/// an address-space limit (`ulimit -v`, `RLIMIT_AS`), that limit minus
/// what the process already maps (`VmSize` of /proc/self/status).
pub(crate) fn available_memory() -> Option<u128> {
    let machine = meminfo_available();
    let limited = rlimit(libc::RLIMIT_AS)
        .map(|limit| u128::from(limit).saturating_sub(mapped_bytes().unwrap_or(0)));
    match (machine, limited) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Where [`available_memory`] comes from, for messages: ` (ulimit -v)`
/// when the address-space limit is the smaller figure, else nothing.
pub(crate) fn memory_limit_note() -> &'static str {
    let limited = rlimit(libc::RLIMIT_AS)
        .map(|limit| u128::from(limit).saturating_sub(mapped_bytes().unwrap_or(0)));
    match (meminfo_available(), limited) {
        (Some(machine), Some(limited)) if limited < machine => " (ulimit -v)",
        (None, Some(_)) => " (ulimit -v)",
        _ => "",
    }
}

/// `MemAvailable` of /proc/meminfo, in bytes.
fn meminfo_available() -> Option<u128> {
    kib_field("/proc/meminfo", "MemAvailable:")
}

/// The address space this process maps now (`VmSize`), in bytes.
fn mapped_bytes() -> Option<u128> {
    kib_field("/proc/self/status", "VmSize:")
}

/// The `field` line of a /proc file whose value is in kB, in bytes.
fn kib_field(path: &str, field: &str) -> Option<u128> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    let kib: u128 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The soft limit on `resource`, unless unlimited or unknown.
pub(crate) fn rlimit(resource: libc::__rlimit_resource_t) -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the struct it is given and nothing else.
    let ok = unsafe { libc::getrlimit(resource, &mut limit) } == 0;
    // `rlim_t` is u64 here but narrower on some platforms.
    #[allow(clippy::unnecessary_cast)]
    let current = limit.rlim_cur as u64;
    (ok && limit.rlim_cur != libc::RLIM_INFINITY).then_some(current)
}

#[cfg(test)]
mod tests {
    #[test]
    fn available_memory_is_at_most_the_machine_s() {
        if let (Some(all), Some(ours)) = (super::meminfo_available(), super::available_memory()) {
            assert!(ours <= all);
        }
    }
}
