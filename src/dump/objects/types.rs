//! Types: enums, composites (and their column comments), ranges, domains
//! (and their constraints), base types and the shell types that break
//! their loops with I/O functions; the placeholder objects pg_dump sorts
//! but never prints (row types of relations, array and multirange types,
//! the pg_class rows of composite types).

use crate::pg::oid::{PG_CLASS, PG_CONSTRAINT, PG_TYPE};
use std::collections::HashMap;
use std::sync::Arc;

use crate::archive::{
    Archive, DumpId, DumpObject, Entry, Kind, Render, RenderContext, Role, Section, TieBreak,
};
use crate::catalog::helper::SharedRead;
use crate::catalog::types::{self, TypeCatalog, TypeRow};
use crate::catalog::{Catalog, CatalogError};
use crate::sql::types as sql;

use super::schemas::is_system_schema;
use super::{acl_entry, comment_entry, security_label_entry, AclSpec, Satellite};

/// Reads every type and adds it (with its domain constraints, shell type
/// and composite relation) to the archive.
pub(crate) async fn collect(cat: &Catalog<'_>, archive: &mut Archive) -> Result<(), CatalogError> {
    let mut tc = cat.shared(SharedRead::Types, types::types(cat)).await?;
    add_composite_relations(&tc, archive);
    let mut constraints_of: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, c) in tc.domain_constraints.iter().enumerate() {
        constraints_of.entry(c.domain).or_default().push(i);
    }
    // Most types are placeholders (W4: 10,500 of 11,600): only sorted,
    // never printed, so only their names are kept, not their rows.
    let all = std::mem::take(&mut tc.types);
    let mut slots = Vec::with_capacity(all.len());
    for t in all {
        if (t.relid != 0 && t.relkind != 'c') || t.is_array || t.typtype == 'm' {
            slots.push(Slot::Placeholder(t.oid, t.schema, t.name));
        } else {
            slots.push(Slot::Kept(tc.types.len()));
            tc.types.push(t);
        }
    }
    tc.types.shrink_to_fit();
    let tc = Arc::new(tc);
    for slot in slots {
        let idx = match slot {
            Slot::Placeholder(oid, schema, name) => {
                let mut obj = DumpObject::new(Kind::DummyType, (PG_TYPE, oid), Some(schema), name);
                obj.dump = false;
                archive.add(obj);
                continue;
            }
            Slot::Kept(idx) => idx,
        };
        let t = &tc.types[idx];
        // Whether the definition is dumped (not only an ACL change).
        let full = !is_system_schema(&t.schema) && !t.is_member;
        let mut obj = DumpObject::new(
            Kind::Type,
            (PG_TYPE, t.oid),
            Some(t.schema.clone()),
            t.name.clone(),
        );
        obj.dump = full || t.schema == "pg_catalog";
        let tid = archive.add(obj);
        let constraints = match constraints_of.get(&t.oid) {
            Some(list) if full && t.typtype == 'd' => {
                add_domain_constraints(archive, &tc, idx, tid, list)
            }
            _ => Vec::new(),
        };
        if matches!(t.typtype, 'b' | 'r') {
            let shell = full.then(|| add_shell_type(archive, &tc, idx));
            archive.objects[tid].role = Role::BaseType { shell };
        }
        archive.objects[tid].render = Some(Arc::new(TypeRender {
            types: tc.clone(),
            index: idx,
            constraints,
            server_version_num: cat.server_version_num,
        }));
    }
    Ok(())
}

/// A type in collection order: a placeholder's `(oid, schema, name)`, or
/// the index of a kept row.
enum Slot {
    Placeholder(u32, String, String),
    Kept(usize),
}

