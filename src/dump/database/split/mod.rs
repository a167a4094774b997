//! `-j N` within one database: the data of big tables (and groups of
//! large objects) read on extra connections that share the database
//! session's snapshot, while the script is still written in `-j1`'s
//! order, byte for byte.
//!
//! When the writing starts, the leader (the session that read the
//! catalogs and holds the ACCESS SHARE locks) exports its snapshot, and
//! *workers* connect whenever the run's connection budget has room (at
//! once, or later, when another database is done or another database's
//! worker gives its connection back): each begins
//! `ISOLATION LEVEL REPEATABLE READ, READ ONLY`, imports the snapshot
//! (`SET TRANSACTION SNAPSHOT`, the first statement of their transaction),
//! then sets the session up exactly as the leader did (the same batch,
//! inside that transaction, so that a transaction-mode pooler cannot run
//! it on another backend). A worker whose output settings (encoding,
//! DateStyle, TimeZone, extra_float_digits, bytea_output, ...) differ from
//! the leader's, or whose import fails (a pooler that sends the session to
//! another server, a snapshot that cannot be exported), ends the split for
//! that database, with one warning: its data is then read over the
//! leader's connection alone, never partly from another snapshot.
//!
//! Each worker takes the next eligible data entry (a table of at least
//! [`eligible::MIN_PAGES`] pages, a group of large objects) ahead of the writer, locks
//! its table `IN ACCESS SHARE MODE NOWAIT` inside a savepoint, and writes
//! the data into the entry's own spool ([`crate::output::spool`]: up to
//! 16 MiB in memory, the rest in an unlinked temporary file). A lock that
//! cannot be had at once (someone waits for ACCESS EXCLUSIVE behind the
//! leader's lock) is rolled back and the entry left to the leader, which
//! holds its lock already: no wait, no deadlock, no failure. When the
//! writer reaches an entry a worker has, it hands the entry's spool over
//! to the output (what it holds is copied, the rest goes straight
//! through) and waits for the worker to finish; an entry nobody has taken
//! yet the writer reads itself, on the leader's connection, as at `-j1`.
//! At most [`WINDOW_PER_CONNECTION`] entries per job are taken ahead of
//! the writer.

mod budget;
mod eligible;
pub(super) mod session;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use futures_util::StreamExt;
use tokio::sync::Notify;

use super::copy::{drain_copy, large_objects_out, start_copy};
use super::stream::EntryStream;
use super::*;
use crate::output::spool::{Spool, SpoolSettings};
pub(crate) use budget::Budget;
pub(super) use budget::WorkerPermit;
use eligible::eligible_entries;
pub(super) use eligible::Worth;
use session::{give_up_warning, lock_nowait, Joined, Locked, SharedSnapshot};

/// Entries taken ahead of the writer, per job of the run.
const WINDOW_PER_CONNECTION: usize = 2;

/// Who reads an eligible entry's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// For whoever comes first (`leader_only`: a worker could not lock it).
    Open { leader_only: bool },
    /// A worker is taking its lock.
    Claimed,
    /// A worker has it locked and writes it into its spool.
    Running,
    /// The writer reached it first and reads it itself.
    Leader,
}

/// What the COPY pipeline of the leader may do with an entry.
pub(super) enum Pipe {
    /// Send its request ahead as usual.
    Go,
    /// Stop here: a worker may still take it, or the leader at its turn.
    Stop,
    /// A worker reads it: never the leader's request.
    Skip,
}

/// The writer's turn at an entry a worker reads.
pub(super) struct Turn {
    /// Its index among the eligible entries.
    i: usize,
    job: Rc<Job>,
}

/// An entry a worker reads.
pub(super) struct Job {
    spool: Spool,
    /// Rows (or large objects) read, or why it failed.
    outcome: RefCell<Option<Result<u64, DumpError>>>,
}

/// What the workers share with the writer for one database.
pub(super) struct Split<'a> {
    budget: &'a Budget,
    connector: &'a Connector,
    dbname: &'a str,
    /// The leader's session setup batch.
    setup: &'a str,
    /// The leader's snapshot and output settings.
    shared: SharedSnapshot,
    /// Copies of the entries workers may take, in printing order (the
    /// other entries are the leader's alone, pipelined as at `-j1`).
    eligible: Vec<Entry>,
    /// Index in `eligible` by the entry's archive object.
    by_object: HashMap<DumpId, usize>,
    states: RefCell<Vec<State>>,
    jobs: RefCell<HashMap<usize, Rc<Job>>>,
    /// The eligible entry the writer is at (or was at last).
    writer_at: Cell<usize>,
    window: usize,
    spool: SpoolSettings,
    opts: &'a DumpOptions,
    quoting: Quoting,
    std_strings: bool,
    /// Set when a worker could not join: no entry is taken any more.
    given_up: Cell<bool>,
    changed: Notify,
}

