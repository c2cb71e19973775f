//! The resident's screens, one function each, drawn identically on both windows (the back adds
//! the clerk bar around them). Every string comes from the catalogs.

use iced::widget::{
    Column, Row, button, center, column, container, image, opaque, row, scrollable, space, stack,
    text, text_input,
};
use iced::{Alignment, Color, Element, Font, Length, font};

use super::app::{App, Busy, EditTarget, Key, Message, Role, TouchEvent};
use super::style::{self, Kind};
use super::widgets::{big, card_on_reader, digit_pad, kana_keyboard, masked, number_pad};
use super::{FONT_NAME, catalog};
use crate::card::Sex;
use crate::kiosk::entry::CodeBField;
use crate::kiosk::{ClerkReason, Kiosk, Screen};
use crate::usage::record::{Identification, Language};
use crate::wareki::Era;

fn bold() -> Font {
    Font {
        weight: font::Weight::Bold,
        ..Font::with_name(FONT_NAME)
    }
}

fn title<'a>(s: String) -> Element<'a, Message> {
    text(s).size(style::TITLE).font(bold()).into()
}

fn lead<'a>(s: String) -> Element<'a, Message> {
    text(s).size(style::TEXT).into()
}

fn touch(role: Role, e: TouchEvent) -> Message {
    Message::Touch(role, e)
}

/// A catalog entry keyed by data (a form id, a category, a purpose), or the data itself.
fn named(language: Language, prefix: &str, name: &str) -> String {
    let s = catalog::t(language, &format!("{prefix}.{name}"));
    if s.starts_with('⟦') {
        name.to_owned()
    } else {
        s
    }
}

/// The whole window's content for `role` (without the clerk bar).
pub fn view(app: &App, role: Role) -> Element<'_, Message> {
    let Some(k) = app.kiosk() else {
        return busy(app, app.busy().unwrap_or(Busy::Reading));
    };
    let page: Element<'_, Message> = match k.screen() {
        Screen::Idle => idle(role),
        Screen::ChooseForms => choose(app, k, role),
        Screen::PlaceCard => place_card(app, k, role),
        Screen::Pin => pin(app, k, role),
        Screen::CodeB => code_b(app, role),
        Screen::StaffEntry => match role {
            Role::Front => frame(
                app,
                role,
                column![
                    title(app.t("staff.front_title")),
                    lead(app.t("staff.front_lead"))
                ]
                .spacing(30)
                .into(),
                Some(touch(role, TouchEvent::Back)),
                None,
            ),
            Role::Back => frame(
                app,
                role,
                super::clerk::staff_form(app),
                Some(touch(role, TouchEvent::Back)),
                None,
            ),
        },
        Screen::Confirm => confirm(app, k, role),
        Screen::Questions { form } => questions(app, k, *form, role),
        Screen::Preview => preview(app, role),
        Screen::Done => done(app, k, role),
        Screen::SeeClerk(reason) => see_clerk(app, reason, role),
    };
    let mut layers = stack![page];
    if let Some((target, buffer)) = &app.editor {
        layers = layers.push(modal(editor(app, k, target, buffer, role)));
    }
    if let Some(left) = k.countdown() {
        layers = layers.push(modal(countdown(app, left, role)));
    }
    layers.into()
}

/// A dimmed layer that catches every touch, with `content` in the middle.
fn modal<'a>(content: Element<'a, Message>) -> Element<'a, Message> {
    opaque(
        center(
            container(content)
                .padding(48)
                .style(style::card)
                .max_width(1700),
        )
        .style(|_| container::Style {
            background: Some(Color::from_rgba8(0, 0, 0, 0.55).into()),
            ..container::Style::default()
        }),
    )
}

