//! Watching readers and cards: the kiosk's "place your card" screen and the clerk bar follow it.
//!
//! One thread blocks in `SCardGetStatusChange` on every reader plus the `\\?PnP?\Notification`
//! pseudo-reader, so a reader plugged in later appears. When pcscd stops, the thread reports it,
//! keeps trying to establish a new context, and picks the readers up again when pcscd returns.
//!
//! A reader can also stay in pcscd's list but stop answering (its driver says the device is
//! gone: a serial reader whose cable was pulled, a USB reader pcscd has not dropped yet). pcscd
//! marks it unavailable; for the kiosk that is the same as no reader, so it is reported as
//! removed, and as added again once it answers.

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
    /// A reader appeared, or answers again.
    ReaderAdded(String),
    /// A reader disappeared or stopped answering (its card, if any, was reported removed
    /// first).
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
    /// Listed readers and what the kiosk was last told about each.
    known: BTreeMap<String, Reader>,
    service_up: bool,
    /// ServiceDown was sent while the service was never up (sent once, not every poll).
    down_reported: bool,
}

/// What was last reported about a listed reader.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Reader {
    /// Answering; whether a card is in it.
    Working { card: bool },
    /// Listed by pcscd but not answering (reported as removed).
    NotAnswering,
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
            down_reported: false,
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
                    } else if !self.down_reported {
                        // pcscd was not there from the start: say so once, so that the clerk
                        // sees "no service" rather than "checking" (the kiosk starts without it).
                        self.down_reported = true;
                        self.emit(MonitorEvent::ServiceDown);
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
        self.down_reported = true;
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
            match self.known.remove(&name) {
                Some(Reader::Working { card }) => self.report_gone(name, card),
                // Already reported when it stopped answering.
                Some(Reader::NotAnswering) | None => {}
            }
        }
    }

    fn report_gone(&self, name: String, card: bool) {
        if card {
            self.emit(MonitorEvent::CardRemoved(name.clone()));
        }
        self.emit(MonitorEvent::ReaderRemoved(name));
    }

    /// A listed reader's new state: report what changed for the kiosk.
    fn reader_state(&mut self, name: String, event: State) {
        let was = self.known.get(&name).copied();
        if event.contains(State::UNAVAILABLE) {
            if let Some(Reader::Working { card }) = was {
                self.known.insert(name.clone(), Reader::NotAnswering);
                self.report_gone(name, card);
            }
            return;
        }
        let card = event.contains(State::PRESENT);
        self.known.insert(name.clone(), Reader::Working { card });
        let had_card = match was {
            Some(Reader::Working { card }) => card,
            Some(Reader::NotAnswering) | None => {
                self.emit(MonitorEvent::ReaderAdded(name.clone()));
                false
            }
        };
        if card && !had_card {
            self.emit(MonitorEvent::CardInserted(name));
        } else if !card && had_card {
            self.emit(MonitorEvent::CardRemoved(name));
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
                self.known
                    .insert(name.clone(), Reader::Working { card: false });
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
                // that turned UNKNOWN/IGNORE has left the list. Both mean: list again. An
                // UNAVAILABLE reader is still listed but not answering: waited on like the
                // others (listing again would only see it again, and spin).
                if state.name() == PNP_NOTIFICATION()
                    || event.intersects(State::UNKNOWN | State::IGNORE)
                {
                    readers_changed = true;
                } else {
                    self.reader_state(name, event);
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
