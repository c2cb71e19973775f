//! The application: the session, the two windows, and the routing of messages to the screen
//! that is showing (as Halloy's `main.rs` routes to its `screen`s). The app owns what is not a
//! screen's — the kiosk, the reader and printer states, the demo's simulated reader, the
//! timers — and runs the kiosk's [`Work`] off the UI thread.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use iced::widget::column;
use iced::{Element, Subscription, Task, Theme, window};

use super::background::{Carried, monitor_stream, off_thread};
use super::launch::{Demo, Launch, window_settings};
use super::screen::admin::{self, Admin};
use super::screen::clerk_bar::{self, PrinterState};
use super::screen::{self, ReaderState, Role, Screen};
use super::widgets;
use crate::card::monitor::MonitorEvent;
use crate::card::sim::SimCard;
use crate::i18n;
use crate::i18n::Language;
use crate::kiosk::admin::AdminGate;
use crate::kiosk::{Event, Kiosk, Work};

/// Messages.
#[derive(Debug, Clone)]
pub enum Message {
    /// A touch on the resident screen showing, in either window.
    Screen(Role, screen::Message),
    /// A touch on the clerk bar.
    Bar(clerk_bar::Message),
    /// A touch on the admin screen.
    Admin(admin::Message),
    /// The session's background work finished.
    Done(Carried),
    /// The admin's test page or reader test finished.
    AdminDone(Carried),
    /// A worker thread could not be started or died: nothing can continue safely.
    WorkerLost,
    /// One second passed.
    Tick,
    /// The card monitor.
    Monitor(MonitorEvent),
    /// The printer's state, for the clerk bar.
    PrinterState(PrinterState),
    /// A window was closed: the kiosk stops.
    Closed(window::Id),
    /// A window opened (start-up measurement).
    Opened(window::Id),
    /// A frame was drawn (start-up measurement).
    Frame,
}

/// The application state.
pub struct App {
    kiosk: Kiosk,
    /// The resident screen showing, with its state.
    screen: Screen,
    /// The clerk bar's own state (the demo picker).
    bar: clerk_bar::State,
    /// The admin screen over the back window, while open.
    admin: Option<Admin>,
    gate: AdminGate,
    windows: HashMap<window::Id, Role>,
    scale: HashMap<Role, f32>,
    reader: ReaderState,
    printer: Option<PrinterState>,
    demo: Option<Demo>,
    demo_cards: HashMap<String, SimCard>,
    rest: Rest,
    probe_pending: bool,
    /// The countdown's "stop" was pressed; both windows ask before wiping.
    asking_stop: bool,
    /// The session's clerk calls already rung for ([`Kiosk::calls`]).
    rung: u32,
    /// Chimes rung since start (the simulation tests count them; they make no sound).
    chimes: usize,
    started: Instant,
    frames: usize,
    opened: usize,
    last_printer_poll: Option<Instant>,
    /// The voice guidance, and the language its prompts were last synthesised for.
    voice: crate::voice::Voice,
    voice_language: Option<Language>,
}

/// The launch settings the app keeps.
struct Rest {
    pcsc: Option<Option<String>>,
    usage_db: std::path::PathBuf,
    export_folder: std::path::PathBuf,
    titles: BTreeMap<String, String>,
    terminal: String,
    printer_status: Arc<dyn Fn() -> PrinterState + Send + Sync>,
    measure_startup: bool,
    inline: bool,
}

impl App {
    /// The state without windows (the simulation tests draw it with `view`).
    pub fn new(launch: Launch) -> Self {
        let Launch {
            kiosk,
            front,
            back,
            demo,
            pcsc,
            admin_hash,
            usage_db,
            export_folder,
            titles,
            terminal,
            printer_status,
            measure_startup,
            inline,
            voice,
        } = launch;
        // The simulation tests have no executor for the periodic check: ask once now.
        let printer = inline.then(|| printer_status());
        let first_card = demo
            .as_ref()
            .and_then(|d| d.cards.first().map(|c| c.0.clone()));
        App {
            screen: Screen::enter(&kiosk),
            kiosk,
            bar: clerk_bar::State::new(first_card),
            admin: None,
            // The wrong tries and the lock are kept in the usage database across restarts.
            gate: AdminGate::new(admin_hash).persisted_in(usage_db.clone()),
            windows: HashMap::new(),
            scale: HashMap::from([(Role::Front, front.scale), (Role::Back, back.scale)]),
            reader: if demo.is_some() {
                ReaderState::Empty("demo".into())
            } else {
                ReaderState::Unknown
            },
            printer,
            demo,
            demo_cards: HashMap::new(),
            rest: Rest {
                pcsc,
                usage_db,
                export_folder,
                titles,
                terminal,
                printer_status,
                measure_startup,
                inline,
            },
            probe_pending: false,
            asking_stop: false,
            rung: 0,
            chimes: 0,
            started: Instant::now(),
            frames: 0,
            opened: 0,
            last_printer_poll: None,
            voice,
            voice_language: None,
        }
    }

