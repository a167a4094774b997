//! The census (src/catalog/census.rs): a database's readers of rarely
//! used families are not asked when one query says the family is absent.
//!
//! Each database below holds one family's object and nothing else of the
//! families the census answers for, so that a probe that misses its
//! family (says "absent" where the reader would return a row) drops that
//! object from our dump and the byte comparison with the reference fails.
//! The server's statement log then shows that a database without any of
//! them is not asked for them.

mod support;

use support::*;

/// (database, SQL creating its one object).
const ONE_OF_EACH: &[(&str, &str)] = &[
    ("fresh", ""),
    (
        "op_only",
        "CREATE FUNCTION f_eq(int, int) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT $1 = $2'; \
         CREATE OPERATOR === (LEFTARG = int, RIGHTARG = int, FUNCTION = f_eq);",
    ),
    ("opfamily_only", "CREATE OPERATOR FAMILY fam USING btree;"),
    (
        "opclass_only",
        "CREATE OPERATOR CLASS my_int4_ops FOR TYPE int4 USING hash AS \
         OPERATOR 1 =, FUNCTION 1 hashint4(int4);",
    ),
    ("am_only", "CREATE ACCESS METHOD myam TYPE INDEX HANDLER bthandler;"),
    ("fdw_only", "CREATE FOREIGN DATA WRAPPER w;"),
    (
        "server_only",
        "CREATE FOREIGN DATA WRAPPER w; CREATE SERVER s FOREIGN DATA WRAPPER w; \
         CREATE USER MAPPING FOR PUBLIC SERVER s OPTIONS (k 'v');",
    ),
    ("collation_only", "CREATE COLLATION c1 (provider = libc, locale = 'C');"),
    (
        "conversion_only",
        "CREATE CONVERSION myconv FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8;",
    ),
    (
        "cast_only",
        "CREATE TYPE mood AS ENUM ('sad', 'ok'); CREATE CAST (mood AS int4) WITH INOUT;",
    ),
    (
        "transform_only",
        "CREATE FUNCTION tr_from(internal) RETURNS internal LANGUAGE internal IMMUTABLE STRICT AS 'int4recv'; \
         CREATE TRANSFORM FOR integer LANGUAGE sql (FROM SQL WITH FUNCTION tr_from(internal));",
    ),
    (
        "rule_only",
        "CREATE TABLE t (a int); CREATE RULE r AS ON INSERT TO t DO INSTEAD NOTHING;",
    ),
    ("view_only", "CREATE VIEW v AS SELECT 1 AS x;"),
    ("matview_only", "CREATE MATERIALIZED VIEW mv AS SELECT 1 AS x;"),
    (
        "system_view_column_acl",
        "GRANT SELECT (rolname) ON pg_catalog.pg_roles TO PUBLIC;",
    ),
    (
        "trigger_only",
        "CREATE TABLE t (a int); \
         CREATE FUNCTION tf() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'; \
         CREATE TRIGGER tg BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION tf();",
    ),
    ("fk_only", "CREATE TABLE p (a int PRIMARY KEY); CREATE TABLE c (a int REFERENCES p);"),
    ("policy_only", "CREATE TABLE t (a int); CREATE POLICY p ON t USING (a > 0);"),
    (
        "row_security_only",
        "CREATE TABLE t (a int); ALTER TABLE t ENABLE ROW LEVEL SECURITY;",
    ),
    ("sequence_only", "CREATE SEQUENCE s; SELECT pg_catalog.setval('s', 42);"),
    (
        "ts_config_only",
        "CREATE TEXT SEARCH CONFIGURATION cfg (COPY = pg_catalog.english);",
    ),
    (
        "event_trigger_only",
        "CREATE FUNCTION ef() RETURNS event_trigger LANGUAGE plpgsql AS 'BEGIN END'; \
         CREATE EVENT TRIGGER et ON ddl_command_start EXECUTE FUNCTION ef();",
    ),
    (
        "default_acl_only",
        "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC;",
    ),
    (
        "statistics_only",
        "CREATE TABLE t (a int, b int); CREATE STATISTICS st ON a, b FROM t;",
    ),
    (
        "large_object_only",
        "SELECT pg_catalog.lo_create(100); SELECT pg_catalog.lo_create(424242);",
    ),
    ("publication_only", "CREATE PUBLICATION pub;"),
    (
        "publication_table",
        "CREATE TABLE t (a int PRIMARY KEY); CREATE PUBLICATION pub FOR TABLE t;",
    ),
    (
        "aggregate_only",
        "CREATE AGGREGATE mysum(int4) (SFUNC = int4pl, STYPE = int4);",
    ),
    (
        "system_aggregate_acl",
        "REVOKE EXECUTE ON FUNCTION pg_catalog.max(int4) FROM PUBLIC;",
    ),
    (
        "foreign_table_only",
        "CREATE FOREIGN DATA WRAPPER w; CREATE SERVER s FOREIGN DATA WRAPPER w; \
         CREATE FOREIGN TABLE ft (a int) SERVER s OPTIONS (k 'v');",
    ),
    // pg_catalog routines whose privileges changed: the functions query
    // reads them through a pre-filter (privileges or initial privileges).
    (
        "system_function_acl",
        "REVOKE EXECUTE ON FUNCTION pg_catalog.now() FROM PUBLIC; \
         GRANT EXECUTE ON FUNCTION pg_catalog.pg_ls_dir(text) TO PUBLIC;",
    ),
    // Comments on objects initdb made: only the public schema's and a
    // large object's (any OID) print; the comments query reads no others.
    (
        "system_comments",
        "COMMENT ON FUNCTION pg_catalog.now() IS 'n'; COMMENT ON EXTENSION plpgsql IS 'e'; \
         COMMENT ON LANGUAGE plpgsql IS 'l'; COMMENT ON SCHEMA information_schema IS 'i'; \
         COMMENT ON TABLE pg_catalog.pg_class IS 'c'; COMMENT ON COLUMN pg_catalog.pg_class.relname IS 'r'; \
         COMMENT ON SCHEMA public IS 'p'; SELECT pg_catalog.lo_create(50); \
         COMMENT ON LARGE OBJECT 50 IS 'lo';",
    ),
    ("enum_only", "CREATE TYPE mood AS ENUM ('sad', 'ok');"),
    ("composite_only", "CREATE TYPE pair AS (a int, b text);"),
    ("range_only", "CREATE TYPE floatrange AS RANGE (subtype = float8);"),
    (
        "domain_only",
        "CREATE DOMAIN posint AS int CONSTRAINT pos CHECK (VALUE > 0) NOT NULL;",
    ),
    (
        "base_type_only",
        "CREATE TYPE myint; \
         CREATE FUNCTION myint_in(cstring) RETURNS myint LANGUAGE internal IMMUTABLE STRICT AS 'int4in'; \
         CREATE FUNCTION myint_out(myint) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'int4out'; \
         CREATE TYPE myint (INPUT = myint_in, OUTPUT = myint_out, LIKE = integer);",
    ),
];

