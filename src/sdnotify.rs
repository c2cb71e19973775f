//! systemd's service notifications (`sd_notify`): READY when the kiosk's windows run, then
//! WATCHDOG from the kiosk's own one-second tick, so systemd restarts a kiosk whose window loop
//! hangs (`WatchdogSec=` in `kakanai.service`), not only one that dies.
//!
//! The protocol is one datagram of `KEY=value` lines to the unix socket named in
//! `NOTIFY_SOCKET` (a path, or `@name` for the abstract namespace). Without `NOTIFY_SOCKET`
//! (not run by systemd) every call does nothing. The kiosk is a grandchild of the service's main
//! process (systemd → xinit → the session launcher → kakanai), so `WATCHDOG_PID`, which names
//! xinit, is deliberately not checked; the unit sets `NotifyAccess=all` for the same reason.

use std::io;
use std::os::unix::net::UnixDatagram;
use std::sync::atomic::{AtomicBool, Ordering};

/// Send `state` (e.g. `"READY=1"`) to the socket `NOTIFY_SOCKET` names, if any.
pub fn notify(state: &str) -> io::Result<()> {
    match std::env::var_os("NOTIFY_SOCKET") {
        Some(socket) => notify_to(&socket.to_string_lossy(), state),
        None => Ok(()),
    }
}

/// Send `state` to the notification socket `socket` (`/path` or `@abstract`).
pub fn notify_to(socket: &str, state: &str) -> io::Result<()> {
    let sender = UnixDatagram::unbound()?;
    if let Some(name) = socket.strip_prefix('@') {
        use std::os::linux::net::SocketAddrExt;
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
        sender.send_to_addr(state.as_bytes(), &addr)?;
    } else {
        sender.send_to(state.as_bytes(), socket)?;
    }
    Ok(())
}

static READY_SENT: AtomicBool = AtomicBool::new(false);

/// The kiosk's tick: READY the first time (the windows' event loop runs), WATCHDOG every time.
/// A failure is logged once and otherwise ignored: the kiosk runs on without systemd.
pub fn alive() {
    let first = !READY_SENT.swap(true, Ordering::SeqCst);
    let state = if first {
        "READY=1\nSTATUS=kiosk running\nWATCHDOG=1"
    } else {
        "WATCHDOG=1"
    };
    if let Err(e) = notify(state) {
        if first {
            tracing::warn!(error = %e, event = "sd_notify_failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_reaches_a_path_socket_and_an_abstract_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let receiver = UnixDatagram::bind(&path).unwrap();
        notify_to(path.to_str().unwrap(), "READY=1").unwrap();
        let mut buf = [0u8; 64];
        let n = receiver.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1");

        use std::os::linux::net::SocketAddrExt;
        let name = format!("kakanai-test-{}", std::process::id());
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let abstract_receiver = UnixDatagram::bind_addr(&addr).unwrap();
        notify_to(&format!("@{name}"), "WATCHDOG=1").unwrap();
        let n = abstract_receiver.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"WATCHDOG=1");
    }

    #[test]
    fn a_missing_socket_is_an_error_not_a_panic() {
        assert!(notify_to("/nonexistent/notify", "READY=1").is_err());
    }
}
