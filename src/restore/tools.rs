//! The stock psql and pg_restore a restore drives: found in `--bindir` or
//! on PATH, their versions checked against what the archives need.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::RestoreArgs;

pub(super) struct Tools {
    pub(super) psql: PathBuf,
    pub(super) pg_restore: PathBuf,
    /// pg_restore's major version (0 when it is not needed).
    restore_major: u32,
    restore_version: String,
}

/// What one archive needs of pg_restore.
pub(super) struct ArchiveFacts {
    pub(super) dir: PathBuf,
    pub(super) minor: u8,
    pub(super) new_compression: bool,
}

impl Tools {
    /// Finds the programs; `psql` and `pg_restore` are checked only when
    /// they will run.
    pub(super) fn find(
        bindir: Option<&Path>,
        psql: bool,
        pg_restore: bool,
    ) -> Result<Tools, String> {
        let locate = |name: &str| -> Result<PathBuf, String> {
            let found = match bindir {
                Some(dir) => Some(dir.join(name)).filter(|p| p.is_file()),
                None => std::env::var_os("PATH").and_then(|path| {
                    std::env::split_paths(&path)
                        .map(|d| d.join(name))
                        .find(|p| p.is_file())
                }),
            };
            found.ok_or_else(|| match bindir {
                Some(dir) => format!("program \"{name}\" was not found in \"{}\" (--bindir)", dir.display()),
                None => format!(
                    "program \"{name}\" was not found on PATH: install PostgreSQL's client programs or name their directory with --bindir"
                ),
            })
        };
        let psql_path = if psql {
            locate("psql")?
        } else {
            PathBuf::from("psql")
        };
        let (restore_path, restore_version) = if pg_restore {
            let p = locate("pg_restore")?;
            let v = version_of(&p)?;
            (p, v)
        } else {
            (PathBuf::from("pg_restore"), String::new())
        };
        if psql {
            version_of(&psql_path)?;
        }
        let restore_major = restore_version
            .split(['.', ' ', 'b', 'r', 'd'])
            .next()
            .and_then(|m| m.parse().ok())
            .unwrap_or(0);
        Ok(Tools {
            psql: psql_path,
            pg_restore: restore_path,
            restore_major,
            restore_version,
        })
    }

    /// Every archive must be readable by this pg_restore: 1.14 needs 14,
    /// 1.15 needs 16, 1.16 needs 17; lz4 and zstd data files need 16.
    pub(super) fn check_against(&self, archives: &[ArchiveFacts]) -> Result<(), String> {
        let mut problems = Vec::new();
        for a in archives {
            let needed_for_version = match a.minor {
                0..=14 => 14,
                15 => 16,
                _ => 17,
            };
            let needed = if a.new_compression {
                needed_for_version.max(16)
            } else {
                needed_for_version
            };
            if self.restore_major < needed {
                let why = if a.new_compression && needed_for_version < 16 {
                    "lz4 or zstd data files".to_string()
                } else {
                    format!("archive version 1.{}", a.minor)
                };
                problems.push(format!(
                    "{} has {why}: it needs pg_restore {needed} or later",
                    a.dir.display()
                ));
            }
        }
        if problems.is_empty() {
            return Ok(());
        }
        Err(format!(
            "{} (version {}) cannot restore this dump:\n{}\nUse pg_restore from a newer PostgreSQL (--bindir), or dump with --archive-version=1.14 and gzip or no compression for an older one",
            self.pg_restore.display(),
            self.restore_version,
            problems.join("\n")
        ))
    }

    /// Runs globals.sql with `psql -X`, stopping at the first error (but
    /// for `role "U" already exists` about the user psql connects as: the
    /// script creates the bootstrap superuser, which every cluster has, as
    /// pg_dumpall's does) unless `--keep-going`.
    pub(super) fn run_globals(&self, a: &RestoreArgs, file: &Path) -> Result<(), String> {
        let mut who = Command::new(&self.psql);
        a.connection_args(&mut who);
        who.args(["-X", "-At", "-c", "SELECT current_user", "-d"])
            .arg(a.maintenance_db());
        let out = who
            .output()
            .map_err(|e| format!("could not run {}: {e}", self.psql.display()))?;
        if !out.status.success() {
            return Err(format!(
                "psql could not connect: {}",
                String::from_utf8_lossy(&out.stderr).trim_end()
            ));
        }
        let user = String::from_utf8_lossy(&out.stdout).trim_end().to_string();
        let mut cmd = Command::new(&self.psql);
        a.connection_args(&mut cmd);
        cmd.args(["-X", "-q", "-v", "ON_ERROR_STOP=0", "-f"])
            .arg(file)
            .arg("-d")
            .arg(a.maintenance_db())
            .stdout(std::process::Stdio::null());
        let out = cmd
            .output()
            .map_err(|e| format!("could not run {}: {e}", self.psql.display()))?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        let expected = format!("ERROR:  role \"{user}\" already exists");
        let errors: Vec<&str> = stderr
            .lines()
            .filter(|l| l.contains("ERROR:") && !l.ends_with(&expected))
            .collect();
        eprint!(
            "{}",
            stderr
                .lines()
                .filter(|l| !l.ends_with(&expected))
                .map(|l| format!("{l}\n"))
                .collect::<String>()
        );
        if !out.status.success() || (!errors.is_empty() && !a.keep_going) {
            return Err(format!(
                "globals.sql failed ({} error(s)); no database was restored",
                errors.len()
            ));
        }
        Ok(())
    }
}

/// `pg_restore (PostgreSQL) 18.6` → `18.6`.
fn version_of(program: &Path) -> Result<String, String> {
    let out = Command::new(program)
        .arg("--version")
        .output()
        .map_err(|e| format!("could not run \"{}\": {e}", program.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .nth(2)
        .map(str::to_string)
        .filter(|_| out.status.success())
        .ok_or_else(|| {
            format!(
                "\"{} --version\" said \"{}\"",
                program.display(),
                text.trim_end()
            )
        })
}
