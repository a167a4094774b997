//! Property tests: the connection-string, URI, `.pgpass` and service-file
//! parsers give a value or an error for every input, never a panic.
//!
//! `PROPTEST_CASES` sets the number of generated inputs per property
//! (default 256 to keep `cargo test --lib` fast; CONTRIBUTING.md gives the
//! full 100,000-case command).

use proptest::prelude::*;

use super::{conninfo, pgpass, service};

/// Cases per property: `PROPTEST_CASES`, else a modest default.
pub(crate) fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        // No regression files written into the source tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Text biased towards the bytes that drive these grammars (quotes,
/// escapes, separators, percent signs, brackets, newlines), mixed with any
/// character at all.
pub(crate) fn hostile_text(alphabet: &'static str, max_len: usize) -> BoxedStrategy<String> {
    let special: Vec<char> = alphabet.chars().collect();
    proptest::collection::vec(
        prop_oneof![
            4 => proptest::sample::select(special),
            1 => any::<char>(),
        ],
        0..max_len,
    )
    .prop_map(|chars| chars.into_iter().collect())
    .boxed()
}

/// Conninfo strings, some of them starting like a URI.
fn conninfo_input() -> BoxedStrategy<String> {
    let prefixes = proptest::sample::select(vec![
        "",
        "postgresql://",
        "postgres://",
        "host=",
        "dbname='",
        "postgresql://u:p@[::1",
        "postgresql://h1,h2:5432/db?",
        "service=",
    ]);
    (
        prefixes,
        hostile_text(
            "=' \\\t\n\r%:/@?&,[]#hostdbnameuser0123456789abcdefABCDEF",
            80,
        ),
    )
        .prop_map(|(p, rest)| format!("{p}{rest}"))
        .boxed()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn conninfo_parse_never_panics(s in conninfo_input()) {
        let _ = conninfo::parse(&s);
    }

    #[test]
    fn uri_decode_never_panics(s in hostile_text("%0123456789abcdefABCDEFgz", 40)) {
        let _ = conninfo::uri_decode(&s);
    }

    #[test]
    fn pgpass_search_never_panics(
        text in hostile_text(":\\*\n\r#localhost5432dbuser", 120),
        host in hostile_text(":\\*/localhost", 12),
        port in hostile_text(":\\*5432", 6),
        dbname in hostile_text(":\\*db", 6),
        user in hostile_text(":\\*user", 6),
    ) {
        let host = pgpass::lookup_host(&host).to_string();
        let _ = pgpass::search(&text, &host, &port, &dbname, &user);
    }

    #[test]
    fn service_file_never_panics(
        text in hostile_text("[]=#\n\r \t\\svcehostdbname", 160),
        long_line in proptest::option::of(1000usize..1100),
        service in hostile_text("[]= svc", 6),
    ) {
        let text = match long_line {
            Some(n) => format!("{text}\n{}\n", "x".repeat(n)),
            None => text,
        };
        let _ = service::parse_service_text("fuzz.conf", &text, &service);
    }
}

/// Raw file bytes: mostly the grammar's characters, sometimes any byte
/// (invalid UTF-8 included), as a file on disk may hold.
fn file_bytes(alphabet: &'static str) -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        3 => hostile_text(alphabet, 200).prop_map(String::into_bytes),
        1 => proptest::collection::vec(any::<u8>(), 0..200),
    ]
    .boxed()
}

proptest! {
    #![proptest_config(config())]

    /// The real readers, from a file (`PGSERVICEFILE`, a 0600 `.pgpass`).
    #[test]
    fn service_and_pgpass_files_never_panic(
        service_bytes in file_bytes("[]=#\n\r \tsvcehostdbname"),
        pgpass_bytes in file_bytes(":\\*\n\r#localhost5432dbuser"),
    ) {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let service_file = dir.path().join("pg_service.conf");
        std::fs::write(&service_file, &service_bytes).expect("write service file");
        let env = |name: &str| {
            (name == "PGSERVICEFILE").then(|| service_file.display().to_string())
        };
        let _ = service::lookup_service("svc", &env, None);
        let pgpass_file = dir.path().join("pgpass");
        std::fs::write(&pgpass_file, &pgpass_bytes).expect("write .pgpass");
        std::fs::set_permissions(&pgpass_file, std::fs::Permissions::from_mode(0o600))
            .expect("chmod .pgpass");
        let mut warnings = Vec::new();
        let _ = pgpass::lookup(&pgpass_file, "localhost", "5432", "db", "user", &mut |w| {
            warnings.push(w.to_string())
        });
        prop_assert!(warnings.is_empty(), "{:?}", warnings);
    }
}
