//! Hostile names and data, generated (proptest): schemas, tables and
//! columns named with quotes, backslashes, newlines, spaces, non-ASCII,
//! reserved words and 63-byte names, holding values of the common types
//! at their edges (text with tabs, newlines, backslashes and `\.` lines,
//! arrays, json, bytea, numeric NaN and infinities, floats, timestamps
//! and dates at their limits, intervals).
//!
//! Each generated case is one table. Cases are loaded in batches into a
//! database of a cluster; each batch is dumped by ours and by the
//! reference (byte-identical), ours is restored with `psql -X` into a fresh
//! cluster, and the reference's `pg_dump -a` of the restored database must
//! equal its `pg_dump -a` of the source (every name and every value came
//! back).
//!
//! The ordinary suite tries `HOSTILE_CASES` (default 200) cases per server
//! version; the full run tries 10,000:
//! `PGDUMPALL_RS_HOSTILE_CASES=10000 PGDUMPALL_RS_TEST_VERSIONS=18 bash scripts/test.sh --test hostile_data`.

mod support;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use support::*;

/// Tables per batch (one dump, one restore).
const BATCH: usize = 100;

fn wanted_cases() -> usize {
    std::env::var("PGDUMPALL_RS_HOSTILE_CASES")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(200)
}

/// Pieces of identifiers: every character a quoted identifier may hold
/// that breaks naive quoting, plus words that must be quoted.
fn name_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z]{1,6}",
        1 => "[A-Z][a-z]{0,4}",
        2 => prop::sample::select(vec![
            "\"", "\"\"", "\\", "\\\\", " ", "\n", "\r", "\t", "'", ";", "--", "/*", "$$",
            "é", "ß", "☃", "日本", "𝄞", ".", ",", "(", ")", "%", "\\.", "\\!",
        ])
        .prop_map(str::to_string),
        1 => prop::sample::select(vec![
            "select", "table", "user", "from", "order", "group", "all", "default", "null",
            "column", "check", "primary",
        ])
        .prop_map(str::to_string),
    ]
}

/// An identifier: a unique prefix, then hostile pieces, cut to at most
/// 63 bytes at a character boundary (PostgreSQL's limit); sometimes
/// padded to exactly 63 bytes.
fn identifier(prefix: String) -> impl Strategy<Value = String> {
    (prop::collection::vec(name_piece(), 0..6), any::<bool>()).prop_map(move |(pieces, long)| {
        let mut name = prefix.clone();
        for p in pieces {
            name.push_str(&p);
        }
        if long {
            while name.len() < 63 {
                name.push('x');
            }
        }
        let mut cut = name.len().min(63);
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        name.truncate(cut);
        name
    })
}

/// Text with the characters COPY and quoting must escape.
fn text_value() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            3 => "[ -~]{0,8}",
            2 => prop::sample::select(vec![
                "\t", "\n", "\r", "\\", "\\.", "\n\\.\n", "'", "\"", "{", "}", ",", "é",
                "☃", "𝄞", "\u{7f}", "\u{1}", "NULL", "\\N",
            ])
            .prop_map(str::to_string),
        ],
        0..8,
    )
    .prop_map(|v| v.concat())
}

/// A SQL string literal (standard_conforming_strings on).
fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn array_value() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::option::of(text_value()), 0..4).prop_map(|items| {
        let elems: Vec<String> = items
            .iter()
            .map(|i| match i {
                Some(t) => lit(t),
                None => "NULL".into(),
            })
            .collect();
        format!("ARRAY[{}]::text[]", elems.join(", "))
    })
}

fn json_value() -> impl Strategy<Value = String> {
    (text_value(), text_value(), any::<i32>(), any::<bool>()).prop_map(|(k, v, n, b)| {
        let json = |s: &str| {
            let mut out = String::from("\"");
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    c if (c as u32) < 0x20 || c == '\u{7f}' => {
                        out.push_str(&format!("\\u{:04x}", c as u32))
                    }
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        };
        lit(&format!(
            "{{{}: {}, \"n\": {n}, \"b\": {b}, \"a\": [null, {}]}}",
            json(&k),
            json(&v),
            json(&v)
        ))
    })
}

