//! Serving a simulated card into pcscd's virtual reader (vsmartcard's vpcd driver).
//!
//! vpcd listens on a TCP port per virtual reader; the card side connects to it. Each message is
//! a 2-byte big-endian length and a payload. A 1-byte payload is a control byte (`00` power off,
//! `01` power on, `02` reset — no reply; `04` ATR — reply with the ATR); anything else is a
//! command APDU, answered with the response APDU. Closing the socket is removing the card.
//!
//! Latency: the driver writes the length and the payload separately, so without `TCP_NODELAY`
//! and a fresh `TCP_QUICKACK` before every read each APDU waits ~44 ms for a delayed ACK (CARD.md
//! measured 396 ms per read without, 4 ms with).
//!
//! Always 127.0.0.1: vpcd listens on every interface, and a card is served only to this machine.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use socket2::SockRef;
use tracing::{debug, info};

use super::card::SimCard;

/// A card that can sit in the virtual reader: the My Number simulator, the licence, …
pub trait VirtualCard: Send + 'static {
    /// The ATR it answers with (never used to identify it).
    fn atr(&self) -> &[u8];
    /// Answer one command APDU.
    fn process(&mut self, apdu: &[u8]) -> Vec<u8>;
    /// Power off: every security status and selection is gone.
    fn power_off(&mut self);
    /// Warm reset; by default nothing changes (a verified PIN survives it on real cards).
    fn warm_reset(&mut self) {}
}

impl VirtualCard for SimCard {
    fn atr(&self) -> &[u8] {
        SimCard::atr(self)
    }
    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        SimCard::process(self, apdu)
    }
    fn power_off(&mut self) {
        SimCard::power_off(self)
    }
    fn warm_reset(&mut self) {
        SimCard::warm_reset(self)
    }
}

/// The first virtual reader's port in Debian's `/etc/reader.conf.d/vpcd`.
pub const DEFAULT_PORT: u16 = 0x8C7B;

/// Faults a test can ask the card to show.
#[derive(Debug, Clone, Copy, Default)]
pub struct Faults {
    /// Leave the reader (close the socket) instead of answering the N-th APDU of a connection.
    pub remove_after_apdus: Option<usize>,
    /// Behave like a naive card-side client: no `TCP_NODELAY`, no `TCP_QUICKACK`. Only for the
    /// benchmark that shows what those two settings are worth.
    pub delayed_acks: bool,
}

/// How one connection ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// pcscd closed the connection (it stopped, or the driver was unloaded).
    ClosedByReader,
    /// We removed the card: [`Stop`] was set or a fault said so.
    Removed,
}

/// A flag that stops a serving card; the socket is shut down to unblock its read.
#[derive(Clone, Default)]
pub struct Stop {
    flag: Arc<AtomicBool>,
    stream: Arc<Mutex<Option<TcpStream>>>,
}

