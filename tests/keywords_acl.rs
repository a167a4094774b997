//! Quoting and ACL diffing against real servers: the keyword list fmtId
//! quotes for (src/sql/keywords.rs) against each server's
//! `pg_get_keywords()`, and ACLs whose diffing pg_dump orders or abbreviates
//! (src/sql/acl.rs) against the reference pg_dumpall, byte for byte.

mod support;

use std::collections::BTreeSet;

use pgdumpall_rs::pg::keywords::NON_UNRESERVED_KEYWORDS;
use support::*;

/// Words that are not UNRESERVED in PostgreSQL 18 but are in `major` (or
/// are no keywords there at all): the SQL/JSON functions (16 added some
/// of them, 17 the rest), MERGE's merge_action (17) and SYSTEM_USER (16).
/// pg_dumpall 18.6 quotes with 18's list whatever the server's version, so
/// ours is 18's too. No keyword lost its category from 14 to 18.
fn newer_than(major: u32) -> BTreeSet<&'static str> {
    let mut words = BTreeSet::new();
    if major < 17 {
        words.extend([
            "json",
            "json_exists",
            "json_query",
            "json_scalar",
            "json_serialize",
            "json_table",
            "json_value",
            "merge_action",
        ]);
    }
    if major < 16 {
        words.extend([
            "json_array",
            "json_arrayagg",
            "json_object",
            "json_objectagg",
            "system_user",
        ]);
    }
    words
}

cluster_test!(keyword_list_is_the_servers, |version| {
    let cluster = Cluster::start(version);
    let server: BTreeSet<String> = cluster
        .query(
            "postgres",
            "SELECT word FROM pg_catalog.pg_get_keywords() WHERE catcode <> 'U' ORDER BY 1",
        )
        .lines()
        .map(str::to_owned)
        .collect();
    let ours: BTreeSet<String> = NON_UNRESERVED_KEYWORDS
        .iter()
        .map(|w| w.to_string())
        .collect();
    let expected_extra: BTreeSet<String> = newer_than(cluster.major())
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        server.difference(&ours).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "keywords PostgreSQL {version} quotes for that the list lacks"
    );
    assert_eq!(
        ours.difference(&server).cloned().collect::<BTreeSet<_>>(),
        expected_extra,
        "words of the list that PostgreSQL {version} does not quote for"
    );
});

/// Roles, a database and objects whose ACLs exercise the diffing: the
/// owner's item listed after another role's (the owner revoked and
/// regranted its own privileges), and database grants of two of the three
/// database privileges, with and without grant option.
const ACL_FIXTURE: &str = "\
CREATE ROLE acl_owner;
CREATE ROLE alice;
CREATE ROLE bob;
CREATE ROLE carol;
CREATE DATABASE acl_db OWNER acl_owner;
GRANT CREATE, CONNECT ON DATABASE acl_db TO bob;
REVOKE ALL ON DATABASE acl_db FROM acl_owner;
GRANT TEMPORARY ON DATABASE acl_db TO alice;
GRANT CONNECT, TEMPORARY ON DATABASE acl_db TO acl_owner;
GRANT CREATE ON DATABASE acl_db TO carol WITH GRANT OPTION;
GRANT CONNECT ON DATABASE acl_db TO carol;
CREATE DATABASE acl_db2 OWNER acl_owner;
GRANT CONNECT, TEMPORARY ON DATABASE acl_db2 TO bob WITH GRANT OPTION;
";

const ACL_OBJECTS: &str = "\
CREATE SCHEMA s AUTHORIZATION acl_owner;
SET ROLE acl_owner;
CREATE TABLE s.t (a int);
REVOKE ALL ON s.t FROM acl_owner;
GRANT SELECT ON s.t TO alice;
GRANT SELECT, INSERT ON s.t TO acl_owner;
GRANT USAGE ON SCHEMA s TO alice;
REVOKE ALL ON SCHEMA s FROM acl_owner;
GRANT CREATE ON SCHEMA s TO acl_owner;
RESET ROLE;
";

cluster_test!(acl_diffing_matches_reference, |version| {
    let cluster = Cluster::start(version);
    cluster.psql("postgres", ACL_FIXTURE);
    cluster.psql("acl_db", ACL_OBJECTS);
    // The server really lists the owner's items after alice's.
    assert_eq!(
        cluster.query(
            "acl_db",
            "SELECT relacl FROM pg_catalog.pg_class WHERE relname = 't'"
        ),
        "{alice=r/acl_owner,acl_owner=ar/acl_owner}"
    );
    let (ours, _) = assert_matches_reference(&cluster, &[]);
    let dump = lossy(&ours.stdout);
    for needle in [
        // (Before 17 the REVOKE lists every table privilege instead of ALL.)
        " ON TABLE s.t FROM acl_owner;\n\
         GRANT SELECT,INSERT ON TABLE s.t TO acl_owner;\n\
         GRANT SELECT ON TABLE s.t TO alice;\n",
        "GRANT CREATE,CONNECT ON DATABASE acl_db TO bob;\n",
        "GRANT CONNECT,TEMPORARY ON DATABASE acl_db2 TO bob WITH GRANT OPTION;\n",
    ] {
        assert!(dump.contains(needle), "{needle:?} missing from the dump");
    }
    assert_matches_reference(&cluster, &["-c", "--if-exists"]);
});
