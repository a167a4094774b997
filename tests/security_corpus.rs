//! The attack corpus: hostile text in every place our output prints a
//! name or a literal (roles and their settings, comments, memberships and
//! grants, tablespaces, database names, comments and settings, schemas,
//! types, enum labels, defaults, constraints, indexes, functions and their
//! SET clauses, views, sequences, partition roots, triggers, policies,
//! default privileges, event triggers, large objects, table data,
//! statistics, and the kinds of [`NEWER_KINDS`]: collations, conversions,
//! operators, operator classes and families, text search objects, foreign
//! data wrappers, servers, user mappings, foreign tables and their
//! options, extended statistics, rules, publications, subscriptions),
//! each payload carrying a newline, a carriage return, a
//! backslash, quotes, dollar quotes, psql meta-commands or a multibyte
//! character ending in 0x5C. Dumped with every option that changes how
//! text is printed and with every client encoding pg_dumpall accepts; our
//! dump must equal the reference's byte for byte (or fail as it fails),
//! and restoring ours as superuser must run none of the attacker's
//! statements: no role named `pw…` appears, no marker file is touched.

mod support;

use std::path::Path;

use support::*;

/// The payloads; `{T}` is replaced by a tag naming the place, so that a
/// statement that ran says where it came from. `{M}` is the marker
/// directory for psql's `\!`.
const PAYLOADS: &[&str] = &[
    "a\n;CREATE ROLE pw_{T};\n--",
    "b\r;CREATE ROLE pw_{T};\r--",
    "c\\';CREATE ROLE pw_{T};--",
    "d';CREATE ROLE pw_{T};--",
    "e\n\\! touch {M}/pw_{T}\n",
    "f\"; CREATE ROLE pw_{T}; --",
    "g\n\\connect postgres\nCREATE ROLE pw_{T};\n",
    "h$$;CREATE ROLE pw_{T};--$$",
    "i\\\\';CREATE ROLE pw_{T};--",
    "j\\\n\\gexec\n{T}",
];

/// Global objects, run in `postgres` (psql `\gexec` runs each generated
/// statement on its own, so CREATE DATABASE works).
const GLOBALS: &str = r#"
SELECT format('CREATE ROLE %I', 'r' || i || CASE WHEN mb THEN 'mb' ELSE replace(p, '{T}', 'r' || i) END) FROM pl ORDER BY i \gexec
SELECT format('COMMENT ON ROLE %I IS %L', 'r' || i || CASE WHEN mb THEN 'mb' ELSE replace(p, '{T}', 'r' || i) END,
              replace(p, '{T}', 'rc' || i)) FROM pl ORDER BY i \gexec
SELECT format('ALTER ROLE %I SET application_name = %L', 'r' || i || CASE WHEN mb THEN 'mb' ELSE replace(p, '{T}', 'r' || i) END,
              replace(p, '{T}', 'rs' || i)) FROM pl ORDER BY i \gexec
SELECT format('ALTER ROLE %I SET search_path = %L', 'r' || i || CASE WHEN mb THEN 'mb' ELSE replace(p, '{T}', 'r' || i) END,
              replace(p, '{T}', 'rp' || i)) FROM pl ORDER BY i \gexec
SELECT format('GRANT %I TO %I', 'r' || i || CASE WHEN mb THEN 'mb' ELSE replace(p, '{T}', 'r' || i) END,
              'r' || j || CASE WHEN qmb THEN 'mb' ELSE replace(q, '{T}', 'r' || j) END)
  FROM (SELECT i, p, mb, lead(i) OVER (ORDER BY i) j, lead(p) OVER (ORDER BY i) q,
               lead(mb) OVER (ORDER BY i) qmb FROM pl) s
 WHERE j IS NOT NULL \gexec
SELECT format('CREATE DATABASE %I', 'd' || i || CASE WHEN mb THEN 'mb' ELSE translate(replace(p, '{T}', 'd' || i), E'\n\r', '  ') END)
  FROM pl ORDER BY i \gexec
SELECT format('COMMENT ON DATABASE %I IS %L',
              'd' || i || CASE WHEN mb THEN 'mb' ELSE translate(replace(p, '{T}', 'd' || i), E'\n\r', '  ') END,
              replace(p, '{T}', 'dc' || i)) FROM pl ORDER BY i \gexec
