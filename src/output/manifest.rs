//! The manifest of a directory dump: written last, atomically, so that a
//! directory without it is visibly incomplete.
//!
//! Two files at the top of the directory:
//! - `manifest.txt`: one fact per line, `key value...`, every value a token
//!   with no spaces (bytes outside `!`..`~`, and `\`, written as `\xHH`):
//!   ```text
//!   pgdumpall-rs-manifest 1
//!   tool pgdumpall-rs 0.1.0
//!   server-version 18.6
//!   started 2026-12-05T00:15:09Z
//!   finished 2026-12-05T00:16:10Z
//!   option -Fd
//!   database 16384 my\x20db
//!   file <sha256 hex> <size> databases/16384/toc.dat
//!   ```
//!   Files are every regular file under the directory but these two, in
//!   byte order of their relative paths;
//! - `SHA256SUMS`: the same files as `sha256sum -c SHA256SUMS` checks them
//!   (run inside the directory).
//!
//! `SHA256SUMS` is renamed into place first and `manifest.txt` last, each
//! from a temporary sibling after an fsync, so that a run that dies at any
//! point leaves no `manifest.txt`.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use sha2::{Digest, Sha256};
use thiserror::Error;

/// The manifest's file name.
pub(crate) const MANIFEST: &str = "manifest.txt";
/// The `sha256sum -c` file's name.
pub(crate) const SHA256SUMS: &str = "SHA256SUMS";
const HEADER: &str = "pgdumpall-rs-manifest 1";

/// What a run tells the manifest besides the files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RunFacts {
    /// The server's version string (`18.6`).
    pub(crate) server_version: String,
    /// Each dumped database: its OID and name (a byte string).
    pub(crate) databases: Vec<(u32, String)>,
    /// The options the run was given (byte strings), without connection
    /// settings: a connection string may hold a password.
    pub(crate) options: Vec<String>,
    pub(crate) started: SystemTime,
    pub(crate) finished: SystemTime,
}

/// One file the manifest lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileEntry {
    /// Relative to the directory, `/`-separated, as raw bytes.
    pub(crate) path: Vec<u8>,
    pub(crate) size: u64,
    pub(crate) sha256: String,
}

/// A manifest as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Manifest {
    pub(crate) tool: String,
    pub(crate) server_version: String,
    pub(crate) started: String,
    pub(crate) finished: String,
    pub(crate) options: Vec<String>,
    pub(crate) databases: Vec<(u32, String)>,
    pub(crate) files: Vec<FileEntry>,
}

#[derive(Debug, Error)]
pub(crate) enum ManifestError {
    #[error("could not read \"{path}\": {}", super::strerror(.source))]
    Read { path: String, source: io::Error },
    #[error("could not write \"{path}\": {}", super::strerror(.source))]
    Write { path: String, source: io::Error },
    #[error(
        "\"{path}\" is not a regular file (a dump directory holds only files and directories)"
    )]
    NotAFile { path: String },
    #[error("manifest \"{path}\", line {line}: {what}")]
    Syntax {
        path: String,
        line: usize,
        what: String,
    },
}

/// Lists every file under `dir` with its size and SHA-256 and writes the
/// manifest and `SHA256SUMS`. Call it after everything else is written
/// and synced; `sync` is false with `--no-sync`. Files found in `known`
/// with the size they have on disk are not read again.
pub(crate) fn write(
    dir: &Path,
    facts: &RunFacts,
    sync: bool,
    known: &Hashes,
) -> Result<(), ManifestError> {
    let files = hash_files(dir, known)?;
    let mut sums = Vec::new();
    for f in &files {
        sums.extend_from_slice(&sha256sum_line(f));
    }
    write_atomically(dir, SHA256SUMS, &sums, sync)?;
    write_atomically(dir, MANIFEST, render(facts, &files).as_bytes(), sync)
}

/// Every regular file under `dir` (the manifest's own two files left
/// out), hashed, in byte order of their paths.
pub(crate) fn list_files(dir: &Path) -> Result<Vec<FileEntry>, ManifestError> {
    hash_files(dir, &Hashes::default())
}

