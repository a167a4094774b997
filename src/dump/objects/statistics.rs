//! Relation statistics (`--statistics`, `--statistics-only`): one
//! STATISTICS DATA object per dumped table, partitioned table, matview,
//! foreign table, index and partitioned index, restoring its `pg_class`
//! figures and its `pg_stats` rows.
//!
//! Table statistics are data; index statistics are post-data, and so are
//! a matview's when its data is dumped (REFRESH resets them, so they
//! follow the refresh) or when loop repair moves them there (rule R4).
//! Post-data statistics print in the post-ACL pass.

use crate::pg::oid::{PG_CLASS, PG_CONSTRAINT};
use std::collections::HashMap;
use std::sync::Arc;

use crate::archive::RenderOptions;
use crate::archive::{
    Archive, DumpId, DumpObject, Entry, HeaderPrefix, Kind, Pass, Render, RenderContext, Role,
    Section,
};
use crate::catalog::statistics::{self as cat, AttributeStatsRow, RelationStatsRow};
use crate::catalog::{Catalog, CatalogError};
use crate::sql::statistics::{self as sql, AttributeStats, Column, RelationStats};

/// Whether statistics are dumped (off by default in 18.6).
pub(crate) fn enabled(o: &RenderOptions) -> bool {
    (o.statistics || o.statistics_only) && !o.no_statistics
}

/// Whether table data (and so matview REFRESH) is dumped.
fn data_dumped(o: &RenderOptions) -> bool {
    !(o.schema_only || o.no_data || o.statistics_only)
}

#[derive(Debug)]
struct StatsRender {
    row: RelationStatsRow,
    attributes: Vec<AttributeStatsRow>,
}

/// Adds the statistics objects of every dumped relation (none unless
/// statistics are dumped). Call after relations, indexes, constraints
/// and matview refreshes are collected.
pub(crate) async fn collect(
    cat: &Catalog<'_>,
    archive: &mut Archive,
    opts: &RenderOptions,
) -> Result<(), CatalogError> {
    if !enabled(opts) {
        return Ok(());
    }
    let rels = cat::relations(cat).await?;
    let mut attributes: HashMap<u32, Vec<AttributeStatsRow>> = HashMap::new();
    for a in cat::attributes(cat).await? {
        attributes.entry(a.relid).or_default().push(a);
    }
    let refreshes: HashMap<u32, DumpId> = if data_dumped(opts) {
        archive
            .objects
            .iter()
            .enumerate()
            .filter(|(_, o)| o.kind == Kind::RefreshMatview)
            .map(|(id, o)| (o.catalog_id.1, id))
            .collect()
    } else {
        HashMap::new()
    };
    for row in rels {
        if row.member {
            continue;
        }
        let Some(rel) = archive.find(PG_CLASS, row.oid) else {
            continue;
        };
        let wanted = match archive.objects[rel].kind {
            Kind::Table => matches!(row.relkind, 'r' | 'p' | 'm' | 'f'),
            Kind::Index => matches!(row.relkind, 'i' | 'I'),
            _ => false,
        };
        if !wanted {
            continue;
        }
        let mut obj = DumpObject::new(
            Kind::RelStats,
            (0, 0),
            Some(row.schema.clone()),
            row.name.clone(),
        );
        obj.role = Role::RelStats {
            relkind: row.relkind,
        };
        obj.deps.push(rel);
        if let Some(con) = row.constraint.and_then(|c| archive.find(PG_CONSTRAINT, c)) {
            obj.deps.push(con);
        }
        if row.relkind == 'm' {
            if let Some(&refresh) = refreshes.get(&row.oid) {
                // After the REFRESH, in post-data.
                obj.deps.push(refresh);
                obj.repairs.postponed = true;
            }
        }
        let attributes = attributes.remove(&row.oid).unwrap_or_default();
        obj.render = Some(Arc::new(StatsRender { row, attributes }));
        archive.add(obj);
    }
    Ok(())
}

/// Whether a statistics object is in the post-data section.
pub(crate) fn is_post_data(obj: &DumpObject) -> bool {
    match obj.role {
        Role::RelStats { relkind } => matches!(relkind, 'i' | 'I') || obj.repairs.postponed,
        _ => false,
    }
}

impl Render for StatsRender {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        if !enabled(&ctx.opts) {
            return Vec::new();
        }
        let r = &self.row;
        let by_number = matches!(r.relkind, 'i' | 'I') && r.has_expressions;
        let attributes: Vec<AttributeStats> = self
            .attributes
            .iter()
            .map(|a| AttributeStats {
                column: if by_number {
                    Column::Number(a.attnum)
                } else {
                    Column::Name(&a.attname)
                },
                inherited: a.inherited,
                null_frac: a.null_frac.as_deref(),
                avg_width: a.avg_width.as_deref(),
                n_distinct: a.n_distinct.as_deref(),
                most_common_vals: a.most_common_vals.as_deref(),
                most_common_freqs: a.most_common_freqs.as_deref(),
                histogram_bounds: a.histogram_bounds.as_deref(),
                correlation: a.correlation.as_deref(),
                most_common_elems: a.most_common_elems.as_deref(),
                most_common_elem_freqs: a.most_common_elem_freqs.as_deref(),
                elem_count_histogram: a.elem_count_histogram.as_deref(),
                range_length_histogram: a.range_length_histogram.as_deref(),
                range_empty_frac: a.range_empty_frac.as_deref(),
                range_bounds_histogram: a.range_bounds_histogram.as_deref(),
            })
            .collect();
        let defn = sql::statistics_data(
            &ctx.quoting,
            &RelationStats {
                version: ctx.server_version_num,
                schema: &r.schema,
                relname: &r.name,
                relpages: r.relpages,
                reltuples: &r.reltuples,
                relallvisible: r.relallvisible,
                relallfrozen: r.relallfrozen,
            },
            &attributes,
        );
        let post = is_post_data(&archive.objects[id]);
        vec![Entry {
            tag: r.name.clone(),
            desc: "STATISTICS DATA".into(),
            schema: Some(r.schema.clone()),
            owner: None,
            prefix: HeaderPrefix::StatisticsFor,
            defn,
            pass: if post { Pass::PostAcl } else { Pass::Main },
            section: Some(if post {
                Section::PostData
            } else {
                Section::Data
            }),
            ..Entry::default()
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_are_off_by_default() {
        assert!(!enabled(&RenderOptions::default()));
        let on = RenderOptions {
            statistics: true,
            ..RenderOptions::default()
        };
        assert!(enabled(&on));
        let only = RenderOptions {
            statistics_only: true,
            ..RenderOptions::default()
        };
        assert!(enabled(&only));
        assert!(!data_dumped(&only));
    }

    #[test]
    fn sections() {
        let mut obj = DumpObject::new(Kind::RelStats, (0, 0), None, "t".into());
        obj.role = Role::RelStats { relkind: 'r' };
        assert!(!is_post_data(&obj));
        obj.role = Role::RelStats { relkind: 'I' };
        assert!(is_post_data(&obj));
        obj.role = Role::RelStats { relkind: 'm' };
        assert!(!is_post_data(&obj));
        obj.repairs.postponed = true;
        assert!(is_post_data(&obj));
    }
}