SELECT format('ALTER DATABASE %I SET application_name = %L',
              'd' || i || CASE WHEN mb THEN 'mb' ELSE translate(replace(p, '{T}', 'd' || i), E'\n\r', '  ') END,
              replace(p, '{T}', 'ds' || i)) FROM pl ORDER BY i \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO %I',
              'd' || i || CASE WHEN mb THEN 'mb' ELSE translate(replace(p, '{T}', 'd' || i), E'\n\r', '  ') END,
              'r' || i || CASE WHEN mb THEN 'mb' ELSE replace(p, '{T}', 'r' || i) END) FROM pl ORDER BY i \gexec
SELECT format('CREATE DATABASE corpus OWNER %I', 'r1' || replace(p, '{T}', 'r1')) FROM pl WHERE i = 1 \gexec
"#;

/// Objects of one database, owned by the hostile roles.
const DATABASE: &str = r#"
CREATE FUNCTION public.trg() RETURNS trigger LANGUAGE plpgsql AS $f$BEGIN RETURN NEW; END$f$;
CREATE FUNCTION public.evt() RETURNS event_trigger LANGUAGE plpgsql AS $f$BEGIN END$f$;
SELECT format('CREATE SCHEMA %I AUTHORIZATION %I', 's' || i || replace(p, '{T}', 's' || i),
              'r' || i || CASE WHEN mb THEN 'mb' ELSE replace(p, '{T}', 'r' || i) END) FROM pl ORDER BY i \gexec
SELECT format('COMMENT ON SCHEMA %I IS %L', 's' || i || replace(p, '{T}', 's' || i),
              replace(p, '{T}', 'sc' || i)) FROM pl ORDER BY i \gexec
SELECT format('CREATE TYPE %I.%I AS ENUM (%L, %L)', 's' || i || replace(p, '{T}', 's' || i),
              'e' || i || replace(p, '{T}', 'e' || i), replace(p, '{T}', 'el' || i), 'ok')
  FROM pl ORDER BY i \gexec
SELECT format('CREATE DOMAIN %I.%I AS text DEFAULT %L CONSTRAINT %I CHECK (VALUE <> %L)',
              's' || i || replace(p, '{T}', 's' || i), 'o' || i || replace(p, '{T}', 'o' || i),
              replace(p, '{T}', 'od' || i), 'k' || i || replace(p, '{T}', 'k' || i),
              'never' || replace(p, '{T}', 'ok' || i)) FROM pl ORDER BY i \gexec
SELECT format('CREATE TABLE %1$I.%2$I (id serial PRIMARY KEY, %3$I text DEFAULT %4$L
                 CONSTRAINT %5$I CHECK (%3$I <> %6$L), kind %1$I.%7$I)',
              's' || i || replace(p, '{T}', 's' || i), 't' || i || replace(p, '{T}', 't' || i),
              'c' || i || replace(p, '{T}', 'c' || i), replace(p, '{T}', 'td' || i),
              'k' || i || replace(p, '{T}', 'tk' || i), 'never' || replace(p, '{T}', 'tv' || i),
              'e' || i || replace(p, '{T}', 'e' || i)) FROM pl ORDER BY i \gexec
SELECT format('COMMENT ON TABLE %I.%I IS %L', 's' || i || replace(p, '{T}', 's' || i),
              't' || i || replace(p, '{T}', 't' || i), replace(p, '{T}', 'tc' || i))
  FROM pl ORDER BY i \gexec
SELECT format('COMMENT ON COLUMN %I.%I.%I IS %L', 's' || i || replace(p, '{T}', 's' || i),
              't' || i || replace(p, '{T}', 't' || i), 'c' || i || replace(p, '{T}', 'c' || i),
              replace(p, '{T}', 'cc' || i)) FROM pl ORDER BY i \gexec
SELECT format('COMMENT ON CONSTRAINT %I ON %I.%I IS %L', 'k' || i || replace(p, '{T}', 'tk' || i),
              's' || i || replace(p, '{T}', 's' || i), 't' || i || replace(p, '{T}', 't' || i),
              replace(p, '{T}', 'kc' || i)) FROM pl ORDER BY i \gexec
SELECT format('CREATE INDEX %I ON %I.%I (%I)', 'x' || i || replace(p, '{T}', 'x' || i),
              's' || i || replace(p, '{T}', 's' || i), 't' || i || replace(p, '{T}', 't' || i),
              'c' || i || replace(p, '{T}', 'c' || i)) FROM pl ORDER BY i \gexec
