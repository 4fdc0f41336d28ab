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

use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

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

type Buffer = Arc<Mutex<Vec<TaskPoll>>>;

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

thread_local! {
    /// The hooks this thread last served (by id), its buffer and thread
    /// index there, and the start of the poll in progress.
    static LOCAL: RefCell<(u64, Served, Ticks)> = const { RefCell::new((0, None, 0)) };
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
        if !self.recording.is_active() {
            return;
        }
        let mut tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
        let entry = tasks.entry(id).or_insert((Location::caller(), false));
        if let Some(at) = at {
            entry.0 = at;
        }
        entry.1 |= done;
    }

    #[inline]
    fn before(&self) {
        let start = clock::now();
        LOCAL.with_borrow_mut(|local| local.2 = start);
    }

    #[inline]
    fn after(&self, task: u64) {
        let end = clock::now();
        if !self.recording.is_active() {
            return;
        }
        LOCAL.with_borrow_mut(|local| {
            if local.0 != self.id || local.1.is_none() {
                let thread = self.recording.thread_index(ThreadKind::Worker);
                *local = (self.id, Some((self.register(), thread)), local.2);
            }
            if let Some((buffer, thread)) = &local.1 {
                let record = TaskPoll {
                    task,
                    start: local.2,
                    end,
                    thread: *thread,
                };
                buffer
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(record);
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
        let mut polls: Vec<TaskPoll> = Vec::new();
        for buffer in self
            .buffers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            polls.append(&mut buffer.lock().unwrap_or_else(|e| e.into_inner()));
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
