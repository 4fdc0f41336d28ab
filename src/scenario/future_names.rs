//! The names of the built-in scenarios' futures, defined once: the
//! builders name their futures with these, and the claims find them by
//! the same constants. A numbered family (`spawned1..T`) is its prefix.

/// The journey's first light future (every producer scenario).
pub(crate) const FUT0: &str = "fut0";
/// The journey's second light future.
pub(crate) const FUT1: &str = "fut1";
/// cpu_intensive's heavy inline future.
pub(crate) const HIGH_CPU: &str = "high_cpu";
/// spawn_task's spawned heavy future, and many_spawn_task's prefix.
pub(crate) const SPAWNED: &str = "spawned";
/// many_spawn_blocking's prefix.
pub(crate) const SPAWN_BLOCKING: &str = "spawn_blocking";
/// block_in_place's prefix.
pub(crate) const BLOCK_IN_PLACE: &str = "block_in_place";
/// bounded_blocking's prefix.
pub(crate) const BOUNDED_BLOCKING: &str = "bounded_blocking";
/// rayon_pool's prefix.
pub(crate) const RAYON: &str = "rayon";
/// no_yield's future that never yields, and the prefix of the service
/// workloads' heavy tasks (`hog1..W`).
pub(crate) const HOG: &str = "hog";
/// tcp_echo's accepting future.
pub(crate) const SERVER: &str = "server";
/// tcp_echo's clients' prefix.
pub(crate) const CLIENT: &str = "client";
/// tcp_echo's handlers' prefix.
pub(crate) const HANDLER: &str = "handler";
/// timers' prefix.
pub(crate) const TIMER: &str = "timer";
/// channel_pipeline's first future.
pub(crate) const SOURCE: &str = "source";
/// channel_pipeline's stages' prefix.
pub(crate) const STAGE: &str = "stage";
/// channel_pipeline's last future.
pub(crate) const SINK: &str = "sink";
/// fan_in's senders' prefix.
pub(crate) const SENDER: &str = "sender";
/// fan_in's future between the senders and the sink.
pub(crate) const RECEIVER: &str = "receiver";
/// mutex_contention's prefix.
pub(crate) const LOCKER: &str = "locker";
/// starvation's ticker.
pub(crate) const TICKER: &str = "ticker";
