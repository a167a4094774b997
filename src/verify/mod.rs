//! `pgdumpall-rs verify DIR`: checks a dump directory without a server.
//!
//! A whole-cluster directory (`globals.sql`, `map.dat`, `databases/OID/`)
//! must carry its manifest (`manifest.txt`, written last): every file it
//! lists must be there with its size and SHA-256, and no other file. A
//! single pg_dump directory archive (a `toc.dat` at the top) has no
//! manifest; its contents are checked alone.
//!
//! Either way each `toc.dat` is parsed, and every data file its entries
//! name (table data, large-object lists and objects) must be present
//! (found by suffix, as pg_restore finds it: `.dat`, `.dat.gz`,
//! `.dat.lz4`, `.dat.zst`) and decode to its end. Exit 0 only when
//! everything holds.

mod toc;

pub(crate) use toc::parse as read_toc;

use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use crate::output::compress::{self, Method};
use crate::output::manifest;

/// What one run of verify found.
#[derive(Debug, Default)]
pub struct Report {
    /// Problems, one line each.
    pub problems: Vec<String>,
    /// Things checked, for the summary line.
    pub files_hashed: usize,
    pub archives: usize,
    pub data_files: usize,
    pub notes: Vec<String>,
}

impl Report {
    fn problem(&mut self, msg: String) {
        self.problems.push(msg);
    }

    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Runs `verify` on argv (after the word `verify`); returns the exit code.
pub fn main(args: &[std::ffi::OsString]) -> i32 {
    let program = crate::diag::program();
    match args {
        [a] if a == "--help" || a == "-?" => {
            print!(
                "{program} verify checks a dump directory without a server.\n\n\
                 Usage:\n  {program} verify DIR\n\n\
                 Checks every file against DIR/manifest.txt (size, SHA-256), parses each\n\
                 toc.dat and reads every data file to its end, decompressing it.\n\
                 Exits 0 only when everything holds.\n"
            );
            0
        }
        [dir] if !dir.to_string_lossy().starts_with('-') => {
            let report = verify(Path::new(dir));
            print_report(Path::new(dir), &report);
            if report.ok() {
                0
            } else {
                1
            }
        }
        _ => {
            crate::diag::error("verify takes one argument: the dump directory");
            crate::diag::try_help();
            1
        }
    }
}

fn print_report(dir: &Path, r: &Report) {
    for note in &r.notes {
        println!("note: {note}");
    }
    for p in &r.problems {
        println!("FAILED: {p}");
    }
    let summary = format!(
        "{} file(s) hashed, {} archive(s), {} data file(s) read",
        r.files_hashed, r.archives, r.data_files
    );
    if r.ok() {
        println!("{}: OK ({summary})", dir.display());
    } else {
        println!(
            "{}: {} problem(s) ({summary})",
            dir.display(),
            r.problems.len()
        );
    }
}

/// Checks `dir`; see the module documentation.
pub fn verify(dir: &Path) -> Report {
    let mut r = Report::default();
    if !dir.is_dir() {
        r.problem(format!("\"{}\" is not a directory", dir.display()));
        return r;
    }
    if dir.join("toc.dat").is_file() {
        r.notes
            .push("a single pg_dump archive: no manifest, so file hashes are not checked".into());
        check_archive(dir, &mut r);
        return r;
    }
    check_manifest(dir, &mut r);
    for name in ["globals.sql", "map.dat"] {
        if !dir.join(name).is_file() {
            r.problem(format!("{name} is missing"));
        }
    }
    check_map(dir, &mut r);
    let databases = dir.join("databases");
    match std::fs::read_dir(&databases) {
        Ok(list) => {
            let mut dirs: Vec<PathBuf> = list.flatten().map(|e| e.path()).collect();
            dirs.sort();
            for d in dirs {
                check_archive(&d, &mut r);
            }
        }
        Err(e) => r.problem(format!(
            "databases/ cannot be read: {}",
            crate::output::strerror(&e)
        )),
    }
    r
}

fn check_manifest(dir: &Path, r: &mut Report) {
    let m = match manifest::read(dir) {
        Ok(m) => m,
        Err(manifest::ManifestError::Read { source, .. })
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            r.problem(format!(
                "{} is missing: the dump did not finish (it is written last), or this is not a pgdumpall-rs directory dump",
                manifest::MANIFEST
            ));
            return;
        }
        Err(e) => {
            r.problem(e.to_string());
            return;
        }
    };
    let listed: std::collections::BTreeSet<&[u8]> =
        m.files.iter().map(|f| f.path.as_slice()).collect();
    for f in &m.files {
        let shown = String::from_utf8_lossy(&f.path).into_owned();
        let path = dir.join(manifest::bytes_path(&f.path));
        match manifest::hash_file(&path) {
            Err(e) => r.problem(format!("{shown}: {}", crate::output::strerror(&e))),
            Ok((size, _)) if size != f.size => r.problem(format!(
                "{shown}: size {size} bytes, the manifest says {}",
                f.size
            )),
            Ok((_, sha)) if sha != f.sha256 => r.problem(format!(
                "{shown}: SHA-256 differs from the manifest's (contents changed)"
            )),
            Ok(_) => r.files_hashed += 1,
        }
    }
    match manifest::list_files(dir) {
        Ok(present) => {
            for f in present {
                if !listed.contains(f.path.as_slice()) {
                    r.problem(format!(
                        "{}: not in the manifest",
                        String::from_utf8_lossy(&f.path)
                    ));
                }
            }
        }
        Err(e) => r.problem(e.to_string()),
    }
}

