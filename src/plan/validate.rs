//! The checks pg_dump makes of its options (bad integer values,
//! conflicting options), and the values they decide.

use crate::cli::Options;

/// pg_dump's integer option parsing: leading blanks, an optional sign and
/// digits, trailing blanks; then the range.
pub(crate) fn parse_int_option(value: &str, min: i64, max: i64, name: &str) -> Result<i64, String> {
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
pub(crate) fn rows_per_insert(o: &Options) -> Option<usize> {
    match &o.rows_per_insert {
        Some(v) => parse_int_option(v, 1, i32::MAX as i64, "--rows-per-insert")
            .ok()
            .map(|n| n as usize),
        None => (o.inserts || o.column_inserts).then_some(1),
    }
}

/// `--extra-float-digits` (validated), 3 by default.
pub(crate) fn extra_float_digits(o: &Options) -> i64 {
    o.extra_float_digits
        .as_deref()
        .and_then(|v| parse_int_option(v, -15, 3, "--extra-float-digits").ok())
        .unwrap_or(3)
}

/// The error pg_dump reports for the per-database options, if any: bad
/// integer values first, then conflicting options, in pg_dump's order.
pub(crate) fn validate(o: &Options) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