fn hash_files(dir: &Path, known: &Hashes) -> Result<Vec<FileEntry>, ManifestError> {
    let mut paths = Vec::new();
    walk(dir, Vec::new(), &mut paths)?;
    paths.retain(|p| p.as_slice() != MANIFEST.as_bytes() && p.as_slice() != SHA256SUMS.as_bytes());
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let full = dir.join(bytes_path(&path));
            let read_err = |source| ManifestError::Read {
                path: full.display().to_string(),
                source,
            };
            let on_disk = std::fs::metadata(&full).map_err(read_err)?.len();
            let (size, sha256) = match known.get(&full) {
                Some((size, sha256)) if size == on_disk => (size, sha256),
                _ => hash_file(&full).map_err(read_err)?,
            };
            Ok(FileEntry { path, size, sha256 })
        })
        .collect()
}

/// Sizes and SHA-256s of the files written so far, by the path they were
/// written to, so that the manifest need not read them back: the hash is
/// taken while the bytes go out (see [`FileHasher`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct Hashes(Arc<Mutex<HashMap<PathBuf, (u64, String)>>>);

impl Hashes {
    pub(crate) fn get(&self, path: &Path) -> Option<(u64, String)> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(path).cloned()
    }

    fn record(&self, path: &Path, size: u64, sha256: String) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.insert(path.to_path_buf(), (size, sha256));
    }
}

/// The size and SHA-256 of one file's bytes as they are written, recorded
/// in [`Hashes`] once the file is in place.
pub(crate) struct FileHasher {
    hasher: Sha256,
    size: u64,
    into: Hashes,
}

impl FileHasher {
    pub(crate) fn new(into: &Hashes) -> FileHasher {
        FileHasher {
            hasher: Sha256::new(),
            size: 0,
            into: into.clone(),
        }
    }

    pub(crate) fn update(&mut self, bytes: &[u8]) {
        self.hasher.update(bytes);
        self.size += bytes.len() as u64;
    }

    /// The file is complete at `path`.
    pub(crate) fn done(self, path: &Path) {
        let sha256 = hex(&self.hasher.finalize());
        self.into.record(path, self.size, sha256);
    }
}

