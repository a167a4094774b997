//! A counting allocator for memory work (feature `heap-stats`, never in
//! release builds): the live heap and its peak since the last look, shown
//! in front of every `PGDUMPALL_RS_LOG` line, so that each phase's
//! figure is known without a heap profiler.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicUsize, Ordering};

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// Wraps an allocator and counts the bytes it holds.
pub struct Counting<A>(pub A);

// SAFETY: every call is passed on unchanged to the wrapped allocator;
// only counters are added.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Counting<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { self.0.alloc(layout) };
        if !p.is_null() {
            added(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { self.0.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { self.0.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
            added(new_size);
        }
        p
    }
}

fn added(size: usize) {
    let now = CURRENT.fetch_add(size, Ordering::Relaxed) + size;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

/// `heap now / peak since the last call` in MiB, and resets the peak.
pub fn take() -> String {
    let now = CURRENT.load(Ordering::Relaxed);
    let peak = PEAK.swap(now, Ordering::Relaxed);
    let mib = |b: usize| b as f64 / (1024.0 * 1024.0);
    format!("[heap {:.1} / peak {:.1} MiB] ", mib(now), mib(peak))
}
