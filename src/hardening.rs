//! Process-wide protections the kiosk turns on at start.
//!
//! A crash while a resident's data is on screen would otherwise copy the process's memory —
//! name, address, date of birth, the PIN pad's digits — into a core file: next to the
//! program (`kernel.core_pattern = core`), in systemd-coredump's store, or in an apport report.
//! The kiosk forbids its own core dumps instead. (The zeroing allocator wipes what is freed;
//! this covers what is still live at the moment of the crash.)

use std::io;

/// Forbid core dumps of this process: `RLIMIT_CORE` 0 (no core file), and `PR_SET_DUMPABLE`
/// 0, which also stops core handlers that are pipes (systemd-coredump, apport) under Debian's
/// default `fs.suid_dumpable = 0`, and keeps other processes of the same user from attaching
/// a debugger to read memory.
pub fn forbid_core_dumps() -> io::Result<()> {
    let none = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain system calls with a valid pointer to a local struct.
    if unsafe { libc::setrlimit(libc::RLIMIT_CORE, &none) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: PR_SET_DUMPABLE takes one integer argument.
    if unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Whether this process's core dumps are forbidden (`PR_GET_DUMPABLE` is 0); the tests check
/// [`forbid_core_dumps`] with it.
pub fn core_dumps_forbidden() -> bool {
    // SAFETY: PR_GET_DUMPABLE takes no argument.
    unsafe { libc::prctl(libc::PR_GET_DUMPABLE, 0, 0, 0, 0) == 0 }
}
