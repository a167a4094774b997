//! Views and materialized views (TABLE class objects), their ON SELECT
//! rules (kept inside CREATE VIEW unless loop repair splits them out),
//! view column defaults, and matview REFRESH objects (the other rules are
//! in [`super::rules`]).

use crate::pg::oid::{PG_ATTRDEF, PG_CLASS};
use std::collections::HashMap;
use std::sync::Arc;

use crate::archive::{
    Archive, DumpId, DumpObject, Entry, Kind, Pass, Render, RenderContext, Role, TieBreak,
};
use crate::catalog::helper::SharedRead;
use crate::catalog::postdata::RelationRow;
use crate::catalog::views::{ViewColumn, ViewDefault, ViewRow};
use crate::catalog::{postdata, views, Catalog, CatalogError};
use crate::sql::views as vsql;

use super::{acl_entry, comment_entry, AclSpec, Satellite};

/// Whether definitions are dumped (not `--data-only`, `--no-schema`,
/// `--statistics-only`).
pub(crate) fn schema_on(ctx: &RenderContext) -> bool {
    let o = &ctx.opts;
    !(o.data_only || o.no_schema || o.statistics_only)
}

/// Whether data is dumped (not `--schema-only`, `--no-data`,
/// `--statistics-only`).
pub(crate) fn data_on(ctx: &RenderContext) -> bool {
    let o = &ctx.opts;
    !(o.schema_only || o.no_data || o.statistics_only)
}

/// Whether a relation's definition (and so its dependent objects) prints.
pub(crate) fn relation_printed(archive: &Archive, id: DumpId) -> bool {
    let o = &archive.objects[id];
    o.dump && o.extension.is_none()
}

/// Every view and matview of the database, shared by their renderers.
#[derive(Debug)]
pub(crate) struct Views {
    pub rows: Vec<ViewRow>,
    /// Columns by relation OID, in attnum order.
    pub columns: HashMap<u32, Vec<ViewColumn>>,
    /// Row index by OID.
    pub by_oid: HashMap<u32, usize>,
}

impl Views {
    pub(super) fn spec<'a>(&'a self, i: usize, qname: &'a str) -> Option<vsql::ViewSpec<'a>> {
        let v = &self.rows[i];
        Some(vsql::ViewSpec {
            qname,
            reloptions: v.reloptions.as_deref(),
            check_option: v.check_option.as_deref(),
            viewdef: v.viewdef.as_deref()?,
        })
    }
}

#[derive(Debug)]
struct ViewRender {
    views: Arc<Views>,
    index: usize,
}

#[derive(Debug)]
struct DefaultRender {
    view: ViewDefault,
    schema: String,
    view_name: String,
    owner: String,
    column: String,
}

/// Reads views, matviews and view defaults and adds them to the archive.
pub(crate) async fn collect(
    cat: &Catalog<'_>,
    archive: &mut Archive,
) -> Result<Arc<Views>, CatalogError> {
    let rows = cat.shared(SharedRead::Views, views::views(cat)).await?;
    let mut columns: HashMap<u32, Vec<ViewColumn>> = HashMap::new();
    for c in cat
        .shared(SharedRead::ViewColumns, views::columns(cat))
        .await?
    {
        columns.entry(c.relid).or_default().push(c);
    }
    let by_oid = rows.iter().enumerate().map(|(i, v)| (v.oid, i)).collect();
    let data = Arc::new(Views {
        rows,
        columns,
        by_oid,
    });
    for (i, v) in data.rows.iter().enumerate() {
        let mut obj = DumpObject::new(
            Kind::Table,
            (PG_CLASS, v.oid),
            Some(v.schema.clone()),
            v.name.clone(),
        );
        obj.role = Role::Relation { relkind: v.relkind };
        obj.payload = i;
        obj.render = Some(Arc::new(ViewRender {
            views: data.clone(),
            index: i,
        }));
        archive.add(obj);
    }
    for d in views::view_defaults(cat).await? {
        let (Some(view), Some(&i)) = (archive.find(PG_CLASS, d.relid), data.by_oid.get(&d.relid))
        else {
            continue;
        };
        let v = &data.rows[i];
        let column = data
            .columns
            .get(&d.relid)
            .and_then(|cols| cols.iter().find(|c| c.attnum == d.attnum))
            .map(|c| c.name.clone())
            .unwrap_or_default();
        let mut obj = DumpObject::new(
            Kind::AttrDef,
            (PG_ATTRDEF, d.oid),
            Some(v.schema.clone()),
            v.name.clone(),
        );
        obj.tie = TieBreak::Int(d.attnum as i64);
        obj.role = Role::AttrDef { table: view };
        obj.repairs.separate = true;
        obj.dump = !v.system;
        obj.render = Some(Arc::new(DefaultRender {
            schema: v.schema.clone(),
            view_name: v.name.clone(),
            owner: v.owner.clone(),
            column,
            view: d,
        }));
        archive.add(obj);
    }
    Ok(data)
}

