//! Timers: sleeps, timeouts, intervals. Durations are only asserted as
//! lower bounds, or as upper bounds loose enough for a loaded machine.

mod util;

use std::time::{Duration, Instant};

use util::Log;

#[test]
fn sleep_never_ends_before_its_deadline() {
    grove::run(async {
        for ms in [0, 1, 2, 5, 10, 25] {
            let start = Instant::now();
            grove::sleep(Duration::from_millis(ms)).await;
            assert!(start.elapsed() >= Duration::from_millis(ms));
        }
        let deadline = Instant::now() + Duration::from_micros(1500);
        grove::sleep_until(deadline).await;
        assert!(Instant::now() >= deadline);
    });
}

/// A long sleep fixes its deadline on the kernel's coarse clock (see
/// `runtime/clock.rs`): never before the duration from the call, and later
/// by a fraction of a percent at most. With no runtime, and in one.
#[test]
fn a_long_sleep_s_deadline_is_never_early_and_at_most_1_percent_late() {
    let d = Duration::from_secs(30);
    let check = || {
        for _ in 0..10_000 {
            let before = Instant::now();
            let deadline = grove::sleep(d).deadline();
            let after = Instant::now();
            // As an `Instant`, a deadline read from the precise clock (off
            // Linux) can come out a few nanoseconds early: the epoch's raw
            // reading is taken just after its `Instant`, so that timers err
            // late. A microsecond covers that; a coarse clock lagging more
            // than its allowance would be milliseconds early.
            let early = (before + d).saturating_duration_since(deadline);
            assert!(early < Duration::from_micros(1), "{early:?} early");
            assert!(deadline <= after + d + d / 100, "{:?} late", deadline - after - d);
        }
    };
    check();
    grove::run(async { check() });
}

/// gevent's `sleep(0)`: the sleeper lets the other ready tasks run once,
/// then goes on, with no other timer armed to make the loop look at the
/// clock.
#[test]
fn a_zero_sleep_yields_exactly_once() {
    grove::run(async {
        let ran = std::rc::Rc::new(std::cell::Cell::new(0));
        let spinner = grove::spawn({
            let ran = ran.clone();
            async move {
                loop {
                    ran.set(ran.get() + 1);
                    grove::yield_now().await;
                }
            }
        });
        grove::yield_now().await;
        for _ in 0..100 {
            let before = ran.get();
            grove::sleep(Duration::ZERO).await;
            let others = ran.get() - before;
            assert!(
                (1..=2).contains(&others),
                "the other task ran {others} times during sleep(0)"
            );
        }
        spinner.kill();
    });
}

#[test]
fn sleepers_wake_in_deadline_order() {
    grove::run(async {
        let log = Log::default();
        let delays = [50, 10, 40, 0, 30, 20];
        let tasks: Vec<_> = delays
            .iter()
            .map(|&ms| {
                let log = log.clone();
                grove::spawn(async move {
                    grove::sleep(Duration::from_millis(ms)).await;
                    log.push(ms.to_string());
                })
            })
            .collect();
        grove::joinall(tasks).await;
        assert_eq!(log.take(), ["0", "10", "20", "30", "40", "50"]);
    });
}

#[test]
fn equal_deadlines_fire_in_arming_order() {
    grove::run(async {
        let log = Log::default();
        let deadline = Instant::now() + Duration::from_millis(10);
        let tasks: Vec<_> = (0..5)
            .map(|i| {
                let log = log.clone();
                grove::spawn(async move {
                    grove::sleep_until(deadline).await;
                    log.push(i.to_string());
                })
            })
            .collect();
        grove::joinall(tasks).await;
        assert_eq!(log.take(), ["0", "1", "2", "3", "4"]);
    });
}

#[test]
fn timeout_elapses() {
    grove::run(async {
        let start = Instant::now();
        let result = grove::timeout(Duration::from_millis(20), grove::sleep(Duration::from_secs(3600))).await;
        assert!(result.is_err());
        assert!(start.elapsed() >= Duration::from_millis(20));
        assert_eq!(result.unwrap_err().to_string(), "deadline has elapsed");
    });
}