/// The pg_class rows of composite types: relations pg_dump sorts (the type
/// comes after its relation) but never prints.
fn add_composite_relations(tc: &TypeCatalog, archive: &mut Archive) {
    for t in tc
        .types
        .iter()
        .filter(|t| t.typtype == 'c' && t.relkind == 'c')
    {
        let mut obj = DumpObject::new(
            Kind::Table,
            (PG_CLASS, t.relid),
            Some(t.schema.clone()),
            t.name.clone(),
        );
        obj.role = Role::Relation { relkind: 'c' };
        obj.dump = false;
        archive.add(obj);
    }
}

/// A domain's CHECK / NOT NULL constraints (indexes into the catalog's
/// list): inside CREATE DOMAIN when validated, else separate entries.
/// Returns each with its dump id.
fn add_domain_constraints(
    archive: &mut Archive,
    tc: &Arc<TypeCatalog>,
    type_index: usize,
    tid: DumpId,
    list: &[usize],
) -> Vec<(usize, DumpId)> {
    let t = &tc.types[type_index];
    let mut ids = Vec::new();
    for &ci in list {
        let c = &tc.domain_constraints[ci];
        let mut cobj = DumpObject::new(
            Kind::Constraint,
            (PG_CONSTRAINT, c.oid),
            Some(t.schema.clone()),
            c.name.clone(),
        );
        cobj.tie = TieBreak::Constraint {
            on_table: false,
            parent: t.name.as_str().into(),
        };
        cobj.role = Role::DomainConstraint { domain: tid };
        cobj.repairs.separate = !c.validated;
        cobj.render = Some(Arc::new(DomainConstraintRender {
            types: tc.clone(),
            type_index,
            constraint_index: ci,
        }));
        let cid = archive.add(cobj);
        if c.validated {
            archive.add_dep(tid, cid);
        }
        ids.push((ci, cid));
    }
    ids
}

/// The shell type of a base or range type (printed only when loop repair
/// needs it).
fn add_shell_type(archive: &mut Archive, tc: &Arc<TypeCatalog>, type_index: usize) -> DumpId {
    let t = &tc.types[type_index];
    let mut sobj = DumpObject::new(
        Kind::ShellType,
        (0, 0),
        Some(t.schema.clone()),
        t.name.clone(),
    );
    sobj.dump = false;
    sobj.render = Some(Arc::new(ShellRender {
        types: tc.clone(),
        type_index,
    }));
    archive.add(sobj)
}

/// `schema.name` of a type, quoted.
fn qualified(ctx: &RenderContext, t: &TypeRow) -> String {
    ctx.quoting.qualified(&t.schema, &t.name)
}

#[derive(Debug)]
struct TypeRender {
    types: Arc<TypeCatalog>,
    index: usize,
    /// `(index in domain_constraints, dump id)` of each domain constraint.
    constraints: Vec<(usize, DumpId)>,
    server_version_num: i32,
}

impl TypeRender {
    /// The CREATE statement, if this kind of type has one.
    fn definition(&self, archive: &Archive, ctx: &RenderContext) -> Option<String> {
        let tc = &self.types;
        let t = &tc.types[self.index];
        let q = &ctx.quoting;
        let qname = qualified(ctx, t);
        match t.typtype {
            'e' => Some(sql::create_enum(
                q,
                &qname,
                tc.enum_labels
                    .get(&t.oid)
                    .map(Vec::as_slice)
                    .unwrap_or_default(),
            )),
            'c' => Some(sql::create_composite(
                q,
                &qname,
                tc.composite_attrs
                    .get(&t.oid)
                    .map(Vec::as_slice)
                    .unwrap_or_default(),
            )),
            'r' => tc
                .ranges
                .get(&t.oid)
                .map(|r| sql::create_range(q, &qname, r)),
            'b' => tc
                .base_types
                .get(&t.oid)
                .map(|b| sql::create_base(q, &qname, b)),
            'p' if !t.is_defined => Some(sql::create_shell(&qname)),
            'd' => {
                let d = tc.domains.get(&t.oid)?;
                let inline = |&&(ci, cid): &&(usize, DumpId)| {
                    let c = &tc.domain_constraints[ci];
                    c.validated && !archive.objects[cid].repairs.separate
                };
                let checks: Vec<_> = self
                    .constraints
                    .iter()
                    .filter(inline)
                    .map(|&(ci, _)| &tc.domain_constraints[ci])
                    .filter(|c| c.contype == 'c')
                    .collect();
                // The NOT NULL constraint (named on 17+), unless printed
                // on its own.
                let not_null = match self
                    .constraints
                    .iter()
                    .map(|&(ci, cid)| (&tc.domain_constraints[ci], cid))
                    .find(|(c, _)| c.contype == 'n')
                {
                    Some((c, cid)) if c.validated && !archive.objects[cid].repairs.separate => {
                        sql::NotNull::Inline(c)
                    }
                    Some(_) => sql::NotNull::Separate,
                    None => sql::NotNull::Unnamed,
                };
                Some(sql::create_domain(
                    q,
                    &qname,
                    &t.name,
                    d,
                    self.server_version_num,
                    not_null,
                    &checks,
                ))
            }
            _ => None,
        }
    }
}

