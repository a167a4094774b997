//! Operators, operator classes and families, and access methods: their
//! CREATE statements and comments. Extension members and shell operators
//! are collected (they sort, and commutators name shells) but never
//! printed; none of these kinds has privileges or security labels.

use std::collections::HashMap;
use std::sync::Arc;

use crate::archive::{
    Archive, DumpId, DumpObject, Entry, Kind, OperatorTie, Render, RenderContext, TieBreak,
};
use crate::catalog::operators::{
    self, AccessMethodRow, OpClassRow, OpFamilyRow, OpMember, OperatorRow, ProcMember,
};
use crate::catalog::{Catalog, CatalogError};
use crate::pg::oid::{PG_AM, PG_OPCLASS, PG_OPERATOR, PG_OPFAMILY};
use crate::sql::operators as sql;

use super::schemas::is_system_schema;
use super::{comment_entry, Satellite};

/// Whether an object prints its definition: not an extension member, nor
/// in a system schema (objects there are collected only to sort).
fn defined_here(archive: &Archive, id: DumpId) -> bool {
    let obj = &archive.objects[id];
    obj.dump && obj.extension.is_none()
}

/// Reads every operator and adds it to the archive.
pub(crate) async fn collect_operators(
    cat: &Catalog<'_>,
    archive: &mut Archive,
) -> Result<(), CatalogError> {
    for op in operators::operators(cat).await? {
        let mut obj = DumpObject::new(
            Kind::Operator,
            (PG_OPERATOR, op.oid),
            Some(op.schema.clone()),
            op.name.clone(),
        );
        obj.dump = !is_system_schema(&op.schema);
        obj.tie = TieBreak::Operator(Box::new(OperatorTie {
            kind_desc: std::cmp::Reverse(op.kind),
            left: op.left_key.clone().unwrap_or_default(),
            right: op.right_key.clone().unwrap_or_default(),
        }));
        obj.render = Some(Arc::new(OperatorRender(op)));
        archive.add(obj);
    }
    Ok(())
}

#[derive(Debug)]
struct OperatorRender(OperatorRow);

impl Render for OperatorRender {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        let op = &self.0;
        // A shell operator is created by the operators that name it.
        if !defined_here(archive, id) || sql::function_name(&op.function).is_none() {
            return Vec::new();
        }
        let q = &ctx.quoting;
        let signature = sql::operator_signature(op);
        let qualified = format!("{}.{signature}", q.ident(&op.schema));
        let mut entries = vec![Entry {
            tag: op.name.clone(),
            desc: "OPERATOR".into(),
            schema: Some(op.schema.clone()),
            owner: Some(op.owner.clone()),
            defn: sql::create_operator(q, op),
            owner_object: Some(format!("OPERATOR {qualified}")),
            ..Entry::default()
        }];
        let sat = Satellite {
            keyword: "OPERATOR",
            tag_name: &signature,
            sql_name: &qualified,
            schema: Some(&op.schema),
            owner: Some(&op.owner),
            address: (PG_OPERATOR, op.oid, 0),
        };
        entries.extend(comment_entry(ctx, &sat));
        entries
    }
}

/// Reads every access method created after initdb and adds it.
pub(crate) async fn collect_access_methods(
    cat: &Catalog<'_>,
    archive: &mut Archive,
) -> Result<(), CatalogError> {
    for am in operators::access_methods(cat).await? {
        let mut obj = DumpObject::new(Kind::AccessMethod, (PG_AM, am.oid), None, am.name.clone());
        obj.render = Some(Arc::new(AccessMethodRender(am)));
        archive.add(obj);
    }
    Ok(())
}

#[derive(Debug)]
struct AccessMethodRender(AccessMethodRow);

impl Render for AccessMethodRender {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        let am = &self.0;
        if !defined_here(archive, id) {
            return Vec::new();
        }
        let q = &ctx.quoting;
        let name = q.ident(&am.name);
        let mut entries = vec![Entry {
            tag: am.name.clone(),
            desc: "ACCESS METHOD".into(),
            defn: sql::create_access_method(q, am),
            drop_stmt: Some(format!("DROP ACCESS METHOD {name};\n")),
            ..Entry::default()
        }];
        let sat = Satellite {
            keyword: "ACCESS METHOD",
            tag_name: &name,
            sql_name: &name,
            schema: None,
            owner: Some(""),
            address: (PG_AM, am.oid, 0),
        };
        entries.extend(comment_entry(ctx, &sat));
        entries
    }
}

/// The members of each class and family, by `(classid, oid)`.
#[derive(Default)]
struct Members {
    ops: HashMap<(u32, u32), Vec<OpMember>>,
    procs: HashMap<(u32, u32), Vec<ProcMember>>,
}

