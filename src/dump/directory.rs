//! `--format=directory`: the cluster as a directory. `DIR/globals.sql`
//! holds what `-g` writes (psql restores roles, memberships, tablespaces
//! and settings from it), `DIR/map.dat` one `OID name` line per database,
//! and `DIR/databases/<oid>/` each database as a pg_dump directory-format
//! archive that stock pg_restore reads. With `--include-config`,
//! `DIR/config/` holds the server's configuration as files.
//!
//! Each database's archive is written on its own (its own connection and
//! snapshot, its own files), so several can be written at once.

use std::path::{Path, PathBuf};

use std::rc::Rc;

use futures_util::future::{FutureExt, LocalBoxFuture};

use super::database::Budget;
use super::options::DumpOptions;
use super::parallel::pool::{self, Jobs, Outcome, Pool, Started};
use super::{database, globals, pg_dump_failed, restrict_key, session, DumpError};
use crate::archive::toc::ArchiveVersion;
use crate::conn::Connector;
use crate::diag;
use crate::output::compress::Method;
use crate::output::{manifest, OutputError, Sink};
use crate::sql::globals as emit;
use crate::text;

/// The output directory: checked before anything connects, created (or
/// emptied again) by [`OutputDir::create`].
#[derive(Debug)]
pub(crate) struct OutputDir {
    path: PathBuf,
    /// Whether we made the directory (else it existed, empty).
    made: bool,
}

