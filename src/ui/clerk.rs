//! The clerk's side of the back window: the bar on top (reader, printer, verification, tries,
//! the help signal, take over, reset, admin), the manual entry, the demo's card picker, and
//! the admin screen. The clerk's strings are Japanese whatever language the resident chose.

use iced::widget::{
    Column, Row, column, container, pick_list, row, scrollable, space, text, text_input,
};
use iced::{Alignment, Color, Element, Length};

use super::app::{App, Message, ReaderState, Role, TouchEvent};
use super::catalog;
use super::style::{self, Kind};
use super::widgets::big;
use crate::card::Sex;
use crate::kiosk::entry::StaffField;
use crate::kiosk::{Kiosk, Screen};
use crate::usage::record::{Language, Mode};

fn t(key: &str) -> String {
    catalog::t(Language::JA, key)
}

fn tf(key: &str, args: &[(&str, &str)]) -> String {
    catalog::tf(Language::JA, key, args)
}

fn small<'a>(s: String, color: Color) -> Element<'a, Message> {
    text(s).size(style::SMALL).color(color).into()
}

/// The back window: the clerk bar over the resident's screen, or the admin screen.
pub fn with_bar<'a>(app: &'a App, body: Element<'a, Message>) -> Element<'a, Message> {
    let content: Element<'a, Message> = if let Some(login) = &app.login {
        admin_login(login)
    } else if app.admin.is_some() {
        admin(app)
    } else {
        body
    };
    column![bar(app), content].into()
}

fn bar(app: &App) -> Element<'_, Message> {
    let white = Color::WHITE;
    let k = app.kiosk();
    let reader = match &app.reader {
        ReaderState::Unknown => t("clerk.reader_unknown"),
        ReaderState::NoService => t("clerk.reader_no_service"),
        ReaderState::NoReader => t("clerk.reader_none"),
        ReaderState::Empty(_) => t("clerk.reader_empty"),
        ReaderState::Card(_) => t("clerk.reader_card"),
    };
    let reader_ok = matches!(app.reader, ReaderState::Empty(_) | ReaderState::Card(_));
    let printer = match &app.printer {
        None => t("clerk.printer_unknown"),
        Some(Ok(s)) => tf("clerk.printer", &[("state", s)]),
        Some(Err(e)) => tf("clerk.printer_error", &[("error", e)]),
    };
    let printer_ok = matches!(app.printer, Some(Ok(_)) | None);
    let verified = match k.and_then(Kiosk::verification) {
        None => t("clerk.not_read"),
        Some(v) if v.is_verified() => t("clerk.verified"),
        Some(_) => t("clerk.unverified"),
    };
    let tries = k
        .and_then(Kiosk::tries)
        .map(|t| {
            tf(
                "clerk.tries",
                &[
                    ("pin", &t.pin.map_or("-".into(), |n| n.to_string())),
                    ("code_b", &t.code_b.map_or("-".into(), |n| n.to_string())),
                ],
            )
        })
        .unwrap_or_default();
    let mode = match k.and_then(Kiosk::mode) {
        Some(Mode::StaffOperated) => t("clerk.mode_staff"),
        Some(Mode::SelfService) => t("clerk.mode_self"),
        None => t("clerk.mode_idle"),
    };
    let status = column![
        row![
            small(
                reader,
                if reader_ok {
                    white
                } else {
                    Color::from_rgb8(0xFF, 0x9E, 0x9E)
                }
            ),
            small(
                printer,
                if printer_ok {
                    white
                } else {
                    Color::from_rgb8(0xFF, 0x9E, 0x9E)
                }
            ),
        ]
        .spacing(30),
        row![
            small(mode, white),
            small(verified, white),
            small(tries, white)
        ]
        .spacing(30),
    ]
    .spacing(6)
    .width(Length::Fill);
    let mut actions = Row::new().spacing(12).align_y(Alignment::Center);
    if k.is_some_and(Kiosk::help_requested) {
        actions = actions.push(
            container(
                text(t("clerk.help_requested"))
                    .size(style::TEXT)
                    .color(white),
            )
            .padding([16, 20])
            .style(style::panel(style::ALERT, white)),
        );
    }
    if k.is_some_and(super::screens::has_strange_chars) {
        actions = actions.push(
            container(
                text(t("clerk.strange_chars"))
                    .size(style::SMALL)
                    .color(white),
            )
            .padding([10, 14])
            .max_width(520)
            .style(style::panel(style::ALERT, white)),
        );
    }
    let in_session = k.is_some_and(|k| k.screen() != &Screen::Idle);
    if in_session && !app.staff_mode() {
        actions = actions.push(
            big(
                t("clerk.take_over"),
                Kind::Clerk,
                Some(Message::Touch(Role::Back, TouchEvent::TakeOver)),
            )
            .width(Length::Shrink),
        );
    }
    if in_session {
        actions = actions.push(
            big(
                t("clerk.reset"),
                Kind::Clerk,
                Some(Message::Touch(Role::Back, TouchEvent::Reset)),
            )
            .width(Length::Shrink),
        );
    }
    if app.admin.is_none() && app.login.is_none() {
        actions = actions.push(
            big(
                t("clerk.admin"),
                Kind::Clerk,
                Some(Message::AdminLogin(true)),
            )
            .width(Length::Shrink),
        );
    }
    let mut bar = Column::new().push(row![status, actions].spacing(20).align_y(Alignment::Center));
    if let Some(demo) = &app.demo {
        let names: Vec<String> = demo.cards.iter().map(|(n, _)| n.clone()).collect();
        let placed = matches!(app.reader, ReaderState::Card(_));
        bar = bar.push(
            row![
                small(t("demo.card"), white),
                pick_list(names, app.demo_pick.clone(), Message::DemoPick)
                    .text_size(style::SMALL)
                    .padding(18)
                    .width(520),
                big(
                    t("demo.place"),
                    Kind::Clerk,
                    (!placed).then_some(Message::DemoCard(true))
                )
                .width(Length::Shrink),
                big(
                    t("demo.remove"),
                    Kind::Clerk,
                    placed.then_some(Message::DemoCard(false))
                )
                .width(Length::Shrink),
            ]
            .spacing(16)
            .align_y(Alignment::Center),
        );
    }
    container(bar.spacing(10))
        .padding([12, 24])
        .width(Length::Fill)
        .style(style::panel(style::CLERK, white))
        .into()
}