impl Render for TypeRender {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        let tc = &self.types;
        let t = &tc.types[self.index];
        let obj = &archive.objects[id];
        let q = &ctx.quoting;
        let name = q.ident(&t.name);
        let qname = qualified(ctx, t);
        let domain = t.typtype == 'd';
        let keyword = if domain { "DOMAIN" } else { "TYPE" };
        let address = (PG_TYPE, t.oid, 0);
        let mut entries = Vec::new();
        let acl_only = obj.extension.is_some() || t.schema == "pg_catalog";
        if !acl_only {
            if let Some(defn) = self.definition(archive, ctx) {
                entries.push(Entry {
                    tag: t.name.clone(),
                    desc: keyword.into(),
                    schema: Some(t.schema.clone()),
                    owner: Some(t.owner.clone()),
                    defn,
                    owner_object: Some(format!("{keyword} {qname}")),
                    // A base type goes with its I/O functions.
                    drop_stmt: (t.typtype == 'b').then(|| format!("DROP TYPE {qname} CASCADE;\n")),
                    section: Some(Section::PreData),
                    ..Entry::default()
                });
            }
            let sat = Satellite {
                keyword,
                tag_name: &name,
                sql_name: &qname,
                schema: Some(&t.schema),
                owner: Some(&t.owner),
                address,
            };
            entries.extend(comment_entry(ctx, &sat));
            entries.extend(security_label_entry(ctx, &sat));
        }
        let sat = Satellite {
            keyword: "TYPE",
            tag_name: &name,
            sql_name: &qname,
            schema: Some(&t.schema),
            owner: Some(&t.owner),
            address,
        };
        let spec = AclSpec {
            object_type: "TYPE",
            acl: t.acl.as_deref(),
            acl_default: &t.acl_default,
            owner_name: Some(&t.owner),
            column: None,
        };
        entries.extend(acl_entry(ctx, &sat, &spec));
        if acl_only || ctx.opts.no_comments {
            return entries;
        }
        if t.typtype == 'c' {
            entries.extend(composite_column_comments(ctx, tc, t));
        }
        if domain {
            // Comments on the constraints printed inside CREATE DOMAIN:
            // CHECK constraints first, then the NOT NULL one.
            let inline: Vec<_> = self
                .constraints
                .iter()
                .filter(|&&(_, cid)| !archive.objects[cid].repairs.separate)
                .map(|&(ci, _)| &tc.domain_constraints[ci])
                .collect();
            let ordered = inline
                .iter()
                .filter(|c| c.contype == 'c')
                .chain(inline.iter().filter(|c| c.contype == 'n'));
            for c in ordered {
                if let Some(e) = domain_constraint_comment(ctx, t, c) {
                    entries.push(e);
                }
            }
        }
        entries
    }
}