    /// Open both windows.
    pub fn boot(launch: Launch, started: Instant) -> (Self, Task<Message>) {
        let front = launch.front.clone();
        let back = launch.back.clone();
        let mut app = App::new(launch);
        app.started = started;
        let (front_id, open_front) = window::open(window_settings(&front));
        let (back_id, open_back) = window::open(window_settings(&back));
        app.windows.insert(front_id, Role::Front);
        app.windows.insert(back_id, Role::Back);
        let focus = window::gain_focus(front_id);
        (
            app,
            Task::batch([
                open_front.map(Message::Opened),
                open_back.map(Message::Opened),
                focus,
            ]),
        )
    }

    /// The session.
    pub fn kiosk(&self) -> &Kiosk {
        &self.kiosk
    }

    /// The session's language (Japanese at idle).
    pub fn language(&self) -> Language {
        self.kiosk.language().unwrap_or(Language::JA)
    }

    /// The window title.
    pub fn title(&self, id: window::Id) -> String {
        match self.windows.get(&id) {
            Some(Role::Back) => i18n::t(Language::JA, "window.back"),
            _ => i18n::t(Language::JA, "window.front"),
        }
    }

    /// The theme: light, high contrast.
    pub fn theme(&self, _: window::Id) -> Theme {
        Theme::Light
    }

    /// Each window's scale (the layout is designed for 1920×1080).
    pub fn scale_factor(&self, id: window::Id) -> f32 {
        let role = self.windows.get(&id).copied().unwrap_or(Role::Front);
        self.scale.get(&role).copied().unwrap_or(1.0)
    }

