//! pollscope's extension trait lives beside tracing's and futures' in one
//! scope: every method resolves without a clash (E0034), so this file
//! compiling is the test.

use futures::FutureExt;
use pollscope::Probed;
use tracing::Instrument;
use tracing::instrument::WithSubscriber;

#[test]
fn probed_tracing_instrument_and_future_ext_compile_together() {
    let session = pollscope::Session::start("trait_names").unwrap();
    let value = futures::executor::block_on(
        async { 41 }
            .instrument(tracing::info_span!("traced"))
            .with_current_subscriber()
            .probed(&session, "probed")
            .map(|v| v + 1),
    );
    assert_eq!(value, 42);
    assert_eq!(
        session
            .finish()
            .unwrap()
            .trace
            .future("probed")
            .unwrap()
            .polls
            .len(),
        1
    );
}
