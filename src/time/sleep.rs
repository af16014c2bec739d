//! Sleeping until a deadline.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::runtime::RuntimeId;
use crate::runtime::clock::Tick;
use crate::runtime::context;
use crate::runtime::coop;
use crate::runtime::timers::TimerKey;

/// Waits until `duration` has passed: gevent's `sleep`.
///
/// The deadline is fixed when `sleep` is called, on the runtime's clock
/// ([`time::now`](crate::time::now), which a test may have paused). The
/// task is woken at the deadline or later, never before. A long sleep (a
/// thousand kernel ticks or more: 1 to 10 s) fixes its deadline on the
/// kernel's coarse clock, rounded up by what that clock can lag, so it can
/// end up to 1% late: that clock costs a third of the precise one, which
/// counts for the read timeout of every request. (On a kernel older than
/// 2022's jiffies stall check, under a hypervisor that holds the CPU
/// keeping time off for more than ten ticks, a long sleep can end early.)
///
/// `sleep(Duration::ZERO)` yields once, as gevent's `sleep(0)` does: the
/// task goes to the back of the run queue, so the other ready tasks run
/// before it goes on. (The loop looks at I/O and timers whenever the queue
/// empties, and every [`event_interval`](crate::runtime::Builder::event_interval)
/// tasks run.) So does any sleep whose deadline has passed by its first
/// poll.
/// Like every operation that can complete without waiting, a sleep counts
/// against the task's cooperative budget (see [`task::unconstrained`](crate::task::unconstrained)).
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
#[inline]
pub fn sleep(duration: Duration) -> Sleep {
    // Capped, so that a paused clock jumping to it stays usable.
    let duration = duration.min(FOREVER);
    let deadline = context::with_current(|core| core.clock().deadline_after(duration))
        .unwrap_or_else(|| Tick::deadline_after(duration));
    Sleep::new(deadline, if duration.is_zero() { Timer::Due } else { Timer::Unarmed })
}

/// How far out the longest sleep ends: "never" in practice, with room to
/// spare before ticks saturate.
pub(super) const FOREVER: Duration = Duration::from_secs(86400 * 365 * 30);

/// Waits until `deadline`. A deadline already past yields once, as
/// [`sleep`] of zero does.
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
    Sleep::new(Tick::of(deadline), Timer::Unarmed)
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
#[must_use = "futures do nothing unless awaited"]
pub struct Sleep {
    /// The deadline's tick, in two halves. A sleeping task's size is mostly
    /// its sleep, so the sleep packs into 16 bytes with 4-byte alignment:
    /// an async block that awaits one and keeps at most 12 bytes of 4-byte
    /// aligned state beside it then fits a 72-byte cell (the 40-byte header
    /// and 32), which malloc serves from 80 bytes where it would use 96 for
    /// the next size up.
    deadline: [u32; 2],
    /// Where the sleep is with its timer.
    timer: PackedTimer,
}

// The cell size above depends on it.
const _: () = assert!(std::mem::size_of::<Sleep>() == 16 && std::mem::align_of::<Sleep>() == 4);

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.tick())
            .field("timer", &self.timer())
            .finish()
    }
}

/// A sleep's timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timer {
    /// Not armed: not polled yet, fired, or reset.
    Unarmed,
    /// Not polled yet, and due from the start: a sleep of zero.
    Due,
    /// The deadline had passed at the first poll, which yielded once; the
    /// next poll completes.
    Yielded,
    /// Armed in runtime `.0` under key `.1`.
    Armed(RuntimeId, TimerKey),
}

/// A [`Timer`] in two words: a runtime's id in `runtime` means armed there
/// in `slot`, and the sleep's deadline completes the key; ids are never
/// below 2^16 (see `runtime/shared/`), which leaves the small values for
/// the other states.
#[derive(Clone, Copy)]
struct PackedTimer {
    runtime: u32,
    slot: u32,
}

impl PackedTimer {
    const UNARMED: u32 = 0;
    const DUE: u32 = 1;
    const YIELDED: u32 = 2;