/// Header, body, footer (back on the left, the main action on the right).
fn frame<'a>(
    app: &App,
    role: Role,
    body: Element<'a, Message>,
    back: Option<Message>,
    next: Option<(String, Option<Message>)>,
) -> Element<'a, Message> {
    let help = app.kiosk().is_some_and(Kiosk::help_requested);
    let call = if role == Role::Back {
        // The clerk bar shows the signal; the clerk does not call themselves.
        Element::from(space::horizontal().width(0))
    } else if help {
        container(
            text(app.t("clerk.called"))
                .size(style::TEXT)
                .color(style::ALERT),
        )
        .padding([20, 10])
        .into()
    } else {
        Element::from(
            big(
                app.t("clerk.call"),
                Kind::Alert,
                Some(touch(role, TouchEvent::CallClerk)),
            )
            .width(420),
        )
    };
    let header = row![
        text(app.t("app.name"))
            .size(style::TEXT)
            .font(bold())
            .color(style::PRIMARY),
        space::horizontal(),
        call,
    ]
    .align_y(Alignment::Center)
    .height(style::TOUCH + 10.0);
    let mut footer = Row::new().spacing(30).align_y(Alignment::Center);
    if let Some(b) = back {
        footer = footer.push(big(app.t("nav.back"), Kind::Plain, Some(b)).width(320));
    }
    footer = footer.push(space::horizontal());
    if let Some((label, on)) = next {
        footer = footer.push(big(label, Kind::Primary, on).width(520));
    }
    container(
        column![
            header,
            container(body).height(Length::Fill).width(Length::Fill),
            footer
        ]
        .spacing(24),
    )
    .padding([24, 48])
    .width(Length::Fill)
    .height(Length::Fill)
    .style(style::panel(style::PAGE, style::INK))
    .into()
}

fn idle<'a>(role: Role) -> Element<'a, Message> {
    let ja = catalog::t(Language::JA, "idle.start");
    let en = catalog::t(Language::EN, "idle.start");
    container(
        column![
            text(catalog::t(Language::JA, "idle.title"))
                .size(84)
                .font(bold())
                .color(style::PRIMARY),
            text(catalog::t(Language::JA, "idle.lead")).size(40),
            text(catalog::t(Language::EN, "idle.lead")).size(style::TEXT),
            space::vertical().height(40),
            row![
                big(
                    ja,
                    Kind::Primary,
                    Some(touch(role, TouchEvent::Start(Language::JA)))
                )
                .width(640)
                .height(170),
                big(
                    en,
                    Kind::Plain,
                    Some(touch(role, TouchEvent::Start(Language::EN)))
                )
                .width(640)
                .height(170),
            ]
            .spacing(60),
            space::vertical().height(30),
            text(catalog::t(Language::JA, "idle.no_card")).size(style::SMALL),
        ]
        .spacing(24)
        .align_x(Alignment::Center),
    )
    .center(Length::Fill)
    .style(style::panel(style::PAGE, style::INK))
    .into()
}

