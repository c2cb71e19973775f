//! What can go wrong while reading a card, named so the kiosk can tell the resident what to do
//! and the clerk what happened.
//!
//! No variant carries a value read from the card or typed by the resident: these errors reach
//! logs and the clerk's screen. `Malformed` says *which* field was wrong and how, never its
//! content.

use std::fmt;

use crate::i18n::Text;

/// Which secret a VERIFY used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// The 4-digit 暗証番号 (券面事項入力補助用).
    Pin,
    /// 照合番号B: date of birth, expiry year and security code.
    CodeB,
    /// The 運転免許証's 暗証番号1 (4 digits). Blocked, it is reset only at a police station.
    LicencePin,
    /// The 12-character number printed on a 在留カード / 特別永住者証明書. The card counts no
    /// tries for it (在留カード等仕様書): it never blocks.
    CardNumber,
}

impl Key {
    /// The secret's name in the catalogs.
    pub fn catalog_key(self) -> &'static str {
        match self {
            Key::Pin => "secret.pin",
            Key::CodeB => "secret.code_b",
            Key::LicencePin => "secret.licence_pin",
            Key::CardNumber => "secret.card_number",
        }
    }

    /// Where a blocked key is reset: the municipal office resets the My Number card's keys,
    /// only a police station the licence's.
    pub fn reset_place(self) -> &'static str {
        match self {
            Key::Pin | Key::CodeB => "at the municipal office window",
            Key::LicencePin => {
                "at a police station (運転免許センター or 警察署), not at this office"
            }
            Key::CardNumber => "nowhere: the card number is never blocked",
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Key::Pin => "PIN",
            Key::CodeB => "照合番号B",
            Key::LicencePin => "運転免許証 PIN1",
            Key::CardNumber => "在留カード card number",
        })
    }
}

/// An error from the card layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    /// pcscd is not running or not reachable.
    #[error(
        "the smart-card service (pcscd) is not running; start it (systemctl start pcscd) and try again"
    )]
    NoService,
    /// The service runs but has no reader.
    #[error("no card reader is connected; plug in the reader and try again")]
    NoReader,
    /// `--reader NAME` or the config named a reader that is not there.
    #[error("no card reader named {0:?}; `kakanai card readers` lists the connected ones")]
    ReaderNotFound(String),
    /// The reader is empty.
    #[error("no card in the reader; place the My Number card on the reader")]
    NoCard,
    /// The card has no 券面事項入力補助AP: a bank card, a transit card, a driver's licence…
    #[error(
        "this card is not a My Number card (it has no 券面事項入力補助AP); place a My Number card"
    )]
    NotMyNumberCard,
    /// A card the kiosk recognises but cannot read (yet): the message names it.
    #[error("this {0} cannot be read at this kiosk; please see the clerk")]
    KindNotReadable(&'static str),
    /// The 運転免許証 has expired and `[card] accept_expired_licence` is off.
    #[error(
        "the 運転免許証 has expired, and this office does not accept an expired licence ([card] accept_expired_licence); please see the clerk"
    )]
    ExpiredLicence,
    /// The card number typed does not open this 在留カード / 特別永住者証明書. The card counts
    /// nothing, so there is no lockout; the kiosk still stops after a few (see the clerk).
    #[error(
        "the card number does not match this card; check the 12 characters printed on it (the card counts no tries: nothing was locked)"
    )]
    WrongCardNumber,
    /// The reader (or its driver) passes no extended APDUs, which every secure-messaging read
    /// of a 在留カード is.
    #[error(
        "this card reader cannot read a 在留カード or 特別永住者証明書: it passes no extended APDUs; use a reader that does (most USB NFC readers with a CCID driver do), or see the clerk"
    )]
    NoExtendedApdus,
    /// The period of stay on a 在留カード has ended and `[card] accept_expired_residence_card`
    /// is off.
    #[error(
        "the period of stay on this 在留カード has ended, and this office does not accept it ([card] accept_expired_residence_card); please see the clerk"
    )]
    ExpiredStay,
    /// Another program holds the card exclusively.
    #[error("the card is in use by another program; close it and try again")]
    CardBusy,
    /// VERIFY failed; the card counted one try.
    #[error("wrong {key}: {} left", tries_text(*.tries_left))]
    WrongPin {
        /// Which secret.
        key: Key,
        /// Tries left after this failure, when the card said.
        tries_left: Option<u8>,
    },
    /// The counter is at zero. Only the municipal office can reset it.
    #[error("the {key} is blocked; it can only be reset {}", .key.reset_place())]
    Blocked {
        /// Which secret.
        key: Key,
    },
    /// The lockout guard: so few tries are left that the kiosk sent nothing.
    #[error("only {} left for the {key}: nothing was sent to the card, please see the clerk", tries_text(Some(*.tries_left)))]
    LastTryGuarded {
        /// Which secret.
        key: Key,
        /// Tries left on the card (untouched).
        tries_left: u8,
    },
    /// The entered secret cannot be sent at all (not 4 digits, …).
    #[error("invalid {key}: {reason}")]
    InvalidCredential {
        /// Which secret.
        key: Key,
        /// What is wrong with its shape (never its value).
        reason: &'static str,
    },
    /// The card left the reader in the middle of an exchange.
    #[error("the card was removed during the read; place it again and keep it on the reader")]
    CardRemoved,
    /// The card's data is not what the 券面事項入力補助AP holds.
    #[error("the card's data is malformed: {0}")]
    Malformed(String),
    /// The card answered a status the protocol does not expect at that step.
    #[error("the card answered {sw:04X} to {during}")]
    UnexpectedStatus {
        /// SW1-SW2.
        sw: u16,
        /// The step, e.g. "READ BINARY of EF 0002".
        during: &'static str,
    },
    /// The reader, the link or the service failed.
    #[error("the card reader failed: {0}")]
    Transport(String),
}

