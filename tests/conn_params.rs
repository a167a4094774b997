//! Connection-string parameters: pg_dumpall hands its connection string to
//! each pg_dump, so every libpq parameter that changes a session reaches
//! the global part and every database's part. The client encoding a libpq
//! session starts in (`client_encoding` in the string, a service file or
//! PGCLIENTENCODING, `auto` from the locale, else `-c client_encoding` in
//! `options`) is what the dump is written in; other `-c` settings in
//! `options` (standard_conforming_strings, TimeZone, bytea_output,
//! quote_all_identifiers, ...) change what the server prints, or are
//! overridden by pg_dump's own session settings. Each is compared byte for
//! byte with pg_dumpall 18.6, on one cluster per server version.

mod support;

use support::*;

/// Non-ASCII text that LATIN1 and WIN1252 can hold, in names, comments and
/// data; values whose text depends on session settings; a database whose
/// own client_encoding setting the parameters override.
const FIXTURE: &str = "
CREATE ROLE \"rôle\";
CREATE DATABASE \"Base E\";
ALTER DATABASE \"Base E\" SET client_encoding = 'WIN1252';
\\connect \"Base E\"
CREATE TABLE public.\"tablé\" (id int, txt text, ts timestamptz, d date, f float8,
  b bytea, iv interval, n numeric);
ALTER TABLE public.\"tablé\" OWNER TO \"rôle\";
INSERT INTO public.\"tablé\" VALUES (1, 'café ñ ''q'' \\\\ back', '2024-01-02 03:04:05+00',
  '2024-01-02', 0.1, '\\x00ff41', '1 day 2 hours', 1.5);
COMMENT ON TABLE public.\"tablé\" IS 'commentaire é \\\\ ''q''';
CREATE VIEW public.\"Vue\" AS SELECT id, txt AS \"Txt\" FROM public.\"tablé\" WHERE txt <> 'é\\\\';
CREATE INDEX \"Idx\" ON public.\"tablé\" (lower(txt));
CREATE FUNCTION public.\"fé\"() RETURNS text LANGUAGE sql AS $$SELECT 'é\\\\'$$;
ALTER FUNCTION public.\"fé\"() SET search_path = public, \"é\";
\\connect postgres
CREATE TABLE public.t (t text, ts timestamptz);
INSERT INTO public.t VALUES ('ñ', '2000-01-01 00:00:00+00');
";

fn load(cluster: &Cluster) {
    let path = cluster.dir().join("conn_params.sql");
    std::fs::write(&path, FIXTURE).expect("writing the fixture");
    cluster.psql_file("postgres", &path);
}

/// Ours and the reference with `args` and `env`: same exit code, and on
/// success the same bytes.
fn compare(cluster: &Cluster, args: &[&str], env: &[(&str, &str)]) -> Vec<u8> {
    assert_agrees_with_reference_env(cluster, args, env).stdout
}

/// The client encodings the dump's sections are written in.
fn encodings(dump: &[u8]) -> Vec<String> {
    lossy(dump)
        .lines()
        .filter_map(|l| l.strip_prefix("SET client_encoding = "))
        .map(str::to_string)
        .collect()
}

fn assert_all_in(dump: &[u8], encoding: &str, context: &str) {
    let found = encodings(dump);
    let wanted = format!("'{encoding}';");
    assert!(
        !found.is_empty() && found.iter().all(|e| *e == wanted),
        "{context}: sections in {found:?}, not {encoding}"
    );
}

