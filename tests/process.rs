//! Child processes, in a test program of its own (`harness = false`): the
//! tests run one after another on one thread, and count zombies among the
//! pids they started, so that no other test's children can disturb them.
//!
//! The program runs every test twice: once as is (each child's exit is a
//! pidfd in the reactor), then again in a child copy of itself with
//! `GROVE_PROCESS_SIGCHLD=1`, which makes grove wait with SIGCHLD as it
//! does on kernels without pidfd.

use std::io::ErrorKind;
use std::os::unix::process::ExitStatusExt;
use std::time::{Duration, Instant};

use futures::AsyncReadExt;
use grove::process::{Command, Stdio};

mod util;

/// The longest any wait here may take; far above what a loaded machine needs.
const PATIENCE: Duration = Duration::from_secs(30);

fn main() {
    let fallback = std::env::var_os("GROVE_PROCESS_SIGCHLD").is_some();
    let mode = if fallback { "SIGCHLD" } else { "pidfd" };
    let tests: [(&str, fn()); 9] = [
        (
            "two_hundred_children_at_once_leave_no_zombie",
            two_hundred_children_at_once_leave_no_zombie,
        ),
        (
            "a_dropped_child_is_reaped_when_it_exits",
            a_dropped_child_is_reaped_when_it_exits,
        ),
        ("kill_on_drop_kills_and_reaps", kill_on_drop_kills_and_reaps),
        (
            "killing_the_task_that_waits_does_not_leak_the_child",
            killing_the_task_that_waits_does_not_leak_the_child,
        ),
        (
            "ten_megabytes_each_way_without_deadlock",
            ten_megabytes_each_way_without_deadlock,
        ),
        (
            "communicate_times_out_kills_reaps_and_keeps_the_output",
            communicate_times_out_kills_reaps_and_keeps_the_output,
        ),
        (
            "a_program_that_does_not_exist_is_a_clear_error",
            a_program_that_does_not_exist_is_a_clear_error,
        ),
        (
            "stdout_reads_as_a_stream_and_kill_ends_the_child",
            stdout_reads_as_a_stream_and_kill_ends_the_child,
        ),
        (
            "a_std_command_elsewhere_keeps_its_status",
            a_std_command_elsewhere_keeps_its_status,
        ),
    ];
    for (name, test) in tests {
        println!("test {name} ({mode}) ...");
        test();
        println!("test {name} ({mode}) ... ok");
    }
    if !fallback {
        let again = std::process::Command::new(std::env::current_exe().unwrap())
            .env("GROVE_PROCESS_SIGCHLD", "1")
            .status()
            .unwrap();
        assert!(again.success(), "the SIGCHLD run failed: {again}");
    }
    println!("test result: ok. {} passed ({mode})", tests.len());
}

/// The state letter of process `pid` from `/proc`, or `None` once it is
/// gone (reaped).
fn proc_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The state follows the command name, which is in parentheses.
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

/// Waits, letting the loop run, until none of `pids` is a process any
/// more: neither running nor a zombie.
async fn all_reaped(pids: &[u32]) {
    let started = Instant::now();
    loop {
        let left: Vec<_> = pids.iter().filter_map(|&pid| Some((pid, proc_state(pid)?))).collect();
        if left.is_empty() {
            return;
        }
        assert!(started.elapsed() < PATIENCE, "not reaped: {left:?}");
        grove::sleep(Duration::from_millis(10)).await;
    }
}

fn two_hundred_children_at_once_leave_no_zombie() {
    grove::run(async {
        let children: Vec<_> = (0..200)
            .map(|n| {
                grove::spawn(async move {
                    // Delays of 0 to 99 ms, chosen here: dash has no $RANDOM.
                    let delay = format!("0.{:03}", n % 100);
                    let output = Command::new("sh")
                        .args(["-c", r#"sleep "$1"; echo $$"#, "sh", &delay])
                        .output()
                        .await
                        .unwrap();
                    assert!(output.status.success(), "child {n}: {:?}", output.status);
                    String::from_utf8(output.stdout).unwrap().trim().parse::<u32>().unwrap()
                })
            })
            .collect();
        let pids: Vec<u32> = grove::joinall(children).await.into_iter().map(Result::unwrap).collect();
        let mut distinct = pids.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), 200, "each child reported its own pid");
        // `output` reaped each one before returning: none is left at all.
        let zombies: Vec<_> = pids.iter().filter(|&&pid| proc_state(pid) == Some('Z')).collect();
        assert!(zombies.is_empty(), "zombies: {zombies:?}");
        let alive: Vec<_> = pids.iter().filter(|&&pid| proc_state(pid).is_some()).collect();
        assert!(alive.is_empty(), "still there: {alive:?}");
    });
}

