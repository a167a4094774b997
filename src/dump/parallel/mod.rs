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

pub(crate) mod pool;
mod task;

use std::cell::RefCell;
use std::rc::Rc;

use futures_util::future::{FutureExt, LocalBoxFuture};

use super::database::Budget;
use super::options::DumpOptions;
use super::{pg_dump_failed, DumpError};
use crate::conn::Connector;
use crate::output::spool::{Spool, SpoolSettings};
use crate::output::Sink;
use pool::{Jobs, Outcome, Pool};
use task::{dump_one, TaskError};

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
    let mut scheduler = Scheduler::new(&connector, opts, selected, out.clone());
    scheduler.name_head();
    let result = Pool::new(opts.jobs).run(&mut scheduler).await;
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

/// The plain script's jobs: each database into its spool, handed over
/// to the output in order.
struct Scheduler<'a> {
    connector: &'a Connector,
    opts: &'a DumpOptions,
    slots: Vec<Slot>,
    out: Rc<RefCell<Sink>>,
    /// The first database not yet written.
    head: usize,
}

impl<'a> Scheduler<'a> {
    fn new(
        connector: &'a Connector,
        opts: &'a DumpOptions,
        selected: &[String],
        out: Rc<RefCell<Sink>>,
    ) -> Scheduler<'a> {
        let settings = SpoolSettings::new(opts.file.as_deref());
        Scheduler {
            connector,
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
            head: 0,
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

impl<'a> Jobs<'a> for Scheduler<'a> {
    type Done = Result<(), TaskError>;

    fn count(&self) -> usize {
        self.slots.len()
    }

    fn start(
        &mut self,
        index: usize,
        alone: bool,
        budget: Rc<Budget>,
    ) -> Result<LocalBoxFuture<'a, Outcome<Self::Done>>, DumpError> {
        let slot = &mut self.slots[index];
        slot.state = SlotState::Running;
        let sink = slot.spool.sink();
        let name = slot.name.clone();
        let (connector, opts) = (self.connector, self.opts);
        if index == self.head {
            self.slots[index].spool.hand_over(&self.out)?;
        }
        Ok(
            async move { dump_one(connector, opts, &name, sink, alone, &budget).await }
                .boxed_local(),
        )
    }

    fn finished(&mut self, index: usize, done: Self::Done) -> Result<(), DumpError> {
        self.slots[index].state = SlotState::Finished(done);
        self.advance()
    }

    fn requeued(&mut self, index: usize) {
        self.slots[index].state = SlotState::Waiting;
    }

    fn window_end(&self, limit: usize) -> usize {
        self.head + limit.saturating_mul(WINDOW_PER_JOB)
    }

    fn complete(&self) -> bool {
        self.head == self.slots.len()
    }
}
