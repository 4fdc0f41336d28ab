//! The library API on user futures: nesting, dropping, samples, spans, and
//! the result folder it writes.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pollscope::FutureKind;
use pollscope::Pictures;
use pollscope::ThreadKind;
use pollscope::{Probed, Session};

/// Returns Pending `n` times (waking itself each time), then Ready.
struct Countdown(u32);

impl Future for Countdown {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            return Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[test]
fn nested_dropped_and_spawned_futures_are_recorded() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let session = Session::start("user_code").expect("a safe name");
    runtime.block_on(async {
        // Nested: the inner future is polled inside the outer one's polls.
        let outer = async {
            pollscope::sample(1.0);
            Countdown(2).probed(&session, "inner").await;
            pollscope::sample(2.0);
        }
        .probed(&session, "outer");
        outer.await;
        // Dropped before completing: polled once, then abandoned.
        let mut abandoned = Box::pin(Countdown(10).probed(&session, "abandoned"));
        let _ = futures::poll!(abandoned.as_mut());
        drop(abandoned);
        // Spawned onto a worker.
        tokio::spawn(Countdown(3).probed(&session, "spawned"))
            .await
            .unwrap();
        // A span inside and one outside any instrumented future.
        session
            .instrument("with_span", async { session.span("work", || 6 * 7) })
            .await;
        std::thread::scope(|scope| {
            scope.spawn(|| session.span("work", || ()));
        });
    });
    let result = session.finish_with(runtime.handle()).unwrap();
    let trace = &result.trace;
    let f = |name: &str| {
        trace
            .future(name)
            .unwrap_or_else(|| panic!("{name} not recorded"))
    };

    let (outer, inner) = (f("outer"), f("inner"));
    assert_eq!(inner.polls.len(), 3); // two Pending, one Ready
    assert!(outer.polls.len() >= 3); // one per inner poll, plus any spurious ones
    assert!(inner.polls.iter().all(|p| p.thread == 0));
    // Every inner poll lies within an outer poll (nesting, not overlap).
    for p in &inner.polls {
        assert!(
            outer
                .polls
                .iter()
                .any(|o| o.start_ns <= p.start_ns && p.end_ns <= o.end_ns)
        );
    }
    // Samples go to the innermost future being polled: outer's own here.
    let values: Vec<f64> = outer.samples.iter().map(|s| s.value).collect();
    assert_eq!(values, [1.0, 2.0]);
    assert!(inner.samples.is_empty());
    // Wakes were seen: every poll after the first had one.
    assert!(
        inner.polls[1..]
            .iter()
            .all(|p| p.woken_ns().is_some_and(|w| w <= p.start_ns))
    );

    let abandoned = f("abandoned");
    assert_eq!(abandoned.polls.len(), 1);
    assert!(!abandoned.polls[0].ready);
    assert_eq!(
        result.analysis.future("abandoned").unwrap().completed_ns,
        None
    );

    let spawned = f("spawned");
    assert_eq!(spawned.polls.len(), 4);
    assert!(
        spawned
            .polls
            .iter()
            .all(|p| trace.threads[usize::from(p.thread)].kind == ThreadKind::Worker)
    );
    assert_eq!(spawned.kind, FutureKind::Instrumented);

    let work = f("work");
    assert_eq!(work.kind, FutureKind::Span);
    assert_eq!(work.samples.len(), 2);
    let blocking_thread = work.samples[1].thread;
    assert_eq!(
        trace.threads[usize::from(blocking_thread)].kind,
        ThreadKind::Blocking
    );
    assert_eq!(trace.threads[0].kind, ThreadKind::Main);
}

