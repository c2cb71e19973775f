//! Enums for the closed sets of a template or `kakanai.toml` (a question's kind, a font, an
//! alignment …): read once, by serde, into a type the code matches on, instead of strings
//! that every user re-parses. A value outside the set is refused while the file is read, so
//! the error carries the file's line (toml's span) and lists the allowed values:
//! `forms/x.toml:12: unknown font "comic" (gothic, gothic-bold, mincho)`.

use std::fmt;

/// A value that is not one of a closed set's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    /// What the set is ("font", "alignment" …).
    pub what: &'static str,
    /// The value found.
    pub value: String,
    /// The values allowed, as written in the file.
    pub allowed: &'static [&'static str],
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown {} {:?} ({})",
            self.what,
            self.value,
            self.allowed.join(", ")
        )
    }
}

/// An enum read from its spelling in a file: `ALL` lists the spellings, `as_str` gives one
/// back, and serde reads it through `TryFrom<String>` with an [`UnknownValue`] error.
macro_rules! closed_set {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize)]
        #[serde(try_from = "String")]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, as written in the file.
            pub const ALL: &'static [&'static str] = &[$($text),+];

            /// The value as written in the file.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )+
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::closed_set::UnknownValue;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                match value.as_str() {
                    $( $text => Ok($name::$variant), )+
                    _ => Err($crate::closed_set::UnknownValue {
                        what: $what,
                        value,
                        allowed: Self::ALL,
                    }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