impl OutputDir {
    /// pg_dump's rule: the directory must not exist, or be empty.
    pub(crate) fn check(path: &Path) -> Result<OutputDir, DumpError> {
        let shown = path.display();
        match std::fs::read_dir(path) {
            Ok(mut entries) => {
                if entries.next().is_some() {
                    return Err(DumpError::Other(format!(
                        "directory \"{shown}\" is not empty"
                    )));
                }
                Ok(OutputDir {
                    path: path.to_path_buf(),
                    made: false,
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(OutputDir {
                path: path.to_path_buf(),
                made: true,
            }),
            Err(e) => Err(DumpError::Other(format!(
                "could not open directory \"{shown}\": {}",
                crate::output::strerror(&e)
            ))),
        }
    }

    fn create(&self) -> Result<(), DumpError> {
        if self.made {
            make_dir(&self.path)?;
        }
        make_dir(&self.path.join("databases"))
    }

    /// Removes what a failed run wrote: the directory if we made it, else
    /// its contents (pg_dump leaves a failed directory archive behind).
    fn remove_partial(&self) {
        if self.made {
            let _ = std::fs::remove_dir_all(&self.path);
        } else if let Ok(entries) = std::fs::read_dir(&self.path) {
            for entry in entries.flatten() {
                let p = entry.path();
                let _ = if p.is_dir() && !p.is_symlink() {
                    std::fs::remove_dir_all(&p)
                } else {
                    std::fs::remove_file(&p)
                };
            }
        }
    }
}

/// Creates a directory with mode 0700, as pg_dump does.
pub(super) fn make_dir(path: &Path) -> Result<(), DumpError> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(path)
        .map_err(|e| {
            DumpError::Other(format!(
                "could not create directory \"{}\": {}",
                path.display(),
                crate::output::strerror(&e)
            ))
        })
}

/// Writes the whole directory; on failure removes what it wrote.
pub(crate) async fn dump(
    session: &session::Session,
    connector: Connector,
    opts: &DumpOptions,
    selected: &[String],
    dir: OutputDir,
    version: ArchiveVersion,
) -> Result<(), DumpError> {
    let method = opts.compress.method;
    if version == ArchiveVersion::V1_14 && matches!(method, Method::Lz4 | Method::Zstd) {
        // Archive version 1.14 can only say "gzip or none".
        return Err(DumpError::Other(format!(
            "compression method \"{}\" needs archive version 1.15 or later (pg_restore 16 or later); use --archive-version=1.16",
            method.name()
        )));
    }
    for warning in opts.compress.warnings() {
        diag::warning(&warning);
    }
    dir.create()?;
    let result = write_all(session, connector, opts, selected, &dir.path, version).await;
    if result.is_err() {
        dir.remove_partial();
    }
    result
}

async fn write_all(
    session: &session::Session,
    connector: Connector,
    opts: &DumpOptions,
    selected: &[String],
    dir: &Path,
    version: ArchiveVersion,
) -> Result<(), DumpError> {
    let started = std::time::SystemTime::now();
    write_globals(session, opts, &dir.join("globals.sql")).await?;
    // `-j N`: up to N databases written at once, each into its own
    // directory (fewer when the server refuses connections); map.dat
    // keeps the order of `selected`. The first failure in that order
    // stops the run (the others are dropped, their connections closed).
    let hashes = manifest::Hashes::default();
    let mut jobs = Databases {
        hashes: &hashes,
        connector: &connector,
        opts,
        selected,
        dir,
        version,
        results: selected.iter().map(|_| None).collect(),
        head: 0,
        written: Vec::new(),
    };
    Pool::new(opts.jobs).run(&mut jobs).await?;
    let databases = std::mem::take(&mut jobs.written);
    let map: Vec<u8> = databases
        .iter()
        .flat_map(|(oid, name)| text::to_bytes(&map_line(*oid, name)))
        .collect();
    let mut sink = Sink::file(&dir.join("map.dat"), opts.sync)?;
    sink.write_bytes(&map)?;
    sink.finish()?;
    if opts.include_config {
        super::config::write_config_files(session, &dir.join("config"), opts.sync).await?;
    }
    let facts = manifest::RunFacts {
        server_version: session.conn.server_version.clone(),
        databases,
        options: opts.options_used.clone(),
        started,
        finished: std::time::SystemTime::now(),
    };
    complete(dir, opts, &facts, &hashes)
}

/// The end of a directory dump: every file is in place. The manifest,
/// which marks the directory complete (`verify`), is written last.
fn complete(
    dir: &Path,
    opts: &DumpOptions,
    facts: &manifest::RunFacts,
    hashes: &manifest::Hashes,
) -> Result<(), DumpError> {
    if opts.sync {
        // The archives' files were written unsynced: all of them now,
        // as pg_dump syncs its directory at the end.
        sync_tree(&dir.join("databases"))?;
        sync_dir(dir)?;
        if opts.include_config {
            sync_dir(&dir.join("config"))?;
        }
    }
    manifest::write(dir, facts, opts.sync, hashes).map_err(|e| DumpError::Other(e.to_string()))
}

/// fsyncs every file under `dir`, then each directory after its contents.
fn sync_tree(dir: &Path) -> Result<(), OutputError> {
    let failed = |source| OutputError::Sync {
        path: dir.display().to_string(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(failed)? {
        let entry = entry.map_err(failed)?;
        let path = entry.path();
        if entry.file_type().map_err(failed)?.is_dir() {
            sync_tree(&path)?;
        } else {
            std::fs::File::open(&path)
                .and_then(|f| f.sync_all())
                .map_err(|source| OutputError::Sync {
                    path: path.display().to_string(),
                    source,
                })?;
        }
    }
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> Result<(), OutputError> {
    std::fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(|source| OutputError::Sync {
            path: dir.display().to_string(),
            source,
        })
}

/// `globals.sql`: exactly what `-g` writes with the same options.
async fn write_globals(
    session: &session::Session,
    opts: &DumpOptions,
    path: &Path,
) -> Result<(), DumpError> {
    let mut sink = Sink::file(path, opts.sync)?;
    let key = restrict_key(opts.restrict_key.as_deref());
    let started = opts.verbose.then(session::timestamp);
    sink.write_text(&emit::header(
        &key,
        &session.client_encoding,
        session.standard_conforming_strings,
        started.as_deref(),
    ))?;
    let parts = opts.parts;
    if parts.globals {
        globals::dump(
            session,
            opts,
            parts.roles,
            parts.tablespaces,
            false,
            &mut sink,
        )
        .await?;
    }
    sink.write_text(&format!("\\unrestrict {key}\n\n"))?;
    let completed = opts.verbose.then(session::timestamp);
    sink.write_text(&emit::trailer(completed.as_deref()))?;
    sink.finish()?;
    Ok(())
}

/// The databases of a directory dump, as the jobs of a [`Pool`].
struct Databases<'a> {
    /// The data files' hashes, taken as they are written.
    hashes: &'a manifest::Hashes,
    connector: &'a Connector,
    opts: &'a DumpOptions,
    selected: &'a [String],
    dir: &'a Path,
    version: ArchiveVersion,
    /// Per database, its OID once written, or why it failed.
    results: Vec<Option<Result<u32, DumpError>>>,
    /// The first database whose result is not taken yet.
    head: usize,
    /// The databases written, in order, as (OID, name).
    written: Vec<(u32, String)>,
}

impl<'a> Jobs<'a> for Databases<'a> {
    type Done = Result<u32, DumpError>;

    fn count(&self) -> usize {
        self.selected.len()
    }

    fn start(
        &mut self,
        index: usize,
        alone: bool,
        budget: Rc<Budget>,
    ) -> Result<LocalBoxFuture<'a, Outcome<Self::Done>>, DumpError> {
        let job = OneDatabase {
            connector: self.connector,
            opts: self.opts,
            name: &self.selected[index],
            dir: self.dir,
            version: self.version,
            hashes: self.hashes,
        };
        Ok(async move { job.dump(alone, &budget).await }.boxed_local())
    }

    /// Takes the results at the head, in order: a failure is reported
    /// once the databases before it are written.
    fn finished(&mut self, index: usize, done: Self::Done) -> Result<(), DumpError> {
        self.results[index] = Some(done);
        while let Some(Some(_)) = self.results.get(self.head) {
            let name = &self.selected[self.head];
            match self.results[self.head].take() {
                Some(Ok(oid)) => self.written.push((oid, name.clone())),
                Some(Err(e)) => return Err(pg_dump_failed(name, e)),
                None => {}
            }
            self.head += 1;
        }
        Ok(())
    }

    fn complete(&self) -> bool {
        self.head == self.selected.len()
    }
}

/// One database of a directory dump.
struct OneDatabase<'a> {
    connector: &'a Connector,
    opts: &'a DumpOptions,
    name: &'a str,
    dir: &'a Path,
    version: ArchiveVersion,
    hashes: &'a manifest::Hashes,
}

impl OneDatabase<'_> {
    /// Writes the database's archive under `databases/<oid>`; returns the
    /// OID. `alone`: see [`Jobs::start`].
    async fn dump(self, alone: bool, budget: &Budget) -> Outcome<Result<u32, DumpError>> {
        let (connector, opts, name) = (self.connector, self.opts, self.name);
        // An archive always holds the database's own entries; pg_restore
        // prints them with -C.
        let mode = database::DatabaseMode {
            create: true,
            clean: false,
        };
        let prepared = match pool::prepare(connector, opts, name, mode, alone, Some(budget)).await {
            Started::Ready(prepared) => *prepared,
            Started::Refused(e) => return Outcome::Retry(e),
            Started::Failed(e) => return Outcome::Finished(Err(e)),
        };
        if opts.verbose {
            diag::info_text(&format!("dumping database \"{name}\""));
        }
        let written = async {
            let oid = prepared.database_oid();
            let target = self.dir.join("databases").join(oid.to_string());
            make_dir(&target)?;
            let place = database::directory::Place {
                dir: &target,
                version: self.version,
                hashes: self.hashes,
            };
            let workers = Some((connector, budget));
            database::directory::write_archive(prepared, opts, place, workers).await?;
            Ok(oid)
        };
        Outcome::Finished(written.await)
    }
}

