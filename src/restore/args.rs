//! `restore`'s command line: `restore [OPTION]... DIR`.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::process::Command;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RestoreArgs {
    pub(crate) dir: PathBuf,
    pub(crate) host: Option<OsString>,
    pub(crate) port: Option<OsString>,
    pub(crate) username: Option<OsString>,
    /// `-d`: the database (or connection string) psql and `pg_restore -C`
    /// connect to; `postgres` by default.
    pub(crate) dbname: Option<OsString>,
    pub(crate) no_password: bool,
    pub(crate) bindir: Option<PathBuf>,
    pub(crate) jobs: usize,
    pub(crate) jobs_per_database: usize,
    /// Database names (exact, as bytes) not to restore.
    pub(crate) exclude_database: Vec<Vec<u8>>,
    pub(crate) globals_only: bool,
    pub(crate) no_globals: bool,
    pub(crate) keep_going: bool,
    pub(crate) verify: bool,
    pub(crate) verbose: bool,
}

impl RestoreArgs {
    /// `-h`, `-p`, `-U`, `-w` for psql and pg_restore.
    pub(crate) fn connection_args(&self, cmd: &mut Command) {
        for (flag, value) in [
            ("-h", &self.host),
            ("-p", &self.port),
            ("-U", &self.username),
        ] {
            if let Some(v) = value {
                cmd.arg(flag).arg(v);
            }
        }
        if self.no_password {
            cmd.arg("-w");
        }
    }

    pub(crate) fn maintenance_db(&self) -> OsString {
        self.dbname.clone().unwrap_or_else(|| "postgres".into())
    }
}

fn usage() -> String {
    let p = crate::diag::program();
    format!(
        "{p} restore restores a directory dump (-Fd) into a running cluster with\n\
         the stock psql and pg_restore: globals.sql, then every database.\n\n\
         Usage:\n  {p} restore [OPTION]... DIR\n\n\
         Options:\n\
         \x20 -j, --jobs=NUM               restore NUM databases at once (default 1)\n\
         \x20 --jobs-per-database=NUM      pg_restore -j NUM within each database\n\
         \x20 --exclude-database=NAME      do not restore database NAME (repeatable)\n\
         \x20 -g, --globals-only           restore only roles, tablespaces and settings\n\
         \x20 --no-globals                 restore only the databases\n\
         \x20 --keep-going                 do not stop at the first error\n\
         \x20 --no-verify                  do not verify DIR first\n\
         \x20 --bindir=DIR                 where psql and pg_restore are (default: PATH)\n\
         \x20 -v, --verbose                say what is restored\n\
         \x20 -?, --help                   show this help, then exit\n\n\
         Connection options:\n\
         \x20 -d, --dbname=DBNAME          database to connect to (default postgres)\n\
         \x20 -h, --host=HOSTNAME          database server host or socket directory\n\
         \x20 -p, --port=PORT              database server port number\n\
         \x20 -U, --username=NAME          connect as specified database user\n\
         \x20 -w, --no-password            never prompt for password\n\n\
         Nothing is dropped: each database is created by pg_restore -C and the\n\
         run fails if it exists (postgres and template1 are restored into).\n"
    )
}

