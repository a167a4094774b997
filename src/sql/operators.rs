//! CREATE OPERATOR, CREATE OPERATOR FAMILY (with its loose members),
//! CREATE OPERATOR CLASS and CREATE ACCESS METHOD, as pg_dump writes them.

use crate::catalog::operators::{
    AccessMethodRow, OpClassRow, OpFamilyRow, OpMember, OperatorRow, ProcMember,
};
use crate::pg::quote::Quoting;

/// The function name of a `regprocedure` text (everything before the
/// first unquoted parenthesis); None for `-` (no function).
pub(crate) fn function_name(regprocedure: &str) -> Option<&str> {
    if regprocedure == "-" {
        return None;
    }
    let mut in_quotes = false;
    for (i, c) in regprocedure.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            '(' if !in_quotes => return Some(&regprocedure[..i]),
            _ => {}
        }
    }
    Some(regprocedure)
}

/// `OPERATOR(schema.name)`: how a commutator or negator is named.
fn operator_reference(q: &Quoting, op: &(String, String)) -> String {
    format!("OPERATOR({}.{})", q.ident(&op.0), op.1)
}

/// `name (left, right)`, NONE for a missing operand: the operator's
/// identity in tags, comments and the owner line.
pub(crate) fn operator_signature(op: &OperatorRow) -> String {
    let left = if op.kind == 'b' { &op.left } else { "NONE" };
    format!("{} ({left}, {})", op.name, op.right)
}

/// The CREATE OPERATOR statement.
pub(crate) fn create_operator(q: &Quoting, op: &OperatorRow) -> String {
    let mut clauses = Vec::new();
    if let Some(f) = function_name(&op.function) {
        clauses.push(format!("FUNCTION = {f}"));
    }
    if op.kind == 'b' {
        clauses.push(format!("LEFTARG = {}", op.left));
    }
    clauses.push(format!("RIGHTARG = {}", op.right));
    if let Some(c) = &op.commutator {
        clauses.push(format!("COMMUTATOR = {}", operator_reference(q, c)));
    }
    if let Some(n) = &op.negator {
        clauses.push(format!("NEGATOR = {}", operator_reference(q, n)));
    }
    if op.merges {
        clauses.push("MERGES".into());
    }
    if op.hashes {
        clauses.push("HASHES".into());
    }
    if let Some(f) = function_name(&op.restrict) {
        clauses.push(format!("RESTRICT = {f}"));
    }
    if let Some(f) = function_name(&op.join) {
        clauses.push(format!("JOIN = {f}"));
    }
    format!(
        "CREATE OPERATOR {}.{} (\n    {}\n);\n",
        q.ident(&op.schema),
        op.name,
        clauses.join(",\n    ")
    )
}

/// `name USING am`: a class's or family's identity in comments.
pub(crate) fn name_using(q: &Quoting, name: &str, access_method: &str) -> String {
    format!("{} USING {}", q.ident(name), q.ident(access_method))
}

/// The member list of CREATE OPERATOR CLASS / ALTER OPERATOR FAMILY ADD,
/// items separated as pg_dump separates them (` ,` then a new line).
fn members(q: &Quoting, ops: &[OpMember], procs: &[ProcMember], items: &mut Vec<String>) {
    for op in ops {
        let mut item = format!("OPERATOR {} {}", op.strategy, op.operator);
        if let Some((schema, family)) = &op.sort_family {
            item.push_str(&format!(
                " FOR ORDER BY {}.{}",
                q.ident(schema),
                q.ident(family)
            ));
        }
        items.push(item);
    }
    for p in procs {
        let mut item = format!("FUNCTION {}", p.number);
        if !p.left.is_empty() && !p.right.is_empty() {
            item.push_str(&format!(" ({}, {})", p.left, p.right));
        }
        item.push_str(&format!(" {}", p.function));
        items.push(item);
    }
}

/// CREATE OPERATOR FAMILY, then its loose members as ALTER ... ADD.
pub(crate) fn create_op_family(
    q: &Quoting,
    f: &OpFamilyRow,
    ops: &[OpMember],
    procs: &[ProcMember],
) -> String {
    let name = q.qualified(&f.schema, &f.name);
    let am = q.ident(&f.access_method);
    let mut out = format!("CREATE OPERATOR FAMILY {name} USING {am};\n");
    let mut items = Vec::new();
    members(q, ops, procs, &mut items);
    if !items.is_empty() {
        out.push_str(&format!(
            "ALTER OPERATOR FAMILY {name} USING {am} ADD\n    {};\n",
            items.join(" ,\n    ")
        ));
    }
    out
}