fn choose<'a>(app: &'a App, k: &'a Kiosk, role: Role) -> Element<'a, Message> {
    let lang = app.language();
    let chosen = k.chosen();
    let mut purposes: Vec<&str> = k
        .templates()
        .iter()
        .flat_map(|t| t.spec.purposes.iter().map(String::as_str))
        .collect();
    purposes.sort();
    purposes.dedup();
    let tabs = row![
        big(
            app.t("choose.all"),
            if app.purpose.is_none() && !app.purposes_open {
                Kind::Chosen
            } else {
                Kind::Plain
            },
            Some(Message::Purpose(role, None)),
        )
        .width(420),
        big(
            app.t("choose.by_purpose"),
            if app.purposes_open || app.purpose.is_some() {
                Kind::Chosen
            } else {
                Kind::Plain
            },
            Some(Message::Purposes(role, true)),
        )
        .width(420),
    ]
    .spacing(20);
    let main: Element<'a, Message> = if app.purposes_open {
        let mut r = Row::new().spacing(16);
        for p in purposes {
            r = r.push(
                big(
                    named(lang, "purpose", p),
                    Kind::Plain,
                    Some(Message::Purpose(role, Some(p.to_owned()))),
                )
                .width(440),
            );
        }
        column![
            lead(app.t("choose.purpose_lead")),
            r.wrap().vertical_spacing(16)
        ]
        .spacing(20)
        .into()
    } else {
        // One flow of tiles, each tagged with its category: all ten forms fit on one screen
        // without scrolling, which a resident may not think of doing.
        let mut tiles = Row::new().spacing(16);
        for t in k.templates().iter().filter(|t| {
            app.purpose
                .as_ref()
                .is_none_or(|p| t.spec.purposes.contains(p))
        }) {
            let on = chosen.contains(&t.spec.id.as_str());
            let tag = if on {
                app.t("choose.chosen")
            } else {
                named(lang, "category", &t.spec.category)
            };
            tiles = tiles.push(
                button(
                    column![
                        text(tag).size(style::SMALL).color(if on {
                            style::PRIMARY
                        } else {
                            style::LINE
                        }),
                        text(named(lang, "form", &t.spec.id)).size(style::TEXT),
                    ]
                    .spacing(4),
                )
                .width(440)
                .height(style::TOUCH + 44.0)
                .padding([10, 18])
                .style(style::button_style(if on {
                    Kind::Chosen
                } else {
                    Kind::Plain
                }))
                .on_press(touch(role, TouchEvent::ToggleForm(t.spec.id.clone()))),
            );
        }
        let mut col = Column::new().spacing(16);
        if let Some(p) = &app.purpose {
            col = col.push(lead(catalog::tf(
                lang,
                "choose.for_purpose",
                &[("purpose", &named(lang, "purpose", p))],
            )));
        }
        scrollable(col.push(tiles.wrap().vertical_spacing(16)))
            .height(Length::Fill)
            .into()
    };
    let body = column![title(app.t("choose.title")), tabs, main].spacing(20);
    let n = chosen.len();
    frame(
        app,
        role,
        body.into(),
        Some(touch(role, TouchEvent::Back)),
        Some((
            catalog::tf(lang, "choose.next", &[("n", &n.to_string())]),
            (n > 0).then(|| touch(role, TouchEvent::Next)),
        )),
    )
}

fn place_card<'a>(app: &'a App, k: &'a Kiosk, role: Role) -> Element<'a, Message> {
    let how = k.identification().unwrap_or(Identification::Pin);
    let reader_line = match &app.reader {
        super::app::ReaderState::NoService | super::app::ReaderState::NoReader => {
            text(app.t("place.no_reader"))
                .size(style::TEXT)
                .color(style::ALERT)
        }
        _ => text(app.t("place.waiting")).size(style::SMALL),
    };
    let other: Element<'a, Message> = if how == Identification::CodeB {
        big(
            app.t("place.use_pin"),
            Kind::Plain,
            Some(touch(role, TouchEvent::Identify(Identification::Pin))),
        )
        .width(760)
        .into()
    } else {
        big(
            app.t("place.forgot_pin"),
            Kind::Plain,
            Some(touch(role, TouchEvent::Identify(Identification::CodeB))),
        )
        .width(760)
        .into()
    };
    let body = row![
        column![
            title(app.t("place.title")),
            lead(app.t(if how == Identification::CodeB {
                "place.lead_code_b"
            } else {
                "place.lead_pin"
            })),
            reader_line,
            card_on_reader(app.t("place.card"), app.t("place.reader")),
        ]
        .spacing(28)
        .width(Length::FillPortion(3)),
        column![
            lead(app.t("place.other")),
            other,
            big(
                app.t("place.no_card"),
                Kind::Plain,
                Some(touch(role, TouchEvent::Identify(Identification::None))),
            )
            .width(760),
        ]
        .spacing(24)
        .width(Length::FillPortion(2)),
    ]
    .spacing(40);
    frame(
        app,
        role,
        body.into(),
        Some(touch(role, TouchEvent::Back)),
        None,
    )
}