/// Lines of the server's statement log that database `db` ran.
fn statements_of(log: &str, db: &str) -> Vec<String> {
    let prefix = format!("[{db}] ");
    log.lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .map(str::to_string)
        .collect()
}

cluster_test!(one_family_per_database_matches_reference, |version| {
    let cluster = Cluster::start(version);
    for (db, sql) in ONE_OF_EACH {
        cluster.psql("postgres", &format!("CREATE DATABASE {db}"));
        if !sql.is_empty() {
            cluster.psql(db, sql);
        }
    }
    if cluster.major() >= 15 {
        cluster.psql("postgres", "CREATE DATABASE publication_schema");
        cluster.psql(
            "publication_schema",
            "CREATE SCHEMA s; CREATE PUBLICATION pub FOR TABLES IN SCHEMA s;",
        );
    }
    for args in [&[][..], &["-c", "--if-exists"], &["-s"]] {
        assert_matches_reference(&cluster, args);
    }

    // Which statements each database was asked (ours only: the log is
    // read after our run alone).
    cluster.psql("postgres", "ALTER SYSTEM SET log_statement = 'all'");
    cluster.psql("postgres", "ALTER SYSTEM SET log_line_prefix = '[%d] '");
    cluster.reload();
    let before = cluster.server_log().len();
    let ours = run_ours(&cluster, &with_restrict_key(&[]));
    assert_success(&ours, "pgdumpall-rs");
    let log = cluster.server_log()[before..].to_string();
    let asks_operators = |db: &str| {
        statements_of(&log, db)
            .iter()
            .any(|s| s.contains("FROM pg_catalog.pg_operator o"))
    };
    assert!(
        asks_operators("op_only"),
        "op_only was not asked for operators"
    );
    for db in ["fresh", "cast_only", "view_only"] {
        assert!(!asks_operators(db), "{db} was asked for operators");
    }
    let fresh = statements_of(&log, "fresh");
    for asked in [
        "FROM pg_catalog.pg_trigger t",
        "FROM pg_catalog.pg_policy p",
        "FROM pg_catalog.pg_publication p",
        "FROM pg_catalog.pg_enum e",
        "FROM pg_catalog.pg_ts_config_map m",
        "FROM pg_catalog.pg_subscription s",
        "WHERE c.relrowsecurity",
        "pg_get_sequence_data",
        "JOIN pg_catalog.pg_aggregate a",
        "pg_catalog.pg_foreign_table ft",
        "LEFT JOIN pg_catalog.pg_depend d ON (c.relkind = 'S'",
        "co.collname, COALESCE(a.attstattarget, -1)::pg_catalog.int4, a.attstorage, t.typstorage",
    ] {
        assert!(
            !fresh.iter().any(|s| s.contains(asked)),
            "fresh was asked \"{asked}\""
        );
    }

    // A subscription (pg_subscription is shared: every database's census
    // then finds one).
    cluster.psql("postgres", "CREATE DATABASE subscription_only");
    cluster.psql(
        "subscription_only",
        "CREATE SUBSCRIPTION sub CONNECTION 'dbname=nowhere' PUBLICATION p \
         WITH (connect = false, slot_name = NONE)",
    );
    assert_matches_reference(&cluster, &[]);
});
