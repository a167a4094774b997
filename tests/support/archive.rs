//! Directory dumps (`-F d`): reading one back in the tests.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use super::*;

/// `map.dat`'s lines as (OID, name), names unescaped.
pub fn read_map(dir: &Path) -> Vec<(String, String)> {
    let map = std::fs::read(dir.join("map.dat")).expect("map.dat");
    let mut out = Vec::new();
    for line in map.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let at = line.iter().position(|&b| b == b' ').expect("OID NAME");
        let (oid, name) = (&line[..at], &line[at + 1..]);
        let mut bytes = Vec::new();
        let mut i = 0;
        while i < name.len() {
            if name[i] == b'\\' {
                let hex = std::str::from_utf8(&name[i + 2..i + 4]).expect("hex");
                bytes.push(u8::from_str_radix(hex, 16).expect("\\xHH"));
                i += 4;
            } else {
                bytes.push(name[i]);
                i += 1;
            }
        }
        out.push((
            String::from_utf8(oid.to_vec()).expect("OID"),
            String::from_utf8(bytes).expect("a UTF-8 name in the test clusters"),
        ));
    }
    out
}

/// Our directory dump of `cluster` into `dir` with `args` and `env`:
/// it succeeds, its manifest (written last, holding every file) is there
/// and `verify` finds it whole. Returns the run's output.
pub fn dump_directory_with_env(
    cluster: &Cluster,
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> Output {
    let mut all = vec!["-Fd", "-f", dir.to_str().unwrap()];
    all.extend_from_slice(args);
    let out = run_with_env(&ours_bin(), cluster, &all, env);
    assert_success(&out, &format!("ours -Fd {}", args.join(" ")));
    assert!(dir.join("manifest.txt").is_file(), "no manifest in {dir:?}");
    let verify = run_program(&ours_bin(), &["verify", dir.to_str().unwrap()], &[]);
    assert_success(&verify, &format!("verify of -Fd {}", args.join(" ")));
    out
}

/// Every file of a directory dump but the manifest and its checksum list
/// (which record the run's times and toc.dat's hashes), by path; `toc.dat`
/// files with their creation time (the header's seven integers after the
/// compression byte of archive 1.16) zeroed.
pub fn dump_files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d)
            .expect("read a dump directory")
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let rel = path.strip_prefix(dir).unwrap().to_path_buf();
            if rel == Path::new("manifest.txt") || rel == Path::new("SHA256SUMS") {
                continue;
            }
            let mut bytes = std::fs::read(&path).expect("read a dump file");
            if rel.file_name().is_some_and(|n| n == "toc.dat") {
                // PGDMP, version (3), int size 4, offset size, format,
                // compression: then 7 integers of 1 + 4 bytes each.
                assert_eq!(&bytes[..5], b"PGDMP");
                assert_eq!((bytes[6], bytes[8]), (16, 4), "archive 1.16, 4-byte ints");
                bytes[12..12 + 7 * 5].fill(0);
            }
            out.insert(rel, bytes);
        }
    }
    out
}

/// Asserts that two directory dumps ([`dump_files`]) hold the same files
/// with the same bytes.
pub fn assert_same_files(
    ours: &BTreeMap<PathBuf, Vec<u8>>,
    one: &BTreeMap<PathBuf, Vec<u8>>,
    context: &str,
) {
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        one.keys().collect::<Vec<_>>(),
        "{context}: the files"
    );
    for (path, bytes) in one {
        assert!(
            ours[path] == *bytes,
            "{context}: {} differs",
            path.display()
        );
    }
}