fn a_dropped_child_is_reaped_when_it_exits() {
    grove::run(async {
        let pids: Vec<u32> = (0..20)
            .map(|_| {
                let child = Command::new("sleep").arg("0.1").spawn().unwrap();
                child.id().unwrap()
            })
            .collect();
        // Each `Child` is dropped at once; the runtime reaps them all.
        all_reaped(&pids).await;
    });
}

fn kill_on_drop_kills_and_reaps() {
    grove::run(async {
        let child = Command::new("sleep").arg("600").kill_on_drop(true).spawn().unwrap();
        let pid = child.id().unwrap();
        assert!(matches!(proc_state(pid), Some(s) if s != 'Z'), "running");
        drop(child);
        all_reaped(&[pid]).await;
    });
}

fn killing_the_task_that_waits_does_not_leak_the_child() {
    grove::run(async {
        let (send, pid) = futures::channel::oneshot::channel();
        let waiter = grove::spawn(async move {
            let mut child = Command::new("sleep").arg("0.2").spawn().unwrap();
            send.send(child.id().unwrap()).unwrap();
            child.wait().await
        });
        let pid = pid.await.unwrap();
        waiter.kill();
        assert!(waiter.await.unwrap_err().is_killed());
        // The killed task dropped the `Child` mid-wait: still reaped.
        all_reaped(&[pid]).await;
    });
}

fn ten_megabytes_each_way_without_deadlock() {
    const SIZE: usize = 10 << 20;
    grove::run(async {
        let input: Vec<u8> = (0..SIZE).map(|i| (i % 251) as u8).collect();
        let mut child = Command::new("sh")
            .args(["-c", "head -c 10485760 /dev/zero >&2 & cat; wait"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let output = child.communicate(&input, Some(PATIENCE)).await.unwrap();
        assert!(output.status.success());
        assert!(output.stdout == input, "stdout is stdin, byte for byte");
        assert_eq!(output.stderr.len(), SIZE);
        assert!(output.stderr.iter().all(|&b| b == 0));
        assert_eq!(child.id(), None, "reaped");
    });
}

fn communicate_times_out_kills_reaps_and_keeps_the_output() {
    grove::run(async {
        let mut child = Command::new("sh")
            .args(["-c", "echo partial; echo oops >&2; exec sleep 600"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id().unwrap();
        // Once the shell has become `sleep`, both lines are in the pipes:
        // the timeout below then cannot beat a slow start of `sh`.
        util::gate::eventually("sh runs `sleep`", || {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).ok().as_deref() == Some("sleep\n")
        })
        .await;
        let started = Instant::now();
        let err = child
            .communicate(b"", Some(Duration::from_millis(500)))
            .await
            .unwrap_err();
        assert!(started.elapsed() < PATIENCE);
        assert!(err.is_timeout(), "{err}");
        assert_eq!(err.stdout, b"partial\n");
        assert_eq!(err.stderr, b"oops\n");
        assert_eq!(child.try_wait().unwrap().and_then(|s| s.signal()), Some(libc::SIGKILL));
        assert_eq!(proc_state(pid), None, "reaped, no zombie");
    });
}

fn a_program_that_does_not_exist_is_a_clear_error() {
    grove::run(async {
        let err = Command::new("grove-no-such-program")
            .arg("x")
            .status()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert!(err.to_string().contains("grove-no-such-program"), "{err}");
        let err = Command::new("/").spawn().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err}");
    });
}

fn stdout_reads_as_a_stream_and_kill_ends_the_child() {
    grove::run(async {
        let mut child = Command::new("sh")
            .args(["-c", "echo line; exec sleep 600"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut line = [0; 5];
        grove::timeout(PATIENCE, stdout.read_exact(&mut line))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(&line, b"line\n");
        assert_eq!(child.try_wait().unwrap(), None, "still running");
        child.kill().unwrap();
        let status = grove::timeout(PATIENCE, child.wait()).await.unwrap().unwrap();
        assert_eq!(status.signal(), Some(libc::SIGKILL));
        let mut rest = Vec::new();
        stdout.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty());
        child.kill().unwrap(); // after the reaping: nothing to do, no error
    });
}

/// grove waits only on its own children: a std `Command` run on another
/// thread meanwhile still gets its own exit status.
fn a_std_command_elsewhere_keeps_its_status() {
    let std_child = std::thread::spawn(|| {
        (0..20)
            .map(|_| {
                std::process::Command::new("sh")
                    .args(["-c", "sleep 0.01; exit 7"])
                    .status()
            })
            .collect::<Vec<_>>()
    });
    grove::run(async {
        let runs: Vec<_> = (0..20)
            .map(|_| grove::spawn(async { Command::new("sh").args(["-c", "exit 3"]).status().await }))
            .collect();
        for run in grove::joinall(runs).await {
            assert_eq!(run.unwrap().unwrap().code(), Some(3));
        }
    });
    for status in std_child.join().unwrap() {
        assert_eq!(status.unwrap().code(), Some(7));
    }
}
