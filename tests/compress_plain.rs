//! `-Z` on plain output: the whole script compressed, to `-f FILE` (no
//! suffix added, as `pg_dump -Fp -Z` does) or to standard output; each
//! method decompresses to exactly the uncompressed dump.

mod support;
use support::*;

use std::io::Read;

fn decompress(tool: &str, bytes: &[u8]) -> Vec<u8> {
    let mut child = std::process::Command::new(tool)
        .args(["-d", "-c"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{tool} (needed to check -Z output): {e}"));
    let mut stdin = child.stdin.take().unwrap();
    let input = bytes.to_vec();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        stdin.write_all(&input).unwrap();
    });
    let mut out = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
    writer.join().unwrap();
    assert!(child.wait().unwrap().success(), "{tool} -d failed");
    out
}

cluster_test!(compressed_plain_output, |version| {
    let cluster = Cluster::start(version);
    cluster.psql("postgres", "CREATE DATABASE zdb");
    cluster.psql(
        "zdb",
        "CREATE TABLE t AS SELECT g, repeat('compressible ', 4) || md5(g::text) \
         FROM generate_series(1, 30000) g",
    );
    let base = ["--restrict-key", RESTRICT_KEY];
    let plain = run_ours(&cluster, &base);
    assert_success(&plain, "plain");
    let scratch = tempfile::tempdir().unwrap();
    for (spec, tool) in [
        ("gzip", "gzip"),
        ("5", "gzip"),
        ("lz4", "lz4"),
        ("zstd:level=3,long", "zstd"),
        ("none", ""),
    ] {
        let file = scratch.path().join("dump.sql");
        let path = file.to_str().unwrap();
        let mut args = base.to_vec();
        args.extend(["-Z", spec, "-f", path]);
        assert_success(&run_ours(&cluster, &args), &format!("-Z {spec} -f"));
        let written = std::fs::read(&file).unwrap();
        // Nothing else: no suffixed file, no leftover temporary.
        assert_eq!(std::fs::read_dir(scratch.path()).unwrap().count(), 1);
        let mut args = base.to_vec();
        args.extend(["-Z", spec]);
        let to_stdout = run_ours(&cluster, &args);
        assert_success(&to_stdout, &format!("-Z {spec} to stdout"));
        if tool.is_empty() {
            assert!(written == plain.stdout, "-Z none changed the dump");
            assert!(to_stdout.stdout == plain.stdout);
            continue;
        }
        assert!(
            written.len() * 4 < plain.stdout.len() * 3,
            "-Z {spec} did not compress"
        );
        assert!(
            decompress(tool, &written) == plain.stdout,
            "-Z {spec} -f on {version}"
        );
        assert!(
            decompress(tool, &to_stdout.stdout) == plain.stdout,
            "-Z {spec} stdout"
        );
    }
    // With -j (spooled databases written through the same compressor).
    let mut args = base.to_vec();
    args.extend(["-Z", "zstd", "-j", "2"]);
    let parallel = run_ours(&cluster, &args);
    assert_success(&parallel, "-Z zstd -j 2");
    assert!(
        decompress("zstd", &parallel.stdout) == plain.stdout,
        "-j 2 on {version}"
    );
});
