//! The kiosk's logic, with no window types: the session state machine ([`session`]), the work
//! it asks for as values ([`work`]), the services that work runs against ([`services`]), the
//! admin's logic ([`admin`]) and typed entry ([`entry`]). `src/ui` draws
//! [`session::Kiosk::screen`], sends [`session::Event`]s from both touch screens and runs the
//! [`work::Work`] on background tasks.

pub mod admin;
pub mod check;
pub mod chime;
pub mod entry;
pub mod services;
pub mod session;
pub mod work;

pub use session::{
    COUNTDOWN_S, ClerkCall, ClerkReason, Event, Kiosk, KioskConfig, OnRemoval, Screen, unix_now,
};
pub use work::{Busy, Done, Rendered, Work};