impl Members {
    /// The members of a class or family (`owner`, in family `family`),
    /// in pg_dump's order: members that share a number are ordered by
    /// running pg_dump's own query for that object (see
    /// [`operators::op_members_as_pg_dump`]), unless the object is an
    /// extension member and never prints.
    async fn take(
        &mut self,
        cat: &Catalog<'_>,
        owner: (u32, u32),
        family: u32,
        printed: bool,
    ) -> Result<(Vec<OpMember>, Vec<ProcMember>), CatalogError> {
        let mut ops = self.ops.remove(&owner).unwrap_or_default();
        let mut procs = self.procs.remove(&owner).unwrap_or_default();
        if !printed {
            return Ok((ops, procs));
        }
        // (Rows come sorted by number.)
        if ops.windows(2).any(|w| w[0].strategy == w[1].strategy) {
            ops = operators::op_members_as_pg_dump(cat, owner, family).await?;
        }
        if procs.windows(2).any(|w| w[0].number == w[1].number) {
            procs = operators::proc_members_as_pg_dump(cat, owner).await?;
        }
        Ok((ops, procs))
    }
}

/// Reads every operator class and family (and their members) and adds
/// them, classes first as pg_dump collects them.
pub(crate) async fn collect_op_classes_and_families(
    cat: &Catalog<'_>,
    archive: &mut Archive,
) -> Result<(), CatalogError> {
    let classes = operators::op_classes(cat).await?;
    let families = operators::op_families(cat).await?;
    let mut members = Members::default();
    // (Most databases have neither: spare them two round trips.)
    if !classes.is_empty() || !families.is_empty() {
        for m in operators::op_members(cat).await? {
            members.ops.entry(m.owner_object).or_default().push(m);
        }
        for m in operators::proc_members(cat).await? {
            members.procs.entry(m.owner_object).or_default().push(m);
        }
    }
    for c in classes {
        let mut obj = DumpObject::new(
            Kind::OpClass,
            (PG_OPCLASS, c.oid),
            Some(c.schema.clone()),
            c.name.clone(),
        );
        obj.tie = TieBreak::Text(c.access_method.as_str().into());
        obj.dump = !is_system_schema(&c.schema);
        let (ops, procs) = members
            .take(
                cat,
                (PG_OPCLASS, c.oid),
                c.family_oid,
                obj.dump && !c.is_member,
            )
            .await?;
        obj.render = Some(Arc::new(OpClassRender { row: c, ops, procs }));
        archive.add(obj);
    }
    for f in families {
        let mut obj = DumpObject::new(
            Kind::OpFamily,
            (PG_OPFAMILY, f.oid),
            Some(f.schema.clone()),
            f.name.clone(),
        );
        obj.tie = TieBreak::Text(f.access_method.as_str().into());
        obj.dump = !is_system_schema(&f.schema);
        let (ops, procs) = members
            .take(cat, (PG_OPFAMILY, f.oid), f.oid, obj.dump && !f.is_member)
            .await?;
        obj.render = Some(Arc::new(OpFamilyRender { row: f, ops, procs }));
        archive.add(obj);
    }
    Ok(())
}

/// The main entry and comment of a class or family.
struct ClassLike<'a> {
    keyword: &'static str,
    oid_class: u32,
    oid: u32,
    name: &'a str,
    schema: &'a str,
    owner: &'a str,
    access_method: &'a str,
    defn: String,
}

fn class_like_entries(ctx: &RenderContext, c: ClassLike) -> Vec<Entry> {
    let q = &ctx.quoting;
    let name_using = sql::name_using(q, c.name, c.access_method);
    let qualified = format!("{}.{name_using}", q.ident(c.schema));
    let mut entries = vec![Entry {
        tag: c.name.to_string(),
        desc: c.keyword.into(),
        schema: Some(c.schema.to_string()),
        owner: Some(c.owner.to_string()),
        defn: c.defn,
        owner_object: Some(format!("{} {qualified}", c.keyword)),
        ..Entry::default()
    }];
    let sat = Satellite {
        keyword: c.keyword,
        tag_name: &name_using,
        sql_name: &qualified,
        schema: Some(c.schema),
        owner: Some(c.owner),
        address: (c.oid_class, c.oid, 0),
    };
    entries.extend(comment_entry(ctx, &sat));
    entries
}

#[derive(Debug)]
struct OpClassRender {
    row: OpClassRow,
    ops: Vec<OpMember>,
    procs: Vec<ProcMember>,
}

impl Render for OpClassRender {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        if !defined_here(archive, id) {
            return Vec::new();
        }
        let c = &self.row;
        let defn = sql::create_op_class(&ctx.quoting, c, &self.ops, &self.procs);
        class_like_entries(
            ctx,
            ClassLike {
                keyword: "OPERATOR CLASS",
                oid_class: PG_OPCLASS,
                oid: c.oid,
                name: &c.name,
                schema: &c.schema,
                owner: &c.owner,
                access_method: &c.access_method,
                defn,
            },
        )
    }
}

#[derive(Debug)]
struct OpFamilyRender {
    row: OpFamilyRow,
    ops: Vec<OpMember>,
    procs: Vec<ProcMember>,
}

impl Render for OpFamilyRender {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        if !defined_here(archive, id) {
            return Vec::new();
        }
        let f = &self.row;
        let defn = sql::create_op_family(&ctx.quoting, f, &self.ops, &self.procs);
        class_like_entries(
            ctx,
            ClassLike {
                keyword: "OPERATOR FAMILY",
                oid_class: PG_OPFAMILY,
                oid: f.oid,
                name: &f.name,
                schema: &f.schema,
                owner: &f.owner,
                access_method: &f.access_method,
                defn,
            },
        )
    }
}
