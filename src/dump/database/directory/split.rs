//! `-j N` within one database of a directory dump: the data files of big
//! tables (and big groups of large objects) written by *workers*,
//! sessions that join the leader's exported snapshot as the plain
//! script's workers do (`split::session`: exported after the ACCESS SHARE
//! locks, `SET TRANSACTION SNAPSHOT`, the leader's setup batch, its
//! output settings checked). Each data file is a file of its own, so no
//! order is kept: the leader writes the data files in the table of
//! contents' order, skipping those a worker has; workers take theirs from
//! the end. A worker locks its table `NOWAIT` in a savepoint; a table it
//! cannot lock at once (an ACCESS EXCLUSIVE request queued behind the
//! leader's lock) goes back to the leader, which holds its lock. A worker
//! that cannot join ends the split with one warning: the leader writes
//! the rest. Every file is the one the leader would have written.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use futures_util::StreamExt;
use tokio::sync::Notify;

use super::super::split::session::{self, Joined, Locked, SharedSnapshot};
use super::super::split::{Budget, WorkerPermit, Worth};
use super::{Data, DataFiles};
use crate::archive::toc::TocEntry;
use crate::conn::Connector;
use crate::dump::options::DumpOptions;
use crate::dump::DumpError;
use crate::text;

/// Who writes an eligible data file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Nobody yet (`leader_only`: a worker could not lock its table).
    Open { leader_only: bool },
    /// A worker is taking its lock.
    Claimed,
    /// A worker writes it.
    Worker,
    /// The leader writes it (or has).
    Leader,
    /// A worker wrote it.
    Done,
}

/// What the leader's connection and settings give the workers.
pub(in crate::dump::database) struct WorkerSetup<'a> {
    pub budget: &'a Budget,
    pub connector: &'a Connector,
    pub dbname: &'a str,
    /// The leader's session setup batch.
    pub setup: &'a str,
}

/// The data files of one archive that workers may write.
pub(super) struct DirSplit<'a> {
    with: WorkerSetup<'a>,
    shared: SharedSnapshot,
    /// Positions in the table of contents of the eligible entries.
    eligible: Vec<usize>,
    by_position: HashMap<usize, usize>,
    states: RefCell<Vec<State>>,
    /// The first failure of a worker's file.
    failed: RefCell<Option<DumpError>>,
    given_up: Cell<bool>,
    changed: Notify,
}