fn bytea_value() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<u8>(), 0..24).prop_map(|bytes| {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("'\\x{hex}'::bytea")
    })
}

fn numeric_value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["'NaN'", "'Infinity'", "'-Infinity'", "0", "-0.000"])
            .prop_map(str::to_string),
        (any::<i64>(), 0u32..20).prop_map(|(n, scale)| format!("{n}e-{scale}")),
    ]
}

fn float_value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "'NaN'",
            "'Infinity'",
            "'-Infinity'",
            "'-0'",
            "'1e308'",
            "'4.9e-324'",
        ])
        .prop_map(str::to_string),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("'{f:e}'")),
    ]
}

fn timestamp_value() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "'4713-01-01 00:00:00 BC'",
        "'294276-12-31 23:59:59.999999'",
        "'infinity'",
        "'-infinity'",
        "'2000-02-29 12:34:56.789'",
        "'1970-01-01'",
    ])
    .prop_map(str::to_string)
}

fn date_value() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "'4713-01-01 BC'",
        "'5874897-12-31'",
        "'infinity'",
        "'-infinity'",
        "'2024-02-29'",
    ])
    .prop_map(str::to_string)
}

fn int8_value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["-9223372036854775808", "9223372036854775807", "0"])
            .prop_map(str::to_string),
        any::<i64>().prop_map(|n| n.to_string()),
    ]
}

/// Column types, each with its value generator.
const TYPES: [&str; 11] = [
    "text",
    "text[]",
    "json",
    "jsonb",
    "bytea",
    "numeric",
    "float8",
    "timestamp",
    "timestamptz",
    "date",
    "int8",
];

fn value_of(kind: usize) -> BoxedStrategy<String> {
    let v = match kind {
        0 => text_value().prop_map(|t| lit(&t)).boxed(),
        1 => array_value().boxed(),
        2 | 3 => json_value().boxed(),
        4 => bytea_value().boxed(),
        5 => numeric_value().boxed(),
        6 => float_value().boxed(),
        7 | 8 => timestamp_value().boxed(),
        9 => date_value().boxed(),
        _ => int8_value().boxed(),
    };
    prop::option::weighted(0.85, v)
        .prop_map(|o| o.unwrap_or_else(|| "NULL".into()))
        .boxed()
}

/// One case: a schema, a table in it, two to four columns of various
/// types, and up to four rows.
#[derive(Debug, Clone)]
struct Case {
    schema: String,
    table: String,
    columns: Vec<(String, usize)>,
    rows: Vec<Vec<String>>,
}

fn case(index: usize) -> impl Strategy<Value = Case> {
    let kinds = prop::collection::vec(0..TYPES.len(), 2..5);
    (
        identifier(format!("s{index}")),
        identifier(format!("t{index}")),
        kinds,
    )
        .prop_flat_map(|(schema, table, kinds)| {
            let names: Vec<BoxedStrategy<(String, usize)>> = kinds
                .iter()
                .enumerate()
                .map(|(j, &k)| {
                    identifier(format!("c{j}"))
                        .prop_map(move |n| (n, k))
                        .boxed()
                })
                .collect();
            let row: Vec<BoxedStrategy<String>> = kinds.iter().map(|&k| value_of(k)).collect();
            (
                Just(schema),
                Just(table),
                names,
                prop::collection::vec(row, 0..5),
            )
        })
        .prop_map(|(schema, table, columns, rows)| Case {
            schema,
            table,
            columns,
            rows,
        })
}

fn batch() -> impl Strategy<Value = Vec<Case>> {
    let cases: Vec<_> = (0..BATCH).map(case).collect();
    cases
}

/// A quoted identifier (the generator's names are all quoted).
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn load_sql(cases: &[Case]) -> String {
    let mut sql = String::from("SET client_min_messages = warning;\n");
    for c in cases {
        let table = format!("{}.{}", ident(&c.schema), ident(&c.table));
        let cols: Vec<String> = c
            .columns
            .iter()
            .map(|(n, k)| format!("{} {}", ident(n), TYPES[*k]))
            .collect();
        sql.push_str(&format!(
            "CREATE SCHEMA {};\nCREATE TABLE {table} ({});\n",
            ident(&c.schema),
            cols.join(", ")
        ));
        for r in &c.rows {
            sql.push_str(&format!("INSERT INTO {table} VALUES ({});\n", r.join(", ")));
        }
    }
    sql
}

