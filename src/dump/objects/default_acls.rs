//! Default privileges (`ALTER DEFAULT PRIVILEGES`), printed in the ACL
//! pass: global entries are diffed against the built-in defaults,
//! per-schema entries against an empty ACL.

use crate::pg::oid::PG_DEFAULT_ACL;
use std::sync::Arc;

use crate::archive::{
    Archive, DumpId, DumpObject, Entry, Kind, Pass, Render, RenderContext, TieBreak,
};
use crate::catalog::postdata::DefaultAclRow;
use crate::catalog::{postdata, Catalog, CatalogError};
use crate::sql::postdata as psql;

use super::views::schema_on;

#[derive(Debug)]
struct DefaultAclRender(DefaultAclRow);

/// Reads pg_default_acl and adds one object per row.
pub(crate) async fn collect(cat: &Catalog<'_>, archive: &mut Archive) -> Result<(), CatalogError> {
    for d in postdata::default_acls(cat).await? {
        let mut obj = DumpObject::new(
            Kind::DefaultAcl,
            (PG_DEFAULT_ACL, d.oid),
            d.schema.clone(),
            d.objtype.to_string(),
        );
        obj.tie = TieBreak::Text(d.role.as_str().into());
        obj.render = Some(Arc::new(DefaultAclRender(d)));
        archive.add(obj);
    }
    Ok(())
}

impl Render for DefaultAclRender {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        if ctx.opts.no_privileges || !schema_on(ctx) || archive.objects[id].extension.is_some() {
            return Vec::new();
        }
        let d = &self.0;
        let Some(object_type) = psql::default_acl_object_type(d.objtype) else {
            return Vec::new();
        };
        vec![Entry {
            tag: format!("DEFAULT PRIVILEGES FOR {object_type}"),
            desc: "DEFAULT ACL".into(),
            schema: d.schema.clone(),
            owner: Some(d.role.clone()),
            defn: psql::default_acl(
                &ctx.quoting,
                &d.role,
                d.schema.as_deref(),
                object_type,
                &d.acl,
                &d.baseline,
            ),
            pass: Pass::Acl,
            ..Entry::default()
        }]
    }
}
