//! Settings of a [`ThreadPool`].

use std::time::Duration;

use super::ThreadPool;
use crate::runtime::blocking::Config;

/// How many jobs a [`ThreadPool`] queues before `spawn` waits, by default.
const QUEUE_LIMIT: usize = 1024;

/// Configures a [`ThreadPool`]: its maximum number of threads, how many
/// jobs may wait for one, how long an idle thread lives, and the threads'
/// name and stack size.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use grove::blocking::ThreadPool;
///
/// let pool = ThreadPool::builder()
///     .max_threads(8)
///     .queue_limit(100)
///     .idle_timeout(Duration::from_secs(1))
///     .thread_name("resolver")
///     .build();
/// assert_eq!(pool.max_threads(), 8);
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    config: Config,
}

impl Builder {
    /// The default settings: 4 threads at most, a queue of 1,024 jobs, a
    /// 10-second idle timeout, threads named `grove-blocking` with the
    /// standard library's default stack size.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = grove::blocking::Builder::new().build();
    /// assert_eq!(pool.max_threads(), 4);
    /// ```
    pub fn new() -> Builder {
        Builder {
            config: Config::new(4, QUEUE_LIMIT),
        }
    }

    /// The most threads the pool runs at once. Threads start only when a
    /// job finds none idle.
    ///
    /// # Panics
    /// If `threads` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = grove::blocking::ThreadPool::builder().max_threads(2).build();
    /// assert_eq!(pool.max_threads(), 2);
    /// ```
    #[track_caller]
    pub fn max_threads(&mut self, threads: usize) -> &mut Builder {
        assert!(threads > 0, "a thread pool needs at least one thread");
        self.config.max_threads = threads;
        self
    }

    /// How many jobs may wait for a thread. When the queue is full,
    /// [`ThreadPool::spawn`] waits until a thread takes a job.
    ///
    /// # Panics
    /// If `jobs` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = grove::blocking::ThreadPool::builder().queue_limit(10).build();
    /// assert_eq!(pool.queued(), 0);
    /// ```
    #[track_caller]
    pub fn queue_limit(&mut self, jobs: usize) -> &mut Builder {
        assert!(jobs > 0, "a thread pool needs room for at least one job");
        self.config.queue_limit = jobs;
        self
    }

    /// How long a thread with nothing to do waits before it exits.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let pool = grove::blocking::ThreadPool::builder().idle_timeout(Duration::from_millis(100)).build();
    /// # drop(pool);
    /// ```
    pub fn idle_timeout(&mut self, timeout: Duration) -> &mut Builder {
        self.config.idle_timeout = timeout;
        self
    }

    /// The name of the pool's threads, as panic messages and debuggers show
    /// it.
    ///
    /// # Panics
    /// If `name` contains a NUL byte, which no OS thread name can hold. (The
    /// check is here rather than where a thread starts, inside some task's
    /// `spawn`.)
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = grove::blocking::ThreadPool::builder().thread_name("dns").build();
    /// # drop(pool);
    /// ```
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Builder {
        let name = name.into();
        assert!(
            !name.contains('\0'),
            "a thread name cannot contain a NUL byte: {name:?}"
        );
        self.config.name = name;
        self
    }

    /// The stack size of the pool's threads, in bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = grove::blocking::ThreadPool::builder().stack_size(256 * 1024).build();
    /// # drop(pool);
    /// ```
    pub fn stack_size(&mut self, bytes: usize) -> &mut Builder {
        self.config.stack_size = Some(bytes);
        self
    }

    /// Creates the pool. No thread starts until the first job.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = grove::blocking::ThreadPool::builder().build();
    /// assert_eq!(pool.threads(), 0);
    /// ```
    pub fn build(&self) -> ThreadPool {
        ThreadPool::from_config(self.config.clone())
    }
}

impl Default for Builder {
    fn default() -> Builder {
        Builder::new()
    }
}
