//! pg_dump's object order: an initial sort by kind priority, schema, name
//! and tie-breakers (rules S1-S6), then a topological sort that fills the
//! output from the back (rules T1-T5), repairing dependency loops the way
//! pg_dump does (rules L1-L3, R1-R15). docs/ordering.md states each rule
//! with the case that shows it.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::{Archive, DumpId, DumpObject, Kind, Role};

/// A warning raised while repairing loops (printed by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortWarning {
    pub message: String,
    pub details: Vec<String>,
    pub hints: Vec<String>,
}

/// The initial comparison (S1-S6).
pub fn compare(a: &DumpObject, b: &DumpObject) -> Ordering {
    a.kind
        .priority()
        .cmp(&b.kind.priority())
        .then_with(|| match (&a.schema, &b.schema) {
            (Some(x), Some(y)) => x.cmp(y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        })
        .then_with(|| a.name.cmp(&b.name))
        .then_with(|| a.kind.cmp(&b.kind))
        .then_with(|| a.tie.cmp(&b.tie))
        .then_with(|| a.catalog_id.1.cmp(&b.catalog_id.1))
}

/// Sorts every object; returns the dump ids in output order, and any
/// warnings loop repair produced.
pub fn sort(archive: &mut Archive) -> (Vec<DumpId>, Vec<SortWarning>) {
    let mut initial: Vec<DumpId> = (0..archive.objects.len()).collect();
    initial.sort_by(|&a, &b| compare(&archive.objects[a], &archive.objects[b]));
    let mut warnings = Vec::new();
    loop {
        match topo_sort(archive, &initial) {
            Ok(order) => return (order, warnings),
            Err(unplaced) => {
                if !repair_loops(archive, &unplaced, &mut warnings) {
                    // pg_dump gives up here; keep going by dropping one
                    // dependency of the first unplaced object so that the
                    // dump still completes, and say so.
                    let first = unplaced[0];
                    warnings.push(SortWarning {
                        message: "could not identify dependency loop".into(),
                        details: Vec::new(),
                        hints: Vec::new(),
                    });
                    archive.objects[first].deps.clear();
                }
            }
        }
    }
}

/// Reverse-greedy topological sort (T1-T5). On failure returns the dump
/// ids that could not be placed, in dump id order.
fn topo_sort(archive: &Archive, list: &[DumpId]) -> Result<Vec<DumpId>, Vec<DumpId>> {
    let n = archive.objects.len();
    let mut position = vec![0usize; n];
    for (i, &id) in list.iter().enumerate() {
        position[id] = i;
    }
    let mut successors = vec![0usize; n];
    for obj in &archive.objects {
        for &d in &obj.deps {
            if d < n {
                successors[d] += 1;
            }
        }
    }
    let mut heap: BinaryHeap<usize> = list
        .iter()
        .enumerate()
        .filter(|(_, &id)| successors[id] == 0)
        .map(|(i, _)| i)
        .collect();
    let mut order = vec![usize::MAX; list.len()];
    let mut free = list.len();
    while let Some(i) = heap.pop() {
        let id = list[i];
        free -= 1;
        order[free] = id;
        for &d in &archive.objects[id].deps {
            if d >= n {
                continue;
            }
            successors[d] -= 1;
            if successors[d] == 0 {
                heap.push(position[d]);
            }
        }
    }
    if free == 0 {
        Ok(order)
    } else {
        Err((0..n).filter(|&id| successors[id] != 0).collect())
    }
}

/// Finds loops among the unplaced objects (L1-L3) and repairs each.
/// Returns whether any loop was repaired.
fn repair_loops(
    archive: &mut Archive,
    unplaced: &[DumpId],
    warnings: &mut Vec<SortWarning>,
) -> bool {
    let n = archive.objects.len();
    let mut processed = vec![false; n];
    let mut search_failed = vec![usize::MAX; n];
    let mut fixed = false;
    for &start in unplaced {
        let mut workspace = Vec::new();
        let len = find_loop(
            archive,
            start,
            start,
            &processed,
            &mut search_failed,
            &mut workspace,
        );
        if len > 0 {
            let members: Vec<DumpId> = workspace[..len].to_vec();
            repair_loop(archive, &members, warnings);
            fixed = true;
            for m in members {
                processed[m] = true;
            }
        } else {
            processed[start] = true;
        }
    }
    fixed
}

/// Depth-first search for a path from `obj` back to `start` along
/// dependencies, in recording order. Returns the loop length (members in
/// `workspace[..len]`, each depending on the next) or 0.
fn find_loop(
    archive: &Archive,
    obj: DumpId,
    start: DumpId,
    processed: &[bool],
    search_failed: &mut [usize],
    workspace: &mut Vec<DumpId>,
) -> usize {
    if processed[obj] || search_failed[obj] == start || workspace.contains(&obj) {
        return 0;
    }
    workspace.push(obj);
    let depth = workspace.len();
    if archive.objects[obj].deps.contains(&start) {
        return depth;
    }
    let deps = archive.objects[obj].deps.clone();
    for d in deps {
        if d >= archive.objects.len() {
            continue;
        }
        let found = find_loop(archive, d, start, processed, search_failed, workspace);
        if found > 0 {
            return found;
        }
        workspace.truncate(depth);
    }
    search_failed[obj] = start;
    workspace.truncate(depth - 1);
    0
}

fn is_view(archive: &Archive, id: DumpId) -> bool {
    matches!(archive.objects[id].role, Role::Relation { relkind: 'v' })
}

fn is_view_or_matview(archive: &Archive, id: DumpId) -> bool {
    matches!(
        archive.objects[id].role,
        Role::Relation { relkind: 'v' | 'm' }
    )
}

/// Applies the first matching repair rule (R1-R15) to one loop.
fn repair_loop(archive: &mut Archive, l: &[DumpId], warnings: &mut Vec<SortWarning>) {
    let kind = |a: &Archive, id: DumpId| a.objects[id].kind;
    let n = l.len();
    let post = archive.post_data_boundary.expect("boundaries added");

    // R1: a base type and one of its I/O functions.
    if n == 2 {
        for (t, f) in [(l[0], l[1]), (l[1], l[0])] {
            if kind(archive, t) == Kind::Type && kind(archive, f) == Kind::Func {
                archive.remove_dep(f, t);
                if let Role::BaseType { shell: Some(shell) } = archive.objects[t].role {
                    archive.add_dep(f, shell);
                    archive.objects[shell].repairs.shell_needed = true;
                    archive.objects[shell].dump = archive.objects[t].dump;
                }
                return;
            }
        }
    }
    // R2: a view or matview and its ON SELECT rule.
    if n == 2 {
        for (v, r) in [(l[0], l[1]), (l[1], l[0])] {
            if kind(archive, v) == Kind::Table
                && is_view_or_matview(archive, v)
                && archive.objects[r].role == (Role::ReturnRule { view: v })
            {
                archive.remove_dep(r, v);
                return;
            }
        }
    }
    // R3: a longer loop through a view and its ON SELECT rule.
    if n > 2 {
        for &v in l {
            if kind(archive, v) == Kind::Table && is_view(archive, v) {
                for &r in l {
                    if archive.objects[r].role == (Role::ReturnRule { view: v }) {
                        archive.remove_dep(v, r);
                        archive.objects[v].repairs.dummy_view = true;
                        archive.objects[r].repairs.separate = true;
                        archive.add_dep(r, v);
                        archive.add_dep(r, post);
                        return;
                    }
                }
            }
        }
    }
    // R4: a longer loop through a matview (or matview statistics) and a
    // section boundary.
    if n > 2 {
        for &m in l {
            let boundary = match (&archive.objects[m].kind, &archive.objects[m].role) {
                (Kind::Table, Role::Relation { relkind: 'm' }) => Kind::PreDataBoundary,
                (Kind::RelStats, Role::RelStats { relkind: 'm' }) => Kind::PostDataBoundary,
                _ => continue,
            };
            for j in 0..n {
                if kind(archive, l[j]) == boundary {
                    let next = l[(j + 1) % n];
                    archive.remove_dep(l[j], next);
                    if matches!(archive.objects[next].role, Role::Relation { relkind: 'm' })
                        || matches!(archive.objects[next].role, Role::RelStats { relkind: 'm' })
                    {
                        archive.objects[next].repairs.postponed = true;
                    }
                    return;
                }
            }
        }
    }
    // R5: a longer loop through a function and the pre-data boundary.
    if n > 2 && l.iter().any(|&f| kind(archive, f) == Kind::Func) {
        for j in 0..n {
            if kind(archive, l[j]) == Kind::PreDataBoundary {
                let next = l[(j + 1) % n];
                archive.remove_dep(l[j], next);
                if kind(archive, next) == Kind::Func {
                    archive.objects[next].repairs.postponed = true;
                }
                return;
            }
        }
    }
    // R6: a table and its CHECK constraint.
    if n == 2 {
        for (t, c) in [(l[0], l[1]), (l[1], l[0])] {
            if kind(archive, t) == Kind::Table
                && archive.objects[c].role == (Role::TableCheck { table: t })
            {
                archive.remove_dep(c, t);
                return;
            }
        }
    }
    // R7: a longer loop through a table and its CHECK constraint.
    if n > 2 {
        for &t in l {
            if kind(archive, t) != Kind::Table {
                continue;
            }
            for &c in l {
                if archive.objects[c].role == (Role::TableCheck { table: t }) {
                    archive.remove_dep(t, c);
                    archive.objects[c].repairs.separate = true;
                    archive.add_dep(c, t);
                    archive.add_dep(c, post);
                    return;
                }
            }
        }
    }
    // R8: a table and its column default.
    if n == 2 {
        for (t, d) in [(l[0], l[1]), (l[1], l[0])] {
            if kind(archive, t) == Kind::Table
                && archive.objects[d].role == (Role::AttrDef { table: t })
            {
                archive.remove_dep(d, t);
                return;
            }
        }
    }
    // R9: a partitioned index and the partition's index attached to it.
    if n == 2 && kind(archive, l[0]) == Kind::Index && kind(archive, l[1]) == Kind::Index {
        for (child, parent) in [(l[0], l[1]), (l[1], l[0])] {
            if archive.objects[child].role
                == (Role::Index {
                    parent_index: archive.objects[parent].catalog_id.1,
                })
            {
                archive.remove_dep(parent, child);
                return;
            }
        }
    }
    // R10: a longer loop through a table and its column default.
    if n > 2 {
        for &t in l {
            if kind(archive, t) != Kind::Table {
                continue;
            }
            for &d in l {
                if archive.objects[d].role == (Role::AttrDef { table: t }) {
                    archive.remove_dep(t, d);
                    archive.objects[d].repairs.separate = true;
                    archive.add_dep(d, t);
                    return;
                }
            }
        }
    }
    // R11: a domain and its CHECK or NOT NULL constraint.
    if n == 2 {
        for (t, c) in [(l[0], l[1]), (l[1], l[0])] {
            if kind(archive, t) == Kind::Type
                && archive.objects[c].role == (Role::DomainConstraint { domain: t })
            {
                archive.remove_dep(c, t);
                return;
            }
        }
    }
    // R12: a longer loop through a domain and its constraint.
    if n > 2 {
        for &t in l {
            if kind(archive, t) != Kind::Type {
                continue;
            }
            for &c in l {
                if archive.objects[c].role == (Role::DomainConstraint { domain: t }) {
                    archive.remove_dep(t, c);
                    archive.objects[c].repairs.separate = true;
                    archive.add_dep(c, t);
                    archive.add_dep(c, post);
                    return;
                }
            }
        }
    }
    // R13: a table that depends on itself.
    if n == 1 && kind(archive, l[0]) == Kind::Table {
        archive.remove_dep(l[0], l[0]);
        return;
    }
    // R14: circular foreign keys among table data (data-only dumps).
    if l.iter().all(|&id| kind(archive, id) == Kind::TableData) {
        let details: Vec<String> = l
            .iter()
            .map(|&id| archive.objects[id].name.clone())
            .collect();
        warnings.push(SortWarning {
            message: if n == 1 {
                "there are circular foreign-key constraints on this table:".into()
            } else {
                "there are circular foreign-key constraints among these tables:".into()
            },
            details,
            hints: vec![
                "You might not be able to restore the dump without using --disable-triggers or temporarily dropping the constraints.".into(),
                "Consider using a full dump instead of a --data-only dump to avoid this problem.".into(),
            ],
        });
        if n > 1 {
            archive.remove_dep(l[0], l[1]);
        } else {
            archive.remove_dep(l[0], l[0]);
        }
        return;
    }
    // R15: anything else.
    warnings.push(SortWarning {
        message: "could not resolve dependency loop among these items:".into(),
        details: l
            .iter()
            .map(|&id| {
                let o = &archive.objects[id];
                format!(
                    "{:?} {} (ID {} OID {})",
                    o.kind,
                    o.name,
                    id + 1,
                    o.catalog_id.1
                )
            })
            .collect(),
        hints: Vec::new(),
    });
    if n > 1 {
        archive.remove_dep(l[0], l[1]);
    } else {
        archive.remove_dep(l[0], l[0]);
    }
}

#[cfg(test)]
mod tests {
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
}
