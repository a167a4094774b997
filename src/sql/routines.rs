//! SQL text of functions, procedures, aggregates and procedural languages.

use crate::catalog::routines::{AggregateRow, FunctionRow, LanguageRow};
use crate::pg::quote::{is_list_guc, split_guc_list, Quoting};

/// Quotes a function body with dollar quotes whose tag does not occur in
/// it: `$`, then `_`, `X`, `X`, ... appended until the tag (without its
/// closing `$`) is absent from the body.
pub(crate) fn dollar_quote(body: &str) -> String {
    const SUFFIXES: [char; 8] = ['_', 'X', 'X', 'X', 'X', 'X', 'X', 'X'];
    let mut delim = String::from("$");
    let mut next = 0;
    while body.contains(delim.as_str()) {
        delim.push(SUFFIXES[next]);
        next = (next + 1) % SUFFIXES.len();
    }
    delim.push('$');
    format!("{delim}{body}{delim}")
}

/// `name(args)` with the name quoted: how ALTER, COMMENT and ACL
/// statements (and their tags) name a routine.
pub(crate) fn signature(q: &Quoting, name: &str, args: &str) -> String {
    format!("{}({args})", q.ident(name))
}

/// An aggregate's signature: `name(args)`, or `name(*)` without arguments.
pub(crate) fn aggregate_signature(q: &Quoting, name: &str, args: &str, nargs: usize) -> String {
    if nargs == 0 {
        format!("{}(*)", q.ident(name))
    } else {
        signature(q, name, args)
    }
}

/// The tag of a routine's main entry: the bare name and the formatted
/// input argument types (`*` for an aggregate without arguments).
pub(crate) fn tag(name: &str, arg_types: &[String], aggregate: bool) -> String {
    if aggregate && arg_types.is_empty() {
        return format!("{name}(*)");
    }
    format!("{name}({})", arg_types.join(", "))
}

/// `FUNCTION` or `PROCEDURE`.
pub(crate) fn keyword(f: &FunctionRow) -> &'static str {
    if f.kind == 'p' {
        "PROCEDURE"
    } else {
        "FUNCTION"
    }
}

/// One `SET` clause of a routine from a `proconfig` item.
fn set_clause(q: &Quoting, item: &str, out: &mut String) {
    let Some(eq) = item.find('=') else { return };
    let (name, value) = (&item[..eq], &item[eq + 1..]);
    out.push_str(&format!("\n    SET {} TO ", q.ident(name)));
    if is_list_guc(name) {
        if let Some(items) = split_guc_list(value) {
            if items.is_empty() {
                out.push_str("NULL");
            }
            let quoted: Vec<String> = items.iter().map(|i| q.literal(i)).collect();
            out.push_str(&quoted.join(", "));
        }
    } else {
        out.push_str(&q.literal(value));
    }
}

/// The `AS ...` part of a routine with a source text.
fn as_part(q: &Quoting, f: &FunctionRow, disable_dollar_quoting: bool) -> String {
    let src = f.src.as_deref().unwrap_or("");
    match f.bin.as_deref() {
        Some(bin) if !bin.is_empty() => {
            let mut s = format!("AS {}", q.literal(bin));
            if !src.is_empty() {
                s.push_str(", ");
                if disable_dollar_quoting || (!src.contains('\'') && !src.contains('\\')) {
                    s.push_str(&q.literal(src));
                } else {
                    s.push_str(&dollar_quote(src));
                }
            }
            s
        }
        _ => {
            if disable_dollar_quoting {
                format!("AS {}", q.literal(src))
            } else {
                format!("AS {}", dollar_quote(src))
            }
        }
    }
}

