//! Periodic ticks.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures::Stream;

use super::sleep::FOREVER;
use super::{Sleep, sleep_until};

/// Ticks every `period`, starting at once.
///
/// If the task falls behind (it was busy past one or more ticks), the missed
/// ticks are skipped rather than fired in a burst, and the schedule stays
/// aligned to the first tick. A period too long for the clock to reach
/// (`Duration::MAX`, say) ticks once, then never again in practice, as a
/// [`sleep`](super::sleep) that long never ends.
///
/// # Panics
/// If `period` is zero.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
///
/// grove::run(async {
///     let start = Instant::now();
///     let mut every = grove::interval(Duration::from_millis(5));
///     for _ in 0..3 {
///         every.tick().await;
///     }
///     assert!(start.elapsed() >= Duration::from_millis(10));
/// });
/// ```
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    assert!(period > Duration::ZERO, "grove::interval needs a period above zero");
    Interval {
        sleep: sleep_until(super::now()),
        period,
    }
}

/// The ticker of [`interval`]; also a `Stream` of tick instants.
///
/// # Examples
///
/// ```
/// use futures::StreamExt;
/// use std::time::Duration;
///
/// grove::run(async {
///     let ticks: Vec<_> = grove::interval(Duration::from_millis(1)).take(3).collect().await;
///     assert_eq!(ticks.len(), 3);
/// });
/// ```
#[derive(Debug)]
#[must_use = "an interval does nothing unless ticked"]
pub struct Interval {
    sleep: Sleep,
    period: Duration,
}

impl Interval {
    /// Waits for the next tick and returns its scheduled instant.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// grove::run(async {
    ///     let mut every = grove::interval(Duration::from_millis(2));
    ///     let first = every.tick().await;
    ///     let second = every.tick().await;
    ///     assert!(second >= first + Duration::from_millis(2));
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future loses no tick: the next call waits for the same
    /// one.
    pub async fn tick(&mut self) -> Instant {
        std::future::poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// grove::run(async {
    ///     let mut every = grove::interval(Duration::from_millis(1));
    ///     std::future::poll_fn(|cx| every.poll_tick(cx)).await;
    /// });
    /// ```
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        if Pin::new(&mut self.sleep).poll(cx).is_pending() {
            return Poll::Pending;
        }
        let tick = self.sleep.deadline();
        let now = super::now();
        let behind = now.saturating_duration_since(tick);
        let periods = behind.as_nanos() / self.period.as_nanos() + 1;
        let next = u32::try_from(periods)
            .ok()
            .and_then(|n| self.period.checked_mul(n))
            .and_then(|after| tick.checked_add(after));
        self.sleep.reset(next.unwrap_or_else(|| now + self.period.min(FOREVER)));
        Poll::Ready(tick)
    }

    /// The time between ticks.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// assert_eq!(grove::interval(Duration::from_secs(1)).period(), Duration::from_secs(1));
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }
}

impl Stream for Interval {
    type Item = Instant;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Instant>> {
        self.get_mut().poll_tick(cx).map(Some)
    }
}
