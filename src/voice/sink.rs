//! Where speech goes: [`Aplay`] (the speaker, through alsa-utils' `aplay`) in the kiosk, and
//! [`Recording`] in the tests and the benchmark, which has no sound card and must see what
//! would have been played and when.

use std::io::Write;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::VoiceError;
use super::synth::RATE;
use crate::i18n::Language;

/// What an utterance says, for a recording (catalog keys only: nothing personal exists here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    /// The resident's language.
    pub language: Language,
    /// The catalog keys spoken.
    pub keys: Vec<&'static str>,
}

/// Stops the sound now, from any thread (the screen changed, the session ended).
pub type Interrupt = Arc<dyn Fn() + Send + Sync>;

/// A sound device: one utterance at a time, fed in short chunks, cut off by its [`Interrupt`].
pub trait Sink: Send + 'static {
    /// Start an utterance; `header` is a WAV header (streaming: its length is a maximum).
    fn begin(&mut self, said: &Said, header: &[u8]) -> Result<(), VoiceError>;
    /// Samples (little-endian 16-bit at [`RATE`]).
    fn write(&mut self, bytes: &[u8]) -> Result<(), VoiceError>;
    /// The utterance ended: played to its end, or `cut`.
    fn end(&mut self, cut: bool);
    /// What stops the sound at once.
    fn interrupter(&self) -> Interrupt;
}

/// The speaker: one `aplay` per utterance, its stdin fed with the WAV; an interrupt kills it,
/// so the sound stops at once (what is still in the pipe is never played).
pub struct Aplay {
    device: Option<String>,
    child: Arc<Mutex<Option<Child>>>,
    stdin: Option<ChildStdin>,
}

impl Aplay {
    /// On ALSA's default device, or `device` (`null` in tests).
    pub fn new(device: Option<&str>) -> Aplay {
        Aplay {
            device: device.map(str::to_owned),
            child: Arc::new(Mutex::new(None)),
            stdin: None,
        }
    }
}

impl Sink for Aplay {
    fn begin(&mut self, _: &Said, header: &[u8]) -> Result<(), VoiceError> {
        let mut cmd = Command::new("aplay");
        cmd.arg("-q");
        if let Some(d) = &self.device {
            cmd.args(["-D", d]);
        }
        let mut child = cmd
            .arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => VoiceError::NotInstalled {
                    program: "aplay",
                    packages: "alsa-utils",
                },
                _ => VoiceError::PlaybackFailed(e.to_string()),
            })?;
        let mut stdin = child
            .stdin
            .take()
            .ok_or_else(|| VoiceError::PlaybackFailed("no stdin".into()))?;
        *self.child.lock().unwrap_or_else(PoisonError::into_inner) = Some(child);
        stdin
            .write_all(header)
            .map_err(|e| VoiceError::PlaybackFailed(e.to_string()))?;
        self.stdin = Some(stdin);
        Ok(())
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), VoiceError> {
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| VoiceError::PlaybackFailed("not started".into()))?;
        stdin
            .write_all(bytes)
            .map_err(|e| VoiceError::PlaybackFailed(e.to_string()))
    }

    fn end(&mut self, cut: bool) {
        // Closing stdin lets aplay play what it holds and exit.
        drop(self.stdin.take());
        let child = self
            .child
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(mut child) = child {
            if cut {
                let _ = child.kill();
            }
            match child.wait() {
                Ok(s) if s.success() || cut => {}
                Ok(s) => tracing::warn!(event = "voice_playback_failed", status = %s),
                Err(e) => tracing::warn!(event = "voice_playback_failed", error = %e),
            }
        }
    }

    fn interrupter(&self) -> Interrupt {
        let child = self.child.clone();
        Arc::new(move || {
            if let Some(c) = child
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .as_mut()
            {
                let _ = c.kill();
            }
        })
    }
}

/// One utterance as a [`Recording`] saw it.
#[derive(Debug, Clone)]
pub struct Heard {
    /// What it said.
    pub said: Said,
    /// When it began.
    pub began: Instant,
    /// When its first sample arrived.
    pub first_sample: Option<Instant>,
    /// Sample bytes received.
    pub bytes: usize,
    /// Cut off before its end.
    pub cut: bool,
    /// Ended (played out or cut).
    pub ended: bool,
}

/// A sink for tests and the benchmark (no sound card here): it keeps what it was given and,
/// when `paced`, takes as long as a speaker would, so a cut-off can happen mid-utterance.
#[derive(Clone)]
pub struct Recording {
    heard: Arc<Mutex<Vec<Heard>>>,
    paced: bool,
    cut_now: Arc<std::sync::atomic::AtomicBool>,
}

impl Recording {
    /// A recording; `paced`: at the speaker's speed.
    pub fn new(paced: bool) -> Recording {
        Recording {
            heard: Arc::new(Mutex::new(Vec::new())),
            paced,
            cut_now: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        }
    }

    /// Every utterance so far.
    pub fn heard(&self) -> Vec<Heard> {
        self.heard
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Wait up to `timeout` until `f` holds for what was heard.
    pub fn wait_for(&self, timeout: Duration, f: impl Fn(&[Heard]) -> bool) -> bool {
        let until = Instant::now() + timeout;
        loop {
            if f(&self.heard()) {
                return true;
            }
            if Instant::now() > until {
                return false;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn last(&self, f: impl FnOnce(&mut Heard)) {
        if let Some(h) = self
            .heard
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .last_mut()
        {
            f(h);
        }
    }
}

impl Sink for Recording {
    fn begin(&mut self, said: &Said, _: &[u8]) -> Result<(), VoiceError> {
        self.cut_now
            .store(false, std::sync::atomic::Ordering::SeqCst);
        self.heard
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Heard {
                said: said.clone(),
                began: Instant::now(),
                first_sample: None,
                bytes: 0,
                cut: false,
                ended: false,
            });
        Ok(())
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), VoiceError> {
        let now = Instant::now();
        self.last(|h| {
            h.first_sample.get_or_insert(now);
            h.bytes += bytes.len();
        });
        if self.paced {
            // As a speaker would take: the chunk's duration, in small steps so a cut is quick.
            let secs = bytes.len() as f64 / f64::from(RATE * 2);
            let until = now + Duration::from_secs_f64(secs);
            while Instant::now() < until {
                if self.cut_now.load(std::sync::atomic::Ordering::SeqCst) {
                    return Err(VoiceError::PlaybackFailed("cut".into()));
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        Ok(())
    }

    fn end(&mut self, cut: bool) {
        self.last(|h| {
            h.cut = cut;
            h.ended = true;
        });
    }

    fn interrupter(&self) -> Interrupt {
        let cut = self.cut_now.clone();
        Arc::new(move || cut.store(true, std::sync::atomic::Ordering::SeqCst))
    }
}