#[test]
fn timeout_does_not_elapse_when_the_future_wins() {
    grove::run(async {
        let result = grove::timeout(Duration::from_secs(3600), async {
            grove::sleep(Duration::from_millis(5)).await;
            "won"
        })
        .await;
        assert_eq!(result, Ok("won"));
    });
}

#[test]
fn a_ready_future_beats_an_expired_timeout() {
    grove::run(async {
        assert_eq!(grove::timeout(Duration::ZERO, async { 1 }).await, Ok(1));
    });
}

#[test]
fn dropping_a_sleep_disarms_it() {
    grove::run(async {
        // A thousand cancelled sleeps leave the loop with nothing to wait for.
        for _ in 0..1000 {
            let sleep = grove::sleep(Duration::from_secs(3600));
            let _ = grove::timeout(Duration::ZERO, sleep).await;
        }
        let start = Instant::now();
        grove::sleep(Duration::from_millis(1)).await;
        assert!(start.elapsed() < Duration::from_secs(60));
    });
}

#[test]
fn interval_ticks_on_schedule_and_skips_missed_ticks() {
    grove::run(async {
        let period = Duration::from_millis(10);
        let mut interval = grove::interval(period);
        let first = interval.tick().await;
        let second = interval.tick().await;
        assert!(second >= first + period);
        assert_eq!((second - first).as_nanos() % period.as_nanos(), 0, "ticks stay aligned");
        // Fall behind by several periods: the next tick is not a burst.
        std::thread::sleep(period * 5);
        let resumed = Instant::now();
        let late = interval.tick().await;
        let next = interval.tick().await;
        assert!(next > late);
        // A burst would schedule `next` among the missed ticks, before the
        // loop resumed; skipped, it comes after. (No bound on how late the
        // tick woke: a loaded machine can make that anything.)
        assert!(
            next > resumed,
            "the tick after falling behind was one of the missed ones"
        );
    });
}

/// `interval(Duration::MAX)` is a common way to say "tick once, never
/// again": the period must not overflow the clock.
#[test]
fn an_interval_too_long_for_the_clock_ticks_once_then_waits() {
    grove::run(async {
        let mut never = grove::interval(Duration::MAX);
        never.tick().await;
        let second = grove::timeout(Duration::from_millis(20), never.tick()).await;
        assert!(second.is_err(), "a second tick came");
    });
}

#[test]
#[should_panic(expected = "period above zero")]
fn interval_of_zero_panics() {
    let _ = grove::interval(Duration::ZERO);
}

#[test]
fn a_yield_loop_does_not_starve_a_timer() {
    grove::run(async {
        let fired = std::rc::Rc::new(std::cell::Cell::new(false));
        let f = fired.clone();
        let _timer = grove::spawn(async move {
            grove::sleep(Duration::from_millis(10)).await;
            f.set(true);
        });
        let mut spins: u64 = 0;
        while !fired.get() {
            grove::yield_now().await;
            spins += 1;
            assert!(spins < 100_000_000, "the timer never fired under a yield loop");
        }
    });
}

#[test]
fn timer_futures_are_send_and_sync() {
    fn check<T: Send + Sync>(_: &T) {}
    check(&grove::sleep(Duration::from_secs(1)));
    check(&grove::timeout(Duration::from_secs(1), std::future::ready(())));
    check(&grove::interval(Duration::from_secs(1)));
}

#[test]
fn sleep_moved_to_another_runtime_still_completes() {
    let first = grove::Runtime::new().unwrap();
    let mut sleep = Box::pin(grove::sleep(Duration::from_millis(5)));
    first.block_on(async {
        let _ = grove::timeout(Duration::ZERO, sleep.as_mut()).await;
    });
    drop(first);
    grove::run(sleep);
}

#[test]
fn a_tick_dropped_while_waiting_loses_no_tick() {
    grove::run(async {
        // Long enough that even a loaded machine does not fall a whole
        // period behind (which would skip a tick on its own).
        let period = Duration::from_millis(250);
        let mut interval = grove::interval(period);
        let first = interval.tick().await;
        assert!(grove::timeout(Duration::from_millis(1), interval.tick()).await.is_err());
        let second = interval.tick().await;
        assert_eq!(second, first + period, "the cancelled wait was for this same tick");
    });
}