/// One `map.dat` line: the OID, a space, the name with every backslash,
/// control byte and DEL written as `\xHH`, so that any name reads back
/// from its line.
pub(crate) fn map_line(oid: u32, name: &str) -> String {
    let mut line = format!("{oid} ");
    for c in name.chars() {
        if c == '\\' || c < ' ' || c == '\u{7f}' {
            line.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            line.push(c);
        }
    }
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_lines_escape_what_would_break_a_line() {
        assert_eq!(map_line(5, "postgres"), "5 postgres\n");
        assert_eq!(
            map_line(16384, "a b\n\\c\r\u{e9}"),
            "16384 a b\\x0a\\x5cc\\x0d\u{e9}\n"
        );
    }

    #[test]
    fn an_existing_non_empty_directory_is_refused() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = OutputDir::check(tmp.path()).expect("empty is fine");
        assert!(!dir.made);
        std::fs::write(tmp.path().join("x"), b"").expect("write");
        let err = OutputDir::check(tmp.path()).expect_err("not empty");
        assert!(err.to_string().ends_with("\" is not empty"));
        let missing = OutputDir::check(&tmp.path().join("new")).expect("missing is fine");
        assert!(missing.made);
        let file = OutputDir::check(&tmp.path().join("x")).expect_err("a file");
        assert!(err.to_string().contains("directory"));
        assert!(file.to_string().contains("Not a directory"));
    }
}
