//! Time: sleeping, deadlines and periodic ticks, all served by the
//! runtime's timers.
//!
//! Timer futures hold only plain data (a deadline and a key into the
//! runtime's timers), so they are `Send + Sync`, as hyper's `Timer` needs.
//!
//! # The runtime's clock
//!
//! Deadlines are read off the runtime's clock, [`now`]: the real one, or,
//! in a runtime built with
//! [`start_paused`](crate::runtime::Builder::start_paused), a paused one
//! that moves only by [`advance`] or when the loop goes idle with a timer
//! armed. The public signatures keep std's `Instant`: a paused clock is an
//! `Instant` that started at the real time the runtime was built. Code that
//! calls `Instant::now()` itself sees real time.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//!
//! grove::run(async {
//!     let slow = grove::sleep(Duration::from_secs(10));
//!     assert!(grove::timeout(Duration::from_millis(10), slow).await.is_err());
//! });
//! ```

mod interval;
mod sleep;
mod timeout;

use std::time::{Duration, Instant};

use crate::runtime::clock::Tick;
use crate::runtime::context;
use crate::runtime::wait::wake_all;

pub use interval::{Interval, interval};
pub use sleep::{Sleep, sleep, sleep_until};
pub use timeout::{Elapsed, Timeout, timeout};

/// The time on the current runtime's clock, which a test may have paused
/// (see [`Builder::start_paused`](crate::runtime::Builder::start_paused));
/// `Instant::now()` with no runtime on the thread.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// grove::run(async {
///     let start = grove::time::now();
///     grove::sleep(Duration::from_millis(5)).await;
///     assert!(grove::time::now() - start >= Duration::from_millis(5));
/// });
/// ```
pub fn now() -> Instant {
    context::with_current(|core| core.now()).unwrap_or_else(Instant::now)
}

/// Moves the current runtime's paused clock forward by `by`, then yields,
/// so that the tasks whose timers came due run before the caller goes on.
///
/// # Panics
/// If there is no grove runtime on this thread, or its clock is not paused.
///
/// # Cancel safety
/// The clock moves on the first poll; dropping the future after that only
/// skips the yield.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let rt = grove::Runtime::builder().start_paused(true).build()?;
/// rt.block_on(async {
///     let nap = grove::spawn(grove::sleep(Duration::from_secs(60)));
///     grove::yield_now().await; // the nap arms its timer
///     grove::time::advance(Duration::from_secs(59)).await;
///     assert!(!nap.is_finished());
///     grove::time::advance(Duration::from_secs(1)).await;
///     assert!(nap.is_finished());
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
#[track_caller]
pub fn advance(by: Duration) -> impl std::future::Future<Output = ()> {
    let caller = std::panic::Location::caller();
    async move {
        let mut due = Vec::new();
        context::with_core("grove::time::advance", |core| {
            if !core.clock().is_paused() {
                panic!(
                    "grove::time::advance (called at {caller}) needs a paused clock: \
                     build the runtime with `Builder::start_paused(true)`"
                );
            }
            core.clock().advance(by);
            core.timers().fire(Tick::of(core.now()), &mut due);
        });
        wake_all(due);
        crate::yield_now().await;
    }
}
