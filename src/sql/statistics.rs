//! The text of a STATISTICS DATA entry: one `pg_restore_relation_stats`
//! call for the relation, then one `pg_restore_attribute_stats` call per
//! column statistics row. Arguments are tab-indented `'name', value`
//! pairs; values are string literals with a cast.

use crate::pg::quote::Quoting;

/// A relation's `pg_class` figures.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RelationStats<'a> {
    /// The source server's `server_version_num`.
    pub version: i32,
    pub schema: &'a str,
    pub relname: &'a str,
    pub relpages: i32,
    /// `reltuples` as the server printed it.
    pub reltuples: &'a str,
    pub relallvisible: i32,
    /// Servers 18 and later only.
    pub relallfrozen: Option<i32>,
}

/// How an attribute statistics call names its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Column<'a> {
    Name(&'a str),
    /// Index columns with expressions: by position.
    Number(i16),
}

/// One `pg_stats` row (NULL fields are left out of the call).
#[derive(Debug, Clone, Copy)]
pub(crate) struct AttributeStats<'a> {
    pub column: Column<'a>,
    pub inherited: bool,
    pub null_frac: Option<&'a str>,
    pub avg_width: Option<&'a str>,
    pub n_distinct: Option<&'a str>,
    pub most_common_vals: Option<&'a str>,
    pub most_common_freqs: Option<&'a str>,
    pub histogram_bounds: Option<&'a str>,
    pub correlation: Option<&'a str>,
    pub most_common_elems: Option<&'a str>,
    pub most_common_elem_freqs: Option<&'a str>,
    pub elem_count_histogram: Option<&'a str>,
    pub range_length_histogram: Option<&'a str>,
    pub range_empty_frac: Option<&'a str>,
    pub range_bounds_histogram: Option<&'a str>,
}

/// Collects `'name', value` argument lines.
struct Args<'q> {
    q: &'q Quoting,
    items: Vec<String>,
}

