//! ACLs under roles whose names the server quotes inside an aclitem
//! (spaces, punctuation, quotes, backslashes, non-ASCII, the `=`, `/`, `,`
//! and `*` of the aclitem syntax, braces of the array syntax) and names it
//! does not (`UPPER`, a keyword). pg_dump compares an object's aclitems with
//! a baseline as text; for the public schema that baseline is built on the
//! client (`{owner=UC/owner,=U/owner}`), so the owner's name has to be
//! quoted there exactly as the server quotes it, and the item array-quoted.
//!
//! Each shape owns a database, its public schema, a table (with a column
//! grant and a grant by another role), a function, a type, a tablespace and
//! default privileges, and grants on them to the next shape. Compared byte
//! for byte with pg_dumpall 18.6, and restored like it.

mod support;

use support::*;

/// Role names of every shape.
const ROLE_NAMES: &[&str] = &[
    "has space",
    "UPPER",
    "q\"uote",
    "back\\slash",
    "ümlaut",
    "a=b",
    "a/b",
    "a,b",
    "{brace}",
    "star*",
    "semi;colon",
    "tab\there",
    "select",
    "NULL",
    "'apos'",
];

fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The global part: the roles, each one's database and tablespace.
fn globals_sql(cluster: &Cluster) -> String {
    let mut sql = String::new();
    for name in ROLE_NAMES {
        sql.push_str(&format!("CREATE ROLE {};\n", ident(name)));
    }
    for (i, name) in ROLE_NAMES.iter().enumerate() {
        let (owner, grantee) = (ident(name), ident(ROLE_NAMES[(i + 1) % ROLE_NAMES.len()]));
        let dir = cluster.tablespace_dir(&format!("acl_ts_{i}"));
        let dir = dir.to_str().expect("tablespace path is UTF-8");
        sql.push_str(&format!(
            "CREATE DATABASE acl_db_{i} OWNER {owner};\n\
             REVOKE TEMPORARY ON DATABASE acl_db_{i} FROM PUBLIC;\n\
             GRANT CREATE, CONNECT ON DATABASE acl_db_{i} TO {grantee} WITH GRANT OPTION;\n\
             CREATE TABLESPACE acl_ts_{i} OWNER {owner} LOCATION {};\n\
             GRANT CREATE ON TABLESPACE acl_ts_{i} TO {grantee};\n",
            literal(dir)
        ));
    }
    sql
}

/// One database's objects, owned by role `i`.
fn database_sql(i: usize) -> String {
    let n = ROLE_NAMES.len();
    let owner = ident(ROLE_NAMES[i]);
    let grantee = ident(ROLE_NAMES[(i + 1) % n]);
    let third = ident(ROLE_NAMES[(i + 2) % n]);
    format!(
        "ALTER SCHEMA public OWNER TO {owner};\n\
         CREATE TABLE public.t (a int, b text);\n\
         ALTER TABLE public.t OWNER TO {owner};\n\
         GRANT SELECT ON public.t TO {grantee} WITH GRANT OPTION;\n\
         GRANT UPDATE (b) ON public.t TO {grantee};\n\
         SET ROLE {grantee};\n\
         GRANT SELECT ON public.t TO {third};\n\
         RESET ROLE;\n\
         CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n\
         ALTER FUNCTION public.f() OWNER TO {owner};\n\
         REVOKE EXECUTE ON FUNCTION public.f() FROM PUBLIC;\n\
         GRANT EXECUTE ON FUNCTION public.f() TO {grantee};\n\
         CREATE TYPE public.ty AS ENUM ('x');\n\
         ALTER TYPE public.ty OWNER TO {owner};\n\
         REVOKE USAGE ON TYPE public.ty FROM PUBLIC;\n\
         GRANT USAGE ON TYPE public.ty TO {grantee};\n\
         CREATE SCHEMA s AUTHORIZATION {owner};\n\
         GRANT USAGE ON SCHEMA s TO {grantee};\n\
         ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA s GRANT SELECT ON TABLES TO {grantee};\n\
         ALTER DEFAULT PRIVILEGES FOR ROLE {owner} REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;\n\
         ALTER DEFAULT PRIVILEGES FOR ROLE {owner} GRANT USAGE ON TYPES TO {grantee};\n"
    )
}

fn load(cluster: &Cluster) {
    cluster.psql("postgres", &globals_sql(cluster));
    for i in 0..ROLE_NAMES.len() {
        cluster.psql(&format!("acl_db_{i}"), &database_sql(i));
    }
    // The postgres database's public schema too, under a quoted name.
    cluster.psql(
        "postgres",
        &format!("ALTER SCHEMA public OWNER TO {};", ident(ROLE_NAMES[0])),
    );
}

cluster_test!(acls_under_quoted_role_names_match_reference, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    for args in [
        &[][..],
        &["--quote-all-identifiers"],
        &["-c", "--if-exists"],
        &["--use-set-session-authorization"],
        &["-O"],
        // Quoted names compared in another client encoding.
        &["-E", "LATIN1"],
        &["-d", "client_encoding=LATIN1"],
    ] {
        assert_matches_reference(&cluster, args);
    }
    // The public schemas' ACLs are the defaults: nothing to write, as the
    // reference writes nothing (on 15 and later; 14's differ from them).
    let (ours, _) = assert_matches_reference(&cluster, &["-s"]);
    if cluster.major() >= 15 {
        let text = lossy(&ours.stdout);
        assert!(
            !text.contains("ON SCHEMA public"),
            "{version}: a grant on SCHEMA public:\n{text}"
        );
    }
    assert_restores_like_reference(&cluster, &[]);
});
