//! CancelToken: a cancellation that fans out to child tokens.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use grove::sync::CancelToken;

#[test]
fn cancelling_a_parent_wakes_ten_thousand_children_and_their_children() {
    grove::run(async {
        let root = CancelToken::new();
        let woken = Rc::new(Cell::new(0));
        let tasks: Vec<_> = (0..10_000)
            .map(|_| {
                let token = root.child();
                let grandchild = token.child();
                let woken = woken.clone();
                grove::spawn(async move {
                    token.cancelled().await;
                    grandchild.cancelled().await;
                    woken.set(woken.get() + 1);
                })
            })
            .collect();
        grove::yield_now().await;
        assert_eq!(woken.get(), 0);
        root.cancel();
        grove::joinall(tasks).await;
        assert_eq!(woken.get(), 10_000);
    });
}

#[test]
fn a_child_cancelled_alone_leaves_its_parent_and_siblings() {
    let parent = CancelToken::new();
    let (a, b) = (parent.child(), parent.child());
    a.cancel();
    assert!(a.is_cancelled());
    assert!(!parent.is_cancelled() && !b.is_cancelled());
    parent.cancel();
    assert!(b.is_cancelled());
    assert!(
        parent.child().is_cancelled(),
        "a child of a cancelled token starts cancelled"
    );
}

#[test]
fn a_dropped_wait_leaves_the_token_as_it_was() {
    grove::run(async {
        let token = CancelToken::new();
        assert!(
            grove::timeout(Duration::from_millis(5), token.cancelled())
                .await
                .is_err()
        );
        token.cancel();
        token.cancelled().await;
    });
}

#[test]
fn a_cancel_reaches_a_grandchild_whose_parent_token_was_dropped() {
    grove::run(async {
        let root = CancelToken::new();
        let grandchild = root.child().child();
        let waiter = grove::spawn(async move { grandchild.cancelled().await });
        grove::yield_now().await;
        assert!(!waiter.is_finished());
        root.cancel();
        grove::timeout(Duration::from_secs(10), waiter)
            .await
            .expect("the grandchild was never cancelled")
            .unwrap();
    });
}
