//! Voice guidance: on entering a resident screen its title and instruction are read aloud in
//! the resident's language, for the elderly and for people with low vision; the screen's
//! 「もう一度　きく」 reads them again. No iced here: the UI calls [`Voice::say`] and
//! [`Voice::stop`], the CLI [`render`] (`kakanai speak`).
//!
//! - **What**: a [`Speech`] is built from catalog keys only, refused for a key with a
//!   placeholder (but a whitelisted count), so the speaker, which the whole queue hears, never
//!   says a name, an address, a birth date, a PIN or an answer.
//! - **Who reads it**: Open JTalk (Japanese) and espeak-ng (the rest), child processes with the
//!   text on stdin ([`synth`]); each sentence by the voice of the language its text is in (an
//!   untranslated string falls back to English and is read by the English voice). Tagalog has
//!   no voice here: the kiosk says nothing and shows so rather than read Tagalog with a voice
//!   of another language.
//! - **When**: on a worker thread; a new screen or the end of the session cuts the speech off at
//!   once ([`Voice::stop`] kills the `aplay` child). On the choice of a language a second worker
//!   synthesises every screen's prompts ahead ([`Voice::prepare`]), so entering a screen only
//!   starts playback: Open JTalk needs 0.3–0.8 s for a screen's sentences, a cached one plays
//!   in milliseconds (BENCHMARKS.md).
//! - **Without sound**: no sound card, no synthesiser, a synthesis that fails — the kiosk goes on
//!   silently and logs the event once (the error names the package to install).

pub mod sink;
pub mod speech;
pub mod synth;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};

pub use sink::{Aplay, Heard, Recording, Said, Sink};
pub use speech::{Segment, Speech};
pub use synth::{Engine, Pcm};

use crate::i18n::Language;

/// What went wrong with the voice. None of these stops the kiosk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VoiceError {
    /// A synthesiser, its dictionary or voice, or aplay is missing.
    #[error(
        "{program} is not installed: install the Debian package {packages} (scripts/setup does)"
    )]
    NotInstalled {
        /// What is missing.
        program: &'static str,
        /// The packages that bring it.
        packages: &'static str,
    },
    /// No installed synthesiser speaks this language.
    #[error(
        "no voice speaks {0} here (espeak-ng has none for it): the kiosk shows that there is no voice guidance instead of reading it with another language's voice"
    )]
    NoVoice(&'static str),
    /// The synthesiser ran and failed.
    #[error("{program} failed: {detail}; check that it runs (`kakanai doctor`)")]
    SynthesisFailed {
        /// The program.
        program: &'static str,
        /// Its exit status or the I/O error (never the text).
        detail: String,
    },
    /// aplay could not play.
    #[error("playing failed: {0}; check the sound card (`aplay -l`)")]
    PlaybackFailed(String),
    /// No sound card.
    #[error(
        "no sound card (/proc/asound/cards lists none): the kiosk runs without voice; connect a speaker or turn [voice] enabled off"
    )]
    NoSoundDevice,
    /// A key in no catalog.
    #[error("the catalog has no key {0}: add it to assets/i18n/ja.toml and en.toml")]
    UnknownKey(&'static str),
    /// A key whose text takes a value that could be personal.
    #[error(
        "the catalog key {key} has the placeholder {{{placeholder}}}, which the voice never fills: speak a key without one, or a count listed in voice::speech::NUMBERS"
    )]
    NotSpeakable {
        /// The key.
        key: &'static str,
        /// Its placeholder.
        placeholder: String,
    },
}

/// `[voice]` in kakanai.toml, as the voice uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Speak at all.
    pub enabled: bool,
    /// 0–100 % of the synthesised level (the PC's mixer sets the speaker's loudness).
    pub volume: u8,
}

/// The pause between two sentences.
const PAUSE_MS: u32 = 300;
/// Samples are handed to the device 20 ms at a time, so a cut-off is never later than that.
const CHUNK_BYTES: usize = (synth::RATE as usize / 50) * 2;
/// Above this, the prompt cache is emptied (a language's prompts take ~5 MB).
const CACHE_LIMIT_BYTES: usize = 64 << 20;

/// Synthesised sentences, by engine and text.
#[derive(Default)]
struct Cache {
    map: Mutex<HashMap<(Engine, String), Arc<Pcm>>>,
}

impl Cache {
    fn get(&self, engine: Engine, text: &str) -> Option<Arc<Pcm>> {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&(engine, text.to_owned()))
            .cloned()
    }

    fn get_or_make(&self, engine: Engine, text: &str) -> Result<Arc<Pcm>, VoiceError> {
        if let Some(p) = self.get(engine, text) {
            return Ok(p);
        }
        let pcm = Arc::new(synth::synthesize(engine, text)?);
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        if map.values().map(|p| p.samples.len() * 2).sum::<usize>() > CACHE_LIMIT_BYTES {
            map.clear();
        }
        map.insert((engine, text.to_owned()), pcm.clone());
        Ok(pcm)
    }

    fn clear(&self) {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    fn bytes(&self) -> usize {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .map(|p| p.samples.len() * 2)
            .sum()
    }
}