fn tries_text(tries: Option<u8>) -> String {
    match tries {
        Some(1) => "1 try".to_owned(),
        Some(n) => format!("{n} tries"),
        None => "an unknown number of tries".to_owned(),
    }
}

impl CardError {
    /// Map a PC/SC error. Called only with errors from the link, never with card data.
    pub fn from_pcsc(err: pcsc::Error) -> Self {
        use pcsc::Error as E;
        match err {
            E::NoService | E::ServiceStopped => CardError::NoService,
            E::NoReadersAvailable => CardError::NoReader,
            E::UnknownReader | E::ReaderUnavailable => CardError::NoReader,
            E::NoSmartcard => CardError::NoCard,
            E::RemovedCard | E::ResetCard => CardError::CardRemoved,
            E::SharingViolation => CardError::CardBusy,
            other => CardError::Transport(other.to_string()),
        }
    }

    /// Map an error from myna-card at a given step. `Malformed` texts from myna-card are not
    /// passed through, because some of them quote the bytes that failed to parse (a date of
    /// birth in hex, for one); the caller names what was malformed instead.
    pub(crate) fn from_myna(err: myna_card::Error, during: &'static str) -> Self {
        use myna_card::Error as E;
        match err {
            E::Pcsc(e) => CardError::from_pcsc(e),
            E::NoReader => CardError::NoReader,
            E::ReaderNotFound(name) => CardError::ReaderNotFound(name),
            E::Status(sw) => CardError::UnexpectedStatus {
                sw: sw.value(),
                during,
            },
            E::ShortResponse(n) => CardError::Transport(format!(
                "the card's answer to {during} was {n} byte(s), too short for a status word"
            )),
            E::Malformed(_) => {
                CardError::Malformed(format!("{during} returned data that does not parse"))
            }
            other => CardError::Transport(format!("{during}: {other}")),
        }
    }

    /// What happened, for the clerk's window, as a catalog sentence ([`crate::i18n`]): the
    /// clerk of a Japanese office reads it in Japanese; the English [`Display`](fmt::Display)
    /// text is for the CLI and the logs. Like that text, it names steps and codes, never a
    /// value from the card.
    pub fn for_clerk(&self) -> Text {
        match self {
            CardError::NoService => Text::new("error.card.no_service"),
            CardError::NoReader => Text::new("error.card.no_reader"),
            CardError::ReaderNotFound(name) => {
                Text::new("error.card.reader_not_found").arg("name", name)
            }
            CardError::NoCard => Text::new("error.card.no_card"),
            CardError::NotMyNumberCard => Text::new("error.card.not_my_number"),
            CardError::CardBusy => Text::new("error.card.busy"),
            CardError::WrongPin { key, tries_left } => match tries_left {
                Some(n) => Text::new("error.card.wrong")
                    .arg_key("key", key.catalog_key())
                    .arg("n", n),
                None => Text::new("error.card.wrong_unknown").arg_key("key", key.catalog_key()),
            },
            CardError::Blocked {
                key: Key::LicencePin,
            } => Text::new("error.card.blocked_licence"),
            CardError::Blocked { key } => {
                Text::new("error.card.blocked").arg_key("key", key.catalog_key())
            }
            CardError::KindNotReadable(what) => {
                Text::new("error.card.kind_not_readable").arg("what", what)
            }
            CardError::ExpiredLicence => Text::new("error.card.expired_licence"),
            CardError::WrongCardNumber => Text::new("error.card.wrong_card_number"),
            CardError::NoExtendedApdus => Text::new("error.card.no_extended_apdus"),
            CardError::ExpiredStay => Text::new("error.card.expired_stay"),
            CardError::LastTryGuarded { key, tries_left } => Text::new("error.card.guarded")
                .arg_key("key", key.catalog_key())
                .arg("n", tries_left),
            CardError::InvalidCredential { key, reason } => Text::new("error.card.invalid")
                .arg_key("key", key.catalog_key())
                .arg("reason", reason),
            CardError::CardRemoved => Text::new("error.card.removed"),
            CardError::Malformed(what) => Text::new("error.card.malformed").arg("what", what),
            CardError::UnexpectedStatus { sw, during } => Text::new("error.card.status")
                .arg("sw", format!("{sw:04X}"))
                .arg("during", during),
            CardError::Transport(what) => Text::new("error.card.transport").arg("what", what),
        }
    }

