//! Statements of casts, conversions and transforms.

use crate::catalog::casts::{CastRow, ConversionRow, FunctionRef, TransformRow};
use crate::pg::quote::Quoting;

/// A function as CREATE CAST and CREATE TRANSFORM name it: always
/// schema-qualified, with its input argument types.
fn function_signature(q: &Quoting, f: &FunctionRef) -> String {
    format!(
        "{}.{}({})",
        q.ident(&f.schema),
        q.ident(&f.name),
        f.arg_types.join(", ")
    )
}

/// `CAST (source AS target)`: the cast's tag and its name in COMMENT.
pub(crate) fn cast_label(c: &CastRow) -> String {
    format!("CAST ({} AS {})", c.source, c.target)
}

/// `CREATE CAST ...;`.
pub(crate) fn create_cast(q: &Quoting, c: &CastRow) -> String {
    let how = match (c.method, &c.function) {
        ('b', _) => "WITHOUT FUNCTION".to_string(),
        ('i', _) => "WITH INOUT".to_string(),
        (_, Some(f)) => format!("WITH FUNCTION {}", function_signature(q, f)),
        // A function cast whose function is gone: pg_dump warns and
        // prints the statement without it.
        (_, None) => String::new(),
    };
    let context = match c.context {
        'a' => " AS ASSIGNMENT",
        'i' => " AS IMPLICIT",
        _ => "",
    };
    format!(
        "CREATE CAST ({} AS {}) {how}{context};\n",
        c.source, c.target
    )
}

/// `CREATE [DEFAULT] CONVERSION ...;`; `qname` is the quoted, qualified
/// name.
pub(crate) fn create_conversion(q: &Quoting, c: &ConversionRow, qname: &str) -> String {
    format!(
        "CREATE {}CONVERSION {qname} FOR {} TO {} FROM {};\n",
        if c.is_default { "DEFAULT " } else { "" },
        q.literal(&c.for_encoding),
        q.literal(&c.to_encoding),
        // regproc text is already quoted (and qualified when needed).
        c.function
    )
}

/// `FOR type LANGUAGE lang`: a transform's name in COMMENT.
pub(crate) fn transform_target(q: &Quoting, t: &TransformRow) -> String {
    format!("FOR {} LANGUAGE {}", t.type_name, q.ident(&t.language))
}

/// `CREATE TRANSFORM ...;`.
pub(crate) fn create_transform(q: &Quoting, t: &TransformRow) -> String {
    let clauses: Vec<String> = [
        t.from_sql
            .as_ref()
            .map(|f| format!("FROM SQL WITH FUNCTION {}", function_signature(q, f))),
        t.to_sql
            .as_ref()
            .map(|f| format!("TO SQL WITH FUNCTION {}", function_signature(q, f))),
    ]
    .into_iter()
    .flatten()
    .collect();
    format!(
        "CREATE TRANSFORM {} ({});\n",
        transform_target(q, t),
        clauses.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q() -> Quoting {
        Quoting::new(false, true, "UTF8")
    }

    #[test]
    fn cast_forms() {
        let mut c = CastRow {
            source: "s1.mood".into(),
            target: "integer".into(),
            method: 'f',
            context: 'a',
            function: Some(FunctionRef {
                schema: "Odd \"S\"".into(),
                name: "m2i".into(),
                arg_types: vec!["s1.mood".into(), "integer".into()],
            }),
            ..CastRow::default()
        };
        assert_eq!(
            create_cast(&q(), &c),
            "CREATE CAST (s1.mood AS integer) WITH FUNCTION \"Odd \"\"S\"\"\".m2i(s1.mood, integer) AS ASSIGNMENT;\n"
        );
        c.method = 'i';
        c.context = 'i';
        assert_eq!(
            create_cast(&q(), &c),
            "CREATE CAST (s1.mood AS integer) WITH INOUT AS IMPLICIT;\n"
        );
        c.method = 'b';
        c.context = 'e';
        assert_eq!(
            create_cast(&q(), &c),
            "CREATE CAST (s1.mood AS integer) WITHOUT FUNCTION;\n"
        );
        assert_eq!(cast_label(&c), "CAST (s1.mood AS integer)");
    }

    #[test]
    fn transform_with_one_function() {
        let t = TransformRow {
            type_name: "s1.t".into(),
            language: "plpgsql".into(),
            to_sql: Some(FunctionRef {
                schema: "s1".into(),
                name: "to".into(),
                arg_types: vec!["internal".into()],
            }),
            ..TransformRow::default()
        };
        assert_eq!(
            create_transform(&q(), &t),
            "CREATE TRANSFORM FOR s1.t LANGUAGE plpgsql (TO SQL WITH FUNCTION s1.\"to\"(internal));\n"
        );
    }
}
