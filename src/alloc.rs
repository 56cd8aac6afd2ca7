//! The allocator of jixiao's programs: on Linux, mimalloc for a batch (`check`, `fix`, a folder
//! dropped on the program) and the system's for `jixiao serve`; on Windows, the system's.
//!
//! Measured (docs/performance.md, "The shipped builds"): mimalloc makes a batch a fifth faster than
//! glibc's malloc (and 5–10× faster than musl's, which the first static Linux builds used).
//! But a server on mimalloc grew from 86 MB after the first 100 requests of the soak test to
//! 134–170 MB after 1,000, where the tuned glibc malloc stays at 15–17 MB. So a
//! process allocates from mimalloc until `jixiao serve` switches it to the system allocator
//! ([`use_system_allocator`], before it starts any thread), and every block is freed by the
//! allocator that gave it: mimalloc tells its own blocks by its page map.
//!
//! The Windows build keeps the Windows heap: with mimalloc, under Wine, `fix --standard` of
//! 1,000 forms peaked at 238 MB and `fix` of 10,000 ran out of memory; no Windows machine was at hand to
//! tell whether Windows itself would do the same.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
#[cfg(not(windows))]
use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};

#[cfg(not(windows))]
use libmimalloc_sys as mi;

/// The global allocator: `#[global_allocator] static A: jixiao::alloc::Allocator = Allocator;`
/// in a program of jixiao's.
#[derive(Debug, Clone, Copy, Default)]
pub struct Allocator;

/// Set once, never cleared: from then on new blocks come from the system allocator.
static SYSTEM: AtomicBool = AtomicBool::new(false);

/// New blocks come from the system allocator from now on (`jixiao serve`, for its steady
/// memory). Blocks mimalloc gave before are still freed by it.
pub fn use_system_allocator() {
    SYSTEM.store(true, Ordering::Release);
}

/// Whether mimalloc gave the block at `ptr`. Until [`use_system_allocator`] every block is
/// mimalloc's, and its page map is not asked.
#[cfg(not(windows))]
#[inline]
fn from_mimalloc(ptr: *mut u8) -> bool {
    // SAFETY: mi_is_in_heap_region only looks the address up in mimalloc's page map.
    !SYSTEM.load(Ordering::Acquire) || unsafe { mi::mi_is_in_heap_region(ptr as *const c_void) }
}

/// The alignment every block of mimalloc's has (`MI_MAX_ALIGN_SIZE`): a block of at least this
/// size needs no aligned allocation, whose slower path a batch's every small string would take.
#[cfg(not(windows))]
const NATURAL_ALIGN: usize = 16;

/// Whether a block of `size` bytes and this alignment is served by mimalloc's plain allocation
/// (as the `mimalloc` crate decides): the alignment is natural and no larger than the size.
#[cfg(not(windows))]
#[inline]
fn natural(align: usize, size: usize) -> bool {
    align <= NATURAL_ALIGN && align <= size
}

/// A block of mimalloc's for `layout`, zeroed or not.
///
/// # Safety
/// `GlobalAlloc::alloc`'s contract: a layout of non-zero size.
#[cfg(not(windows))]
#[inline]
unsafe fn mi_alloc(layout: Layout, zeroed: bool) -> *mut u8 {
    let (size, align) = (layout.size(), layout.align());
    // SAFETY: mimalloc takes any size and any power-of-two alignment (a layout's).
    unsafe {
        (match (natural(align, size), zeroed) {
            (true, false) => mi::mi_malloc(size),
            (true, true) => mi::mi_zalloc(size),
            (false, false) => mi::mi_malloc_aligned(size, align),
            (false, true) => mi::mi_zalloc_aligned(size, align),
        }) as *mut u8
    }
}

/// mimalloc's block at `ptr` (of `layout`) resized to `new_size`, keeping the alignment.
///
/// # Safety
/// `GlobalAlloc::realloc`'s contract, for a live block of mimalloc's.
#[cfg(not(windows))]
#[inline]
unsafe fn mi_resize(ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
    // SAFETY: the caller's contract.
    unsafe {
        (if natural(layout.align(), new_size) {
            mi::mi_realloc(ptr as *mut c_void, new_size)
        } else {
            mi::mi_realloc_aligned(ptr as *mut c_void, new_size, layout.align())
        }) as *mut u8
    }
}

