//! The application: state, messages and their routing.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use iced::futures::{SinkExt, StreamExt};
use iced::widget::image;
use iced::{Element, Subscription, Task, Theme, window};
use zeroize::Zeroizing;

use super::{Demo, Launch, catalog, clerk, screens};
use crate::card::monitor::{Monitor, MonitorEvent};
use crate::card::sim::SimCard;
use crate::kiosk::admin::{self, AdminGate, Counts};
use crate::kiosk::entry::{CodeBEntry, StaffEntry, StaffField, modify_last_kana};
use crate::kiosk::{ClerkReason, Event, Kiosk, Screen};
use crate::usage::record::{Identification, Language, Mode};

/// Which window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The resident's screen.
    Front,
    /// The clerk's screen on the back of the cabinet.
    Back,
}

/// What runs in the background while both screens say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Busy {
    /// Identifying the card (before the PIN pad).
    Checking,
    /// Reading the card after the PIN.
    Reading,
    /// Printing.
    Printing,
}

/// What the on-screen keyboard types into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditTarget {
    /// A kana question (the 50音 keyboard).
    Kana {
        /// Form index among the chosen.
        form: usize,
        /// The question's id.
        question: String,
    },
    /// A number question (the number pad).
    Number {
        /// Form index among the chosen.
        form: usize,
        /// The question's id.
        question: String,
    },
}

/// A key of the on-screen keyboards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// Type this.
    Char(char),
    /// ゛゜
    Dakuten,
    /// 小
    Small,
    /// Erase the last character.
    Erase,
    /// Erase everything.
    Clear,
    /// Keep what was typed.
    Done,
    /// Close without keeping.
    Cancel,
}

/// Where the clerk's reader state comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderState {
    /// Not known yet.
    Unknown,
    /// pcscd is not running.
    NoService,
    /// No reader attached.
    NoReader,
    /// A reader, empty.
    Empty(String),
    /// A reader with a card.
    Card(String),
}

/// The admin screen's state (back window only).
#[derive(Default)]
pub struct AdminScreen {
    /// Today's and this month's counts, or why they could not be read.
    pub counts: Option<Result<Counts, String>>,
    /// Export destination.
    pub folder: String,
    /// Today's applications at the window, being typed.
    pub total: String,
    /// The last action's result, for the admin to read.
    pub message: Option<(bool, String)>,
}

/// Messages.
#[derive(Debug, Clone)]
pub enum Message {
    /// A touch that becomes a session event.
    Touch(Role, TouchEvent),
    /// The background work finished and hands the kiosk back.
    Returned(Handback),
    /// One second passed.
    Tick,
    /// The form choice's tab: `None` for all forms, `Some(purpose)` for one purpose.
    Purpose(Role, Option<String>),
    /// Show every purpose.
    Purposes(Role, bool),
    /// Open the keyboard for a question.
    Edit(Role, EditTarget),
    /// A key of the open keyboard.
    Key(Role, Key),
    /// 照合番号B: pick the era.
    CodeBEra(Role, crate::wareki::Era),
    /// 照合番号B: a digit (10: erase).
    CodeBKey(Role, u8),
    /// 照合番号B: send.
    CodeBSend(Role),
    /// The clerk types into the manual entry.
    Staff(StaffField, Secret),
    /// The clerk picks the sex.
    StaffSex(crate::card::Sex),
    /// Romaji → kana on or off.
    StaffRomaji(bool),
    /// The clerk saves the manual entry.
    StaffSave,
    /// The clerk opens the correction form (take-over mode, confirm screen).
    StaffCorrect(bool),
    /// The admin entry: open (true) or close the login.
    AdminLogin(bool),
    /// The admin credential being typed.
    AdminSecret(Secret),
    /// Submit the credential.
    AdminEnter,
    /// Leave the admin screen.
    AdminClose,
    /// Refresh the counts.
    AdminRefresh,
    /// The export folder being typed.
    AdminFolder(String),
    /// Export now.
    AdminExport,
    /// Today's applications being typed.
    AdminTotal(String),
    /// Save today's applications.
    AdminSaveTotal,
    /// Print the test page.
    AdminTestPage,
    /// Test the reader.
    AdminReaderTest,
    /// The demo's card picker.
    DemoPick(String),
    /// Place the picked card (true) or take it off (false).
    DemoCard(bool),
    /// The card monitor.
    Monitor(MonitorEvent),
    /// The printer's state, for the clerk bar.
    PrinterState(Result<String, String>),
    /// A window was closed: the kiosk stops.
    Closed(window::Id),
    /// A window opened (start-up measurement).
    Opened(window::Id),
    /// A frame was drawn (start-up measurement).
    Frame,
}

