//! The kiosk's shipping thread: it has its own SQLite connection and its own PostgreSQL
//! connection, ships what is queued every `interval` (and when woken), and backs off while the
//! server is away. The kiosk's thread never waits for it: recording goes to SQLite only.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing::{info, warn};

use super::ship::{KioskInfo, ship_all};
use super::{Central, outbox};
use crate::usage::store::Store;

/// How shipping runs.
#[derive(Debug, Clone)]
pub struct ShipperOptions {
    /// Between two shipments when all went well.
    pub interval: Duration,
    /// The longest wait after failures (the wait doubles from `interval` up to this).
    pub max_backoff: Duration,
    /// Sessions per transaction.
    pub batch: usize,
}

impl Default for ShipperOptions {
    fn default() -> Self {
        ShipperOptions {
            interval: Duration::from_secs(30),
            max_backoff: Duration::from_secs(300),
            batch: super::ship::DEFAULT_BATCH,
        }
    }
}

struct Shared {
    stop: AtomicBool,
    wake: Mutex<bool>,
    bell: Condvar,
}

/// The running shipping thread. Dropping it asks the thread to stop without waiting for it
/// (a shipment in flight is safe to cut: it is shipped again and counted once).
pub struct Shipper {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Shipper {
    /// Start shipping the usage database at `db` to `central` as `info`'s kiosk (an empty
    /// `info.database_id` is read from the database once it opens).
    pub fn spawn(db: PathBuf, central: Central, info: KioskInfo, options: ShipperOptions) -> Self {
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            wake: Mutex::new(false),
            bell: Condvar::new(),
        });
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("usage-shipper".into())
            .spawn(move || run(&db, &central, &info, &options, &s))
            .ok();
        Shipper { shared, thread }
    }

    /// Ship now rather than at the next interval (after a session ends, say).
    pub fn wake(&self) {
        let mut w = self
            .shared
            .wake
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *w = true;
        self.shared.bell.notify_all();
    }

    /// Stop and wait for the thread (after its shipment in flight, if any).
    pub fn stop(mut self) {
        self.signal_stop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// Let the thread run until the process exits (the kiosk: shipping lives as long as it).
    pub fn detach(self) {
        let mut me = std::mem::ManuallyDrop::new(self);
        drop(me.thread.take());
    }

    fn signal_stop(&self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.wake();
    }
}

impl Drop for Shipper {
    fn drop(&mut self) {
        self.signal_stop();
    }
}

fn run(
    db: &std::path::Path,
    central: &Central,
    info: &KioskInfo,
    options: &ShipperOptions,
    shared: &Shared,
) {
    let mut info = info.clone();
    let mut store: Option<Store> = None;
    let mut client: Option<postgres::Client> = None;
    let mut wait = options.interval;
    let mut failing = false;
    while !shared.stop.load(Ordering::SeqCst) {
        if store.is_none() {
            store = Store::open(db)
                .map_err(|e| warn!(error = %e, "usage.ship.local_open_failed"))
                .ok();
        }
        // The database's id, once it can be read (an empty one in `info` means "this one").
        if info.database_id.is_empty() {
            if let Some(id) = store.as_ref().and_then(|s| s.database_id().ok()) {
                info.database_id = id;
            }
        }
        if let (Some(local), false) = (store.as_ref(), info.database_id.is_empty()) {
            // A connection that failed is dropped; the next round connects afresh.
            let connected = match client.take() {
                Some(c) => Ok(c),
                None => central.connect(),
            };
            let result = connected.and_then(|mut c| {
                let shipped = ship_all(central, &mut c, local, &info, options.batch, &mut |_| {});
                if shipped.is_ok() {
                    client = Some(c);
                }
                shipped
            });
            match result {
                Ok(done) => {
                    if failing || done.sessions > 0 {
                        info!(
                            sessions = done.sessions,
                            totals = done.totals,
                            "usage.ship.shipped"
                        );
                    }
                    failing = false;
                    wait = options.interval;
                }
                Err(e) => {
                    // The message names the server, never the password.
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs() as i64);
                    let _ = outbox::record_failure(local, &e.to_string(), now);
                    if !failing {
                        warn!(error = %e, "usage.ship.failed");
                    }
                    // The first failure retries after one interval, then the wait doubles.
                    wait = if failing {
                        (wait * 2).min(options.max_backoff)
                    } else {
                        options.interval
                    };
                    failing = true;
                }
            }
        }
        let guard = shared
            .wake
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (mut guard, _) = shared
            .bell
            .wait_timeout_while(guard, wait, |woken| {
                !*woken && !shared.stop.load(Ordering::SeqCst)
            })
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *guard = false;
    }
}