impl Stop {
    /// Take the card out of the reader.
    pub fn stop(&self) {
        self.flag.store(true, Ordering::SeqCst);
        if let Some(s) = self
            .stream
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
        {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    /// Whether [`Stop::stop`] was called.
    pub fn is_stopped(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }
}

/// Connect to vpcd on 127.0.0.1:`port`, retrying until `timeout` while pcscd starts.
pub fn connect(port: u16, timeout: Duration) -> io::Result<TcpStream> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + timeout;
    loop {
        match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
            Ok(stream) => {
                stream.set_nodelay(true)?;
                return Ok(stream);
            }
            Err(e) if Instant::now() >= deadline => return Err(e),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// Answer vpcd on one connection until it closes or the card is removed.
pub fn serve_connection<C: VirtualCard + ?Sized>(
    card: &Mutex<C>,
    stream: TcpStream,
    stop: &Stop,
    faults: Faults,
) -> io::Result<Ended> {
    *stop.stream.lock().unwrap_or_else(PoisonError::into_inner) = Some(stream.try_clone()?);
    let mut stream = stream;
    if faults.delayed_acks {
        stream.set_nodelay(false)?;
    }
    let mut apdus = 0usize;
    let result = loop {
        if stop.is_stopped() {
            break Ok(Ended::Removed);
        }
        let message = match read_message(&mut stream, !faults.delayed_acks) {
            Ok(Some(m)) => m,
            Ok(None) => {
                break Ok(if stop.is_stopped() {
                    Ended::Removed
                } else {
                    Ended::ClosedByReader
                });
            }
            Err(_) if stop.is_stopped() => break Ok(Ended::Removed),
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {
                break Ok(Ended::ClosedByReader);
            }
            Err(e) => break Err(e),
        };
        let mut card = card.lock().unwrap_or_else(PoisonError::into_inner);
        match message.as_slice() {
            [0x00] => card.power_off(),
            [0x01] => {}
            [0x02] => card.warm_reset(),
            [0x04] => write_message(&mut stream, card.atr())?,
            [other] => debug!(control = other, "vpcd.unknown_control"),
            apdu => {
                apdus += 1;
                if faults.remove_after_apdus.is_some_and(|n| apdus >= n) {
                    info!(apdus, "vpcd.fault.removed");
                    break Ok(Ended::Removed);
                }
                let response = card.process(apdu);
                write_message(&mut stream, &response)?;
            }
        }
    };
    let _ = stream.shutdown(Shutdown::Both);
    *stop.stream.lock().unwrap_or_else(PoisonError::into_inner) = None;
    result
}

fn read_message(stream: &mut TcpStream, quickack: bool) -> io::Result<Option<Vec<u8>>> {
    // Linux clears TCP_QUICKACK after it fires, so it is set again before every read.
    if quickack {
        let _ = SockRef::from(&*stream).set_tcp_quickack(true);
    }
    let mut len = [0u8; 2];
    match stream.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let mut payload = vec![0u8; usize::from(u16::from_be_bytes(len))];
    if quickack {
        let _ = SockRef::from(&*stream).set_tcp_quickack(true);
    }
    stream.read_exact(&mut payload)?;
    Ok(Some(payload))
}

fn write_message(stream: &mut TcpStream, payload: &[u8]) -> io::Result<()> {
    let mut message = Vec::with_capacity(payload.len() + 2);
    message.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    message.extend_from_slice(payload);
    stream.write_all(&message)
}

/// A card sitting in a virtual reader, served by a background thread; for tests and the demo.
pub struct InsertedCard<C: VirtualCard = SimCard> {
    stop: Stop,
    thread: Option<JoinHandle<io::Result<Ended>>>,
    /// The card, shared with the serving thread so a test can look at its counters.
    pub card: Arc<Mutex<C>>,
}

impl<C: VirtualCard> InsertedCard<C> {
    /// Connect to vpcd on `port` and serve `card` until [`InsertedCard::remove`].
    pub fn insert(card: C, port: u16, faults: Faults) -> io::Result<Self> {
        Self::insert_shared(Arc::new(Mutex::new(card)), port, faults)
    }

    /// The same with a card the caller keeps a handle on (to insert it again later).
    pub fn insert_shared(card: Arc<Mutex<C>>, port: u16, faults: Faults) -> io::Result<Self> {
        let stream = connect(port, Duration::from_secs(10))?;
        let stop = Stop::default();
        let (thread_card, thread_stop) = (card.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name(format!("vpcd-card-{port}"))
            .spawn(move || serve_connection(&thread_card, stream, &thread_stop, faults))?;
        Ok(InsertedCard {
            stop,
            thread: Some(thread),
            card,
        })
    }

    /// Take the card out; returns how the serving thread ended.
    pub fn remove(mut self) -> io::Result<Ended> {
        self.stop.stop();
        self.join()
    }

    fn join(&mut self) -> io::Result<Ended> {
        match self.thread.take() {
            Some(t) => t
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the vpcd card thread panicked"))),
            None => Ok(Ended::Removed),
        }
    }

    /// Whether the serving thread has ended by itself (a fault, or pcscd went away).
    pub fn has_ended(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }
}

impl<C: VirtualCard> Drop for InsertedCard<C> {
    fn drop(&mut self) {
        self.stop.stop();
        let _ = self.join();
    }
}
