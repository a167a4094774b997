//! Tests of the differential test harness itself (tests/support): clusters
//! start, the fixture loads, the reference is deterministic, reference dumps
//! round-trip, and the dump comparison masks only what it should.

mod support;

use std::panic::{catch_unwind, AssertUnwindSafe};
use support::*;

const GLOBALS: [&str; 3] = ["-g", "--restrict-key", RESTRICT_KEY];
const FULL: [&str; 3] = ["--exclude-database=skipme", "--restrict-key", RESTRICT_KEY];

/// Errors the reference's own dump may raise when restored into a fresh
/// cluster.
fn expected_restore_error(e: &str) -> bool {
    e.contains(r#"role "postgres" already exists"#)
        || e.contains(r#"unrecognized configuration parameter "transaction_timeout""#)
}

cluster_test!(cluster_starts, |version| {
    let cluster = Cluster::start(version);
    assert_eq!(cluster.version(), version);
    assert_eq!(cluster.major(), major_of(version));
    assert_eq!(cluster.query("postgres", "SHOW server_version"), version);
    assert_eq!(cluster.query("postgres", "SELECT current_user"), SUPERUSER);
    assert_eq!(cluster.query("postgres", "SHOW server_encoding"), "UTF8");
    // TCP works as well as the socket directory.
    let port = cluster.port().to_string();
    let out = run_program(
        &reference_bin("psql"),
        &[
            "-X",
            "-At",
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "-U",
            SUPERUSER,
            "-d",
            "postgres",
            "-c",
            "SELECT 42",
        ],
        &[],
    );
    assert_success(&out, "psql over TCP");
    assert_eq!(lossy(&out.stdout).trim(), "42");
    // try_psql reports failures without panicking.
    let bad = cluster.try_psql("postgres", "SELECT 1/0;");
    assert!(!bad.status.success());
    assert!(lossy(&bad.stderr).contains("division by zero"));
    // Tablespace directories are usable by the server.
    let ts = cluster.tablespace_dir("probe");
    cluster.psql(
        "postgres",
        &format!(
            "CREATE TABLESPACE probe LOCATION '{}';\nDROP TABLESPACE probe;\n",
            ts.display()
        ),
    );

    // Drop stops the server and removes its directory.
    let dir = cluster.dir().to_path_buf();
    drop(cluster);
    assert!(!dir.exists(), "{} still exists after drop", dir.display());
});

cluster_test!(fixture_loads_and_reference_is_deterministic, |version| {
    let cluster = Cluster::start(version);
    load_globals_fixture(&cluster);
    assert_eq!(
        cluster.query(
            "postgres",
            "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'attrs\\_%'"
        ),
        "128"
    );
    assert_eq!(
        cluster.query(
            "postgres",
            "SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database \
             WHERE datname IN ('plaindb', 'Odd DB', 'skipme', 'noconn', 'tmpl_db', 'latin1db', 'owned_db', 'ts_db')"
        ),
        "Odd DB,latin1db,noconn,owned_db,plaindb,skipme,tmpl_db,ts_db"
    );
    assert_eq!(
        cluster.query(
            "postgres",
            "SELECT count(*) FROM pg_tablespace WHERE spcname NOT LIKE 'pg\\_%'"
        ),
        "3"
    );

    let first = run_reference(&cluster, &GLOBALS);
    let second = run_reference(&cluster, &GLOBALS);
    assert_success(&first, "reference pg_dumpall -g");
    assert_success(&second, "reference pg_dumpall -g");
    assert!(
        first.stdout == second.stdout,
        "two reference -g runs differ"
    );
    assert_same_dump(
        &first.stdout,
        &second.stdout,
        &format!("reference -g twice on {version}"),
    );
    let text = lossy(&first.stdout);
    for needle in [
        format!("\\restrict {RESTRICT_KEY}"),
        "CREATE ROLE \"rôle_é\";".to_string(),
        "CREATE ROLE \"new\nline\";".to_string(),
        "CREATE TABLESPACE ts1 OWNER ts_owner LOCATION".to_string(),
        "PASSWORD 'SCRAM-SHA-256$4096:Zml4ZWRzYWx0MDEyMzQ1Ng==$".to_string(),
        "GRANT chain_grp TO aa_leaf".to_string(),
    ] {
        assert!(
            text.contains(&needle),
            "reference -g output lacks {needle:?}"
        );
    }
    if cluster.major() >= 15 {
        assert!(
            text.contains("ON PARAMETER \"myext.setting\""),
            "no parameter privileges in -g output"
        );
    }

    // Full dumps (all databases but skipme) are deterministic too, and
    // contain the LATIN1 database's bytes unconverted.
    let full1 = run_reference(&cluster, &FULL);
    let full2 = run_reference(&cluster, &FULL);
    assert_success(&full1, "reference pg_dumpall");
    assert!(
        full1.stdout == full2.stdout,
        "two reference full runs differ"
    );
    assert!(
        full1.stdout.windows(4).any(|w| w == b"caf\xe9"),
        "LATIN1 bytes missing from the full dump"
    );
    assert!(!lossy(&full1.stdout).contains("must_not_be_dumped"));
});

cluster_test!(reference_globals_round_trip, |version| {
    let cluster = Cluster::start(version);
    load_globals_fixture(&cluster);
    let dump = run_reference(&cluster, &GLOBALS);
    assert_success(&dump, "reference pg_dumpall -g");
    let rt = restore_round_trip(version, &dump.stdout, &dump.stdout, &["-g"]);
    assert_eq!(rt.ours_errors, rt.reference_errors);
    assert!(
        rt.reference_errors
            .iter()
            .all(|e| expected_restore_error(e)),
        "unexpected errors restoring the reference -g dump: {:#?}",
        rt.reference_errors
    );
    assert!(rt
        .reference_errors
        .iter()
        .any(|e| e.contains(r#"role "postgres" already exists"#)));
    // The restored cluster holds what was dumped.
    let restored = lossy(&rt.reference_redump);
    assert!(restored.contains("CREATE ROLE \"rôle_é\";"));
    assert!(restored.contains("CREATE TABLESPACE ts1 OWNER ts_owner LOCATION"));
});

cluster_test!(reference_full_round_trip, |version| {
    let cluster = Cluster::start(version);
    load_globals_fixture(&cluster);
    let dump = run_reference(&cluster, &FULL);
    assert_success(&dump, "reference pg_dumpall");
    // pg_dump 18's CREATE DATABASE (LOCALE_PROVIDER) needs 15 or later.
    let restore_version = if cluster.major() < 15 {
        REFERENCE_VERSION
    } else {
        version
    };
    let rt = restore_round_trip_into(restore_version, &dump.stdout, &dump.stdout, &FULL);
    assert!(
        rt.reference_errors
            .iter()
            .all(|e| expected_restore_error(e)),
        "unexpected errors restoring the reference full dump: {:#?}",
        rt.reference_errors
    );
    let restored = rt.reference_redump;
    assert!(
        restored.windows(4).any(|w| w == b"caf\xe9"),
        "LATIN1 data did not survive the round trip"
    );
    let text = lossy(&restored);
    for db in [
        "\"Odd DB\"",
        "latin1db",
        "owned_db",
        "plaindb",
        "tmpl_db",
        "ts_db",
    ] {
        assert!(
            text.contains(&format!("CREATE DATABASE {db} ")),
            "{db} missing after the round trip"
        );
    }
});

#[test]
fn round_trip_detects_extra_errors() {
    let Some(version) = versions().first().copied() else {
        return;
    };
    run_versioned("round_trip_detects_extra_errors", version, |version| {
        let good = b"CREATE ROLE alice;\n".to_vec();
        let bad = b"CREATE ROLE alice;\nCREATE ROLE alice;\n".to_vec();
        let result = catch_unwind(AssertUnwindSafe(|| {
            restore_round_trip(version, &bad, &good, &["-g"])
        }));
        let err = result
            .err()
            .expect("an extra restore error must fail the round trip");
        let msg = panic_message(&err);
        assert!(msg.contains(r#"role "alice" already exists"#), "{msg}");

        // psql's own errors count too.
        let meta = b"CREATE ROLE alice;\n\\bogus\n".to_vec();
        let result = catch_unwind(AssertUnwindSafe(|| {
            restore_round_trip(version, &meta, &good, &["-g"])
        }));
        let err = result
            .err()
            .expect("an invalid meta-command must fail the round trip");
        assert!(
            panic_message(&err).contains("invalid command"),
            "{}",
            panic_message(&err)
        );

        // The same error on both sides passes, although it names each
        // cluster's own socket.
        let connect = b"CREATE ROLE alice;\n\\connect nosuchdb\n".to_vec();
        let rt = restore_round_trip(version, &connect, &connect, &["-g"]);
        assert!(
            rt.ours_errors
                .iter()
                .any(|e| e.contains("nosuchdb") && e.contains("<host>")),
            "{:?}",
            rt.ours_errors
        );

        let other = b"CREATE ROLE bob;\n".to_vec();
        let result = catch_unwind(AssertUnwindSafe(|| {
            restore_round_trip(version, &other, &good, &["-g"])
        }));
        let err = result
            .err()
            .expect("different restored clusters must fail the round trip");
        assert!(
            panic_message(&err).contains("outputs differ"),
            "{}",
            panic_message(&err)
        );
    });
}

fn panic_message(err: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = err.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = err.downcast_ref::<&str>() {
        s.to_string()
    } else {
        "<non-string panic>".into()
    }
}

fn replace_bytes(data: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = data
        .windows(from.len())
        .position(|w| w == from)
        .expect("pattern present");
    [&data[..at], to, &data[at + from.len()..]].concat()
}

fn expect_mismatch(ours: &[u8], reference: &[u8], context: &str) -> String {
    let result = catch_unwind(|| assert_same_dump(ours, reference, context));
    match result {
        Ok(()) => panic!("assert_same_dump accepted a real difference ({context})"),
        Err(e) => panic_message(&e),
    }
}

#[test]
fn assert_same_dump_masks_only_dumped_by_lines() {
    let reference: &[u8] = b"--\n\
        -- PostgreSQL database cluster dump\n\
        --\n\
        -- Dumped from database version 17.11\n\
        -- Dumped by pg_dumpall version 18.6\n\
        \n\
        -- Dumped by pg_dump version 18.6\n\
        CREATE ROLE \"r\xf4le\";\n\
        SELECT 1;\n";
    let ours: &[u8] = b"--\n\
        -- PostgreSQL database cluster dump\n\
        --\n\
        -- Dumped from database version 17.11\n\
        -- Dumped by pg_dumpall version 0.1.0 (pgdumpall-rs)\n\
        \n\
        -- Dumped by pg_dump version something else\n\
        CREATE ROLE \"r\xf4le\";\n\
        SELECT 1;\n";
    assert_same_dump(ours, reference, "masked lines only");
    assert_same_dump(reference, reference, "identical");

    // A difference on any other line is reported, with its line number.
    let changed = replace_bytes(ours, b"SELECT 1;", b"SELECT 2;");
    let msg = expect_mismatch(&changed, reference, "other line");
    assert!(msg.contains("first difference at line 9"), "{msg}");
    assert!(
        msg.contains("SELECT 2;") && msg.contains("SELECT 1;"),
        "{msg}"
    );
    assert!(msg.contains("dump-diffs"), "{msg}");

    // "-- Dumped from" is not masked.
    let from = replace_bytes(ours, b"version 17.11", b"version 16.15");
    let msg = expect_mismatch(&from, reference, "dumped from");
    assert!(msg.contains("first difference at line 4"), "{msg}");

    // A pg_dump line may not stand in for a pg_dumpall line.
    let swapped = b"-- Dumped by pg_dump version 18.6\n";
    let msg = expect_mismatch(
        swapped,
        b"-- Dumped by pg_dumpall version 18.6\n",
        "swapped kind",
    );
    assert!(msg.contains("first difference at line 1"), "{msg}");

    // The mask is a line prefix, not a substring.
    let msg = expect_mismatch(
        b"x -- Dumped by pg_dump version 1\n",
        b"x -- Dumped by pg_dump version 2\n",
        "not a prefix",
    );
    assert!(msg.contains("first difference at line 1"), "{msg}");

    // Non-UTF-8 bytes are compared as bytes.
    let msg = expect_mismatch(b"caf\xe9\n", b"caf\xc3\xa9\n", "bytes");
    assert!(msg.contains("first difference at line 1"), "{msg}");

    // Missing final newline, missing or extra lines.
    let msg = expect_mismatch(b"a\nb", b"a\nb\n", "final newline");
    assert!(msg.contains("first difference at line 3"), "{msg}");
    let msg = expect_mismatch(b"a\n", b"a\nb\n", "missing line");
    assert!(msg.contains("first difference at line 2"), "{msg}");
    let msg = expect_mismatch(b"a\nb\nc\n", b"a\nb\n", "extra line");
    assert!(msg.contains("first difference at line 3"), "{msg}");
}

#[test]
fn tablespace_locations_are_masked_and_rewritten() {
    let dump: &[u8] = b"CREATE TABLESPACE ts1 OWNER ts_owner LOCATION '/tmp/a/ts1';\n\
        ALTER TABLESPACE ts1 SET (random_page_cost=1.1);\n\
        CREATE TABLESPACE \"odd\nname\" OWNER postgres LOCATION '/tmp/it''s';\n\
        COMMENT ON TABLESPACE ts1 IS 'LOCATION ''/x''';\n";
    let masked = mask_tablespace_locations(dump);
    assert_eq!(
        lossy(&masked),
        "CREATE TABLESPACE ts1 OWNER ts_owner LOCATION '<tablespace location>';\n\
         ALTER TABLESPACE ts1 SET (random_page_cost=1.1);\n\
         CREATE TABLESPACE \"odd\nname\" OWNER postgres LOCATION '<tablespace location>';\n\
         COMMENT ON TABLESPACE ts1 IS 'LOCATION ''/x''';\n"
    );
    let rewritten = rewrite_tablespace_locations(dump, |n| format!("/new/{n}"));
    let text = lossy(&rewritten);
    assert!(
        text.contains("LOCATION '/new/0';") && text.contains("LOCATION '/new/1';"),
        "{text}"
    );
}

#[test]
fn versions_are_known() {
    let all = versions();
    assert!(!all.is_empty());
    for v in &all {
        assert!(ALL_VERSIONS.contains(v));
    }
    assert_eq!(resolve_version("14"), "14.23");
    assert_eq!(resolve_version("18.6"), "18.6");
    assert_eq!(major_of("16.15"), 16);
}

#[test]
fn verbose_mask_touches_only_time_lines() {
    let reference: &[u8] = b"--\n\
        -- Started on 2026-12-04 21:59:06 UTC\n\
        \n\
        --\n\
        -- TOC entry 2579 (class 0 OID 0)\n\
        -- Dependencies: 219\n\
        -- Name: TABLE t; Type: COMMENT; Schema: public; Owner: postgres\n\
        --\n\
        \n\
        COMMENT ON TABLE public.t IS '\n\
        -- TOC entry 1 (class 0 OID 0)';\n\
        -- Completed on 2026-12-04 21:59:07 UTC\n";
    let expected: &[u8] = b"--\n\
        -- Started on <time>\n\
        \n\
        --\n\
        -- TOC entry 2579 (class 0 OID 0)\n\
        -- Dependencies: 219\n\
        -- Name: TABLE t; Type: COMMENT; Schema: public; Owner: postgres\n\
        --\n\
        \n\
        COMMENT ON TABLE public.t IS '\n\
        -- TOC entry 1 (class 0 OID 0)';\n\
        -- Completed on <time>\n";
    assert_eq!(lossy(&mask_verbose_times(reference)), lossy(expected));
    let plain: &[u8] = b"-- Name: t; Type: TABLE\n-- Dependencies: 1\nSELECT 1;\n";
    assert_eq!(mask_verbose_times(plain), plain);
}
