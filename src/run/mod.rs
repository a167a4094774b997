//! Watching a run from outside the dump: progress on standard error
//! (`-P`), a program called at fixed points (`--hook`) and a JSON report
//! (`--report`). The driver tells a [`RunObserver`] what happens at a few
//! call sites (run started, database started, table started, rows
//! copied, database finished, run finished); the observer keeps the facts
//! in one `record::Record` and hands them to each consumer.
//!
//! Concurrency: a `RunObserver` is a cheap clone of one shared state
//! (`Arc`), and every method takes `&self`: the record sits behind a
//! mutex, the output byte counter is an atomic, so databases dumped at
//! the same time on several tasks or threads may all report to it. Per
//! database facts are keyed by the database's name.

pub(crate) mod clock;
pub(crate) mod hook;
pub(crate) mod progress;
pub(crate) mod record;
pub(crate) mod report;

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hook::Hook;
use progress::Progress;
use record::Record;

/// What the command line asks the observer to do.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub(crate) progress: bool,
    pub(crate) hook: Option<PathBuf>,
    pub(crate) hook_timeout: Option<Duration>,
    pub(crate) report: Option<PathBuf>,
    /// `-f`, for the record.
    pub(crate) output: Option<PathBuf>,
}

impl Settings {
    fn active(&self) -> bool {
        self.progress || self.hook.is_some() || self.report.is_some()
    }
}

/// The facts the driver knows when the run starts, before anything is
/// written.
pub(crate) struct RunStart<'a> {
    pub server_version: &'a str,
    /// The databases to dump, in order, with pg_database_size.
    pub databases: &'a [(String, Option<u64>)],
}

/// What one database's dump did.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct DatabaseFacts {
    pub bytes: u64,
    pub ok: bool,
}

/// The observer of one run; does nothing (and costs a branch) when no
/// option asks for it.
#[derive(Clone, Default)]
pub struct RunObserver {
    inner: Option<Arc<Inner>>,
}

struct Inner {
    settings: Settings,
    record: Mutex<Record>,
    /// Every byte written to the output (the sink adds to it).
    bytes: Arc<AtomicU64>,
    progress: Mutex<Option<Progress>>,
    hook: Option<Hook>,
}

impl std::fmt::Debug for RunObserver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner {
            Some(inner) => write!(f, "RunObserver({:?})", inner.settings),
            None => f.write_str("RunObserver(off)"),
        }
    }
}

impl RunObserver {
    /// The observer `settings` ask for.
    pub(crate) fn new(settings: Settings) -> RunObserver {
        if !settings.active() {
            return RunObserver::default();
        }
        let hook = settings.hook.as_ref().map(|program| {
            let timeout = settings
                .hook_timeout
                .unwrap_or(Duration::from_secs(hook::DEFAULT_TIMEOUT_SECS));
            Hook::new(program.clone(), timeout)
        });
        let output = settings.output.as_ref().map(|p| p.display().to_string());
        RunObserver {
            inner: Some(Arc::new(Inner {
                settings,
                record: Mutex::new(Record::new(output)),
                bytes: Arc::new(AtomicU64::new(0)),
                progress: Mutex::new(None),
                hook,
            })),
        }
    }

    /// Whether anything watches the run (the driver skips its extra
    /// queries otherwise).
    pub(crate) fn active(&self) -> bool {
        self.inner.is_some()
    }

    /// The counter the output sink adds every written byte to.
    pub(crate) fn byte_counter(&self) -> Option<Arc<AtomicU64>> {
        self.inner.as_ref().map(|i| i.bytes.clone())
    }

    /// Records the command line's options (connection strings left out).
    pub fn record_options(&self, options: Vec<String>) {
        self.with_record(|r| r.options = options);
    }

    fn with_record<T>(&self, f: impl FnOnce(&mut Record) -> T) -> Option<T> {
        let inner = self.inner.as_ref()?;
        let mut record = inner.record.lock().ok()?;
        Some(f(&mut record))
    }

    fn with_progress(&self, f: impl FnOnce(&Progress)) {
        if let Some(inner) = &self.inner {
            if let Ok(progress) = inner.progress.lock() {
                if let Some(p) = progress.as_ref() {
                    f(p);
                }
            }
        }
    }

    /// Before anything is written: starts the progress display and runs
    /// the hook's `prepare`, whose failure aborts the run (the message).
    pub(crate) fn run_started(&self, start: &RunStart<'_>) -> Result<(), String> {
        let Some(inner) = &self.inner else {
            return Ok(());
        };
        let databases: Vec<(String, Option<u64>)> = start
            .databases
            .iter()
            .map(|(name, size)| (crate::text::display(name), *size))
            .collect();
        self.with_record(|r| {
            r.server_version = Some(start.server_version.to_string());
            r.plan_databases(&databases);
        });
        if let Some(hook) = &inner.hook {
            self.call_hook(hook, "prepare", Vec::new(), Vec::new())
                .map_err(|e| format!("{e}; nothing was dumped"))?;
        }
        if inner.settings.progress {
            let progress = Progress::start(inner.bytes.clone());
            progress.plan(&databases.iter().map(|d| d.1).collect::<Vec<_>>());
            if let Ok(mut slot) = inner.progress.lock() {
                *slot = Some(progress);
            }
        }
        Ok(())
    }

