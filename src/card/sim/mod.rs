//! The simulated My Number card: profiles, files, keys, the APDU state machine, and serving it
//! into pcscd's virtual reader.
//!
//! It exists because a real card cannot sit in CI. It is byte-exact to CARD.md so that the
//! reader code tested against it is the code that reads real cards; what it cannot be is a card
//! whose records a J-LIS key signed, which is why it signs with its own test CA.

pub mod card;
pub mod files;
pub mod keys;
pub mod licence;
pub mod profile;
pub mod residence;
pub mod vpcd;

pub use card::SimCard;
pub use keys::SimKeys;
pub use licence::{LicenceProfile, SimLicence};
pub use profile::{AnyProfile, CardKind, CardProfile, ProfileError};
pub use residence::{ResidenceProfile, SimResidence};