#[test]
fn a_session_writes_the_same_result_folder_as_a_run() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let session = Session::start("folder").expect("a safe name");
    runtime.block_on(session.instrument("tick", async {
        for i in 0..5 {
            pollscope::sample(f64::from(i));
            tokio::task::yield_now().await;
        }
    }));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mine");
    let published = session.finish_into(&out, Pictures::Yes).unwrap();
    assert_eq!(published.dir, out);
    for file in [
        "runs.csv",
        "futures.csv",
        "samples.csv",
        "polls.csv",
        "threads.csv",
        "histograms.csv",
        "findings.md",
        "index.html",
        "trace.json",
    ] {
        assert!(out.join(file).exists(), "{file}");
    }
    assert!(out.join("plots/folder.svg").exists() && out.join("plots/folder_zoom.svg").exists());
    // Its samples' values (µs) are first-class: statistics in ns and a histogram.
    let futures = std::fs::read_to_string(out.join("futures.csv")).unwrap();
    let header: Vec<&str> = futures.lines().next().unwrap().split(',').collect();
    let tick: Vec<&str> = futures
        .lines()
        .find(|l| l.contains(",tick,"))
        .unwrap()
        .split(',')
        .collect();
    let cell = |name: &str| tick[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!(cell("value_max_ns"), "4000");
    assert_eq!(cell("value_p50_ns"), "2000");
    let histograms = std::fs::read_to_string(out.join("histograms.csv")).unwrap();
    assert!(
        histograms
            .lines()
            .any(|l| l.starts_with("folder,tick,value,"))
    );
    // And it reads back like any result folder.
    let results = pollscope::load_results(&out).unwrap();
    assert_eq!(results[0].trace.future("tick").unwrap().samples.len(), 5);
}

#[test]
fn outside_an_instrumented_future_samples_record_nothing() {
    assert!(!futures::executor::block_on(async {
        pollscope::sample(1.0)
    }));
}

#[test]
fn nested_futures_with_poll_cpu_time_count_each_threads_cpu_once() {
    use std::time::Duration;

    use pollscope::{Cost, CostKind, SessionOptions};

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let options = SessionOptions::default().poll_cpu_time(true);
    let session = Session::start_with("nested_cpu", options).expect("a safe name");
    runtime.block_on(async {
        // A spawned instrumented task that awaits instrumented futures,
        // each spending 2 ms of CPU in its polls: the inner polls run
        // inside the outer one's.
        let inner_session = session.clone();
        tokio::spawn(
            async move {
                for i in 0..5 {
                    async {
                        Cost::new(CostKind::Cpu, Duration::from_millis(2)).burn();
                        Countdown(1).await;
                    }
                    .probed(&inner_session, format!("inner{i}"))
                    .await;
                }
            }
            .probed(&session, "outer"),
        )
        .await
        .unwrap();
    });
    // While the runtime's threads are alive, so the kernel still has their
    // CPU time.
    let result = session.finish_with(runtime.handle()).unwrap();
    let trace = &result.trace;
    for (info, stats) in trace.threads.iter().zip(&result.analysis.threads) {
        let kernel = info.cpu_time_ns.expect("the kernel's CPU time");
        let probe = stats.probe_cpu_ns.expect("polls measured");
        let runtime_cpu = info.runtime_cpu_ns.expect("polls measured");
        let slack = (kernel / 50).max(1_000_000);
        assert!(
            probe + runtime_cpu <= kernel + slack,
            "thread {}: polls {probe} ns + runtime {runtime_cpu} ns against the kernel's {kernel} ns",
            info.index
        );
    }
    // The outer task's polls hold the inner ones: 10 ms of CPU, counted once.
    let outer_cpu: u64 = trace
        .future("outer")
        .unwrap()
        .polls
        .iter()
        .filter_map(|p| p.cpu_ns())
        .sum();
    let counted: u64 = result
        .analysis
        .threads
        .iter()
        .filter_map(|t| t.probe_cpu_ns)
        .sum();
    assert!(outer_cpu >= 10_000_000, "outer {outer_cpu} ns");
    assert!(
        counted < outer_cpu + 5_000_000,
        "threads count {counted} ns for the outer task's {outer_cpu} ns"
    );
}

