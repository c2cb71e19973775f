//! Identity cards → the basic four fields.
//!
//! - [`read`]: the read over any APDU transport (myna-card's `Transmit`): select, tries, the
//!   lockout guard, VERIFY, EF 0002, the integrity check; [`read::read_any`] for every kind.
//! - [`kind`]: which card it is, by what it answers; [`licence`]: the 運転免許証, with
//!   [`jis`] for its JIS X 0208 text and era dates; [`residence`]: the 在留カード and the
//!   特別永住者証明書, opened by the card number through [`secure_messaging`].
//! - [`pcsc_reader`] and [`monitor`]: real readers through pcscd.
//! - [`sim`]: the simulated card, in-process or behind pcscd's virtual reader.
//!
//! Nothing here knows about screens; the kiosk drives it.

pub mod basic_four;
pub mod credential;
pub mod error;
pub mod integrity;
pub mod jis;
pub mod kind;
pub mod licence;
pub mod monitor;
pub mod pcsc_reader;
pub mod read;
pub mod residence;
pub mod secure_messaging;
pub mod sim;

pub use basic_four::{BasicFour, Date, Sex};
pub use credential::Credential;
pub use error::{CardError, Key};
pub use integrity::{TrustAnchor, TrustAnchors, Unverified, Verification};
pub use kind::CardKind;
pub use read::{
    CardRead, ReadNotes, ReadOptions, Tries, probe, probe_any, read_any, read_basic_four,
    read_residence,
};
pub use residence::ResidenceRead;