impl<'q> Args<'q> {
    fn new(q: &'q Quoting, version: i32, schema: &str, relname: &str) -> Args<'q> {
        let mut a = Args {
            q,
            items: Vec::new(),
        };
        a.cast("version", &version.to_string(), "integer");
        a.plain("schemaname", schema);
        a.plain("relname", relname);
        a
    }

    fn plain(&mut self, name: &str, value: &str) {
        let value = self.q.literal(value);
        self.items.push(format!("\t'{name}', {value}"));
    }

    fn cast(&mut self, name: &str, value: &str, ty: &str) {
        let value = self.q.literal(value);
        self.items.push(format!("\t'{name}', {value}::{ty}"));
    }

    fn opt_cast(&mut self, name: &str, value: Option<&str>, ty: &str) {
        if let Some(v) = value {
            self.cast(name, v, ty);
        }
    }

    fn call(self, function: &str) -> String {
        format!(
            "SELECT * FROM pg_catalog.{function}(\n{}\n);\n",
            self.items.join(",\n")
        )
    }
}

/// The whole entry text: the relation call, then each attribute call.
pub(crate) fn statistics_data(
    q: &Quoting,
    rel: &RelationStats,
    attributes: &[AttributeStats],
) -> String {
    let mut a = Args::new(q, rel.version, rel.schema, rel.relname);
    a.cast("relpages", &rel.relpages.to_string(), "integer");
    a.cast("reltuples", rel.reltuples, "real");
    a.cast("relallvisible", &rel.relallvisible.to_string(), "integer");
    if let Some(frozen) = rel.relallfrozen {
        a.cast("relallfrozen", &frozen.to_string(), "integer");
    }
    let mut out = a.call("pg_restore_relation_stats");
    for s in attributes {
        let mut a = Args::new(q, rel.version, rel.schema, rel.relname);
        match s.column {
            Column::Name(name) => a.plain("attname", name),
            Column::Number(n) => a.cast("attnum", &n.to_string(), "smallint"),
        }
        a.cast("inherited", if s.inherited { "t" } else { "f" }, "boolean");
        a.opt_cast("null_frac", s.null_frac, "real");
        a.opt_cast("avg_width", s.avg_width, "integer");
        a.opt_cast("n_distinct", s.n_distinct, "real");
        a.opt_cast("most_common_vals", s.most_common_vals, "text");
        a.opt_cast("most_common_freqs", s.most_common_freqs, "real[]");
        a.opt_cast("histogram_bounds", s.histogram_bounds, "text");
        a.opt_cast("correlation", s.correlation, "real");
        a.opt_cast("most_common_elems", s.most_common_elems, "text");
        a.opt_cast("most_common_elem_freqs", s.most_common_elem_freqs, "real[]");
        a.opt_cast("elem_count_histogram", s.elem_count_histogram, "real[]");
        a.opt_cast("range_length_histogram", s.range_length_histogram, "text");
        a.opt_cast("range_empty_frac", s.range_empty_frac, "real");
        a.opt_cast("range_bounds_histogram", s.range_bounds_histogram, "text");
        out.push_str(&a.call("pg_restore_attribute_stats"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel<'a>(relallfrozen: Option<i32>) -> RelationStats<'a> {
        RelationStats {
            version: 180006,
            schema: "s1",
            relname: "pt_1",
            relpages: 1,
            reltuples: "1",
            relallvisible: 0,
            relallfrozen,
        }
    }

    fn attr(column: Column) -> AttributeStats {
        AttributeStats {
            column,
            inherited: false,
            null_frac: Some("0"),
            avg_width: Some("4"),
            n_distinct: Some("-1"),
            most_common_vals: None,
            most_common_freqs: None,
            histogram_bounds: None,
            correlation: None,
            most_common_elems: None,
            most_common_elem_freqs: None,
            elem_count_histogram: None,
            range_length_histogram: None,
            range_empty_frac: None,
            range_bounds_histogram: None,
        }
    }

    #[test]
    fn relation_and_attribute_calls() {
        let text = statistics_data(
            &Quoting::default(),
            &rel(Some(0)),
            &[attr(Column::Name("d"))],
        );
        assert_eq!(
            text,
            "SELECT * FROM pg_catalog.pg_restore_relation_stats(\n\
             \t'version', '180006'::integer,\n\
             \t'schemaname', 's1',\n\
             \t'relname', 'pt_1',\n\
             \t'relpages', '1'::integer,\n\
             \t'reltuples', '1'::real,\n\
             \t'relallvisible', '0'::integer,\n\
             \t'relallfrozen', '0'::integer\n\
             );\n\
             SELECT * FROM pg_catalog.pg_restore_attribute_stats(\n\
             \t'version', '180006'::integer,\n\
             \t'schemaname', 's1',\n\
             \t'relname', 'pt_1',\n\
             \t'attname', 'd',\n\
             \t'inherited', 'f'::boolean,\n\
             \t'null_frac', '0'::real,\n\
             \t'avg_width', '4'::integer,\n\
             \t'n_distinct', '-1'::real\n\
             );\n"
        );
    }

    #[test]
    fn no_relallfrozen_before_18() {
        let text = statistics_data(&Quoting::default(), &rel(None), &[]);
        assert!(text.ends_with("\t'relallvisible', '0'::integer\n);\n"));
        assert!(!text.contains("relallfrozen"));
    }

    #[test]
    fn index_columns_by_number_and_every_field_in_order() {
        let mut a = attr(Column::Number(2));
        a.inherited = true;
        a.most_common_vals = Some("{v'3}");
        a.most_common_freqs = Some("{0.5}");
        a.histogram_bounds = Some("{a,b}");
        a.correlation = Some("1");
        a.most_common_elems = Some("{x}");
        a.most_common_elem_freqs = Some("{1,1,0}");
        a.elem_count_histogram = Some("{1}");
        a.range_length_histogram = Some("{Infinity}");
        a.range_empty_frac = Some("0");
        a.range_bounds_histogram = Some("{\"[1,)\"}");
        let text = statistics_data(&Quoting::default(), &rel(None), &[a]);
        let body = text.split("pg_restore_attribute_stats(\n").nth(1).unwrap();
        let names: Vec<&str> = body
            .lines()
            .filter_map(|l| l.strip_prefix("\t'"))
            .map(|l| l.split('\'').next().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "version",
                "schemaname",
                "relname",
                "attnum",
                "inherited",
                "null_frac",
                "avg_width",
                "n_distinct",
                "most_common_vals",
                "most_common_freqs",
                "histogram_bounds",
                "correlation",
                "most_common_elems",
                "most_common_elem_freqs",
                "elem_count_histogram",
                "range_length_histogram",
                "range_empty_frac",
                "range_bounds_histogram",
            ]
        );
        assert!(body.contains("\t'attnum', '2'::smallint,\n"));
        assert!(body.contains("\t'inherited', 't'::boolean,\n"));
        assert!(body.contains("\t'most_common_vals', '{v''3}'::text,\n"));
        assert!(body.contains("\t'most_common_elem_freqs', '{1,1,0}'::real[],\n"));
    }

    #[test]
    fn names_are_plain_literals() {
        // Names are byte strings of the section's encoding (UTF8 here).
        let schema = crate::text::from_bytes("Stat \"Schéma\"".as_bytes());
        let column = crate::text::from_bytes("Cöl \\1".as_bytes());
        let r = RelationStats {
            schema: &schema,
            relname: "it's",
            ..rel(None)
        };
        let text = statistics_data(&Quoting::default(), &r, &[attr(Column::Name(&column))]);
        assert!(text.contains(&format!("\t'schemaname', '{schema}',\n")));
        assert!(text.contains("\t'relname', 'it''s',\n"));
        assert!(text.contains(&format!("\t'attname', '{column}',\n")));
    }
}
