//! The runtime's clock: the real one, or a paused one for tests, and the
//! ticks that timers count in.
//!
//! A paused clock is an `Instant` that starts at the real time the runtime
//! was built and moves only when told to: by `time::advance`, or by the
//! loop itself when it goes idle with a timer armed, jumping straight to
//! that timer's deadline. Since it is a real `Instant` value, everything
//! built on `Instant` keeps working unchanged: timer ticks are still
//! nanoseconds since the process-wide epoch below, and a `sleep` that
//! fixes its deadline when it is called fixes it on this clock (both read
//! [`now`](Clock::now) through `time::now`). Only `Instant::now()` called
//! directly, in user code, is not virtual.
//!
//! A [`Tick`] is nanoseconds since that epoch, `Instant`'s own resolution,
//! so converting a deadline to a tick is exact and "tick <= now" means
//! "deadline <= now": a timer never fires before its deadline.
//!
//! The real clock is read straight from `CLOCK_MONOTONIC` (what `Instant`
//! reads on Linux) once per look at the timers, and once per `sleep` or
//! `timeout` to fix its deadline; never when a sleep is first polled. One
//! read costs 25 to 31 ns on the bench machine, as much as arming and
//! cancelling the timer together, and a server arms a read timeout per
//! request that almost never fires. So a far deadline is fixed on Linux's
//! coarse clock instead, 7 to 9 ns a read. That clock is the monotonic one
//! as of the kernel's last timekeeping update, which runs every kernel tick
//! (1 to 10 ms) and moves it in whole ticks, keeping the remainder: so it
//! lags by up to two ticks, plus however late the update runs. Should the
//! CPU that makes the update be held off (a hypervisor's steal), another
//! CPU makes it once it has seen five ticks pass without one (Linux's
//! jiffies stall check, 2022). So the coarse reading plus ten ticks is at or
//! after the real now, and the deadline at or after `d` from it. A deadline
//! is far when `d` is at least a hundred times those ten ticks (1 to 10 s;
//! 4 s here), so that it ends at most 1% late. Nearer ones read the
//! precise clock. grove caches no reading of its own, which would make a
//! sleep end early by the reading's age, as libev's and libuv's loop time
//! can. The one way left to end early: a kernel without the stall check, on
//! a VM whose timekeeping CPU is held off for longer than ten ticks.

use std::cell::Cell;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The clock of one runtime.
pub(crate) struct Clock {
    /// The paused time, or `None` for the real clock.
    paused: Option<Cell<Instant>>,
}

impl Clock {
    /// The real clock, or a paused one that starts now.
    pub(crate) fn new(paused: bool) -> Clock {
        // Fixes the epoch of ticks first, so that the paused time is never
        // before it: ticks before the epoch all round to the epoch itself.
        epoch();
        Clock {
            paused: paused.then(|| Cell::new(Instant::now())),
        }
    }

    /// The time now on this clock.
    #[inline]
    pub(crate) fn now(&self) -> Instant {
        match &self.paused {
            None => Instant::now(),
            Some(now) => now.get(),
        }
    }

    /// The time now on this clock, as a timer tick.
    #[inline]
    pub(crate) fn tick(&self) -> Tick {
        match &self.paused {
            None => Tick::now(),
            Some(now) => Tick::of(now.get()),
        }
    }

    /// The deadline `d` from now on this clock (see [`Tick::deadline_after`]).
    #[inline]
    pub(crate) fn deadline_after(&self, d: Duration) -> Tick {
        match &self.paused {
            None => Tick::deadline_after(d),
            Some(now) => Tick::of(now.get()).after(d),
        }
    }

    /// Whether the clock is paused.
    pub(crate) fn is_paused(&self) -> bool {
        self.paused.is_some()
    }

    /// Moves a paused clock forward by `by`; the real clock ignores it.
    pub(crate) fn advance(&self, by: Duration) {
        if let Some(now) = &self.paused {
            now.set(now.get() + by);
        }
    }
}

/// A point in time as a tick: nanoseconds since a process-wide epoch, so
/// that a deadline fits in 8 bytes and means the same to every runtime.
/// Instants before the epoch (only deadlines already past) become tick 0.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(crate) struct Tick(u64);