/// Runs a few instrumented tasks of `prefix` on a runtime of its own.
fn record_alone(session: &Session, prefix: &str) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    runtime.block_on(async {
        let tasks: Vec<_> = (0..4)
            .map(|i| tokio::spawn(Countdown(i).probed(session, format!("{prefix}{i}"))))
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
}

/// Two tests in parallel (the harness runs them on two threads), each with
/// its own session: neither sees the other's futures.
/// The names of the futures a session of its own records through
/// [`record_alone`] with `prefix`.
fn recorded_alone(session_name: &str, prefix: &str) -> Vec<String> {
    let session = Session::start(session_name).unwrap();
    record_alone(&session, prefix);
    session
        .finish()
        .unwrap()
        .trace
        .futures
        .iter()
        .map(|f| f.name.clone())
        .collect()
}

#[test]
fn parallel_sessions_record_independently_a() {
    assert_eq!(recorded_alone("parallel_a", "a"), ["a0", "a1", "a2", "a3"]);
}

#[test]
fn parallel_sessions_record_independently_b() {
    assert_eq!(recorded_alone("parallel_b", "b"), ["b0", "b1", "b2", "b3"]);
}

#[test]
fn two_sessions_at_once_on_one_thread_record_independently() {
    let first = Session::start("first").unwrap();
    let second = Session::start("second").unwrap();
    futures::executor::block_on(async {
        // Interleaved, and nested across sessions.
        first
            .instrument("one", async {
                pollscope::sample(1.0);
                second
                    .instrument("two", async {
                        pollscope::sample(2.0);
                    })
                    .await;
            })
            .await;
        second.span("two_span", || ());
    });
    let first = first.finish().unwrap();
    let second = second.finish().unwrap();
    let names = |r: &pollscope::RunResult| -> Vec<String> {
        r.trace.futures.iter().map(|f| f.name.clone()).collect()
    };
    assert_eq!(names(&first), ["one"]);
    assert_eq!(names(&second), ["two", "two_span"]);
    // A sample goes to the future being polled, whichever session it is in.
    assert_eq!(first.trace.future("one").unwrap().samples[0].value, 1.0);
    assert_eq!(second.trace.future("two").unwrap().samples[0].value, 2.0);
}

#[test]
fn nothing_is_recorded_after_the_session_is_dropped() {
    let session = Session::start("dropped").unwrap();
    let recording = session.recording().clone();
    let mut early = Box::pin(Countdown(1000).probed(&session, "early"));
    let clone = session.clone();
    // One poll while the session lives.
    assert!(futures::executor::block_on(futures::future::poll_immediate(early.as_mut())).is_none());
    assert!(early.is_recording());
    drop(session);
    // A clone keeps the session alive.
    assert!(early.is_recording());
    drop(clone);
    // The next poll frees the wrapper's buffers and records nothing.
    assert!(futures::executor::block_on(futures::future::poll_immediate(early.as_mut())).is_none());
    assert!(!early.is_recording());
    futures::executor::block_on(early);
    // Nothing reached the recording: not the future, not a span, not a late wrapper.
    let late = recording.instrument("late", 4, async { pollscope::sample(1.0) });
    assert!(!late.is_recording());
    assert!(!futures::executor::block_on(late));
    recording.record_span("late_span", Default::default());
    let recorded = recording.finish();
    assert!(recorded.logs.is_empty(), "{:?}", recorded.logs);
    assert!(recorded.spans.is_empty());
}

#[test]
fn a_finished_sessions_wrappers_pass_polls_through() {
    let session = Session::start("finished").unwrap();
    let clone = session.clone();
    let pending = Countdown(3).probed(&clone, "pending");
    let result = session.finish().unwrap();
    assert!(result.trace.futures.is_empty());
    assert!(!pending.is_recording());
    futures::executor::block_on(pending);
    // The clone is a finished session too.
    assert_eq!(clone.span("after", || 5), 5);
    assert!(clone.finish().unwrap().trace.futures.is_empty());
}
