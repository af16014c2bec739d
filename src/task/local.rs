//! Task-local storage: gevent's `local`.

use std::fmt;
use std::marker::PhantomData;
use std::rc::Rc;

use crate::runtime::context;

/// Declares task-local values: each task sees its own, created by the
/// initializer the first time that task touches it, and dropped when the
/// task ends. It is to tasks what `thread_local!` is to threads, and what
/// `gevent.local` is to greenlets.
///
/// The future given to `block_on` counts as a task of its own.
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
///
/// grove::task_local! {
///     static REQUESTS: Cell<u32> = Cell::new(0);
/// }
///
/// grove::run(async {
///     let task = grove::spawn(async {
///         REQUESTS.with(|n| n.set(n.get() + 1));
///         REQUESTS.with(|n| n.get())
///     });
///     assert_eq!(task.await.unwrap(), 1);
///     // This task's value is its own.
///     assert_eq!(REQUESTS.with(|n| n.get()), 0);
/// });
/// ```
#[macro_export]
macro_rules! task_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr; $($rest:tt)*) => {
        $(#[$attr])*
        $vis static $name: $crate::task::LocalKey<$t> = $crate::task::LocalKey::new({
            fn __init() -> $t {
                $init
            }
            __init
        });
        $crate::task_local!($($rest)*);
    };
}

/// A key for task-local values, declared with [`task_local!`](crate::task_local).
///
/// # Examples
///
/// ```
/// grove::task_local! {
///     static NAME: String = String::from("anonymous");
/// }
///
/// grove::run(async {
///     assert_eq!(NAME.with(|n| n.len()), 9);
/// });
/// ```
pub struct LocalKey<T: 'static> {
    init: fn() -> T,
    _value: PhantomData<fn() -> T>,
}

impl<T: 'static> LocalKey<T> {
    #[doc(hidden)]
    pub const fn new(init: fn() -> T) -> LocalKey<T> {
        LocalKey {
            init,
            _value: PhantomData,
        }
    }

    /// Calls `f` with the current task's value, creating it first if this
    /// task has not used it yet.
    ///
    /// # Panics
    /// Outside of any grove task.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::RefCell;
    ///
    /// grove::task_local! {
    ///     static LOG: RefCell<Vec<&'static str>> = RefCell::new(Vec::new());
    /// }
    ///
    /// grove::run(async {
    ///     LOG.with(|log| log.borrow_mut().push("start"));
    ///     assert_eq!(LOG.with(|log| log.borrow().len()), 1);
    /// });
    /// ```
    #[track_caller]
    pub fn with<R>(&'static self, f: impl FnOnce(&T) -> R) -> R {
        let value = context::with_core("task-local access", |core| {
            let owner = core.current().expect("a task-local was used outside of any grove task");
            core.locals().get_or_init(owner.id, self.key(), || {
                if let Some(task) = owner.task {
                    task.state().set_has_locals();
                }
                Rc::new((self.init)())
            })
        });
        f(value.downcast_ref::<T>().expect("task-local keys are unique per type"))
    }

    /// The key's identity: the static's address.
    fn key(&'static self) -> usize {
        self as *const LocalKey<T> as usize
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalKey").finish_non_exhaustive()
    }
}