impl<'a> DirSplit<'a> {
    /// Exports the leader's snapshot when some data file is worth a
    /// worker; None: the leader writes everything.
    pub(super) async fn start(
        with: WorkerSetup<'a>,
        files: &DataFiles<'_>,
        toc: &[(TocEntry, Option<Data>)],
        opts: &DumpOptions,
        server_version_num: i32,
    ) -> Result<Option<DirSplit<'a>>, DumpError> {
        if opts.jobs <= 1 {
            return Ok(None);
        }
        let Some(worth) = Worth::read(&files.conn.client, server_version_num, opts).await? else {
            return Ok(None);
        };
        let eligible: Vec<usize> = (toc.iter().enumerate())
            .filter(|(_, (te, data))| match data {
                Some(Data::LargeObjects(oids)) => worth.large_objects(oids.len()),
                Some(Data::Table(source)) => {
                    worth.table(&te.desc, te.namespace.as_deref(), &te.tag, source)
                }
                None => false,
            })
            .map(|(k, _)| k)
            .collect();
        if eligible.is_empty() {
            return Ok(None);
        }
        let Some(shared) = SharedSnapshot::export(&files.conn.client, with.dbname).await? else {
            return Ok(None);
        };
        tracing::debug!(target: "pgdumpall_rs::phase", files = eligible.len(), "splitting the data files");
        let by_position = (eligible.iter().enumerate())
            .map(|(i, &k)| (k, i))
            .collect();
        let states = vec![State::Open { leader_only: false }; eligible.len()];
        Ok(Some(DirSplit {
            with,
            shared,
            eligible,
            by_position,
            states: RefCell::new(states),
            failed: RefCell::new(None),
            given_up: Cell::new(false),
            changed: Notify::new(),
        }))
    }

    /// Whether the leader writes the data of table-of-contents entry `k`
    /// now (else a worker has it, or will give it back).
    pub(super) fn leader_takes(&self, k: usize) -> bool {
        let Some(&i) = self.by_position.get(&k) else {
            return true;
        };
        let mut states = self.states.borrow_mut();
        match states[i] {
            State::Open { .. } => {
                states[i] = State::Leader;
                true
            }
            _ => false,
        }
    }

    /// Once the leader has been through the table of contents: waits for
    /// the workers' files, then returns the entries given back to the
    /// leader (a worker could not lock their tables), or the first
    /// worker's failure.
    pub(super) async fn given_back(&self) -> Result<Vec<usize>, DumpError> {
        loop {
            let changed = self.changed.notified();
            let busy =
                (self.states.borrow().iter()).any(|s| matches!(s, State::Claimed | State::Worker));
            if !busy {
                break;
            }
            changed.await;
        }
        if let Some(e) = self.failed.borrow_mut().take() {
            return Err(e);
        }
        let mut states = self.states.borrow_mut();
        let mut back = Vec::new();
        for (i, state) in states.iter_mut().enumerate() {
            if let State::Open { .. } = state {
                *state = State::Leader;
                back.push(self.eligible[i]);
            }
        }
        Ok(back)
    }

    /// Runs `leader` with the workers alongside: one more whenever the
    /// budget has a free connection and more files wait than workers
    /// run; the workers stop when `leader` is done.
    pub(super) async fn alongside<T>(
        &self,
        files: &DataFiles<'_>,
        toc: &[(TocEntry, Option<Data>)],
        leader: impl std::future::Future<Output = T>,
    ) -> T {
        let mut workers = futures_util::stream::FuturesUnordered::new();
        futures_util::pin_mut!(leader);
        loop {
            while self.wants_worker(workers.len()) {
                let Some(permit) = self.with.budget.take_worker() else {
                    break;
                };
                workers.push(self.worker(permit, files, toc));
            }
            let released = self.with.budget.released();
            tokio::select! {
                done = &mut leader => return done,
                Some(()) = workers.next(), if !workers.is_empty() => {}
                () = released => {}
            }
        }
    }

    fn wants_worker(&self, running: usize) -> bool {
        if self.given_up.get() {
            return false;
        }
        let open = (self.states.borrow().iter())
            .filter(|&&s| s == State::Open { leader_only: false })
            .count();
        open > running
    }

    /// One worker: joins the snapshot, then writes files until none is
    /// left for it.
    async fn worker(
        &self,
        _permit: WorkerPermit<'_>,
        files: &DataFiles<'_>,
        toc: &[(TocEntry, Option<Data>)],
    ) {
        let w = &self.with;
        let conn = match self.shared.join(w.connector, w.dbname, w.setup).await {
            Joined::Client(conn) => conn,
            Joined::NoConnection => return,
            Joined::Refused(why) => {
                if !self.given_up.replace(true) {
                    session::give_up_warning(w.dbname, &why);
                }
                self.changed.notify_waiters();
                return;
            }
        };
        let client = &conn.client;
        let worker_files = DataFiles {
            conn: &conn,
            dir: files.dir,
            sync: files.sync,
            quoting: files.quoting,
            compression: files.compression,
            hashes: files.hashes,
        };
        while let Some(i) = self.claim() {
            let k = self.eligible[i];
            let (te, Some(data)) = &toc[k] else {
                continue;
            };
            if !self.write_one(client, &worker_files, i, te, data).await {
                return;
            }
        }
    }

    /// The last open file, for a worker (the leader goes from the front).
    fn claim(&self) -> Option<usize> {
        if self.given_up.get() {
            return None;
        }
        let mut states = self.states.borrow_mut();
        let i = (0..states.len())
            .rev()
            .find(|&i| states[i] == State::Open { leader_only: false })?;
        states[i] = State::Claimed;
        Some(i)
    }

    /// Locks and writes file `i`. False when this worker can do no more.
    async fn write_one(
        &self,
        client: &tokio_postgres::Client,
        files: &DataFiles<'_>,
        i: usize,
        te: &TocEntry,
        data: &Data,
    ) -> bool {
        if let Data::Table(_) = data {
            let schema = te.namespace.as_deref().unwrap_or("");
            let locked = session::lock_nowait(client, schema, &te.tag).await;
            if locked != Locked::Yes {
                self.states.borrow_mut()[i] = State::Open { leader_only: true };
                self.changed.notify_waiters();
                return locked == Locked::No;
            }
        }
        self.states.borrow_mut()[i] = State::Worker;
        tracing::debug!(target: "pgdumpall_rs::phase", "a worker reads {} {}", te.desc, text::display(&te.tag));
        let outcome = files.write(te, data).await;
        let ok = outcome.is_ok();
        if let Err(e) = outcome {
            self.failed.borrow_mut().get_or_insert(e);
            // No more files for anyone: the dump fails.
            self.given_up.set(true);
        }
        self.states.borrow_mut()[i] = State::Done;
        self.changed.notify_waiters();
        ok
    }
}