/// CREATE OPERATOR CLASS with the members tied to the class.
pub(crate) fn create_op_class(
    q: &Quoting,
    c: &OpClassRow,
    ops: &[OpMember],
    procs: &[ProcMember],
) -> String {
    let mut out = format!(
        "CREATE OPERATOR CLASS {}\n    {}FOR TYPE {} USING {}",
        q.qualified(&c.schema, &c.name),
        if c.is_default { "DEFAULT " } else { "" },
        c.input_type,
        q.ident(&c.access_method)
    );
    if let Some((schema, family)) = &c.family {
        out.push_str(&format!(" FAMILY {}.{}", q.ident(schema), q.ident(family)));
    }
    out.push_str(" AS\n    ");
    let mut items = Vec::new();
    if c.storage_type != "-" {
        items.push(format!("STORAGE {}", c.storage_type));
    }
    members(q, ops, procs, &mut items);
    if items.is_empty() {
        // Nothing after AS would not parse: pg_dump writes a STORAGE
        // clause naming the input type, which changes nothing.
        items.push(format!("STORAGE {}", c.input_type));
    }
    out.push_str(&items.join(" ,\n    "));
    out.push_str(";\n");
    out
}

/// CREATE ACCESS METHOD.
pub(crate) fn create_access_method(q: &Quoting, am: &AccessMethodRow) -> String {
    let am_type = match am.am_type {
        't' => "TYPE TABLE ",
        'i' => "TYPE INDEX ",
        _ => "",
    };
    format!(
        "CREATE ACCESS METHOD {} {am_type}HANDLER {};\n",
        q.ident(&am.name),
        am.handler
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_stop_at_the_first_unquoted_parenthesis() {
        assert_eq!(function_name("-"), None);
        assert_eq!(function_name("eqsel(internal,oid)"), Some("eqsel"));
        assert_eq!(
            function_name("\"Odd (\"\"x\"\"\".\"f(\"(text)"),
            Some("\"Odd (\"\"x\"\"\".\"f(\"")
        );
    }

    #[test]
    fn prefix_operators_have_no_left_operand() {
        let op = OperatorRow {
            name: "!!".into(),
            schema: "s 1".into(),
            kind: 'l',
            left: "-".into(),
            right: "integer".into(),
            function: "s.f(integer)".into(),
            restrict: "-".into(),
            join: "-".into(),
            negator: Some(("s 1".into(), "!=!".into())),
            ..OperatorRow::default()
        };
        assert_eq!(operator_signature(&op), "!! (NONE, integer)");
        assert_eq!(
            create_operator(&Quoting::default(), &op),
            "CREATE OPERATOR \"s 1\".!! (\n    FUNCTION = s.f,\n    RIGHTARG = integer,\n    \
             NEGATOR = OPERATOR(\"s 1\".!=!)\n);\n"
        );
    }

    #[test]
    fn classes_list_storage_then_members_and_never_end_at_as() {
        let q = Quoting::default();
        let class = OpClassRow {
            name: "c".into(),
            schema: "s".into(),
            access_method: "Idx AM".into(),
            input_type: "integer".into(),
            storage_type: "-".into(),
            family: Some(("s".into(), "F".into())),
            ..OpClassRow::default()
        };
        assert_eq!(
            create_op_class(&q, &class, &[], &[]),
            "CREATE OPERATOR CLASS s.c\n    FOR TYPE integer USING \"Idx AM\" FAMILY s.\"F\" AS\n    \
             STORAGE integer;\n"
        );
        let ops = [OpMember {
            strategy: 15,
            operator: "s.<->(s.t,s.t)".into(),
            sort_family: Some(("pg_catalog".into(), "float_ops".into())),
            ..OpMember::default()
        }];
        let procs = [ProcMember {
            number: 1,
            function: "s.f(internal)".into(),
            left: "s.t".into(),
            right: "s.t".into(),
            ..ProcMember::default()
        }];
        let gist = OpClassRow {
            is_default: true,
            storage_type: "box".into(),
            ..class
        };
        assert_eq!(
            create_op_class(&q, &gist, &ops, &procs),
            "CREATE OPERATOR CLASS s.c\n    DEFAULT FOR TYPE integer USING \"Idx AM\" FAMILY s.\"F\" AS\n    \
             STORAGE box ,\n    OPERATOR 15 s.<->(s.t,s.t) FOR ORDER BY pg_catalog.float_ops ,\n    \
             FUNCTION 1 (s.t, s.t) s.f(internal);\n"
        );
    }

    #[test]
    fn families_add_loose_members_only_when_they_have_some() {
        let q = Quoting::default();
        let family = OpFamilyRow {
            name: "f".into(),
            schema: "s".into(),
            access_method: "btree".into(),
            ..OpFamilyRow::default()
        };
        assert_eq!(
            create_op_family(&q, &family, &[], &[]),
            "CREATE OPERATOR FAMILY s.f USING btree;\n"
        );
        let procs = [ProcMember {
            number: 1,
            function: "btint48cmp(integer,bigint)".into(),
            left: "integer".into(),
            right: "bigint".into(),
            ..ProcMember::default()
        }];
        assert_eq!(
            create_op_family(&q, &family, &[], &procs),
            "CREATE OPERATOR FAMILY s.f USING btree;\nALTER OPERATOR FAMILY s.f USING btree ADD\n    \
             FUNCTION 1 (integer, bigint) btint48cmp(integer,bigint);\n"
        );
    }
}
