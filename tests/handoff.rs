//! The scheduler's handoff slot: a task woken with `wake_next` runs before
//! the tasks already queued, but a chain of handoffs cannot starve them.

mod util;

use std::cell::RefCell;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};

use util::Log;

/// A slot a task parks its waker in.
type Parked = Rc<RefCell<Option<Waker>>>;

/// Parks the current task once, leaving its waker in `slot`.
async fn park(slot: &Parked) {
    let mut parked = false;
    poll_fn(|cx| {
        if parked {
            return Poll::Ready(());
        }
        parked = true;
        *slot.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    })
    .await
}

#[test]
fn a_handed_off_task_runs_before_queued_ones() {
    grove::run(async {
        let log = Log::default();
        let slot = Parked::default();
        let (l, s) = (log.clone(), slot.clone());
        let partner = grove::spawn(async move {
            park(&s).await;
            l.push("partner");
        });
        grove::yield_now().await;
        let queued: Vec<_> = (0..3)
            .map(|i| {
                let l = log.clone();
                grove::spawn(async move { l.push(format!("queued {i}")) })
            })
            .collect();
        grove::task::wake_next(&slot.borrow_mut().take().unwrap());
        grove::yield_now().await;
        grove::joinall(queued).await;
        partner.await.unwrap();
        assert_eq!(log.take(), ["partner", "queued 0", "queued 1", "queued 2"]);
    });
}

#[test]
fn a_plain_wake_goes_to_the_back_of_the_queue() {
    grove::run(async {
        let log = Log::default();
        let slot = Parked::default();
        let (l, s) = (log.clone(), slot.clone());
        let partner = grove::spawn(async move {
            park(&s).await;
            l.push("partner");
        });
        grove::yield_now().await;
        let l = log.clone();
        let queued = grove::spawn(async move { l.push("queued") });
        slot.borrow_mut().take().unwrap().wake();
        grove::yield_now().await;
        queued.await.unwrap();
        partner.await.unwrap();
        assert_eq!(log.take(), ["queued", "partner"]);
    });
}

#[test]
fn handoff_ping_pong_cannot_starve_other_tasks() {
    grove::run(async {
        let bystander_ran = Rc::new(RefCell::new(false));
        let b = bystander_ran.clone();
        let slots: [Parked; 2] = Default::default();
        let players: Vec<_> = (0..2)
            .map(|me| {
                let (mine, theirs) = (slots[me].clone(), slots[1 - me].clone());
                let b = b.clone();
                grove::spawn(async move {
                    let mut rounds = 0u64;
                    while !*b.borrow() {
                        if let Some(w) = theirs.borrow_mut().take() {
                            grove::task::wake_next(&w);
                        }
                        park(&mine).await;
                        rounds += 1;
                        assert!(rounds < 1_000_000, "the bystander never ran");
                    }
                    if let Some(w) = theirs.borrow_mut().take() {
                        w.wake();
                    }
                })
            })
            .collect();
        grove::yield_now().await;
        let bystander = grove::spawn(async move { *b.borrow_mut() = true });
        bystander.await.unwrap();
        grove::joinall(players).await;
        assert!(*bystander_ran.borrow());
    });
}
