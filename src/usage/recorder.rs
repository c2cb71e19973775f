//! Recording that never stops the kiosk: when the database cannot be written (disk full,
//! read-only, locked), records wait in memory, the clerk bar can say so, and they are written
//! as soon as the database accepts them again.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use tracing::warn;

use super::record::SessionRecord;
use super::store::Store;

/// How many records wait in memory at most; beyond that the oldest are dropped (and counted).
pub const MAX_PENDING: usize = 10_000;

/// What the clerk bar shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// Everything is written.
    Ok,
    /// Records are waiting in memory.
    Degraded {
        /// How many.
        pending: usize,
        /// Dropped because the queue was full.
        dropped: u64,
        /// The last error (file and SQLite's reason; no record content).
        reason: String,
    },
}

/// The kiosk's handle on the usage log.
pub struct Recorder {
    path: PathBuf,
    store: Option<Store>,
    pending: VecDeque<SessionRecord>,
    dropped: u64,
    last_error: Option<String>,
}

impl Recorder {
    /// Open the database; a failure is remembered, not returned.
    pub fn open(path: &Path) -> Self {
        let mut r = Recorder {
            path: path.to_owned(),
            store: None,
            pending: VecDeque::new(),
            dropped: 0,
            last_error: None,
        };
        r.reopen();
        r
    }

    fn reopen(&mut self) {
        match Store::open(&self.path) {
            Ok(s) => self.store = Some(s),
            Err(e) => {
                warn!(error = %e, "usage.open_failed");
                self.last_error = Some(e.to_string());
            }
        }
    }

    /// Record a session (now, or as soon as possible).
    pub fn record(&mut self, session: SessionRecord) {
        if self.pending.len() >= MAX_PENDING {
            self.pending.pop_front();
            self.dropped += 1;
        }
        self.pending.push_back(session);
        self.flush();
    }

    /// Try to write what waits; returns how many were written.
    pub fn flush(&mut self) -> usize {
        if self.store.is_none() {
            self.reopen();
        }
        let Some(store) = self.store.as_mut() else {
            return 0;
        };
        let mut written = 0;
        while let Some(next) = self.pending.front() {
            match store.record(next) {
                Ok(_) => {
                    self.pending.pop_front();
                    written += 1;
                }
                Err(e) => {
                    warn!(error = %e, pending = self.pending.len(), "usage.record_failed");
                    self.last_error = Some(e.to_string());
                    // A read-only or vanished file may come back under a new handle.
                    self.store = None;
                    break;
                }
            }
        }
        if self.pending.is_empty() {
            self.last_error = None;
        }
        written
    }

    /// The open store, if any (tests, and the admin screen's diagnostics).
    pub fn store(&self) -> Option<&Store> {
        self.store.as_ref()
    }

    /// For the clerk bar.
    pub fn health(&self) -> Health {
        match (&self.last_error, self.pending.len()) {
            (None, 0) => Health::Ok,
            (reason, pending) => Health::Degraded {
                pending,
                dropped: self.dropped,
                reason: reason.clone().unwrap_or_default(),
            },
        }
    }
}