/// Text a person typed or chose that may be personal (an answer, the clerk's entry, the admin
/// credential): its `Debug` shows nothing, and it is zeroed when dropped, so a message log or a
/// panic message cannot carry it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wrap a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Zeroizing::new(value.into()))
    }

    /// The value, leaving an empty one behind.
    pub fn take(mut self) -> String {
        std::mem::take(&mut *self.0)
    }

    /// The value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(Zeroizing::new(s))
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret::new(s)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret({} chars)", self.0.chars().count())
    }
}

/// The kiosk coming back from a worker thread (`None`: the worker panicked).
#[derive(Clone)]
pub struct Handback(std::sync::Arc<std::sync::Mutex<Option<Box<Kiosk>>>>);

impl std::fmt::Debug for Handback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Handback")
    }
}

/// The touches the session understands (a subset of [`Event`] that is `Clone`; the PIN, the
/// 照合番号B and the clerk's entry reach the kiosk through their own messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TouchEvent {
    /// Start in a language.
    Start(Language),
    /// Choose or un-choose a form.
    ToggleForm(String),
    /// Next.
    Next,
    /// Back.
    Back,
    /// How to identify.
    Identify(Identification),
    /// A PIN digit.
    PinDigit(u8),
    /// Erase a PIN digit.
    PinErase,
    /// An answer: the question's id and the value (furigana and phone numbers are personal).
    Answer(String, Secret),
    /// "This is wrong."
    DataWrong,
    /// Print (or retry).
    Print,
    /// The survey.
    Survey(u8),
    /// Finish.
    Finish,
    /// Call the clerk.
    CallClerk,
    /// The clerk takes over.
    TakeOver,
    /// The clerk resets the session.
    Reset,
    /// Still here (the countdown).
    StillHere,
}

impl TouchEvent {
    fn event(self) -> Event {
        match self {
            TouchEvent::Start(l) => Event::Start(l),
            TouchEvent::ToggleForm(id) => Event::ToggleForm(id),
            TouchEvent::Next => Event::Next,
            TouchEvent::Back => Event::Back,
            TouchEvent::Identify(i) => Event::Identify(i),
            TouchEvent::PinDigit(d) => Event::PinDigit(d),
            TouchEvent::PinErase => Event::PinErase,
            TouchEvent::Answer(question, value) => Event::Answer {
                question,
                value: value.take(),
            },
            TouchEvent::DataWrong => Event::DataWrong,
            TouchEvent::Print => Event::Print,
            TouchEvent::Survey(n) => Event::Survey(n),
            TouchEvent::Finish => Event::Finish,
            TouchEvent::CallClerk => Event::CallClerk,
            TouchEvent::TakeOver => Event::ClerkTakeOver,
            TouchEvent::Reset => Event::Reset,
            TouchEvent::StillHere => Event::StillHere,
        }
    }
}

