use super::*;

#[test]
fn server_versions_14_to_18_are_accepted() {
    assert!(check_server_version(140023, "14.23").is_ok());
    assert!(check_server_version(180006, "18.6").is_ok());
    let newer = check_server_version(190000, "19.0").unwrap_err();
    assert_eq!(
        newer.to_string(),
        "aborting because of server version mismatch"
    );
    let older = check_server_version(130020, "13.20").unwrap_err();
    assert!(older.to_string().contains("not supported"));
}

#[test]
fn no_free_slot_is_sqlstate_53300() {
    use crate::conn::AttemptError;
    let refused = |code: &str, message: &str| AttemptError {
        host: "/tmp".into(),
        server: "connection to server on socket \"/tmp/.s.PGSQL.5432\" failed: ".into(),
        message: message.into(),
        sqlstate: Some(SqlState::from_code(code)),
    };
    let failed = |attempts: Vec<AttemptError>| {
        DumpError::Connection(ConnError::Failed {
            attempts,
            note: None,
        })
    };
    for message in [
        "FATAL:  sorry, too many clients already",
        "FATAL:  too many connections for role \"r\"",
        "FATAL:  remaining connection slots are reserved for roles with the SUPERUSER attribute",
    ] {
        assert!(no_free_slot(&failed(vec![refused("53300", message)])));
    }
    // Another attempt's failure (TLS first, then plain) does not hide it.
    let mut tls = refused("08P01", "SSL error: unexpected eof");
    tls.sqlstate = None;
    assert!(no_free_slot(&failed(vec![
        tls,
        refused("53300", "FATAL:  sorry, too many clients already")
    ])));
    assert!(!no_free_slot(&failed(vec![refused(
        "28P01",
        "FATAL:  password authentication failed for user \"u\""
    )])));
    let setup = ConnError::Setup {
        step: "get server version",
        reason: Some("too many clients".into()),
    };
    assert!(!no_free_slot(&DumpError::Connection(setup)));
    // A session refused at its start because the lock table is full is
    // for want of room too, but not of a slot.
    let full = failed(vec![refused("53200", "FATAL:  out of shared memory")]);
    assert!(!no_free_slot(&full));
    assert!(for_want_of_room(&full));
}

#[test]
fn connection_failures_print_as_libpq_lists_them() {
    use crate::conn::AttemptError;
    let e = ConnError::Failed {
        attempts: vec![
            AttemptError {
                host: "nowhere".into(),
                server: String::new(),
                message: "could not translate host name \"nowhere\" to address: x".into(),
                sqlstate: None,
            },
            AttemptError {
                host: "localhost".into(),
                server: "connection to server at \"localhost\" (::1), port 5432 failed: ".into(),
                message: "FATAL:  password authentication failed for user \"u\"".into(),
                sqlstate: Some(SqlState::INVALID_PASSWORD),
            },
        ],
        note: Some("password retrieved from file \"/p\"".into()),
    };
    assert_eq!(
        e.to_string(),
        "could not translate host name \"nowhere\" to address: x\n\
         connection to server at \"localhost\" (::1), port 5432 failed: \
         FATAL:  password authentication failed for user \"u\"\n\
         password retrieved from file \"/p\""
    );
    let setup = |reason: Option<&str>| ConnError::Setup {
        step: "get server version",
        reason: reason.map(str::to_string),
    };
    assert_eq!(setup(None).to_string(), "could not get server version");
    assert_eq!(
        setup(Some("ERROR:  x")).to_string(),
        "could not get server version: ERROR:  x"
    );
}

#[test]
fn restrict_keys_are_random_alphanumerics() {
    let a = restrict_key(None);
    assert_eq!(a.len(), 63);
    assert!(a.bytes().all(|b| b.is_ascii_alphanumeric()));
    assert_ne!(a, restrict_key(None));
    assert_eq!(restrict_key(Some("abc")), "abc");
}
