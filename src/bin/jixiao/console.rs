//! The Windows console: who shares it, and its output code page (elsewhere: no console of our
//! own, nothing to set).

// Calls into kernel32: the only unsafe code of the binary.
#[cfg(windows)]
#[allow(unsafe_code)]
mod windows {
    #[link(name = "kernel32")]
    unsafe extern "system" {
        fn GetConsoleProcessList(list: *mut u32, count: u32) -> u32;
        fn GetConsoleOutputCP() -> u32;
        fn SetConsoleOutputCP(code_page: u32) -> i32;
    }

    const UTF8: u32 = 65001;

    /// The console was opened for this process alone (Explorer started it).
    pub fn own() -> bool {
        let mut ids = [0u32; 4];
        // SAFETY: the buffer holds `ids.len()` entries; the call writes at most that many.
        unsafe { GetConsoleProcessList(ids.as_mut_ptr(), ids.len() as u32) == 1 }
    }

    /// The console's output code page set to UTF-8 while the program runs (programs reading
    /// a pipe from it decode by that code page), the old one restored when dropped.
    pub struct Utf8Output(u32);

    impl Utf8Output {
        pub fn set() -> Utf8Output {
            // SAFETY: plain calls without pointers; 0 means there is no console.
            let old = unsafe { GetConsoleOutputCP() };
            if old != 0 && old != UTF8 {
                unsafe { SetConsoleOutputCP(UTF8) };
            }
            Utf8Output(old)
        }
    }

    impl Drop for Utf8Output {
        fn drop(&mut self) {
            if self.0 != 0 && self.0 != UTF8 {
                // SAFETY: as above.
                unsafe { SetConsoleOutputCP(self.0) };
            }
        }
    }
}

#[cfg(windows)]
pub use windows::*;

#[cfg(not(windows))]
mod other {
    pub fn own() -> bool {
        false
    }

    pub struct Utf8Output;

    impl Utf8Output {
        pub fn set() -> Utf8Output {
            Utf8Output
        }
    }
}

#[cfg(not(windows))]
pub use other::*;
