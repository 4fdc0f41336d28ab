//! The thread registry: a small index per thread and run, and the role the
//! probe first saw the thread in.

use std::cell::Cell;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::cpu_clock::{cpu_time_of_ns, thread_cpu_ns};

/// The role a thread played when the probe first saw it.
///
/// tokio names worker and blocking threads alike (`tokio-runtime-worker`),
/// so the kind comes from the call site that registered the thread, never
/// from its name.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
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

impl ThreadKind {
    /// The kind's name as written in `threads.csv`.
    ///
    /// ```
    /// assert_eq!(pollscope::ThreadKind::Blocking.as_str(), "blocking");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            ThreadKind::Main => "main",
            ThreadKind::Worker => "worker",
            ThreadKind::Blocking => "blocking",
            ThreadKind::Pool => "pool",
        }
    }
}

impl std::str::FromStr for ThreadKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        [
            ThreadKind::Main,
            ThreadKind::Worker,
            ThreadKind::Blocking,
            ThreadKind::Pool,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
        .ok_or_else(|| format!("unknown thread kind `{s}`"))
    }
}

/// A thread seen during a recording.
#[derive(Clone, Debug, PartialEq, Eq)]
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
}

/// Per-recording thread table. Registration takes a lock once per thread and
/// run; afterwards [`ThreadRegistry::index`] is a thread-local read.
#[derive(Debug)]
pub(crate) struct ThreadRegistry {
    id: u64,
    /// (thread-id crate identity, kernel CPU time at registration, info),
    /// in index order.
    threads: Mutex<Vec<(usize, Option<u64>, ThreadInfo)>>,
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
        let index = match threads.iter().find(|(id, _, _)| *id == identity) {
            Some((_, _, info)) => info.index,
            None => {
                let index = u16::try_from(threads.len()).unwrap_or(u16::MAX);
                let name = std::thread::current().name().unwrap_or("").to_string();
                threads.push((
                    identity,
                    thread_cpu_ns(),
                    ThreadInfo {
                        index,
                        os_thread_id: current_os_thread_id(),
                        name,
                        kind,
                        cpu_time_ns: None,
                    },
                ));
                index
            }
        };
        CACHED.set((self.id, index));
        index
    }

    pub(crate) fn snapshot(&self) -> Vec<ThreadInfo> {
        let threads = self.threads.lock().unwrap_or_else(|e| e.into_inner());
        threads.iter().map(|(_, _, info)| info.clone()).collect()
    }

    /// Counts the calling thread's kernel CPU time from now (when the
    /// recording's time 0 moves after it registered).
    pub(crate) fn rebase_cpu_time(&self) {
        let identity = thread_id::get();
        let mut threads = self.threads.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = threads.iter_mut().find(|(id, _, _)| *id == identity) {
            entry.1 = thread_cpu_ns();
        }
    }

    /// Sets each thread's `cpu_time_ns` to the kernel's CPU time charged
    /// to it since its registration. Call while the threads are alive.
    pub(crate) fn capture_cpu_times(&self) {
        let mut threads = self.threads.lock().unwrap_or_else(|e| e.into_inner());
        for (_, start, info) in threads.iter_mut() {
            info.cpu_time_ns = start.and_then(|start| {
                cpu_time_of_ns(info.os_thread_id).map(|end| end.saturating_sub(start))
            });
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