struct Say {
    generation: u64,
    language: Language,
    speech: Speech,
}

struct Prepare {
    generation: u64,
    language: Language,
    speeches: Vec<Speech>,
}

struct Shared {
    settings: Settings,
    /// Bumped by every say and stop: a worker drops whatever belongs to an older one.
    generation: AtomicU64,
    prepare_generation: AtomicU64,
    /// Prepare requests not yet done.
    pending: AtomicU64,
    interrupt: sink::Interrupt,
    cache: Cache,
    /// A failure is logged once, not on every screen.
    logged: AtomicBool,
}

/// What the handles hold: the workers' queues. When the last handle goes, the queues close and
/// both workers end; what is playing is cut off.
struct Inner {
    shared: Arc<Shared>,
    says: Sender<Say>,
    prepares: Sender<Prepare>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.shared.generation.fetch_add(1, Ordering::SeqCst);
        (self.shared.interrupt)();
    }
}

/// The kiosk's voice: a handle to its two workers (player and ahead-of-time synthesis), or off.
#[derive(Clone, Default)]
pub struct Voice {
    inner: Option<Arc<Inner>>,
}

impl Voice {
    /// No voice ([voice] off, no sound card, the simulation tests that do not listen).
    pub fn off() -> Voice {
        Voice { inner: None }
    }

    /// A voice playing into `sink`; off when `settings.enabled` is false or a worker thread
    /// cannot start.
    pub fn start(settings: Settings, sink: Box<dyn Sink>) -> Voice {
        if !settings.enabled {
            return Voice::off();
        }
        let (say_tx, say_rx) = channel();
        let (prep_tx, prep_rx) = channel();
        let shared = Arc::new(Shared {
            settings,
            generation: AtomicU64::new(0),
            prepare_generation: AtomicU64::new(0),
            pending: AtomicU64::new(0),
            interrupt: sink.interrupter(),
            cache: Cache::default(),
            logged: AtomicBool::new(false),
        });
        let player = shared.clone();
        let preparer = shared.clone();
        let started = std::thread::Builder::new()
            .name("kakanai-voice".into())
            .spawn(move || play_loop(&player, sink, &say_rx))
            .and_then(|_| {
                std::thread::Builder::new()
                    .name("kakanai-voice-prepare".into())
                    .spawn(move || prepare_loop(&preparer, &prep_rx))
            });
        match started {
            Ok(_) => Voice {
                inner: Some(Arc::new(Inner {
                    shared,
                    says: say_tx,
                    prepares: prep_tx,
                })),
            },
            Err(_) => {
                tracing::warn!(event = "voice_off", error = "no thread");
                Voice::off()
            }
        }
    }

    /// The kiosk's voice from its settings: `aplay` on the default device; off (logged once)
    /// when there is no sound card.
    pub fn for_kiosk(settings: Settings) -> Voice {
        if !settings.enabled {
            return Voice::off();
        }
        if !crate::kiosk::chime::audio_device() {
            tracing::warn!(event = "voice_off", error = %VoiceError::NoSoundDevice);
            return Voice::off();
        }
        Voice::start(settings, Box::new(Aplay::new(None)))
    }

    /// Whether it speaks at all.
    pub fn is_on(&self) -> bool {
        self.inner.is_some()
    }

    /// Whether a resident who chose `language` hears anything (Tagalog: no).
    pub fn speaks(language: Language) -> bool {
        Engine::for_language(language).is_some()
    }

    /// Cut off what is playing and say `speech` (returns at once; the worker speaks).
    pub fn say(&self, language: Language, speech: Speech) {
        let Some(inner) = &self.inner else { return };
        let s = &inner.shared;
        let generation = s.generation.fetch_add(1, Ordering::SeqCst) + 1;
        (s.interrupt)();
        if !Voice::speaks(language) || speech.is_empty() {
            return;
        }
        let _ = inner.says.send(Say {
            generation,
            language,
            speech,
        });
    }

    /// Cut off what is playing (the screen changed to one that says nothing, the session
    /// ended).
    pub fn stop(&self) {
        let Some(inner) = &self.inner else { return };
        inner.shared.generation.fetch_add(1, Ordering::SeqCst);
        (inner.shared.interrupt)();
    }

    /// Synthesise `speeches` for `language` ahead, on the second worker, dropping what was
    /// made for another language.
    pub fn prepare(&self, language: Language, speeches: Vec<Speech>) {
        let Some(inner) = &self.inner else { return };
        if !Voice::speaks(language) {
            return;
        }
        let s = &inner.shared;
        let generation = s.prepare_generation.fetch_add(1, Ordering::SeqCst) + 1;
        s.pending.fetch_add(1, Ordering::SeqCst);
        let _ = inner.prepares.send(Prepare {
            generation,
            language,
            speeches,
        });
    }

