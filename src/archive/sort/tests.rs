//! The sort and each loop-repair rule, on small archives.

use super::*;
use crate::archive::{Archive, DumpObject, Kind, Role};

fn table(a: &mut Archive, name: &str, relkind: char) -> DumpId {
    let mut o = DumpObject::new(
        Kind::Table,
        (1259, a.objects.len() as u32 + 16384),
        Some("public".into()),
        name.into(),
    );
    o.role = Role::Relation { relkind };
    a.add(o)
}

fn names(a: &Archive, order: &[DumpId]) -> Vec<String> {
    order
        .iter()
        .filter(|&&id| a.objects[id].dump)
        .map(|&id| a.objects[id].name.clone())
        .collect()
}

#[test]
fn fills_from_the_back() {
    // CREATE TABLE c; CREATE TABLE b; CREATE VIEW a AS SELECT FROM c;
    // pg_dump prints c, a, b.
    let mut a = Archive::new();
    let c = table(&mut a, "c", 'r');
    let _b = table(&mut a, "b", 'r');
    let v = table(&mut a, "a", 'v');
    a.add_dep(v, c);
    a.add_boundaries();
    let (order, warnings) = sort(&mut a);
    assert!(warnings.is_empty());
    assert_eq!(names(&a, &order), vec!["c", "a", "b"]);
}

#[test]
fn prerequisite_goes_before_earliest_user() {
    // a and bb read c: c, a, b, bb, d.
    let mut a = Archive::new();
    let ta = table(&mut a, "a", 'v');
    table(&mut a, "b", 'r');
    let bb = table(&mut a, "bb", 'v');
    let c = table(&mut a, "c", 'r');
    table(&mut a, "d", 'r');
    a.add_dep(ta, c);
    a.add_dep(bb, c);
    a.add_boundaries();
    let (order, _) = sort(&mut a);
    assert_eq!(names(&a, &order), vec!["c", "a", "b", "bb", "d"]);
}

#[test]
fn view_rule_two_loop_keeps_rule_inline() {
    let mut a = Archive::new();
    let v = table(&mut a, "v", 'v');
    let mut rule = DumpObject::new(
        Kind::Rule,
        (2618, 99999),
        Some("public".into()),
        "_RETURN".into(),
    );
    rule.role = Role::ReturnRule { view: v };
    rule.dump = false;
    let r = a.add(rule);
    a.add_dep(v, r);
    a.add_dep(r, v);
    a.add_boundaries();
    let (order, warnings) = sort(&mut a);
    assert!(warnings.is_empty());
    assert!(!a.objects[r].repairs.separate);
    assert!(a.objects[r].deps.is_empty());
    assert_eq!(order.len(), a.objects.len());
}

#[test]
fn circular_table_data_warns() {
    let mut a = Archive::new();
    let fa = a.add(DumpObject::new(
        Kind::TableData,
        (0, 0),
        Some("public".into()),
        "fa".into(),
    ));
    let fb = a.add(DumpObject::new(
        Kind::TableData,
        (0, 0),
        Some("public".into()),
        "fb".into(),
    ));
    a.add_dep(fa, fb);
    a.add_dep(fb, fa);
    a.add_boundaries();
    let (order, warnings) = sort(&mut a);
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].details, vec!["fa", "fb"]);
    assert_eq!(names(&a, &order), vec!["fa", "fb"]);
}

// One test per loop repair rule (R1-R15), calling repair_loop on the
// loop find_loop would report: each member depends on the next.

fn obj(a: &mut Archive, kind: Kind, name: &str, role: Role) -> DumpId {
    let mut o = DumpObject::new(
        kind,
        (1, a.objects.len() as u32 + 16384),
        Some("public".into()),
        name.into(),
    );
    o.role = role;
    a.add(o)
}

fn func(a: &mut Archive, name: &str) -> DumpId {
    obj(a, Kind::Func, name, Role::Plain)
}

/// Makes `l` a loop (each member depends on the next), adds the
/// boundaries, and repairs it.
fn repair(a: &mut Archive, l: &[DumpId]) -> Vec<SortWarning> {
    for (i, &m) in l.iter().enumerate() {
        a.add_dep(m, l[(i + 1) % l.len()]);
    }
    if a.post_data_boundary.is_none() {
        a.add_boundaries();
    }
    let mut warnings = Vec::new();
    repair_loop(a, l, &mut warnings);
    warnings
}

fn depends(a: &Archive, obj: DumpId, dep: DumpId) -> bool {
    a.objects[obj].deps.contains(&dep)
}

