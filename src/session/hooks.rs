//! Every task of a runtime, unwrapped: tokio's task hooks (behind
//! `--cfg tokio_unstable`) record each poll of every task — the ones
//! libraries spawn included — into a [`Session`](super::Session).
//!
//! The hooks run on the polling thread: `on_before_task_poll` reads the
//! clock into a thread-local, `on_after_task_poll` reads it again and
//! appends one record to the thread's own buffer (a mutex only that thread
//! takes until the session finishes, so never contended). Two clock reads
//! and a push per poll; no waker is wrapped, so these tasks have no wake
//! times (and no scheduling delays): wrap a future with
//! [`Session::instrument`](super::Session::instrument) for those.
//!
//! A task's last poll wakes its `JoinHandle` (and tokio calls the
//! terminate hook) before the poll returns, so whoever awaited it may
//! finish the session while that poll is still open. Each thread marks the
//! poll it is in, and finishing waits for the marks to clear (up to
//! [`CLOSE_WAIT`]; a poll that runs longer is left out).

use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::runtime::{Builder, TaskMeta};

use crate::probe::clock::{self, Ticks};
use crate::probe::{FutureLog, NOT_MEASURED, PollRecord, Recording, ThreadKind};

/// One hooked poll.
#[derive(Clone, Copy, Debug)]
struct TaskPoll {
    task: u64,
    start: Ticks,
    end: Ticks,
    thread: u16,
}

/// How long finishing waits for the polls in progress to close.
const CLOSE_WAIT: Duration = Duration::from_millis(100);

/// A thread's polls, and whether it is in one that started while the
/// session recorded.
#[derive(Debug, Default)]
struct ThreadPolls {
    polls: Mutex<Vec<TaskPoll>>,
    polling: AtomicBool,
}

type Buffer = Arc<ThreadPolls>;

/// A thread's buffer in one session's hooks, and its thread index there.
type Served = Option<(Buffer, u16)>;

/// What a session's hooks share.
#[derive(Debug)]
pub(crate) struct Hooks {
    /// Unique in the process (never reused, unlike an address).
    id: u64,
    recording: Recording,
    /// Every thread's buffer, in registration order.
    buffers: Mutex<Vec<Buffer>>,
    /// Task id → where it was spawned; and which tasks terminated.
    tasks: Mutex<HashMap<u64, (&'static Location<'static>, bool)>>,
}

/// What a thread keeps between a poll's two hooks.
struct Local {
    /// The hooks it last served (by id).
    hooks: u64,
    /// Its buffer and thread index there.
    served: Served,
    /// The start of the poll in progress.
    start: Ticks,
    /// Whether that poll is recorded (it started while the session was).
    recorded: bool,
}

thread_local! {
    static LOCAL: RefCell<Local> = const {
        RefCell::new(Local { hooks: 0, served: None, start: 0, recorded: false })
    };
}

/// tokio's task id as a number, without formatting it: tokio's `Id`
/// hashes its one `u64`, which this hasher keeps.
fn id_of(meta: &TaskMeta<'_>) -> u64 {
    use std::hash::{Hash, Hasher};

    #[derive(Default)]
    struct Keep(u64);

    impl Hasher for Keep {
        fn finish(&self) -> u64 {
            self.0
        }
        fn write(&mut self, bytes: &[u8]) {
            for &b in bytes {
                self.0 = self.0.rotate_left(8) ^ u64::from(b);
            }
        }
        fn write_u64(&mut self, value: u64) {
            self.0 = value;
        }
    }

    let mut keep = Keep::default();
    meta.id().hash(&mut keep);
    keep.finish()
}

