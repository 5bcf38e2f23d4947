//! Long work (imports, exports, and next sending and printing): each job runs on its own
//! connection to the library with its own cancel token and reports progress through a callback,
//! so neither the window's session lock nor the window waits for it.
//!
//! The window keeps one [`Jobs`] registry: a command starts a job (getting its id to cancel by),
//! runs it on a blocking thread with [`Job::open`], and the job leaves the registry when it is
//! dropped. The CLI uses the same jobs, one at a time.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::library::{Actor, Library, LibraryError};
use crate::progress::CancelToken;

/// The jobs running now, by id.
#[derive(Debug, Default)]
pub struct Jobs {
    running: Mutex<HashMap<u64, CancelToken>>,
    next: AtomicU64,
}

/// Ids the window chooses are in the upper half; ids [`Jobs::start`] draws, in the lower.
const CALLER_IDS: u64 = 1 << 63;

impl Jobs {
    pub fn new() -> Arc<Jobs> {
        Arc::new(Jobs::default())
    }

    /// Registers a job on the library at `root`.
    pub fn start(self: &Arc<Self>, root: &Path, actor: Actor) -> Job {
        let id = (self.next.fetch_add(1, Ordering::Relaxed) + 1) & !CALLER_IDS;
        self.register(id, root, actor)
    }

    /// Registers a job under an id the caller chose (the window picks one before it asks, so
    /// it can cancel before the first progress report). A cancel that came first is kept.
    pub fn start_as(self: &Arc<Self>, id: u64, root: &Path, actor: Actor) -> Job {
        self.register(id | CALLER_IDS, root, actor)
    }

    fn register(self: &Arc<Self>, id: u64, root: &Path, actor: Actor) -> Job {
        let cancel = self.lock().entry(id).or_default().clone();
        Job {
            id,
            cancel,
            root: root.to_path_buf(),
            actor,
            registry: Arc::clone(self),
        }
    }

    /// Cancels the job `id`; false when it is not running (finished already, or unknown).
    pub fn cancel(&self, id: u64) -> bool {
        match self.lock().get(&id) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    /// Cancels the window's job `id`, also when it has not started yet (it then starts
    /// cancelled and stops at once).
    pub fn cancel_as(&self, id: u64) {
        self.lock().entry(id | CALLER_IDS).or_default().cancel();
    }

    pub fn running(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, CancelToken>> {
        // A job that panicked must not stop every later one from registering.
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One running job: its id, its cancel token and the library it works on.
#[derive(Debug)]
pub struct Job {
    pub id: u64,
    pub cancel: CancelToken,
    root: PathBuf,
    actor: Actor,
    registry: Arc<Jobs>,
}

impl Job {
    /// The job's own connection to the library.
    pub fn open(&self) -> Result<Library, LibraryError> {
        Library::open(&self.root, self.actor)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        self.registry.lock().remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_cancel_by_id_and_leave_when_dropped() {
        let jobs = Jobs::new();
        let a = jobs.start(Path::new("/tmp/a"), Actor::Cli);
        let b = jobs.start(Path::new("/tmp/b"), Actor::Cli);
        assert_ne!(a.id, b.id);
        assert_eq!(jobs.running(), 2);
        assert!(jobs.cancel(b.id));
        assert!(b.cancel.is_cancelled());
        assert!(
            !a.cancel.is_cancelled(),
            "one job's cancel never stops another"
        );
        let id = a.id;
        drop(a);
        assert!(!jobs.cancel(id), "a finished job cannot be cancelled");
        assert_eq!(jobs.running(), 1);
    }

    #[test]
    fn a_cancel_that_arrives_before_the_start_is_kept() {
        let jobs = Jobs::new();
        jobs.cancel_as(7);
        let job = jobs.start_as(7, Path::new("/tmp/a"), Actor::App);
        assert!(job.cancel.is_cancelled());
        drop(job);
        let again = jobs.start_as(7, Path::new("/tmp/a"), Actor::App);
        assert!(
            !again.cancel.is_cancelled(),
            "a finished job's id starts fresh"
        );
    }
}