// SAFETY: each block is allocated by one allocator and freed or resized by the same one
// (`from_mimalloc`); both allocators honour the layout's size and alignment.
#[cfg(not(windows))]
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if SYSTEM.load(Ordering::Acquire) {
            // SAFETY: the caller's contract of GlobalAlloc::alloc, passed on.
            unsafe { System.alloc(layout) }
        } else {
            // SAFETY: as above.
            unsafe { mi_alloc(layout, false) }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if SYSTEM.load(Ordering::Acquire) {
            // SAFETY: the caller's contract of GlobalAlloc::alloc_zeroed, passed on.
            unsafe { System.alloc_zeroed(layout) }
        } else {
            // SAFETY: as above.
            unsafe { mi_alloc(layout, true) }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if from_mimalloc(ptr) {
            // SAFETY: `ptr` is a live block of mimalloc's.
            unsafe { mi::mi_free(ptr as *mut c_void) }
        } else {
            // SAFETY: `ptr` is a live block of the system allocator's, of this layout.
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if from_mimalloc(ptr) {
            // SAFETY: `ptr` is a live block of mimalloc's; the new size is the caller's.
            unsafe { mi_resize(ptr, layout, new_size) }
        } else {
            // SAFETY: `ptr` is a live block of the system allocator's, of this layout.
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }
}

// SAFETY: the system allocator, as it is.
#[cfg(windows)]
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc_zeroed(layout) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[cfg(all(test, not(windows)))]
mod tests {
    use super::*;

    /// mimalloc's blocks of every alignment a layout may ask, small and large, plain and
    /// zeroed: aligned, usable to their size, resized with their contents and alignment kept.
    #[test]
    fn mimalloc_blocks_keep_their_layout() {
        for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
            for size in [1, 3, 8, 15, 16, 24, 100, 5000] {
                let layout = Layout::from_size_align(size, align).unwrap();
                for zeroed in [false, true] {
                    // SAFETY: each block is written within its size and freed once.
                    unsafe {
                        let p = mi_alloc(layout, zeroed);
                        assert!(!p.is_null() && (p as usize).is_multiple_of(align), "{layout:?}");
                        if zeroed {
                            assert!((0..size).all(|i| *p.add(i) == 0), "{layout:?}");
                        }
                        p.write_bytes(0xA5, size);
                        // Grown, then shrunk below the alignment: contents and alignment kept.
                        let grown = 3 * size + 17;
                        let p = mi_resize(p, layout, grown);
                        assert!(
                            !p.is_null() && (p as usize).is_multiple_of(align),
                            "{layout:?} → {grown}"
                        );
                        assert!((0..size).all(|i| *p.add(i) == 0xA5), "{layout:?} → {grown}");
                        p.add(size).write_bytes(0x5A, grown - size);
                        let p = mi_resize(p, Layout::from_size_align(grown, align).unwrap(), 1);
                        assert!(
                            !p.is_null() && (p as usize).is_multiple_of(align),
                            "{layout:?} → 1"
                        );
                        assert_eq!(*p, 0xA5, "{layout:?} → 1");
                        mi::mi_free(p as *mut c_void);
                    }
                }
            }
        }
    }

    /// Blocks of both allocators side by side, freed and resized by the right one. (The test
    /// binary's own global allocator is the system's; this drives `Allocator` directly.)
    #[test]
    fn blocks_go_back_to_the_allocator_that_gave_them() {
        let a = Allocator;
        let layout = Layout::from_size_align(48, 16).unwrap();
        // SAFETY: each block is written within its size and freed once, with its layout.
        unsafe {
            let early = a.alloc(layout);
            assert!(!early.is_null() && (early as usize).is_multiple_of(16));
            assert!(mi::mi_is_in_heap_region(early as *const c_void));
            early.write_bytes(7, 48);
            use_system_allocator();
            let late = a.alloc_zeroed(layout);
            assert!(!late.is_null());
            assert!(!mi::mi_is_in_heap_region(late as *const c_void));
            assert!((0..48).all(|i| *late.add(i) == 0));
            let early = a.realloc(early, layout, 4096);
            assert!(mi::mi_is_in_heap_region(early as *const c_void));
            assert_eq!(*early.add(47), 7);
            let late = a.realloc(late, layout, 4096);
            assert!(!mi::mi_is_in_heap_region(late as *const c_void));
            let big = Layout::from_size_align(4096, 16).unwrap();
            a.dealloc(early, big);
            a.dealloc(late, big);
        }
    }
}