impl Render for ViewRender {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        let v = &self.views.rows[self.index];
        let obj = &archive.objects[id];
        let q = &ctx.quoting;
        let qname = q.qualified(&v.schema, &v.name);
        let name = q.ident(&v.name);
        let cols: &[ViewColumn] = self
            .views
            .columns
            .get(&v.oid)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let matview = v.relkind == 'm';
        let keyword = if matview { "MATERIALIZED VIEW" } else { "VIEW" };
        let acl_only = v.system || obj.extension.is_some();
        let mut entries = Vec::new();
        if !schema_on(ctx) {
            return entries;
        }
        if !acl_only {
            entries.push(Entry {
                tag: v.name.clone(),
                desc: keyword.into(),
                schema: Some(v.schema.clone()),
                owner: Some(v.owner.clone()),
                tablespace: matview.then(|| v.tablespace.clone()),
                table_am: if matview { v.am.clone() } else { None },
                defn: self.definition(obj.repairs.dummy_view, ctx, &qname, cols),
                owner_object: Some(format!("{keyword} {qname}")),
                ..Entry::default()
            });
            entries.extend(comments(ctx, v, cols, keyword, &name, &qname));
            entries.extend(security_labels(ctx, v, cols, keyword, &name, &qname));
        }
        entries.extend(acls(ctx, v, cols, &name, &qname));
        entries
    }
}

impl ViewRender {
    /// CREATE [MATERIALIZED] VIEW (a dummy view when loop repair split off
    /// its rule), then the column settings and a matview's replica identity.
    fn definition(
        &self,
        dummy_view: bool,
        ctx: &RenderContext,
        qname: &str,
        cols: &[ViewColumn],
    ) -> String {
        let v = &self.views.rows[self.index];
        let q = &ctx.quoting;
        let matview = v.relkind == 'm';
        let mut defn = if matview {
            vsql::create_matview(
                q,
                &vsql::MatviewSpec {
                    qname,
                    reloptions: v.reloptions.as_deref(),
                    toast_reloptions: v.toast_reloptions.as_deref(),
                    viewdef: v.viewdef.as_deref().unwrap_or_default(),
                },
            )
        } else if dummy_view {
            vsql::create_dummy_view(qname, &dummy_columns(q, cols))
        } else {
            match self.views.spec(self.index, qname) {
                Some(spec) => vsql::create_view(q, &spec),
                None => String::new(),
            }
        };
        let settings: Vec<vsql::ColumnSettings> = cols
            .iter()
            .map(|c| vsql::ColumnSettings {
                name: q.ident(&c.name),
                stattarget: c.stattarget,
                attstorage: c.attstorage,
                typstorage: c.typstorage,
                compression: c.compression,
                options: c.options.clone(),
            })
            .collect();
        defn.push_str(&vsql::column_settings(
            qname,
            &settings,
            ctx.opts.no_toast_compression,
        ));
        if matview {
            defn.push_str(&vsql::replica_identity(qname, v.replident));
        }
        defn
    }
}

