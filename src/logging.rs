//! Where the log goes: the systemd journal, with structured fields, when the kiosk runs under
//! systemd (its standard error is the journal's stream); standard error otherwise.
//!
//! systemd sets `JOURNAL_STREAM=device:inode` to the stream it connected standard error to; the
//! variable is inherited by children (xinit, the session launcher), so it only counts when
//! standard error is still that very stream — the rule `sd_journal_stream_fd` users follow.
//! Then every event goes to journald's native socket: `MESSAGE` is the event's message and each
//! tracing field is its own journal field (`KAKANAI_EVENT=doctor_failed`, …), which
//! `journalctl -u kakanai KAKANAI_EVENT=…` can filter on. What is logged is what the rest of the
//! code logs: event names and counts, never personal data (`tests/privacy_logs.rs`).

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Where [`init`] sent the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sink {
    /// journald's native protocol.
    Journal,
    /// Plain text on standard error.
    Stderr,
}

/// Whether standard error is the stream `JOURNAL_STREAM` names (`device:inode`).
pub fn stderr_is_journal() -> bool {
    std::env::var_os("JOURNAL_STREAM")
        .and_then(|v| v.into_string().ok())
        .is_some_and(|v| is_stream(&v, 2))
}

/// Whether the open file `fd` is the one `value` (`device:inode`, as systemd writes it) names.
pub fn is_stream(value: &str, fd: std::os::fd::RawFd) -> bool {
    let Some((dev, ino)) = value.split_once(':') else {
        return false;
    };
    let (Ok(dev), Ok(ino)) = (dev.parse::<u64>(), ino.parse::<u64>()) else {
        return false;
    };
    // SAFETY: fstat writes into the zeroed struct we own; a closed fd makes it fail.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(fd, &mut st) } != 0 {
        return false;
    }
    st.st_dev == dev && st.st_ino == ino
}

/// Install the global subscriber with `filter`: the journal when standard error is the
/// journal's stream and journald answers, standard error otherwise.
pub fn init(filter: EnvFilter) -> Sink {
    if stderr_is_journal() {
        match tracing_journald::layer() {
            Ok(layer) => {
                let layer = layer
                    .with_syslog_identifier("kakanai".to_owned())
                    .with_field_prefix(Some("KAKANAI".to_owned()));
                tracing_subscriber::registry()
                    .with(filter)
                    .with(layer)
                    .init();
                return Sink::Journal;
            }
            Err(e) => {
                eprintln!("kakanai: journald does not answer ({e}); logging to standard error");
            }
        }
    }
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    Sink::Stderr
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn only_the_named_stream_counts_as_the_journal() {
        let dir = tempfile::tempdir().unwrap();
        let a = std::fs::File::create(dir.path().join("a")).unwrap();
        let b = std::fs::File::create(dir.path().join("b")).unwrap();
        let m = a.metadata().unwrap();
        let value = format!("{}:{}", m.dev(), m.ino());
        assert!(is_stream(&value, a.as_raw_fd()));
        assert!(
            !is_stream(&value, b.as_raw_fd()),
            "another file is not the journal"
        );
        assert!(!is_stream("garbage", a.as_raw_fd()));
        assert!(!is_stream(&value, 999), "a closed fd is not the journal");
    }
}
