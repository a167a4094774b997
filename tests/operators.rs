//! Differential tests of operators, operator classes and families and
//! access methods (tests/fixtures/operators.sql).

mod support;

use support::*;

const OPTION_SETS: &[&[&str]] = &[
    &[],
    &["-s"],
    &["-a"],
    &["-c", "--if-exists"],
    &["-O", "-x"],
    &["--quote-all-identifiers"],
    &["--no-table-access-method"],
    &["--use-set-session-authorization"],
];

fn load(cluster: &Cluster) {
    cluster.psql_file("postgres", &fixture("operators.sql"));
}

cluster_test!(operators_match_reference, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    // (Not in the round trip: its restored clusters are dumped at moments
    // autovacuum may tell apart, and these members' order follows the
    // catalogs' statistics.)
    cluster.psql_file("opdb", &fixture("operators_ties.sql"));
    for args in OPTION_SETS {
        assert_matches_reference(&cluster, args);
    }
    // -v: dump ids count every operator, class and family, system ones
    // included.
    assert_verbose_matches_reference(&cluster, &[]);
});

cluster_test!(operators_restore_like_the_reference, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    let (ours, reference) = assert_restores_like_reference(&cluster, &[]);
    assert_same_dump(&ours.stdout, &reference.stdout, version);
});

/// `count` operators (named `@` and their number's digits spelt in
/// operator characters), operator classes (each with its family) and
/// table access methods.
fn many_objects(count: usize) -> String {
    format!(
        "CREATE SCHEMA m;\n\
         DO $$ DECLARE op text; BEGIN FOR i IN 1..{count} LOOP\n\
           op := '@' || translate(i::text, '0123456789', '#%^&|`?<>=');\n\
           EXECUTE format('CREATE FUNCTION m.f%s(integer, integer) RETURNS boolean LANGUAGE internal IMMUTABLE STRICT AS ''int4lt''', i);\n\
           EXECUTE format('CREATE OPERATOR m.%s (LEFTARG = integer, RIGHTARG = integer, FUNCTION = m.f%s, COMMUTATOR = OPERATOR(m.%s))', op, i, op);\n\
           EXECUTE format('CREATE OPERATOR CLASS m.c%s FOR TYPE integer USING btree AS OPERATOR 1 <, OPERATOR 3 =, FUNCTION 1 btint4cmp(integer, integer)', i);\n\
           EXECUTE format('CREATE ACCESS METHOD am%s TYPE TABLE HANDLER heap_tableam_handler', i);\n\
           EXECUTE format('COMMENT ON OPERATOR m.%s (integer, integer) IS ''c''', op);\n\
         END LOOP; END $$;\n"
    )
}

// Catalog reads stay bulk: a database with ten times as many operators,
// classes, families and access methods costs no more statements.
cluster_test!(operators_are_read_in_bulk, |version| {
    let mut cluster = Cluster::start(version);
    cluster.psql("postgres", "CREATE DATABASE few; CREATE DATABASE many;");
    cluster.psql("few", &many_objects(10));
    cluster.psql("many", &many_objects(100));
    let log = our_logged_statements(&mut cluster, &[], version);
    let few = statement_counts(&log, "few").0;
    assert!(few > 0, "no statement of database few in the server log");
    assert_eq!(
        few,
        statement_counts(&log, "many").0,
        "statements per database"
    );
});
