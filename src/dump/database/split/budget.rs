//! The connection budget of a `-j` run, shared by the databases being
//! dumped and their workers.

use std::cell::Cell;

use tokio::sync::Notify;

/// The connections of a `-j` run: databases being dumped and their
/// workers together never hold more than the job count.
#[derive(Debug)]
pub(crate) struct Budget {
    limit: Cell<usize>,
    databases: Cell<usize>,
    workers: Cell<usize>,
    released: Notify,
}

impl Budget {
    pub(crate) fn new(limit: usize) -> Budget {
        Budget {
            limit: Cell::new(limit),
            databases: Cell::new(0),
            workers: Cell::new(0),
            released: Notify::new(),
        }
    }

    /// Lowers (or sets) the number of connections allowed.
    pub(crate) fn set_limit(&self, limit: usize) {
        self.limit.set(limit);
    }

    /// How many databases hold a connection (fewer: the databases being
    /// written may take more workers).
    pub(crate) fn set_databases(&self, running: usize) {
        let fewer = running < self.databases.get();
        self.databases.set(running);
        if fewer {
            self.released.notify_waiters();
        }
    }

    /// Connections held by workers.
    pub(crate) fn workers(&self) -> usize {
        self.workers.get()
    }

    pub(super) fn free(&self) -> usize {
        self.limit
            .get()
            .saturating_sub(self.databases.get() + self.workers.get())
    }

    /// Resolves when a connection has been given back (by a worker or a
    /// database). Made before the wait, so that a connection given back
    /// while the caller polls something else is not missed.
    pub(crate) fn released(&self) -> tokio::sync::futures::Notified<'_> {
        self.released.notified()
    }

    pub(in crate::dump::database) fn take_worker(&self) -> Option<WorkerPermit<'_>> {
        if self.free() == 0 {
            return None;
        }
        self.workers.set(self.workers.get() + 1);
        Some(WorkerPermit(self))
    }
}

/// A worker's place in the budget, given back when dropped.
pub(in crate::dump::database) struct WorkerPermit<'a>(&'a Budget);

impl Drop for WorkerPermit<'_> {
    fn drop(&mut self) {
        let budget = self.0;
        budget.workers.set(budget.workers.get().saturating_sub(1));
        budget.released.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workers_take_only_what_the_databases_leave() {
        let budget = Budget::new(4);
        budget.set_databases(2);
        let first = budget.take_worker().expect("a free connection");
        let second = budget.take_worker().expect("another one");
        assert!(budget.take_worker().is_none(), "four connections in use");
        assert_eq!(budget.workers(), 2);
        drop(first);
        assert_eq!((budget.workers(), budget.free()), (1, 1));
        // Fewer jobs after a refusal: nothing free until workers end.
        budget.set_limit(2);
        assert_eq!(budget.free(), 0);
        assert!(budget.take_worker().is_none());
        drop(second);
        assert_eq!(budget.free(), 0);
        budget.set_databases(1);
        assert!(budget.take_worker().is_some());
    }
}