/// The clerk's manual entry of the four fields (no card, or a correction in take-over mode).
pub fn staff_form(app: &App) -> Element<'_, Message> {
    let Some(s) = &app.staff else {
        return text("").into();
    };
    let field = |label: String, value: &str, f: StaffField, hint: String| -> Element<'_, Message> {
        row![
            text(label).size(style::TEXT).width(260),
            text_input(&hint, value)
                .on_input(move |v| Message::Staff(f, v.into()))
                .size(style::TEXT)
                .padding(16)
                .width(Length::Fill),
        ]
        .spacing(16)
        .align_y(Alignment::Center)
        .into()
    };
    let mut sexes = Row::new().spacing(12);
    for sex in [Sex::Male, Sex::Female, Sex::NotApplicable, Sex::Unknown] {
        let key = match sex {
            Sex::Male => "sex.male",
            Sex::Female => "sex.female",
            Sex::NotApplicable => "sex.not_applicable",
            Sex::Unknown => "sex.unknown",
        };
        sexes = sexes.push(
            big(
                t(key),
                if s.sex == Some(sex) {
                    Kind::Chosen
                } else {
                    Kind::Plain
                },
                Some(Message::StaffSex(sex)),
            )
            .width(Length::Shrink),
        );
    }
    let romaji = big(
        t(if s.romaji {
            "staff.romaji_on"
        } else {
            "staff.romaji_off"
        }),
        if s.romaji { Kind::Chosen } else { Kind::Plain },
        Some(Message::StaffRomaji(!s.romaji)),
    )
    .width(Length::Shrink);
    let complete = s.data().is_some();
    column![
        row![
            text(t("staff.title")).size(style::TITLE),
            space::horizontal(),
            romaji
        ]
        .align_y(Alignment::Center),
        field(
            t("field.name"),
            &s.name,
            StaffField::Name,
            t("staff.name_hint")
        ),
        field(
            t("field.address"),
            &s.address,
            StaffField::Address,
            t("staff.address_hint")
        ),
        field(
            t("field.birth"),
            &s.birth,
            StaffField::Birth,
            t("staff.birth_hint")
        ),
        row![text(t("field.sex")).size(style::TEXT).width(260), sexes].spacing(16),
        row![
            space::horizontal(),
            big(
                t("staff.save"),
                Kind::Primary,
                complete.then_some(Message::StaffSave)
            )
            .width(420)
        ],
    ]
    .spacing(18)
    .into()
}

