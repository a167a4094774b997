//! The facts of one run, as the run report (`--report`) and the hook's
//! information file hold them (schema: docs/report.md).

use std::time::{Instant, SystemTime};

use serde::Serialize;

use super::clock::rfc3339;

/// What the report's `format` field says: the schema's name and version.
pub(crate) const FORMAT: &str = "pgdumpall-rs run report 1";

/// A database's state in the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    /// Not reached (yet, or ever: the run stopped before it).
    Pending,
    Running,
    Ok,
    Failed,
}

/// One database's entry.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DatabaseRecord {
    pub name: String,
    pub status: Status,
    /// Bytes of the output written for it (banner and `\connect` included).
    pub bytes: u64,
    /// pg_database_size when the run started (None where unreadable).
    pub estimated_bytes: Option<u64>,
    /// Tables (and materialized views) whose data was written.
    pub tables: u64,
    /// Rows written as COPY data or INSERT statements.
    pub rows: u64,
    pub large_objects: u64,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub duration_seconds: Option<f64>,
    #[serde(skip)]
    pub started: Option<Instant>,
}

impl DatabaseRecord {
    fn pending(name: &str, estimated_bytes: Option<u64>) -> DatabaseRecord {
        DatabaseRecord {
            name: name.to_string(),
            status: Status::Pending,
            bytes: 0,
            estimated_bytes,
            tables: 0,
            rows: 0,
            large_objects: 0,
            started_at: None,
            finished_at: None,
            duration_seconds: None,
            started: None,
        }
    }
}

/// Sums over the databases, and the whole output's size.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Totals {
    pub databases: u64,
    pub databases_ok: u64,
    pub databases_failed: u64,
    /// Every byte of the output, global objects included.
    pub bytes: u64,
    pub tables: u64,
    pub rows: u64,
    pub large_objects: u64,
}

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Record {
    pub format: &'static str,
    pub program_version: &'static str,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub duration_seconds: Option<f64>,
    pub server_version: Option<String>,
    /// The `-f` file, or None for standard output.
    pub output: Option<String>,
    /// The command line's options, each as `--long[=value]`; connection
    /// strings are left out (they may hold a password).
    pub options: Vec<String>,
    pub databases: Vec<DatabaseRecord>,
    pub totals: Totals,
    /// The process's exit status, once known.
    pub exit_status: Option<i32>,
    /// The error that ended a failed run.
    pub error: Option<String>,
    #[serde(skip)]
    pub started: Instant,
}

impl Record {
    pub(crate) fn new(output: Option<String>) -> Record {
        Record {
            format: FORMAT,
            program_version: env!("CARGO_PKG_VERSION"),
            started_at: rfc3339(SystemTime::now()),
            finished_at: None,
            duration_seconds: None,
            server_version: None,
            output,
            options: Vec::new(),
            databases: Vec::new(),
            totals: Totals::default(),
            exit_status: None,
            error: None,
            started: Instant::now(),
        }
    }

    /// The databases about to be dumped, in order, with their sizes.
    pub(crate) fn plan_databases(&mut self, databases: &[(String, Option<u64>)]) {
        self.databases = databases
            .iter()
            .map(|(name, estimated)| DatabaseRecord::pending(name, *estimated))
            .collect();
        self.totals.databases = self.databases.len() as u64;
    }

    /// The entry of `name`, added if the plan did not list it.
    pub(crate) fn database(&mut self, name: &str) -> &mut DatabaseRecord {
        let index = match self.databases.iter().position(|d| d.name == name) {
            Some(i) => i,
            None => {
                self.databases.push(DatabaseRecord::pending(name, None));
                self.totals.databases = self.databases.len() as u64;
                self.databases.len() - 1
            }
        };
        &mut self.databases[index]
    }

    pub(crate) fn start_database(&mut self, name: &str) {
        let d = self.database(name);
        d.status = Status::Running;
        d.started_at = Some(rfc3339(SystemTime::now()));
        d.started = Some(Instant::now());
    }

    /// Marks `name` done (or failed) with its output size; sums again.
    pub(crate) fn finish_database(&mut self, name: &str, bytes: u64, ok: bool) {
        let d = self.database(name);
        d.status = if ok { Status::Ok } else { Status::Failed };
        d.bytes = bytes;
        d.finished_at = Some(rfc3339(SystemTime::now()));
        d.duration_seconds = d.started.map(|s| s.elapsed().as_secs_f64());
        self.sum();
    }

    /// Recomputes the totals over the databases (bytes stay the output's).
    pub(crate) fn sum(&mut self) {
        let t = &mut self.totals;
        t.databases = self.databases.len() as u64;
        t.databases_ok = 0;
        t.databases_failed = 0;
        t.tables = 0;
        t.rows = 0;
        t.large_objects = 0;
        for d in &self.databases {
            t.databases_ok += u64::from(d.status == Status::Ok);
            t.databases_failed += u64::from(d.status == Status::Failed);
            t.tables += d.tables;
            t.rows += d.rows;
            t.large_objects += d.large_objects;
        }
    }

    /// Closes the record: end time, exit status, error.
    pub(crate) fn finish(&mut self, total_bytes: u64, exit_status: i32, error: Option<String>) {
        self.finished_at = Some(rfc3339(SystemTime::now()));
        self.duration_seconds = Some(self.started.elapsed().as_secs_f64());
        self.totals.bytes = total_bytes;
        self.exit_status = Some(exit_status);
        self.error = error;
        self.sum();
    }

    /// The record as pretty JSON, with a final newline.
    pub(crate) fn to_json(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }
}