    fn new(timer: Timer) -> PackedTimer {
        let (runtime, slot) = match timer {
            Timer::Unarmed => (Self::UNARMED, 0),
            Timer::Due => (Self::DUE, 0),
            Timer::Yielded => (Self::YIELDED, 0),
            Timer::Armed(runtime, key) => {
                debug_assert!(runtime.0 > Self::YIELDED, "runtime ids start at 2^16");
                (runtime.0, key.slot())
            }
        };
        PackedTimer { runtime, slot }
    }

    /// The timer, for a sleep whose deadline is `tick`.
    fn get(self, tick: Tick) -> Timer {
        match self.runtime {
            Self::UNARMED => Timer::Unarmed,
            Self::DUE => Timer::Due,
            Self::YIELDED => Timer::Yielded,
            runtime => Timer::Armed(RuntimeId(runtime), TimerKey::new(self.slot, tick)),
        }
    }
}

/// A tick as its low and high halves.
fn halves(tick: Tick) -> [u32; 2] {
    let nanos = tick.to_nanos();
    [nanos as u32, (nanos >> 32) as u32]
}

impl Sleep {
    fn new(deadline: Tick, timer: Timer) -> Sleep {
        Sleep {
            deadline: halves(deadline),
            timer: PackedTimer::new(timer),
        }
    }

    fn tick(&self) -> Tick {
        Tick::from_nanos(u64::from(self.deadline[1]) << 32 | u64::from(self.deadline[0]))
    }

    fn timer(&self) -> Timer {
        self.timer.get(self.tick())
    }

    fn set_timer(&mut self, timer: Timer) {
        self.timer = PackedTimer::new(timer);
    }

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
        self.tick().instant()
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
        self.deadline = halves(Tick::of(deadline));
    }

    #[inline]
    fn disarm(&mut self) {
        let timer = self.timer();
        self.set_timer(Timer::Unarmed);
        let Timer::Armed(runtime, key) = timer else {
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

    /// Polls the deadline alone, arming the timer on the way: `Ready` once
    /// it has passed, with `true` if it had passed before the timer was
    /// ever armed. No budget, no yield: `timeout` uses this.
    #[inline]
    pub(crate) fn poll_deadline(&mut self, cx: &mut Context<'_>) -> Poll<bool> {
        context::with_core("grove::sleep", |core| {
            let timer = self.timer();
            if let Timer::Armed(runtime, key) = timer {
                if core.is(runtime) {
                    let mut timers = core.timers();
                    if timers.is_armed(key) {
                        timers.set_waker(key, cx.waker());
                        return Poll::Pending;
                    }
                    // Fired: the timers only fire at or after the deadline.
                    self.set_timer(Timer::Unarmed);
                    return Poll::Ready(false);
                }
            }
            // A deadline the loop has already seen pass is due; any other
            // is armed, and fires at the loop's next look at the clock if
            // it has passed meanwhile. Either way the first poll yields,
            // and no clock is read here: `sleep` read it already.
            if matches!(timer, Timer::Due | Timer::Yielded) {
                return Poll::Ready(true);
            }
            let (tick, mut timers) = (self.tick(), core.timers());
            if tick <= timers.fired_up_to() {
                return Poll::Ready(true);
            }
            let key = timers.insert(tick, cx.waker());
            drop(timers);
            self.set_timer(Timer::Armed(core.id(), key));
            Poll::Pending
        })
    }

    /// Whether the armed timer has fired, so the deadline has passed.
    pub(crate) fn has_fired(&self) -> bool {
        let Timer::Armed(runtime, key) = self.timer() else {
            return false;
        };
        context::with_current(|core| core.is(runtime) && !core.timers().is_armed(key)) == Some(true)
    }
}

impl Future for Sleep {
    type Output = ();

    // Inlined into the awaiting future, as `disarm` into the drop: a read
    // timeout is armed and dropped once per request, and the two calls'
    // register saves were a tenth of that (callgrind of
    // `benches/instructions.rs`, timeout_cancelled).
    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        std::task::ready!(coop::poll_budget(cx));
        let this = &mut *self;
        match this.poll_deadline(cx) {
            Poll::Pending => Poll::Pending,
            // gevent's `sleep(0)`: a deadline already past yields once.
            Poll::Ready(true) if this.timer() != Timer::Yielded => {
                this.set_timer(Timer::Yielded);
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Poll::Ready(_) => {
                this.set_timer(Timer::Unarmed);
                coop::spend();
                Poll::Ready(())
            }
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.disarm();
    }
}
