//! Puts a small tokio mpsc pipeline on pollscope's timeline.
//!
//! A producer sends readings through a bounded channel to a consumer that
//! parses each one (a named span) and forwards it to a sink. Every stage is
//! instrumented, so the timeline shows who ran where, and the latency plot
//! shows how long each stage waited between being woken and being polled.
//!
//!     cargo run --release --example pipeline
//!     open results/pipeline/index.html

use std::time::Duration;

use pollscope::{Cost, CostKind};
use pollscope::{Pictures, ResultFolder};
use pollscope::{Probed, Session, SessionOptions};
use tokio::sync::mpsc;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("a runtime");
    let parse_cost = Cost::new(CostKind::Cpu, Duration::from_micros(80));
    // Time 0 and thread 0 (`main`) are taken here, on the thread that calls
    // block_on.
    // Every poll's on-CPU time too, so the truth check in findings.md
    // covers whole threads.
    let options = SessionOptions::default().poll_cpu_time(true);
    let session = Session::start_with("pipeline", options).expect("a safe name");

    let (producer_session, consumer_session) = (session.clone(), session.clone());
    runtime.block_on(async {
        let (readings, mut incoming) = mpsc::channel::<u32>(8);
        let (parsed, mut outgoing) = mpsc::channel::<f64>(8);

        // Each stage is its own task, wrapped by the probe.
        let producer = tokio::spawn(
            async move {
                for i in 0..200u32 {
                    readings.send(i).await.expect("the consumer is alive");
                    tokio::time::sleep(Duration::from_micros(150)).await;
                }
            }
            .probed(&producer_session, "producer"),
        );
        let consumer = tokio::spawn(
            async move {
                while let Some(reading) = incoming.recv().await {
                    // A synchronous region of its own row on the timeline.
                    let value = consumer_session.span("parse", || {
                        parse_cost.burn();
                        (f64::from(reading) / 10.0).sin()
                    });
                    pollscope::sample(value); // the sine wave, as in the post
                    parsed.send(value).await.expect("the sink is alive");
                }
            }
            .probed(&session, "consumer"),
        );
        // The sink runs inline, in the block_on task.
        session
            .instrument("sink", async move {
                let mut total = 0.0;
                while let Some(value) = outgoing.recv().await {
                    total += value;
                }
                total
            })
            .await;
        producer.await.expect("producer");
        consumer.await.expect("consumer");
    });

    // While the runtime's threads exist: the kernel's CPU time of each
    // thread is read now, and tokio's worker metrics from its handle.
    let result = session
        .finish_with(runtime.handle())
        .expect("unique future names");
    let folder = ResultFolder::create("results/pipeline").expect("results/pipeline is free");
    let published =
        pollscope::publish(folder, &[result], Pictures::Yes).expect("results/pipeline is writable");
    println!(
        "timeline, latency plots and report: {}",
        published.dir.display()
    );
}