impl Hooks {
    pub(crate) fn new(recording: Recording) -> Arc<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Arc::new(Self {
            id: NEXT.fetch_add(1, Ordering::Relaxed),
            recording,
            buffers: Mutex::new(Vec::new()),
            tasks: Mutex::new(HashMap::new()),
        })
    }

    /// Installs the four hooks on `builder`.
    pub(crate) fn attach(self: &Arc<Self>, builder: &mut Builder) {
        let (spawn, end, before, after) = (self.clone(), self.clone(), self.clone(), self.clone());
        builder
            .on_task_spawn(move |meta| spawn.task(id_of(meta), Some(meta.spawned_at()), false))
            .on_task_terminate(move |meta| end.task(id_of(meta), None, true))
            .on_before_task_poll(move |_| before.before())
            .on_after_task_poll(move |meta| after.after(id_of(meta)));
    }

    fn task(&self, id: u64, at: Option<&'static Location<'static>>, done: bool) {
        let mut tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
        // A task's end comes inside its last poll, which finishing waits for.
        let wanted = self.recording.is_active() || (done && tasks.contains_key(&id));
        if !wanted {
            return;
        }
        let entry = tasks.entry(id).or_insert((Location::caller(), false));
        if let Some(at) = at {
            entry.0 = at;
        }
        entry.1 |= done;
    }

    #[inline]
    fn before(&self) {
        if !self.recording.is_active() {
            return;
        }
        LOCAL.with_borrow_mut(|local| {
            if local.hooks != self.id || local.served.is_none() {
                let thread = self.recording.thread_index(ThreadKind::Worker);
                local.hooks = self.id;
                local.served = Some((self.register(), thread));
            }
            if let Some((buffer, _)) = &local.served {
                buffer.polling.store(true, Ordering::Release);
            }
            local.recorded = true;
            local.start = clock::now();
        });
    }

    #[inline]
    fn after(&self, task: u64) {
        let end = clock::now();
        LOCAL.with_borrow_mut(|local| {
            if !local.recorded || local.hooks != self.id {
                return;
            }
            local.recorded = false;
            if let Some((buffer, thread)) = &local.served {
                let record = TaskPoll {
                    task,
                    start: local.start,
                    end,
                    thread: *thread,
                };
                buffer
                    .polls
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(record);
                buffer.polling.store(false, Ordering::Release);
            }
        });
    }

    #[cold]
    fn register(&self) -> Buffer {
        let buffer = Buffer::default();
        let mut buffers = self.buffers.lock().unwrap_or_else(|e| e.into_inner());
        buffers.push(buffer.clone());
        buffer
    }

    /// Every hooked task as a log: named `task<id>-<file>-<line>` of its
    /// spawn (made safe), its polls in time order, its last poll `Ready`
    /// when the task terminated.
    pub(crate) fn logs(&self) -> Vec<FutureLog> {
        let buffers = self
            .buffers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let deadline = Instant::now() + CLOSE_WAIT;
        while buffers.iter().any(|b| b.polling.load(Ordering::Acquire)) && Instant::now() < deadline
        {
            std::thread::yield_now();
        }
        let mut polls: Vec<TaskPoll> = Vec::new();
        for buffer in &buffers {
            polls.append(&mut buffer.polls.lock().unwrap_or_else(|e| e.into_inner()));
        }
        polls.sort_by_key(|p| (p.task, p.start));
        let tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
        let mut logs: Vec<FutureLog> = Vec::new();
        let mut current = None;
        for poll in polls {
            if current != Some(poll.task) {
                current = Some(poll.task);
                let (at, done) = tasks
                    .get(&poll.task)
                    .copied()
                    .unwrap_or((Location::caller(), false));
                logs.push(FutureLog {
                    id: poll.task as u32,
                    name: task_name(poll.task, at),
                    completed: done,
                    ..FutureLog::default()
                });
            }
            let log = logs.last_mut().expect("just pushed");
            log.polls.push(PollRecord {
                start: poll.start,
                end: poll.end,
                woken: 0,
                cpu_ns: NOT_MEASURED,
                thread: poll.thread,
                ready: false,
            });
        }
        for log in &mut logs {
            if let (true, Some(last)) = (log.completed, log.polls.last_mut()) {
                last.ready = true;
            }
        }
        logs
    }
}

/// `task<id>-<file name>-<line>`, in the safe alphabet and at most 64
/// characters.
fn task_name(id: u64, at: &Location<'_>) -> String {
    let file = at.file().rsplit(['/', '\\']).next().unwrap_or("");
    let name: String = format!("task{id}-{file}-{}", at.line())
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    name
}