SELECT format('INSERT INTO %I.%I (%I, kind) VALUES (%L, %L), (%L, %L)',
              's' || i || replace(p, '{T}', 's' || i), 't' || i || replace(p, '{T}', 't' || i),
              'c' || i || replace(p, '{T}', 'c' || i), replace(p, '{T}', 'dv' || i),
              replace(p, '{T}', 'el' || i), replace(p, '{T}', 'dw' || i), 'ok')
  FROM pl ORDER BY i \gexec
SELECT format('ALTER TABLE %I.%I OWNER TO %I', 's' || i || replace(p, '{T}', 's' || i),
              't' || i || replace(p, '{T}', 't' || i), 'r' || i || CASE WHEN mb THEN 'mb' ELSE replace(p, '{T}', 'r' || i) END)
  FROM pl ORDER BY i \gexec
SELECT format('GRANT SELECT (%I), UPDATE ON %I.%I TO %I', 'c' || i || replace(p, '{T}', 'c' || i),
              's' || i || replace(p, '{T}', 's' || i), 't' || i || replace(p, '{T}', 't' || i),
              'r' || j || CASE WHEN qmb THEN 'mb' ELSE replace(q, '{T}', 'r' || j) END)
  FROM (SELECT i, p, mb, lead(i, 1, 1) OVER (ORDER BY i) j,
               lead(p, 1, (SELECT p FROM pl WHERE i = 1)) OVER (ORDER BY i) q,
               lead(mb, 1, false) OVER (ORDER BY i) qmb FROM pl) s \gexec
SELECT format('CREATE TRIGGER %I BEFORE INSERT ON %I.%I FOR EACH ROW EXECUTE FUNCTION public.trg()',
              'g' || i || replace(p, '{T}', 'g' || i), 's' || i || replace(p, '{T}', 's' || i),
              't' || i || replace(p, '{T}', 't' || i)) FROM pl ORDER BY i \gexec
SELECT format('CREATE POLICY %I ON %I.%I USING (%I <> %L)', 'y' || i || replace(p, '{T}', 'y' || i),
              's' || i || replace(p, '{T}', 's' || i), 't' || i || replace(p, '{T}', 't' || i),
              'c' || i || replace(p, '{T}', 'c' || i), replace(p, '{T}', 'yv' || i))
  FROM pl ORDER BY i \gexec
SELECT format('CREATE TABLE %1$I.%2$I (k %1$I.%3$I, v text) PARTITION BY HASH (k)',
              's' || i || replace(p, '{T}', 's' || i), 'p' || i || replace(p, '{T}', 'p' || i),
              'e' || i || replace(p, '{T}', 'e' || i)) FROM pl ORDER BY i \gexec
SELECT format('CREATE TABLE %1$I.%2$I PARTITION OF %1$I.%3$I FOR VALUES WITH (MODULUS 2, REMAINDER %4$s)',
              's' || i || replace(p, '{T}', 's' || i), 'p' || i || '_' || r,
              'p' || i || replace(p, '{T}', 'p' || i), r)
  FROM pl, generate_series(0, 1) r ORDER BY i, r \gexec
SELECT format('INSERT INTO %1$I.%2$I SELECT k, %3$L FROM unnest(enum_range(NULL::%1$I.%4$I)) k',
              's' || i || replace(p, '{T}', 's' || i), 'p' || i || replace(p, '{T}', 'p' || i),
              replace(p, '{T}', 'pv' || i), 'e' || i || replace(p, '{T}', 'e' || i))
  FROM pl ORDER BY i \gexec
SELECT format('CREATE FUNCTION %I.%I() RETURNS text LANGUAGE sql SET application_name = %L AS %L',
              's' || i || replace(p, '{T}', 's' || i), 'f' || i || replace(p, '{T}', 'f' || i),
              CASE WHEN mb THEN 'mb' ELSE replace(p, '{T}', 'fs' || i) END, 'SELECT ' || quote_literal(replace(p, '{T}', 'fb' || i)))
  FROM pl ORDER BY i \gexec
SELECT format('COMMENT ON FUNCTION %I.%I() IS %L', 's' || i || replace(p, '{T}', 's' || i),
              'f' || i || replace(p, '{T}', 'f' || i), replace(p, '{T}', 'fc' || i))
  FROM pl ORDER BY i \gexec
