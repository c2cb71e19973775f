//! Something only the clerk can resolve. The resident reads what happened in their language;
//! the back window adds, in Japanese, what the clerk needs to know: the failure's own text
//! when the reason carries an error ([`ClerkReason::detail`]), else the reason's note.

use iced::Length;
use iced::widget::{Row, column, container};

use super::{Context, Page, Role};
use crate::i18n;
use crate::i18n::Language;
use crate::kiosk::{ClerkReason, Event};
use crate::ui::ruby::ruby;
use crate::ui::style::{self, Kind};
use crate::ui::widgets::text;
use crate::ui::widgets::{big, lead, title};

/// A touch on the see-the-clerk screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// Print again (after a print failure).
    Retry,
    /// Start over.
    Restart,
    /// Take the card off and place one again (the chosen forms stay).
    SwapCard,
}

/// The session event a touch makes.
pub fn update(message: Message) -> Option<Event> {
    Some(match message {
        Message::Retry => Event::Print,
        Message::Restart => Event::Reset,
        Message::SwapCard => Event::Back,
    })
}

/// The catalog prefix of a reason.
pub fn key(reason: &ClerkReason) -> &'static str {
    match reason {
        ClerkReason::LastTryGuarded => "see_clerk.guard",
        ClerkReason::Blocked => "see_clerk.blocked",
        ClerkReason::NotMyNumberCard => "see_clerk.not_my_number",
        ClerkReason::ReadFailed(_) => "see_clerk.read_failed",
        ClerkReason::FormFailed(_) => "see_clerk.form_failed",
        ClerkReason::PrintFailed(_) => "see_clerk.print_failed",
        ClerkReason::DataWrong => "see_clerk.data_wrong",
    }
}

/// What is read aloud on entering, for each reason: what happened and that the clerk is
/// coming (the clerk's detail on the back is never read).
const SPOKEN: [&[&str]; 7] = [
    &[
        "see_clerk.guard.title",
        "see_clerk.guard.lead",
        "see_clerk.coming",
    ],
    &[
        "see_clerk.blocked.title",
        "see_clerk.blocked.lead",
        "see_clerk.coming",
    ],
    &[
        "see_clerk.not_my_number.title",
        "see_clerk.not_my_number.lead",
        "see_clerk.coming",
    ],
    &[
        "see_clerk.read_failed.title",
        "see_clerk.read_failed.lead",
        "see_clerk.coming",
    ],
    &[
        "see_clerk.form_failed.title",
        "see_clerk.form_failed.lead",
        "see_clerk.coming",
    ],
    &[
        "see_clerk.print_failed.title",
        "see_clerk.print_failed.lead",
        "see_clerk.coming",
    ],
    &[
        "see_clerk.data_wrong.title",
        "see_clerk.data_wrong.lead",
        "see_clerk.coming",
    ],
];

/// What is read aloud on entering for `reason`.
pub fn spoken(reason: &ClerkReason) -> &'static [&'static str] {
    SPOKEN[match reason {
        ClerkReason::LastTryGuarded => 0,
        ClerkReason::Blocked => 1,
        ClerkReason::NotMyNumberCard => 2,
        ClerkReason::ReadFailed(_) => 3,
        ClerkReason::FormFailed(_) => 4,
        ClerkReason::PrintFailed(_) => 5,
        ClerkReason::DataWrong => 6,
    }]
}

/// What is read aloud for every reason (synthesised ahead).
pub fn every_spoken() -> [&'static [&'static str]; 7] {
    SPOKEN
}

/// The screen.
pub fn view<'a>(cx: &Context<'a>, reason: &'a ClerkReason) -> Page<'a, Message> {
    let key = key(reason);
    let mut col = column![
        title(cx.rt(&format!("{key}.title"))),
        lead(cx.rt(&format!("{key}.lead"))),
        ruby(cx.rt("see_clerk.coming")).size(44).color(style::ALERT),
    ]
    .spacing(28);
    if cx.role == Role::Back {
        let detail = match reason.detail() {
            Some(text) => text.in_language(Language::JA),
            None => i18n::t(Language::JA, &format!("{key}.clerk")),
        };
        col = col.push(
            container(text(detail).size(style::SMALL))
                .padding(16)
                .style(style::card)
                .width(Length::Fill),
        );
    }
    let swap = matches!(
        reason,
        ClerkReason::NotMyNumberCard | ClerkReason::ReadFailed(_)
    );
    if swap {
        col = col.push(lead(cx.rt("see_clerk.swap_lead")));
    }
    let mut actions = Row::new().spacing(24);
    if swap {
        actions = actions.push(
            big(
                cx.rt("see_clerk.swap_card"),
                Kind::Primary,
                Some(Message::SwapCard),
            )
            .width(560),
        );
    }
    if matches!(reason, ClerkReason::PrintFailed(_)) {
        actions = actions.push(
            big(
                cx.rt("see_clerk.retry"),
                Kind::Primary,
                Some(Message::Retry),
            )
            .width(520),
        );
    }
    actions = actions.push(
        big(
            cx.rt("see_clerk.restart"),
            Kind::Plain,
            Some(Message::Restart),
        )
        .width(520),
    );
    Page::new(col.push(actions))
}
