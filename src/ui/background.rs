//! What runs beside the UI thread: the kiosk's work on worker threads ([`off_thread`]), its
//! result on the way back ([`Carried`]), and the card monitor's events ([`monitor_stream`]).
//! PC/SC and IPP calls block; none of them runs where a window is drawn.

use std::sync::Arc;

use iced::futures::{SinkExt, StreamExt};

use crate::card::monitor::{Monitor, MonitorEvent};
use crate::kiosk::Done;

/// A work result on its way from a worker thread into `update`. Messages must be `Clone`
/// (a button holds its message); a result is taken out exactly once.
#[derive(Clone)]
pub struct Carried(Arc<std::sync::Mutex<Option<Done>>>);

impl Carried {
    /// Carry `done`.
    pub fn new(done: Done) -> Self {
        Carried(Arc::new(std::sync::Mutex::new(Some(done))))
    }

    /// The result, the first time it is asked for.
    pub fn take(&self) -> Option<Done> {
        self.0.lock().ok().and_then(|mut d| d.take())
    }
}

impl std::fmt::Debug for Carried {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Carried")
    }
}

/// Run blocking work on its own thread and await it (PC/SC and IPP calls block).
pub async fn off_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (tx, rx) = iced::futures::channel::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("kiosk-work".into())
        .spawn(move || {
            let _ = tx.send(f());
        });
    if spawned.is_err() {
        return None;
    }
    rx.await.ok()
}

/// The card monitor as a stream of messages: PC/SC calls block, so the monitor runs on its
/// own thread and forwards its events.
pub fn monitor_stream() -> impl iced::futures::Stream<Item = MonitorEvent> {
    iced::stream::channel(32, async |mut output| {
        let (tx, mut rx) = iced::futures::channel::mpsc::unbounded();
        let _ = std::thread::Builder::new()
            .name("card-monitor-bridge".into())
            .spawn(move || {
                let (std_tx, std_rx) = std::sync::mpsc::channel();
                let Ok(_monitor) = Monitor::start(std_tx) else {
                    let _ = tx.unbounded_send(MonitorEvent::ServiceDown);
                    return;
                };
                for event in std_rx {
                    if tx.unbounded_send(event).is_err() {
                        break;
                    }
                }
            });
        while let Some(event) = rx.next().await {
            if output.send(event).await.is_err() {
                break;
            }
        }
    })
}
