//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod gate;

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// A fresh directory under the system's temporary one, named for the test
/// and the process, and removed with what it holds when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("grove-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    /// A path inside the directory.
    pub fn join(&self, path: impl AsRef<Path>) -> PathBuf {
        self.0.join(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Counts how many of its clones have been dropped.
#[derive(Clone, Default)]
pub struct DropCounter(Rc<Cell<usize>>);

impl DropCounter {
    /// A token that bumps the count when dropped.
    pub fn token(&self) -> DropToken {
        DropToken(self.0.clone())
    }

    /// How many tokens have been dropped.
    pub fn dropped(&self) -> usize {
        self.0.get()
    }
}

/// Bumps its counter on drop.
pub struct DropToken(Rc<Cell<usize>>);

impl Drop for DropToken {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

/// An ordered log of events, shared between tasks.
#[derive(Clone, Default)]
pub struct Log(Rc<std::cell::RefCell<Vec<String>>>);

impl Log {
    pub fn push(&self, event: impl Into<String>) {
        self.0.borrow_mut().push(event.into());
    }

    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut self.0.borrow_mut())
    }
}

/// The message of a caught panic payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// The process's limit on open files.
pub fn nofile() -> libc::rlimit {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid rlimit to fill in.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) }, 0);
    limit
}

/// Sets the process's limit on open files.
pub fn set_nofile(limit: libc::rlimit) {
    // SAFETY: `limit` is a valid rlimit to read; a value out of range is
    // an error return, which the assert reports.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);
}

/// A loopback address that refuses connections for as long as the returned
/// socket lives: the socket holds the port, bound but not listening, so no
/// other test can take it meanwhile, as it could a port bound and let go.
pub fn refusing_address() -> (socket2::Socket, std::net::SocketAddr) {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket
        .bind(&std::net::SocketAddr::from(([127, 0, 0, 1], 0)).into())
        .unwrap();
    let addr = socket.local_addr().unwrap().as_socket().unwrap();
    (socket, addr)
}
