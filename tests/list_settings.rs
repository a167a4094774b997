//! List-valued settings in `ALTER ROLE / ALTER DATABASE ... SET`: pg_dumpall
//! 18.6 splits the values of the settings its binary lists
//! (local_preload_libraries, oauth_validator_libraries,
//! output_plugin_libraries, search_path, session_preload_libraries,
//! shared_preload_libraries, temp_tablespaces, unix_socket_directories) and
//! quotes each element; any other setting is one literal. Values the server
//! would refuse (output_plugin_libraries is no server setting, oauth's is
//! 18-only, an empty or broken list) are stored straight into
//! pg_db_role_setting, as an old server or an extension could have left
//! them, and compared byte for byte with the reference.

mod support;

use support::*;

/// The list settings, each with a two-element value one of whose elements
/// needs double quotes in the list syntax.
const LIST_SETTINGS: &[&str] = &[
    "local_preload_libraries",
    "oauth_validator_libraries",
    "output_plugin_libraries",
    "search_path",
    "session_preload_libraries",
    "shared_preload_libraries",
    "temp_tablespaces",
    "unix_socket_directories",
];

/// A text[] literal of `name=value` items for pg_db_role_setting.
fn setconfig(items: &[String]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|i| format!("\"{}\"", i.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    format!("'{{{}}}'", quoted.join(",").replace('\'', "''"))
}

fn role_items() -> Vec<String> {
    let mut items: Vec<String> = LIST_SETTINGS
        .iter()
        .map(|s| format!("{s}=a, \"B c\""))
        .collect();
    items.extend([
        // Case does not matter to the list; the name is still quoted.
        "OUTPUT_PLUGIN_LIBRARIES=p,q".to_string(),
        "Search_Path=\"x'y\", z".to_string(),
        // Not a list setting: one literal, commas and all.
        "other.setting=a, b".to_string(),
        "work_mem=64MB".to_string(),
        // Empty and unparsable lists: nothing after TO.
        "output_plugin_libraries=".to_string(),
        "temp_tablespaces=\"open".to_string(),
        "search_path=a,,b".to_string(),
        "search_path=\"\"".to_string(),
    ]);
    items
}

/// Settings a connection to the database survives (pg_dumpall connects to
/// it): preload libraries that exist.
fn database_items() -> Vec<String> {
    vec![
        "search_path=a, \"B c\"".to_string(),
        "output_plugin_libraries=x, \"Y z\"".to_string(),
        "oauth_validator_libraries=a,b".to_string(),
        "session_preload_libraries=plpgsql, \"$libdir/plpgsql\"".to_string(),
        "shared_preload_libraries=a,b".to_string(),
        "temp_tablespaces=a,b".to_string(),
        "unix_socket_directories=\"/x y\",/z".to_string(),
        "search_path=".to_string(),
        "search_path=a,,b".to_string(),
    ]
}

cluster_test!(list_settings_match_reference, |version| {
    let cluster = Cluster::start(version);
    let role = setconfig(&role_items());
    let database = setconfig(&database_items());
    cluster.psql(
        "postgres",
        &format!(
            "CREATE ROLE \"list Role\";\n\
             CREATE DATABASE \"list db\";\n\
             INSERT INTO pg_db_role_setting VALUES \
               (0, '\"list Role\"'::regrole, {role}),\n\
               ((SELECT oid FROM pg_database WHERE datname = 'list db'), 0, {database}),\n\
               ((SELECT oid FROM pg_database WHERE datname = 'list db'), \
                '\"list Role\"'::regrole, {role});"
        ),
    );
    for args in [
        &[][..],
        &["-g"],
        &["--quote-all-identifiers"],
        &["-c", "--if-exists"],
    ] {
        assert_matches_reference(&cluster, args);
    }
    // Every list setting reached the dump as a split list.
    let (ours, _) = assert_matches_reference(&cluster, &["-r"]);
    let text = lossy(&ours.stdout);
    for name in LIST_SETTINGS {
        let line = format!("ALTER ROLE \"list Role\" SET {name} TO 'a', 'B c';");
        assert!(text.contains(&line), "{version}: no `{line}` in\n{text}");
    }
});
