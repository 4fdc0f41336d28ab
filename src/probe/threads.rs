//! The thread registry: a small index per thread and run, and the role the
//! probe first saw the thread in.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::cpu_clock::{cpu_time_of_ns, thread_cpu_ns};
use crate::common::spelling::spelled_enum;

/// The role a thread played when the probe first saw it.
///
/// tokio names worker and blocking threads alike (`tokio-runtime-worker`),
/// so the kind comes from the call site that registered the thread, never
/// from its name.
///
/// ```
/// assert_eq!(pollscope::ThreadKind::Blocking.as_str(), "blocking");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ThreadKind {
    /// The thread that called `block_on` (thread index 0).
    #[default]
    Main,
    /// A runtime thread that polled tasks (including `block_in_place` steps).
    Worker,
    /// A thread that ran a `spawn_blocking` closure.
    Blocking,
    /// A thread of a dedicated pool, such as rayon.
    Pool,
}

spelled_enum!(pub ThreadKind, "thread kind", {
    Main => "main",
    Worker => "worker",
    Blocking => "blocking",
    Pool => "pool",
});

/// A thread seen during a recording.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ThreadInfo {
    /// Small index within the run; 0 is the thread that called `block_on`.
    pub index: u16,
    /// The kernel thread id (gettid): what `top` and Perfetto show.
    pub os_thread_id: u64,
    /// The thread's name, empty when it has none.
    pub name: String,
    /// The role the probe first saw the thread in.
    pub kind: ThreadKind,
    /// CPU time the kernel charged to the thread from its registration to
    /// the end of the run (`CLOCK_THREAD_CPUTIME_ID` at registration, read
    /// on the thread; `/proc/self/task/<tid>/schedstat` at the end); `None`
    /// where the kernel does not say.
    pub cpu_time_ns: Option<u64>,
    /// CPU time the kernel charged to the thread between its recorded
    /// work, from the first to the last piece: between the end of each
    /// outermost poll, or step or span run outside a poll, and the start of
    /// the next on this thread, by the thread's CPU clock. It is the
    /// runtime's own work (scheduling, waking, parking, handing tasks to
    /// the blocking pool) and the probe's own work outside its clock reads. `None`
    /// unless polls were measured (`--poll-cpu-time`).
    pub runtime_cpu_ns: Option<u64>,
}

/// The kernel's id for the calling thread (gettid on Linux).
pub(crate) fn current_os_thread_id() -> u64 {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid has no preconditions and cannot fail.
        (unsafe { libc::syscall(libc::SYS_gettid) }) as u64
    }
    #[cfg(not(target_os = "linux"))]
    {
        thread_id::get() as u64
    }
}

thread_local! {
    /// (registry id, index) of the last registry this thread joined: the
    /// hot-path cache that makes [`ThreadRegistry::index`] a TLS read.
    static CACHED: Cell<(u64, u16)> = const { Cell::new((0, 0)) };
    /// With measured polls: (registry id, this thread's runtime CPU
    /// counter in that registry, the thread's CPU clock at the end of its
    /// last recorded work there).
    static WORK_CPU: Cell<(u64, *const AtomicU64, u64)> =
        const { Cell::new((0, std::ptr::null(), 0)) };
}

/// One registered thread.
#[derive(Debug)]
struct Entry {
    /// The thread-id crate's identity of the thread.
    identity: usize,
    /// The kernel's CPU time of the thread at registration.
    cpu_at_start: Option<u64>,
    /// Σ CPU time between its recorded work (see
    /// [`ThreadInfo::runtime_cpu_ns`]); written by the thread itself only.
    runtime_cpu: Arc<AtomicU64>,
    info: ThreadInfo,
}

/// Per-recording thread table. Registration takes a lock once per thread and
/// run; afterwards [`ThreadRegistry::index`] is a thread-local read.
#[derive(Debug)]
pub(crate) struct ThreadRegistry {
    id: u64,
    /// In index order.
    threads: Mutex<Vec<Entry>>,
}

impl ThreadRegistry {
    pub(crate) fn new(id: u64) -> Self {
        Self {
            id,
            threads: Mutex::new(Vec::new()),
        }
    }