/// `CREATE FUNCTION` / `CREATE PROCEDURE` text of a routine.
pub(crate) fn create_function(
    q: &Quoting,
    f: &FunctionRow,
    disable_dollar_quoting: bool,
) -> String {
    let mut s = format!(
        "CREATE {} {}.{}",
        keyword(f),
        q.ident(&f.schema),
        signature(q, &f.name, &f.arguments)
    );
    if f.kind != 'p' {
        match &f.result {
            Some(r) => s.push_str(&format!(" RETURNS {r}")),
            None => s.push_str(&format!(
                " RETURNS {}{}",
                if f.retset { "SETOF " } else { "" },
                f.return_type
            )),
        }
    }
    s.push_str(&format!("\n    LANGUAGE {}", q.ident(&f.language)));
    push_attributes(f, &mut s);
    for item in &f.config {
        set_clause(q, item, &mut s);
    }
    match &f.sql_body {
        Some(body) => s.push_str(&format!("\n    {body}")),
        None => s.push_str(&format!("\n    {}", as_part(q, f, disable_dollar_quoting))),
    }
    s.push_str(";\n");
    let qualified = format!(
        "{}.{}",
        q.ident(&f.schema),
        signature(q, &f.name, &f.identity_arguments)
    );
    for ext in &f.depends_on_extensions {
        s.push_str(&format!(
            "\nALTER {} {qualified} DEPENDS ON EXTENSION {};",
            keyword(f),
            q.ident(ext)
        ));
    }
    s
}

/// The attributes between LANGUAGE and SET, each only when it differs from
/// CREATE FUNCTION's default (as pg_dump leaves defaults out).
fn push_attributes(f: &FunctionRow, s: &mut String) {
    if !f.transform_types.is_empty() {
        let list: Vec<String> = f
            .transform_types
            .iter()
            .map(|t| format!("FOR TYPE {t}"))
            .collect();
        s.push_str(&format!(" TRANSFORM {}", list.join(", ")));
    }
    if f.kind == 'w' {
        s.push_str(" WINDOW");
    }
    match f.volatile {
        'i' => s.push_str(" IMMUTABLE"),
        's' => s.push_str(" STABLE"),
        _ => {}
    }
    if f.strict {
        s.push_str(" STRICT");
    }
    if f.security_definer {
        s.push_str(" SECURITY DEFINER");
    }
    if f.leakproof {
        s.push_str(" LEAKPROOF");
    }
    if f.cost != "0" {
        let default = if f.language == "internal" || f.language == "c" {
            "1"
        } else {
            "100"
        };
        if f.cost != default {
            s.push_str(&format!(" COST {}", f.cost));
        }
    }
    if f.retset && f.rows != "0" && f.rows != "1000" {
        s.push_str(&format!(" ROWS {}", f.rows));
    }
    if f.support != "-" {
        s.push_str(&format!(" SUPPORT {}", f.support));
    }
    match f.parallel {
        's' => s.push_str(" PARALLEL SAFE"),
        'r' => s.push_str(" PARALLEL RESTRICTED"),
        _ => {}
    }
}

fn modify_word(m: char) -> &'static str {
    match m {
        'r' => "READ_ONLY",
        's' => "SHAREABLE",
        _ => "READ_WRITE",
    }
}