/// The application state.
pub struct App {
    pub(super) kiosk: Option<Box<Kiosk>>,
    pub(super) busy: Option<Busy>,
    busy_language: Language,
    pub(super) windows: HashMap<window::Id, Role>,
    pub(super) scale: HashMap<Role, f32>,
    pub(super) purpose: Option<String>,
    pub(super) purposes_open: bool,
    pub(super) editor: Option<(EditTarget, Zeroizing<String>)>,
    pub(super) code_b: CodeBEntry,
    pub(super) staff: Option<StaffEntry>,
    pub(super) preview: Vec<image::Handle>,
    pub(super) preview_error: Option<String>,
    pub(super) reader: ReaderState,
    pub(super) printer: Option<Result<String, String>>,
    pub(super) demo: Option<Demo>,
    pub(super) demo_pick: Option<String>,
    demo_cards: HashMap<String, SimCard>,
    pub(super) gate: AdminGate,
    pub(super) login: Option<(Zeroizing<String>, Option<String>)>,
    pub(super) admin: Option<AdminScreen>,
    launch_rest: Rest,
    /// The screen before the last event, to notice arrivals.
    last_screen: Screen,
    probe_pending: bool,
    started: Instant,
    frames: usize,
    opened: usize,
    last_printer_poll: Option<Instant>,
}