/// What [`Split::start`] needs of the database being written.
pub(super) struct SplitInput<'a, 's> {
    pub budget: &'a Budget,
    pub connector: &'a Connector,
    pub client: &'a tokio_postgres::Client,
    pub server_version_num: i32,
    pub dbname: &'a str,
    pub setup: &'a str,
    /// The entries to write (the eligible ones are copied out of it).
    pub stream: &'s EntryStream,
    pub opts: &'a DumpOptions,
    pub quoting: Quoting,
    pub std_strings: bool,
}

impl<'a> Split<'a> {
    /// Sets the split up when the budget has a free connection and some
    /// entry is worth a worker: exports the leader's snapshot. None: the
    /// leader reads everything, as at `-j1`.
    pub(super) async fn start(input: SplitInput<'a, '_>) -> Result<Option<Split<'a>>, DumpError> {
        if input.opts.jobs <= 1 {
            return Ok(None);
        }
        let eligible = eligible_entries(&input).await?;
        if eligible.is_empty() {
            return Ok(None);
        }
        let Some(shared) = SharedSnapshot::export(input.client, input.dbname).await? else {
            return Ok(None);
        };
        tracing::debug!(target: "pgdumpall_rs::phase", entries = eligible.len(), "splitting the data");
        let states = vec![State::Open { leader_only: false }; eligible.len()];
        let by_object = (eligible.iter().enumerate())
            .filter_map(|(k, e)| Some((e.object?, k)))
            .collect();
        Ok(Some(Split {
            budget: input.budget,
            connector: input.connector,
            dbname: input.dbname,
            setup: input.setup,
            shared,
            eligible,
            by_object,
            states: RefCell::new(states),
            jobs: RefCell::new(HashMap::new()),
            writer_at: Cell::new(0),
            window: WINDOW_PER_CONNECTION * input.opts.jobs,
            spool: SpoolSettings::new(input.opts.file.as_deref()),
            opts: input.opts,
            quoting: input.quoting,
            std_strings: input.std_strings,
            given_up: Cell::new(false),
            changed: Notify::new(),
        }))
    }

    /// Runs `writing` with the workers alongside: one more whenever the
    /// budget has a free connection and more entries wait than workers
    /// run (a database finished, a worker of another one gave its
    /// connection back); the workers stop when `writing` is done.
    pub(super) async fn alongside<T>(&self, writing: impl std::future::Future<Output = T>) -> T {
        let mut workers = futures_util::stream::FuturesUnordered::new();
        futures_util::pin_mut!(writing);
        loop {
            while self.wants_worker(workers.len()) {
                let Some(permit) = self.budget.take_worker() else {
                    break;
                };
                workers.push(self.worker(permit));
            }
            let released = self.budget.released();
            tokio::select! {
                done = &mut writing => return done,
                Some(()) = workers.next(), if !workers.is_empty() => {}
                () = released => {}
            }
        }
    }

    /// Whether another worker would find an entry to read.
    fn wants_worker(&self, running: usize) -> bool {
        if self.given_up.get() {
            return false;
        }
        let writer_at = self.writer_at.get();
        let states = self.states.borrow();
        let open = states[writer_at..]
            .iter()
            .filter(|&&state| state == State::Open { leader_only: false })
            .count();
        open > running
    }

    /// Where `e` is among the eligible entries.
    fn index_of(&self, e: &Entry) -> Option<usize> {
        self.by_object.get(&e.object?).copied()
    }

    /// What the leader's COPY pipeline may do with entry `e`.
    pub(super) fn pipe(&self, e: &Entry) -> Pipe {
        let Some(i) = self.index_of(e) else {
            return Pipe::Go;
        };
        match self.states.borrow()[i] {
            State::Leader => Pipe::Go,
            State::Open { .. } | State::Claimed => Pipe::Stop,
            State::Running => Pipe::Skip,
        }
    }

    /// The writer is at entry `e`: the worker's job if a worker reads it,
    /// else None (the leader reads it, now its own).
    pub(super) async fn take_turn(&self, e: &Entry) -> Option<Turn> {
        let i = self.index_of(e)?;
        self.writer_at.set(i);
        self.changed.notify_waiters();
        loop {
            let changed = self.changed.notified();
            let state = self.states.borrow()[i];
            match state {
                State::Leader => return None,
                State::Open { .. } => {
                    self.states.borrow_mut()[i] = State::Leader;
                    return None;
                }
                State::Running => {
                    let job = self.jobs.borrow().get(&i).cloned()?;
                    return Some(Turn { i, job });
                }
                State::Claimed => changed.await,
            }
        }
    }

    /// Writes a worker's job into `sink` at its turn: what it holds, then
    /// the rest as the worker reads it; returns its count.
    pub(super) async fn write_job(&self, turn: Turn, sink: &mut Sink) -> Result<u64, DumpError> {
        let Turn { i, job } = turn;
        let placeholder = || Sink::writer(Box::new(std::io::sink()));
        let out = Rc::new(RefCell::new(std::mem::replace(sink, placeholder())));
        let handed = job.spool.hand_over(&out);
        if handed.is_ok() {
            loop {
                let changed = self.changed.notified();
                if job.outcome.borrow().is_some() {
                    break;
                }
                changed.await;
            }
        }
        *sink = match out.try_borrow_mut() {
            Ok(mut inner) => std::mem::replace(&mut *inner, placeholder()),
            Err(_) => return Err(DumpError::Other("the output is in use".into())),
        };
        self.jobs.borrow_mut().remove(&i);
        self.changed.notify_waiters();
        handed?;
        let outcome = job.outcome.borrow_mut().take();
        outcome.unwrap_or_else(|| Err(DumpError::Other("a worker left its table".into())))
    }

    /// One worker: joins the snapshot, then reads entries until none is
    /// left for it.
    async fn worker(&self, _permit: budget::WorkerPermit<'_>) {
        let Some(conn) = self.join().await else {
            return;
        };
        loop {
            let changed = self.changed.notified();
            match self.claim() {
                Claim::Entry(i) => {
                    if !self.run(&conn, i).await {
                        return;
                    }
                }
                Claim::Wait => changed.await,
                Claim::Done => return,
            }
        }
    }

    /// Connects a worker and joins it to the leader's snapshot, with the
    /// leader's settings; None (the split given up, said once, when the
    /// snapshot or the settings could not be shared) if it cannot work.
    async fn join(&self) -> Option<crate::conn::Connection> {
        match self
            .shared
            .join(self.connector, self.dbname, self.setup)
            .await
        {
            Joined::Client(conn) => Some(*conn),
            Joined::NoConnection => None,
            Joined::Refused(why) => {
                self.give_up(&why);
                None
            }
        }
    }

    fn give_up(&self, why: &str) {
        if !self.given_up.replace(true) {
            give_up_warning(self.dbname, why);
        }
        self.changed.notify_waiters();
    }

    /// The next entry for a worker.
    fn claim(&self) -> Claim {
        if self.given_up.get() {
            return Claim::Done;
        }
        let writer_at = self.writer_at.get();
        let mut states = self.states.borrow_mut();
        let next =
            (writer_at..states.len()).find(|&i| states[i] == State::Open { leader_only: false });
        let Some(i) = next else {
            return Claim::Done;
        };
        if self.jobs.borrow().len() >= self.window {
            return Claim::Wait;
        }
        states[i] = State::Claimed;
        let job = Job {
            spool: Spool::new(&self.spool),
            outcome: RefCell::new(None),
        };
        self.jobs.borrow_mut().insert(i, Rc::new(job));
        Claim::Entry(i)
    }

    /// Locks and reads entry `i` into its spool. False when this worker's
    /// session can do no more (its transaction failed).
    async fn run(&self, conn: &crate::conn::Connection, i: usize) -> bool {
        let client = &conn.client;
        let e = &self.eligible[i];
        if matches!(
            e.data,
            Some(DataSource::Copy { .. } | DataSource::Inserts(_))
        ) {
            let schema = e.schema.as_deref().unwrap_or("");
            let locked = lock_nowait(client, schema, &e.tag).await;
            if locked != Locked::Yes {
                // The leader holds the lock: it reads the entry itself.
                self.states.borrow_mut()[i] = State::Open { leader_only: true };
                self.jobs.borrow_mut().remove(&i);
                self.changed.notify_waiters();
                return locked == Locked::No;
            }
        }
        self.states.borrow_mut()[i] = State::Running;
        self.changed.notify_waiters();
        tracing::debug!(target: "pgdumpall_rs::phase", "a worker reads {} {}", e.desc, text::display(&e.tag));
        let Some(job) = self.jobs.borrow().get(&i).cloned() else {
            return true;
        };
        let mut sink = job.spool.sink();
        let outcome = self.read(conn, e, &mut sink).await.and_then(|count| {
            sink.flush()?;
            Ok(count)
        });
        let ok = outcome.is_ok();
        *job.outcome.borrow_mut() = Some(outcome);
        self.changed.notify_waiters();
        ok
    }

    /// Entry `e`'s data into `sink`, as the leader would write it.
    async fn read(
        &self,
        conn: &crate::conn::Connection,
        e: &Entry,
        sink: &mut Sink,
    ) -> Result<u64, DumpError> {
        let client = &conn.client;
        match &e.data {
            Some(DataSource::Copy { server_copy }) => {
                let start = start_copy(conn, server_copy).await;
                let count_rows = self.opts.observer.active();
                drain_copy(start, &e.tag, server_copy, sink, count_rows).await
            }
            Some(DataSource::Inserts(spec)) => {
                crate::dump::inserts::rows_out(client, spec, &self.quoting, sink).await
            }
            Some(DataSource::LargeObjects { oids }) => {
                large_objects_out(client, oids, self.std_strings, sink).await?;
                Ok(oids.len() as u64)
            }
            _ => Ok(0),
        }
    }
}

enum Claim {
    Entry(usize),
    Wait,
    Done,
}
