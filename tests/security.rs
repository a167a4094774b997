//! Restore-time injection: a role with no special rights must not be able
//! to make a superuser's restore of our dump run its words. Each test
//! builds the attack as that role would, dumps as superuser with the
//! reference and with ours (byte-identical wherever the reference dumps
//! the case, the same refusal where it refuses), restores our dump with
//! `psql -X -f` as superuser into a fresh cluster, and checks that no
//! statement of the attacker's ran. The attack corpus (tests/security_corpus.rs)
//! covers every place a name or literal is printed, in every client
//! encoding.

mod support;

use support::*;

/// Asserts that restoring `dump` runs nothing of the attacker's.
fn assert_restore_is_safe(version: &'static str, dump: &[u8], what: &str) {
    let markers = tempfile::tempdir().expect("marker dir");
    let found = restore_and_find_escalations(version, dump, markers.path());
    assert!(
        found.is_empty(),
        "{what} (PostgreSQL {version}): the restore ran the attacker's statements: {found:?}"
    );
}

fn create_attacker(cluster: &Cluster, role: &str, rights: &str) {
    cluster.psql("postgres", &format!("CREATE ROLE {role} LOGIN {rights};"));
}

cluster_test!(
    a_database_name_with_a_newline_is_refused_like_the_reference,
    |version| {
        let cluster = Cluster::start(version);
        // Needs only CREATEDB.
        create_attacker(&cluster, "attacker", "CREATEDB");
        cluster.psql(
            "postgres",
            "SET ROLE attacker;\n\
         CREATE DATABASE \"evil\nALTER ROLE attacker SUPERUSER;\n--\";\n\
         CREATE DATABASE \"cr\rALTER ROLE attacker SUPERUSER;\r--\";",
        );
        for args in [&[][..], &["-c", "--if-exists"], &["-O", "-x"]] {
            let args = with_restrict_key(args);
            let reference = run_reference(&cluster, &args);
            let ours = run_ours(&cluster, &args);
            assert_eq!(reference.status.code(), Some(1), "reference {args:?}");
            assert_eq!(ours.status.code(), Some(1), "ours {args:?}");
            assert_eq!(lossy(&ours.stderr), lossy(&reference.stderr), "{args:?}");
            assert!(lossy(&ours.stderr)
                .starts_with("shell command argument contains a newline or carriage return: "));
            assert_same_dump(
                &ours.stdout,
                &reference.stdout,
                &format!("{version} {args:?}"),
            );
        }
        // With -f, nothing is left behind.
        let file = cluster.dir().join("refused.sql");
        let file_arg = file.to_str().unwrap().to_owned();
        let ours = run_ours(&cluster, &with_restrict_key(&["-f", &file_arg]));
        assert_eq!(ours.status.code(), Some(1));
        assert!(!file.exists());
        // Excluded, the rest of the cluster dumps, and restores safely.
        let args = with_restrict_key(&["--exclude-database=evil*", "--exclude-database=cr*"]);
        let (ours, _) = assert_matches_reference(&cluster, &args);
        assert_restore_is_safe(version, &ours.stdout, "dump without the hostile databases");
    }
);

