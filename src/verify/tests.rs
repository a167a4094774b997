//! verify on directories built here: a cluster layout with hand-made
//! toc.dat files, data files written by our encoders and a manifest; then
//! the corruptions a dump can suffer.

use super::toc::tests::{int, string};
use super::*;
use crate::output::compress::{Compression, Encoder};
use crate::output::manifest::RunFacts;
use std::io::Write;
use std::time::SystemTime;

/// A 1.16 toc.dat with one TABLE DATA entry (file 7.dat) and one BLOBS
/// entry (file blobs_8.toc).
fn toc_dat(algorithm: u8) -> Vec<u8> {
    let mut b = b"PGDMP".to_vec();
    b.extend_from_slice(&[1, 16, 0, 4, 8, 3, algorithm]);
    for v in [1, 2, 3, 4, 5, 126, 0] {
        int(&mut b, v);
    }
    for s in ["db", "18.6", "18.6"] {
        string(&mut b, Some(s));
    }
    int(&mut b, 2);
    for (id, desc, copy, file) in [
        (7, "TABLE DATA", "COPY public.t (a) FROM stdin;\n", "7.dat"),
        (8, "BLOBS", "", "blobs_8.toc"),
    ] {
        int(&mut b, id);
        int(&mut b, 1);
        for s in ["0", "0", "t", desc] {
            string(&mut b, Some(s));
        }
        int(&mut b, 3);
        for s in [Some(""), Some(""), Some(copy), Some("public"), None, None] {
            string(&mut b, s);
        }
        int(&mut b, 0);
        for s in [Some("postgres"), Some("false"), None, Some(file)] {
            string(&mut b, s);
        }
    }
    b
}

fn compressed(data: &[u8], how: &Compression) -> Vec<u8> {
    let mut e = Encoder::new(Vec::new(), how).unwrap();
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A whole-cluster dump directory with a manifest.
fn cluster_dir(spec: &str) -> tempfile::TempDir {
    let how = compress::parse(spec).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("globals.sql"), "CREATE ROLE r;\n").unwrap();
    std::fs::write(d.join("map.dat"), "16384 db\n").unwrap();
    let db = d.join("databases/16384");
    std::fs::create_dir_all(&db).unwrap();
    std::fs::write(db.join("toc.dat"), toc_dat(how.method.header_code())).unwrap();
    let rows: Vec<u8> = (0..20_000)
        .flat_map(|i| format!("{i}\n").into_bytes())
        .chain(b"\\.\n\n\n".iter().copied())
        .collect();
    let suffix = how.method.suffix();
    std::fs::write(db.join(format!("7.dat{suffix}")), compressed(&rows, &how)).unwrap();
    std::fs::write(db.join("blobs_8.toc"), "16400 blob_16400.dat\n").unwrap();
    std::fs::write(
        db.join(format!("blob_16400.dat{suffix}")),
        compressed(b"large object", &how),
    )
    .unwrap();
    let facts = RunFacts {
        server_version: "18.6".into(),
        databases: vec![(16384, "db".into())],
        options: vec!["-Fd".into()],
        started: SystemTime::now(),
        finished: SystemTime::now(),
    };
    manifest::write(d, &facts, false, &manifest::Hashes::default()).unwrap();
    dir
}

fn problems(dir: &Path) -> Vec<String> {
    verify(dir).problems
}

const SPECS: [&str; 4] = ["none", "gzip", "lz4", "zstd"];

#[test]
fn a_whole_dump_verifies_for_every_compression() {
    for spec in SPECS {
        let dir = cluster_dir(spec);
        let r = verify(dir.path());
        assert!(r.ok(), "{spec}: {:?}", r.problems);
        assert_eq!((r.archives, r.data_files), (1, 3), "{spec}");
        assert_eq!(r.files_hashed, 6, "{spec}");
    }
}

fn data_file(dir: &Path, spec: &str) -> PathBuf {
    let suffix = compress::parse(spec).unwrap().method.suffix();
    dir.join(format!("databases/16384/7.dat{suffix}"))
}

#[test]
fn one_changed_byte_fails() {
    for spec in SPECS {
        let dir = cluster_dir(spec);
        let file = data_file(dir.path(), spec);
        let mut bytes = std::fs::read(&file).unwrap();
        let at = bytes.len() / 2;
        bytes[at] ^= 0x01;
        std::fs::write(&file, bytes).unwrap();
        let p = problems(dir.path());
        assert!(
            p.iter()
                .any(|m| m.contains("7.dat") && m.contains("SHA-256 differs")),
            "{spec}: {p:?}"
        );
    }
}

#[test]
fn a_truncated_data_file_fails() {
    for spec in SPECS {
        let dir = cluster_dir(spec);
        let file = data_file(dir.path(), spec);
        let bytes = std::fs::read(&file).unwrap();
        std::fs::write(&file, &bytes[..bytes.len() - 10]).unwrap();
        let p = problems(dir.path());
        assert!(
            p.iter().any(|m| m.contains("7.dat") && m.contains("size")),
            "{spec}: {p:?}"
        );
        // The stream itself says so too, manifest or not.
        assert!(
            p.iter()
                .any(|m| m.contains("read to its end") || m.contains("does not end")),
            "{spec}: {p:?}"
        );
    }
}

#[test]
fn a_missing_manifest_fails() {
    let dir = cluster_dir("gzip");
    std::fs::remove_file(dir.path().join(manifest::MANIFEST)).unwrap();
    let p = problems(dir.path());
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].contains("manifest.txt is missing"), "{p:?}");
}

#[test]
fn missing_and_extra_files_fail() {
    let dir = cluster_dir("zstd");
    std::fs::remove_file(dir.path().join("databases/16384/blob_16400.dat.zst")).unwrap();
    std::fs::write(dir.path().join("databases/16384/stray"), "x").unwrap();
    let p = problems(dir.path());
    assert!(
        p.iter()
            .any(|m| m.contains("blob_16400.dat") && m.contains("missing")),
        "{p:?}"
    );
    assert!(
        p.iter().any(|m| m.contains("stray: not in the manifest")),
        "{p:?}"
    );
}

#[test]
fn a_damaged_toc_fails() {
    let dir = cluster_dir("none");
    let toc = dir.path().join("databases/16384/toc.dat");
    let bytes = std::fs::read(&toc).unwrap();
    std::fs::write(&toc, &bytes[..bytes.len() - 3]).unwrap();
    let p = problems(dir.path());
    assert!(p.iter().any(|m| m.contains("toc.dat: truncated")), "{p:?}");
}