/// The epoch of ticks: the first time any grove timer (or paused clock)
/// asked for one.
struct Epoch {
    /// The epoch as an `Instant`.
    instant: Instant,
    /// The epoch as a reading of [`INSTANT_CLOCK`]. It is read after
    /// `instant`, so it is at or after it: a tick from [`Tick::now`] is
    /// never ahead of one from [`Tick::of`] for the same moment, and a
    /// timer armed for an `Instant` never fires before it.
    raw: u64,
    /// How far [`COARSE_CLOCK`] can be behind [`INSTANT_CLOCK`].
    coarse_lag: u64,
    /// Deadlines at least this far out, in nanoseconds, are fixed on
    /// [`COARSE_CLOCK`]: a hundred times `coarse_lag`, so that they end at
    /// most 1% late; `u64::MAX` where there is no coarse clock.
    coarse_from: u64,
}

fn epoch() -> &'static Epoch {
    static EPOCH: OnceLock<Epoch> = OnceLock::new();
    EPOCH.get_or_init(|| {
        let instant = Instant::now();
        let raw = read(INSTANT_CLOCK);
        let coarse_lag = coarse_lag();
        Epoch {
            instant,
            raw,
            coarse_lag,
            coarse_from: if coarse_lag == 0 { u64::MAX } else { 100 * coarse_lag },
        }
    })
}

/// The clock std's `Instant` reads on this target.
#[cfg(target_vendor = "apple")]
const INSTANT_CLOCK: libc::clockid_t = libc::CLOCK_UPTIME_RAW;
#[cfg(not(target_vendor = "apple"))]
const INSTANT_CLOCK: libc::clockid_t = libc::CLOCK_MONOTONIC;

/// The cheap clock for far deadlines: on Linux the coarse one, which runs
/// behind `CLOCK_MONOTONIC`; elsewhere (and under Miri) the precise one.
#[cfg(all(any(target_os = "linux", target_os = "android"), not(miri)))]
const COARSE_CLOCK: libc::clockid_t = libc::CLOCK_MONOTONIC_COARSE;
#[cfg(not(all(any(target_os = "linux", target_os = "android"), not(miri))))]
const COARSE_CLOCK: libc::clockid_t = INSTANT_CLOCK;

/// Ten ticks of the coarse clock: more than it can be behind the real one
/// (see the module docs); zero where there is none.
fn coarse_lag() -> u64 {
    if COARSE_CLOCK == INSTANT_CLOCK {
        return 0;
    }
    10 * coarse_tick()
}

/// The coarse clock's resolution: the kernel's tick. Anything the kernel
/// does not say, or says is under a millisecond (no Linux tick is: HZ is
/// at most 1000), counts as 10 ms, its longest tick (HZ 100).
fn coarse_tick() -> u64 {
    let mut res = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `clock_getres` writes one `timespec` to the pointer it is
    // given, which points to a live local.
    let said = unsafe { libc::clock_getres(COARSE_CLOCK, &mut res) } == 0;
    let tick = timespec_nanos(res);
    if said && tick >= 1_000_000 { tick } else { 10_000_000 }
}