/// The view's comment, then its columns'.
fn comments(
    ctx: &RenderContext,
    v: &ViewRow,
    cols: &[ViewColumn],
    keyword: &str,
    name: &str,
    qname: &str,
) -> Vec<Entry> {
    let q = &ctx.quoting;
    let sat = Satellite {
        keyword,
        tag_name: name,
        sql_name: qname,
        schema: Some(&v.schema),
        owner: Some(&v.owner),
        address: (PG_CLASS, v.oid, 0),
    };
    let mut entries: Vec<Entry> = comment_entry(ctx, &sat).into_iter().collect();
    for c in cols {
        let tag_name = format!("{name}.{}", q.ident(&c.name));
        let sql_name = format!("{qname}.{}", q.ident(&c.name));
        let sat = Satellite {
            keyword: "COLUMN",
            tag_name: &tag_name,
            sql_name: &sql_name,
            schema: Some(&v.schema),
            owner: Some(&v.owner),
            address: (PG_CLASS, v.oid, c.attnum as i32),
        };
        entries.extend(comment_entry(ctx, &sat));
    }
    entries
}

/// The view's ACL (as a TABLE), then its columns'.
fn acls(
    ctx: &RenderContext,
    v: &ViewRow,
    cols: &[ViewColumn],
    name: &str,
    qname: &str,
) -> Vec<Entry> {
    let q = &ctx.quoting;
    let sat = Satellite {
        keyword: "TABLE",
        tag_name: name,
        sql_name: qname,
        schema: Some(&v.schema),
        owner: Some(&v.owner),
        address: (PG_CLASS, v.oid, 0),
    };
    let spec = AclSpec {
        object_type: "TABLE",
        acl: v.acl.as_deref(),
        acl_default: &v.acl_default,
        owner_name: Some(&v.owner),
        column: None,
    };
    let mut entries: Vec<Entry> = acl_entry(ctx, &sat, &spec).into_iter().collect();
    for c in cols {
        let col = q.ident(&c.name);
        let tag_name = format!("{name}.{col}");
        let sat = Satellite {
            keyword: "COLUMN",
            tag_name: &tag_name,
            sql_name: qname,
            schema: Some(&v.schema),
            owner: Some(&v.owner),
            address: (PG_CLASS, v.oid, c.attnum as i32),
        };
        let spec = AclSpec {
            object_type: "TABLE",
            acl: c.acl.as_deref(),
            acl_default: "{}",
            owner_name: Some(&v.owner),
            column: Some(&col),
        };
        entries.extend(acl_entry(ctx, &sat, &spec));
    }
    entries
}

/// One SECURITY LABEL entry for a relation and its columns.
fn security_labels(
    ctx: &RenderContext,
    v: &ViewRow,
    cols: &[ViewColumn],
    keyword: &str,
    name: &str,
    qname: &str,
) -> Option<Entry> {
    if ctx.opts.no_security_labels {
        return None;
    }
    let q = &ctx.quoting;
    let mut defn = String::new();
    let mut add = |target: String, sub: i32| {
        if let Some(labels) = ctx.security_labels.get(&(PG_CLASS, v.oid, sub)) {
            defn.push_str(&crate::sql::satellite::security_labels_on(
                q, &target, labels,
            ));
        }
    };
    add(format!("{keyword} {qname}"), 0);
    for c in cols {
        add(
            format!("COLUMN {qname}.{}", q.ident(&c.name)),
            c.attnum as i32,
        );
    }
    if defn.is_empty() {
        return None;
    }
    Some(Entry {
        tag: format!("{keyword} {name}"),
        desc: "SECURITY LABEL".into(),
        schema: Some(v.schema.clone()),
        owner: Some(v.owner.clone()),
        defn,
        ..Entry::default()
    })
}

impl Render for DefaultRender {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        let Role::AttrDef { table } = archive.objects[id].role else {
            return Vec::new();
        };
        if !relation_printed(archive, table) || !schema_on(ctx) {
            return Vec::new();
        }
        let q = &ctx.quoting;
        let qname = q.qualified(&self.schema, &self.view_name);
        vec![Entry {
            tag: format!("{} {}", self.view_name, self.column),
            desc: "DEFAULT".into(),
            schema: Some(self.schema.clone()),
            owner: Some(self.owner.clone()),
            defn: vsql::column_default(&qname, &q.ident(&self.column), &self.view.expr),
            drop_stmt: Some(crate::sql::table::drop_default(
                false,
                &qname,
                &q.ident(&self.column),
            )),
            ..Entry::default()
        }]
    }
}