/// `CREATE AGGREGATE` text.
pub(crate) fn create_aggregate(q: &Quoting, a: &AggregateRow) -> String {
    let default_modify = if a.agg_kind == 'n' { 'r' } else { 'w' };
    let mut d = format!("    SFUNC = {},\n    STYPE = {}", a.transfn, a.transtype);
    if a.transspace != 0 {
        d.push_str(&format!(",\n    SSPACE = {}", a.transspace));
    }
    if let Some(init) = &a.initval {
        d.push_str(&format!(",\n    INITCOND = {}", q.literal(init)));
    }
    if a.finalfn != "-" {
        d.push_str(&format!(",\n    FINALFUNC = {}", a.finalfn));
        if a.finalextra {
            d.push_str(",\n    FINALFUNC_EXTRA");
        }
        if a.finalmodify != default_modify {
            d.push_str(&format!(
                ",\n    FINALFUNC_MODIFY = {}",
                modify_word(a.finalmodify)
            ));
        }
    }
    if a.combinefn != "-" {
        d.push_str(&format!(",\n    COMBINEFUNC = {}", a.combinefn));
    }
    if a.serialfn != "-" {
        d.push_str(&format!(",\n    SERIALFUNC = {}", a.serialfn));
    }
    if a.deserialfn != "-" {
        d.push_str(&format!(",\n    DESERIALFUNC = {}", a.deserialfn));
    }
    if a.mtransfn != "-" {
        d.push_str(&format!(
            ",\n    MSFUNC = {},\n    MINVFUNC = {},\n    MSTYPE = {}",
            a.mtransfn, a.minvtransfn, a.mtranstype
        ));
    }
    if a.mtransspace != 0 {
        d.push_str(&format!(",\n    MSSPACE = {}", a.mtransspace));
    }
    if let Some(init) = &a.minitval {
        d.push_str(&format!(",\n    MINITCOND = {}", q.literal(init)));
    }
    if a.mfinalfn != "-" {
        d.push_str(&format!(",\n    MFINALFUNC = {}", a.mfinalfn));
        if a.mfinalextra {
            d.push_str(",\n    MFINALFUNC_EXTRA");
        }
        if a.mfinalmodify != default_modify {
            d.push_str(&format!(
                ",\n    MFINALFUNC_MODIFY = {}",
                modify_word(a.mfinalmodify)
            ));
        }
    }
    if let Some((schema, op)) = &a.sortop {
        d.push_str(&format!(
            ",\n    SORTOP = OPERATOR({}.{op})",
            q.ident(schema)
        ));
    }
    if a.agg_kind == 'h' {
        d.push_str(",\n    HYPOTHETICAL");
    }
    match a.parallel {
        's' => d.push_str(",\n    PARALLEL = safe"),
        'r' => d.push_str(",\n    PARALLEL = restricted"),
        _ => {}
    }
    format!(
        "CREATE AGGREGATE {}.{} (\n{d}\n);\n",
        q.ident(&a.schema),
        aggregate_signature(q, &a.name, &a.arguments, a.args.formatted.len())
    )
}

/// The support functions of a language as they are named in its
/// definition (`schema.name`), when they are dumped.
#[derive(Debug, Clone, Default)]
pub(crate) struct LanguageFunctions {
    pub handler: Option<String>,
    pub inline: Option<String>,
    pub validator: Option<String>,
}