fn pin<'a>(app: &'a App, k: &'a Kiosk, role: Role) -> Element<'a, Message> {
    let lang = app.language();
    let tries = k.tries().and_then(|t| t.pin);
    let tries_line: Element<'a, Message> = match tries {
        Some(n) => text(catalog::tf(lang, "pin.tries", &[("n", &n.to_string())]))
            .size(style::TEXT)
            .color(if n <= 2 { style::ALERT } else { style::INK })
            .into(),
        None => text("").into(),
    };
    let body = row![
        column![
            title(app.t("pin.title")),
            tries_line,
            masked(k.pin_length(), 4),
            lead(app.t("pin.hide")),
        ]
        .spacing(30)
        .width(Length::Fill),
        digit_pad(
            |d| {
                if d > 9 {
                    touch(role, TouchEvent::PinErase)
                } else {
                    touch(role, TouchEvent::PinDigit(d))
                }
            },
            app.t("key.erase"),
            None,
        ),
    ]
    .spacing(60);
    frame(
        app,
        role,
        body.into(),
        Some(touch(role, TouchEvent::Back)),
        Some((
            app.t("place.forgot_pin"),
            Some(touch(role, TouchEvent::Identify(Identification::CodeB))),
        )),
    )
}

fn code_b(app: &App, role: Role) -> Element<'_, Message> {
    let lang = app.language();
    let e = &app.code_b;
    let field_box = |label: String, value: String, active: bool| -> Element<'_, Message> {
        column![
            text(label).size(style::SMALL),
            container(text(value).size(44))
                .padding([12, 20])
                .width(640)
                .style(move |t| {
                    let mut s = style::card(t);
                    if active {
                        s.border.color = style::PRIMARY;
                        s.border.width = 5.0;
                    }
                    s
                }),
        ]
        .spacing(6)
        .into()
    };
    let birth_shown = {
        let d: Vec<char> = e.birth.chars().collect();
        let part = |r: std::ops::Range<usize>| -> String {
            r.map(|i| d.get(i).copied().unwrap_or('＿')).collect()
        };
        format!(
            "{} {}年 {}月 {}日",
            e.era.kanji(),
            part(0..2),
            part(2..4),
            part(4..6)
        )
    };
    let mut eras = Row::new().spacing(12);
    for era in [Era::Taisho, Era::Showa, Era::Heisei, Era::Reiwa] {
        eras = eras.push(
            big(
                era.kanji().to_owned(),
                if e.era == era {
                    Kind::Chosen
                } else {
                    Kind::Plain
                },
                Some(Message::CodeBEra(role, era)),
            )
            .width(150),
        );
    }
    let masked_code = "●".repeat(e.security.len());
    let body = row![
        column![
            title(app.t("code_b.title")),
            lead(app.t("code_b.lead")),
            eras,
            field_box(
                app.t("code_b.birth"),
                birth_shown,
                e.field == CodeBField::Birth
            ),
            field_box(
                app.t("code_b.expiry"),
                e.expiry.to_string(),
                e.field == CodeBField::Expiry
            ),
            field_box(
                app.t("code_b.security"),
                masked_code,
                e.field == CodeBField::Security
            ),
        ]
        .spacing(16)
        .width(Length::Fill),
        digit_pad(
            |d| Message::CodeBKey(role, d),
            catalog::t(lang, "key.erase"),
            None
        ),
    ]
    .spacing(40);
    frame(
        app,
        role,
        body.into(),
        Some(touch(role, TouchEvent::Back)),
        Some((
            app.t("code_b.send"),
            e.event().map(|_| Message::CodeBSend(role)),
        )),
    )
}