/// `COMMENT ON COLUMN type.col` for a composite type's commented
/// attributes.
fn composite_column_comments(ctx: &RenderContext, tc: &TypeCatalog, t: &TypeRow) -> Vec<Entry> {
    let q = &ctx.quoting;
    let name = q.ident(&t.name);
    let qname = qualified(ctx, t);
    let attrs = tc
        .composite_attrs
        .get(&t.oid)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut entries = Vec::new();
    for a in attrs.iter().filter(|a| !a.dropped) {
        let Some(text) = ctx.comments.get(&(PG_CLASS, t.relid, i32::from(a.attnum))) else {
            continue;
        };
        let col = q.ident(&a.name);
        entries.push(Entry {
            tag: format!("COLUMN {name}.{col}"),
            desc: "COMMENT".into(),
            schema: Some(t.schema.clone()),
            owner: Some(t.owner.clone()),
            defn: crate::sql::satellite::comment_on(q, &format!("COLUMN {qname}.{col}"), text),
            ..Entry::default()
        });
    }
    entries
}

/// `COMMENT ON CONSTRAINT c ON DOMAIN d`, if the constraint has a comment.
fn domain_constraint_comment(
    ctx: &RenderContext,
    t: &TypeRow,
    c: &crate::catalog::types::DomainConstraintRow,
) -> Option<Entry> {
    if ctx.opts.no_comments {
        return None;
    }
    let text = ctx.comments.get(&(PG_CONSTRAINT, c.oid, 0))?;
    let q = &ctx.quoting;
    let prefix = format!("CONSTRAINT {} ON DOMAIN", q.ident(&c.name));
    Some(Entry {
        tag: format!("{prefix} {}", q.ident(&t.name)),
        desc: "COMMENT".into(),
        schema: Some(t.schema.clone()),
        owner: Some(t.owner.clone()),
        defn: crate::sql::satellite::comment_on(
            q,
            &format!("{prefix} {}", qualified(ctx, t)),
            text,
        ),
        ..Entry::default()
    })
}

/// A domain constraint printed on its own (NOT VALID, or split off by
/// loop repair): `ALTER DOMAIN ... ADD CONSTRAINT`, and its comment.
#[derive(Debug)]
struct DomainConstraintRender {
    types: Arc<TypeCatalog>,
    type_index: usize,
    constraint_index: usize,
}

impl Render for DomainConstraintRender {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        if !archive.objects[id].repairs.separate {
            return Vec::new();
        }
        let t = &self.types.types[self.type_index];
        let c = &self.types.domain_constraints[self.constraint_index];
        let mut entries = vec![Entry {
            tag: format!("{} {}", t.name, c.name),
            desc: if c.contype == 'n' {
                "CONSTRAINT".into()
            } else {
                "CHECK CONSTRAINT".into()
            },
            schema: Some(t.schema.clone()),
            owner: Some(t.owner.clone()),
            defn: sql::add_domain_constraint(&ctx.quoting, &qualified(ctx, t), c),
            drop_stmt: Some(format!(
                "ALTER DOMAIN {} DROP CONSTRAINT {};\n",
                qualified(ctx, t),
                ctx.quoting.ident(&c.name)
            )),
            section: Some(Section::PostData),
            ..Entry::default()
        }];
        entries.extend(domain_constraint_comment(ctx, t, c));
        entries
    }
}

/// `CREATE TYPE x;` ahead of a base or range type's functions, when loop
/// repair needs it.
#[derive(Debug)]
struct ShellRender {
    types: Arc<TypeCatalog>,
    type_index: usize,
}

impl Render for ShellRender {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        let obj = &archive.objects[id];
        if !obj.repairs.shell_needed || !obj.dump {
            return Vec::new();
        }
        let t = &self.types.types[self.type_index];
        vec![Entry {
            tag: t.name.clone(),
            desc: "SHELL TYPE".into(),
            schema: Some(t.schema.clone()),
            owner: Some(t.owner.clone()),
            defn: sql::create_shell(&qualified(ctx, t)),
            section: Some(Section::PreData),
            ..Entry::default()
        }]
    }
}