cluster_test!(
    a_partition_root_name_with_a_newline_stays_in_its_comment,
    |version| {
        let cluster = Cluster::start(version);
        // Needs only a table of its own: pg_dump loads hash partitions on an
        // enum key through the root and names the root in a comment line.
        create_attacker(&cluster, "attacker", "");
        cluster.psql("postgres", "CREATE DATABASE atk OWNER attacker;");
        cluster.psql(
            "atk",
            "SET ROLE attacker;\n\
         CREATE TYPE public.color AS ENUM ('red', 'green', 'blue');\n\
         CREATE TABLE public.\"p\nALTER ROLE attacker SUPERUSER;\n--\" (k public.color, v text) \
           PARTITION BY HASH (k);\n\
         CREATE TABLE public.p0 PARTITION OF public.\"p\nALTER ROLE attacker SUPERUSER;\n--\" \
           FOR VALUES WITH (MODULUS 2, REMAINDER 0);\n\
         CREATE TABLE public.p1 PARTITION OF public.\"p\nALTER ROLE attacker SUPERUSER;\n--\" \
           FOR VALUES WITH (MODULUS 2, REMAINDER 1);\n\
         INSERT INTO public.\"p\nALTER ROLE attacker SUPERUSER;\n--\" \
           SELECT c, 'x' FROM unnest(enum_range(NULL::public.color)) c;",
        );
        for args in [&[][..], &["--inserts"], &["--load-via-partition-root"]] {
            let (ours, reference) = assert_matches_reference(&cluster, args);
            assert!(
                lossy(&reference.stdout)
                    .contains("-- load via partition root public.\"p ALTER ROLE"),
                "the reference no longer writes the comment this test attacks"
            );
            assert_restore_is_safe(version, &ours.stdout, &format!("partition root {args:?}"));
        }
    }
);

cluster_test!(
    standard_conforming_strings_off_doubles_backslashes,
    |version| {
        let cluster = Cluster::start(version);
        // Needs only a database of its own.
        create_attacker(&cluster, "attacker", "");
        cluster.psql(
            "postgres",
            "CREATE DATABASE atk OWNER attacker;\n\
         ALTER DATABASE atk SET standard_conforming_strings = off;",
        );
        let payload = "\\''; ALTER ROLE attacker SUPERUSER; --";
        let sql = format!(
            "SET ROLE attacker;\n\
         SET standard_conforming_strings = on;\n\
         CREATE TABLE t (a text DEFAULT '{p}', b int);\n\
         COMMENT ON TABLE t IS '{p}';\n\
         COMMENT ON COLUMN t.a IS 'a\\b''; ALTER ROLE attacker SUPERUSER; --';\n\
         CREATE TYPE e AS ENUM ('{p}');\n\
         CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$ SELECT '{p}' $$;\n\
         CREATE FUNCTION g() RETURNS text LANGUAGE sql SET search_path = '{p}' \
           AS $$ SELECT 1::text $$;\n\
         INSERT INTO t VALUES ('{p}', 1);\n\
         CREATE SEQUENCE \"s\\'\"\"; x\";\n",
            p = payload.replace('\'', "''")
        );
        cluster.psql("atk", &sql);
        for args in [
            &[][..],
            &["--inserts", "--disable-dollar-quoting"],
            &["--column-inserts", "--use-set-session-authorization"],
        ] {
            let (ours, reference) = assert_matches_reference(&cluster, args);
            assert!(lossy(&reference.stdout).contains("SET standard_conforming_strings = off;"));
            assert_restore_is_safe(version, &ours.stdout, &format!("scs off {args:?}"));
        }
    }
);

const ENDS_IN_BACKSLASH: &str = "CREATE FUNCTION pg_temp.ends_in_backslash(c text, enc name) \
    RETURNS bool LANGUAGE plpgsql AS $$ DECLARE b bytea; BEGIN \
    b := convert_to(c, enc); \
    RETURN length(b) >= 2 AND get_byte(b, length(b) - 1) = 92; \
    EXCEPTION WHEN others THEN RETURN false; END $$;\n";