fn sex_label(lang: Language, sex: Sex) -> String {
    catalog::t(
        lang,
        match sex {
            Sex::Male => "sex.male",
            Sex::Female => "sex.female",
            Sex::NotApplicable => "sex.not_applicable",
            Sex::Unknown => "sex.unknown",
        },
    )
}

fn confirm<'a>(app: &'a App, k: &'a Kiosk, role: Role) -> Element<'a, Message> {
    let lang = app.language();
    let Some(d) = k.data() else {
        return frame(app, role, lead(app.t("confirm.none")), None, None);
    };
    let line = |label: String, value: String| -> Element<'a, Message> {
        row![
            text(label).size(style::TEXT).width(300).color(style::LINE),
            text(value).size(44).width(Length::Fill),
        ]
        .spacing(20)
        .padding([10, 24])
        .into()
    };
    let birth = d.birth_date();
    let table = Column::new()
        .push(line(app.t("field.name"), d.name().to_owned()))
        .push(line(app.t("field.address"), d.address().to_owned()))
        .push(line(
            app.t("field.birth"),
            format!(
                "{}（{}）",
                crate::wareki::format_kanji(birth),
                catalog::tf(
                    lang,
                    "field.birth_western",
                    &[
                        ("y", &birth.year().to_string()),
                        ("m", &birth.month().to_string()),
                        ("d", &birth.day().to_string())
                    ]
                )
            ),
        ))
        .push(line(app.t("field.sex"), sex_label(lang, d.sex())));
    let mut actions = Row::new().spacing(24);
    actions = actions.push(
        big(
            app.t("confirm.wrong"),
            Kind::Alert,
            Some(touch(role, TouchEvent::DataWrong)),
        )
        .width(560),
    );
    if role == Role::Back && app.staff_mode() {
        actions = actions.push(
            big(
                catalog::t(Language::JA, "clerk.correct"),
                Kind::Clerk,
                Some(Message::StaffCorrect(true)),
            )
            .width(400),
        );
    }
    let body: Element<'a, Message> = if role == Role::Back && app.staff.is_some() {
        super::clerk::staff_form(app)
    } else {
        column![
            title(app.t("confirm.title")),
            container(table).style(style::card).width(Length::Fill),
            actions,
        ]
        .spacing(24)
        .into()
    };
    frame(
        app,
        role,
        body,
        Some(touch(role, TouchEvent::Back)),
        Some((app.t("confirm.ok"), Some(touch(role, TouchEvent::Next)))),
    )
}