/// The reference's `pg_dump -a` of `db`, without the lines that name the
/// server version.
fn data_dump(cluster: &Cluster, db: &str) -> Vec<u8> {
    let out = run_program(
        &reference_bin("pg_dump"),
        &[
            "-h",
            cluster.host(),
            "-p",
            &cluster.port().to_string(),
            "-U",
            "postgres",
            "-a",
            "--restrict-key",
            RESTRICT_KEY,
            "-d",
            db,
        ],
        &[],
    );
    assert_success(&out, "pg_dump -a");
    let text = out.stdout;
    let mut kept = Vec::new();
    for line in text.split_inclusive(|&b| b == b'\n') {
        if !line.starts_with(b"-- Dumped from database version") {
            kept.extend_from_slice(line);
        }
    }
    kept
}

fn check_batch(cluster: &Cluster, version: &'static str, cases: &[Case]) -> Result<(), String> {
    cluster.psql(
        "postgres",
        "DROP DATABASE IF EXISTS hostile; CREATE DATABASE hostile;",
    );
    let load = cluster.dir().join("hostile.sql");
    std::fs::write(&load, load_sql(cases)).unwrap();
    let out = cluster.try_psql_file_vars("hostile", &load, &[("ON_ERROR_STOP", "1")]);
    if !out.status.success() {
        return Err(format!("loading failed: {}", lossy(&out.stderr)));
    }
    let tables = cluster.query(
        "hostile",
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind = 'r' AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'",
    );
    assert_eq!(
        tables,
        cases.len().to_string(),
        "every case's table was made"
    );
    let args = ["--restrict-key", RESTRICT_KEY];
    let ours = run_ours(cluster, &args);
    assert_success(&ours, "ours");
    let reference = run_reference(cluster, &args);
    assert_success(&reference, "reference");
    if ours.stdout != reference.stdout {
        assert_same_dump(&ours.stdout, &reference.stdout, "hostile names and data");
    }

    let target = Cluster::start(restore_target(version));
    let file = target.dir().join("ours.sql");
    std::fs::write(&file, &ours.stdout).unwrap();
    let restore = target.restore_file("postgres", &file);
    let errors: Vec<String> = lossy(&restore.stderr)
        .lines()
        .filter(|l| l.contains("ERROR:") && !l.contains("role \"postgres\" already exists"))
        .map(str::to_string)
        .collect();
    if !errors.is_empty() {
        return Err(format!("restore errors: {errors:#?}"));
    }
    if data_dump(&target, "hostile") != data_dump(cluster, "hostile") {
        return Err("the restored database differs from the source".into());
    }
    Ok(())
}

cluster_test!(hostile_names_and_data_round_trip, |version| {
    let cluster = Cluster::start(version);
    let batches = wanted_cases().div_ceil(BATCH).max(1);
    let mut runner = TestRunner::new(Config {
        cases: batches as u32,
        failure_persistence: None,
        max_shrink_iters: 20,
        ..Config::default()
    });
    let started = std::time::Instant::now();
    let counts = std::cell::Cell::new((0usize, 0usize));
    let result = runner.run(&batch(), |cases| {
        let (columns, rows) = counts.get();
        counts.set((
            columns + cases.iter().map(|c| c.columns.len()).sum::<usize>(),
            rows + cases.iter().map(|c| c.rows.len()).sum::<usize>(),
        ));
        check_batch(&cluster, version, &cases).map_err(TestCaseError::fail)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let (columns, rows) = counts.get();
    println!(
        "HOSTILE {version}: {} cases ({columns} columns, {rows} rows) in {batches} batches, \
         {:.1} s, 0 failures",
        batches * BATCH,
        started.elapsed().as_secs_f64()
    );
});
