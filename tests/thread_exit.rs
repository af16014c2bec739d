//! A runtime kept in a user's `thread_local!` slot is dropped at thread
//! exit, possibly after grove's own thread-locals are gone. That must not
//! panic (which, during unwinding or teardown, aborts the process).
//!
//! Each scenario runs in a child process (this test binary, started again
//! on one ignored test), since a failure is an abort that would take the
//! whole test run down; the parent checks the child's exit status.

use std::cell::RefCell;
use std::process::Command;
use std::time::Duration;

thread_local!(static RT: RefCell<Option<grove::Runtime>> = const { RefCell::new(None) });

/// The program from the bug report: a runtime created on first use in a
/// thread-local slot, with a detached task still sleeping when the thread
/// exits.
fn a_thread_with_a_runtime_in_a_thread_local() {
    RT.with(|r| *r.borrow_mut() = Some(grove::Runtime::new().unwrap()));
    RT.with(|r| {
        r.borrow().as_ref().unwrap().block_on(async {
            drop(grove::spawn(grove::sleep(Duration::from_secs(3600))));
            grove::yield_now().await;
        })
    });
}

fn run_threads(n: usize) {
    let threads: Vec<_> = (0..n)
        .map(|_| std::thread::spawn(a_thread_with_a_runtime_in_a_thread_local))
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
}

#[test]
#[ignore = "run as a child process by the tests below"]
fn child_one_thread() {
    run_threads(1);
}

#[test]
#[ignore = "run as a child process by the tests below"]
fn child_a_hundred_threads() {
    run_threads(100);
}

/// Runs the ignored test `name` of this binary in a child process, and
/// asserts that it exits successfully (an abort shows as a signal).
fn in_child(name: &str) {
    let output = Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--ignored", "--test-threads=1"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{name} exited with {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("1 passed"), "the child ran no test:\n{stdout}");
}

#[test]
fn regression_a_runtime_in_a_thread_local_is_dropped_at_thread_exit_without_abort() {
    in_child("child_one_thread");
}

#[test]
fn a_hundred_threads_each_with_a_runtime_in_a_thread_local_exit_cleanly() {
    in_child("child_a_hundred_threads");
}
