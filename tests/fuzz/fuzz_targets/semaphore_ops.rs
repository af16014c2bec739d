//! grove's `Semaphore` and `BoundedSemaphore` driven by arbitrary sequences
//! of acquires, polls, drops, releases and forgets, outside of any runtime.
//!
//! Permits are conserved: at the end, with every future and permit
//! dropped, the free count is the initial one plus successful releases
//! minus forgotten permits; a bounded semaphore never goes over its bound.

#![no_main]

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use arbitrary::Arbitrary;
use grove::sync::{BoundedSemaphore, Permit, Semaphore};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Op {
    TryAcquire,
    /// Starts an acquire in slot `.0`, or polls the one there.
    Acquire(u8),
    /// Drops the acquire in slot `.0`.
    DropAcquire(u8),
    /// Drops held permit `.0`.
    DropPermit(u8),
    /// Forgets held permit `.0`.
    Forget(u8),
    Release,
}

#[derive(Arbitrary, Debug)]
struct Input {
    bounded: bool,
    permits: u8,
    ops: Vec<Op>,
}

type Acquire = Pin<Box<dyn Future<Output = Permit>>>;

fuzz_target!(|input: Input| {
    let initial = input.permits as usize % 5;
    let (plain, bounded) = (Semaphore::new(initial), BoundedSemaphore::new(initial));
    let acquire = || -> Acquire {
        if input.bounded {
            Box::pin(bounded.acquire())
        } else {
            Box::pin(plain.acquire())
        }
    };
    let try_acquire = || {
        if input.bounded {
            bounded.try_acquire()
        } else {
            plain.try_acquire()
        }
    };
    let available = || {
        if input.bounded {
            bounded.available()
        } else {
            plain.available()
        }
    };
    let waker = Waker::noop();
    let mut cx = Context::from_waker(waker);
    let mut slots: Vec<Option<Acquire>> = (0..4).map(|_| None).collect();
    let mut held: Vec<Permit> = Vec::new();
    let mut expected = initial;
    for op in &input.ops {
        match *op {
            Op::TryAcquire => held.extend(try_acquire()),
            Op::Acquire(i) => {
                let slot = &mut slots[i as usize % 4];
                let future = slot.get_or_insert_with(acquire);
                if let Poll::Ready(permit) = future.as_mut().poll(&mut cx) {
                    held.push(permit);
                    *slot = None;
                }
            }
            Op::DropAcquire(i) => slots[i as usize % 4] = None,
            Op::DropPermit(i) if !held.is_empty() => drop(held.swap_remove(i as usize % held.len())),
            Op::Forget(i) if !held.is_empty() => {
                held.swap_remove(i as usize % held.len()).forget();
                expected -= 1;
            }
            Op::DropPermit(_) | Op::Forget(_) => {}
            Op::Release => {
                if input.bounded {
                    if bounded.release().is_ok() {
                        expected += 1;
                    }
                } else {
                    plain.release();
                    expected += 1;
                }
            }
        }
        if input.bounded {
            assert!(
                available() + held.len() <= initial,
                "a bounded semaphore went over its bound"
            );
        }
    }
    drop(slots);
    drop(held);
    assert_eq!(available(), expected, "permits were not conserved");
});
