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
pub(crate) struct SortWarning {
    pub message: String,
    pub details: Vec<String>,
    pub hints: Vec<String>,
}

/// The initial comparison (S1-S6).
pub(crate) fn compare(a: &DumpObject, b: &DumpObject) -> Ordering {
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
pub(crate) fn sort(archive: &mut Archive) -> (Vec<DumpId>, Vec<SortWarning>) {
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

/// Applies the first matching repair rule (R1-R15) to one loop, in
/// pg_dump's order (docs/ordering.md).
fn repair_loop(archive: &mut Archive, l: &[DumpId], warnings: &mut Vec<SortWarning>) {
    let post = archive.post_data_boundary.expect("boundaries added");
    let repaired = r1_type_and_io_function(archive, l)
        || r2_view_and_its_rule(archive, l)
        || r3_loop_through_view_rule(archive, l, post)
        || r4_loop_through_matview(archive, l)
        || r5_loop_through_function(archive, l)
        || r6_table_and_check(archive, l)
        || r7_loop_through_check(archive, l, post)
        || r8_table_and_default(archive, l)
        || r9_partitioned_index_attach(archive, l)
        || r10_loop_through_default(archive, l)
        || r11_domain_and_constraint(archive, l)
        || r12_loop_through_domain_constraint(archive, l, post)
        || r13_table_on_itself(archive, l)
        || r14_circular_foreign_keys(archive, l, warnings);
    if !repaired {
        r15_anything_else(archive, l, warnings);
    }
}

fn kind(a: &Archive, id: DumpId) -> Kind {
    a.objects[id].kind
}

/// The 2-loop of an owner (a table, a domain) of kind `owner_kind` and a
/// member whose role is `member_of(owner)` (R6, R8, R11): the member stops
/// depending on its owner and prints inline.
fn inline_member(
    archive: &mut Archive,
    l: &[DumpId],
    owner_kind: Kind,
    member_of: fn(DumpId) -> Role,
) -> bool {
    if l.len() != 2 {
        return false;
    }
    for (owner, member) in [(l[0], l[1]), (l[1], l[0])] {
        if kind(archive, owner) == owner_kind && archive.objects[member].role == member_of(owner) {
            archive.remove_dep(member, owner);
            return true;
        }
    }
    false
}

/// A longer loop through an owner and its member (R7, R10, R12): the
/// member prints separately, after its owner, and in post-data when
/// `post` is given.
fn separate_member(
    archive: &mut Archive,
    l: &[DumpId],
    owner_kind: Kind,
    member_of: fn(DumpId) -> Role,
    post: Option<DumpId>,
) -> bool {
    if l.len() <= 2 {
        return false;
    }
    for &owner in l {
        if kind(archive, owner) != owner_kind {
            continue;
        }
        for &member in l {
            if archive.objects[member].role == member_of(owner) {
                archive.remove_dep(owner, member);
                archive.objects[member].repairs.separate = true;
                archive.add_dep(member, owner);
                if let Some(post) = post {
                    archive.add_dep(member, post);
                }
                return true;
            }
        }
    }
    false
}

/// R1: a base type and one of its I/O functions.
fn r1_type_and_io_function(archive: &mut Archive, l: &[DumpId]) -> bool {
    let n = l.len();
    if n == 2 {
        for (t, f) in [(l[0], l[1]), (l[1], l[0])] {
            if kind(archive, t) == Kind::Type && kind(archive, f) == Kind::Func {
                archive.remove_dep(f, t);
                if let Role::BaseType { shell: Some(shell) } = archive.objects[t].role {
                    archive.add_dep(f, shell);
                    archive.objects[shell].repairs.shell_needed = true;
                    archive.objects[shell].dump = archive.objects[t].dump;
                }
                return true;
            }
        }
    }
    false
}

/// R2: a view or matview and its ON SELECT rule.
fn r2_view_and_its_rule(archive: &mut Archive, l: &[DumpId]) -> bool {
    let n = l.len();
    if n == 2 {
        for (v, r) in [(l[0], l[1]), (l[1], l[0])] {
            if kind(archive, v) == Kind::Table
                && is_view_or_matview(archive, v)
                && archive.objects[r].role == (Role::ReturnRule { view: v })
            {
                archive.remove_dep(r, v);
                return true;
            }
        }
    }
    false
}

/// R3: a longer loop through a view and its ON SELECT rule.
fn r3_loop_through_view_rule(archive: &mut Archive, l: &[DumpId], post: DumpId) -> bool {
    let n = l.len();
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
                        return true;
                    }
                }
            }
        }
    }
    false
}

