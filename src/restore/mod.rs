//! `pgdumpall-rs restore DIR`: restores a whole-cluster directory dump with
//! the stock programs of a PostgreSQL install: `psql -X` runs
//! `globals.sql`, then `pg_restore` restores each `databases/OID` archive,
//! several databases at once with `-j`, each with its own `pg_restore -j`
//! if asked.
//!
//! Nothing is ever dropped: a database is created by `pg_restore -C`
//! (which fails if it exists), except `postgres` and `template1`, which
//! every cluster has and which are restored into, as pg_dumpall's script
//! does. The first failure stops the run (databases already started
//! finish) unless `--keep-going`.

mod args;
mod tools;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

pub(crate) use args::RestoreArgs;

/// One database archive to restore.
#[derive(Debug, Clone)]
struct DatabaseArchive {
    dir: PathBuf,
    /// The name in the archive's header (raw bytes).
    name: Vec<u8>,
    minor: u8,
    /// Whether a data file is lz4 or zstd (pg_restore 16+).
    new_compression: bool,
}

/// Runs `restore` on argv (after the word `restore`); returns the exit
/// code.
pub fn main(argv: &[std::ffi::OsString]) -> i32 {
    let a = match args::parse(argv) {
        Ok(Some(a)) => a,
        Ok(None) => return 0,
        Err(msg) => {
            crate::diag::error(&msg);
            crate::diag::hint(&format!(
                "Try \"{} restore --help\" for more information.",
                crate::diag::program()
            ));
            return 1;
        }
    };
    match run(&a) {
        Ok(()) => 0,
        Err(msg) => {
            crate::diag::error(&msg);
            1
        }
    }
}

fn run(a: &RestoreArgs) -> Result<(), String> {
    if a.verify {
        let report = crate::verify::verify(&a.dir);
        if !report.ok() {
            for p in &report.problems {
                crate::diag::detail(p);
            }
            return Err(format!(
                "\"{}\" does not verify ({} problem(s)); nothing was restored (--no-verify restores anyway)",
                a.dir.display(),
                report.problems.len()
            ));
        }
    }
    let archives = if a.globals_only {
        Vec::new()
    } else {
        database_archives(&a.dir, &a.exclude_database)?
    };
    let tools = tools::Tools::find(a.bindir.as_deref(), !a.no_globals, !archives.is_empty())?;
    tools.check_against(&archives_facts(&archives))?;
    if !a.no_globals {
        tools.run_globals(a, &a.dir.join("globals.sql"))?;
    }
    restore_databases(a, &tools, &archives)
}

fn archives_facts(archives: &[DatabaseArchive]) -> Vec<tools::ArchiveFacts> {
    archives
        .iter()
        .map(|d| tools::ArchiveFacts {
            dir: d.dir.clone(),
            minor: d.minor,
            new_compression: d.new_compression,
        })
        .collect()
}

/// The database archives under DIR/databases, by OID order, with those
/// named by `--exclude-database` left out.
fn database_archives(dir: &Path, exclude: &[Vec<u8>]) -> Result<Vec<DatabaseArchive>, String> {
    let databases = dir.join("databases");
    let list = std::fs::read_dir(&databases).map_err(|e| {
        format!(
            "could not read \"{}\": {}",
            databases.display(),
            crate::output::strerror(&e)
        )
    })?;
    let mut dirs: Vec<(u32, PathBuf)> = list
        .flatten()
        .filter_map(|e| {
            let oid = e.file_name().to_str()?.parse().ok()?;
            Some((oid, e.path()))
        })
        .collect();
    dirs.sort();
    let mut out = Vec::new();
    for (_, d) in dirs {
        let toc = std::fs::read(d.join("toc.dat"))
            .map_err(|e| format!("{}/toc.dat: {}", d.display(), crate::output::strerror(&e)))?;
        let toc =
            crate::verify::read_toc(&toc).map_err(|e| format!("{}/toc.dat: {e}", d.display()))?;
        if exclude.contains(&toc.header.dbname) {
            continue;
        }
        let new_compression = std::fs::read_dir(&d)
            .map(|l| {
                l.flatten().any(|e| {
                    let n = e.file_name();
                    let n = n.to_string_lossy();
                    n.ends_with(".lz4") || n.ends_with(".zst")
                })
            })
            .unwrap_or(false);
        out.push(DatabaseArchive {
            dir: d,
            name: toc.header.dbname.clone(),
            minor: toc.header.minor,
            new_compression,
        });
    }
    Ok(out)
}

/// Restores the databases, `a.jobs` at a time; the first failure stops
/// new ones from starting (unless `--keep-going`).
fn restore_databases(
    a: &RestoreArgs,
    tools: &tools::Tools,
    archives: &[DatabaseArchive],
) -> Result<(), String> {
    let next = Mutex::new(archives.iter());
    let failed = AtomicBool::new(false);
    let errors = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..a.jobs.max(1).min(archives.len().max(1)) {
            s.spawn(|| loop {
                if failed.load(Ordering::SeqCst) && !a.keep_going {
                    return;
                }
                let Some(db) = next.lock().map_or(None, |mut it| it.next()) else {
                    return;
                };
                if let Err(msg) = run_pg_restore(a, tools, db) {
                    failed.store(true, Ordering::SeqCst);
                    if let Ok(mut e) = errors.lock() {
                        e.push(msg);
                    }
                }
            });
        }
    });
    let errors = errors.into_inner().unwrap_or_default();
    match errors.len() {
        0 => Ok(()),
        1 => Err(errors.into_iter().next().unwrap_or_default()),
        n => Err(format!("{n} databases failed:\n{}", errors.join("\n"))),
    }
}

fn run_pg_restore(
    a: &RestoreArgs,
    tools: &tools::Tools,
    db: &DatabaseArchive,
) -> Result<(), String> {
    let shown = String::from_utf8_lossy(&db.name).into_owned();
    // Every cluster has these two: restore into them, as pg_dumpall's
    // script does (\connect, no CREATE DATABASE).
    let exists = db.name == b"postgres" || db.name == b"template1";
    let mut cmd = Command::new(&tools.pg_restore);
    a.connection_args(&mut cmd);
    if exists {
        use std::os::unix::ffi::OsStrExt;
        cmd.arg("-d").arg(std::ffi::OsStr::from_bytes(&db.name));
    } else {
        cmd.arg("-C").arg("-d").arg(a.maintenance_db());
    }
    if a.jobs_per_database > 1 {
        cmd.arg("-j").arg(a.jobs_per_database.to_string());
    }
    if !a.keep_going {
        cmd.arg("--exit-on-error");
    }
    cmd.arg(&db.dir);
    if a.verbose {
        // A byte-string message: the name as its bytes.
        let oid = db.dir.file_name().map(|n| n.to_string_lossy().into_owned());
        crate::diag::info_text(&format!(
            "restoring database \"{}\" from databases/{}",
            crate::text::from_bytes(&db.name),
            oid.unwrap_or_default()
        ));
    }
    let status = cmd
        .status()
        .map_err(|e| format!("could not run {}: {e}", tools.pg_restore.display()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "pg_restore failed for database \"{shown}\" ({}): {status}",
            db.dir.display()
        ))
    }
}
