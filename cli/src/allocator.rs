//! The binary's global allocator: mimalloc, asked for plain blocks
//! (`mi_malloc`) whenever the alignment Rust wants is one mimalloc gives
//! every block anyway, and for aligned ones only otherwise. Not here: which
//! allocator the library crates use (they leave it to the binary).
//!
//! Why not the `mimalloc` crate's own `MiMalloc`: it asks for every block
//! through `mi_malloc_aligned`, even at alignment 1, and mimalloc 3 serves
//! an aligned request above 1 KiB whose size is not a power of two by
//! over-allocating and marking the page as holding interior pointers.
//! Page buffers, case readers' vectors and verdicts' lists are such
//! blocks: in a Parquet `batch` that path cost over a thousand
//! instructions a case (docs/performance.md, issue 14, eighth round).
//! This is the rule the `mimalloc` crate itself followed before 0.1.44.
//!
//! Also here: how mimalloc gives memory back (`release_freed_lazily`).

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as ffi;

// mimalloc's options, which `libmimalloc_sys` declares only with a
// feature that brings in a crate more and the option numbers of
// mimalloc 2; the functions are in the library it builds either way.
unsafe extern "C" {
    #[cfg(test)]
    fn mi_option_get(option: std::ffi::c_int) -> std::ffi::c_long;
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// `mi_option_purge_decommits` (the same number in mimalloc 2 and 3):
/// whether memory freed for a while is decommitted (1) or reset (0).
const PURGE_DECOMMITS: std::ffi::c_int = 5;

/// The variable by which a user sets the same option, and is obeyed.
const PURGE_DECOMMITS_VARIABLE: &str = "MIMALLOC_PURGE_DECOMMITS";

/// Makes mimalloc give freed memory back to the system by resetting it
/// (`MADV_FREE`: the kernel takes the pages when it needs them) rather
/// than decommitting it (`MADV_DONTNEED`: the pages go at once), unless
/// the user set `MIMALLOC_PURGE_DECOMMITS`.
///
/// Why: a `batch` run frees and reuses chunks of pages all along, and
/// mimalloc purged them within the run; each page used again was then
/// a fresh one the kernel zeroed first (with transparent huge pages,
/// which mimalloc no longer asks for, two megabytes at a time). That
/// zeroing was 8% of a Parquet run's time (docs/performance.md, issue
/// 14, thirteenth round; decision 58). A reset page used again before
/// the kernel took it costs nothing.
pub fn release_freed_lazily() {
    if reset_on_purge(std::env::var_os(PURGE_DECOMMITS_VARIABLE).is_some()) {
        // SAFETY: the option exists (it is below mimalloc's last), and
        // setting it is safe at any time; it is set before the threads
        // that allocate the most start.
        unsafe { mi_option_set(PURGE_DECOMMITS, 0) }
    }
}

/// Whether to reset rather than decommit: whenever the user did not say.
fn reset_on_purge(user_set: bool) -> bool {
    !user_set
}

/// The alignment every block of mimalloc's has: its size classes are
/// whole machine words and its pages start aligned. (Sixteen, the size
/// of `max_align_t`, holds only for some classes: a 24-byte block may sit
/// at an odd multiple of 8, so sixteen-aligned requests go the aligned
/// way; Rust's own types seldom ask for them.)
const PLAIN_ALIGN: usize = std::mem::size_of::<usize>();

/// mimalloc as the global allocator (see the module's documentation).
pub struct Mimalloc;

/// Whether a plain block of `size` bytes is aligned to `align`.
#[inline]
fn plain(align: usize, size: usize) -> bool {
    align <= PLAIN_ALIGN && align <= size
}

// SAFETY: every block comes from mimalloc and goes back to it; a plain
// block is requested only when mimalloc guarantees the alignment asked
// for (`plain`), and an aligned one otherwise; `mi_free` and the
// `mi_realloc*` functions take blocks from either.
unsafe impl GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: mimalloc's functions have no preconditions beyond
        // their arguments' meaning.
        unsafe {
            if plain(layout.align(), layout.size()) {
                ffi::mi_malloc(layout.size()).cast()
            } else {
                ffi::mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as in `alloc`.
        unsafe {
            if plain(layout.align(), layout.size()) {
                ffi::mi_zalloc(layout.size()).cast()
            } else {
                ffi::mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator, so from mimalloc.
        unsafe { ffi::mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator with `layout`; the new
        // block keeps `layout`'s alignment by the same rule as `alloc`.
        unsafe {
            if plain(layout.align(), new_size) {
                ffi::mi_realloc(ptr.cast::<c_void>(), new_size).cast()
            } else {
                ffi::mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether mimalloc decommits memory it purges (`true`) or resets it.
    fn purge_decommits() -> bool {
        unsafe { mi_option_get(PURGE_DECOMMITS) != 0 }
    }

    #[test]
    fn freed_memory_is_reset_rather_than_decommitted_unless_the_user_says() {
        assert!(reset_on_purge(false));
        assert!(!reset_on_purge(true));
        if std::env::var_os(PURGE_DECOMMITS_VARIABLE).is_none() {
            assert!(purge_decommits(), "mimalloc's own default is to decommit");
            release_freed_lazily();
            assert!(!purge_decommits());
        }
    }

    #[test]
    fn blocks_of_every_size_and_alignment_come_back_aligned_and_usable() {
        let a = Mimalloc;
        for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
            for size in [
                1,
                3,
                8,
                15,
                16,
                17,
                24,
                40,
                56,
                100,
                1000,
                1025,
                1500,
                4097,
                70_000,
                3 << 20,
            ] {
                let layout = Layout::from_size_align(size, align).unwrap();
                unsafe {
                    let p = a.alloc(layout);
                    assert!(!p.is_null());
                    assert_eq!(p as usize % align, 0, "size {size} align {align}");
                    p.write_bytes(0xAB, size);
                    let z = a.alloc_zeroed(layout);
                    assert_eq!(z as usize % align, 0);
                    assert!(std::slice::from_raw_parts(z, size).iter().all(|&b| b == 0));
                    let grown = a.realloc(p, layout, size * 2 + 5);
                    assert_eq!(grown as usize % align, 0, "grown {size} align {align}");
                    assert!(
                        std::slice::from_raw_parts(grown, size)
                            .iter()
                            .all(|&b| b == 0xAB)
                    );
                    a.dealloc(grown, Layout::from_size_align(size * 2 + 5, align).unwrap());
                    a.dealloc(z, layout);
                }
            }
        }
    }
}