SELECT format('CREATE VIEW %I.%I AS SELECT %L::text AS %I', 's' || i || replace(p, '{T}', 's' || i),
              'v' || i || replace(p, '{T}', 'v' || i), replace(p, '{T}', 'vv' || i),
              'c' || i || replace(p, '{T}', 'vc' || i)) FROM pl ORDER BY i \gexec
SELECT format('CREATE SEQUENCE %I.%I', 's' || i || replace(p, '{T}', 's' || i),
              'q' || i || replace(p, '{T}', 'q' || i)) FROM pl ORDER BY i \gexec
SELECT format('SELECT setval(%L, 7)', format('%I.%I', 's' || i || replace(p, '{T}', 's' || i),
              'q' || i || replace(p, '{T}', 'q' || i))) FROM pl ORDER BY i \gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I GRANT SELECT ON TABLES TO %I',
              'r' || i || CASE WHEN mb THEN 'mb' ELSE replace(p, '{T}', 'r' || i) END, 's' || i || replace(p, '{T}', 's' || i),
              'r' || i || CASE WHEN mb THEN 'mb' ELSE replace(p, '{T}', 'r' || i) END) FROM pl ORDER BY i \gexec
SELECT format('CREATE EVENT TRIGGER %I ON ddl_command_end EXECUTE FUNCTION public.evt()',
              'w' || i || replace(p, '{T}', 'w' || i)) FROM pl ORDER BY i \gexec
SELECT format('COMMENT ON LARGE OBJECT %s IS %L', lo_from_bytea(0, convert_to(p, 'UTF8')),
              replace(p, '{T}', 'lc' || i)) FROM pl ORDER BY i \gexec
ANALYZE;
"#;

