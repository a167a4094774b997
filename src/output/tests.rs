use super::*;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;

#[test]
fn the_shared_count_lags_by_less_than_a_batch_and_ends_exact() {
    use std::sync::atomic::{AtomicU64, Ordering};
    let counter = std::sync::Arc::new(AtomicU64::new(0));
    let mut sink = Sink::writer(Box::new(std::io::sink()));
    sink.count_into(counter.clone());
    let row = [b'x'; 100];
    for _ in 0..1000 {
        sink.write_bytes(&row).unwrap();
        let seen = counter.load(Ordering::Relaxed);
        assert!(sink.written() - seen < SharedCount::PUBLISH_EVERY);
    }
    sink.write_bytes(b"tail").unwrap();
    sink.flush().unwrap();
    assert_eq!(counter.load(Ordering::Relaxed), 100_004);
    sink.write_bytes(b"end").unwrap();
    sink.finish().unwrap();
    assert_eq!(counter.load(Ordering::Relaxed), 100_007);
}

#[test]
fn file_appears_only_when_finished_with_mode_0600() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dump.sql");
    let mut sink = Sink::file(&path, true).unwrap();
    sink.write_text("SELECT 1;\n").unwrap();
    assert!(!path.exists());
    sink.finish().unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "SELECT 1;\n");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn a_hashed_sink_records_the_bytes_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..20_000).map(|i| format!("row {i}\n")).collect();
    let hashes = manifest::Hashes::default();
    for spec in ["none", "gzip", "zstd", "lz4"] {
        let path = dir.path().join(format!("t.{spec}"));
        let how = compress::parse(spec).unwrap();
        let sink = Sink::file(&path, false).unwrap().compressed(&how).unwrap();
        let mut sink = sink.hashed_into(&hashes);
        for line in text.lines() {
            sink.write_text(line).unwrap();
            sink.write_bytes(b"\n").unwrap();
        }
        sink.flush().unwrap();
        sink.finish().unwrap();
        let on_disk = manifest::hash_file(&path).unwrap();
        assert_eq!(hashes.get(&path), Some(on_disk), "{spec}");
    }
    // An abandoned sink records nothing.
    let gone = dir.path().join("gone");
    let mut sink = Sink::file(&gone, false).unwrap().hashed_into(&hashes);
    sink.write_text("x").unwrap();
    drop(sink);
    assert_eq!(hashes.get(&gone), None);
}

#[test]
fn compressed_sinks_decode_to_what_was_written() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..50_000).map(|i| format!("row {i}\n")).collect();
    for spec in ["gzip", "lz4", "zstd:long", "none"] {
        let how = compress::parse(spec).unwrap();
        let path = dir.path().join("dump.sql");
        let mut sink = Sink::file(&path, false).unwrap().compressed(&how).unwrap();
        sink.write_text(&text[..1000]).unwrap();
        sink.flush().unwrap();
        sink.write_text(&text[1000..]).unwrap();
        sink.finish().unwrap();
        let written = std::fs::read(&path).unwrap();
        let mut decoded = Vec::new();
        compress::decoder(how.method, &written[..])
            .unwrap()
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, text.as_bytes(), "{spec}");
        assert_eq!(
            how.method == compress::Method::None,
            written == text.as_bytes()
        );
    }
}

#[test]
fn abandoned_file_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dump.sql");
    std::fs::write(&path, "old").unwrap();
    let mut sink = Sink::file(&path, false).unwrap();
    sink.write_text("new").unwrap();
    drop(sink);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn byte_strings_are_written_as_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.sql");
    let mut sink = Sink::file(&path, false).unwrap();
    sink.write_text(&crate::text::from_bytes(b"caf\xe9"))
        .unwrap();
    sink.finish().unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"caf\xe9");
}

#[test]
fn missing_directory_is_an_open_error() {
    let err = Sink::file(Path::new("/nonexistent-dir/x.sql"), false)
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "could not open output file \"/nonexistent-dir/x.sql\": No such file or directory"
    );
}

#[test]
fn a_symlink_is_written_through_not_replaced() {
    // /dev/stdout and /proc/self/fd/1 are symlinks: replacing them by
    // a rename (as root) would lose the output and break the system.
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.sql");
    std::fs::write(&target, "old contents, longer than the new").unwrap();
    let link = dir.path().join("link.sql");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let mut sink = Sink::file(&link, true).unwrap();
    sink.write_text("new").unwrap();
    sink.finish().unwrap();
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn a_fifo_is_written_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: c is a NUL-terminated path that outlives the call.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let mut sink = Sink::file(&fifo, true).unwrap();
    sink.write_text("through the pipe").unwrap();
    sink.finish().unwrap();
    assert_eq!(reader.join().unwrap(), "through the pipe");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn a_directory_is_an_open_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = Sink::file(dir.path(), false).err().unwrap().to_string();
    assert!(err.ends_with(": Is a directory"), "{err}");
}