fn questions<'a>(app: &'a App, k: &'a Kiosk, form: usize, role: Role) -> Element<'a, Message> {
    let lang = app.language();
    let (Some(t), Some(answers)) = (k.chosen_template(form), k.answers(form)) else {
        return frame(app, role, lead(String::new()), None, None);
    };
    let missing = k.unanswered(form);
    let mut list = Column::new().spacing(14);
    for q in t.spec.questions.iter().map(|q| q.get_ref()) {
        let label = if lang == Language::EN {
            &q.label.en
        } else {
            &q.label.ja
        };
        let value = answers.get(&q.id);
        let control: Element<'a, Message> = match q.kind.as_str() {
            "choice" | "choices" => {
                let mut r = Row::new().spacing(12);
                let picked: Vec<&str> = value.map(|v| v.split(',').collect()).unwrap_or_default();
                for o in &q.options {
                    let on = picked.contains(&o.value.as_str());
                    let new_value = if q.kind == "choices" {
                        let mut set: Vec<&str> =
                            picked.iter().copied().filter(|v| *v != o.value).collect();
                        if !on {
                            set.push(&o.value);
                        }
                        set.join(",")
                    } else {
                        o.value.clone()
                    };
                    let olabel = if lang == Language::EN {
                        &o.label.en
                    } else {
                        &o.label.ja
                    };
                    r = r.push(
                        big(
                            olabel.clone(),
                            if on { Kind::Chosen } else { Kind::Plain },
                            Some(touch(
                                role,
                                TouchEvent::Answer(q.id.clone(), new_value.into()),
                            )),
                        )
                        .width(Length::Shrink),
                    );
                }
                r.wrap().vertical_spacing(12).into()
            }
            "count" => {
                let n: u32 = value.and_then(|v| v.parse().ok()).unwrap_or(0);
                let (lo, hi) = (q.min.unwrap_or(1), q.max.unwrap_or(10));
                row![
                    big(
                        "−".into(),
                        Kind::Plain,
                        (n > lo).then(|| touch(
                            role,
                            TouchEvent::Answer(q.id.clone(), (n - 1).to_string().into())
                        ))
                    )
                    .width(style::TOUCH + 20.0),
                    container(
                        text(catalog::tf(lang, "q.count", &[("n", &n.to_string())])).size(44)
                    )
                    .center_x(200),
                    big(
                        "+".into(),
                        Kind::Plain,
                        (n < hi).then(|| touch(
                            role,
                            TouchEvent::Answer(q.id.clone(), (n + 1).to_string().into())
                        ))
                    )
                    .width(style::TOUCH + 20.0),
                ]
                .spacing(12)
                .align_y(Alignment::Center)
                .into()
            }
            "number" | "kana" => {
                let target = if q.kind == "kana" {
                    EditTarget::Kana {
                        form,
                        question: q.id.clone(),
                    }
                } else {
                    EditTarget::Number {
                        form,
                        question: q.id.clone(),
                    }
                };
                let shown = value
                    .filter(|v| !v.is_empty())
                    .map_or_else(|| app.t("q.tap_to_enter"), str::to_owned);
                if role == Role::Back && app.staff_mode() && q.kind == "kana" {
                    let id = q.id.clone();
                    text_input(&app.t("q.staff_romaji"), value.unwrap_or_default())
                        .on_input(move |s| {
                            touch(
                                Role::Back,
                                TouchEvent::Answer(
                                    id.clone(),
                                    wana_kana::ConvertJapanese::to_katakana(s.as_str()).into(),
                                ),
                            )
                        })
                        .size(style::TEXT)
                        .padding(16)
                        .width(700)
                        .into()
                } else {
                    big(shown, Kind::Plain, Some(Message::Edit(role, target)))
                        .width(700)
                        .into()
                }
            }
            _ => {
                if role == Role::Back && app.staff_mode() {
                    let id = q.id.clone();
                    text_input("", value.unwrap_or_default())
                        .on_input(move |s| {
                            touch(Role::Back, TouchEvent::Answer(id.clone(), s.into()))
                        })
                        .size(style::TEXT)
                        .padding(16)
                        .width(700)
                        .into()
                } else {
                    text(app.t("q.staff_only")).size(style::SMALL).into()
                }
            }
        };
        let mut label_col = column![text(label.clone()).size(style::TEXT)].width(480);
        if missing.contains(&q.id.as_str()) {
            label_col = label_col.push(
                text(app.t("q.required"))
                    .size(style::SMALL)
                    .color(style::ALERT),
            );
        }
        list = list.push(
            container(
                row![label_col, control]
                    .spacing(24)
                    .align_y(Alignment::Center),
            )
            .padding([10, 20])
            .style(style::card)
            .width(Length::Fill),
        );
    }
    let heading = catalog::tf(
        lang,
        "q.title",
        &[("form", &named(lang, "form", &t.spec.id))],
    );
    let body = column![
        title(heading),
        lead(app.t("q.lead")),
        scrollable(list)
            .direction(scrollable::Direction::Vertical(
                scrollable::Scrollbar::new().width(24).scroller_width(24),
            ))
            .height(Length::Fill)
    ]
    .spacing(12);
    frame(
        app,
        role,
        body.into(),
        Some(touch(role, TouchEvent::Back)),
        Some((
            app.t("nav.next"),
            missing.is_empty().then(|| touch(role, TouchEvent::Next)),
        )),
    )
}

