//! Every task of a runtime through tokio's task hooks (the `task-hooks`
//! feature, built with `RUSTFLAGS="--cfg tokio_unstable"`): tasks nobody
//! wrapped are recorded into the session, and nothing after it finished.
#![cfg(all(feature = "task-hooks", tokio_unstable))]

use pollscope::{Session, ThreadKind};

#[test]
fn unwrapped_tasks_are_recorded_with_their_polls() {
    let session = Session::start("hooked").unwrap();
    let clone = session.clone();
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.worker_threads(2);
    let runtime = session.hook_tasks(&mut builder).build().unwrap();
    runtime.block_on(async {
        // Three tasks a library might spawn: nobody wraps them.
        let tasks: Vec<_> = (0..3)
            .map(|i| {
                tokio::spawn(async move {
                    for _ in 0..i {
                        tokio::task::yield_now().await;
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    let result = session.finish_with(runtime.handle()).unwrap();
    let mut polls: Vec<usize> = result
        .trace
        .futures
        .iter()
        .filter(|f| f.name.starts_with("task") && f.name.contains("task_hooks.rs"))
        .map(|f| f.polls.len())
        .collect();
    polls.sort_unstable();
    assert_eq!(polls, [1, 2, 3]); // i yields, then Ready
    for task in result
        .trace
        .futures
        .iter()
        .filter(|f| f.name.contains("task_hooks.rs"))
    {
        assert!(task.polls.last().unwrap().ready, "{}", task.name);
        assert!(task.polls.iter().all(|p| p.woken_ns().is_none()));
        assert!(task.polls.iter().all(|p| p.end_ns >= p.start_ns));
        assert!(
            task.polls
                .iter()
                .all(|p| result.trace.threads[usize::from(p.thread)].kind == ThreadKind::Worker)
        );
    }
    // After finish, the hooks record nothing: a clone finishing later finds
    // no task.
    runtime.block_on(async { tokio::spawn(async {}).await.unwrap() });
    assert!(clone.finish().unwrap().trace.futures.is_empty());
}
