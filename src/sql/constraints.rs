//! Constraints printed on their own (CHECK, NOT NULL, keys, foreign
//! keys) and index statements, as pg_dump 18 writes them after the tables
//! (inputs as in [`super::table`]).

use super::foreign_data::foreign_word;
use crate::pg::quote::Quoting;

/// A table constraint's drop statement (`ALTER [FOREIGN ]TABLE [ONLY ]t
/// DROP CONSTRAINT c;`), as pg_dump's archives record it.
pub(crate) fn drop_constraint(
    q: &Quoting,
    foreign: &str,
    only: &str,
    qname: &str,
    name: &str,
) -> String {
    format!(
        "ALTER {foreign}TABLE {only}{qname} DROP CONSTRAINT {};\n",
        q.ident(name)
    )
}

/// A CHECK or NOT NULL constraint printed on its own (no ONLY, so that it
/// reaches children).
pub(crate) fn separate_constraint(
    q: &Quoting,
    foreign: bool,
    qname: &str,
    name: &str,
    definition: &str,
) -> String {
    format!(
        "ALTER {}TABLE {qname}\n    ADD CONSTRAINT {} {definition};\n",
        foreign_word(foreign),
        q.ident(name)
    )
}

/// A foreign key; ONLY unless the table is partitioned.
pub(crate) fn foreign_key(
    q: &Quoting,
    qname: &str,
    partitioned: bool,
    name: &str,
    definition: &str,
) -> String {
    format!(
        "ALTER TABLE {}{qname}\n    ADD CONSTRAINT {} {definition};\n",
        if partitioned { "" } else { "ONLY " },
        q.ident(name)
    )
}

/// What a PRIMARY KEY or UNIQUE constraint is built from.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyConstraint<'a> {
    pub primary: bool,
    pub nulls_not_distinct: bool,
    /// Key column names (unquoted).
    pub keys: Vec<&'a str>,
    /// INCLUDE column names (unquoted).
    pub include: Vec<&'a str>,
    pub without_overlaps: bool,
    /// Formatted index reloptions.
    pub with: Option<String>,
    pub deferrable: bool,
    pub deferred: bool,
}

/// `PRIMARY KEY (a, b) INCLUDE (c) WITH (...) DEFERRABLE ...`.
pub(crate) fn key_constraint_definition(q: &Quoting, k: &KeyConstraint) -> String {
    let mut s = String::from(if k.primary { "PRIMARY KEY" } else { "UNIQUE" });
    if k.nulls_not_distinct && !k.primary {
        s.push_str(" NULLS NOT DISTINCT");
    }
    s.push_str(" (");
    s.push_str(
        &k.keys
            .iter()
            .map(|c| q.ident(c))
            .collect::<Vec<_>>()
            .join(", "),
    );
    if k.without_overlaps {
        s.push_str(" WITHOUT OVERLAPS");
    }
    if !k.include.is_empty() {
        s.push_str(") INCLUDE (");
        s.push_str(
            &k.include
                .iter()
                .map(|c| q.ident(c))
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    s.push(')');
    if let Some(w) = &k.with {
        s.push_str(" WITH (");
        s.push_str(w);
        s.push(')');
    }
    if k.deferrable {
        s.push_str(" DEFERRABLE");
        if k.deferred {
            s.push_str(" INITIALLY DEFERRED");
        }
    }
    s
}

/// CLUSTER ON and REPLICA IDENTITY USING INDEX lines, each after a blank
/// line; `index` is quoted, unqualified.
pub(crate) fn index_properties(
    qtable: &str,
    index: &str,
    clustered: bool,
    replident: bool,
) -> String {
    let mut s = String::new();
    if clustered {
        s.push_str(&format!("\nALTER TABLE {qtable} CLUSTER ON {index};\n"));
    }
    if replident {
        s.push_str(&format!(
            "\nALTER TABLE ONLY {qtable} REPLICA IDENTITY USING INDEX {index};\n"
        ));
    }
    s
}

/// An index-backed constraint's statement (PRIMARY KEY, UNIQUE, EXCLUDE).
pub(crate) fn index_constraint(q: &Quoting, qtable: &str, name: &str, definition: &str) -> String {
    format!(
        "ALTER TABLE ONLY {qtable}\n    ADD CONSTRAINT {} {definition};\n",
        q.ident(name)
    )
}

/// `ALTER INDEX ... ALTER COLUMN n SET STATISTICS m;` lines.
pub(crate) fn index_stat_targets(qindex: &str, targets: &[(i32, i32)]) -> String {
    targets
        .iter()
        .map(|(col, target)| {
            format!("ALTER INDEX {qindex} ALTER COLUMN {col} SET STATISTICS {target};\n")
        })
        .collect()
}

/// The INDEX ATTACH statement.
pub(crate) fn attach_index(parent: &str, child: &str) -> String {
    format!("ALTER INDEX {parent} ATTACH PARTITION {child};\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q() -> Quoting {
        Quoting::default()
    }

    #[test]
    fn key_constraints() {
        let k = KeyConstraint {
            primary: true,
            keys: vec!["a"],
            include: vec!["b", "C"],
            with: Some("fillfactor='80'".into()),
            ..KeyConstraint::default()
        };
        assert_eq!(
            key_constraint_definition(&q(), &k),
            "PRIMARY KEY (a) INCLUDE (b, \"C\") WITH (fillfactor='80')"
        );
        let k = KeyConstraint {
            nulls_not_distinct: true,
            keys: vec!["id", "valid"],
            without_overlaps: true,
            deferrable: true,
            deferred: true,
            ..KeyConstraint::default()
        };
        assert_eq!(
            key_constraint_definition(&q(), &k),
            "UNIQUE NULLS NOT DISTINCT (id, valid WITHOUT OVERLAPS) DEFERRABLE INITIALLY DEFERRED"
        );
        assert_eq!(
            index_constraint(&q(), "s1.t", "t_pkey", "PRIMARY KEY (id)"),
            "ALTER TABLE ONLY s1.t\n    ADD CONSTRAINT t_pkey PRIMARY KEY (id);\n"
        );
        assert_eq!(
            foreign_key(
                &q(),
                "s1.p",
                true,
                "fk",
                "FOREIGN KEY (b) REFERENCES s1.x(id)"
            ),
            "ALTER TABLE s1.p\n    ADD CONSTRAINT fk FOREIGN KEY (b) REFERENCES s1.x(id);\n"
        );
    }
}