/// Each map.dat line (`#` comments aside) starts with a database OID
/// whose archive directory must exist.
fn check_map(dir: &Path, r: &mut Report) {
    let Ok(map) = std::fs::read(dir.join("map.dat")) else {
        return;
    };
    for (n, line) in map.split(|&b| b == b'\n').enumerate() {
        if line.is_empty() || line.starts_with(b"#") {
            continue;
        }
        let oid = line.split(|&b| b == b' ').next().unwrap_or_default();
        let oid = std::str::from_utf8(oid)
            .ok()
            .and_then(|s| s.parse::<u32>().ok());
        match oid {
            Some(oid) if dir.join("databases").join(oid.to_string()).is_dir() => {}
            Some(oid) => r.problem(format!(
                "map.dat line {}: databases/{oid}/ is missing",
                n + 1
            )),
            None => r.problem(format!("map.dat line {}: no database OID", n + 1)),
        }
    }
}

/// Checks one pg_dump directory archive: its toc.dat and data files.
fn check_archive(dir: &Path, r: &mut Report) {
    let shown = dir.display().to_string();
    let bytes = match std::fs::read(dir.join("toc.dat")) {
        Ok(b) => b,
        Err(e) => {
            r.problem(format!("{shown}/toc.dat: {}", crate::output::strerror(&e)));
            return;
        }
    };
    let toc = match toc::parse(&bytes) {
        Ok(t) => t,
        Err(e) => {
            r.problem(format!("{shown}/toc.dat: {e}"));
            return;
        }
    };
    r.archives += 1;
    if let Some(code) = toc.header.algorithm {
        if Method::from_header_code(code).is_none() {
            r.problem(format!(
                "{shown}/toc.dat: unknown compression algorithm {code} in the header"
            ));
        }
    }
    for entry in &toc.entries {
        let Some(file) = &entry.file else { continue };
        let name = String::from_utf8_lossy(file).into_owned();
        let is_blob_list = entry.desc == b"BLOBS";
        match read_data_file(dir, &name, is_blob_list) {
            Ok(contents) => {
                r.data_files += 1;
                if is_blob_list {
                    check_blob_list(dir, &name, &contents, r);
                } else if entry.copy_stmt.as_deref().is_some_and(|c| !c.is_empty())
                    && !contents.ends_with(b"\\.\n\n\n")
                {
                    r.problem(format!(
                        "{shown}/{name}: COPY data does not end with its \\. line (truncated?)"
                    ));
                }
            }
            Err(msg) => r.problem(format!("{shown}/{name}: {msg}")),
        }
    }
}

/// Reads a data file to its end, finding it by suffix as pg_restore does
/// and decompressing it. Only a blob list's contents are kept (the rest
/// is read through a small buffer, its last bytes kept for the end check).
fn read_data_file(dir: &Path, name: &str, keep_all: bool) -> Result<Vec<u8>, String> {
    let candidates = ["", ".gz", ".lz4", ".zst"];
    let found = candidates
        .iter()
        .map(|s| dir.join(format!("{name}{s}")))
        .find(|p| p.is_file())
        .ok_or_else(|| "missing (no data file with this name or a compressed one)".to_string())?;
    let file_name = found.file_name().map(|n| n.to_string_lossy().into_owned());
    let method = Method::from_file_name(&file_name.unwrap_or_default());
    let file = std::fs::File::open(&found).map_err(|e| crate::output::strerror(&e))?;
    let mut reader = compress::decoder(method, BufReader::with_capacity(1 << 16, file))
        .map_err(|e| format!("cannot decode ({}): {e}", method.name()))?;
    let mut kept = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = reader
            .read(&mut buf)
            .map_err(|e| format!("cannot be read to its end ({} stream): {e}", method.name()))?;
        if n == 0 {
            break;
        }
        kept.extend_from_slice(&buf[..n]);
        if !keep_all && kept.len() > 64 {
            kept.drain(..kept.len() - 64);
        }
    }
    Ok(kept)
}

/// A blob list's lines are `OID blob_OID.dat`; each object must read.
fn check_blob_list(dir: &Path, list: &str, contents: &[u8], r: &mut Report) {
    let shown = dir.display();
    for line in contents.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let text = String::from_utf8_lossy(line);
        let Some((_, file)) = text.split_once(' ') else {
            r.problem(format!("{shown}/{list}: bad line \"{text}\""));
            continue;
        };
        match read_data_file(dir, file, false) {
            Ok(_) => r.data_files += 1,
            Err(msg) => r.problem(format!("{shown}/{file}: {msg}")),
        }
    }
}

#[cfg(test)]
mod tests;
