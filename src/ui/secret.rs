//! Text a person typed or chose that may be personal (an answer, the clerk's entry, the admin
//! credential), as it travels in a message.

use zeroize::Zeroizing;

/// Its `Debug` shows nothing but the length, and it is zeroed when dropped, so a message log
/// or a panic message cannot carry the value.
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