    /// Bytes of synthesised speech held (the benchmark's memory figure).
    pub fn cached_bytes(&self) -> usize {
        self.inner.as_ref().map_or(0, |i| i.shared.cache.bytes())
    }

    /// Wait until every prepared sentence is synthesised (the benchmark, the tests).
    pub fn wait_prepared(&self, timeout: std::time::Duration) -> bool {
        let Some(inner) = &self.inner else {
            return true;
        };
        let s = &inner.shared;
        let until = std::time::Instant::now() + timeout;
        while s.pending.load(Ordering::SeqCst) > 0 {
            if std::time::Instant::now() > until {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        true
    }
}

fn log_once(s: &Shared, e: &VoiceError) {
    if !s.logged.swap(true, Ordering::SeqCst) {
        tracing::warn!(event = "voice_failed", error = %e);
    }
}

fn play_loop(s: &Shared, mut sink: Box<dyn Sink>, says: &Receiver<Say>) {
    while let Ok(mut job) = says.recv() {
        // Only the newest request counts.
        while let Ok(newer) = says.try_recv() {
            job = newer;
        }
        let current = || s.generation.load(Ordering::SeqCst) == job.generation;
        if !current() {
            continue;
        }
        let said = Said {
            language: job.language,
            keys: job.speech.keys(),
        };
        let mut begun = false;
        let mut cut = false;
        for segment in job.speech.segments(job.language) {
            let Some(engine) = Engine::for_language(segment.language) else {
                continue;
            };
            let pcm = match s.cache.get_or_make(engine, &segment.text) {
                Ok(p) => p,
                Err(e) => {
                    log_once(s, &e);
                    continue;
                }
            };
            if !current() {
                cut = true;
                break;
            }
            if begun {
                if sink.write(&Pcm::silence(PAUSE_MS).bytes()).is_err() {
                    cut = true;
                    break;
                }
            } else {
                if let Err(e) = sink.begin(&said, &synth::wav_header(0x7fff_f000)) {
                    log_once(s, &e);
                    break;
                }
                begun = true;
            }
            // Scaled chunk by chunk, so the first sound does not wait for the whole sentence.
            let volume = i32::from(s.settings.volume.min(100));
            let mut chunk = Vec::with_capacity(CHUNK_BYTES);
            for samples in pcm.samples.chunks(CHUNK_BYTES / 2) {
                chunk.clear();
                for &x in samples {
                    chunk.extend_from_slice(&((i32::from(x) * volume / 100) as i16).to_le_bytes());
                }
                if !current() || sink.write(&chunk).is_err() {
                    cut = true;
                    break;
                }
            }
            if cut {
                break;
            }
        }
        if begun {
            sink.end(cut || !current());
        }
    }
}

fn prepare_loop(s: &Shared, prepares: &Receiver<Prepare>) {
    let mut language: Option<Language> = None;
    while let Ok(mut job) = prepares.recv() {
        let mut jobs = 1;
        while let Ok(newer) = prepares.try_recv() {
            job = newer;
            jobs += 1;
        }
        if language != Some(job.language) {
            s.cache.clear();
            language = Some(job.language);
        }
        'all: for speech in &job.speeches {
            for segment in speech.segments(job.language) {
                if s.prepare_generation.load(Ordering::SeqCst) != job.generation {
                    break 'all;
                }
                if let Some(engine) = Engine::for_language(segment.language) {
                    if let Err(e) = s.cache.get_or_make(engine, &segment.text) {
                        log_once(s, &e);
                        break 'all;
                    }
                }
            }
        }
        s.pending.fetch_sub(jobs, Ordering::SeqCst);
    }
}

/// What the kiosk says for `speech` to a resident who chose `language`, as one sound, at
/// `volume`: `kakanai speak` writes it to a WAV. Any failure is returned (the kiosk would be
/// silent).
pub fn render(language: Language, speech: &Speech, volume: u8) -> Result<Pcm, VoiceError> {
    if !Voice::speaks(language) {
        return Err(VoiceError::NoVoice(language_name(language)));
    }
    let mut out = Pcm::default();
    for (i, segment) in speech.segments(language).into_iter().enumerate() {
        let engine = Engine::for_language(segment.language)
            .ok_or(VoiceError::NoVoice(language_name(segment.language)))?;
        if i > 0 {
            out.samples.extend(Pcm::silence(PAUSE_MS).samples);
        }
        out.samples
            .extend(synth::synthesize(engine, &segment.text)?.samples);
    }
    Ok(out.at_volume(volume))
}

/// A language's English name, for messages.
pub fn language_name(language: Language) -> &'static str {
    match language.as_str() {
        "ja" => "Japanese",
        "ja-x-easy" => "Japanese (やさしい日本語)",
        "en" => "English",
        "zh" => "Chinese",
        "ko" => "Korean",
        "vi" => "Vietnamese",
        "pt" => "Portuguese",
        "tl" => "Tagalog/Filipino",
        "ne" => "Nepali",
        other => other_name(other),
    }
}

fn other_name(_: &str) -> &'static str {
    "this language"
}