#[test]
fn r1_base_type_and_io_function_use_the_shell_type() {
    for type_first in [true, false] {
        let mut a = Archive::new();
        let mut shell = DumpObject::new(
            Kind::ShellType,
            (1247, 1),
            Some("public".into()),
            "t".into(),
        );
        shell.dump = false;
        let sh = a.add(shell);
        let t = obj(&mut a, Kind::Type, "t", Role::BaseType { shell: Some(sh) });
        let f = func(&mut a, "t_in");
        let l = if type_first { [t, f] } else { [f, t] };
        assert!(repair(&mut a, &l).is_empty());
        assert!(!depends(&a, f, t));
        assert!(depends(&a, t, f));
        assert!(depends(&a, f, sh));
        assert!(a.objects[sh].repairs.shell_needed);
        assert!(a.objects[sh].dump);
    }
}

#[test]
fn r2_matview_and_its_rule_keep_the_rule_inline() {
    let mut a = Archive::new();
    let m = table(&mut a, "m", 'm');
    let r = obj(&mut a, Kind::Rule, "_RETURN", Role::ReturnRule { view: m });
    assert!(repair(&mut a, &[r, m]).is_empty());
    assert!(!depends(&a, r, m));
    assert!(depends(&a, m, r));
    assert!(!a.objects[r].repairs.separate);
}

#[test]
fn r3_longer_loop_through_a_view_splits_off_its_rule() {
    let mut a = Archive::new();
    let v = table(&mut a, "v", 'v');
    let r = obj(&mut a, Kind::Rule, "_RETURN", Role::ReturnRule { view: v });
    let f = func(&mut a, "f");
    assert!(repair(&mut a, &[v, r, f]).is_empty());
    let post = a.post_data_boundary.unwrap();
    assert!(!depends(&a, v, r));
    assert!(a.objects[v].repairs.dummy_view);
    assert!(a.objects[r].repairs.separate);
    assert!(depends(&a, r, v));
    assert!(depends(&a, r, post));
}

#[test]
fn r4_longer_loop_through_a_matview_postpones_it() {
    let mut a = Archive::new();
    let m = table(&mut a, "m", 'm');
    let f = func(&mut a, "f");
    a.add_boundaries();
    let pre = a.pre_data_boundary.unwrap();
    assert!(repair(&mut a, &[f, pre, m]).is_empty());
    assert!(!depends(&a, pre, m));
    assert!(a.objects[m].repairs.postponed);
    assert!(!a.objects[f].repairs.postponed);

    // A matview's statistics and the post-data boundary.
    let mut a = Archive::new();
    let s = obj(&mut a, Kind::RelStats, "m", Role::RelStats { relkind: 'm' });
    let i = obj(&mut a, Kind::Index, "i", Role::Index { parent_index: 0 });
    a.add_boundaries();
    let post = a.post_data_boundary.unwrap();
    assert!(repair(&mut a, &[i, post, s]).is_empty());
    assert!(!depends(&a, post, s));
    assert!(a.objects[s].repairs.postponed);
}

#[test]
fn r5_longer_loop_through_a_function_and_pre_data_postpones_it() {
    let mut a = Archive::new();
    let f = func(&mut a, "f");
    let t = table(&mut a, "t", 'r');
    a.add_boundaries();
    let pre = a.pre_data_boundary.unwrap();
    assert!(repair(&mut a, &[t, pre, f]).is_empty());
    assert!(!depends(&a, pre, f));
    assert!(a.objects[f].repairs.postponed);

    // The boundary's successor in the loop is not a function: only the
    // edge goes.
    let mut a = Archive::new();
    let f = func(&mut a, "f");
    let t = table(&mut a, "t", 'r');
    a.add_boundaries();
    let pre = a.pre_data_boundary.unwrap();
    assert!(repair(&mut a, &[f, pre, t]).is_empty());
    assert!(!depends(&a, pre, t));
    assert!(!a.objects[f].repairs.postponed);
    assert!(!a.objects[t].repairs.postponed);
}

#[test]
fn r6_table_and_its_check_constraint_keep_it_inline() {
    let mut a = Archive::new();
    let t = table(&mut a, "t", 'r');
    let c = obj(&mut a, Kind::Constraint, "c", Role::TableCheck { table: t });
    assert!(repair(&mut a, &[c, t]).is_empty());
    assert!(!depends(&a, c, t));
    assert!(depends(&a, t, c));
    assert!(!a.objects[c].repairs.separate);
}

#[test]
fn r7_longer_loop_through_a_check_constraint_splits_it_off() {
    let mut a = Archive::new();
    let t = table(&mut a, "t", 'r');
    let c = obj(&mut a, Kind::Constraint, "c", Role::TableCheck { table: t });
    let f = func(&mut a, "f");
    assert!(repair(&mut a, &[t, c, f]).is_empty());
    let post = a.post_data_boundary.unwrap();
    assert!(!depends(&a, t, c));
    assert!(a.objects[c].repairs.separate);
    assert!(depends(&a, c, t));
    assert!(depends(&a, c, post));
}

