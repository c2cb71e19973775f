//! A global allocator that wipes every heap block as it is freed or moved.
//!
//! The types that hold personal data zero themselves on drop, but the data passes through
//! buffers no type of ours owns: the APDU responses inside myna-card, the strings the PDF writer
//! lays out, a `Vec` that grew and left its old block behind. Freed memory keeps its bytes until
//! reused, so a core dump or a swapped page could still show a resident's name long after the
//! session ended. Zeroing in the allocator closes all of those at once. The cost is a memset
//! per free (BENCHMARKS.md: a whole session takes 1.03× as long with it).
//!
//! The kiosk binary installs it (`main.rs`); the soak test installs it too, so that the memory
//! it audits is the memory the kiosk would have.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{Ordering, compiler_fence};

/// The system allocator, zeroing on free and on realloc.
pub struct ZeroingAlloc;

/// Zero `len` bytes at `ptr` in a way the optimiser cannot drop as a dead store before `free`.
///
/// # Safety
/// `ptr` must be valid for writes of `len` bytes.
unsafe fn wipe(ptr: *mut u8, len: usize) {
    // SAFETY: the caller guarantees `ptr..ptr+len` is writable (a block we are freeing).
    unsafe {
        std::ptr::write_bytes(ptr, 0, len);
        // A volatile read of the block through an opaque pointer makes the zeroing observable,
        // so it is not removed as a store before free.
        std::ptr::read_volatile(std::hint::black_box(ptr));
    }
    compiler_fence(Ordering::SeqCst);
}

// SAFETY: every method forwards to `System` with the same layout; `dealloc` and `realloc` only
// write inside the block being released, before releasing it.
unsafe impl GlobalAlloc for ZeroingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` is a live block of `layout.size()` bytes from this allocator.
        unsafe {
            wipe(ptr, layout.size());
            System.dealloc(ptr, layout);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Never let the system grow a block in place and free a copy we cannot wipe: allocate,
        // copy, wipe and free the old block ourselves.
        // SAFETY: the new layout keeps the alignment, and `new_size` is non-zero and does not
        // overflow when rounded up (the `realloc` contract).
        unsafe {
            let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
            let new = System.alloc(new_layout);
            if !new.is_null() {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            new
        }
    }
}
