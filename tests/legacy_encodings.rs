//! Legacy encodings in full (issue 19): a SQL_ASCII cluster whose roles,
//! databases, settings, comments, object names and data hold every byte
//! from 0x80 to 0xFF, with a SQL_ASCII, a LATIN1 and an EUC_JP database
//! (tests/fixtures/legacy_encodings.sql). Names that are not UTF-8 go to
//! the server as their bytes (src/conn/wire_text.rs); the dumps must equal
//! the reference's byte for byte and restore into a SQL_ASCII cluster as
//! the reference's do.

mod support;

use support::*;

const OPTION_SETS: &[&[&str]] = &[
    &[],
    &["-c", "--if-exists"],
    &["-g"],
    &["-O", "-x"],
    &["--inserts"],
    &["--quote-all-identifiers"],
];

cluster_test!(
    legacy_encodings_match_and_restore_like_reference,
    |version| {
        let cluster = Cluster::start_with_encoding(version, "SQL_ASCII");
        cluster.psql_file("postgres", &fixture("legacy_encodings.sql"));
        let every_byte: Vec<u8> = (0x80..=0xFF).collect();
        let mut full = Vec::new();
        for args in OPTION_SETS {
            let (ours, _) = assert_matches_reference(&cluster, args);
            if args.is_empty() {
                full = ours.stdout;
            }
        }
        // Not a vacuous match: the dump holds every byte, the three encodings
        // and every database (names as bytes in the \connect lines too).
        for b in &every_byte {
            assert!(full.contains(b), "byte {b:#04x} missing from the dump");
        }
        for needle in [
            &b"ENCODING = 'LATIN1'"[..],
            b"ENCODING = 'EUC_JP'",
            b"SET client_encoding = 'EUC_JP';",
            b"\\connect -reuse-previous=on \"dbname='zj\xa4\xa2\x8e\xb1\x8f\xb0\xa1'\"",
            b"COPY",
        ] {
            assert!(
                full.windows(needle.len()).any(|w| w == needle),
                "{} missing from the dump",
                lossy(needle)
            );
        }
        // Verbose runs name each database as its bytes.
        let verbose = run_ours(&cluster, &["-v", "--restrict-key", RESTRICT_KEY]);
        assert_success(&verbose, "ours -v");
        let dumping = b"dumping database \"zj\xa4\xa2\x8e\xb1\x8f\xb0\xa1\"";
        assert!(
            verbose.stderr.windows(dumping.len()).any(|w| w == dumping),
            "{}",
            lossy(&verbose.stderr)
        );

        // Restored into SQL_ASCII clusters (their names restore nowhere else).
        let args = with_restrict_key(&[]);
        let reference = run_reference(&cluster, &args);
        let ours = run_ours(&cluster, &args);
        assert_success(&reference, "reference");
        assert_success(&ours, "ours");
        let target = restore_target(cluster.version());
        let trip =
            restore_round_trip_encoded(target, "SQL_ASCII", &ours.stdout, &reference.stdout, &[]);
        assert_eq!(trip.ours_errors, trip.reference_errors, "restore errors");
        // The fixture restores cleanly: only the errors every restore of a
        // pg_dumpall 18 script raises (transaction_timeout before 17).
        let expected = |e: &String| {
            e == "ERROR:  role \"postgres\" already exists"
                || e == "ERROR:  unrecognized configuration parameter \"transaction_timeout\""
        };
        assert!(
            trip.reference_errors.iter().all(expected),
            "{:?}",
            trip.reference_errors
        );
        for b in &every_byte {
            assert!(
                trip.ours_redump.contains(b),
                "byte {b:#04x} missing from the cluster restored from our dump"
            );
        }
    }
);
