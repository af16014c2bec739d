//! futures' `Spawn` and `LocalSpawn`, for code written against them.

use std::fmt;
use std::marker::PhantomData;

use futures::task::{FutureObj, LocalFutureObj, LocalSpawn, Spawn, SpawnError};

use crate::Handle;
use crate::runtime::RuntimeId;
use crate::runtime::context;

/// futures' [`LocalSpawn`] (and [`Spawn`]) for the runtime it was made
/// on: hand it to a library that takes a spawner, and the library's tasks,
/// `!Send` ones included, run as grove tasks. It spawns only while its
/// runtime is the current one on this thread (the one being driven, or the
/// last one created); otherwise spawning fails with
/// [`SpawnError::shutdown`]. To spawn from other threads, use [`Handle`],
/// which implements [`Spawn`].
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use futures::task::LocalSpawnExt;
/// use grove::compat::LocalSpawner;
///
/// grove::run(async {
///     let spawner = LocalSpawner::current();
///     let shared = Rc::new(5);
///     let task = spawner.spawn_local_with_handle(async move { *shared * 2 }).unwrap();
///     assert_eq!(task.await, 10);
/// });
/// ```
#[derive(Clone)]
pub struct LocalSpawner {
    runtime: RuntimeId,
    /// Tied to its runtime's thread.
    _local: PhantomData<*const ()>,
}

impl LocalSpawner {
    /// A spawner for the runtime running on this thread.
    ///
    /// # Panics
    /// If there is no grove runtime on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::task::LocalSpawn;
    ///
    /// grove::run(async {
    ///     let spawner = grove::compat::LocalSpawner::current();
    ///     assert!(spawner.status_local().is_ok());
    /// });
    /// ```
    #[track_caller]
    pub fn current() -> LocalSpawner {
        LocalSpawner {
            runtime: context::with_core("LocalSpawner::current", |core| core.id()),
            _local: PhantomData,
        }
    }

    fn check(&self) -> Result<(), SpawnError> {
        match context::with_current(|core| core.is(self.runtime)) {
            Some(true) => Ok(()),
            _ => Err(SpawnError::shutdown()),
        }
    }
}

impl LocalSpawn for LocalSpawner {
    fn spawn_local_obj(&self, future: LocalFutureObj<'static, ()>) -> Result<(), SpawnError> {
        self.check()?;
        drop(crate::spawn(future));
        Ok(())
    }

    fn status_local(&self) -> Result<(), SpawnError> {
        self.check()
    }
}

impl Spawn for LocalSpawner {
    fn spawn_obj(&self, future: FutureObj<'static, ()>) -> Result<(), SpawnError> {
        self.spawn_local_obj(future.into())
    }

    fn status(&self) -> Result<(), SpawnError> {
        self.check()
    }
}

impl fmt::Debug for LocalSpawner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSpawner").field("runtime", &self.runtime).finish()
    }
}

/// Spawns `Send` futures on the handle's runtime, from any thread. Fails
/// with [`SpawnError::shutdown`] once the runtime is gone.
///
/// # Examples
///
/// ```
/// use futures::task::SpawnExt;
///
/// let rt = grove::Runtime::new()?;
/// let handle = rt.handle();
/// let task = std::thread::spawn(move || handle.spawn_with_handle(async { 3 }).unwrap())
///     .join()
///     .unwrap();
/// assert_eq!(rt.block_on(task), 3);
/// # Ok::<(), std::io::Error>(())
/// ```
impl Spawn for Handle {
    fn spawn_obj(&self, future: FutureObj<'static, ()>) -> Result<(), SpawnError> {
        drop(self.spawn(future));
        // A runtime only closes once, for good: open after the spawn means
        // the runtime took the future.
        self.status()
    }

    fn status(&self) -> Result<(), SpawnError> {
        if self.is_closed() {
            Err(SpawnError::shutdown())
        } else {
            Ok(())
        }
    }
}
