//! Text search statements: CREATE TEXT SEARCH PARSER / TEMPLATE /
//! DICTIONARY / CONFIGURATION, and a configuration's ADD MAPPING lines in
//! pg_dump's form (one statement per token type, each after a blank line).

use crate::catalog::text_search::{ConfigurationRow, DictionaryRow, ParserRow, TemplateRow};
use crate::pg::quote::Quoting;

/// `CREATE TEXT SEARCH PARSER s.p (...);` (function names are regproc
/// text from the server).
pub(crate) fn create_parser(q: &Quoting, p: &ParserRow) -> String {
    let mut out = format!(
        "CREATE TEXT SEARCH PARSER {} (\n",
        q.qualified(&p.schema, &p.name)
    );
    out.push_str(&format!("    START = {},\n", p.start));
    out.push_str(&format!("    GETTOKEN = {},\n", p.token));
    out.push_str(&format!("    END = {},\n", p.end));
    if let Some(headline) = &p.headline {
        out.push_str(&format!("    HEADLINE = {headline},\n"));
    }
    out.push_str(&format!("    LEXTYPES = {} );\n", p.lextype));
    out
}

/// `CREATE TEXT SEARCH TEMPLATE s.t (...);`
pub(crate) fn create_template(q: &Quoting, t: &TemplateRow) -> String {
    let mut out = format!(
        "CREATE TEXT SEARCH TEMPLATE {} (\n",
        q.qualified(&t.schema, &t.name)
    );
    if let Some(init) = &t.init {
        out.push_str(&format!("    INIT = {init},\n"));
    }
    out.push_str(&format!("    LEXIZE = {} );\n", t.lexize));
    out
}

/// `CREATE TEXT SEARCH DICTIONARY s.d (TEMPLATE = ..., options);` with
/// the template always qualified (even in pg_catalog) and the options copied verbatim.
pub(crate) fn create_dictionary(q: &Quoting, d: &DictionaryRow) -> String {
    let mut out = format!(
        "CREATE TEXT SEARCH DICTIONARY {} (\n    TEMPLATE = {}",
        q.qualified(&d.schema, &d.name),
        q.qualified(&d.template_schema, &d.template)
    );
    if let Some(options) = &d.options {
        out.push_str(&format!(",\n    {options}"));
    }
    out.push_str(" );\n");
    out
}

/// `CREATE TEXT SEARCH CONFIGURATION s.c (PARSER = ...);` then one
/// `ALTER ... ADD MAPPING FOR alias WITH d1, d2;` per token type.
pub(crate) fn create_configuration(q: &Quoting, c: &ConfigurationRow) -> String {
    let name = q.qualified(&c.schema, &c.name);
    let mut out = format!(
        "CREATE TEXT SEARCH CONFIGURATION {name} (\n    PARSER = {} );\n",
        q.qualified(&c.parser_schema, &c.parser)
    );
    let mut previous: Option<&str> = None;
    for (alias, dict) in &c.mappings {
        if previous == Some(alias.as_str()) {
            out.push_str(&format!(", {dict}"));
            continue;
        }
        if previous.is_some() {
            out.push_str(";\n");
        }
        out.push_str(&format!(
            "\nALTER TEXT SEARCH CONFIGURATION {name}\n    ADD MAPPING FOR {} WITH {dict}",
            q.ident(alias)
        ));
        previous = Some(alias);
    }
    if previous.is_some() {
        out.push_str(";\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_groups_mappings_per_token() {
        let q = Quoting::default();
        let c = ConfigurationRow {
            name: "Cfg".into(),
            schema: "s".into(),
            parser_schema: "pg_catalog".into(),
            parser: "default".into(),
            mappings: vec![
                ("asciiword".into(), "s.d".into()),
                ("asciiword".into(), "simple".into()),
                ("int".into(), "simple".into()),
            ],
            ..ConfigurationRow::default()
        };
        assert_eq!(
            create_configuration(&q, &c),
            "CREATE TEXT SEARCH CONFIGURATION s.\"Cfg\" (\n    PARSER = pg_catalog.\"default\" );\n\
             \nALTER TEXT SEARCH CONFIGURATION s.\"Cfg\"\n    ADD MAPPING FOR asciiword WITH s.d, simple;\n\
             \nALTER TEXT SEARCH CONFIGURATION s.\"Cfg\"\n    ADD MAPPING FOR \"int\" WITH simple;\n"
        );
    }

    #[test]
    fn parser_without_headline_and_dictionary_options() {
        let q = Quoting::default();
        let p = ParserRow {
            name: "p".into(),
            schema: "s".into(),
            start: "prsd_start".into(),
            token: "prsd_nexttoken".into(),
            end: "prsd_end".into(),
            headline: None,
            lextype: "prsd_lextype".into(),
            ..ParserRow::default()
        };
        assert_eq!(
            create_parser(&q, &p),
            "CREATE TEXT SEARCH PARSER s.p (\n    START = prsd_start,\n    GETTOKEN = prsd_nexttoken,\n    \
             END = prsd_end,\n    LEXTYPES = prsd_lextype );\n"
        );
        let d = DictionaryRow {
            name: "d".into(),
            schema: "s".into(),
            template_schema: "pg_catalog".into(),
            template: "simple".into(),
            options: Some("stopwords = 'english'".into()),
            ..DictionaryRow::default()
        };
        assert_eq!(
            create_dictionary(&q, &d),
            "CREATE TEXT SEARCH DICTIONARY s.d (\n    TEMPLATE = pg_catalog.simple,\n    stopwords = 'english' );\n"
        );
    }
}