/// `CREATE PROCEDURAL LANGUAGE` text: the full form when the handler and
/// any inline and validator functions are dumped, else the short form.
pub(crate) fn create_language(q: &Quoting, l: &LanguageRow, f: &LanguageFunctions) -> String {
    let name = q.ident(&l.name);
    let full = f.handler.is_some()
        && (l.inline == 0 || f.inline.is_some())
        && (l.validator == 0 || f.validator.is_some());
    if !full {
        return format!("CREATE OR REPLACE PROCEDURAL LANGUAGE {name};\n");
    }
    let mut s = format!(
        "CREATE {}PROCEDURAL LANGUAGE {name} HANDLER {}",
        if l.trusted { "TRUSTED " } else { "" },
        f.handler.as_deref().unwrap_or_default()
    );
    if let Some(i) = &f.inline {
        s.push_str(&format!(" INLINE {i}"));
    }
    if let Some(v) = &f.validator {
        s.push_str(&format!(" VALIDATOR {v}"));
    }
    s.push_str(";\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sql_fn(name: &str, src: &str) -> FunctionRow {
        FunctionRow {
            name: name.into(),
            schema: "s1".into(),
            kind: 'f',
            src: Some(src.into()),
            volatile: 'v',
            cost: "100".into(),
            rows: "0".into(),
            result: Some("integer".into()),
            return_type: "integer".into(),
            parallel: 'u',
            support: "-".into(),
            language: "sql".into(),
            ..FunctionRow::default()
        }
    }

    #[test]
    fn dollar_quotes_pick_an_absent_tag() {
        assert_eq!(dollar_quote("SELECT 1"), "$$SELECT 1$$");
        assert_eq!(dollar_quote("SELECT $1 - $2"), "$_$SELECT $1 - $2$_$");
        assert_eq!(
            dollar_quote("BEGIN RETURN $$a$$ || '$_'; END"),
            "$_X$BEGIN RETURN $$a$$ || '$_'; END$_X$"
        );
        assert_eq!(
            dollar_quote("SELECT '$$' || '$_$' || '$_X$'"),
            "$_XX$SELECT '$$' || '$_$' || '$_X$'$_XX$"
        );
    }

    #[test]
    fn plain_sql_function() {
        let q = Quoting::default();
        let mut f = sql_fn("f_plain", "SELECT b || a");
        f.arguments = "a integer, b text".into();
        f.result = Some("text".into());
        assert_eq!(
            create_function(&q, &f, false),
            "CREATE FUNCTION s1.f_plain(a integer, b text) RETURNS text\n    LANGUAGE sql\n    AS $$SELECT b || a$$;\n"
        );
    }

    #[test]
    fn attributes_and_set_clauses() {
        let q = Quoting::default();
        let mut f = sql_fn("f_attrs", "SELECT 1");
        f.volatile = 's';
        f.strict = true;
        f.security_definer = true;
        f.leakproof = true;
        f.cost = "1000".into();
        f.parallel = 's';
        f.config = vec![
            "search_path=s1, public, \"X\", \"\"".into(),
            "work_mem=64MB".into(),
            "DateStyle=ISO, MDY".into(),
            "application_name=a\\b'c".into(),
            "temp_tablespaces=".into(),
            "bogus".into(),
        ];
        assert_eq!(
            create_function(&q, &f, false),
            "CREATE FUNCTION s1.f_attrs() RETURNS integer\n    \
             LANGUAGE sql STABLE STRICT SECURITY DEFINER LEAKPROOF COST 1000 PARALLEL SAFE\n    \
             SET search_path TO 's1', 'public', 'X', ''\n    \
             SET work_mem TO '64MB'\n    \
             SET \"DateStyle\" TO 'ISO, MDY'\n    \
             SET application_name TO 'a\\b''c'\n    \
             SET temp_tablespaces TO NULL\n    \
             AS $$SELECT 1$$;\n"
        );
    }

    #[test]
    fn c_functions_and_costs() {
        let q = Quoting::default();
        let mut f = sql_fn("f_c", "hstore_in");
        f.language = "c".into();
        f.bin = Some("$libdir/hstore".into());
        f.cost = "5".into();
        f.volatile = 'i';
        f.strict = true;
        assert_eq!(
            create_function(&q, &f, false),
            "CREATE FUNCTION s1.f_c() RETURNS integer\n    LANGUAGE c IMMUTABLE STRICT COST 5\n    \
             AS '$libdir/hstore', 'hstore_in';\n"
        );
        f.src = Some("it's".into());
        f.cost = "1".into();
        assert!(create_function(&q, &f, false).ends_with("AS '$libdir/hstore', $$it's$$;\n"));
        assert!(create_function(&q, &f, true).ends_with("AS '$libdir/hstore', 'it''s';\n"));
        let mut i = sql_fn("f_i", "int4abs");
        i.language = "internal".into();
        i.cost = "1".into();
        assert!(create_function(&q, &i, false).contains("LANGUAGE internal\n    AS $$int4abs$$;"));
    }

    #[test]
    fn procedures_windows_sets_and_bodies() {
        let q = Quoting::default();
        let mut p = sql_fn("p", "");
        p.kind = 'p';
        p.arguments = "IN a integer".into();
        p.sql_body = Some("BEGIN ATOMIC\n SELECT a AS a;\nEND".into());
        assert_eq!(
            create_function(&q, &p, false),
            "CREATE PROCEDURE s1.p(IN a integer)\n    LANGUAGE sql\n    BEGIN ATOMIC\n SELECT a AS a;\nEND;\n"
        );
        let mut w = sql_fn("w", "window_row_number");
        w.kind = 'w';
        w.language = "internal".into();
        w.cost = "1".into();
        w.volatile = 'i';
        assert!(create_function(&q, &w, false).contains("LANGUAGE internal WINDOW IMMUTABLE\n"));
        let mut s = sql_fn("s", "SELECT 1");
        s.retset = true;
        s.rows = "42".into();
        s.cost = "7".into();
        s.result = None;
        s.support = "textlike_support".into();
        s.transform_types = vec!["s1.mood".into(), "integer".into()];
        assert_eq!(
            create_function(&q, &s, false),
            "CREATE FUNCTION s1.s() RETURNS SETOF integer\n    \
             LANGUAGE sql TRANSFORM FOR TYPE s1.mood, FOR TYPE integer COST 7 ROWS 42 SUPPORT textlike_support\n    \
             AS $$SELECT 1$$;\n"
        );
        s.rows = "1000".into();
        assert!(!create_function(&q, &s, false).contains("ROWS"));
    }

    #[test]
    fn names_and_tags() {
        let q = Quoting::default();
        assert_eq!(
            signature(&q, "Fn", "\"X\" integer"),
            "\"Fn\"(\"X\" integer)"
        );
        assert_eq!(aggregate_signature(&q, "agg", "", 0), "agg(*)");
        assert_eq!(tag("agg", &[], true), "agg(*)");
        assert_eq!(tag("f", &[], false), "f()");
        assert_eq!(
            tag("f", &["integer".into(), "s1.t".into()], false),
            "f(integer, s1.t)"
        );
    }

    #[test]
    fn aggregates() {
        let q = Quoting::default();
        let a = AggregateRow {
            name: "agg_max".into(),
            schema: "s1".into(),
            args: crate::catalog::routines::ArgTypes {
                sort_keys: vec![None],
                formatted: vec!["integer".into()],
            },
            arguments: "integer".into(),
            agg_kind: 'n',
            transfn: "int4larger".into(),
            transtype: "integer".into(),
            finalfn: "-".into(),
            finalmodify: 'r',
            combinefn: "-".into(),
            serialfn: "-".into(),
            deserialfn: "-".into(),
            mtransfn: "-".into(),
            minvtransfn: "-".into(),
            mtranstype: "-".into(),
            mfinalfn: "-".into(),
            mfinalmodify: 'r',
            sortop: Some(("pg_catalog".into(), ">".into())),
            parallel: 'u',
            ..AggregateRow::default()
        };
        assert_eq!(
            create_aggregate(&q, &a),
            "CREATE AGGREGATE s1.agg_max(integer) (\n    SFUNC = int4larger,\n    STYPE = integer,\n    \
             SORTOP = OPERATOR(pg_catalog.>)\n);\n"
        );
        let h = AggregateRow {
            agg_kind: 'h',
            sortop: None,
            finalfn: "rank_final".into(),
            finalextra: true,
            finalmodify: 'w',
            initval: Some("it's".into()),
            parallel: 'r',
            ..a
        };
        assert_eq!(
            create_aggregate(&q, &h),
            "CREATE AGGREGATE s1.agg_max(integer) (\n    SFUNC = int4larger,\n    STYPE = integer,\n    \
             INITCOND = 'it''s',\n    FINALFUNC = rank_final,\n    FINALFUNC_EXTRA,\n    HYPOTHETICAL,\n    \
             PARALLEL = restricted\n);\n"
        );
    }

    #[test]
    fn languages() {
        let q = Quoting::default();
        let l = LanguageRow {
            name: "Pl Bar".into(),
            trusted: true,
            handler: 1,
            validator: 2,
            ..LanguageRow::default()
        };
        let mut f = LanguageFunctions {
            handler: Some("s1.plh".into()),
            ..LanguageFunctions::default()
        };
        assert_eq!(
            create_language(&q, &l, &f),
            "CREATE OR REPLACE PROCEDURAL LANGUAGE \"Pl Bar\";\n"
        );
        f.validator = Some("s1.plv".into());
        assert_eq!(
            create_language(&q, &l, &f),
            "CREATE TRUSTED PROCEDURAL LANGUAGE \"Pl Bar\" HANDLER s1.plh VALIDATOR s1.plv;\n"
        );
    }
}
