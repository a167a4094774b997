//! A database's entries in printing order, rendered just before they are
//! written instead of all at once: only the object model is held, not the
//! SQL text of every object (on a catalog-heavy database the rendered
//! text of all entries is the biggest single holder of memory).
//!
//! The main pass is written as the sorted objects render; the ACL and
//! post-ACL passes' entries, which print after every main-pass entry, are
//! set aside until the objects run out. The COPY pipeline looks a few
//! entries ahead ([`EntryStream::peek`]), which renders that far.

use std::collections::VecDeque;

use crate::archive::print::pass_order;
use crate::archive::{Archive, DataSource, DumpId, Entry, Kind, Pass, RenderContext};

/// Objects rendered per step when the writer needs more entries.
const RENDER_STEP: usize = 32;

/// The objects still to render.
pub(super) struct Pending {
    pub archive: Archive,
    pub ctx: RenderContext,
    /// The printed objects in sorted order.
    pub printed: Vec<DumpId>,
    /// The next object of `printed` to render.
    pub next: usize,
}

/// The entries of one database in printing order (main pass, ACL pass,
/// post-ACL pass), by position.
pub(super) struct EntryStream {
    /// The entries from position `base` on that are rendered already.
    window: VecDeque<Entry>,
    base: usize,
    pending: Option<Box<Pending>>,
    /// The ACL and post-ACL entries rendered so far.
    acl: Vec<Entry>,
    post_acl: Vec<Entry>,
}

impl EntryStream {
    /// Entries rendered already (`-v` and directory archives number every
    /// entry first), put in printing order.
    pub(super) fn rendered(entries: Vec<Entry>) -> EntryStream {
        EntryStream {
            window: in_printing_order(entries).into(),
            base: 0,
            pending: None,
            acl: Vec::new(),
            post_acl: Vec::new(),
        }
    }

    /// Copies of the data entries still to come that `wanted` picks (big
    /// tables for the workers of `-j`), in printing order. Objects not
    /// rendered yet are rendered for it (only data objects: table data
    /// and large objects, which print in the main pass in sorted order).
    pub(super) fn data_entries(&self, wanted: impl Fn(&Entry) -> bool) -> Vec<Entry> {
        let is_data = |e: &Entry| {
            matches!(
                e.data,
                Some(
                    DataSource::Copy { .. }
                        | DataSource::Inserts(_)
                        | DataSource::LargeObjects { .. }
                )
            ) && e.object.is_some()
        };
        let mut found: Vec<Entry> = (self.window.iter())
            .filter(|e| is_data(e) && wanted(e))
            .cloned()
            .collect();
        if let Some(p) = &self.pending {
            let mut out = Vec::new();
            for &id in &p.printed[p.next..] {
                if matches!(
                    p.archive.objects[id].kind,
                    Kind::TableData | Kind::LargeObjectData
                ) {
                    super::render_object(id, &p.archive, &p.ctx, &mut out);
                    found.extend(out.drain(..).filter(|e| is_data(e) && wanted(e)));
                }
            }
        }
        found
    }

    /// The database's own `entries` rendered, then `pending`'s objects
    /// rendered as they are needed.
    pub(super) fn lazy(entries: Vec<Entry>, pending: Pending) -> EntryStream {
        let mut stream = EntryStream {
            window: VecDeque::new(),
            base: 0,
            pending: Some(Box::new(pending)),
            acl: Vec::new(),
            post_acl: Vec::new(),
        };
        stream.place(entries);
        stream
    }

    /// The entry at `position` (at least the next one's), rendering as
    /// far as needed; None past the end.
    pub(super) fn peek(&mut self, position: usize) -> Option<&Entry> {
        let k = position.checked_sub(self.base)?;
        while k >= self.window.len() {
            if !self.render_more() {
                return None;
            }
        }
        self.window.get(k)
    }

    /// Takes the next entry out of the stream.
    pub(super) fn next_entry(&mut self) -> Option<Entry> {
        self.peek(self.base)?;
        let e = self.window.pop_front()?;
        self.base += 1;
        Some(e)
    }

    /// Puts freshly rendered entries where their pass prints them.
    fn place(&mut self, entries: impl IntoIterator<Item = Entry>) {
        for e in entries {
            match e.pass {
                Pass::Main => self.window.push_back(e),
                Pass::Acl => self.acl.push(e),
                Pass::PostAcl => self.post_acl.push(e),
            }
        }
    }

    /// Renders the next objects; when none are left, releases the set
    /// aside passes. False when there is nothing more.
    fn render_more(&mut self) -> bool {
        let Some(p) = self.pending.as_mut() else {
            return false;
        };
        if p.next < p.printed.len() {
            let end = (p.next + RENDER_STEP).min(p.printed.len());
            let mut out = Vec::new();
            for &id in &p.printed[p.next..end] {
                super::render_object(id, &p.archive, &p.ctx, &mut out);
            }
            p.next = end;
            self.place(out);
            return true;
        }
        if let Some(done) = self.pending.take() {
            super::drop_archive(done.archive);
        }
        let before = self.window.len();
        self.window.extend(std::mem::take(&mut self.acl));
        self.window.extend(std::mem::take(&mut self.post_acl));
        self.window.len() > before
    }
}

/// `entries` moved into printing order (see [`pass_order`]).
fn in_printing_order(entries: Vec<Entry>) -> Vec<Entry> {
    let order = pass_order(&entries);
    let mut slots: Vec<Option<Entry>> = entries.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}
