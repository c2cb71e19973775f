//! Watching readers and cards: the kiosk's "place your card" screen and the clerk bar follow it.
//!
//! One thread blocks in `SCardGetStatusChange` on every reader plus the `\\?PnP?\Notification`
//! pseudo-reader, so a reader plugged in later appears. When pcscd stops, the thread reports it,
//! keeps trying to establish a new context, and picks the readers up again when pcscd returns.

use std::collections::BTreeMap;
use std::ffi::CString;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::Duration;

use pcsc::{Context, PNP_NOTIFICATION, ReaderState, Scope, State};
use tracing::{debug, info};

/// Something that changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MonitorEvent {
    /// pcscd is reachable (at start, or again after it restarted).
    ServiceUp,
    /// pcscd went away; readers and cards are gone with it.
    ServiceDown,
    /// A reader appeared.
    ReaderAdded(String),
    /// A reader disappeared (its card, if any, was reported removed first).
    ReaderRemoved(String),
    /// A card was placed in the reader.
    CardInserted(String),
    /// The card left the reader.
    CardRemoved(String),
}

/// How often the thread looks at its stop flag while nothing happens.
const POLL: Duration = Duration::from_millis(200);

/// The running monitor; stops when dropped.
pub struct Monitor {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Monitor {
    /// Start watching; events go to `events` until the monitor is stopped or the receiver is
    /// dropped.
    pub fn start(events: Sender<MonitorEvent>) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("card-monitor".into())
            .spawn(move || Watcher::new(events, flag).run())?;
        Ok(Monitor {
            stop,
            thread: Some(thread),
        })
    }

    /// Stop and wait for the thread.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        self.halt();
    }
}

struct Watcher {
    events: Sender<MonitorEvent>,
    stop: Arc<AtomicBool>,
    /// Reader name → card present.
    known: BTreeMap<String, bool>,
    service_up: bool,
}

/// Why the inner loop gave up its context.
enum Lost {
    Stopped,
    Service,
}

impl Watcher {
    fn new(events: Sender<MonitorEvent>, stop: Arc<AtomicBool>) -> Self {
        Watcher {
            events,
            stop,
            known: BTreeMap::new(),
            service_up: false,
        }
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Send an event; a dropped receiver stops the monitor.
    fn emit(&self, event: MonitorEvent) {
        info!(event = ?event, "card.monitor");
        if self.events.send(event).is_err() {
            self.stop.store(true, Ordering::SeqCst);
        }
    }

    fn run(mut self) {
        while !self.stopped() {
            match Context::establish(Scope::User) {
                Ok(ctx) => {
                    if !self.service_up {
                        self.service_up = true;
                        self.emit(MonitorEvent::ServiceUp);
                    }
                    match self.watch(&ctx) {
                        Lost::Stopped => return,
                        Lost::Service => {
                            self.service_down();
                        }
                    }
                }
                Err(_) => {
                    if self.service_up {
                        self.service_down();
                    }
                    std::thread::sleep(POLL);
                }
            }
        }
    }

    fn service_down(&mut self) {
        if !self.service_up {
            return;
        }
        self.forget_readers(&[]);
        self.service_up = false;
        self.emit(MonitorEvent::ServiceDown);
    }

    /// Report readers in `known` that are not in `present` as gone (with their cards).
    fn forget_readers(&mut self, present: &[String]) {
        let gone: Vec<String> = self
            .known
            .keys()
            .filter(|k| !present.contains(k))
            .cloned()
            .collect();
        for name in gone {
            if self.known.remove(&name) == Some(true) {
                self.emit(MonitorEvent::CardRemoved(name.clone()));
            }
            self.emit(MonitorEvent::ReaderRemoved(name));
        }
    }

    /// The reader list now, with events for what changed, and fresh states to wait on.
    fn resync(&mut self, ctx: &Context) -> Result<Vec<ReaderState>, pcsc::Error> {
        let names: Vec<String> = match ctx.list_readers_owned() {
            Ok(n) => n.iter().map(|c| c.to_string_lossy().into_owned()).collect(),
            Err(pcsc::Error::NoReadersAvailable) => Vec::new(),
            Err(e) => return Err(e),
        };
        self.forget_readers(&names);
        let mut states = vec![ReaderState::new(PNP_NOTIFICATION(), State::UNAWARE)];
        for name in &names {
            if !self.known.contains_key(name) {
                self.known.insert(name.clone(), false);
                self.emit(MonitorEvent::ReaderAdded(name.clone()));
            }
            if let Ok(c) = CString::new(name.as_str()) {
                states.push(ReaderState::new(c, State::UNAWARE));
            }
        }
        Ok(states)
    }

    fn watch(&mut self, ctx: &Context) -> Lost {
        let mut states = match self.resync(ctx) {
            Ok(s) => s,
            Err(_) => return Lost::Service,
        };
        loop {
            if self.stopped() {
                return Lost::Stopped;
            }
            match ctx.get_status_change(POLL, &mut states) {
                Ok(()) => {}
                Err(pcsc::Error::Timeout) => continue,
                Err(pcsc::Error::UnknownReader | pcsc::Error::ReaderUnavailable) => {
                    match self.resync(ctx) {
                        Ok(s) => {
                            states = s;
                            continue;
                        }
                        Err(_) => return Lost::Service,
                    }
                }
                Err(e) => {
                    debug!(error = %e, "card.monitor.context_lost");
                    return Lost::Service;
                }
            }
            let mut readers_changed = false;
            for state in &mut states {
                let event = state.event_state();
                if !event.contains(State::CHANGED) {
                    continue;
                }
                let name = state.name().to_string_lossy().into_owned();
                // The PnP pseudo-reader fires when a reader is plugged in or out; a reader
                // that turned UNKNOWN/IGNORE/UNAVAILABLE has gone. Both mean: list again.
                if state.name() == PNP_NOTIFICATION()
                    || event.intersects(State::UNKNOWN | State::IGNORE | State::UNAVAILABLE)
                {
                    readers_changed = true;
                } else {
                    let present = event.contains(State::PRESENT);
                    let was = self.known.insert(name.clone(), present).unwrap_or(false);
                    if present && !was {
                        self.emit(MonitorEvent::CardInserted(name));
                    } else if !present && was {
                        self.emit(MonitorEvent::CardRemoved(name));
                    }
                }
                state.sync_current_state();
            }
            if readers_changed {
                states = match self.resync(ctx) {
                    Ok(s) => s,
                    Err(_) => return Lost::Service,
                };
            }
        }
    }
}