/// The kinds added after the first corpus (operators and their classes
/// and families, collations, conversions, text search objects, foreign
/// data wrappers, servers, user mappings and foreign tables with their
/// options, extended statistics, rules, publications, subscriptions):
/// hostile names, comments and option values, owned by the hostile roles.
/// (Dictionary options are not among them: every built-in template checks
/// its options' names and values.)
/// `S`, `R` and `X('tag')` are shorthands (see [`expand`]).
const NEWER_KINDS: &str = r#"
SELECT format('CREATE COLLATION %I.%I (locale = ''C'')', S, 'l' || X('l')) FROM pl ORDER BY i \gexec
SELECT format('COMMENT ON COLLATION %I.%I IS %L', S, 'l' || X('l'), X('lc')) FROM pl ORDER BY i \gexec
SELECT format('ALTER COLLATION %I.%I OWNER TO %I', S, 'l' || X('l'), R) FROM pl ORDER BY i \gexec
SELECT format('CREATE CONVERSION %I.%I FOR ''LATIN1'' TO ''UTF8'' FROM pg_catalog.iso8859_1_to_utf8', S, 'n' || X('n')) FROM pl ORDER BY i \gexec
SELECT format('COMMENT ON CONVERSION %I.%I IS %L', S, 'n' || X('n'), X('nc')) FROM pl ORDER BY i \gexec
SELECT format('CREATE OPERATOR %I.=== (LEFTARG = int4, RIGHTARG = int4, FUNCTION = pg_catalog.int4eq)', S) FROM pl ORDER BY i \gexec
SELECT format('COMMENT ON OPERATOR %I.=== (int4, int4) IS %L', S, X('oc')) FROM pl ORDER BY i \gexec
SELECT format('ALTER OPERATOR %I.=== (int4, int4) OWNER TO %I', S, R) FROM pl ORDER BY i \gexec
SELECT format('CREATE OPERATOR FAMILY %I.%I USING btree', S, 'a' || X('a')) FROM pl ORDER BY i \gexec
SELECT format('COMMENT ON OPERATOR FAMILY %I.%I USING btree IS %L', S, 'a' || X('a'), X('ac')) FROM pl ORDER BY i \gexec
SELECT format('CREATE OPERATOR CLASS %I.%I FOR TYPE int4 USING btree FAMILY %I.%I AS
                 OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >,
                 FUNCTION 1 pg_catalog.btint4cmp(int4, int4)', S, 'b' || X('b'), S, 'a' || X('a')) FROM pl ORDER BY i \gexec
SELECT format('COMMENT ON OPERATOR CLASS %I.%I USING btree IS %L', S, 'b' || X('b'), X('bc')) FROM pl ORDER BY i \gexec
SELECT format('CREATE TEXT SEARCH TEMPLATE %I.%I (LEXIZE = pg_catalog.dsimple_lexize)', S, 'u' || X('u')) FROM pl ORDER BY i \gexec
SELECT format('COMMENT ON TEXT SEARCH TEMPLATE %I.%I IS %L', S, 'u' || X('u'), X('uc')) FROM pl ORDER BY i \gexec
SELECT format('CREATE TEXT SEARCH DICTIONARY %I.%I (TEMPLATE = pg_catalog.simple, accept = false)', S, 'z' || X('z')) FROM pl ORDER BY i \gexec
SELECT format('COMMENT ON TEXT SEARCH DICTIONARY %I.%I IS %L', S, 'z' || X('z'), X('zc')) FROM pl ORDER BY i \gexec
SELECT format('ALTER TEXT SEARCH DICTIONARY %I.%I OWNER TO %I', S, 'z' || X('z'), R) FROM pl ORDER BY i \gexec
SELECT format('CREATE TEXT SEARCH CONFIGURATION %I.%I (PARSER = pg_catalog."default")', S, 'm' || X('m')) FROM pl ORDER BY i \gexec
SELECT format('ALTER TEXT SEARCH CONFIGURATION %I.%I ADD MAPPING FOR word WITH %I.%I', S, 'm' || X('m'), S, 'z' || X('z')) FROM pl ORDER BY i \gexec
SELECT format('COMMENT ON TEXT SEARCH CONFIGURATION %I.%I IS %L', S, 'm' || X('m'), X('mc')) FROM pl ORDER BY i \gexec
SELECT format('CREATE FOREIGN DATA WRAPPER %I OPTIONS (opt %L)', 'h' || X('h'), X('ho')) FROM pl ORDER BY i \gexec
SELECT format('COMMENT ON FOREIGN DATA WRAPPER %I IS %L', 'h' || X('h'), X('hc')) FROM pl ORDER BY i \gexec
SELECT format('GRANT USAGE ON FOREIGN DATA WRAPPER %I TO %I', 'h' || X('h'), R) FROM pl ORDER BY i \gexec
SELECT format('CREATE SERVER %I FOREIGN DATA WRAPPER %I OPTIONS (host %L)', 'v' || X('v'), 'h' || X('h'), X('vo')) FROM pl ORDER BY i \gexec
SELECT format('COMMENT ON SERVER %I IS %L', 'v' || X('v'), X('vc')) FROM pl ORDER BY i \gexec
SELECT format('ALTER SERVER %I OWNER TO %I', 'v' || X('v'), R) FROM pl ORDER BY i \gexec
SELECT format('CREATE USER MAPPING FOR %I SERVER %I OPTIONS (password %L)', R, 'v' || X('v'), X('mo')) FROM pl ORDER BY i \gexec
SELECT format('CREATE FOREIGN TABLE %I.%I (%I text OPTIONS (col %L)) SERVER %I OPTIONS (tab %L)',
              S, 'ft' || X('ft'), 'c' || X('fc'), X('fco'), 'v' || X('v'), X('fto')) FROM pl ORDER BY i \gexec
SELECT format('ALTER FOREIGN TABLE %I.%I OWNER TO %I', S, 'ft' || X('ft'), R) FROM pl ORDER BY i \gexec
SELECT format('CREATE STATISTICS %I.%I ON id, kind FROM %I.%I', S, 'st' || X('st'), S, 't' || i || X('t')) FROM pl ORDER BY i \gexec
SELECT format('COMMENT ON STATISTICS %I.%I IS %L', S, 'st' || X('st'), X('stc')) FROM pl ORDER BY i \gexec
SELECT format('CREATE RULE %I AS ON UPDATE TO %I.%I DO ALSO NOTIFY %I', 'ru' || X('ru'), S, 't' || i || X('t'), 'ch' || X('ch')) FROM pl ORDER BY i \gexec
SELECT format('COMMENT ON RULE %I ON %I.%I IS %L', 'ru' || X('ru'), S, 't' || i || X('t'), X('ruc')) FROM pl ORDER BY i \gexec
SELECT format('CREATE PUBLICATION %I FOR TABLE %I.%I', 'pb' || X('pb'), S, 't' || i || X('t')) FROM pl ORDER BY i \gexec
SELECT format('COMMENT ON PUBLICATION %I IS %L', 'pb' || X('pb'), X('pbc')) FROM pl ORDER BY i \gexec
SELECT format('CREATE SUBSCRIPTION %I CONNECTION %L PUBLICATION %I WITH (connect = false, slot_name = NONE, enabled = false)',
              'sb' || X('sb'), 'dbname=''' || replace(replace(X('sbd'), '\', '\\'), '''', '\''') || '''',
              CASE WHEN mb THEN 'pbmb' ELSE 'pb' || X('pb') END)
  FROM pl ORDER BY i \gexec
SELECT format('COMMENT ON SUBSCRIPTION %I IS %L', 'sb' || X('sb'), X('sbc')) FROM pl ORDER BY i \gexec
"#;

/// Spells out [`NEWER_KINDS`]' shorthands: `S` the payload's schema, `R`
/// its owner role, `X('tag')` the payload tagged with a place.
fn expand(sql: &str) -> String {
    let role = "'r' || i || CASE WHEN mb THEN 'mb' ELSE replace(p, '{T}', 'r' || i) END";
    let mut out = String::new();
    let mut rest = sql;
    while let Some(at) = rest.find("X('") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 3..];
        let end = after.find("')").expect("X('tag') is closed");
        out.push_str(&format!("replace(p, '{{T}}', '{}' || i)", &after[..end]));
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out.replace(" S,", " 's' || i || replace(p, '{T}', 's' || i),")
        .replace(" S)", " 's' || i || replace(p, '{T}', 's' || i))")
        .replace(" R)", &format!(" {role})"))
        .replace(" R,", &format!(" {role},"))
}

/// The payload table, created in every session that builds objects.
///
/// Multibyte payloads (`mb`) stay out of three places: role names, which
/// pg_dump 18.6 mangles where it parses ACL arrays byte by byte (the 0x5C
/// byte read as an escape); database names, which
/// are not valid UTF-8 in the dump's client encoding and so cannot be
/// connected to by name (pg_dumpall fails there too, differently), and
/// function SET clauses, whose array pg_dump 18.6 parses byte by byte and
/// fails on ("could not parse proconfig array") where we dump them; for
/// the same reason, a subscription's publication names ("could not parse
/// subpublications array").
fn payload_table(payloads: &[String], multibyte: &[String], markers: &Path) -> String {
    let mut sql = String::from("CREATE TEMP TABLE pl (i int, p text, mb bool);\n");
    let plain = payloads.iter().map(|p| (p, false));
    let all = plain.chain(multibyte.iter().map(|p| (p, true)));
    for (i, (p, mb)) in all.enumerate() {
        let p = p.replace("{M}", markers.to_str().expect("UTF-8 marker path"));
        assert!(!p.contains("$pl$"));
        sql.push_str(&format!(
            "INSERT INTO pl VALUES ({}, $pl${p}$pl$, {mb});\n",
            i + 1
        ));
    }
    sql
}

/// Builds the corpus; `extra` adds payloads (multibyte ones).
fn build(cluster: &Cluster, extra: &[String], markers: &Path) {
    let payloads: Vec<String> = PAYLOADS.iter().map(|p| p.to_string()).collect();
    let table = payload_table(&payloads, extra, markers);
    cluster.psql("postgres", &format!("{table}{GLOBALS}"));
    let database = format!("{DATABASE}{}", expand(NEWER_KINDS));
    cluster.psql("corpus", &format!("{table}{database}"));
    // The same objects under standard_conforming_strings = off.
    cluster.psql(
        "postgres",
        "CREATE DATABASE corpus_off; \
         ALTER DATABASE corpus_off SET standard_conforming_strings = off;",
    );
    cluster.psql(
        "corpus_off",
        &format!("SET standard_conforming_strings = on;\n{table}{database}"),
    );
}

/// Our dump equals the reference's (or fails as it fails, then None).
fn check(cluster: &Cluster, args: &[&str]) -> Option<Vec<u8>> {
    let args = with_restrict_key(args);
    let context = format!("{} {}", cluster.version(), args.join(" "));
    let reference = run_reference(cluster, &args);
    let ours = run_ours(cluster, &args);
    if !reference.status.success() {
        assert_eq!(
            ours.status.code(),
            reference.status.code(),
            "{context}: the reference failed with\n{}",
            lossy(&reference.stderr)
        );
        // The first line, without the program name.
        let first = |o: &std::process::Output| {
            let text = lossy(&o.stderr);
            let line = text.lines().next().unwrap_or_default().to_owned();
            line.split_once(": ").map(|(_, rest)| rest.to_owned())
        };
        assert_eq!(first(&ours), first(&reference), "{context}");
        return None;
    }
    assert_success(&ours, &format!("ours {context}"));
    assert_same_dump(&ours.stdout, &reference.stdout, &context);
    Some(ours.stdout)
}

/// [`check`], then restores ours as superuser into a fresh cluster: none
/// of the attacker's statements may run. Returns whether the reference
/// dumped.
fn check_and_restore(cluster: &Cluster, args: &[&str], markers: &Path) -> bool {
    let Some(ours) = check(cluster, args) else {
        return false;
    };
    let found = restore_and_find_escalations(cluster.version(), &ours, markers);
    assert!(
        found.is_empty(),
        "{} {args:?}: restoring our dump ran the attacker's statements: {found:?}",
        cluster.version()
    );
    true
}

fn marker_dir() -> tempfile::TempDir {
    // Short, so that payloads naming it fit in 63-byte identifiers.
    tempfile::Builder::new()
        .prefix("pw")
        .tempdir_in("/tmp")
        .expect("marker dir")
}

cluster_test!(
    corpus_matches_the_reference_and_restores_safely,
    |version| {
        let cluster = Cluster::start(version);
        let markers = marker_dir();
        build(&cluster, &[], markers.path());
        let restored: &[&[&str]] = &[
            &[],
            &["-c", "--if-exists"],
            &[
                "--inserts",
                "--use-set-session-authorization",
                "--disable-dollar-quoting",
            ],
        ];
        for args in restored {
            assert!(check_and_restore(&cluster, args, markers.path()));
        }
        let compared: &[&[&str]] = &[
            &[
                "--column-inserts",
                "--rows-per-insert=2",
                "--on-conflict-do-nothing",
            ],
            &["--statistics"],
            &["--quote-all-identifiers"],
            &["-O", "-x", "--no-comments"],
            &["--load-via-partition-root"],
            &["-g"],
        ];
        for args in compared {
            assert!(check(&cluster, args).is_some());
        }
        include_config_restores_safely(&cluster, markers.path());
    }
);

/// `--include-config` (ours alone: pg_dumpall has no such option) prints
/// the server's settings as comments: hostile ALTER SYSTEM values (the
/// server refuses newlines there) must run nothing when restored.
fn include_config_restores_safely(cluster: &Cluster, markers: &Path) {
    // String settings without a check that would refuse the payloads
    // (custom placeholders need PostgreSQL 17 for ALTER SYSTEM).
    const SETTINGS: &[&str] = &[
        "log_line_prefix",
        "application_name",
        "cluster_name",
        "unix_socket_group",
        "krb_server_keyfile",
    ];
    let mut sql = String::new();
    let usable = PAYLOADS
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.contains(['\n', '\r']));
    for ((i, p), setting) in usable.zip(SETTINGS) {
        let value = p
            .replace("{T}", &format!("cfg{i}"))
            .replace("{M}", &markers.display().to_string());
        let quoted = format!("'{}'", value.replace('\'', "''"));
        sql.push_str(&format!("ALTER SYSTEM SET {setting} = {quoted};\n"));
    }
    sql.push_str("SELECT pg_catalog.pg_reload_conf();\n");
    cluster.psql("postgres", &sql);
    let out = run_ours(cluster, &with_restrict_key(&["-g", "--include-config"]));
    assert_success(&out, "ours -g --include-config");
    assert!(
        lossy(&out.stdout).contains("pw_cfg3"),
        "the hostile settings are not in the dump"
    );
    let found = restore_and_find_escalations(cluster.version(), &out.stdout, markers);
    assert!(
        found.is_empty(),
        "{} --include-config: restoring our dump ran the attacker's statements: {found:?}",
        cluster.version()
    );
}

/// Every encoding pg_dumpall accepts for -E (the server's list of client
/// encodings).
fn client_encodings(cluster: &Cluster) -> Vec<String> {
    let list = cluster.query(
        "postgres",
        "SELECT e FROM (SELECT pg_catalog.pg_encoding_to_char(i) AS e \
           FROM generate_series(0, 63) i) s WHERE e <> '' ORDER BY 1",
    );
    list.lines().map(str::to_owned).collect()
}

#[test]
fn corpus_in_every_client_encoding() {
    // The escaping is the client's; one server version is enough.
    run_versioned("corpus_in_every_client_encoding", "18", |version| {
        let cluster = Cluster::start(version);
        let markers = marker_dir();
        build(&cluster, &[], markers.path());
        let encodings = client_encodings(&cluster);
        assert!(encodings.len() >= 40, "{encodings:?}");
        let single_byte = cluster.query(
            "postgres",
            "SELECT e FROM (SELECT pg_catalog.pg_encoding_to_char(i) AS e \
               FROM generate_series(0, 63) i) s \
             WHERE e <> '' AND e <> 'SQL_ASCII' \
               AND pg_catalog.pg_encoding_max_length(pg_catalog.pg_char_to_encoding(e)) = 1",
        );
        let single_byte: Vec<&str> = single_byte.lines().collect();
        assert!(
            single_byte.contains(&"LATIN1") && single_byte.len() > 20,
            "{single_byte:?}"
        );
        // `-c --if-exists` dumps drop what the previous one created, so
        // one target cluster takes the restores in turn. The single-byte
        // encodings all escape alike (the payloads are ASCII): their dumps
        // must equal LATIN1's but for the encoding's name, and only
        // LATIN1's is restored.
        let target = Cluster::start(version);
        let mut encodings = encodings;
        encodings.sort_by_key(|e| e != "LATIN1");
        let mut latin1: Option<Vec<u8>> = None;
        let mut dumped = 0;
        for encoding in &encodings {
            // The hostile database names are left out here (each costs a
            // pg_dump run of the reference): the option-set test has them.
            let args = ["-c", "--if-exists", "--exclude-database=d*", "-E", encoding];
            let Some(ours) = check(&cluster, &args) else {
                continue;
            };
            dumped += 1;
            if single_byte.contains(&encoding.as_str()) && encoding != "LATIN1" {
                let named = |d: &[u8], e: &str| {
                    lossy(d).replace(&format!("client_encoding = '{e}'"), "client_encoding = 'X'")
                };
                let base = latin1.as_deref().expect("LATIN1 comes first");
                assert_eq!(
                    named(&ours, encoding),
                    named(base, "LATIN1"),
                    "-E {encoding}"
                );
                continue;
            }
            if encoding == "LATIN1" {
                latin1 = Some(ours.clone());
            }
            let found = restore_into_and_find_escalations(&target, &ours, markers.path());
            assert!(
                found.is_empty(),
                "-E {encoding}: restoring our dump ran the attacker's statements: {found:?}"
            );
        }
        // All but the encodings with no conversion from UTF8.
        assert!(
            dumped >= encodings.len() - 2,
            "only {dumped} encodings dumped"
        );
    });
}

#[test]
fn corpus_with_multibyte_characters_ending_in_a_backslash() {
    run_versioned("corpus_with_multibyte_characters", "18", |version| {
        for (encoding, character) in [
            ("SJIS", "ソ"),
            ("SHIFT_JIS_2004", "表"),
            ("BIG5", "功"),
            ("GBK", "乗"),
            ("GB18030", "乗"),
            ("JOHAB", "ヌ"),
        ] {
            let cluster = Cluster::start(version);
            let ends = cluster.query(
                "postgres",
                &format!(
                    "SELECT get_byte(b, length(b) - 1) = 92 \
                     FROM convert_to('{character}', '{encoding}') b"
                ),
            );
            assert_eq!(ends, "t", "{character} in {encoding} must end in 0x5C");
            let markers = marker_dir();
            let extra: Vec<String> = [
                "{C}';CREATE ROLE pw_{T};--",
                "{C}\\';CREATE ROLE pw_{T};--",
                "{C}\"; CREATE ROLE pw_{T}; --",
            ]
            .iter()
            .map(|p| p.replace("{C}", character))
            .collect();
            build(&cluster, &extra, markers.path());
            // pg_dump 18.6 reads JOHAB's 0x5C-ending characters as
            // malformed, replaces them in object names and then fails on
            // its own queries; only the global part dumps in JOHAB.
            let option_sets: &[&[&str]] = if encoding == "JOHAB" {
                &[&["-g", "-E", encoding]]
            } else {
                &[&["-E", encoding], &["-E", encoding, "--inserts"]]
            };
            for args in option_sets {
                assert!(
                    check_and_restore(&cluster, args, markers.path()),
                    "{args:?}"
                );
            }
        }
    });
}