fn walk(dir: &Path, prefix: Vec<u8>, out: &mut Vec<Vec<u8>>) -> Result<(), ManifestError> {
    use std::os::unix::ffi::OsStrExt;
    let read_err = |source| ManifestError::Read {
        path: dir.display().to_string(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(read_err)? {
        let entry = entry.map_err(read_err)?;
        let kind = entry.file_type().map_err(read_err)?;
        let mut rel = prefix.clone();
        if !rel.is_empty() {
            rel.push(b'/');
        }
        rel.extend_from_slice(entry.file_name().as_bytes());
        if kind.is_dir() {
            walk(&entry.path(), rel, out)?;
        } else if kind.is_file() {
            out.push(rel);
        } else {
            return Err(ManifestError::NotAFile {
                path: entry.path().display().to_string(),
            });
        }
    }
    Ok(())
}

/// A relative path of raw bytes as a `Path`.
pub(crate) fn bytes_path(rel: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(rel))
}

/// Size and SHA-256 (lowercase hex) of a file, read in 1 MiB pieces.
pub(crate) fn hash_file(path: &Path) -> io::Result<(u64, String)> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((size, hex(&hasher.finalize())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One line of `sha256sum` output. Names with a backslash or newline get
/// sha256sum's escaped form (a leading `\`).
fn sha256sum_line(f: &FileEntry) -> Vec<u8> {
    let needs_escape = f.path.iter().any(|b| matches!(b, b'\\' | b'\n' | b'\r'));
    let mut line = Vec::new();
    if needs_escape {
        line.push(b'\\');
    }
    line.extend_from_slice(f.sha256.as_bytes());
    line.extend_from_slice(b"  ");
    for &b in &f.path {
        match b {
            b'\\' if needs_escape => line.extend_from_slice(b"\\\\"),
            b'\n' => line.extend_from_slice(b"\\n"),
            b'\r' => line.extend_from_slice(b"\\r"),
            _ => line.push(b),
        }
    }
    line.push(b'\n');
    line
}

fn render(facts: &RunFacts, files: &[FileEntry]) -> String {
    let mut out = format!(
        "{HEADER}\ntool pgdumpall-rs {}\nserver-version {}\nstarted {}\nfinished {}\n",
        env!("CARGO_PKG_VERSION"),
        escape(&crate::text::to_bytes(&facts.server_version)),
        utc_timestamp(facts.started),
        utc_timestamp(facts.finished),
    );
    for o in &facts.options {
        out.push_str(&format!("option {}\n", escape(&crate::text::to_bytes(o))));
    }
    for (oid, name) in &facts.databases {
        out.push_str(&format!(
            "database {oid} {}\n",
            escape(&crate::text::to_bytes(name))
        ));
    }
    for f in files {
        out.push_str(&format!(
            "file {} {} {}\n",
            f.sha256,
            f.size,
            escape(&f.path)
        ));
    }
    out
}

/// A value as one space-free token: `\xHH` for every byte outside
/// `!`..`~` and for `\`. The empty value is `\x`.
fn escape(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "\\x".into();
    }
    bytes
        .iter()
        .map(|&b| match b {
            b'!'..=b'~' if b != b'\\' => char::from(b).to_string(),
            _ => format!("\\x{b:02x}"),
        })
        .collect()
}

fn unescape(token: &str) -> Option<Vec<u8>> {
    if token == "\\x" {
        return Some(Vec::new());
    }
    let mut out = Vec::new();
    let bytes = token.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            let hex = token.get(i + 2..i + 4)?;
            if bytes.get(i + 1) != Some(&b'x') {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 4;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// `2026-12-05T00:15:09Z`.
pub(crate) fn utc_timestamp(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard
/// Hinnant's days-to-civil algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn write_atomically(dir: &Path, name: &str, bytes: &[u8], sync: bool) -> Result<(), ManifestError> {
    let target = dir.join(name);
    let write_err = |source| ManifestError::Write {
        path: target.display().to_string(),
        source,
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".partial")
        .tempfile_in(dir)
        .map_err(write_err)?;
    tmp.write_all(bytes).map_err(write_err)?;
    if sync {
        tmp.as_file().sync_all().map_err(write_err)?;
    }
    tmp.persist(&target).map_err(|e| write_err(e.error))?;
    if sync {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(write_err)?;
    }
    Ok(())
}

/// Reads `DIR/manifest.txt`.
pub(crate) fn read(dir: &Path) -> Result<Manifest, ManifestError> {
    let path = dir.join(MANIFEST);
    let shown = path.display().to_string();
    let bytes = std::fs::read(&path).map_err(|source| ManifestError::Read {
        path: shown.clone(),
        source,
    })?;
    parse(&bytes).map_err(|(line, what)| ManifestError::Syntax {
        path: shown,
        line,
        what,
    })
}

/// Parses a manifest; an error names the line (1-based) and the fault.
pub(crate) fn parse(bytes: &[u8]) -> Result<Manifest, (usize, String)> {
    let text = std::str::from_utf8(bytes).map_err(|_| (0, "not ASCII text".to_string()))?;
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, HEADER)) => {}
        _ => return Err((1, format!("does not start with \"{HEADER}\""))),
    }
    let mut m = Manifest {
        tool: String::new(),
        server_version: String::new(),
        started: String::new(),
        finished: String::new(),
        options: Vec::new(),
        databases: Vec::new(),
        files: Vec::new(),
    };
    for (i, line) in lines {
        let n = i + 1;
        let bad = |what: &str| (n, what.to_string());
        let words: Vec<&str> = line.split(' ').collect();
        let token = |k: usize| -> Result<Vec<u8>, (usize, String)> {
            words
                .get(k)
                .and_then(|w| unescape(w))
                .ok_or_else(|| bad("bad or missing value"))
        };
        let as_text = |b: Vec<u8>| crate::text::from_bytes(&b);
        match (words[0], words.len()) {
            ("tool", 3) => m.tool = format!("{} {}", words[1], words[2]),
            ("server-version", 2) => m.server_version = as_text(token(1)?),
            ("started", 2) => m.started = words[1].to_string(),
            ("finished", 2) => m.finished = words[1].to_string(),
            ("option", 2) => m.options.push(as_text(token(1)?)),
            ("database", 3) => {
                let oid = words[1].parse().map_err(|_| bad("bad database OID"))?;
                m.databases.push((oid, as_text(token(2)?)));
            }
            ("file", 4) => {
                let sha256 = words[1].to_string();
                if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(bad("bad SHA-256"));
                }
                let size = words[2].parse().map_err(|_| bad("bad file size"))?;
                m.files.push(FileEntry {
                    path: token(3)?,
                    size,
                    sha256,
                });
            }
            _ => return Err(bad("unknown line")),
        }
    }
    if m.finished.is_empty() {
        return Err((0, "no \"finished\" line".into()));
    }
    Ok(m)
}

#[cfg(test)]
mod tests;