/// The launch settings the app keeps.
struct Rest {
    pcsc: Option<Option<String>>,
    usage_db: std::path::PathBuf,
    export_folder: std::path::PathBuf,
    titles: BTreeMap<String, String>,
    terminal: String,
    printer_status: std::sync::Arc<dyn Fn() -> Result<String, String> + Send + Sync>,
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
        } = launch;
        // The simulation tests have no executor for the periodic check: ask once now.
        let printer = inline.then(|| printer_status());
        let demo_pick = demo
            .as_ref()
            .and_then(|d| d.cards.first().map(|c| c.0.clone()));
        App {
            kiosk: Some(Box::new(kiosk)),
            busy: None,
            busy_language: Language::JA,
            windows: HashMap::new(),
            scale: HashMap::from([(Role::Front, front.scale), (Role::Back, back.scale)]),
            purpose: None,
            purposes_open: false,
            editor: None,
            code_b: CodeBEntry::default(),
            staff: None,
            preview: Vec::new(),
            preview_error: None,
            reader: if demo.is_some() {
                ReaderState::Empty("demo".into())
            } else {
                ReaderState::Unknown
            },
            printer,
            demo,
            demo_pick,
            demo_cards: HashMap::new(),
            // The wrong tries and the lock are kept in the usage database across restarts.
            gate: AdminGate::new(admin_hash).persisted_in(usage_db.clone()),
            login: None,
            admin: None,
            launch_rest: Rest {
                pcsc,
                usage_db,
                export_folder,
                titles,
                terminal,
                printer_status,
                measure_startup,
                inline,
            },
            last_screen: Screen::Idle,
            probe_pending: false,
            started: Instant::now(),
            frames: 0,
            opened: 0,
            last_printer_poll: None,
        }
    }

    /// Open both windows.
    pub fn boot(launch: Launch, started: Instant) -> (Self, Task<Message>) {
        let front = launch.front.clone();
        let back = launch.back.clone();
        let mut app = App::new(launch);
        app.started = started;
        let (front_id, open_front) = window::open(super::window_settings(&front));
        let (back_id, open_back) = window::open(super::window_settings(&back));
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

    /// The kiosk, while no background work holds it.
    pub fn kiosk(&self) -> Option<&Kiosk> {
        self.kiosk.as_deref()
    }

    /// What runs in the background, if anything.
    pub fn busy(&self) -> Option<Busy> {
        self.busy
    }

    /// The session's language (Japanese at idle).
    pub fn language(&self) -> Language {
        match &self.kiosk {
            Some(k) => k.language().unwrap_or(Language::JA),
            None => self.busy_language,
        }
    }

    pub(super) fn t(&self, key: &str) -> String {
        catalog::t(self.language(), key)
    }

    /// The window title.
    pub fn title(&self, id: window::Id) -> String {
        match self.windows.get(&id) {
            Some(Role::Back) => catalog::t(Language::JA, "window.back"),
            _ => catalog::t(Language::JA, "window.front"),
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

    /// Draw the front or the back.
    pub fn view(&self, role: Role) -> Element<'_, Message> {
        let body = screens::view(self, role);
        match role {
            Role::Front => body,
            Role::Back => clerk::with_bar(self, body),
        }
    }

    /// Timers, the card monitor, window events.
    pub fn subscription(&self) -> Subscription<Message> {
        let mut subs = vec![
            iced::time::every(Duration::from_secs(1)).map(|_| Message::Tick),
            window::close_events().map(Message::Closed),
        ];
        if self.launch_rest.pcsc.is_some() {
            subs.push(Subscription::run(monitor_stream));
        }
        if self.launch_rest.measure_startup {
            subs.push(window::frames().map(|_| Message::Frame));
        }
        Subscription::batch(subs)
    }

    /// Handle a message.
    pub fn update(&mut self, message: Message) -> Task<Message> {
        match message {
            Message::Touch(role, touch) => {
                if role == Role::Back {
                    self.send(Event::ClerkTouched);
                }
                if touch == TouchEvent::Reset {
                    self.admin = None;
                    self.login = None;
                }
                self.dispatch(touch.event())
            }
            Message::Returned(Handback(cell)) => {
                let returned = cell.lock().ok().and_then(|mut k| k.take());
                match returned {
                    Some(k) => {
                        self.kiosk = Some(k);
                        self.busy = None;
                        self.arrived()
                    }
                    None => {
                        // The worker panicked with the session in it: nothing can continue
                        // safely; the service manager restarts the kiosk.
                        tracing::error!(event = "kiosk_worker_lost");
                        iced::exit()
                    }
                }
            }
            Message::Tick => {
                // READY, then the watchdog's heartbeat: a hung window loop stops it (src/sdnotify.rs).
                crate::sdnotify::alive();
                let mut tasks = vec![self.dispatch(Event::Tick)];
                let due = self
                    .last_printer_poll
                    .is_none_or(|t| t.elapsed() >= Duration::from_secs(10));
                if due && !self.launch_rest.inline {
                    self.last_printer_poll = Some(Instant::now());
                    let probe = self.launch_rest.printer_status.clone();
                    tasks.push(Task::perform(
                        off_thread(move || probe()),
                        |r: Option<Result<String, String>>| {
                            Message::PrinterState(
                                r.unwrap_or_else(|| Err("printer check failed".into())),
                            )
                        },
                    ));
                }
                Task::batch(tasks)
            }
            Message::Purpose(role, p) => {
                self.touched(role);
                self.purpose = p;
                self.purposes_open = false;
                Task::none()
            }
            Message::Purposes(role, open) => {
                self.touched(role);
                self.purposes_open = open;
                Task::none()
            }
            Message::Edit(role, target) => {
                self.touched(role);
                let (form, question) = match &target {
                    EditTarget::Kana { form, question } | EditTarget::Number { form, question } => {
                        (*form, question.clone())
                    }
                };
                let current = self
                    .kiosk
                    .as_ref()
                    .and_then(|k| k.answers(form))
                    .and_then(|a| a.get(&question))
                    .unwrap_or_default()
                    .to_owned();
                self.editor = Some((target, Zeroizing::new(current)));
                Task::none()
            }
            Message::Key(role, key) => {
                self.touched(role);
                self.key(key)
            }
            Message::CodeBEra(role, era) => {
                self.touched(role);
                self.code_b.era = era;
                Task::none()
            }
            Message::CodeBKey(role, d) => {
                self.touched(role);
                if d > 9 {
                    self.code_b.erase();
                } else {
                    self.code_b.push(d);
                }
                Task::none()
            }
            Message::CodeBSend(role) => {
                self.touched(role);
                match self.code_b.event() {
                    Some(event) => {
                        self.code_b.clear();
                        self.dispatch(event)
                    }
                    None => Task::none(),
                }
            }
            Message::Staff(field, text) => {
                self.send(Event::ClerkTouched);
                if let Some(s) = &mut self.staff {
                    s.set(field, text.take());
                }
                Task::none()
            }
            Message::StaffSex(sex) => {
                if let Some(s) = &mut self.staff {
                    s.sex = Some(sex);
                }
                Task::none()
            }
            Message::StaffRomaji(on) => {
                if let Some(s) = &mut self.staff {
                    s.romaji = on;
                }
                Task::none()
            }
            Message::StaffSave => {
                let Some(data) = self.staff.as_ref().and_then(StaffEntry::data) else {
                    return Task::none();
                };
                self.staff = None;
                self.send(Event::ClerkTouched);
                let event = match self.kiosk.as_ref().map(|k| k.screen().clone()) {
                    Some(Screen::Confirm) => Event::StaffCorrected(data),
                    _ => Event::StaffEntered(data),
                };
                self.dispatch(event)
            }
            Message::StaffCorrect(open) => {
                self.send(Event::ClerkTouched);
                self.staff =
                    open.then(|| StaffEntry::from_data(self.kiosk().and_then(|k| k.data())));
                Task::none()
            }
            Message::AdminLogin(open) => {
                self.login = open.then(|| (Zeroizing::new(String::new()), None));
                Task::none()
            }
            Message::AdminSecret(s) => {
                if let Some((secret, _)) = &mut self.login {
                    *secret = Zeroizing::new(s.take());
                }
                Task::none()
            }
            Message::AdminEnter => {
                let Some((secret, _)) = &self.login else {
                    return Task::none();
                };
                match self.gate.enter(secret, Instant::now()) {
                    Ok(()) => {
                        tracing::info!(event = "admin_entered");
                        self.login = None;
                        self.admin = Some(AdminScreen {
                            folder: self.launch_rest.export_folder.display().to_string(),
                            ..AdminScreen::default()
                        });
                        self.refresh_counts();
                    }
                    Err(e) => {
                        tracing::warn!(event = "admin_refused");
                        let shown = match e {
                            admin::GateError::Wrong { left } => catalog::tf(
                                Language::JA,
                                "admin.wrong",
                                &[("left", &left.to_string())],
                            ),
                            admin::GateError::Locked { seconds } => catalog::tf(
                                Language::JA,
                                "admin.locked",
                                &[("minutes", &seconds.div_ceil(60).to_string())],
                            ),
                            admin::GateError::NotConfigured => {
                                catalog::t(Language::JA, "admin.not_configured")
                            }
                            admin::GateError::BadHash => catalog::t(Language::JA, "admin.bad_hash"),
                        };
                        self.login = Some((Zeroizing::new(String::new()), Some(shown)));
                    }
                }
                Task::none()
            }
            Message::AdminClose => {
                self.admin = None;
                Task::none()
            }
            Message::AdminRefresh => {
                self.refresh_counts();
                Task::none()
            }
            Message::AdminFolder(f) => {
                if let Some(a) = &mut self.admin {
                    a.folder = f;
                }
                Task::none()
            }
            Message::AdminExport => {
                self.flush_usage();
                let result = self.admin.as_ref().map(|a| {
                    admin::export_to(
                        &self.launch_rest.usage_db,
                        std::path::Path::new(&a.folder),
                        &self.launch_rest.terminal,
                        self.now(),
                        &self.launch_rest.titles,
                    )
                });
                if let (Some(a), Some(r)) = (&mut self.admin, result) {
                    a.message = Some(match r {
                        Ok(files) => (
                            true,
                            catalog::tf(
                                Language::JA,
                                "admin.exported",
                                &[(
                                    "files",
                                    &files
                                        .iter()
                                        .map(|f| f.display().to_string())
                                        .collect::<Vec<_>>()
                                        .join("、"),
                                )],
                            ),
                        ),
                        Err(e) => (false, e),
                    });
                }
                Task::none()
            }
            Message::AdminTotal(t) => {
                if let Some(a) = &mut self.admin {
                    a.total = t.chars().filter(char::is_ascii_digit).take(6).collect();
                }
                Task::none()
            }
            Message::AdminSaveTotal => {
                let window = self
                    .kiosk()
                    .and_then(|k| k.window().map(|w| w.as_str().to_owned()))
                    .unwrap_or_else(|| "1".into());
                let now = self.now();
                if let Some(a) = &mut self.admin {
                    let r = a
                        .total
                        .parse::<u32>()
                        .map_err(|_| catalog::t(Language::JA, "admin.total_invalid"))
                        .and_then(|n| {
                            admin::set_total(&self.launch_rest.usage_db, &window, now, n)
                        });
                    a.message = Some(match r {
                        Ok(()) => (true, catalog::t(Language::JA, "admin.total_saved")),
                        Err(e) => (false, e),
                    });
                }
                self.refresh_counts();
                Task::none()
            }
            Message::AdminTestPage => {
                let r = self
                    .kiosk
                    .as_ref()
                    .ok_or_else(|| catalog::t(Language::JA, "admin.busy"))
                    .and_then(|k| test_page(k));
                if let Some(a) = &mut self.admin {
                    a.message = Some(match r {
                        Ok(()) => (true, catalog::t(Language::JA, "admin.test_page_sent")),
                        Err(e) => (false, e),
                    });
                }
                Task::none()
            }
            Message::AdminReaderTest => {
                let r = match self.kiosk.as_mut() {
                    Some(k) => k.reader_mut().probe().map_err(|e| e.to_string()),
                    None => Err(catalog::t(Language::JA, "admin.busy")),
                };
                if let Some(a) = &mut self.admin {
                    a.message = Some(match r {
                        Ok(t) => (
                            true,
                            catalog::tf(
                                Language::JA,
                                "admin.reader_ok",
                                &[
                                    ("pin", &t.pin.map_or("-".into(), |n| n.to_string())),
                                    ("code_b", &t.code_b.map_or("-".into(), |n| n.to_string())),
                                ],
                            ),
                        ),
                        Err(e) => (false, e),
                    });
                }
                Task::none()
            }
            Message::DemoPick(name) => {
                self.demo_pick = Some(name);
                Task::none()
            }
            Message::DemoCard(place) => self.demo_card(place),
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
                if self.launch_rest.measure_startup && self.opened >= 2 && self.frames >= 4 {
                    let ms = self.started.elapsed().as_secs_f64() * 1000.0;
                    println!("startup_ms={ms:.1} rss_kb={}", rss_kb().unwrap_or(0));
                    return iced::exit();
                }
                Task::none()
            }
        }
    }

    /// The back screen was touched for something that is not a session event.
    fn touched(&mut self, role: Role) {
        if role == Role::Back {
            self.send(Event::ClerkTouched);
        }
        // A local action (a keyboard key, a tab) is a touch for the idle timer as well.
        self.send(Event::StillHere);
    }

    /// Send an event that needs no background work.
    fn send(&mut self, event: Event) {
        if let Some(k) = self.kiosk.as_mut() {
            if k.screen() != &Screen::Idle || matches!(event, Event::Start(_)) {
                k.handle(event);
            }
        }
    }

    /// Whether `event` would read the card or print, and what the screens say meanwhile.
    fn heavy(&self, event: &Event) -> Option<Busy> {
        let k = self.kiosk.as_ref()?;
        match (k.screen(), event) {
            (Screen::PlaceCard, Event::CardInserted) => Some(Busy::Checking),
            (Screen::Pin, Event::PinDigit(_)) if k.pin_length() == 3 => Some(Busy::Reading),
            (Screen::CodeB, Event::CodeB { .. }) => Some(Busy::Reading),
            (Screen::Preview | Screen::SeeClerk(ClerkReason::PrintFailed(_)), Event::Print) => {
                Some(Busy::Printing)
            }
            _ => None,
        }
    }

    /// Hand an event to the kiosk: on a worker thread when it reads the card or prints, so
    /// both screens keep drawing ("reading…", "printing…").
    fn dispatch(&mut self, event: Event) -> Task<Message> {
        if self.busy.is_some() {
            return Task::none();
        }
        // Going forward to "place your card" (or switching PIN / 照合番号B there) with a card
        // already on the reader checks it at once; going back to it does not, or "back" from
        // the PIN pad could never get past it.
        if matches!(event, Event::Next | Event::Identify(_)) {
            self.probe_pending = true;
        } else if !matches!(event, Event::Tick) {
            self.probe_pending = false;
        }
        let Some(busy) = self.heavy(&event) else {
            if let Some(k) = self.kiosk.as_mut() {
                k.handle(event);
            }
            return self.arrived();
        };
        if self.launch_rest.inline {
            if let Some(k) = self.kiosk.as_mut() {
                k.handle(event);
            }
            return self.arrived();
        }
        self.busy_language = self.language();
        let Some(mut kiosk) = self.kiosk.take() else {
            return Task::none();
        };
        self.busy = Some(busy);
        Task::perform(
            off_thread(move || {
                kiosk.handle(event);
                kiosk
            }),
            |k| Message::Returned(Handback(std::sync::Arc::new(std::sync::Mutex::new(k)))),
        )
    }

    /// After an event: what the new screen needs (the preview images, a card already on the
    /// reader, wiping the screens' own copies at the end of a session).
    fn arrived(&mut self) -> Task<Message> {
        let Some(k) = self.kiosk.as_ref() else {
            return Task::none();
        };
        let screen = k.screen().clone();
        let previous = std::mem::replace(&mut self.last_screen, screen.clone());
        if screen == Screen::PlaceCard
            && std::mem::take(&mut self.probe_pending)
            && self.card_present()
        {
            return self.dispatch(Event::CardInserted);
        }
        if screen == previous {
            return Task::none();
        }
        self.editor = None;
        if screen != Screen::Preview {
            self.preview.clear();
            self.preview_error = None;
        } else if let Some(pdf) = k.pdf() {
            match crate::forms::preview::pages(pdf, 2.0) {
                Ok(pages) => {
                    self.preview = pages
                        .into_iter()
                        .map(|p| image::Handle::from_rgba(p.width, p.height, p.rgba))
                        .collect();
                }
                Err(e) => self.preview_error = Some(e),
            }
        }
        if screen != Screen::CodeB {
            self.code_b.clear();
        }
        if !matches!(screen, Screen::StaffEntry | Screen::Confirm) {
            self.staff = None;
        } else if screen == Screen::StaffEntry && self.staff.is_none() {
            self.staff = Some(StaffEntry::default());
        }
        if screen == Screen::Idle {
            self.purpose = None;
            self.purposes_open = false;
        }
        Task::none()
    }

    fn card_present(&self) -> bool {
        match &self.demo {
            Some(d) => d.slot.lock().map(|s| s.is_some()).unwrap_or(false),
            None => matches!(self.reader, ReaderState::Card(_)),
        }
    }

    fn key(&mut self, key: Key) -> Task<Message> {
        let Some((target, buf)) = &mut self.editor else {
            return Task::none();
        };
        let max = match target {
            EditTarget::Kana { .. } => 20,
            EditTarget::Number { .. } => 13,
        };
        match key {
            Key::Char(c) if buf.chars().count() < max => buf.push(c),
            Key::Char(_) => {}
            Key::Dakuten => {
                modify_last_kana(buf, false);
            }
            Key::Small => {
                modify_last_kana(buf, true);
            }
            Key::Erase => {
                buf.pop();
            }
            Key::Clear => buf.clear(),
            Key::Cancel => self.editor = None,
            Key::Done => {
                let (target, buf) = self.editor.take().unwrap_or_else(|| unreachable!());
                let question = match target {
                    EditTarget::Kana { question, .. } | EditTarget::Number { question, .. } => {
                        question
                    }
                };
                return self.dispatch(Event::Answer {
                    question,
                    value: buf.trim().to_owned(),
                });
            }
        }
        Task::none()
    }

    /// The demo's picker stands for the resident's hand on the reader: not the clerk's help, so
    /// it does not mark the session assisted.
    fn demo_card(&mut self, place: bool) -> Task<Message> {
        let Some(demo) = &self.demo else {
            return Task::none();
        };
        let Ok(mut slot) = demo.slot.lock() else {
            return Task::none();
        };
        if place {
            if slot.is_some() {
                return Task::none();
            }
            let Some(name) = self.demo_pick.clone() else {
                return Task::none();
            };
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
            if self.kiosk.as_ref().map(|k| k.screen()) == Some(&Screen::PlaceCard) {
                return self.dispatch(Event::CardInserted);
            }
            Task::none()
        } else {
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
    }

    /// Whether a monitor event about reader `name` concerns the kiosk: the configured reader,
    /// or (none configured) the reader it follows, or any while it has none.
    fn follows(&self, name: &str) -> bool {
        match (&self.launch_rest.pcsc, &self.reader) {
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
                if self.kiosk.as_ref().map(|k| k.screen()) == Some(&Screen::PlaceCard) {
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

    fn flush_usage(&mut self) {
        if let Some(k) = self.kiosk.as_mut() {
            k.recorder_mut().flush();
        }
    }

    fn refresh_counts(&mut self) {
        self.flush_usage();
        let counts = admin::counts(&self.launch_rest.usage_db, self.now());
        if let Some(a) = &mut self.admin {
            a.counts = Some(counts);
        }
    }

    /// The kiosk's clock (the admin's "today" is the session clock's today).
    fn now(&self) -> i64 {
        self.kiosk
            .as_ref()
            .map_or_else(crate::kiosk::unix_now, |k| k.now())
    }

    /// Whether the kiosk runs in staff-operated mode.
    pub(super) fn staff_mode(&self) -> bool {
        self.kiosk().and_then(|k| k.mode()) == Some(Mode::StaffOperated)
    }

    /// The form titles (for the admin chart).
    pub(super) fn titles(&self) -> &BTreeMap<String, String> {
        &self.launch_rest.titles
    }

    /// Whether this is the demo.
    pub(super) fn is_demo(&self) -> bool {
        self.demo.is_some()
    }
}

/// Run blocking work on its own thread and await it (PC/SC and IPP calls block).
async fn off_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (tx, rx) = iced::futures::channel::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("kiosk-work".into())
        .spawn(move || {
            let _ = tx.send(f());
        });
    if spawned.is_err() {
        return None;
    }
    rx.await.ok()
}

/// The card monitor as a stream of messages: PC/SC calls block, so the monitor runs on its
/// own thread and forwards its events.
fn monitor_stream() -> impl iced::futures::Stream<Item = Message> {
    iced::stream::channel(32, async |mut output| {
        let (tx, mut rx) = iced::futures::channel::mpsc::unbounded();
        let _ = std::thread::Builder::new()
            .name("card-monitor-bridge".into())
            .spawn(move || {
                let (std_tx, std_rx) = std::sync::mpsc::channel();
                let Ok(_monitor) = Monitor::start(std_tx) else {
                    let _ = tx.unbounded_send(MonitorEvent::ServiceDown);
                    return;
                };
                for event in std_rx {
                    if tx.unbounded_send(event).is_err() {
                        break;
                    }
                }
            });
        while let Some(event) = rx.next().await {
            if output.send(Message::Monitor(event)).await.is_err() {
                break;
            }
        }
    })
}

fn test_page(k: &Kiosk) -> Result<(), String> {
    let pdf = crate::print::test_page(&k.terminal_id()).map_err(|e| e.to_string())?;
    k.printer()
        .print(
            &pdf,
            "kakanai test page",
            Duration::from_secs(60),
            &mut |_| {},
        )
        .map_err(|e| e.to_string())
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
