//! PostgreSQL 18's keyword list, as far as quoting needs it: the words an
//! identifier must be quoted for.

/// PostgreSQL 18's keywords that are not UNRESERVED (RESERVED, COL_NAME and
/// TYPE_FUNC_NAME): exactly the words fmtId quotes. Sorted for binary search.
/// tests/keywords_acl.rs compares it with the server's `pg_get_keywords()`.
pub const NON_UNRESERVED_KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "json",
    "json_array",
    "json_arrayagg",
    "json_exists",
    "json_object",
    "json_objectagg",
    "json_query",
    "json_scalar",
    "json_serialize",
    "json_table",
    "json_value",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "merge_action",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];

/// Whether `word` is a keyword that an identifier must be quoted for.
pub(crate) fn is_quoted_keyword(word: &str) -> bool {
    // Called for nearly every name printed: look among the words of the
    // same first letter only (the list is sorted), byte by byte.
    let Some(&first) = word.as_bytes().first() else {
        return false;
    };
    let start = NON_UNRESERVED_KEYWORDS.partition_point(|k| k.as_bytes()[0] < first);
    NON_UNRESERVED_KEYWORDS[start..]
        .iter()
        .take_while(|k| k.as_bytes()[0] == first)
        .any(|k| *k == word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_keyword_and_only_those_is_found() {
        for k in NON_UNRESERVED_KEYWORDS {
            assert!(is_quoted_keyword(k), "{k}");
            assert!(!is_quoted_keyword(&format!("{k}x")), "{k}x");
            assert!(
                !is_quoted_keyword(&k[..k.len() - 1])
                    || NON_UNRESERVED_KEYWORDS.contains(&&k[..k.len() - 1])
            );
        }
        for w in ["", "a", "zzz", "tablex", "_select", "Select"] {
            assert!(!is_quoted_keyword(w), "{w}");
        }
    }

    #[test]
    fn keyword_table_is_sorted() {
        let mut sorted = NON_UNRESERVED_KEYWORDS.to_vec();
        sorted.sort();
        assert_eq!(sorted, NON_UNRESERVED_KEYWORDS);
    }
}
