//! One runtime per core: each on its own thread, pinned when asked,
//! reachable through its handle, and sharing a port with SO_REUSEPORT.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use grove::net::TcpListener;

fn thread_name() -> String {
    std::thread::current().name().unwrap_or("?").to_owned()
}

#[test]
fn each_runtime_runs_its_main_on_a_thread_of_its_own() {
    let runtimes = grove::Runtime::builder()
        .build_per_core(3, false, |index| async move { (index, thread_name()) })
        .unwrap();
    let ran: Vec<_> = runtimes.join().into_iter().map(Result::unwrap).collect();
    assert_eq!(
        ran,
        [
            (0, "grove-0".to_owned()),
            (1, "grove-1".to_owned()),
            (2, "grove-2".to_owned())
        ]
    );
}

/// The CPUs the calling thread may run on.
fn my_cpus() -> Vec<usize> {
    // SAFETY: a zeroed `cpu_set_t` is the empty set; the call gets its
    // exact size and fills it for this thread.
    let set = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        assert_eq!(
            libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set),
            0
        );
        set
    };
    // SAFETY: reads bits within the set's size.
    (0..libc::CPU_SETSIZE as usize)
        .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
        .collect()
}

#[test]
fn pinned_runtimes_each_run_on_one_cpu_in_turn() {
    let allowed = my_cpus();
    let runtimes = grove::Runtime::builder()
        .build_per_core(2, true, |_| async { my_cpus() })
        .unwrap();
    let cpus: Vec<_> = runtimes.join().into_iter().map(Result::unwrap).collect();
    assert_eq!(cpus[0], [allowed[0]]);
    assert_eq!(cpus[1], [allowed[1 % allowed.len()]]);
}

#[test]
fn a_handle_spawns_on_its_own_runtime() {
    let stop = Arc::new(AtomicBool::new(false));
    let keep_running = stop.clone();
    let runtimes = grove::Runtime::builder()
        .build_per_core(2, false, move |_| {
            let stop = keep_running.clone();
            async move {
                while !stop.load(Ordering::SeqCst) {
                    grove::sleep(Duration::from_millis(1)).await;
                }
            }
        })
        .unwrap();
    let names: Vec<_> = runtimes
        .handles()
        .iter()
        .map(|handle| handle.spawn(async { thread_name() }))
        .collect();
    let names: Vec<_> = names
        .into_iter()
        .map(|task| futures::executor::block_on(task).unwrap())
        .collect();
    assert_eq!(names, ["grove-0", "grove-1"]);
    stop.store(true, Ordering::SeqCst);
    assert!(runtimes.join().iter().all(Result::is_ok));
}

#[test]
fn runtimes_share_a_port_with_reuseport_and_the_kernel_spreads_connections() {
    const CONNECTIONS: usize = 200;
    // The port: bound once to learn a free one, then by every runtime.
    let probe = reuseport_listener("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = probe.local_addr().unwrap();
    let accepted = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
    let listening = Arc::new(std::sync::Barrier::new(3));
    let (counts, ready) = (accepted.clone(), listening.clone());
    let servers = grove::Runtime::builder()
        .build_per_core(2, false, move |index| {
            let (counts, ready) = (counts.clone(), ready.clone());
            async move {
                let listener = TcpListener::bind_reuseport(addr).await.unwrap();
                ready.wait();
                let started = Instant::now();
                while counts.iter().map(|n| n.load(Ordering::SeqCst)).sum::<usize>() < CONNECTIONS {
                    assert!(started.elapsed() < Duration::from_secs(30), "connections went missing");
                    if let Ok(Ok(_)) = grove::timeout(Duration::from_millis(10), listener.accept()).await {
                        counts[index].fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
        })
        .unwrap();
    listening.wait();
    drop(probe);
    let clients: Vec<_> = (0..CONNECTIONS)
        .map(|_| std::net::TcpStream::connect(addr).unwrap())
        .collect();
    assert!(servers.join().iter().all(Result::is_ok));
    drop(clients);
    let (first, second) = (accepted[0].load(Ordering::SeqCst), accepted[1].load(Ordering::SeqCst));
    assert_eq!(first + second, CONNECTIONS);
    assert!(first > 0 && second > 0, "spread: {first} and {second}");
}

fn reuseport_listener(addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    socket.set_reuse_port(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    Ok(socket.into())
}
