//! The admin screen on the back window: the login (the credential, with its lockout), then
//! today's and this month's counts with a chart, the export to a folder (a USB stick), the
//! day's application total, the test page and the reader test. The test page and the reader
//! test are [`Work`] like the session's, run off the UI thread; their result comes back
//! through [`Admin::done`]. Everything here reaches counts only (see [`crate::kiosk::admin`]).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use iced::widget::{Column, column, container, row, scrollable, space, text, text_input};
use iced::{Alignment, Color, Element, Length};
use zeroize::Zeroizing;

use crate::i18n;
use crate::i18n::Language;
use crate::kiosk::admin::{self, AdminError, AdminGate, Counts, GateError};
use crate::kiosk::{Done, Work};
use crate::ui::secret::Secret;
use crate::ui::style::{self, Kind};
use crate::ui::widgets::big;

/// The login, then the panel.
pub enum Admin {
    /// The credential being typed, and why the last one was refused.
    Login {
        /// What has been typed (zeroed when dropped).
        secret: Zeroizing<String>,
        /// The refusal, for the admin to read.
        error: Option<String>,
    },
    /// Entered.
    Open(Panel),
}

/// The admin panel's state.
#[derive(Default)]
pub struct Panel {
    counts: Option<Result<Counts, AdminError>>,
    folder: String,
    total: String,
    message: Option<(bool, String)>,
    testing: bool,
}

/// A touch on the admin screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// The credential being typed.
    Secret(Secret),
    /// Submit the credential.
    Enter,
    /// Leave the login or the admin screen.
    Close,
    /// Refresh the counts.
    Refresh,
    /// The export folder being typed.
    Folder(String),
    /// Export now.
    Export,
    /// Today's applications being typed.
    Total(String),
    /// Save today's applications.
    SaveTotal,
    /// Print the test page.
    TestPage,
    /// Test the reader.
    ReaderTest,
}

/// What the admin screen asks of the app.
#[derive(Debug)]
pub enum Event {
    /// Close the admin screen.
    Close,
    /// Run this work off the UI thread and hand the result to [`Admin::done`].
    Run(Work),
}

/// What the admin screen works with.
pub struct Context<'a> {
    /// The credential check with its lockout (kept while the screen is closed).
    pub gate: &'a mut AdminGate,
    /// The usage database.
    pub usage_db: &'a Path,
    /// The default export folder.
    pub export_folder: &'a Path,
    /// This kiosk's id.
    pub terminal: &'a str,
    /// Form titles by id, for the report.
    pub titles: &'a BTreeMap<String, String>,
    /// The session clock (the admin's "today" is the session's).
    pub now: i64,
    /// The window whose daily total is kept.
    pub window: String,
}

fn t(key: &str) -> String {
    i18n::t(Language::JA, key)
}

fn tf(key: &str, args: &[(&str, &str)]) -> String {
    i18n::tf(Language::JA, key, args)
}

fn small<'a, M: 'a>(s: String, color: Color) -> Element<'a, M> {
    text(s).size(style::SMALL).color(color).into()
}

impl Admin {
    /// The login, empty.
    pub fn login() -> Self {
        Admin::Login {
            secret: Zeroizing::new(String::new()),
            error: None,
        }
    }

    /// Handle a touch.
    pub fn update(&mut self, message: Message, cx: Context<'_>) -> Option<Event> {
        match (&mut *self, message) {
            (_, Message::Close) => Some(Event::Close),
            (Admin::Login { secret, .. }, Message::Secret(s)) => {
                *secret = Zeroizing::new(s.take());
                None
            }
            (Admin::Login { secret, error }, Message::Enter) => {
                match cx.gate.enter(secret, Instant::now()) {
                    Ok(()) => {
                        tracing::info!(event = "admin_entered");
                        let mut panel = Panel {
                            folder: cx.export_folder.display().to_string(),
                            ..Panel::default()
                        };
                        panel.counts = Some(admin::counts(cx.usage_db, cx.now));
                        *self = Admin::Open(panel);
                    }
                    Err(e) => {
                        tracing::warn!(event = "admin_refused");
                        *secret = Zeroizing::new(String::new());
                        *error = Some(refusal(e));
                    }
                }
                None
            }
            (Admin::Open(p), m) => p.update(m, cx),
            _ => None,
        }
    }

    /// The test page or reader test finished.
    pub fn done(&mut self, done: Done) {
        let Admin::Open(p) = self else {
            return;
        };
        p.testing = false;
        p.message = Some(match done {
            Done::TestPage(Ok(())) => (true, t("admin.test_page_sent")),
            Done::TestPage(Err(e)) => (false, e.for_clerk().in_language(Language::JA)),
            Done::ReaderTest(Ok(tries)) => (
                true,
                tf(
                    "admin.reader_ok",
                    &[
                        ("pin", &tries.pin.map_or("-".into(), |n| n.to_string())),
                        (
                            "code_b",
                            &tries.code_b.map_or("-".into(), |n| n.to_string()),
                        ),
                    ],
                ),
            ),
            Done::ReaderTest(Err(e)) => (false, e.for_clerk().in_language(Language::JA)),
            _ => return,
        });
    }

