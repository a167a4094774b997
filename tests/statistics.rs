//! Differential tests of optimizer statistics: `--statistics`,
//! `--statistics-only` and their combinations with the content and
//! ownership options (tests/fixtures/statistics.sql).

mod support;

use support::*;

const OPTION_SETS: &[&[&str]] = &[
    &["--statistics"],
    &["--statistics-only"],
    &["--statistics-only", "--statistics"],
    &["--statistics", "--no-data"],
    &["--statistics", "--no-schema"],
    &["--statistics", "-O", "-x"],
    &["--statistics", "--use-set-session-authorization"],
    &["--statistics", "--quote-all-identifiers", "-c"],
    &["--statistics", "--extra-float-digits=0"],
    &["--statistics", "--no-unlogged-table-data"],
    &["--no-statistics"],
];

fn load(cluster: &Cluster) {
    cluster.psql_file("postgres", &fixture("statistics.sql"));
}

cluster_test!(statistics_match_reference, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    for args in OPTION_SETS {
        assert_matches_reference(&cluster, args);
    }
    // The fixture's statistics really are in the dump.
    let out = run_ours(&cluster, &with_restrict_key(&["--statistics"]));
    assert_success(&out, "ours --statistics");
    let raw = out.stdout;
    // The LATIN1 database's statistics, in LATIN1.
    let latin1: &[u8] =
        b"-- Statistics for Name: t\xe5ble_expr; Type: STATISTICS DATA; Schema: public;";
    assert!(
        raw.windows(latin1.len()).any(|w| w == latin1),
        "LATIN1 index statistics missing"
    );
    let dump = lossy(&raw);
    let mut needles = vec![
        "-- Statistics for Name: t_basic; Type: STATISTICS DATA; Schema: st; Owner: -",
        "-- Statistics for Name: pt; Type: STATISTICS DATA;",
        "-- Statistics for Name: mv; Type: STATISTICS DATA;",
        "-- Statistics for Name: t_basic_pkey; Type: STATISTICS DATA;",
        "\t'attnum', '2'::smallint,\n",
        "\t'inherited', 't'::boolean,\n",
        "\t'most_common_elems', ",
        "\t'relname', 'Täble \"Q\"',\n",
    ];
    if cluster.major() >= 17 {
        needles.push("\t'range_bounds_histogram', ");
    }
    if cluster.major() >= 18 {
        needles.push("\t'relallfrozen', ");
    }
    for needle in needles {
        assert!(dump.contains(needle), "{needle:?} missing from the dump");
    }
    // Statistics are off by default.
    let out = run_ours(&cluster, &with_restrict_key(&[]));
    assert_success(&out, "ours without --statistics");
    let plain = lossy(&out.stdout);
    assert!(
        plain.contains("CREATE TABLE st.t_basic"),
        "the plain dump is empty"
    );
    assert!(!plain.contains("STATISTICS DATA"));
});

cluster_test!(statistics_option_conflicts, |version| {
    let cluster = Cluster::start(version);
    for (args, message) in [
        (
            &["--statistics", "--no-statistics"][..],
            "options --statistics and --no-statistics cannot be used together",
        ),
        (
            &["--statistics-only", "--no-statistics"][..],
            "options --statistics-only and --no-statistics cannot be used together",
        ),
    ] {
        let args = with_restrict_key(args);
        let reference = run_reference(&cluster, &args);
        let ours = run_ours(&cluster, &args);
        assert_eq!(reference.status.code(), Some(1));
        assert_eq!(ours.status.code(), Some(1));
        for (out, who) in [(&reference, "reference"), (&ours, "ours")] {
            let stderr = lossy(&out.stderr);
            assert!(stderr.contains(message), "{who}: {stderr}");
            assert!(
                stderr.contains("pg_dump failed on database \"template1\", exiting"),
                "{who}: {stderr}"
            );
        }
    }
});

cluster_test!(statistics_restore_like_the_reference, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    let args = with_restrict_key(&["--statistics"]);
    let reference = run_reference(&cluster, &args);
    let ours = run_ours(&cluster, &args);
    assert_success(&ours, "ours");
    assert_success(&reference, "reference");
    // pg_restore_relation_stats and pg_restore_attribute_stats exist from
    // 18 on, so every dump is restored into 18 (the upgrade path).
    let trip = restore_round_trip_into(REFERENCE_VERSION, &ours.stdout, &reference.stdout, &[]);
    assert_eq!(trip.ours_errors, trip.reference_errors);
    assert!(
        !trip.ours_errors.iter().any(|e| e.contains("stats")),
        "restoring the statistics raised errors: {:?}",
        trip.ours_errors
    );
});
