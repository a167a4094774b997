//! `-j N`: up to N databases dumped at once, each on its own connection,
//! the script still written in order, byte for byte what `-j1` writes.
//!
//! Each database writes into a spool ([`crate::output::spool`]); the
//! database whose turn it is (the *head*) writes straight through to the
//! output, the others keep their output until the databases before them
//! are complete. "The output of database k" is thus one unit, written
//! whole and in order: progress events and other output formats can hook
//! in where a database is handed over ([`Scheduler::advance`]).
//!
//! Connections: N at most (plus the cluster session's), one per database
//! being dumped (no catalog helper session). When the server refuses one
//! for want of a slot (too many connections, 53300), or the shared lock
//! table is full (out of shared memory, 53200) while other databases are
//! being dumped, the database is started again later and the run goes on
//! with fewer jobs (said once on stderr); with no other database running,
//! the error is pg_dumpall's. Lock-table pressure is handled by backing
//! off, not by sizing in advance: the databases' table counts are only
//! known once they are read.

mod task;

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use futures_util::stream::{FuturesUnordered, StreamExt};

use super::database::Budget;
use super::options::DumpOptions;
use super::{pg_dump_failed, DumpError};
use crate::conn::Connector;
use crate::diag;
use crate::output::spool::{Spool, SpoolSettings};
use crate::output::Sink;
use task::{dump_one, Outcome, TaskError};

/// How many databases may be started before the head is written, per job:
/// small databases that finish early wait in their spools while a big one
/// is written, and the connections go on working meanwhile.
const WINDOW_PER_JOB: usize = 2;

/// Dumps `selected` with up to `opts.jobs` databases at once, writing
/// each database's part of the script in order to `sink`; returns the
/// sink for the trailer.
pub(crate) async fn dump_databases(
    connector: Connector,
    opts: &DumpOptions,
    selected: &[String],
    sink: Sink,
) -> Result<Sink, DumpError> {
    let out = Rc::new(RefCell::new(sink));
    let mut scheduler = Scheduler::new(opts, selected, out.clone());
    let result = scheduler.run(&connector).await;
    drop(scheduler);
    result?;
    Rc::try_unwrap(out)
        .map(RefCell::into_inner)
        .map_err(|_| DumpError::Other("the output is still in use".into()))
}

/// One selected database.
struct Slot {
    name: String,
    spool: Spool,
    state: SlotState,
}

enum SlotState {
    Waiting,
    Running,
    Finished(Result<(), TaskError>),
}

struct Scheduler<'a> {
    opts: &'a DumpOptions,
    slots: Vec<Slot>,
    out: Rc<RefCell<Sink>>,
    /// How many databases may run at once (lowered when the server
    /// refuses connections or runs out of lock table).
    limit: usize,
    /// The first database not yet written.
    head: usize,
    /// Databases to start, first the first (a database started again after
    /// a refused connection goes back among them, in its place).
    to_start: BTreeSet<usize>,
    running: usize,
    /// Whether fewer jobs than asked for has been reported.
    reduced: bool,
    /// The connections: one per running database, and the workers that
    /// read big tables of running databases (src/dump/database/split.rs).
    budget: Rc<Budget>,
}

impl<'a> Scheduler<'a> {
    fn new(opts: &'a DumpOptions, selected: &[String], out: Rc<RefCell<Sink>>) -> Scheduler<'a> {
        let settings = SpoolSettings::new(opts.file.as_deref());
        Scheduler {
            opts,
            slots: selected
                .iter()
                .map(|name| Slot {
                    name: name.clone(),
                    spool: Spool::new(&settings),
                    state: SlotState::Waiting,
                })
                .collect(),
            out,
            limit: opts.jobs.max(1),
            head: 0,
            to_start: (0..selected.len()).collect(),
            running: 0,
            reduced: false,
            budget: Rc::new(Budget::new(opts.jobs.max(1))),
        }
    }

    /// Runs the databases until all are written or one fails.
    async fn run(&mut self, connector: &Connector) -> Result<(), DumpError> {
        let mut tasks = FuturesUnordered::new();
        self.name_head();
        loop {
            while let Some(index) = self.next_to_start() {
                // Alone, a refused connection is waited out and then
                // final, as at -j1: no other session of ours holds a slot.
                let alone = self.running == 0;
                self.slots[index].state = SlotState::Running;
                self.running += 1;
                self.budget.set_databases(self.running);
                let sink = self.slots[index].spool.sink();
                let name = self.slots[index].name.clone();
                let opts = self.opts;
                let budget = self.budget.clone();
                tasks.push(async move {
                    let outcome = dump_one(connector, opts, &name, sink, alone, &budget).await;
                    (index, outcome)
                });
                if index == self.head {
                    self.slots[index].spool.hand_over(&self.out)?;
                }
            }
            if self.head == self.slots.len() {
                return Ok(());
            }
            // A worker's connection given back may let a database start.
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
                Outcome::Finished(result) => self.slots[index].state = SlotState::Finished(result),
                Outcome::Retry(e) => self.back_off(index, &e),
            }
            self.advance()?;
        }
    }

    /// The next database to start, if a job is free and the window allows.
    fn next_to_start(&mut self) -> Option<usize> {
        let &index = self.to_start.first()?;
        let window = self.limit.saturating_mul(WINDOW_PER_JOB);
        let in_use = self.running + self.budget.workers();
        if in_use >= self.limit || index >= self.head + window {
            return None;
        }
        self.to_start.pop_first()
    }

    /// A database could not start for want of a connection slot or of
    /// lock table: it waits for its turn again, and fewer jobs run.
    fn back_off(&mut self, index: usize, e: &DumpError) {
        self.slots[index].state = SlotState::Waiting;
        self.to_start.insert(index);
        let fewer = self.running.max(1);
        if fewer < self.limit {
            self.limit = fewer;
            self.budget.set_limit(fewer);
        }
        if !self.reduced {
            self.reduced = true;
            let cause = match e {
                DumpError::Connection(_) => {
                    "the server refused a connection (too many connections)"
                }
                _ => "the server ran out of shared memory for locks",
            };
            diag::warning(&format!(
                "{cause}; going on with {} parallel job{}",
                self.limit,
                if self.limit == 1 { "" } else { "s" }
            ));
        }
    }

    /// Tells the signal handler which database is being written (the one
    /// a signal's messages name, as pg_dumpall names the running pg_dump's).
    fn name_head(&self) {
        let head = self.slots.get(self.head).map(|slot| slot.name.as_str());
        crate::interrupt::set_current_database(head);
    }

    /// Writes out the databases that are complete at the head, in order,
    /// and hands the output to the next one.
    fn advance(&mut self) -> Result<(), DumpError> {
        while let Some(slot) = self.slots.get_mut(self.head) {
            let SlotState::Finished(result) =
                std::mem::replace(&mut slot.state, SlotState::Waiting)
            else {
                break;
            };
            // Its output, if it finished before its turn.
            slot.spool.hand_over(&self.out)?;
            match result {
                Ok(()) => {}
                Err(TaskError::Bare(e)) => return Err(e),
                Err(TaskError::Failed(e)) => return Err(pg_dump_failed(&slot.name, e)),
            }
            self.out
                .try_borrow_mut()
                .map_err(|_| DumpError::Other("the output is in use".into()))?
                .flush()?;
            self.head += 1;
            self.name_head();
            if let Some(next) = self.slots.get(self.head) {
                if matches!(next.state, SlotState::Running | SlotState::Finished(_)) {
                    next.spool.hand_over(&self.out)?;
                }
            }
        }
        Ok(())
    }
}
