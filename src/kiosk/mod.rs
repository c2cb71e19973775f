//! The kiosk's logic, with no window types: the session state machine ([`session`]) and the
//! services it drives ([`services`]). `src/ui` (a later issue) draws [`session::Kiosk::screen`]
//! and sends [`session::Event`]s from both touch screens.

pub mod services;
pub mod session;

pub use session::{
    COUNTDOWN_S, ClerkReason, Event, Kiosk, KioskConfig, OnRemoval, Screen, unix_now,
};
pub mod admin;
pub mod entry;