    /// Whether the resident should be sent to the clerk rather than asked to try again.
    pub fn needs_clerk(&self) -> bool {
        matches!(
            self,
            CardError::Blocked { .. }
                | CardError::LastTryGuarded { .. }
                | CardError::KindNotReadable(_)
                | CardError::ExpiredLicence
                | CardError::NoExtendedApdus
                | CardError::ExpiredStay
                | CardError::Malformed(_)
                | CardError::UnexpectedStatus { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcsc_errors_map_to_what_happened() {
        use pcsc::Error as E;
        let cases = [
            (E::NoService, "NoService"),
            (E::ServiceStopped, "NoService"),
            (E::NoReadersAvailable, "NoReader"),
            (E::ReaderUnavailable, "NoReader"),
            (E::NoSmartcard, "NoCard"),
            (E::RemovedCard, "CardRemoved"),
            (E::SharingViolation, "CardBusy"),
            (E::CommError, "Transport"),
        ];
        for (err, want) in cases {
            let got = format!("{:?}", CardError::from_pcsc(err));
            assert!(got.starts_with(want), "{err:?} → {got}");
        }
    }

    #[test]
    fn myna_errors_keep_the_step_but_never_the_malformed_text() {
        let err = CardError::from_myna(
            myna_card::Error::Malformed("expected 8 digits, got 3139383030323137".into()),
            "READ BINARY of EF 0002",
        );
        let shown = err.to_string();
        assert!(
            shown.contains("EF 0002") && !shown.contains("3139"),
            "{shown}"
        );
        let err = CardError::from_myna(myna_card::Error::ShortResponse(0), "VERIFY");
        assert!(err.to_string().contains("VERIFY"));
    }

    #[test]
    fn messages_tell_the_resident_what_to_do() {
        let wrong = CardError::WrongPin {
            key: Key::Pin,
            tries_left: Some(1),
        };
        assert_eq!(wrong.to_string(), "wrong PIN: 1 try left");
        let guarded = CardError::LastTryGuarded {
            key: Key::CodeB,
            tries_left: 1,
        };
        assert!(guarded.to_string().contains("clerk") && guarded.needs_clerk());
        assert!(
            CardError::Blocked { key: Key::Pin }
                .to_string()
                .contains("municipal office")
        );
        let licence = CardError::Blocked {
            key: Key::LicencePin,
        }
        .to_string();
        assert!(
            licence.contains("police station") && !licence.contains("municipal office"),
            "{licence}"
        );
        assert!(!wrong.needs_clerk());
        assert!(CardError::NoService.to_string().contains("pcscd"));
    }

    #[test]
    fn the_clerk_reads_what_happened_in_japanese_or_english() {
        use crate::i18n::Language;
        let ja = |e: &CardError| e.for_clerk().in_language(Language::JA);
        assert!(ja(&CardError::NoReader).contains("カードリーダー"));
        assert!(ja(&CardError::CardRemoved).contains("離れました"));
        let wrong = CardError::WrongPin {
            key: Key::Pin,
            tries_left: Some(2),
        };
        assert_eq!(ja(&wrong), "暗証番号が違います（残り 2 回）");
        assert_eq!(
            wrong.for_clerk().in_language(Language::EN),
            "Wrong PIN (2 tries left)."
        );
        let status = CardError::UnexpectedStatus {
            sw: 0x6A82,
            during: "SELECT",
        };
        assert!(ja(&status).contains("6A82") && ja(&status).contains("SELECT"));
        // Every variant has its sentence in both catalogs.
        let all = [
            CardError::NoService,
            CardError::NoReader,
            CardError::ReaderNotFound("r".into()),
            CardError::NoCard,
            CardError::NotMyNumberCard,
            CardError::CardBusy,
            wrong.clone(),
            CardError::WrongPin {
                key: Key::CodeB,
                tries_left: None,
            },
            CardError::Blocked { key: Key::Pin },
            CardError::Blocked {
                key: Key::LicencePin,
            },
            CardError::KindNotReadable("在留カード"),
            CardError::ExpiredLicence,
            CardError::LastTryGuarded {
                key: Key::Pin,
                tries_left: 1,
            },
            CardError::InvalidCredential {
                key: Key::Pin,
                reason: "x",
            },
            CardError::CardRemoved,
            CardError::Malformed("x".into()),
            status,
            CardError::Transport("x".into()),
        ];
        for e in all {
            for lang in [Language::JA, Language::EN] {
                let s = e.for_clerk().in_language(lang);
                assert!(!s.contains('⟦') && !s.contains('{'), "{e:?}: {s}");
            }
        }
    }
}
