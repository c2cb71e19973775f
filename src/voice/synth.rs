//! Making speech: Open JTalk for Japanese, espeak-ng for the other languages, each started as a
//! child process with the text on its stdin (never in argv, which every user of the PC can read
//! in `ps`) and the WAV read back from its stdout. Both are resampled to one format, [`RATE`]
//! mono 16-bit, so a screen whose title and lead come from two catalogs (a string not yet
//! translated falls back to English) is one stream for the speaker.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::VoiceError;
use crate::i18n::Language;

/// The sample rate of everything the voice plays: Open JTalk's 48 kHz halved (speech has
/// nothing the ear needs above 12 kHz) and espeak-ng's 22.05 kHz raised, at 48 KB a second.
pub const RATE: u32 = 24_000;

/// Where Debian's open-jtalk-mecab-naist-jdic puts Open JTalk's dictionary.
pub const JTALK_DICTIONARIES: &[&str] = &["/var/lib/mecab/dic/open-jtalk/naist-jdic"];

/// Where Debian's hts-voice-nitech-jp-atr503-m001 (the section `contrib`) puts the voice.
pub const JTALK_VOICES: &[&str] =
    &["/usr/share/hts-voice/nitech-jp-atr503-m001/nitech_jp_atr503_m001.htsvoice"];

/// Mono 16-bit samples at [`RATE`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pcm {
    /// The samples.
    pub samples: Vec<i16>,
}

impl Pcm {
    /// Silence of `ms` milliseconds (the pause between a title and its lead).
    pub fn silence(ms: u32) -> Pcm {
        Pcm {
            samples: vec![0; (RATE * ms / 1000) as usize],
        }
    }

    /// How long it plays.
    pub fn seconds(&self) -> f64 {
        self.samples.len() as f64 / f64::from(RATE)
    }

    /// The samples as little-endian bytes (what follows a WAV header).
    pub fn bytes(&self) -> Vec<u8> {
        self.samples.iter().flat_map(|s| s.to_le_bytes()).collect()
    }

    /// The samples at `volume` percent (0–100) of their synthesised level.
    pub fn at_volume(&self, volume: u8) -> Pcm {
        let v = i32::from(volume.min(100));
        Pcm {
            samples: self
                .samples
                .iter()
                .map(|&s| (i32::from(s) * v / 100) as i16)
                .collect(),
        }
    }

    /// A whole WAV file.
    pub fn wav(&self) -> Vec<u8> {
        let data = self.bytes();
        let mut out = wav_header(data.len() as u32);
        out.extend_from_slice(&data);
        out
    }
}

/// A WAV header for `data_len` bytes of [`RATE`] mono 16-bit PCM.
pub fn wav_header(data_len: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(44);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&data_len.saturating_add(36).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&RATE.to_le_bytes());
    out.extend_from_slice(&(RATE * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    out
}

/// The synthesiser that reads a language, with its voice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    /// Open JTalk with the HTS voice nitech-jp-atr503-m001 (Japanese).
    OpenJtalk,
    /// espeak-ng with this voice (`cmn-latn-pinyin`, `ko`, `vi`, `pt-br`, `ne`, `en-us`).
    Espeak(&'static str),
}

impl Engine {
    /// The engine and voice for text in `language`; `None` where no installed synthesiser has
    /// a voice of that language: Tagalog/Filipino (espeak-ng 1.51 has none, and an English or
    /// Indonesian voice reading Tagalog would mislead rather than help).
    pub fn for_language(language: Language) -> Option<Engine> {
        Some(match language.as_str() {
            "ja" | "ja-x-easy" => Engine::OpenJtalk,
            "en" => Engine::Espeak("en-us"),
            // Not `cmn`: espeak-ng 1.51's `cmn` turns 汉字 into numbered pinyin and reads that
            // as English ("qing3" as "king three"); `cmn-latn-pinyin` reads the same pinyin as
            // Mandarin, with the tones (seen in `espeak-ng -x`; tests/voice_speak.rs checks).
            "zh" => Engine::Espeak("cmn-latn-pinyin"),
            "ko" => Engine::Espeak("ko"),
            "vi" => Engine::Espeak("vi"),
            "pt" => Engine::Espeak("pt-br"),
            "ne" => Engine::Espeak("ne"),
            _ => return None,
        })
    }

    /// The program started.
    pub fn program(self) -> &'static str {
        match self {
            Engine::OpenJtalk => "open_jtalk",
            Engine::Espeak(_) => "espeak-ng",
        }
    }

    /// The Debian packages that make it work.
    pub fn packages(self) -> &'static str {
        match self {
            Engine::OpenJtalk => {
                "open-jtalk, open-jtalk-mecab-naist-jdic and hts-voice-nitech-jp-atr503-m001 (contrib)"
            }
            Engine::Espeak(_) => "espeak-ng",
        }
    }

    /// Whether it is installed: the program on PATH and, for Open JTalk, its dictionary and
    /// voice; the error says which package to install.
    pub fn check_installed(self) -> Result<(), VoiceError> {
        if find_program(self.program()).is_none() {
            return Err(VoiceError::NotInstalled {
                program: self.program(),
                packages: self.packages(),
            });
        }
        match self {
            Engine::OpenJtalk => jtalk_files().map(|_| ()),
            Engine::Espeak(voice) => {
                let data = espeak_data_dir();
                let listed = data.as_ref().is_some_and(|d| espeak_has_voice(d, voice));
                if listed {
                    Ok(())
                } else {
                    Err(VoiceError::NotInstalled {
                        program: "espeak-ng's voice data",
                        packages: "espeak-ng-data (pulled in by espeak-ng)",
                    })
                }
            }
        }
    }
}

fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn espeak_data_dir() -> Option<PathBuf> {
    [
        "/usr/lib/x86_64-linux-gnu/espeak-ng-data",
        "/usr/lib/aarch64-linux-gnu/espeak-ng-data",
        "/usr/share/espeak-ng-data",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.is_dir())
}

/// Whether espeak-ng's data has `voice` (its language file and its dictionary).
fn espeak_has_voice(data: &Path, voice: &str) -> bool {
    let dict = match voice {
        "en-us" => "en",
        "cmn-latn-pinyin" => "cmn",
        "pt-br" => "pt",
        other => other,
    };
    data.join(format!("{dict}_dict")).is_file()
}

/// Open JTalk's dictionary folder and voice file, the first of each that exists.
fn jtalk_files() -> Result<(PathBuf, PathBuf), VoiceError> {
    let dic = JTALK_DICTIONARIES
        .iter()
        .map(PathBuf::from)
        .find(|p| p.join("sys.dic").is_file())
        .ok_or(VoiceError::NotInstalled {
            program: "Open JTalk's dictionary",
            packages: "open-jtalk-mecab-naist-jdic",
        })?;
    let voice = JTALK_VOICES
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .ok_or(VoiceError::NotInstalled {
            program: "Open JTalk's voice",
            packages: "hts-voice-nitech-jp-atr503-m001 (Debian's contrib section)",
        })?;
    Ok((dic, voice))
}

/// Speak `text` with `engine`: its speech at [`RATE`]. The text goes on stdin, one line.
pub fn synthesize(engine: Engine, text: &str) -> Result<Pcm, VoiceError> {
    let mut cmd = match engine {
        Engine::OpenJtalk => {
            let (dic, voice) = jtalk_files()?;
            let mut c = Command::new("open_jtalk");
            c.arg("-x")
                .arg(dic)
                .arg("-m")
                .arg(voice)
                .args(["-ow", "/dev/stdout"]);
            c
        }
        Engine::Espeak(voice) => {
            let mut c = Command::new("espeak-ng");
            // -b 1: the input is UTF-8.
            c.args(["-v", voice, "-b", "1", "--stdin", "--stdout"]);
            c
        }
    };
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => VoiceError::NotInstalled {
                program: engine.program(),
                packages: engine.packages(),
            },
            _ => VoiceError::SynthesisFailed {
                program: engine.program(),
                detail: e.to_string(),
            },
        })?;
    let failed = |detail: String| VoiceError::SynthesisFailed {
        program: engine.program(),
        detail,
    };
    // One line: Open JTalk reads a sentence per line, and a line break says nothing. The
    // 全角スペース between やさしい日本語's phrases are for the eye: Open JTalk pauses half a
    // second at each (a 4.7 s sentence instead of 3.2 s), and phrases its accent itself.
    let line: String = text
        .chars()
        .filter(|c| !(engine == Engine::OpenJtalk && *c == '\u{3000}'))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    {
        // A screen's sentences are far below a pipe's buffer, so writing all before reading
        // cannot block; stdin is closed at the end of this block.
        let mut stdin = child
            .stdin
            .take()
            .ok_or_else(|| failed("no stdin".into()))?;
        stdin
            .write_all(line.as_bytes())
            .and_then(|()| stdin.write_all(b"\n"))
            .map_err(|e| failed(e.to_string()))?;
    }
    let mut wav = Vec::new();
    child
        .stdout
        .take()
        .ok_or_else(|| failed("no stdout".into()))?
        .read_to_end(&mut wav)
        .map_err(|e| failed(e.to_string()))?;
    let status = child.wait().map_err(|e| failed(e.to_string()))?;
    if !status.success() {
        // Never the text, never stderr (which may echo it): the exit status only.
        return Err(failed(format!("exited with {status}")));
    }
    let pcm = read_wav(&wav).map_err(|e| failed(format!("its output is not a WAV: {e}")))?;
    if pcm.samples.is_empty() {
        return Err(failed("it made no sound".into()));
    }
    Ok(pcm)
}