    pub(crate) fn database_started(&self, name: &str) {
        let name = crate::text::display(name);
        let estimate = self
            .with_record(|r| {
                r.start_database(&name);
                r.database(&name).estimated_bytes
            })
            .flatten();
        self.with_progress(|p| p.database_started(&name, estimate));
    }

    /// A table's (or materialized view's) data starts: `table` is its
    /// qualified name as it is shown.
    pub(crate) fn table_started(&self, database: &str, table: &str) {
        if self.inner.is_none() {
            return;
        }
        self.with_record(|r| r.database(&crate::text::display(database)).tables += 1);
        self.with_progress(|p| p.table_started(table));
    }

    /// Rows written for one table of `database`.
    pub(crate) fn rows_copied(&self, database: &str, rows: u64) {
        self.with_record(|r| r.database(&crate::text::display(database)).rows += rows);
    }

    pub(crate) fn large_objects_written(&self, database: &str, count: u64) {
        self.with_record(|r| r.database(&crate::text::display(database)).large_objects += count);
    }

    /// A database is done (or failed): the hook's `database` call, whose
    /// failure stops the run (the message).
    pub(crate) fn database_finished(&self, name: &str, facts: DatabaseFacts) -> Result<(), String> {
        let Some(inner) = &self.inner else {
            return Ok(());
        };
        let shown = crate::text::display(name);
        self.with_record(|r| r.finish_database(&shown, facts.bytes, facts.ok));
        self.with_progress(|p| p.database_finished());
        let Some(hook) = &inner.hook else {
            return Ok(());
        };
        let status = if facts.ok { "ok" } else { "failed" };
        let name_arg = {
            use std::os::unix::ffi::OsStringExt;
            OsString::from_vec(crate::text::to_bytes(name))
        };
        let args = vec![
            name_arg.clone(),
            facts.bytes.to_string().into(),
            status.into(),
        ];
        let env = vec![
            ("PGDUMPALL_RS_DATABASE", name_arg),
            (
                "PGDUMPALL_RS_DATABASE_BYTES",
                facts.bytes.to_string().into(),
            ),
            ("PGDUMPALL_RS_DATABASE_STATUS", status.into()),
        ];
        self.call_hook(hook, "database", args, env)
            .map_err(|e| e.to_string())
    }

    /// The run is over with `exit_status` (and `error`): stops the
    /// progress display, runs the hook's `finalize`, writes the report.
    /// Returns the exit status to use: 1 when finalize or the report
    /// failed (reported here).
    pub fn run_finished(&self, exit_status: i32, error: Option<String>) -> i32 {
        let Some(inner) = &self.inner else {
            return exit_status;
        };
        if let Ok(mut slot) = inner.progress.lock() {
            if let Some(progress) = slot.take() {
                progress.finish();
            }
        }
        let total = inner.bytes.load(Ordering::Relaxed);
        self.with_record(|r| r.finish(total, exit_status, error));
        let mut status = exit_status;
        if let Some(hook) = &inner.hook {
            let args = vec![exit_status.to_string().into()];
            if let Err(e) = self.call_hook(hook, "finalize", args, Vec::new()) {
                crate::diag::error(&e.to_string());
                status = 1;
            }
            hook.remove_info();
        }
        if let Some(path) = &inner.settings.report {
            if status != exit_status {
                self.with_record(|r| r.exit_status = Some(status));
            }
            let json = self.with_record(|r| r.to_json()).unwrap_or_default();
            if let Err(e) = report::write_atomically(path, &json) {
                crate::diag::error(&e.to_string());
                status = 1;
            }
        }
        status
    }

    /// Writes the information file, then runs the hook with the run's
    /// facts in its environment. `prepare` and `finalize` get the
    /// information file as their first argument (before `args`).
    fn call_hook(
        &self,
        hook: &Hook,
        mode: &'static str,
        mut args: Vec<OsString>,
        mut env: Vec<(&'static str, OsString)>,
    ) -> Result<(), hook::HookError> {
        let written = self.inner.as_ref().map(|i| i.bytes.load(Ordering::Relaxed));
        let record = self.with_record(|r| {
            r.totals.bytes = written.unwrap_or(0);
            r.clone()
        });
        let Some(record) = record else {
            return Ok(());
        };
        let info = hook.write_info(&record)?;
        env.extend(common_env(&record));
        if mode != "database" {
            args.insert(0, info.clone().into());
        }
        hook.call(mode, &info, &args, &env)
    }
}

/// The facts every hook call gets in its environment.
fn common_env(record: &Record) -> Vec<(&'static str, OsString)> {
    let mut env: Vec<(&'static str, OsString)> = vec![
        (
            "PGDUMPALL_RS_SERVER_VERSION",
            record.server_version.clone().unwrap_or_default().into(),
        ),
        (
            "PGDUMPALL_RS_OUTPUT",
            record.output.clone().unwrap_or_else(|| "-".into()).into(),
        ),
        (
            "PGDUMPALL_RS_DATABASE_COUNT",
            record.databases.len().to_string().into(),
        ),
        (
            "PGDUMPALL_RS_TOTAL_BYTES",
            record.totals.bytes.to_string().into(),
        ),
    ];
    if let Some(status) = record.exit_status {
        env.push(("PGDUMPALL_RS_EXIT_STATUS", status.to_string().into()));
    }
    env
}
