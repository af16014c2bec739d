//! Sleeping until a deadline.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::runtime::RuntimeId;
use crate::runtime::context;
use crate::runtime::timers::{Tick, TimerKey};

/// Waits until `duration` has passed: gevent's `sleep`.
///
/// The deadline is fixed when `sleep` is called. The task is woken at the
/// deadline or later, never before.
///
/// # Panics
/// When polled with no grove runtime on the thread.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
///
/// grove::run(async {
///     let start = Instant::now();
///     grove::sleep(Duration::from_millis(10)).await;
///     assert!(start.elapsed() >= Duration::from_millis(10));
/// });
/// ```
///
/// # Cancel safety
///
/// Dropping the future disarms its timer; nothing else is affected.
pub fn sleep(duration: Duration) -> Sleep {
    let now = Instant::now();
    sleep_until(now.checked_add(duration).unwrap_or_else(far_future))
}

/// Waits until `deadline`.
///
/// # Panics
/// When polled with no grove runtime on the thread.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
///
/// grove::run(async {
///     let deadline = Instant::now() + Duration::from_millis(5);
///     grove::sleep_until(deadline).await;
///     assert!(Instant::now() >= deadline);
/// });
/// ```
///
/// # Cancel safety
///
/// Dropping the future disarms its timer; nothing else is affected.
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline: Tick::of(deadline),
        timer: None,
    }
}

/// A deadline far enough out to mean "never", for durations that overflow.
fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86400 * 365 * 30)
}

/// The future of [`sleep`] and [`sleep_until`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// grove::run(async {
///     let nap: grove::time::Sleep = grove::sleep(Duration::from_millis(1));
///     nap.await;
/// });
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct Sleep {
    /// Kept as a tick (8 bytes, not an `Instant`'s 16): a sleeping task's
    /// size is mostly its sleep.
    deadline: Tick,
    /// The armed timer, and the runtime it is armed in.
    timer: Option<(RuntimeId, TimerKey)>,
}

impl Sleep {
    /// When the sleep ends.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let deadline = Instant::now() + Duration::from_secs(1);
    /// assert_eq!(grove::sleep_until(deadline).deadline(), deadline);
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline.instant()
    }

    /// Moves the deadline, as if the sleep had been created with the new one.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// grove::run(async {
    ///     let mut sleep = grove::sleep(Duration::from_secs(3600));
    ///     sleep.reset(Instant::now() + Duration::from_millis(1));
    ///     sleep.await;
    /// });
    /// ```
    pub fn reset(&mut self, deadline: Instant) {
        self.disarm();
        self.deadline = Tick::of(deadline);
    }

    fn disarm(&mut self) {
        let Some((runtime, key)) = self.timer.take() else {
            return;
        };
        // On another thread or runtime the timer cannot be reached; it then
        // fires harmlessly into a waker nobody waits on.
        context::with_current(|core| {
            if core.is(runtime) {
                let waker = core.timers().cancel(key);
                drop(waker);
            }
        });
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        context::with_core("grove::sleep", |core| {
            if let Some((runtime, key)) = this.timer {
                if core.is(runtime) {
                    let mut timers = core.timers();
                    if timers.is_armed(key) {
                        timers.set_waker(key, cx.waker());
                        return Poll::Pending;
                    }
                    // Fired: the timers only fire at or after the deadline.
                    this.timer = None;
                    return Poll::Ready(());
                }
            }
            if Tick::now() >= this.deadline {
                return Poll::Ready(());
            }
            let key = core.timers().insert(this.deadline, cx.waker());
            this.timer = Some((core.id(), key));
            Poll::Pending
        })
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.disarm();
    }
}