/// A 16-bit PCM WAV (mono or stereo, any rate) as [`Pcm`] at [`RATE`]. A data chunk longer
/// than what follows is read to the end: espeak-ng writing to a pipe cannot know the length.
pub fn read_wav(wav: &[u8]) -> Result<Pcm, &'static str> {
    if wav.len() < 12 || &wav[0..4] != b"RIFF" || &wav[8..12] != b"WAVE" {
        return Err("no RIFF/WAVE header");
    }
    let mut at = 12;
    let mut format: Option<(u16, u16, u32, u16)> = None;
    while at + 8 <= wav.len() {
        let id = &wav[at..at + 4];
        let len = u32::from_le_bytes(wav[at + 4..at + 8].try_into().unwrap_or([0; 4])) as usize;
        let body = at + 8;
        if id == b"fmt " {
            if body + 16 > wav.len() {
                return Err("short fmt chunk");
            }
            let u16_at = |i: usize| u16::from_le_bytes([wav[body + i], wav[body + i + 1]]);
            let rate = u32::from_le_bytes(wav[body + 4..body + 8].try_into().unwrap_or([0; 4]));
            format = Some((u16_at(0), u16_at(2), rate, u16_at(14)));
        } else if id == b"data" {
            let (kind, channels, rate, bits) = format.ok_or("data before fmt")?;
            if kind != 1 || bits != 16 || channels == 0 || rate == 0 {
                return Err("not 16-bit PCM");
            }
            let end = body.saturating_add(len).min(wav.len());
            let frame = 2 * channels as usize;
            let mono: Vec<i16> = wav[body..end]
                .chunks_exact(frame)
                .map(|f| {
                    let sum: i32 = f
                        .chunks_exact(2)
                        .map(|s| i32::from(i16::from_le_bytes([s[0], s[1]])))
                        .sum();
                    (sum / i32::from(channels)) as i16
                })
                .collect();
            return Ok(Pcm {
                samples: resample(&mono, rate),
            });
        }
        at = body.saturating_add(len + (len & 1));
    }
    Err("no data chunk")
}

/// `samples` at `from` Hz, at [`RATE`]: exactly twice the rate is halved through a short
/// low-pass (1-2-1), anything else is interpolated linearly.
pub fn resample(samples: &[i16], from: u32) -> Vec<i16> {
    if from == RATE {
        return samples.to_vec();
    }
    if from == 2 * RATE {
        return samples
            .chunks(2)
            .enumerate()
            .map(|(i, pair)| {
                let prev = if i == 0 {
                    i32::from(pair[0])
                } else {
                    i32::from(samples[2 * i - 1])
                };
                let a = i32::from(pair[0]);
                let b = pair.get(1).map_or(a, |&b| i32::from(b));
                ((prev + 2 * a + b) / 4) as i16
            })
            .collect();
    }
    let n = (samples.len() as u64 * u64::from(RATE) / u64::from(from)) as usize;
    (0..n)
        .map(|i| {
            let pos = i as f64 * f64::from(from) / f64::from(RATE);
            let k = pos as usize;
            let frac = pos - k as f64;
            let a = f64::from(samples[k.min(samples.len() - 1)]);
            let b = f64::from(samples[(k + 1).min(samples.len() - 1)]);
            (a + (b - a) * frac).round() as i16
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_but_tagalog_has_a_voice_of_its_own() {
        for l in Language::ALL {
            let engine = Engine::for_language(l);
            assert_eq!(engine.is_none(), l == Language::TL, "{l:?}");
        }
        assert_eq!(
            Engine::for_language(Language::EASY_JA),
            Some(Engine::OpenJtalk)
        );
    }

    #[test]
    fn a_wav_is_read_back_and_resampled_to_the_common_rate() {
        let pcm = Pcm {
            samples: (0..2400).map(|i| ((i % 100) * 100) as i16).collect(),
        };
        assert_eq!(read_wav(&pcm.wav()).unwrap(), pcm);
        // 48 kHz halves, 22.05 kHz grows by 24/22.05.
        assert_eq!(resample(&[0; 4800], 48_000).len(), 2400);
        assert_eq!(resample(&[0; 22_050], 22_050).len(), 24_000);
        // A data chunk that claims more than follows (espeak-ng on a pipe) is read to the end.
        let mut w = pcm.wav();
        w[40..44].copy_from_slice(&0x7fff_f000u32.to_le_bytes());
        assert_eq!(read_wav(&w).unwrap().samples.len(), 2400);
        assert!(read_wav(b"RIFF....WAVE").is_err());
        assert!(read_wav(b"not a wav").is_err());
    }

    #[test]
    fn volume_scales_the_samples() {
        let pcm = Pcm {
            samples: vec![10_000, -10_000],
        };
        assert_eq!(pcm.at_volume(50).samples, vec![5_000, -5_000]);
        assert_eq!(pcm.at_volume(0).samples, vec![0, 0]);
        assert_eq!(pcm.at_volume(200).samples, pcm.samples);
    }
}