    /// The screen.
    pub fn view<'a>(
        &'a self,
        titles: &'a BTreeMap<String, String>,
        demo: bool,
    ) -> Element<'a, Message> {
        let (body, padding) = match self {
            Admin::Login { secret, error } => {
                (login(secret, error.as_deref()), iced::Padding::from(48))
            }
            Admin::Open(p) => (p.view(titles, demo), iced::Padding::from([24, 48])),
        };
        container(body)
            .padding(padding)
            .width(Length::Fill)
            .height(Length::Fill)
            .style(style::panel(style::PAGE, style::INK))
            .into()
    }
}

fn refusal(e: GateError) -> String {
    match e {
        GateError::Wrong { left } => tf("admin.wrong", &[("left", &left.to_string())]),
        GateError::Locked { seconds } => tf(
            "admin.locked",
            &[("minutes", &seconds.div_ceil(60).to_string())],
        ),
        GateError::NotConfigured => t("admin.not_configured"),
        GateError::BadHash => t("admin.bad_hash"),
    }
}

fn login<'a>(secret: &'a str, error: Option<&'a str>) -> Element<'a, Message> {
    let mut col = column![
        text(t("admin.login_title")).size(style::TITLE),
        text_input(&t("admin.login_hint"), secret)
            .secure(true)
            .on_input(|s| Message::Secret(s.into()))
            .on_submit(Message::Enter)
            .size(style::TEXT)
            .padding(16)
            .width(700),
    ]
    .spacing(24);
    if let Some(e) = error {
        col = col.push(small(e.to_owned(), style::ALERT));
    }
    col.push(
        row![
            big(t("admin.cancel"), Kind::Plain, Some(Message::Close)).width(300),
            big(t("admin.enter"), Kind::Primary, Some(Message::Enter)).width(300),
        ]
        .spacing(24),
    )
    .into()
}

impl Panel {
    fn update(&mut self, message: Message, cx: Context<'_>) -> Option<Event> {
        match message {
            Message::Refresh => self.counts = Some(admin::counts(cx.usage_db, cx.now)),
            Message::Folder(f) => self.folder = f,
            Message::Export => {
                let r = admin::export_to(
                    cx.usage_db,
                    Path::new(&self.folder),
                    cx.terminal,
                    cx.now,
                    cx.titles,
                );
                self.message = Some(match r {
                    Ok(files) => (
                        true,
                        tf(
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
                    Err(e) => (false, e.for_clerk().in_language(Language::JA)),
                });
            }
            Message::Total(total) => {
                self.total = total.chars().filter(char::is_ascii_digit).take(6).collect();
            }
            Message::SaveTotal => {
                let r = self
                    .total
                    .parse::<u32>()
                    .map_err(|_| t("admin.total_invalid"))
                    .and_then(|n| {
                        admin::set_total(cx.usage_db, &cx.window, cx.now, n)
                            .map_err(|e| e.for_clerk().in_language(Language::JA))
                    });
                self.message = Some(match r {
                    Ok(()) => (true, t("admin.total_saved")),
                    Err(e) => (false, e),
                });
                self.counts = Some(admin::counts(cx.usage_db, cx.now));
            }
            Message::TestPage | Message::ReaderTest if self.testing => {}
            Message::TestPage => {
                self.testing = true;
                self.message = None;
                return Some(Event::Run(Work::TestPage {
                    terminal: cx.terminal.to_owned(),
                }));
            }
            Message::ReaderTest => {
                self.testing = true;
                self.message = None;
                return Some(Event::Run(Work::ReaderTest));
            }
            Message::Secret(_) | Message::Enter | Message::Close => {}
        }
        None
    }

    fn view<'a>(
        &'a self,
        titles: &'a BTreeMap<String, String>,
        demo: bool,
    ) -> Element<'a, Message> {
        let mut col = column![
            row![
                text(t("admin.title")).size(style::TITLE),
                space::horizontal(),
                big(t("admin.refresh"), Kind::Plain, Some(Message::Refresh)).width(240),
                big(t("admin.close"), Kind::Primary, Some(Message::Close)).width(240),
            ]
            .spacing(16)
            .align_y(Alignment::Center),
            row![counts(self.counts.as_ref(), titles), self_check()].spacing(32),
        ]
        .spacing(22);
        // Results and notes right under the counts, where the admin looks after a tap; the
        // export and test buttons stay at the bottom.
        if self.testing {
            col = col.push(small(t("busy.testing"), style::INK));
        }
        if let Some((ok, m)) = &self.message {
            col = col.push(small(
                m.clone(),
                if *ok { style::GOOD } else { style::ALERT },
            ));
        }
        if demo {
            col = col.push(small(t("admin.demo_note"), style::LINE));
        }
        col.push(
            column![
                row![
                    text(t("admin.export_to")).size(style::SMALL).width(300),
                    text_input("/media/usb", &self.folder)
                        .on_input(Message::Folder)
                        .size(style::SMALL)
                        .padding(16)
                        .width(700),
                    big(t("admin.export"), Kind::Primary, Some(Message::Export)).width(460),
                ]
                .spacing(16)
                .align_y(Alignment::Center),
                row![
                    text(t("admin.total")).size(style::SMALL).width(300),
                    text_input("0", &self.total)
                        .on_input(Message::Total)
                        .on_submit(Message::SaveTotal)
                        .size(style::SMALL)
                        .padding(16)
                        .width(300),
                    big(t("admin.save_total"), Kind::Plain, Some(Message::SaveTotal)).width(320),
                    space::horizontal(),
                    big(
                        t("admin.test_page"),
                        Kind::Plain,
                        (!self.testing).then_some(Message::TestPage)
                    )
                    .width(340),
                    big(
                        t("admin.reader_test"),
                        Kind::Plain,
                        (!self.testing).then_some(Message::ReaderTest)
                    )
                    .width(340),
                ]
                .spacing(16)
                .align_y(Alignment::Center),
            ]
            .spacing(22),
        )
        .into()
    }
}