/// A monotonic clock's reading or resolution in nanoseconds, saturating.
#[inline]
fn timespec_nanos(t: libc::timespec) -> u64 {
    // Both fields are non-negative for the monotonic clocks.
    (t.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(t.tv_nsec as u64)
}

/// `d` in nanoseconds, saturating 584 years out.
#[inline]
fn nanos(d: Duration) -> u64 {
    d.as_secs()
        .saturating_mul(1_000_000_000)
        .saturating_add(u64::from(d.subsec_nanos()))
}

/// A monotonic clock in nanoseconds.
///
/// Read directly rather than through `Instant`: converting an `Instant` to
/// a tick costs a timespec subtraction and a 128-bit multiply, and a server
/// reads the clock for every read timeout it arms (callgrind of the C10k
/// echo server: the clock's arithmetic was about 8% of its instructions).
#[inline]
fn read(clock: libc::clockid_t) -> u64 {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `clock_gettime` writes one `timespec` to the pointer it is
    // given, which points to a live local; both clocks read here exist on
    // every target that defines them, so the call cannot fail.
    unsafe { libc::clock_gettime(clock, &mut now) };
    timespec_nanos(now)
}

impl Tick {
    /// The tick of `t`, exact to the nanosecond (`Instant`'s resolution),
    /// saturating 584 years out.
    pub(crate) fn of(t: Instant) -> Tick {
        Tick(nanos(t.saturating_duration_since(epoch().instant)))
    }

    /// The tick of the real time now.
    #[inline]
    pub(crate) fn now() -> Tick {
        Tick(read(INSTANT_CLOCK).saturating_sub(epoch().raw))
    }

    /// A deadline `d` from the real time now: exactly, or for `d` of at
    /// least [`Epoch::coarse_from`], up to [`Epoch::coarse_lag`] later (see
    /// the module docs). Never earlier.
    #[inline]
    pub(crate) fn deadline_after(d: Duration) -> Tick {
        let epoch = epoch();
        let d = nanos(d);
        let now = if d >= epoch.coarse_from {
            read(COARSE_CLOCK).saturating_add(epoch.coarse_lag)
        } else {
            read(INSTANT_CLOCK)
        };
        Tick(now.saturating_sub(epoch.raw).saturating_add(d))
    }

    /// The tick `d` after this one, saturating.
    #[inline]
    pub(crate) fn after(self, d: Duration) -> Tick {
        Tick(self.0.saturating_add(nanos(d)))
    }

    /// How long from `self` until `later`; zero if `later` is not later.
    pub(crate) fn until(self, later: Tick) -> Duration {
        Duration::from_nanos(later.0.saturating_sub(self.0))
    }

    /// The tick as nanoseconds since the epoch.
    pub(crate) fn to_nanos(self) -> u64 {
        self.0
    }

    /// The tick [`to_nanos`](Tick::to_nanos) gave.
    pub(crate) fn from_nanos(nanos: u64) -> Tick {
        Tick(nanos)
    }

    /// The tick as an `Instant`.
    pub(crate) fn instant(self) -> Instant {
        epoch().instant + Duration::from_nanos(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_far_deadline_is_never_before_d_from_now_nor_much_after() {
        let d = Duration::from_secs(10);
        if cfg!(all(any(target_os = "linux", target_os = "android"), not(miri))) {
            assert!(nanos(d) >= epoch().coarse_from, "the coarse clock is not tried");
        }
        let rounds = if cfg!(miri) { 100 } else { 200_000 };
        for _ in 0..rounds {
            let before = Tick::now().after(d);
            let deadline = Tick::deadline_after(d);
            let after = Tick::now().after(d);
            assert!(deadline >= before, "{deadline:?} is before {before:?}");
            // The coarse clock is never ahead of the precise one.
            let latest = after.0 + epoch().coarse_lag;
            assert!(deadline.0 <= latest, "{deadline:?} is after {latest}");
        }
    }

    #[test]
    fn a_near_deadline_is_exact_on_the_precise_clock() {
        let d = Duration::from_millis(20);
        for _ in 0..1000 {
            let before = Tick::now().after(d);
            let deadline = Tick::deadline_after(d);
            assert!(before <= deadline && deadline <= Tick::now().after(d));
        }
    }

    #[test]
    fn the_coarse_lag_is_ten_kernel_ticks_and_used_from_a_hundred_times_it() {
        let Epoch {
            coarse_lag,
            coarse_from,
            ..
        } = *epoch();
        if cfg!(all(any(target_os = "linux", target_os = "android"), not(miri))) {
            assert_eq!(coarse_lag, 10 * coarse_tick());
            assert!(
                (1_000_000..=10_000_000).contains(&coarse_tick()),
                "tick {} ns",
                coarse_tick()
            );
            assert_eq!(coarse_from, 100 * coarse_lag);
        } else {
            assert_eq!((coarse_lag, coarse_from), (0, u64::MAX));
        }
    }

    #[test]
    fn an_instant_and_its_tick_go_both_ways_exactly() {
        let t = Instant::now() + Duration::new(3, 123);
        assert_eq!(Tick::of(t).instant(), t);
        assert_eq!(
            Tick::of(t).after(Duration::from_nanos(7)),
            Tick::of(t + Duration::from_nanos(7))
        );
    }
}
