use super::*;
use std::time::Duration;

fn facts() -> RunFacts {
    RunFacts {
        server_version: "18.6".into(),
        databases: vec![(16384, "my db\\é".into()), (5, "postgres".into())],
        options: vec!["-Fd".into(), "--exclude-database=a b".into()],
        started: SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_430_909),
        finished: SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_430_970),
    }
}

fn sample_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("globals.sql"), "CREATE ROLE x;\n").unwrap();
    std::fs::create_dir_all(dir.path().join("databases/16384")).unwrap();
    std::fs::write(dir.path().join("databases/16384/toc.dat"), b"PGDMP").unwrap();
    std::fs::write(dir.path().join("databases/16384/3.dat.gz"), b"").unwrap();
    dir
}

#[test]
fn written_manifest_reads_back_with_every_file() {
    let dir = sample_dir();
    write(dir.path(), &facts(), true, &Hashes::default()).unwrap();
    let m = read(dir.path()).unwrap();
    assert_eq!(m.server_version, "18.6");
    assert_eq!(m.databases, facts().databases);
    assert_eq!(m.options, facts().options);
    assert_eq!(m.started, "2026-12-05T00:35:09Z");
    assert_eq!(m.finished, "2026-12-05T00:36:10Z");
    let paths: Vec<&[u8]> = m.files.iter().map(|f| f.path.as_slice()).collect();
    assert_eq!(
        paths,
        [
            &b"databases/16384/3.dat.gz"[..],
            b"databases/16384/toc.dat",
            b"globals.sql"
        ]
    );
    assert_eq!(m.files[0].size, 0);
    assert_eq!(
        m.files[0].sha256,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    // Nothing temporary is left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
}

#[test]
fn sha256sum_checks_the_sums_file() {
    let dir = sample_dir();
    write(dir.path(), &facts(), false, &Hashes::default()).unwrap();
    let Ok(out) = std::process::Command::new("sha256sum")
        .args(["-c", "--strict", SHA256SUMS])
        .current_dir(dir.path())
        .output()
    else {
        panic!("sha256sum (coreutils) is needed by this test");
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    std::fs::write(dir.path().join("globals.sql"), "CREATE ROLE y;\n").unwrap();
    let out = std::process::Command::new("sha256sum")
        .args(["-c", SHA256SUMS])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[test]
fn escaping_round_trips_any_bytes() {
    for value in [&b""[..], b"a b", b"\\x", b"\xff\x00\n", b"plain"] {
        let token = escape(value);
        assert!(!token.contains(' '));
        assert_eq!(unescape(&token).unwrap(), value);
    }
}

#[test]
fn damaged_manifests_are_rejected_with_a_line() {
    assert_eq!(parse(b"something else\n").unwrap_err().0, 1);
    let good = format!("{HEADER}\nfinished x\n");
    assert!(parse(good.as_bytes()).is_ok());
    let bad = format!("{HEADER}\nfile abc 3 x\nfinished x\n");
    assert_eq!(
        parse(bad.as_bytes()).unwrap_err(),
        (2, "bad SHA-256".into())
    );
    let cut = format!("{HEADER}\nstarted x\n");
    assert!(parse(cut.as_bytes()).is_err());
}

#[test]
fn timestamps_are_utc_calendar_dates() {
    let at = |s| utc_timestamp(SystemTime::UNIX_EPOCH + Duration::from_secs(s));
    assert_eq!(at(0), "1970-01-01T00:00:00Z");
    assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(at(4_107_542_399), "2100-02-28T23:59:59Z");
}

#[test]
fn files_hashed_while_written_are_not_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let known = Hashes::default();
    std::fs::write(d.join("a.dat"), b"aaa").unwrap();
    std::fs::write(d.join("b.dat"), b"bbbb").unwrap();
    // What a writer recorded is trusted while the size on disk agrees
    // (the recorded hash here is not the file's, to tell which was used).
    known.record(&d.join("a.dat"), 3, "0".repeat(64));
    // A file changed after it was recorded is read again.
    known.record(&d.join("b.dat"), 5, "1".repeat(64));
    let files = hash_files(d, &known).unwrap();
    assert_eq!(files[0].sha256, "0".repeat(64));
    assert_eq!(files[1].sha256, hash_file(&d.join("b.dat")).unwrap().1);
    assert_eq!(files[1].size, 4);
    // Listing for verify never trusts a record.
    let listed = list_files(d).unwrap();
    assert_eq!(listed[0].sha256, hash_file(&d.join("a.dat")).unwrap().1);
}
