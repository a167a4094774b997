//! Which entries the content options keep: `-s`/`--no-data` drop the data
//! entries (but `--sequence-data` keeps SEQUENCE SET), `-a`/`--no-schema`
//! drop everything else, `--no-policies` drops policies and the ROW
//! SECURITY entries. Families may already leave entries out themselves;
//! this filter is applied on top, generically, by entry type.

use std::collections::HashMap;

use crate::archive::{Archive, DumpId, Entry, Kind};
use crate::catalog::{query, Catalog, CatalogError};
use crate::cli::Options;
use crate::pg::RowError;

/// Whether definitions are dumped.
pub fn dump_schema(o: &Options) -> bool {
    !(o.data_only || o.no_schema || o.statistics_only)
}

/// Whether data is dumped.
pub fn dump_data(o: &Options) -> bool {
    !(o.schema_only || o.no_data || o.statistics_only)
}

/// pg_dump's integer option parsing: leading blanks, an optional sign and
/// digits, trailing blanks; then the range.
pub fn parse_int_option(value: &str, min: i64, max: i64, name: &str) -> Result<i64, String> {
    let invalid = || format!("invalid value \"{value}\" for option {name}");
    let range = || format!("{name} must be in range {min}..{max}");
    let body = value.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (negative, digits) = match body.as_bytes().first() {
        Some(b'-') => (true, &body[1..]),
        Some(b'+') => (false, &body[1..]),
        _ => (false, body),
    };
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    if end == 0 {
        return Err(invalid());
    }
    if !digits[end..]
        .chars()
        .all(|c| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c'))
    {
        return Err(invalid());
    }
    let n: i64 = match digits[..end].parse::<i64>() {
        Ok(n) => {
            if negative {
                -n
            } else {
                n
            }
        }
        Err(_) => return Err(range()),
    };
    if n < min || n > max {
        return Err(range());
    }
    Ok(n)
}

/// `--rows-per-insert` (validated), or 1 when only --inserts or
/// --column-inserts asks for INSERTs; None for COPY.
pub fn rows_per_insert(o: &Options) -> Option<usize> {
    match &o.rows_per_insert {
        Some(v) => parse_int_option(v, 1, i32::MAX as i64, "--rows-per-insert")
            .ok()
            .map(|n| n as usize),
        None => (o.inserts || o.column_inserts).then_some(1),
    }
}

/// `--extra-float-digits` (validated), 3 by default.
pub fn extra_float_digits(o: &Options) -> i64 {
    o.extra_float_digits
        .as_deref()
        .and_then(|v| parse_int_option(v, -15, 3, "--extra-float-digits").ok())
        .unwrap_or(3)
}

/// The error pg_dump reports for the per-database options, if any: bad
/// integer values first, then conflicting options, in pg_dump's order.
pub fn validate(o: &Options) -> Option<String> {
    if let Some(v) = &o.extra_float_digits {
        if let Err(e) = parse_int_option(v, -15, 3, "--extra-float-digits") {
            return Some(e);
        }
    }
    if let Some(v) = &o.rows_per_insert {
        if let Err(e) = parse_int_option(v, 1, i32::MAX as i64, "--rows-per-insert") {
            return Some(e);
        }
    }
    let conflicts: &[(bool, &str, &str)] = &[
        (
            o.schema_only && o.data_only,
            "-s/--schema-only",
            "-a/--data-only",
        ),
        (
            o.schema_only && o.statistics_only,
            "-s/--schema-only",
            "--statistics-only",
        ),
        (
            o.data_only && o.statistics_only,
            "-a/--data-only",
            "--statistics-only",
        ),
        (o.data_only && o.no_data, "-a/--data-only", "--no-data"),
        (
            o.schema_only && o.no_schema,
            "-s/--schema-only",
            "--no-schema",
        ),
        (
            o.statistics_only && o.no_statistics,
            "--statistics-only",
            "--no-statistics",
        ),
        (
            o.statistics && o.no_statistics,
            "--statistics",
            "--no-statistics",
        ),
        (
            o.data_only && o.statistics,
            "-a/--data-only",
            "--statistics",
        ),
        (
            o.schema_only && o.statistics,
            "-s/--schema-only",
            "--statistics",
        ),
        (o.clean && o.data_only, "-c/--clean", "-a/--data-only"),
    ];
    if let Some((_, a, b)) = conflicts.iter().find(|c| c.0) {
        return Some(format!("options {a} and {b} cannot be used together"));
    }
    if o.on_conflict_do_nothing && rows_per_insert(o).is_none() {
        return Some(
            "option --on-conflict-do-nothing requires option --inserts, --rows-per-insert, or --column-inserts"
                .into(),
        );
    }
    None
}

/// Statistics entries are the statistics family's business.
fn is_statistics(e: &Entry) -> bool {
    e.desc == "STATISTICS DATA"
}

/// Data entries: rows, sequence values, and everything about large
/// objects (their metadata, comments, security labels and ACLs).
pub fn is_data(e: &Entry) -> bool {
    if e.data.is_some() {
        return true;
    }
    match e.desc.as_str() {
        "SEQUENCE SET" | "BLOB" | "BLOBS" | "BLOB METADATA" => true,
        "ACL" | "COMMENT" | "SECURITY LABEL" => e.tag.starts_with("LARGE OBJECT"),
        _ => false,
    }
}

/// Whether the options keep an entry of a database's objects.
pub fn keep(e: &Entry, o: &Options) -> bool {
    if is_statistics(e) {
        return true;
    }
    if o.no_policies && matches!(e.desc.as_str(), "POLICY" | "ROW SECURITY") {
        return false;
    }
    if o.no_policies && e.desc == "COMMENT" && e.tag.starts_with("POLICY ") {
        return false;
    }
    if is_data(e) {
        dump_data(o) || (e.desc == "SEQUENCE SET" && o.sequence_data)
    } else {
        dump_schema(o)
    }
}

/// Without definitions, a referencing table's data must load after the
/// data of the table it references: for each foreign key (in collection
/// order) between two tables that both have data, the referencing TABLE
/// DATA depends on the referenced one.
pub async fn add_data_fk_dependencies(
    cat: &Catalog<'_>,
    archive: &mut Archive,
) -> Result<(), CatalogError> {
    const PG_CONSTRAINT: u32 = 2606;
    let rows = query(
        cat,
        "SELECT oid, conrelid, confrelid FROM pg_catalog.pg_constraint \
         WHERE contype = 'f' AND conparentid = 0",
    )
    .await?;
    let fks: HashMap<u32, (u32, u32)> = rows
        .iter()
        .map(|r| Ok((r.col::<u32>(0)?, (r.col(1)?, r.col(2)?))))
        .collect::<Result<_, RowError>>()?;
    // TABLE DATA objects carry (0, table oid).
    let mut data: HashMap<u32, DumpId> = HashMap::new();
    for (id, obj) in archive.objects.iter().enumerate() {
        if obj.kind == Kind::TableData {
            data.entry(obj.catalog_id.1).or_insert(id);
        }
    }
    let constraints: Vec<u32> = archive
        .objects
        .iter()
        .filter(|o| o.kind == Kind::FkConstraint && o.catalog_id.0 == PG_CONSTRAINT)
        .map(|o| o.catalog_id.1)
        .collect();
    for oid in constraints {
        let Some(&(rel, frel)) = fks.get(&oid) else {
            continue;
        };
        if let (Some(&from), Some(&to)) = (data.get(&rel), data.get(&frel)) {
            archive.add_dep(from, to);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::DataSource;

    fn entry(desc: &str, tag: &str) -> Entry {
        Entry {
            desc: desc.into(),
            tag: tag.into(),
            ..Entry::default()
        }
    }

    #[test]
    fn integer_options() {
        let p = |v| parse_int_option(v, 1, 2147483647, "--rows-per-insert");
        assert_eq!(p("5"), Ok(5));
        assert_eq!(p("+3"), Ok(3));
        assert_eq!(p(" 7 "), Ok(7));
        assert_eq!(
            p("0").unwrap_err(),
            "--rows-per-insert must be in range 1..2147483647"
        );
        assert_eq!(
            p("2147483648").unwrap_err(),
            "--rows-per-insert must be in range 1..2147483647"
        );
        assert_eq!(
            p("99999999999999999999").unwrap_err(),
            "--rows-per-insert must be in range 1..2147483647"
        );
        assert_eq!(
            p("5x").unwrap_err(),
            "invalid value \"5x\" for option --rows-per-insert"
        );
        assert_eq!(
            p("").unwrap_err(),
            "invalid value \"\" for option --rows-per-insert"
        );
    }

    #[test]
    fn conflicts() {
        let o = Options {
            schema_only: true,
            data_only: true,
            ..Options::default()
        };
        assert_eq!(
            validate(&o).unwrap(),
            "options -s/--schema-only and -a/--data-only cannot be used together"
        );
        let o = Options {
            on_conflict_do_nothing: true,
            ..Options::default()
        };
        assert!(validate(&o)
            .unwrap()
            .starts_with("option --on-conflict-do-nothing"));
        let o = Options {
            on_conflict_do_nothing: true,
            column_inserts: true,
            ..Options::default()
        };
        assert_eq!(validate(&o), None);
    }

    #[test]
    fn data_entries() {
        assert!(is_data(&entry("SEQUENCE SET", "s")));
        assert!(is_data(&entry("BLOB METADATA", "1")));
        assert!(is_data(&entry("ACL", "LARGE OBJECT 1")));
        assert!(is_data(&entry("COMMENT", "LARGE OBJECT 1")));
        assert!(!is_data(&entry("ACL", "TABLE t")));
        let mut copy = entry("TABLE DATA", "t");
        copy.data = Some(DataSource::Copy {
            server_copy: String::new(),
        });
        assert!(is_data(&copy));
    }

    #[test]
    fn options_select_entries() {
        let schema_only = Options {
            schema_only: true,
            ..Options::default()
        };
        assert!(!keep(&entry("SEQUENCE SET", "s"), &schema_only));
        assert!(keep(&entry("TABLE", "t"), &schema_only));
        let seq = Options {
            sequence_data: true,
            ..schema_only.clone()
        };
        assert!(keep(&entry("SEQUENCE SET", "s"), &seq));
        let data_only = Options {
            data_only: true,
            ..Options::default()
        };
        assert!(!keep(&entry("TABLE", "t"), &data_only));
        assert!(keep(&entry("ACL", "LARGE OBJECT 5"), &data_only));
        let no_pol = Options {
            no_policies: true,
            ..Options::default()
        };
        assert!(!keep(&entry("POLICY", "p"), &no_pol));
        assert!(!keep(&entry("ROW SECURITY", "t"), &no_pol));
        assert!(keep(&entry("TABLE", "t"), &no_pol));
    }
}