    /// Draw a window.
    pub fn view_window(&self, id: window::Id) -> Element<'_, Message> {
        self.view(self.windows.get(&id).copied().unwrap_or(Role::Front))
    }

    /// Draw the front or the back: the back has the clerk bar on top, and the admin screen
    /// instead of the resident's while it is open.
    pub fn view(&self, role: Role) -> Element<'_, Message> {
        let cx = screen::Context {
            kiosk: &self.kiosk,
            role,
            reader: &self.reader,
            asking_stop: self.asking_stop,
            voice: self.voice.is_on(),
        };
        // The resident's part in the resident's language's face; the clerk bar and the admin
        // screen stay in the Japanese face.
        let body = || {
            widgets::drawn_in(cx.lang(), || self.screen.view(&cx))
                .map(move |m| Message::Screen(role, m))
        };
        match role {
            Role::Front => body(),
            Role::Back => {
                let bar = self
                    .bar
                    .view(clerk_bar::Info {
                        kiosk: &self.kiosk,
                        reader: &self.reader,
                        printer: self.printer.as_ref(),
                        demo_cards: self
                            .demo
                            .as_ref()
                            .map(|d| d.cards.iter().map(|(n, _)| n.clone()).collect()),
                        admin_open: self.admin.is_some(),
                    })
                    .map(Message::Bar);
                let content = match &self.admin {
                    Some(a) => a
                        .view(&self.rest.titles, self.demo.is_some())
                        .map(Message::Admin),
                    None => body(),
                };
                column![bar, content].into()
            }
        }
    }

    /// Timers, the card monitor, window events.
    pub fn subscription(&self) -> Subscription<Message> {
        let mut subs = vec![
            iced::time::every(Duration::from_secs(1)).map(|_| Message::Tick),
            window::close_events().map(Message::Closed),
        ];
        if self.rest.pcsc.is_some() {
            subs.push(Subscription::run(monitor_stream).map(Message::Monitor));
        }
        if self.rest.measure_startup {
            subs.push(window::frames().map(|_| Message::Frame));
        }
        Subscription::batch(subs)
    }

    /// How many times the clerk-call chime has rung (the simulation tests count it: they run
    /// inline and play no sound).
    pub fn chimes(&self) -> usize {
        self.chimes
    }

    /// Handle a message; then a new clerk call rings the chime (off the UI thread).
    pub fn update(&mut self, message: Message) -> Task<Message> {
        let task = self.handle(message);
        let calls = self.kiosk.calls();
        if calls > self.rung {
            self.chimes += 1;
            if !self.rest.inline {
                crate::kiosk::chime::ring();
            }
        }
        self.rung = calls;
        if self.kiosk.screen() == &crate::kiosk::Screen::Idle {
            self.asking_stop = false;
        }
        task
    }

    fn handle(&mut self, message: Message) -> Task<Message> {
        match message {
            Message::Screen(role, screen::Message::Countdown(false)) => {
                // "Stop" asks first: a touch, so the countdown is put away meanwhile.
                if role == Role::Back {
                    self.send(Event::ClerkTouched);
                }
                self.asking_stop = true;
                self.send(Event::StillHere);
                Task::none()
            }
            Message::Screen(_, screen::Message::StopAnswer(_)) if !self.asking_stop => Task::none(),
            Message::Screen(role, m @ screen::Message::StopAnswer(_)) => {
                self.asking_stop = false;
                if role == Role::Back {
                    self.send(Event::ClerkTouched);
                }
                match self.screen.update(m, &self.kiosk) {
                    Some(event) => self.dispatch(event),
                    None => Task::none(),
                }
            }
            Message::Screen(_, screen::Message::Replay) => {
                self.speak();
                self.send(Event::StillHere);
                Task::none()
            }
            Message::Screen(role, m) => {
                if role == Role::Back {
                    self.send(Event::ClerkTouched);
                }
                match self.screen.update(m, &self.kiosk) {
                    Some(event) => self.dispatch(event),
                    None => {
                        // A local touch (a key, a tab) is a touch for the idle timer as well.
                        self.send(Event::StillHere);
                        Task::none()
                    }
                }
            }
            Message::Bar(m) => match self.bar.update(m) {
                Some(clerk_bar::Event::Session(event)) => {
                    self.send(Event::ClerkTouched);
                    self.dispatch(event)
                }
                Some(clerk_bar::Event::Admin) => {
                    self.admin = Some(Admin::login());
                    Task::none()
                }
                Some(clerk_bar::Event::Place(name)) => self.demo_place(name),
                Some(clerk_bar::Event::Take) => self.demo_take(),
                None => Task::none(),
            },
            Message::Admin(m) => {
                // The counts read the database: what this kiosk recorded must be in it.
                self.kiosk.recorder_mut().flush();
                let Some(a) = &mut self.admin else {
                    return Task::none();
                };
                let cx = admin::Context {
                    gate: &mut self.gate,
                    usage_db: &self.rest.usage_db,
                    export_folder: &self.rest.export_folder,
                    terminal: &self.rest.terminal,
                    titles: &self.rest.titles,
                    now: self.kiosk.now(),
                    window: self
                        .kiosk
                        .window()
                        .map_or_else(|| "1".into(), |w| w.as_str().to_owned()),
                };
                match a.update(m, cx) {
                    Some(admin::Event::Close) => {
                        self.admin = None;
                        Task::none()
                    }
                    Some(admin::Event::Run(work)) => self.admin_work(work),
                    None => Task::none(),
                }
            }
            Message::Done(carried) => match carried.take() {
                Some(done) => {
                    let work = self.kiosk.handle(Event::Done(done));
                    self.run(work)
                }
                None => Task::none(),
            },
            Message::AdminDone(carried) => {
                if let (Some(done), Some(a)) = (carried.take(), &mut self.admin) {
                    a.done(done);
                }
                Task::none()
            }
            Message::WorkerLost => {
                // A worker died with the session's work in it: the kiosk would wait for a
                // result forever. The service manager restarts the kiosk.
                tracing::error!(event = "kiosk_worker_lost");
                iced::exit()
            }
            Message::Tick => {
                // READY, then the watchdog's heartbeat: a hung window loop stops it (src/sdnotify.rs).
                crate::sdnotify::alive();
                let mut tasks = vec![self.dispatch(Event::Tick)];
                let due = self
                    .last_printer_poll
                    .is_none_or(|t| t.elapsed() >= Duration::from_secs(10));
                if due && !self.rest.inline {
                    self.last_printer_poll = Some(Instant::now());
                    let probe = self.rest.printer_status.clone();
                    tasks.push(Task::perform(off_thread(move || probe()), |r| {
                        Message::PrinterState(r.unwrap_or_else(|| {
                            PrinterState::Trouble(i18n::Text::new("clerk.printer_check_failed"))
                        }))
                    }));
                }
                Task::batch(tasks)
            }
            Message::Monitor(event) => self.monitor(event),
            Message::PrinterState(s) => {
                self.printer = Some(s);
                Task::none()
            }
            Message::Closed(_) => iced::exit(),
            Message::Opened(_) => {
                self.opened += 1;
                Task::none()
            }
            Message::Frame => {
                self.frames += 1;
                if self.rest.measure_startup && self.opened >= 2 && self.frames >= 4 {
                    let ms = self.started.elapsed().as_secs_f64() * 1000.0;
                    println!("startup_ms={ms:.1} rss_kb={}", rss_kb().unwrap_or(0));
                    return iced::exit();
                }
                Task::none()
            }
        }
    }

    /// Send an event that never asks for work (a clerk's touch, "still here").
    fn send(&mut self, event: Event) {
        if self.kiosk.screen() != &crate::kiosk::Screen::Idle {
            let work = self.kiosk.handle(event);
            debug_assert!(
                work.is_none(),
                "a touch that asks for work goes through dispatch"
            );
        }
    }

    /// Hand an event to the kiosk and run the work it asks for.
    fn dispatch(&mut self, event: Event) -> Task<Message> {
        if self.kiosk.busy().is_some() {
            return Task::none();
        }
        if matches!(event, Event::Reset) {
            // The clerk's reset (or the countdown's "stop") also closes the admin screen.
            self.admin = None;
        }
        // Going forward to "place your card" (or switching PIN / 照合番号B there) with a card
        // already on the reader checks it at once; going back to it does not, or "back" from
        // the PIN pad could never get past it.
        if matches!(event, Event::Next | Event::Identify(_)) {
            self.probe_pending = true;
        } else if !matches!(event, Event::Tick) {
            self.probe_pending = false;
        }
        let work = self.kiosk.handle(event);
        self.run(work)
    }

    /// Run the kiosk's work: on a worker thread, so both screens keep drawing ("reading…",
    /// "printing…"), or here in the simulation tests and benchmarks (no executor). Then enter
    /// the session's screen if it changed.
    fn run(&mut self, work: Option<Work>) -> Task<Message> {
        let Some(work) = work else {
            return self.arrived();
        };
        let services = self.kiosk.services();
        if self.rest.inline {
            let done = work.perform(&services);
            let next = self.kiosk.handle(Event::Done(done));
            return self.run(next);
        }
        Task::perform(off_thread(move || work.perform(&services)), |d| match d {
            Some(done) => Message::Done(Carried::new(done)),
            None => Message::WorkerLost,
        })
    }

    /// The admin's test page or reader test, off the UI thread like the session's work.
    fn admin_work(&mut self, work: Work) -> Task<Message> {
        let services = self.kiosk.services();
        if self.rest.inline {
            let done = work.perform(&services);
            if let Some(a) = &mut self.admin {
                a.done(done);
            }
            return Task::none();
        }
        Task::perform(off_thread(move || work.perform(&services)), |d| match d {
            Some(done) => Message::AdminDone(Carried::new(done)),
            None => Message::WorkerLost,
        })
    }

    /// After an event: a screen the session entered gets its state made new (so nothing of
    /// the last one is left), and a card already on the reader is checked at once.
    fn arrived(&mut self) -> Task<Message> {
        if !self.screen.is(self.kiosk.screen()) {
            self.screen = Screen::enter(&self.kiosk);
            self.speak();
        }
        if self.kiosk.screen() == &crate::kiosk::Screen::PlaceCard
            && std::mem::take(&mut self.probe_pending)
            && self.card_present()
        {
            return self.dispatch(Event::CardInserted);
        }
        Task::none()
    }

    /// Read the screen's title and instruction aloud, cutting off whatever was playing; at idle
    /// (the session ended) only cut off. A newly chosen language gets every screen's prompts
    /// synthesised ahead, so the next screens start speaking at once.
    fn speak(&mut self) {
        let Some(language) = self.kiosk.language() else {
            self.voice.stop();
            self.voice_language = None;
            return;
        };
        if self.kiosk.screen() == &crate::kiosk::Screen::Idle {
            self.voice.stop();
            return;
        }
        if self.voice_language != Some(language) {
            self.voice_language = Some(language);
            let all = Screen::all_spoken()
                .into_iter()
                .filter_map(|keys| crate::voice::Speech::of(keys).ok())
                .collect();
            self.voice.prepare(language, all);
        }
        match crate::voice::Speech::of(self.screen.spoken(&self.kiosk)) {
            Ok(speech) => self.voice.say(language, speech),
            Err(e) => {
                // A screen declaring a key the voice refuses is a bug the unit test catches.
                tracing::warn!(event = "voice_refused", error = %e);
                self.voice.stop();
            }
        }
    }

    fn card_present(&self) -> bool {
        match &self.demo {
            Some(d) => d.slot.lock().map(|s| s.is_some()).unwrap_or(false),
            None => matches!(self.reader, ReaderState::Card(_)),
        }
    }

    /// The demo's picker stands for the resident's hand on the reader: not the clerk's help, so
    /// it does not mark the session assisted.
    fn demo_place(&mut self, name: String) -> Task<Message> {
        let Some(demo) = &self.demo else {
            return Task::none();
        };
        let Ok(mut slot) = demo.slot.lock() else {
            return Task::none();
        };
        if slot.is_some() {
            return Task::none();
        }
        // A card keeps its PIN counter across placements, as a real one does.
        let card = self.demo_cards.remove(&name).or_else(|| {
            demo.cards
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, p)| SimCard::new(p, &demo.keys))
        });
        *slot = card;
        drop(slot);
        self.reader = ReaderState::Card(name);
        if self.kiosk.screen() == &crate::kiosk::Screen::PlaceCard {
            return self.dispatch(Event::CardInserted);
        }
        Task::none()
    }

    fn demo_take(&mut self) -> Task<Message> {
        let Some(demo) = &self.demo else {
            return Task::none();
        };
        let Ok(mut slot) = demo.slot.lock() else {
            return Task::none();
        };
        let card = slot.take();
        drop(slot);
        let name = match &self.reader {
            ReaderState::Card(n) => n.clone(),
            _ => String::new(),
        };
        if let Some(card) = card {
            self.demo_cards.insert(name, card);
        }
        self.reader = ReaderState::Empty("demo".into());
        self.dispatch(Event::CardRemoved)
    }

    /// Whether a monitor event about reader `name` concerns the kiosk: the configured reader,
    /// or (none configured) the reader it follows, or any while it has none.
    fn follows(&self, name: &str) -> bool {
        match (&self.rest.pcsc, &self.reader) {
            (Some(Some(configured)), _) => configured == name,
            (_, ReaderState::Empty(n) | ReaderState::Card(n)) => n == name,
            _ => true,
        }
    }

    fn monitor(&mut self, event: MonitorEvent) -> Task<Message> {
        if let MonitorEvent::ReaderAdded(name)
        | MonitorEvent::ReaderRemoved(name)
        | MonitorEvent::CardInserted(name)
        | MonitorEvent::CardRemoved(name) = &event
        {
            if !self.follows(name) {
                return Task::none();
            }
        }
        match event {
            MonitorEvent::ServiceUp => {
                self.reader = ReaderState::NoReader;
                Task::none()
            }
            MonitorEvent::ServiceDown => {
                self.reader = ReaderState::NoService;
                self.dispatch(Event::CardRemoved)
            }
            MonitorEvent::ReaderAdded(name) => {
                if !matches!(self.reader, ReaderState::Card(_)) {
                    self.reader = ReaderState::Empty(name);
                }
                Task::none()
            }
            MonitorEvent::ReaderRemoved(_) => {
                self.reader = ReaderState::NoReader;
                Task::none()
            }
            MonitorEvent::CardInserted(name) => {
                self.reader = ReaderState::Card(name);
                if self.kiosk.screen() == &crate::kiosk::Screen::PlaceCard {
                    return self.dispatch(Event::CardInserted);
                }
                Task::none()
            }
            MonitorEvent::CardRemoved(name) => {
                self.reader = ReaderState::Empty(name);
                self.dispatch(Event::CardRemoved)
            }
        }
    }
}

/// This process's resident set size in KiB (Linux).
pub fn rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}