/// Parses the arguments after `restore`; Ok(None) after `--help`.
pub(crate) fn parse(argv: &[OsString]) -> Result<Option<RestoreArgs>, String> {
    let mut a = RestoreArgs {
        dir: PathBuf::new(),
        host: None,
        port: None,
        username: None,
        dbname: None,
        no_password: false,
        bindir: None,
        jobs: 1,
        jobs_per_database: 1,
        exclude_database: Vec::new(),
        globals_only: false,
        no_globals: false,
        keep_going: false,
        verify: true,
        verbose: false,
    };
    let mut dirs = Vec::new();
    let mut it = argv.iter();
    while let Some(arg) = it.next() {
        let bytes = arg.as_bytes();
        let (name, inline): (&[u8], Option<&[u8]>) = if bytes.starts_with(b"--") {
            match bytes.iter().position(|&b| b == b'=') {
                Some(i) => (&bytes[..i], Some(&bytes[i + 1..])),
                None => (bytes, None),
            }
        } else if bytes.len() > 2 && bytes[0] == b'-' {
            (&bytes[..2], Some(&bytes[2..]))
        } else {
            (bytes, None)
        };
        let mut value = || -> Result<OsString, String> {
            match inline {
                Some(v) => Ok(OsStr::from_bytes(v).to_os_string()),
                None => it.next().cloned().ok_or_else(|| {
                    format!(
                        "option {} requires an argument",
                        String::from_utf8_lossy(name)
                    )
                }),
            }
        };
        match name {
            b"-?" | b"--help" => {
                print!("{}", usage());
                return Ok(None);
            }
            b"-h" | b"--host" => a.host = Some(value()?),
            b"-p" | b"--port" => a.port = Some(value()?),
            b"-U" | b"--username" => a.username = Some(value()?),
            b"-d" | b"--dbname" => a.dbname = Some(value()?),
            b"-w" | b"--no-password" => a.no_password = true,
            b"--bindir" => a.bindir = Some(PathBuf::from(value()?)),
            b"-j" | b"--jobs" => a.jobs = count(&value()?, "-j/--jobs")?,
            b"--jobs-per-database" => {
                a.jobs_per_database = count(&value()?, "--jobs-per-database")?
            }
            b"--exclude-database" => a.exclude_database.push(value()?.as_bytes().to_vec()),
            b"-g" | b"--globals-only" => a.globals_only = true,
            b"--no-globals" => a.no_globals = true,
            b"--keep-going" => a.keep_going = true,
            b"--no-verify" => a.verify = false,
            b"-v" | b"--verbose" => a.verbose = true,
            _ if bytes.starts_with(b"-") && bytes.len() > 1 => {
                return Err(format!("unrecognized option \"{}\"", arg.to_string_lossy()))
            }
            _ => dirs.push(PathBuf::from(arg)),
        }
    }
    if a.globals_only && a.no_globals {
        return Err("options -g/--globals-only and --no-globals cannot be used together".into());
    }
    match dirs.len() {
        1 => a.dir = dirs.remove(0),
        0 => return Err("no dump directory given".into()),
        _ => {
            return Err(format!(
                "too many command-line arguments (first is \"{}\")",
                dirs[1].display()
            ))
        }
    }
    Ok(Some(a))
}

fn count(value: &OsStr, option: &str) -> Result<usize, String> {
    value
        .to_str()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| (1..=1024).contains(&n))
        .ok_or_else(|| {
            format!(
                "invalid value \"{}\" for option {option}",
                value.to_string_lossy()
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(args: &[&str]) -> Result<Option<RestoreArgs>, String> {
        parse(&args.iter().map(OsString::from).collect::<Vec<_>>())
    }

    #[test]
    fn options_and_directory() {
        let a = parse_all(&[
            "-j",
            "2",
            "--jobs-per-database=4",
            "-h/tmp",
            "--exclude-database",
            "x y",
            "d",
        ])
        .unwrap()
        .unwrap();
        assert_eq!((a.jobs, a.jobs_per_database), (2, 4));
        assert_eq!(a.host, Some("/tmp".into()));
        assert_eq!(a.exclude_database, vec![b"x y".to_vec()]);
        assert_eq!(a.dir, PathBuf::from("d"));
        assert!(a.verify && !a.keep_going);
        assert_eq!(parse_all(&["--help"]).unwrap(), None);
    }

    #[test]
    fn mistakes_are_reported() {
        assert_eq!(parse_all(&[]).unwrap_err(), "no dump directory given");
        assert!(parse_all(&["-j", "0", "d"])
            .unwrap_err()
            .contains("-j/--jobs"));
        assert!(parse_all(&["--bogus", "d"])
            .unwrap_err()
            .contains("unrecognized option"));
        assert!(parse_all(&["-g", "--no-globals", "d"]).is_err());
        assert!(parse_all(&["a", "b"]).unwrap_err().starts_with("too many"));
        assert!(parse_all(&["d", "-j"])
            .unwrap_err()
            .contains("requires an argument"));
    }
}