/// A view's columns as its dummy view (loop repair) declares them.
pub(super) fn dummy_columns(
    q: &crate::pg::quote::Quoting,
    cols: &[ViewColumn],
) -> Vec<vsql::DummyColumn> {
    cols.iter()
        .map(|c| vsql::DummyColumn {
            type_name: c.type_name.clone(),
            collation: c.collation.as_ref().map(|(s, n)| q.qualified(s, n)),
            name: q.ident(&c.name),
        })
        .collect()
}

#[derive(Debug)]
struct RefreshRender {
    views: Arc<Views>,
    index: usize,
    populated: bool,
}

/// Adds a REFRESH object per matview (extension members have none), each
/// depending on its matview and on the refreshes of the matviews it reads.
pub(crate) async fn collect_refreshes(
    cat: &Catalog<'_>,
    archive: &mut Archive,
    views: &Arc<Views>,
) -> Result<(), CatalogError> {
    let mut refresh_of: HashMap<u32, DumpId> = HashMap::new();
    let mut populated: HashMap<u32, bool> = HashMap::new();
    for (i, v) in views.rows.iter().enumerate() {
        if v.relkind != 'm' || v.is_member || v.system {
            continue;
        }
        let Some(table) = archive.find(PG_CLASS, v.oid) else {
            continue;
        };
        let mut obj = DumpObject::new(
            Kind::RefreshMatview,
            (PG_CLASS, v.oid),
            Some(v.schema.clone()),
            v.name.clone(),
        );
        obj.deps.push(table);
        obj.payload = i;
        let id = archive.add(obj);
        refresh_of.insert(v.oid, id);
        populated.insert(v.oid, v.populated);
    }
    for (mv, reads) in views::matview_reads(cat).await? {
        let (Some(&a), Some(&b)) = (refresh_of.get(&mv), refresh_of.get(&reads)) else {
            continue;
        };
        archive.add_dep(a, b);
        if !populated[&reads] {
            populated.insert(mv, false);
        }
    }
    for (oid, id) in refresh_of {
        let index = views.by_oid[&oid];
        archive.objects[id].render = Some(Arc::new(RefreshRender {
            views: views.clone(),
            index,
            populated: populated[&oid],
        }));
    }
    Ok(())
}

impl Render for RefreshRender {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        let _ = (id, archive);
        if !self.populated || !schema_on(ctx) || !data_on(ctx) {
            return Vec::new();
        }
        let v = &self.views.rows[self.index];
        let qname = ctx.quoting.qualified(&v.schema, &v.name);
        vec![Entry {
            tag: v.name.clone(),
            desc: "MATERIALIZED VIEW DATA".into(),
            schema: Some(v.schema.clone()),
            owner: Some(v.owner.clone()),
            defn: vsql::refresh_matview(&qname),
            pass: Pass::PostAcl,
            ..Entry::default()
        }]
    }
}

/// Everything this family adds at the post-data point of the collection:
/// default privileges, event triggers, triggers, rules, policies, matview
/// refreshes and large objects (in pg_dump's relative order).
pub(crate) async fn collect_post_data(
    cat: &Catalog<'_>,
    archive: &mut Archive,
    views: &Arc<Views>,
) -> Result<(), CatalogError> {
    super::default_acls::collect(cat, archive).await?;
    super::triggers::collect_event_triggers(cat, archive).await?;
    let rels: HashMap<u32, RelationRow> = postdata::relations(cat)
        .await?
        .into_iter()
        .map(|r| (r.oid, r))
        .collect();
    super::triggers::collect(cat, archive, &rels).await?;
    super::rules::collect_rules(cat, archive, views, &rels).await?;
    super::policies::collect(cat, archive, &rels).await?;
    collect_refreshes(cat, archive, views).await?;
    super::large_objects::collect(cat, archive).await?;
    Ok(())
}
