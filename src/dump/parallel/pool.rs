//! The jobs of a `-j` run, whatever they write: up to N databases at
//! once, each on its own connection, started again with fewer jobs when
//! the server has no room for one more. Plain output ([`super::Scheduler`])
//! and the directory format (`dump::directory`) each say what a database's
//! job is and what happens when it ends ([`Jobs`]); the pool decides when
//! jobs start and how many run.

use std::collections::BTreeSet;
use std::rc::Rc;

use futures_util::future::LocalBoxFuture;
use futures_util::stream::{FuturesUnordered, StreamExt};

use super::super::database::{self, Budget, DatabaseMode};
use super::super::options::DumpOptions;
use super::super::{for_want_of_room, no_free_slot, prepare_until_slot_free, DumpError};
use crate::conn::Connector;
use crate::diag;

/// How a database's job ended.
pub(crate) enum Outcome<T> {
    Finished(T),
    /// It could not start for want of a connection slot or of lock table,
    /// having written nothing: to be started again when fewer run.
    Retry(DumpError),
}

/// What a pool runs: one job per selected database, by index.
pub(crate) trait Jobs<'a> {
    /// What a finished job hands back.
    type Done;

    /// How many jobs there are.
    fn count(&self) -> usize;

    /// Starts job `index`. `alone`: no other job of the run holds a
    /// connection, so a refused connection is waited out, then final
    /// (see [`prepare`]). `budget` counts every connection of the run.
    fn start(
        &mut self,
        index: usize,
        alone: bool,
        budget: Rc<Budget>,
    ) -> Result<LocalBoxFuture<'a, Outcome<Self::Done>>, DumpError>;

    /// Job `index` ended (in any order); an error ends the run.
    fn finished(&mut self, index: usize, done: Self::Done) -> Result<(), DumpError>;

    /// Job `index` could not start and waits to be started again.
    fn requeued(&mut self, _index: usize) {}

    /// Jobs from this index on wait (bounds what finished jobs hold
    /// before their turn), given how many may run.
    fn window_end(&self, _limit: usize) -> usize {
        usize::MAX
    }

    /// Whether the run is over (every job's output is in place).
    fn complete(&self) -> bool;
}

/// Which jobs run, and how many may.
pub(crate) struct Pool {
    /// How many jobs may run at once (lowered when the server refuses
    /// connections or runs out of lock table).
    limit: usize,
    /// Jobs to start, first the first (a job started again after a
    /// refusal goes back among them, in its place).
    to_start: BTreeSet<usize>,
    running: usize,
    /// Whether the run goes on with fewer jobs than asked for, and
    /// whether that has been said.
    reduced: Reduced,
    /// The connections: one per running job, and the workers that read
    /// big tables of running databases (src/dump/database/split).
    budget: Rc<Budget>,
}

impl Pool {
    pub(crate) fn new(jobs: usize) -> Pool {
        let limit = jobs.max(1);
        Pool {
            limit,
            to_start: BTreeSet::new(),
            running: 0,
            reduced: Reduced::No,
            budget: Rc::new(Budget::new(limit)),
        }
    }

    /// Runs the jobs until `jobs` is complete or one fails.
    pub(crate) async fn run<'a, J: Jobs<'a>>(&mut self, jobs: &mut J) -> Result<(), DumpError> {
        self.to_start = (0..jobs.count()).collect();
        let mut tasks = FuturesUnordered::new();
        loop {
            while let Some(index) = self.next_to_start(jobs.window_end(self.limit)) {
                // Alone, a refused connection is waited out and then
                // final, as at -j1: no other session of ours holds a slot.
                let alone = self.running == 0;
                self.running += 1;
                self.budget.set_databases(self.running);
                let job = jobs.start(index, alone, self.budget.clone())?;
                tasks.push(async move { (index, job.await) });
            }
            if jobs.complete() {
                return Ok(());
            }
            // A worker's connection given back may let a job start.
            let next = tokio::select! {
                next = tasks.next() => next,
                () = self.budget.released(), if self.running > 0 => continue,
            };
            let Some((index, outcome)) = next else {
                return Err(DumpError::Other("no database is being dumped".into()));
            };
            self.running -= 1;
            self.budget.set_databases(self.running);
            match outcome {
                Outcome::Finished(done) => {
                    jobs.finished(index, done)?;
                    self.say_reduced();
                }
                Outcome::Retry(e) => {
                    jobs.requeued(index);
                    self.back_off(index, &e);
                }
            }
        }
    }

    /// The next job to start, if a connection is free and `window_end`
    /// allows.
    fn next_to_start(&mut self, window_end: usize) -> Option<usize> {
        let &index = self.to_start.first()?;
        let in_use = self.running + self.budget.workers();
        if in_use >= self.limit || index >= window_end {
            return None;
        }
        self.to_start.pop_first()
    }

    /// A job could not start for want of a connection slot or of lock
    /// table: it waits for its turn again, and fewer jobs run.
    fn back_off(&mut self, index: usize, e: &DumpError) {
        self.to_start.insert(index);
        let fewer = self.running.max(1);
        if fewer < self.limit {
            self.limit = fewer;
            self.budget.set_limit(fewer);
        }
        if self.reduced == Reduced::No {
            self.reduced = Reduced::Unsaid(if no_free_slot(e) {
                "the server refused a connection (too many connections)"
            } else {
                "the server ran out of shared memory for locks"
            });
        }
    }

    /// Says once that fewer jobs run, when a job has ended after the
    /// refusals: by then the jobs that got a connection are known (the
    /// others were refused one by one, the limit lowered each time), and
    /// had none been had, the run would have stopped with the error.
    fn say_reduced(&mut self) {
        if let Reduced::Unsaid(cause) = self.reduced {
            self.reduced = Reduced::Said;
            diag::warning(&format!(
                "{cause}; going on with {} parallel job{}",
                self.limit,
                if self.limit == 1 { "" } else { "s" }
            ));
        }
    }
}

/// Whether a run goes on with fewer jobs than asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reduced {
    No,
    /// Yes, for this cause, not said yet.
    Unsaid(&'static str),
    Said,
}

/// How a job's database opened.
pub(crate) enum Started {
    Ready(Box<database::Prepared>),
    /// No room for it now (others hold connections or locks): retry.
    Refused(DumpError),
    Failed(DumpError),
}

/// Connects to `name` and reads it (a catalog helper session may take a
/// connection of `budget`). `alone`: a refusal is waited out, as at
/// `-j1`, and then final; else it means "later, with fewer jobs".
pub(crate) async fn prepare(
    connector: &Connector,
    opts: &DumpOptions,
    name: &str,
    mode: DatabaseMode,
    alone: bool,
    budget: Option<&Budget>,
) -> Started {
    let prepared = if alone {
        prepare_until_slot_free(connector, opts, name, mode, budget).await
    } else {
        database::prepare_database(connector, opts, name, mode, budget).await
    };
    match prepared {
        Ok(prepared) => Started::Ready(Box::new(prepared)),
        Err(e) if !alone && for_want_of_room(&e) => Started::Refused(e),
        Err(e) => Started::Failed(e),
    }
}
