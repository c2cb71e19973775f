//! What the session drives, behind small traits so that a whole session runs in a test with the
//! simulated card, a folder printer and a temporary usage database.

use myna_card::Card;

use crate::card::pcsc_reader;
use crate::card::sim::SimCard;
use crate::card::{CardError, CardRead, Credential, ReadOptions, Tries, probe, read_basic_four};

/// A card in a reader.
pub trait CardReader: Send {
    /// Select the application and read both counters (before the PIN pad).
    fn probe(&mut self) -> Result<Tries, CardError>;
    /// Read the basic four fields.
    fn read(
        &mut self,
        credential: &Credential,
        options: &ReadOptions,
    ) -> Result<CardRead, CardError>;
}

/// A PC/SC reader: each call connects exclusively and powers the card off afterwards.
pub struct PcscReader {
    /// The reader's name; `None`: the first reader holding a card.
    pub reader: Option<String>,
}

impl CardReader for PcscReader {
    fn probe(&mut self) -> Result<Tries, CardError> {
        let (_, mut card) = pcsc_reader::connect(self.reader.as_deref())?;
        probe(&mut card)
    }

    fn read(
        &mut self,
        credential: &Credential,
        options: &ReadOptions,
    ) -> Result<CardRead, CardError> {
        let (_, mut card) = pcsc_reader::connect(self.reader.as_deref())?;
        read_basic_four(&mut card, credential, options)
    }
}

/// A simulated card held in-process (the demo's card picker, and tests). `None` is an empty
/// reader.
pub struct SimReader {
    /// The card "placed" on the reader.
    pub card: Option<SimCard>,
}

impl CardReader for SimReader {
    fn probe(&mut self) -> Result<Tries, CardError> {
        let card = self.card.as_mut().ok_or(CardError::NoCard)?;
        card.power_off();
        probe(&mut Card::new(card))
    }

    fn read(
        &mut self,
        credential: &Credential,
        options: &ReadOptions,
    ) -> Result<CardRead, CardError> {
        let card = self.card.as_mut().ok_or(CardError::NoCard)?;
        card.power_off();
        let read = read_basic_four(&mut Card::new(&mut *card), credential, options);
        card.power_off();
        read
    }
}