cluster_test!(
    multibyte_characters_ending_in_a_backslash_are_not_split,
    |version| {
        let cluster = Cluster::start(version);
        // Needs no privilege at all: a role's own settings.
        create_attacker(&cluster, "me", "");
        // Every client-only encoding whose characters can end in 0x5C (UHC's
        // cannot; JOHAB's can, and pg_dump treats them as malformed).
        for encoding in ["SJIS", "SHIFT_JIS_2004", "BIG5", "GBK", "GB18030", "JOHAB"] {
            let c = cluster.query(
                "postgres",
                &format!(
                    "{ENDS_IN_BACKSLASH}{}",
                    char_ending_in_backslash_query(encoding)
                ),
            );
            assert!(!c.is_empty(), "no character of {encoding} ends in 0x5C");
            let escaped = c.replace('\'', "''");
            cluster.psql(
                "postgres",
                &format!(
                    "SET ROLE me;\n\
                 ALTER ROLE me SET search_path = '\"{escaped}''; ALTER ROLE me SUPERUSER; --\"';\n\
                 ALTER ROLE me SET application_name = '{escaped}''; ALTER ROLE me SUPERUSER; --';\n\
                 RESET ROLE;\n\
                 COMMENT ON ROLE me IS '{escaped}''; ALTER ROLE me SUPERUSER; --';"
                ),
            );
            for args in [&["-g", "-E", encoding][..], &["-E", encoding]] {
                let (ours, _) = assert_matches_reference(&cluster, args);
                assert_restore_is_safe(version, &ours.stdout, &format!("{args:?}"));
            }
            cluster.psql(
                "postgres",
                "ALTER ROLE me RESET ALL; COMMENT ON ROLE me IS NULL;",
            );
        }
    }
);

/// A character of `encoding` whose last byte is 0x5C (a backslash in
/// ASCII), found by the server's own conversion (needs
/// [`ENDS_IN_BACKSLASH`] in the same session).
fn char_ending_in_backslash_query(encoding: &str) -> String {
    format!(
        "SELECT c FROM (SELECT chr(cp) AS c FROM \
           (SELECT generate_series(12353, 12543) UNION ALL \
            SELECT generate_series(19968, 40869) UNION ALL \
            SELECT generate_series(44032, 55203)) s(cp)) t \
         WHERE pg_temp.ends_in_backslash(c, '{encoding}') LIMIT 1;"
    )
}

cluster_test!(every_session_restricts_relation_kinds, |version| {
    let cluster = Cluster::start(version);
    // CVE-2024-7348: every session that reads a database, the helper of a
    // big database and the sessions reading ahead included, sets
    // restrict_nonsystem_relation_kind as pg_dump does.
    cluster.psql(
        "postgres",
        "CREATE DATABASE big; CREATE DATABASE small1; CREATE DATABASE small2;",
    );
    cluster.psql(
        "big",
        "DO $$ BEGIN FOR i IN 1..700 LOOP \
           EXECUTE format('CREATE TABLE t%s (v text)', i); END LOOP; END $$;",
    );
    cluster.psql(
        "postgres",
        "ALTER SYSTEM SET log_statement = 'all'; \
         ALTER SYSTEM SET log_line_prefix = '[%p] %d '; SELECT pg_reload_conf();",
    );
    std::thread::sleep(std::time::Duration::from_millis(300));
    let before = cluster.server_log().len();
    let out = run_ours(&cluster, &with_restrict_key(&[]));
    assert_success(&out, "ours");
    let log = cluster.server_log()[before..].to_owned();
    let mut sessions: std::collections::BTreeMap<String, (String, bool)> = Default::default();
    for line in log.lines() {
        let Some(rest) = line.strip_prefix('[') else {
            continue;
        };
        let Some((pid, rest)) = rest.split_once("] ") else {
            continue;
        };
        let db = rest.split(' ').next().unwrap_or("").to_owned();
        let entry = sessions.entry(pid.to_owned()).or_insert((db, false));
        if line.contains("restrict_nonsystem_relation_kind") {
            entry.1 = true;
        }
    }
    let dbs: Vec<&str> = sessions.values().map(|(d, _)| d.as_str()).collect();
    let big_sessions = dbs.iter().filter(|d| **d == "big").count();
    assert!(
        big_sessions >= 2,
        "no helper session on the big database: {dbs:?}"
    );
    for d in ["postgres", "template1", "small1", "small2"] {
        assert!(dbs.contains(&d), "no session on {d}: {dbs:?}");
    }
    let unrestricted: Vec<_> = sessions.iter().filter(|(_, (_, set))| !set).collect();
    assert!(
        unrestricted.is_empty(),
        "sessions without restrict_nonsystem_relation_kind: {unrestricted:?}"
    );
});
