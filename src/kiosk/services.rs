//! What the session drives, behind small traits so that a whole session runs in a test with the
//! simulated card, a folder printer and a temporary usage database.

use std::sync::{Arc, Mutex};

use myna_card::Card;

use crate::card::pcsc_reader;
use crate::card::sim::SimCard;
use crate::card::{CardError, CardRead, Credential, ReadOptions, Tries, probe_any, read_any};
use crate::print::Printer;

/// The reader and the printer a kiosk's [`super::work::Work`] runs against. Cheap to clone
/// (two `Arc`s), and `Send`, so the UI hands one to each background task: the kiosk itself is
/// never shared.
#[derive(Clone)]
pub struct Services {
    /// The card reader.
    pub reader: Arc<dyn CardReader>,
    /// The printer.
    pub printer: Arc<dyn Printer>,
}

/// A card in a reader. Each call is a whole exchange (connect, …, power off), so a reader
/// needs no `&mut` and can be called from whichever thread does the work.
pub trait CardReader: Send + Sync {
    /// Find the card's kind, select its application and read the counters (before the PIN pad).
    fn probe(&self) -> Result<Tries, CardError>;
    /// Read the basic four fields; `None` only for a 運転免許証 with no PIN set.
    fn read(
        &self,
        credential: Option<&Credential>,
        options: &ReadOptions,
    ) -> Result<CardRead, CardError>;
}

/// A PC/SC reader: each call connects exclusively and powers the card off afterwards.
pub struct PcscReader {
    /// The reader's name; `None`: the first reader holding a card.
    pub reader: Option<String>,
}

impl CardReader for PcscReader {
    fn probe(&self) -> Result<Tries, CardError> {
        let (_, mut card) = connect_settled(self.reader.as_deref())?;
        probe_any(&mut card)
    }

    fn read(
        &self,
        credential: Option<&Credential>,
        options: &ReadOptions,
    ) -> Result<CardRead, CardError> {
        let (_, mut card) = pcsc_reader::connect(self.reader.as_deref())?;
        read_any(&mut card, credential, options)
    }
}

/// How long a probe waits for pcscd to settle after the monitor reported a card.
const SETTLE: std::time::Duration = std::time::Duration::from_millis(1500);

/// Connect for a probe. The probe runs because the monitor just reported a card; right after a
/// reader came back (its cable plugged in again) pcscd still answers "no reader", then "no
/// card", for a few hundred milliseconds while it powers the card up. Those two answers are
/// retried for up to [`SETTLE`]; anything else is reported at once.
fn connect_settled(
    reader: Option<&str>,
) -> Result<(String, Card<pcsc_reader::Connection>), CardError> {
    let deadline = std::time::Instant::now() + SETTLE;
    loop {
        match pcsc_reader::connect(reader) {
            Err(CardError::NoReader | CardError::NoCard)
                if std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            other => return other,
        }
    }
}

/// The slot a simulated card sits in: shared between the reader and whoever "places" cards
/// (the demo's card picker on the back screen, tests). `None` is an empty reader.
pub type SimSlot = Arc<Mutex<Option<SimCard>>>;

/// A simulated card held in-process (the demo, and tests).
pub struct SimReader {
    slot: SimSlot,
}

impl SimReader {
    /// A reader holding `card` (or empty).
    pub fn new(card: Option<SimCard>) -> Self {
        SimReader {
            slot: Arc::new(Mutex::new(card)),
        }
    }

    /// The slot, to place or take cards while the kiosk runs.
    pub fn slot(&self) -> SimSlot {
        self.slot.clone()
    }

    fn with_card<T>(
        &self,
        f: impl FnOnce(&mut SimCard) -> Result<T, CardError>,
    ) -> Result<T, CardError> {
        // A poisoned slot only means a panic elsewhere while holding it; the card is still there.
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        let card = slot.as_mut().ok_or(CardError::NoCard)?;
        card.power_off();
        let result = f(card);
        card.power_off();
        result
    }
}

impl CardReader for SimReader {
    fn probe(&self) -> Result<Tries, CardError> {
        self.with_card(|card| probe_any(&mut Card::new(card)))
    }

    fn read(
        &self,
        credential: Option<&Credential>,
        options: &ReadOptions,
    ) -> Result<CardRead, CardError> {
        self.with_card(|card| read_any(&mut Card::new(card), credential, options))
    }
}