fn editor<'a>(
    app: &'a App,
    k: &'a Kiosk,
    target: &'a EditTarget,
    buffer: &'a str,
    role: Role,
) -> Element<'a, Message> {
    let lang = app.language();
    let (form, question, kana) = match target {
        EditTarget::Kana { form, question } => (*form, question, true),
        EditTarget::Number { form, question } => (*form, question, false),
    };
    let label = k
        .chosen_template(form)
        .and_then(|t| {
            t.spec
                .questions
                .iter()
                .map(|q| q.get_ref())
                .find(|q| &q.id == question)
        })
        .map(|q| {
            if lang == Language::EN {
                q.label.en.clone()
            } else {
                q.label.ja.clone()
            }
        })
        .unwrap_or_default();
    let on = move |key: Key| Message::Key(role, key);
    let keys: Element<'a, Message> = if kana {
        kana_keyboard(
            on,
            [
                app.t("key.dakuten"),
                app.t("key.small"),
                app.t("key.space"),
                app.t("key.erase"),
                app.t("key.clear"),
            ],
        )
    } else {
        number_pad(on, app.t("key.erase"))
    };
    column![
        text(label).size(style::TEXT).font(bold()),
        container(text(buffer.to_owned()).size(52))
            .padding([10, 24])
            .width(Length::Fill)
            .height(100)
            .style(style::card),
        keys,
        row![
            big(app.t("key.cancel"), Kind::Plain, Some(on(Key::Cancel))).width(360),
            space::horizontal(),
            big(app.t("key.done"), Kind::Primary, Some(on(Key::Done))).width(420),
        ]
    ]
    .spacing(20)
    .into()
}

fn preview(app: &App, role: Role) -> Element<'_, Message> {
    // Large enough to read every line (about 5.2 px per mm); the resident scrolls down.
    let mut pages = Column::new()
        .spacing(30)
        .width(Length::Fill)
        .align_x(Alignment::Center);
    for page in &app.preview {
        pages = pages.push(
            container(image(page.clone()).width(1100))
                .style(style::card)
                .padding(6),
        );
    }
    let mut body = column![title(app.t("preview.title")), lead(app.t("preview.lead"))].spacing(16);
    if let Some(e) = &app.preview_error {
        body = body.push(text(e.clone()).size(style::SMALL).color(style::ALERT));
    }
    body = body.push(
        scrollable(pages)
            .direction(scrollable::Direction::Vertical(
                scrollable::Scrollbar::new().width(24).scroller_width(24),
            ))
            .height(Length::Fill),
    );
    frame(
        app,
        role,
        body.into(),
        Some(touch(role, TouchEvent::Back)),
        Some((app.t("preview.print"), Some(touch(role, TouchEvent::Print)))),
    )
}

fn done<'a>(app: &'a App, k: &'a Kiosk, role: Role) -> Element<'a, Message> {
    let lang = app.language();
    let window = k.window().map_or("", |w| w.as_str()).to_owned();
    let mut faces = Row::new().spacing(16);
    let given = k.satisfaction();
    for n in 1..=5u8 {
        faces = faces.push(
            big(
                catalog::t(lang, &format!("survey.{n}")),
                if given == Some(n) {
                    Kind::Chosen
                } else {
                    Kind::Plain
                },
                Some(touch(role, TouchEvent::Survey(n))),
            )
            .width(300),
        );
    }
    let mut col = column![title(app.t("done.title"))].spacing(28);
    if k.identification() != Some(Identification::None) {
        col = col.push(
            text(app.t("done.card"))
                .size(48)
                .color(style::ALERT)
                .font(bold()),
        );
    }
    col = col.push(text(catalog::tf(lang, "done.window", &[("window", &window)])).size(44));
    col = col.push(space::vertical().height(30));
    col = col.push(lead(app.t("survey.question")));
    col = col.push(faces);
    frame(
        app,
        role,
        col.into(),
        None,
        Some((app.t("done.finish"), Some(touch(role, TouchEvent::Finish)))),
    )
}