fn admin_login(login: &(zeroize::Zeroizing<String>, Option<String>)) -> Element<'_, Message> {
    let (secret, error) = login;
    let mut col = column![
        text(t("admin.login_title")).size(style::TITLE),
        text_input(&t("admin.login_hint"), secret)
            .secure(true)
            .on_input(|s| Message::AdminSecret(s.into()))
            .on_submit(Message::AdminEnter)
            .size(style::TEXT)
            .padding(16)
            .width(700),
    ]
    .spacing(24);
    if let Some(e) = error {
        col = col.push(small(e.clone(), style::ALERT));
    }
    col = col.push(
        row![
            big(
                t("admin.cancel"),
                Kind::Plain,
                Some(Message::AdminLogin(false))
            )
            .width(300),
            big(t("admin.enter"), Kind::Primary, Some(Message::AdminEnter)).width(300),
        ]
        .spacing(24),
    );
    container(col)
        .padding(48)
        .width(Length::Fill)
        .height(Length::Fill)
        .style(style::panel(style::PAGE, style::INK))
        .into()
}

fn admin(app: &App) -> Element<'_, Message> {
    let Some(a) = &app.admin else {
        return text("").into();
    };
    let counts: Element<'_, Message> = match &a.counts {
        None => small(t("admin.loading"), style::INK),
        Some(Err(e)) => small(e.clone(), style::ALERT),
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
                let title = app.titles().get(id).cloned().unwrap_or_else(|| id.clone());
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
            column![
                text(tf(
                    "admin.sessions",
                    &[
                        ("today", &c.sessions_today.to_string()),
                        ("month", &c.sessions_month.to_string())
                    ]
                ))
                .size(style::TEXT),
                scrollable(chart).height(420),
            ]
            .spacing(12)
            .into()
        }
    };
    let mut col = column![
        row![
            text(t("admin.title")).size(style::TITLE),
            space::horizontal(),
            big(t("admin.refresh"), Kind::Plain, Some(Message::AdminRefresh)).width(240),
            big(t("admin.close"), Kind::Primary, Some(Message::AdminClose)).width(240),
        ]
        .spacing(16)
        .align_y(Alignment::Center),
        counts,
        row![
            text(t("admin.export_to")).size(style::SMALL).width(300),
            text_input("/media/usb", &a.folder)
                .on_input(Message::AdminFolder)
                .size(style::SMALL)
                .padding(16)
                .width(700),
            big(t("admin.export"), Kind::Primary, Some(Message::AdminExport)).width(460),
        ]
        .spacing(16)
        .align_y(Alignment::Center),
        row![
            text(t("admin.total")).size(style::SMALL).width(300),
            text_input("0", &a.total)
                .on_input(Message::AdminTotal)
                .on_submit(Message::AdminSaveTotal)
                .size(style::SMALL)
                .padding(16)
                .width(300),
            big(
                t("admin.save_total"),
                Kind::Plain,
                Some(Message::AdminSaveTotal)
            )
            .width(320),
            space::horizontal(),
            big(
                t("admin.test_page"),
                Kind::Plain,
                Some(Message::AdminTestPage)
            )
            .width(340),
            big(
                t("admin.reader_test"),
                Kind::Plain,
                Some(Message::AdminReaderTest)
            )
            .width(340),
        ]
        .spacing(16)
        .align_y(Alignment::Center),
    ]
    .spacing(22);
    if let Some((ok, m)) = &a.message {
        col = col.push(small(
            m.clone(),
            if *ok { style::GOOD } else { style::ALERT },
        ));
    }
    if app.is_demo() {
        col = col.push(small(t("admin.demo_note"), style::LINE));
    }
    // The self-check run at this kiosk session's start (src/doctor.rs), one line per check.
    let doctor = crate::doctor::session_lines();
    if !doctor.is_empty() {
        let mut lines = Column::new().spacing(4);
        for line in doctor {
            let colour = if line.starts_with("ok") {
                style::INK
            } else {
                style::ALERT
            };
            lines = lines.push(text(line).size(style::SMALL * 0.75).color(colour));
        }
        col = col.push(scrollable(lines).height(240));
    }
    container(col)
        .padding([24, 48])
        .width(Length::Fill)
        .height(Length::Fill)
        .style(style::panel(style::PAGE, style::INK))
        .into()
}