    /// The calling thread's index, registering it with `kind` if this is the
    /// first time the registry sees it.
    #[inline]
    pub(crate) fn index(&self, kind: ThreadKind) -> u16 {
        let (registry, index) = CACHED.get();
        if registry == self.id {
            index
        } else {
            self.register(kind)
        }
    }

    #[cold]
    fn register(&self, kind: ThreadKind) -> u16 {
        let identity = thread_id::get();
        let mut threads = self.threads.lock().unwrap_or_else(|e| e.into_inner());
        let index = match threads.iter().find(|e| e.identity == identity) {
            Some(entry) => entry.info.index,
            None => {
                let index = u16::try_from(threads.len()).unwrap_or(u16::MAX);
                let name = std::thread::current().name().unwrap_or("").to_string();
                threads.push(Entry {
                    identity,
                    cpu_at_start: thread_cpu_ns(),
                    runtime_cpu: Arc::default(),
                    info: ThreadInfo {
                        index,
                        os_thread_id: current_os_thread_id(),
                        name,
                        kind,
                        cpu_time_ns: None,
                        runtime_cpu_ns: None,
                    },
                });
                index
            }
        };
        CACHED.set((self.id, index));
        index
    }

    /// Notes recorded work of the calling thread (an outermost poll, or a
    /// step or span outside any poll) that began at `cpu_start` and ended
    /// at `cpu_end` on its CPU clock: the CPU time since its previous
    /// recorded work goes to its runtime CPU counter. Call after
    /// [`index`](Self::index) registered the thread.
    #[inline]
    pub(crate) fn note_work(&self, cpu_start: u64, cpu_end: u64) {
        let (registry, counter, last_end) = WORK_CPU.get();
        if registry != self.id {
            self.first_work(cpu_end);
            return;
        }
        // SAFETY: `counter` points into an `Arc` that this registry (alive:
        // `self`) holds for the thread until the registry drops; registry
        // ids are never reused.
        let counter = unsafe { &*counter };
        // Only this thread writes its counter: no read-modify-write needed.
        let gap = cpu_start.saturating_sub(last_end);
        counter.store(
            counter.load(Ordering::Relaxed).saturating_add(gap),
            Ordering::Relaxed,
        );
        WORK_CPU.set((registry, counter, cpu_end));
    }

    #[cold]
    fn first_work(&self, cpu_end: u64) {
        let identity = thread_id::get();
        let threads = self.threads.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = threads.iter().find(|e| e.identity == identity) {
            WORK_CPU.set((self.id, Arc::as_ptr(&entry.runtime_cpu), cpu_end));
        }
    }

    pub(crate) fn snapshot(&self) -> Vec<ThreadInfo> {
        let threads = self.threads.lock().unwrap_or_else(|e| e.into_inner());
        threads.iter().map(|e| e.info.clone()).collect()
    }

    /// Counts the calling thread's kernel CPU time from now (when the
    /// recording's time 0 moves after it registered).
    pub(crate) fn rebase_cpu_time(&self) {
        let identity = thread_id::get();
        let mut threads = self.threads.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = threads.iter_mut().find(|e| e.identity == identity) {
            entry.cpu_at_start = thread_cpu_ns();
        }
    }

    /// Sets each thread's `cpu_time_ns` to the kernel's CPU time charged
    /// to it since its registration, and, when polls were measured, its
    /// `runtime_cpu_ns`. Call while the threads are alive.
    pub(crate) fn capture_cpu_times(&self, polls_measured: bool) {
        let mut threads = self.threads.lock().unwrap_or_else(|e| e.into_inner());
        for entry in threads.iter_mut() {
            let info = &mut entry.info;
            info.cpu_time_ns = entry.cpu_at_start.and_then(|start| {
                cpu_time_of_ns(info.os_thread_id).map(|end| end.saturating_sub(start))
            });
            info.runtime_cpu_ns = polls_measured.then(|| entry.runtime_cpu.load(Ordering::Relaxed));
        }
    }
}

#[cfg(test)]
mod doc_examples {
    #[test]
    fn threads_current_os_thread_id() {
        assert!(crate::probe::threads::current_os_thread_id() > 0);
    }
}