fn see_clerk<'a>(app: &'a App, reason: &'a ClerkReason, role: Role) -> Element<'a, Message> {
    let key = match reason {
        ClerkReason::LastTryGuarded => "see_clerk.guard",
        ClerkReason::Blocked => "see_clerk.blocked",
        ClerkReason::NotMyNumberCard => "see_clerk.not_my_number",
        ClerkReason::ReadFailed(_) => "see_clerk.read_failed",
        ClerkReason::FormFailed(_) => "see_clerk.form_failed",
        ClerkReason::PrintFailed(_) => "see_clerk.print_failed",
        ClerkReason::DataWrong => "see_clerk.data_wrong",
    };
    let mut col = column![
        title(app.t(&format!("{key}.title"))),
        lead(app.t(&format!("{key}.lead"))),
        text(app.t("see_clerk.coming")).size(44).color(style::ALERT),
    ]
    .spacing(28);
    if role == Role::Back {
        let detail = match reason {
            ClerkReason::ReadFailed(m)
            | ClerkReason::FormFailed(m)
            | ClerkReason::PrintFailed(m) => m.clone(),
            _ => catalog::t(Language::JA, &format!("{key}.clerk")),
        };
        col = col.push(
            container(text(detail).size(style::SMALL))
                .padding(16)
                .style(style::card)
                .width(Length::Fill),
        );
    }
    let mut actions = Row::new().spacing(24);
    if matches!(reason, ClerkReason::PrintFailed(_)) {
        actions = actions.push(
            big(
                app.t("see_clerk.retry"),
                Kind::Primary,
                Some(touch(role, TouchEvent::Print)),
            )
            .width(520),
        );
    }
    actions = actions.push(
        big(
            app.t("see_clerk.restart"),
            Kind::Plain,
            Some(touch(role, TouchEvent::Reset)),
        )
        .width(520),
    );
    col = col.push(actions);
    frame(app, role, col.into(), None, None)
}

fn countdown(app: &App, left: i64, role: Role) -> Element<'_, Message> {
    let lang = app.language();
    column![
        title(app.t("countdown.title")),
        text(catalog::tf(
            lang,
            "countdown.left",
            &[("n", &left.to_string())]
        ))
        .size(44),
        row![
            big(
                app.t("countdown.stop"),
                Kind::Plain,
                Some(touch(role, TouchEvent::Reset))
            )
            .width(440),
            big(
                app.t("countdown.continue"),
                Kind::Primary,
                Some(touch(role, TouchEvent::StillHere))
            )
            .width(560),
        ]
        .spacing(40),
    ]
    .spacing(30)
    .align_x(Alignment::Center)
    .into()
}

fn busy(app: &App, what: Busy) -> Element<'_, Message> {
    let key = match what {
        Busy::Checking => "busy.checking",
        Busy::Reading => "busy.reading",
        Busy::Printing => "busy.printing",
    };
    container(
        column![title(app.t(key)), lead(app.t(&format!("{key}_lead"))),]
            .spacing(30)
            .align_x(Alignment::Center),
    )
    .center(Length::Fill)
    .style(style::panel(style::PAGE, style::INK))
    .into()
}

/// Whether the card data holds 〓 (a character the issuing system could not encode) or a
/// character the screen's font cannot draw: the clerk should compare with the card itself.
pub(super) fn has_strange_chars(k: &Kiosk) -> bool {
    let Some(d) = k.data() else {
        return false;
    };
    let fonts = crate::forms::fonts::Fonts::bundled();
    let gothic = fonts.get(crate::forms::fonts::FontKey::Gothic);
    d.name()
        .chars()
        .chain(d.address().chars())
        .any(|c| c == '〓' || gothic.is_some_and(|f| !f.has(c)))
}