/// The self-check run at this kiosk session's start (src/doctor.rs), one verdict per check,
/// beside the counts.
fn self_check<'a>() -> Element<'a, Message> {
    let doctor = crate::doctor::session_findings();
    if doctor.is_empty() {
        return space::horizontal().into();
    }
    let mut lines = Column::new().spacing(4);
    for f in doctor {
        let colour = if f.status == crate::doctor::Status::Ok {
            style::INK
        } else {
            style::ALERT
        };
        // The verdict in Japanese; the technical detail as `kakanai doctor` prints it.
        let mut detail = f.what.clone();
        if !f.fix.is_empty() {
            detail.push_str(" — ");
            detail.push_str(&f.fix);
        }
        lines = lines.push(
            column![
                text(f.verdict().in_language(Language::JA))
                    .size(style::SMALL * 0.8)
                    .color(colour),
                text(detail).size(style::SMALL * 0.6).color(style::LINE),
            ]
            .spacing(0),
        );
    }
    scrollable(lines).height(340).width(Length::Fill).into()
}

fn counts<'a>(
    counts: Option<&'a Result<Counts, AdminError>>,
    titles: &'a BTreeMap<String, String>,
) -> Element<'a, Message> {
    match counts {
        None => small(t("admin.loading"), style::INK),
        Some(Err(e)) => small(e.for_clerk().in_language(Language::JA), style::ALERT),
        Some(Ok(c)) => {
            let max = c.month.values().copied().max().unwrap_or(1).max(1) as f32;
            let mut chart = Column::new().spacing(8);
            chart = chart.push(
                row![
                    text(t("admin.form")).size(style::SMALL).width(520),
                    text(t("admin.today")).size(style::SMALL).width(140),
                    text(t("admin.month")).size(style::SMALL).width(140),
                ]
                .spacing(12),
            );
            let mut ids: Vec<&String> = c.month.keys().collect();
            ids.sort_by_key(|id| std::cmp::Reverse(c.month.get(*id).copied().unwrap_or(0)));
            for id in ids {
                let month = c.month.get(id).copied().unwrap_or(0);
                let today = c.today.get(id).copied().unwrap_or(0);
                // The template's title; the catalog's name when the template is not loaded
                // (the simulation, a form since removed); the id only when neither knows it.
                let title = titles
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| crate::ui::widgets::named(Language::JA, "form", id));
                chart = chart.push(
                    row![
                        text(title).size(style::SMALL).width(520),
                        text(today.to_string()).size(style::SMALL).width(140),
                        text(month.to_string()).size(style::SMALL).width(140),
                        container(text(""))
                            .width(Length::Fixed(560.0 * month as f32 / max))
                            .height(28)
                            .style(style::panel(style::PRIMARY, Color::WHITE)),
                    ]
                    .spacing(12)
                    .align_y(Alignment::Center),
                );
            }
            let mut counts = column![
                text(tf(
                    "admin.sessions",
                    &[
                        ("today", &c.sessions_today.to_string()),
                        ("month", &c.sessions_month.to_string())
                    ]
                ))
                .size(style::TEXT),
                scrollable(chart).height(300),
            ]
            .spacing(12);
            // Shipping to the city's central database (usage::central::outbox::ShipStatus).
            if let Some(s) = &c.shipping {
                let color = if s.last_error.is_some() {
                    style::ALERT
                } else {
                    style::INK
                };
                counts = counts.push(small(s.line(), color));
            }
            counts.into()
        }
    }
}
