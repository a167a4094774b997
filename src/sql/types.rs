//! SQL text of types: enums, composites, ranges, domains, base and shell
//! types, and domain constraints.

use crate::catalog::types::{
    BaseTypeInfo, CollationName, CompositeAttr, DomainConstraintRow, DomainInfo, RangeInfo,
};
use crate::pg::quote::Quoting;
use crate::pg::version::at_least;

fn collation_name(q: &Quoting, c: &CollationName) -> String {
    q.qualified(&c.0, &c.1)
}

/// `CREATE TYPE x;`: a shell type, or a type that was never completed.
pub(crate) fn create_shell(qualified: &str) -> String {
    format!("CREATE TYPE {qualified};\n")
}

/// `CREATE TYPE x AS ENUM (...)`, one label per line.
pub(crate) fn create_enum(q: &Quoting, qualified: &str, labels: &[String]) -> String {
    let mut s = format!("CREATE TYPE {qualified} AS ENUM (");
    for (i, l) in labels.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str("\n    ");
        s.push_str(&q.literal(l));
    }
    s.push_str("\n);\n");
    s
}

/// `CREATE TYPE x AS (...)`, dropped attributes left out.
pub(crate) fn create_composite(q: &Quoting, qualified: &str, attrs: &[CompositeAttr]) -> String {
    let mut s = format!("CREATE TYPE {qualified} AS (");
    for (n, a) in attrs.iter().filter(|a| !a.dropped).enumerate() {
        if n > 0 {
            s.push(',');
        }
        s.push_str(&format!("\n\t{} {}", q.ident(&a.name), a.type_name));
        if let Some(c) = &a.collation {
            s.push_str(&format!(" COLLATE {}", collation_name(q, c)));
        }
    }
    s.push_str("\n);\n");
    s
}

/// `CREATE TYPE x AS RANGE (...)`.
pub(crate) fn create_range(q: &Quoting, qualified: &str, r: &RangeInfo) -> String {
    let mut s = format!(
        "CREATE TYPE {qualified} AS RANGE (\n    subtype = {}",
        r.subtype
    );
    if let Some(m) = &r.multirange {
        s.push_str(&format!(",\n    multirange_type_name = {m}"));
    }
    if !r.opclass_default {
        s.push_str(&format!(
            ",\n    subtype_opclass = {}.{}",
            q.ident(&r.opclass.0),
            q.ident(&r.opclass.1)
        ));
    }
    if let Some(c) = &r.collation {
        s.push_str(&format!(",\n    collation = {}", collation_name(q, c)));
    }
    if r.canonical != "-" {
        s.push_str(&format!(",\n    canonical = {}", r.canonical));
    }
    if r.subdiff != "-" {
        s.push_str(&format!(",\n    subtype_diff = {}", r.subdiff));
    }
    s.push_str("\n);\n");
    s
}

/// How a domain's NOT NULL constraint is printed.
#[derive(Debug, Clone, Copy)]
pub(crate) enum NotNull<'a> {
    /// No constraint row (servers before 17): ` NOT NULL`.
    Unnamed,
    /// A named constraint printed inline: ` NOT NULL` if it has the
    /// default name, else ` CONSTRAINT name NOT NULL`.
    Inline(&'a DomainConstraintRow),
    /// Printed on its own: nothing inline.
    Separate,
}

/// `CREATE DOMAIN`, with its inline constraints. `checks` are the
/// validated CHECK constraints printed inline, in name order.
pub(crate) fn create_domain(
    q: &Quoting,
    qualified: &str,
    name: &str,
    d: &DomainInfo,
    server_version_num: i32,
    not_null: NotNull,
    checks: &[&DomainConstraintRow],
) -> String {
    let mut s = format!("CREATE DOMAIN {qualified} AS {}", d.base);
    if let Some(c) = &d.collation {
        s.push_str(&format!(" COLLATE {}", collation_name(q, c)));
    }
    if d.not_null {
        match not_null {
            _ if !at_least(server_version_num, 17) => s.push_str(" NOT NULL"),
            NotNull::Unnamed => s.push_str(" NOT NULL"),
            NotNull::Inline(nn) => {
                if nn.name == format!("{name}_not_null") {
                    s.push_str(" NOT NULL");
                } else {
                    s.push_str(&format!(
                        " CONSTRAINT {} {}",
                        q.ident(&nn.name),
                        nn.definition
                    ));
                }
            }
            NotNull::Separate => {}
        }
    }
    if let Some(expr) = &d.default_expr {
        s.push_str(&format!(" DEFAULT {expr}"));
    } else if let Some(lit) = &d.default_literal {
        s.push_str(&format!(" DEFAULT {}", q.literal(lit)));
    }
    for c in checks {
        s.push_str(&format!(
            "\n\tCONSTRAINT {} {}",
            q.ident(&c.name),
            c.definition
        ));
    }
    s.push_str(";\n");
    s
}