#[test]
fn r8_table_and_its_default_keep_it_inline() {
    let mut a = Archive::new();
    let t = table(&mut a, "t", 'r');
    let d = obj(&mut a, Kind::AttrDef, "t", Role::AttrDef { table: t });
    assert!(repair(&mut a, &[t, d]).is_empty());
    assert!(!depends(&a, d, t));
    assert!(depends(&a, t, d));
    assert!(!a.objects[d].repairs.separate);
}

#[test]
fn r9_partitioned_index_and_attached_index() {
    for parent_first in [true, false] {
        let mut a = Archive::new();
        let p = obj(&mut a, Kind::Index, "p", Role::Index { parent_index: 0 });
        let parent_oid = a.objects[p].catalog_id.1;
        let c = obj(
            &mut a,
            Kind::Index,
            "c",
            Role::Index {
                parent_index: parent_oid,
            },
        );
        let l = if parent_first { [p, c] } else { [c, p] };
        assert!(repair(&mut a, &l).is_empty());
        assert!(!depends(&a, p, c));
        assert!(depends(&a, c, p));
    }
}

#[test]
fn r10_longer_loop_through_a_default_splits_it_off() {
    let mut a = Archive::new();
    let t = table(&mut a, "t", 'r');
    let d = obj(&mut a, Kind::AttrDef, "t", Role::AttrDef { table: t });
    let f = func(&mut a, "f");
    assert!(repair(&mut a, &[t, d, f]).is_empty());
    let post = a.post_data_boundary.unwrap();
    assert!(!depends(&a, t, d));
    assert!(a.objects[d].repairs.separate);
    assert!(depends(&a, d, t));
    // Unlike a constraint, a default stays in pre-data.
    assert!(!depends(&a, d, post));
}

#[test]
fn r11_domain_and_its_constraint_keep_it_inline() {
    let mut a = Archive::new();
    let t = obj(&mut a, Kind::Type, "dom", Role::Plain);
    let c = obj(
        &mut a,
        Kind::Constraint,
        "dom_check",
        Role::DomainConstraint { domain: t },
    );
    assert!(repair(&mut a, &[c, t]).is_empty());
    assert!(!depends(&a, c, t));
    assert!(depends(&a, t, c));
    assert!(!a.objects[c].repairs.separate);
}

#[test]
fn r12_longer_loop_through_a_domain_constraint_splits_it_off() {
    let mut a = Archive::new();
    let t = obj(&mut a, Kind::Type, "dom", Role::Plain);
    let c = obj(
        &mut a,
        Kind::Constraint,
        "dom_check",
        Role::DomainConstraint { domain: t },
    );
    let f = func(&mut a, "f");
    assert!(repair(&mut a, &[t, c, f]).is_empty());
    let post = a.post_data_boundary.unwrap();
    assert!(!depends(&a, t, c));
    assert!(a.objects[c].repairs.separate);
    assert!(depends(&a, c, t));
    assert!(depends(&a, c, post));
}

#[test]
fn r13_table_depending_on_itself() {
    let mut a = Archive::new();
    let t = table(&mut a, "t", 'r');
    let f = func(&mut a, "f");
    a.add_dep(t, f);
    assert!(repair(&mut a, &[t]).is_empty());
    assert!(!depends(&a, t, t));
    assert!(depends(&a, t, f));
}

#[test]
fn r14_table_data_referencing_itself_warns() {
    let mut a = Archive::new();
    let d = obj(&mut a, Kind::TableData, "fa", Role::Plain);
    let w = repair(&mut a, &[d]);
    assert_eq!(w.len(), 1);
    assert_eq!(
        w[0].message,
        "there are circular foreign-key constraints on this table:"
    );
    assert_eq!(w[0].details, vec!["fa"]);
    assert_eq!(w[0].hints.len(), 2);
    assert!(!depends(&a, d, d));
}

#[test]
fn r15_anything_else_warns_and_breaks_the_first_edge() {
    let mut a = Archive::new();
    let f = func(&mut a, "f");
    let g = func(&mut a, "g");
    let w = repair(&mut a, &[f, g]);
    assert_eq!(w.len(), 1);
    assert_eq!(
        w[0].message,
        "could not resolve dependency loop among these items:"
    );
    assert_eq!(
        w[0].details,
        vec!["Func f (ID 1 OID 16384)", "Func g (ID 2 OID 16385)"]
    );
    assert!(!depends(&a, f, g));
    assert!(depends(&a, g, f));

    // A lone object other than a table: its self-dependency goes.
    let mut a = Archive::new();
    let f = func(&mut a, "f");
    let w = repair(&mut a, &[f]);
    assert_eq!(w.len(), 1);
    assert!(!depends(&a, f, f));
}
