//! Casts, conversions and transforms: their CREATE statements and
//! comments (none of them has privileges; casts and transforms have no
//! owner either).

use crate::pg::oid::{PG_CAST, PG_CONVERSION, PG_TRANSFORM};
use std::sync::Arc;

use crate::archive::{Archive, DumpId, DumpObject, Entry, Kind, Render, RenderContext, Section};
use crate::catalog::casts::{self, CastRow, ConversionRow, TransformRow};
use crate::catalog::{Catalog, CatalogError};
use crate::sql::casts as sql;

use super::views::schema_on;
use super::{comment_entry, Satellite};

/// Whether an object prints its definition: not an extension member,
/// and definitions are dumped.
fn prints(obj: &DumpObject, ctx: &RenderContext) -> bool {
    obj.extension.is_none() && obj.dump && schema_on(ctx)
}

/// Reads every conversion and adds it to the archive.
pub(crate) async fn collect_conversions(
    cat: &Catalog<'_>,
    archive: &mut Archive,
) -> Result<(), CatalogError> {
    for c in casts::conversions(cat).await? {
        let obj = DumpObject::new(
            Kind::Conversion,
            (PG_CONVERSION, c.oid),
            Some(c.schema.clone()),
            c.name.clone(),
        );
        let id = archive.add(obj);
        archive.objects[id].render = Some(Arc::new(ConversionRender(c)));
    }
    Ok(())
}

/// Reads every user cast and adds it to the archive; a cast sorts by its
/// types' internal names (`mood int4`).
pub(crate) async fn collect_casts(
    cat: &Catalog<'_>,
    archive: &mut Archive,
) -> Result<(), CatalogError> {
    for c in casts::casts(cat).await? {
        let name = format!("{} {}", c.source_typname, c.target_typname);
        let obj = DumpObject::new(Kind::Cast, (PG_CAST, c.oid), None, name);
        let id = archive.add(obj);
        archive.objects[id].render = Some(Arc::new(CastRender(c)));
    }
    Ok(())
}

/// Reads every transform and adds it to the archive; a transform sorts
/// by its type's internal name and its language (`mood plpgsql`).
pub(crate) async fn collect_transforms(
    cat: &Catalog<'_>,
    archive: &mut Archive,
) -> Result<(), CatalogError> {
    for t in casts::transforms(cat).await? {
        let name = format!("{} {}", t.typname, t.language);
        let obj = DumpObject::new(Kind::Transform, (PG_TRANSFORM, t.oid), None, name);
        let id = archive.add(obj);
        archive.objects[id].render = Some(Arc::new(TransformRender(t)));
    }
    Ok(())
}

#[derive(Debug)]
struct CastRender(CastRow);

impl Render for CastRender {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        if !prints(&archive.objects[id], ctx) {
            return Vec::new();
        }
        let c = &self.0;
        let label = sql::cast_label(c);
        let mut entries = vec![Entry {
            tag: label.clone(),
            desc: "CAST".into(),
            defn: sql::create_cast(&ctx.quoting, c),
            drop_stmt: Some(format!("DROP {label};\n")),
            section: Some(Section::PreData),
            ..Entry::default()
        }];
        // The comment names the cast as `CAST (a AS b)`, with no owner.
        let name = label.trim_start_matches("CAST ");
        let sat = Satellite {
            keyword: "CAST",
            tag_name: name,
            sql_name: name,
            schema: None,
            owner: Some(""),
            address: (PG_CAST, c.oid, 0),
        };
        entries.extend(comment_entry(ctx, &sat));
        entries
    }
}

#[derive(Debug)]
struct ConversionRender(ConversionRow);

impl Render for ConversionRender {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        if !prints(&archive.objects[id], ctx) {
            return Vec::new();
        }
        let c = &self.0;
        let q = &ctx.quoting;
        let qname = q.qualified(&c.schema, &c.name);
        let mut entries = vec![Entry {
            tag: c.name.clone(),
            desc: "CONVERSION".into(),
            schema: Some(c.schema.clone()),
            owner: Some(c.owner.clone()),
            defn: sql::create_conversion(q, c, &qname),
            owner_object: Some(format!("CONVERSION {qname}")),
            section: Some(Section::PreData),
            ..Entry::default()
        }];
        let name = q.ident(&c.name);
        let sat = Satellite {
            keyword: "CONVERSION",
            tag_name: &name,
            sql_name: &qname,
            schema: Some(&c.schema),
            owner: Some(&c.owner),
            address: (PG_CONVERSION, c.oid, 0),
        };
        entries.extend(comment_entry(ctx, &sat));
        entries
    }
}

#[derive(Debug)]
struct TransformRender(TransformRow);

impl Render for TransformRender {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        if !prints(&archive.objects[id], ctx) {
            return Vec::new();
        }
        let t = &self.0;
        let q = &ctx.quoting;
        let target = sql::transform_target(q, t);
        let mut entries = vec![Entry {
            tag: format!("TRANSFORM {target}"),
            desc: "TRANSFORM".into(),
            defn: sql::create_transform(q, t),
            drop_stmt: Some(format!("DROP TRANSFORM {target};\n")),
            section: Some(Section::PreData),
            ..Entry::default()
        }];
        let sat = Satellite {
            keyword: "TRANSFORM",
            tag_name: &target,
            sql_name: &target,
            schema: None,
            owner: Some(""),
            address: (PG_TRANSFORM, t.oid, 0),
        };
        entries.extend(comment_entry(ctx, &sat));
        entries
    }
}