/// A domain constraint printed on its own (NOT VALID, or split off to
/// break a dependency loop).
pub(crate) fn add_domain_constraint(
    q: &Quoting,
    qualified: &str,
    c: &DomainConstraintRow,
) -> String {
    format!(
        "ALTER DOMAIN {qualified}\n    ADD CONSTRAINT {} {};\n",
        q.ident(&c.name),
        c.definition
    )
}

/// `CREATE TYPE x (...)` of a base type.
pub(crate) fn create_base(q: &Quoting, qualified: &str, b: &BaseTypeInfo) -> String {
    let mut s = format!(
        "CREATE TYPE {qualified} (\n    INTERNALLENGTH = {}",
        if b.length == -1 {
            "variable".to_string()
        } else {
            b.length.to_string()
        }
    );
    s.push_str(&format!(",\n    INPUT = {}", b.input));
    s.push_str(&format!(",\n    OUTPUT = {}", b.output));
    for (word, f) in [
        ("RECEIVE", &b.receive),
        ("SEND", &b.send),
        ("TYPMOD_IN", &b.typmod_in),
        ("TYPMOD_OUT", &b.typmod_out),
        ("ANALYZE", &b.analyze),
    ] {
        if let Some(f) = f {
            s.push_str(&format!(",\n    {word} = {f}"));
        }
    }
    if b.collatable {
        s.push_str(",\n    COLLATABLE = true");
    }
    if let Some(expr) = &b.default_expr {
        s.push_str(&format!(",\n    DEFAULT = {expr}"));
    } else if let Some(lit) = &b.default_literal {
        s.push_str(&format!(",\n    DEFAULT = {}", q.literal(lit)));
    }
    if let Some(f) = &b.subscript {
        s.push_str(&format!(",\n    SUBSCRIPT = {f}"));
    }
    if let Some(e) = &b.element {
        s.push_str(&format!(",\n    ELEMENT = {e}"));
    }
    if b.category != 'U' {
        s.push_str(&format!(
            ",\n    CATEGORY = {}",
            q.literal(&b.category.to_string())
        ));
    }
    if b.preferred {
        s.push_str(",\n    PREFERRED = true");
    }
    if b.delimiter != ',' {
        s.push_str(&format!(
            ",\n    DELIMITER = {}",
            q.literal(&b.delimiter.to_string())
        ));
    }
    s.push_str(match b.align {
        'c' => ",\n    ALIGNMENT = char",
        's' => ",\n    ALIGNMENT = int2",
        'i' => ",\n    ALIGNMENT = int4",
        'd' => ",\n    ALIGNMENT = double",
        _ => "",
    });
    s.push_str(match b.storage {
        'p' => ",\n    STORAGE = plain",
        'e' => ",\n    STORAGE = external",
        'x' => ",\n    STORAGE = extended",
        'm' => ",\n    STORAGE = main",
        _ => "",
    });
    if b.by_value {
        s.push_str(",\n    PASSEDBYVALUE");
    }
    s.push_str("\n);\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums() {
        assert_eq!(
            create_enum(
                &Quoting::default(),
                "s1.mood",
                &["sad".into(), "it's".into()]
            ),
            "CREATE TYPE s1.mood AS ENUM (\n    'sad',\n    'it''s'\n);\n"
        );
        assert_eq!(
            create_enum(&Quoting::default(), "public.e", &[]),
            "CREATE TYPE public.e AS ENUM (\n);\n"
        );
    }

    #[test]
    fn composites() {
        let q = Quoting::default();
        let attrs = vec![
            CompositeAttr {
                name: "B".into(),
                attnum: 1,
                type_name: "text".into(),
                dropped: false,
                collation: Some(("pg_catalog".into(), "C".into())),
            },
            CompositeAttr {
                name: "........pg.dropped.2........".into(),
                attnum: 2,
                dropped: true,
                ..CompositeAttr::default()
            },
            CompositeAttr {
                name: "d".into(),
                attnum: 3,
                type_name: "numeric(10,2)".into(),
                ..CompositeAttr::default()
            },
        ];
        assert_eq!(
            create_composite(&q, "s1.comp", &attrs),
            "CREATE TYPE s1.comp AS (\n\t\"B\" text COLLATE pg_catalog.\"C\",\n\td numeric(10,2)\n);\n"
        );
    }

    #[test]
    fn ranges() {
        let q = Quoting::default();
        let r = RangeInfo {
            subtype: "text".into(),
            multirange: Some("s1.tpmultirange".into()),
            opclass: ("pg_catalog".into(), "text_pattern_ops".into()),
            opclass_default: false,
            collation: None,
            canonical: "-".into(),
            subdiff: "-".into(),
        };
        assert_eq!(
            create_range(&q, "s1.tprange", &r),
            "CREATE TYPE s1.tprange AS RANGE (\n    subtype = text,\n    multirange_type_name = s1.tpmultirange,\n    \
             subtype_opclass = pg_catalog.text_pattern_ops\n);\n"
        );
        let r = RangeInfo {
            subtype: "integer".into(),
            multirange: Some("s1.ir_multirange".into()),
            opclass_default: true,
            canonical: "s1.canon".into(),
            subdiff: "int4range_subdiff".into(),
            ..r
        };
        assert_eq!(
            create_range(&q, "s1.ir", &r),
            "CREATE TYPE s1.ir AS RANGE (\n    subtype = integer,\n    multirange_type_name = s1.ir_multirange,\n    \
             canonical = s1.canon,\n    subtype_diff = int4range_subdiff\n);\n"
        );
    }

    #[test]
    fn domains() {
        let q = Quoting::default();
        let d = DomainInfo {
            not_null: true,
            base: "integer".into(),
            default_expr: Some("1".into()),
            default_literal: Some("1".into()),
            collation: None,
        };
        let pos = DomainConstraintRow {
            name: "pos".into(),
            definition: "CHECK ((VALUE > 0))".into(),
            validated: true,
            contype: 'c',
            ..DomainConstraintRow::default()
        };
        assert_eq!(
            create_domain(&q, "s1.posint", "posint", &d, 160000, NotNull::Unnamed, &[&pos]),
            "CREATE DOMAIN s1.posint AS integer NOT NULL DEFAULT 1\n\tCONSTRAINT pos CHECK ((VALUE > 0));\n"
        );
        let nn = DomainConstraintRow {
            name: "d1_nn".into(),
            definition: "NOT NULL".into(),
            validated: true,
            contype: 'n',
            ..DomainConstraintRow::default()
        };
        let d1 = DomainInfo {
            default_expr: None,
            default_literal: None,
            ..d.clone()
        };
        assert_eq!(
            create_domain(&q, "s1.d1", "d1", &d1, 180000, NotNull::Inline(&nn), &[]),
            "CREATE DOMAIN s1.d1 AS integer CONSTRAINT d1_nn NOT NULL;\n"
        );
        let nn2 = DomainConstraintRow {
            name: "d1_not_null".into(),
            ..nn
        };
        assert_eq!(
            create_domain(&q, "s1.d1", "d1", &d1, 180000, NotNull::Inline(&nn2), &[]),
            "CREATE DOMAIN s1.d1 AS integer NOT NULL;\n"
        );
        assert_eq!(
            add_domain_constraint(&q, "s1.posint", &pos),
            "ALTER DOMAIN s1.posint\n    ADD CONSTRAINT pos CHECK ((VALUE > 0));\n"
        );
    }

    #[test]
    fn base_types() {
        let b = BaseTypeInfo {
            length: -1,
            input: "s1.base_in".into(),
            output: "s1.base_out".into(),
            receive: Some("s1.base_recv".into()),
            delimiter: ';',
            align: 'i',
            storage: 'x',
            category: 'S',
            preferred: true,
            collatable: true,
            default_literal: Some("x'y".into()),
            ..BaseTypeInfo::default()
        };
        assert_eq!(
            create_base(&Quoting::default(), "s1.base", &b),
            "CREATE TYPE s1.base (\n    INTERNALLENGTH = variable,\n    INPUT = s1.base_in,\n    OUTPUT = s1.base_out,\n    \
             RECEIVE = s1.base_recv,\n    COLLATABLE = true,\n    DEFAULT = 'x''y',\n    CATEGORY = 'S',\n    \
             PREFERRED = true,\n    DELIMITER = ';',\n    ALIGNMENT = int4,\n    STORAGE = extended\n);\n"
        );
    }
}