/// R4: a longer loop through a matview (or matview statistics) and a
/// section boundary.
fn r4_loop_through_matview(archive: &mut Archive, l: &[DumpId]) -> bool {
    let n = l.len();
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
                    return true;
                }
            }
        }
    }
    false
}

/// R5: a longer loop through a function and the pre-data boundary.
fn r5_loop_through_function(archive: &mut Archive, l: &[DumpId]) -> bool {
    let n = l.len();
    if n > 2 && l.iter().any(|&f| kind(archive, f) == Kind::Func) {
        for j in 0..n {
            if kind(archive, l[j]) == Kind::PreDataBoundary {
                let next = l[(j + 1) % n];
                archive.remove_dep(l[j], next);
                if kind(archive, next) == Kind::Func {
                    archive.objects[next].repairs.postponed = true;
                }
                return true;
            }
        }
    }
    false
}

/// R6: a table and its CHECK constraint.
fn r6_table_and_check(archive: &mut Archive, l: &[DumpId]) -> bool {
    inline_member(archive, l, Kind::Table, |t| Role::TableCheck { table: t })
}

/// R7: a longer loop through a table and its CHECK constraint.
fn r7_loop_through_check(archive: &mut Archive, l: &[DumpId], post: DumpId) -> bool {
    separate_member(
        archive,
        l,
        Kind::Table,
        |t| Role::TableCheck { table: t },
        Some(post),
    )
}

/// R8: a table and its column default.
fn r8_table_and_default(archive: &mut Archive, l: &[DumpId]) -> bool {
    inline_member(archive, l, Kind::Table, |t| Role::AttrDef { table: t })
}

/// R9: a partitioned index and the partition's index attached to it.
fn r9_partitioned_index_attach(archive: &mut Archive, l: &[DumpId]) -> bool {
    let n = l.len();
    if n == 2 && kind(archive, l[0]) == Kind::Index && kind(archive, l[1]) == Kind::Index {
        for (child, parent) in [(l[0], l[1]), (l[1], l[0])] {
            if archive.objects[child].role
                == (Role::Index {
                    parent_index: archive.objects[parent].catalog_id.1,
                })
            {
                archive.remove_dep(parent, child);
                return true;
            }
        }
    }
    false
}

/// R10: a longer loop through a table and its column default (printed
/// separately, but not postponed to post-data).
fn r10_loop_through_default(archive: &mut Archive, l: &[DumpId]) -> bool {
    separate_member(
        archive,
        l,
        Kind::Table,
        |t| Role::AttrDef { table: t },
        None,
    )
}

/// R11: a domain and its CHECK or NOT NULL constraint.
fn r11_domain_and_constraint(archive: &mut Archive, l: &[DumpId]) -> bool {
    inline_member(archive, l, Kind::Type, |t| Role::DomainConstraint {
        domain: t,
    })
}

/// R12: a longer loop through a domain and its constraint.
fn r12_loop_through_domain_constraint(archive: &mut Archive, l: &[DumpId], post: DumpId) -> bool {
    separate_member(
        archive,
        l,
        Kind::Type,
        |t| Role::DomainConstraint { domain: t },
        Some(post),
    )
}

/// R13: a table that depends on itself.
fn r13_table_on_itself(archive: &mut Archive, l: &[DumpId]) -> bool {
    let n = l.len();
    if n == 1 && kind(archive, l[0]) == Kind::Table {
        archive.remove_dep(l[0], l[0]);
        return true;
    }
    false
}

/// R14: circular foreign keys among table data (data-only dumps).
fn r14_circular_foreign_keys(
    archive: &mut Archive,
    l: &[DumpId],
    warnings: &mut Vec<SortWarning>,
) -> bool {
    let n = l.len();
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
        return true;
    }
    false
}

/// R15: anything else.
fn r15_anything_else(archive: &mut Archive, l: &[DumpId], warnings: &mut Vec<SortWarning>) {
    let n = l.len();
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
mod tests;
