//! `accept` out of file descriptors backs off, without spinning, and goes
//! on once descriptors are free. Its own test binary, because it lowers the
//! process's descriptor limit.

mod util;

use std::cell::{Cell, RefCell};
use std::os::fd::AsRawFd;
use std::rc::Rc;
use std::time::{Duration, Instant};

use grove::net::TcpListener;
use util::{nofile, set_nofile};

/// The highest descriptor number open in this process.
fn highest_fd() -> u64 {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .max()
        .unwrap()
}

/// User plus system CPU time of this process.
fn cpu_time() -> Duration {
    // SAFETY: an all-zero rusage is valid, and getrusage fills it in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid rusage to fill in.
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) }, 0);
    let micros = |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
    micros(usage.ru_utime) + micros(usage.ru_stime)
}

#[test]
fn accept_backs_off_when_out_of_descriptors_and_recovers() {
    const CLIENTS: usize = 20;
    let original = nofile();
    grove::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // The clients connect before the limit drops; the kernel completes
        // their handshakes into the listener's backlog.
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| std::net::TcpStream::connect(addr).unwrap())
            .collect();
        let accepted = Rc::new(RefCell::new(Vec::new()));
        let count = Rc::new(Cell::new(0));
        let server = grove::spawn({
            let (accepted, count) = (accepted.clone(), count.clone());
            async move {
                while count.get() < CLIENTS {
                    let (stream, _) = listener.accept().await.unwrap();
                    accepted.borrow_mut().push(stream);
                    count.set(count.get() + 1);
                }
            }
        });
        // Descriptors take the lowest free number, so the gaps below the
        // highest one are filled first; then there is room for 3 more only.
        let top = highest_fd();
        let mut fillers = Vec::new();
        loop {
            let filler = std::fs::File::open("/dev/null").unwrap();
            let fd = filler.as_raw_fd() as u64;
            fillers.push(filler);
            if fd > top {
                break;
            }
        }
        set_nofile(libc::rlimit {
            rlim_cur: highest_fd() + 4,
            rlim_max: original.rlim_max,
        });
        grove::sleep(Duration::from_millis(100)).await;
        let stuck_at = count.get();
        assert!(stuck_at < CLIENTS, "all {CLIENTS} accepted under a lowered limit");

        // Out of descriptors, the server must wait, not spin.
        let (wall, cpu) = (Instant::now(), cpu_time());
        grove::sleep(Duration::from_millis(500)).await;
        let busy = (cpu_time() - cpu).as_secs_f64() / wall.elapsed().as_secs_f64();
        assert!(
            busy < 0.5,
            "the process was busy {:.0}% of the time while out of descriptors",
            busy * 100.0
        );
        assert_eq!(count.get(), stuck_at);

        // Closing connections frees descriptors, and accept goes on.
        accepted.borrow_mut().clear();
        drop(fillers);
        set_nofile(original);
        grove::timeout(Duration::from_secs(10), server)
            .await
            .expect("accept did not recover")
            .unwrap();
        assert_eq!(count.get(), CLIENTS);
        drop(clients);
    });
}
