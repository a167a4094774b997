//! Foreign data wrappers and foreign servers: CREATE statements, owners,
//! comments, ACLs, and each server's user mappings (entries of the
//! server, as pg_dump writes them: the server, its comment, then one
//! USER MAPPING entry per mapping in user name order). Extension members
//! (postgres_fdw's wrapper) print only their ACL changes.

use std::sync::Arc;

use crate::archive::{Archive, DumpId, DumpObject, Entry, Kind, Render, RenderContext, Section};
use crate::catalog::foreign_data::{self, ServerRow, WrapperRow};
use crate::catalog::{Catalog, CatalogError};
use crate::pg::oid::{PG_FOREIGN_DATA_WRAPPER, PG_FOREIGN_SERVER};
use crate::sql::foreign_data as sql;

use super::{acl_entry, comment_entry, AclSpec, Satellite};

/// Reads every wrapper, then every server, and adds them.
pub(crate) async fn collect(cat: &Catalog<'_>, archive: &mut Archive) -> Result<(), CatalogError> {
    for w in foreign_data::wrappers(cat).await? {
        let mut obj = DumpObject::new(
            Kind::Fdw,
            (PG_FOREIGN_DATA_WRAPPER, w.oid),
            None,
            w.name.clone(),
        );
        obj.render = Some(Arc::new(WrapperRender(w)));
        archive.add(obj);
    }
    for s in foreign_data::servers(cat).await? {
        let mut obj = DumpObject::new(
            Kind::ForeignServer,
            (PG_FOREIGN_SERVER, s.oid),
            None,
            s.name.clone(),
        );
        obj.render = Some(Arc::new(ServerRender(s)));
        archive.add(obj);
    }
    Ok(())
}

#[derive(Debug)]
struct WrapperRender(WrapperRow);

impl Render for WrapperRender {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        let w = &self.0;
        let name = ctx.quoting.ident(&w.name);
        let sat = Satellite {
            keyword: "FOREIGN DATA WRAPPER",
            tag_name: &name,
            sql_name: &name,
            schema: None,
            owner: Some(&w.owner),
            address: (PG_FOREIGN_DATA_WRAPPER, w.oid, 0),
        };
        let mut entries = Vec::new();
        if archive.objects[id].dump {
            entries.push(Entry {
                tag: w.name.clone(),
                desc: "FOREIGN DATA WRAPPER".into(),
                owner: Some(w.owner.clone()),
                defn: sql::create_wrapper(&ctx.quoting, w),
                owner_object: Some(format!("FOREIGN DATA WRAPPER {name}")),
                section: Some(Section::PreData),
                ..Entry::default()
            });
            entries.extend(comment_entry(ctx, &sat));
        }
        let spec = AclSpec {
            object_type: "FOREIGN DATA WRAPPER",
            acl: w.acl.as_deref(),
            acl_default: &w.acl_default,
            owner_name: Some(&w.owner),
            column: None,
        };
        entries.extend(acl_entry(ctx, &sat, &spec));
        entries
    }
}

#[derive(Debug)]
struct ServerRender(ServerRow);

impl Render for ServerRender {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        let s = &self.0;
        let q = &ctx.quoting;
        let name = q.ident(&s.name);
        let sat = Satellite {
            keyword: "SERVER",
            tag_name: &name,
            sql_name: &name,
            schema: None,
            owner: Some(&s.owner),
            address: (PG_FOREIGN_SERVER, s.oid, 0),
        };
        let mut entries = Vec::new();
        if archive.objects[id].dump {
            entries.push(Entry {
                tag: s.name.clone(),
                desc: "SERVER".into(),
                owner: Some(s.owner.clone()),
                defn: sql::create_server(q, s),
                owner_object: Some(format!("SERVER {name}")),
                section: Some(Section::PreData),
                ..Entry::default()
            });
            entries.extend(comment_entry(ctx, &sat));
            entries.extend(s.user_mappings.iter().map(|m| Entry {
                tag: sql::user_mapping_tag(&s.name, m),
                desc: "USER MAPPING".into(),
                owner: Some(s.owner.clone()),
                defn: sql::create_user_mapping(q, &s.name, m),
                drop_stmt: Some(format!(
                    "DROP USER MAPPING FOR {} SERVER {name};\n",
                    q.ident(&m.user)
                )),
                section: Some(Section::PreData),
                ..Entry::default()
            }));
        }
        // The ACL's object keyword differs from the comment's.
        let acl_sat = Satellite {
            keyword: "FOREIGN SERVER",
            ..sat
        };
        let spec = AclSpec {
            object_type: "FOREIGN SERVER",
            acl: s.acl.as_deref(),
            acl_default: &s.acl_default,
            owner_name: Some(&s.owner),
            column: None,
        };
        entries.extend(acl_entry(ctx, &acl_sat, &spec));
        entries
    }
}
