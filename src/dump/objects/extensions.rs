//! Extensions: `CREATE EXTENSION IF NOT EXISTS`, comments and labels.
//! Built-in extensions (the stock plpgsql) are not printed; their members
//! still print ACL changes (see the member objects' families).

use crate::pg::oid::PG_EXTENSION;
use std::sync::Arc;

use crate::archive::{Archive, DumpId, DumpObject, Entry, Kind, Render, RenderContext, Section};
use crate::catalog::extensions::{self, ExtensionRow};
use crate::catalog::{Catalog, CatalogError};

use super::{comment_entry, security_label_entry, Satellite};

/// OIDs below this were assigned by initdb.
const FIRST_NORMAL_OBJECT_ID: u32 = 16384;

/// Reads every extension and adds it to the archive.
pub(crate) async fn collect(cat: &Catalog<'_>, archive: &mut Archive) -> Result<(), CatalogError> {
    for x in extensions::extensions(cat).await? {
        let mut obj = DumpObject::new(Kind::Extension, (PG_EXTENSION, x.oid), None, x.name.clone());
        obj.dump = x.oid >= FIRST_NORMAL_OBJECT_ID;
        obj.render = Some(Arc::new(ExtensionRender(x)));
        archive.add(obj);
    }
    Ok(())
}

/// `CREATE EXTENSION IF NOT EXISTS x WITH SCHEMA s;`
pub(crate) fn create_extension(q: &crate::pg::quote::Quoting, x: &ExtensionRow) -> String {
    format!(
        "CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {};\n",
        q.ident(&x.name),
        q.ident(&x.schema)
    )
}

#[derive(Debug)]
struct ExtensionRender(ExtensionRow);

impl Render for ExtensionRender {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        let x = &self.0;
        if !archive.objects[id].dump {
            return Vec::new();
        }
        let name = ctx.quoting.ident(&x.name);
        let mut entries = vec![Entry {
            tag: x.name.clone(),
            desc: "EXTENSION".into(),
            defn: create_extension(&ctx.quoting, x),
            drop_stmt: Some(format!("DROP EXTENSION {name};\n")),
            section: Some(Section::PreData),
            ..Entry::default()
        }];
        let sat = Satellite {
            keyword: "EXTENSION",
            tag_name: &name,
            sql_name: &name,
            schema: None,
            owner: Some(""),
            address: (PG_EXTENSION, x.oid, 0),
        };
        entries.extend(comment_entry(ctx, &sat));
        entries.extend(security_label_entry(ctx, &sat));
        entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_statement() {
        let q = crate::pg::quote::Quoting::default();
        let x = ExtensionRow {
            oid: 16400,
            name: "hstore".into(),
            schema: "Odd \"Schema\"".into(),
        };
        assert_eq!(
            create_extension(&q, &x),
            "CREATE EXTENSION IF NOT EXISTS hstore WITH SCHEMA \"Odd \"\"Schema\"\"\";\n"
        );
    }
}
