//! Card readers through PC/SC (pcscd).
//!
//! The connection is exclusive while a PIN is presented — a verified status outlives the command
//! that set it, and another program sharing the card could use it — and the card is powered off
//! when the connection is dropped, which is what clears that status (a warm reset does not).

use std::time::{Duration, Instant};

use myna_card::{Card, Transmit};
use pcsc::{Context, Disposition, Protocols, ReaderState, Scope, ShareMode, State};
use tracing::debug;
use zeroize::Zeroize;

use super::error::CardError;

/// A reader and whether a card is in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderInfo {
    /// The name pcscd gives it.
    pub name: String,
    /// Whether a card is present.
    pub card_present: bool,
}

fn establish() -> Result<Context, CardError> {
    Context::establish(Scope::User).map_err(CardError::from_pcsc)
}

fn reader_names(ctx: &Context) -> Result<Vec<String>, CardError> {
    match ctx.list_readers_owned() {
        Ok(names) => Ok(names
            .iter()
            .map(|n| n.to_string_lossy().into_owned())
            .collect()),
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(e) => Err(CardError::from_pcsc(e)),
    }
}

fn states_of(ctx: &Context, names: &[String]) -> Result<Vec<ReaderInfo>, CardError> {
    let mut states: Vec<ReaderState> = names
        .iter()
        .filter_map(|n| std::ffi::CString::new(n.as_str()).ok())
        .map(|n| ReaderState::new(n, State::UNAWARE))
        .collect();
    if states.is_empty() {
        return Ok(Vec::new());
    }
    match ctx.get_status_change(Duration::ZERO, &mut states) {
        Ok(()) | Err(pcsc::Error::Timeout) => {}
        Err(e) => return Err(CardError::from_pcsc(e)),
    }
    Ok(states
        .iter()
        .map(|s| ReaderInfo {
            name: s.name().to_string_lossy().into_owned(),
            card_present: s.event_state().contains(State::PRESENT),
        })
        .collect())
}

/// Every reader pcscd knows, with card presence.
pub fn list_readers() -> Result<Vec<ReaderInfo>, CardError> {
    let ctx = establish()?;
    let names = reader_names(&ctx)?;
    states_of(&ctx, &names)
}

/// Wait until a card is present in the named reader (or in any reader), up to `timeout`.
/// Returns the reader's name.
pub fn wait_for_card(reader: Option<&str>, timeout: Duration) -> Result<String, CardError> {
    let deadline = Instant::now() + timeout;
    loop {
        let readers = list_readers()?;
        if let Some(name) = reader {
            if !readers.iter().any(|r| r.name == name) {
                return Err(CardError::ReaderNotFound(name.to_owned()));
            }
        } else if readers.is_empty() {
            return Err(CardError::NoReader);
        }
        if let Some(found) = readers
            .iter()
            .find(|r| r.card_present && reader.is_none_or(|n| n == r.name))
        {
            return Ok(found.name.clone());
        }
        if Instant::now() >= deadline {
            return Err(CardError::NoCard);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Wait until the named reader is empty (the card was taken), up to `timeout`.
pub fn wait_for_removal(reader: &str, timeout: Duration) -> Result<(), CardError> {
    let deadline = Instant::now() + timeout;
    loop {
        let readers = list_readers()?;
        match readers.iter().find(|r| r.name == reader) {
            None => return Err(CardError::ReaderNotFound(reader.to_owned())),
            Some(r) if !r.card_present => return Ok(()),
            Some(_) if Instant::now() >= deadline => {
                return Err(CardError::Transport(format!(
                    "the card is still in {reader:?} after {} s",
                    timeout.as_secs()
                )));
            }
            Some(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// An exclusive connection to a card, powered off when dropped.
pub struct Connection {
    card: Option<pcsc::Card>,
    buffer: Vec<u8>,
}

impl Connection {
    /// Connect exclusively to the card in `reader`.
    pub fn open(reader: &str) -> Result<Self, CardError> {
        let ctx = establish()?;
        let name = std::ffi::CString::new(reader)
            .map_err(|_| CardError::ReaderNotFound(reader.to_owned()))?;
        let card = ctx
            .connect(&name, ShareMode::Exclusive, Protocols::ANY)
            .map_err(|e| match e {
                pcsc::Error::UnknownReader => CardError::ReaderNotFound(reader.to_owned()),
                other => CardError::from_pcsc(other),
            })?;
        debug!("card.connected_exclusive");
        Ok(Connection {
            card: Some(card),
            buffer: vec![0; pcsc::MAX_BUFFER_SIZE],
        })
    }

    /// Power the card off now (also done on drop).
    pub fn close(mut self) -> Result<(), CardError> {
        self.power_off()
    }

    fn power_off(&mut self) -> Result<(), CardError> {
        match self.card.take() {
            Some(card) => card
                .disconnect(Disposition::UnpowerCard)
                .map_err(|(_, e)| CardError::from_pcsc(e)),
            None => Ok(()),
        }
    }
}

impl Transmit for Connection {
    fn transmit(&mut self, command: &[u8]) -> myna_card::Result<Vec<u8>> {
        let card = self
            .card
            .as_ref()
            .ok_or(myna_card::Error::Pcsc(pcsc::Error::InvalidHandle))?;
        let result = card
            .transmit(command, &mut self.buffer)
            .map(<[u8]>::to_vec)
            .and_then(|response| {
                // vpcd (and some readers) answer an empty response when the card leaves in
                // the middle of an exchange; if the card is gone, say so.
                if response.len() < 2 && card_left(card) {
                    Err(pcsc::Error::RemovedCard)
                } else {
                    Ok(response)
                }
            })
            .map_err(|e| match e {
                // The card left in the middle of an exchange, however the reader phrases it.
                pcsc::Error::NoSmartcard | pcsc::Error::RemovedCard | pcsc::Error::ResetCard => {
                    myna_card::Error::Pcsc(pcsc::Error::RemovedCard)
                }
                other => myna_card::Error::Pcsc(other),
            });
        // The buffer held a response that may carry personal data.
        self.buffer.as_mut_slice().zeroize();
        result
    }
}

/// Whether the card has left the reader, looking for up to a second: pcscd learns of a removal
/// by polling the reader driver, so right after a dead exchange it may still say "present".
fn card_left(card: &pcsc::Card) -> bool {
    for _ in 0..10 {
        let present = card
            .status2_owned()
            .is_ok_and(|status| status.status().contains(pcsc::Status::PRESENT));
        if !present {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

impl Drop for Connection {
    fn drop(&mut self) {
        let _ = self.power_off();
    }
}

/// Connect to the card in `reader`, or in the first reader holding one.
pub fn connect(reader: Option<&str>) -> Result<(String, Card<Connection>), CardError> {
    let name = wait_for_card(reader, Duration::ZERO)?;
    let connection = Connection::open(&name)?;
    Ok((name, Card::new(connection)))
}