cluster_test!(client_encoding_parameters_match_reference, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    // Without a parameter each section is in its own encoding: the
    // database's setting (WIN1252) or the database encoding.
    let dump = compare(&cluster, &[], &[]);
    let found = encodings(&dump);
    assert!(
        found.contains(&"'WIN1252';".to_string()) && found.contains(&"'UTF8';".to_string()),
        "{version}: {found:?}"
    );

    let dump = compare(&cluster, &["-d", "client_encoding=LATIN1"], &[]);
    assert_all_in(&dump, "LATIN1", "client_encoding in the string");
    let dump = compare(
        &cluster,
        &["-d", "postgresql:///?client_encoding=LATIN1"],
        &[],
    );
    assert_all_in(&dump, "LATIN1", "client_encoding in a URI");
    let dump = compare(
        &cluster,
        &["-d", "options='-c client_encoding=LATIN1'"],
        &[],
    );
    assert_all_in(&dump, "LATIN1", "options -c client_encoding");
    let dump = compare(&cluster, &["-d", "options=--client-encoding=LATIN1"], &[]);
    assert_all_in(&dump, "LATIN1", "options --client-encoding");
    let dump = compare(&cluster, &[], &[("PGOPTIONS", "-c client_encoding=LATIN1")]);
    assert_all_in(&dump, "LATIN1", "PGOPTIONS");
    // The parameter wins over options, -E over both.
    let both = "client_encoding=UTF8 options='-c client_encoding=LATIN1'";
    let dump = compare(&cluster, &["-d", both], &[]);
    assert_all_in(&dump, "UTF8", "parameter and options");
    let dump = compare(
        &cluster,
        &["-E", "LATIN1", "-d", "client_encoding=WIN1252"],
        &[],
    );
    assert_all_in(&dump, "LATIN1", "-E and the parameter");
    let env = [("PGCLIENTENCODING", "LATIN1")];
    let dump = compare(&cluster, &["-d", "options='-c client_encoding=UTF8'"], &env);
    assert_all_in(&dump, "LATIN1", "PGCLIENTENCODING and options");
    // auto: the locale's encoding (C: SQL_ASCII).
    let dump = compare(
        &cluster,
        &["-d", "client_encoding=auto"],
        &[("LC_ALL", "C")],
    );
    assert_all_in(&dump, "SQL_ASCII", "client_encoding=auto under C");
    let dump = compare(
        &cluster,
        &["-d", "client_encoding=auto"],
        &[("LC_ALL", "C.UTF-8")],
    );
    assert_all_in(&dump, "UTF8", "client_encoding=auto under C.UTF-8");
    // A service file.
    let services = cluster.dir().join("pg_service.conf");
    std::fs::write(
        &services,
        "[latin]\nclient_encoding=LATIN1\n[opts]\noptions=-c client_encoding=WIN1252\n",
    )
    .expect("writing the service file");
    let file = services.to_str().expect("UTF-8 path");
    let dump = compare(
        &cluster,
        &[],
        &[("PGSERVICEFILE", file), ("PGSERVICE", "latin")],
    );
    assert_all_in(&dump, "LATIN1", "client_encoding in a service");
    let dump = compare(
        &cluster,
        &["-d", "service=opts"],
        &[("PGSERVICEFILE", file)],
    );
    assert_all_in(&dump, "WIN1252", "options in a service");
    // A database name LATIN1 spells differently: pg_dump cannot connect
    // to it; both fail after its banner.
    cluster.psql("postgres", "CREATE DATABASE \"base é\";");
    compare(&cluster, &["-d", "client_encoding=LATIN1"], &[]);
    // An encoding the server does not know: both fail.
    let args = with_restrict_key(&["-d", "client_encoding=nonesuch"]);
    assert_eq!(run_reference(&cluster, &args).status.code(), Some(1));
    assert_eq!(run_ours(&cluster, &args).status.code(), Some(1));
});

cluster_test!(session_options_match_reference, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    for options in [
        // Changes what the server prints.
        "-c standard_conforming_strings=off",
        "-c TimeZone=Asia/Tokyo",
        "-c bytea_output=escape",
        "-c quote_all_identifiers=on",
        // Overridden by pg_dump's own session settings.
        "-c extra_float_digits=0",
        "-c search_path=x",
        "-c DateStyle=SQL,DMY -c IntervalStyle=sql_standard",
        "-c row_security=on -c statement_timeout=1h -c lock_timeout=1h",
        "-c default_transaction_read_only=on -c client_min_messages=debug1",
    ] {
        compare(&cluster, &["-d", &format!("options='{options}'")], &[]);
        compare(&cluster, &[], &[("PGOPTIONS", options)]);
    }
    let dump = compare(
        &cluster,
        &["-d", "options='-c standard_conforming_strings=off'"],
        &[],
    );
    assert!(lossy(&dump).contains("SET standard_conforming_strings = off;"));
    let dump = compare(&cluster, &["-d", "options='-c TimeZone=Asia/Tokyo'"], &[]);
    assert!(lossy(&dump).contains("2000-01-01 09:00:00+09"));
    // Parameters that change nothing in the output, and the session
    // attributes a primary has or lacks.
    for conninfo in [
        "application_name=someapp",
        "fallback_application_name=someapp",
        "target_session_attrs=read-write",
        "target_session_attrs=primary",
        "target_session_attrs=any",
        "target_session_attrs=prefer-standby",
        "target_session_attrs=standby",
        "target_session_attrs=read-only",
    ] {
        compare(&cluster, &["-d", conninfo], &[]);
    }
    compare(&cluster, &[], &[("PGAPPNAME", "someapp")]);
    compare(&cluster, &[], &[("PGTARGETSESSIONATTRS", "standby")]);
});

cluster_test!(server_chosen_client_encoding_matches_reference, |version| {
    // Asked for no encoding, a session starts in the one the server picks:
    // a role's setting, else a database's, else the server's configuration,
    // else the database encoding. pg_dump keeps it; so must we.
    let cluster = Cluster::start(version);
    load(&cluster);
    cluster.psql("postgres", "ALTER SYSTEM SET client_encoding = 'LATIN1';");
    cluster.psql("postgres", "SELECT pg_catalog.pg_reload_conf();");
    let dump = compare(&cluster, &[], &[]);
    let found = encodings(&dump);
    assert!(
        found.contains(&"'LATIN1';".to_string())
            && found.contains(&"'WIN1252';".to_string())
            && !found.contains(&"'UTF8';".to_string()),
        "{version}, server configuration: {found:?}"
    );
    cluster.psql(
        "postgres",
        "ALTER ROLE CURRENT_USER SET client_encoding = 'SQL_ASCII';",
    );
    let dump = compare(&cluster, &[], &[]);
    assert_all_in(&dump, "SQL_ASCII", "a role setting");
    cluster.psql("postgres", "ALTER ROLE CURRENT_USER RESET client_encoding;");
    cluster.psql("postgres", "ALTER SYSTEM RESET client_encoding;");
    cluster.psql("postgres", "SELECT pg_catalog.pg_reload_conf();");
});
