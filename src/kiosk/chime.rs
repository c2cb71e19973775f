//! The clerk-call chime: a short two-tone "ピンポン" on the back panel's speaker when a
//! see-the-clerk screen (or the resident's call button) calls the clerk.
//!
//! The sound is made here (16-bit mono PCM, no bundled file) and piped to `aplay` (alsa-utils)
//! on its own thread, so the UI never waits for it. A kiosk without a sound card (no
//! `/proc/asound/cards` entry) plays nothing and reports nothing: the clerk bar's red
//! "呼び出し中" is the signal there. A failure to play is logged as an event name only.

use std::io::Write;
use std::process::{Command, Stdio};

/// The sample rate of the chime.
const RATE: u32 = 22_050;

/// The chime as a WAV file: 880 Hz for 0.25 s, then 660 Hz for 0.45 s, each fading out (the
/// sound of a shop's door bell, which a clerk hears through the counter's noise).
pub fn wav() -> Vec<u8> {
    let mut samples: Vec<i16> = Vec::new();
    for (freq, secs) in [(880.0f32, 0.25f32), (660.0, 0.45)] {
        let n = (RATE as f32 * secs) as usize;
        for i in 0..n {
            let t = i as f32 / RATE as f32;
            // A quick attack (no click) and an exponential fade.
            let attack = (i as f32 / 200.0).min(1.0);
            let fade = (-4.0 * t / secs).exp();
            let v = (2.0 * std::f32::consts::PI * freq * t).sin() * attack * fade * 0.6;
            samples.push((v * i16::MAX as f32) as i16);
        }
    }
    let data_len = (samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&RATE.to_le_bytes());
    out.extend_from_slice(&(RATE * 2).to_le_bytes()); // bytes per second
    out.extend_from_slice(&2u16.to_le_bytes()); // block align
    out.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

/// Whether `/proc/asound/cards`'s text lists a sound card (a line such as
/// ` 0 [PCH            ]: HDA-Intel - HDA Intel PCH`; "--- no soundcards ---" lists none).
pub fn lists_a_card(cards: &str) -> bool {
    cards.lines().any(|l| {
        let l = l.trim_start();
        let digits = l.chars().take_while(char::is_ascii_digit).count();
        digits > 0 && l[digits..].trim_start().starts_with('[')
    })
}

/// Whether this machine has a sound card ALSA can play on.
pub fn audio_device() -> bool {
    std::fs::read_to_string("/proc/asound/cards").is_ok_and(|c| lists_a_card(&c))
}

/// Play the chime through `aplay` (on `device`, or ALSA's default), waiting until it is done.
/// For [`ring`]'s thread and the test (which plays it on ALSA's `null` device).
pub fn play(device: Option<&str>) -> std::io::Result<()> {
    let mut cmd = Command::new("aplay");
    cmd.arg("-q");
    if let Some(d) = device {
        cmd.args(["-D", d]);
    }
    let mut child = cmd
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(&wav())?;
    }
    let status = child.wait()?;
    if status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other(format!("aplay exited with {status}")))
    }
}

/// Ring the chime on the speaker, off the calling thread; nothing at all when there is no
/// sound card.
pub fn ring() {
    let spawned = std::thread::Builder::new()
        .name("kakanai-chime".into())
        .spawn(|| {
            if !audio_device() {
                return;
            }
            if let Err(e) = play(None) {
                tracing::warn!(event = "chime_failed", error = %e);
            }
        });
    if spawned.is_err() {
        tracing::warn!(event = "chime_failed", error = "no thread");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chime_is_a_pcm_wav_of_about_seven_tenths_of_a_second() {
        let w = wav();
        assert_eq!(&w[0..4], b"RIFF");
        assert_eq!(&w[8..16], b"WAVEfmt ");
        assert_eq!(
            u32::from_le_bytes(w[4..8].try_into().unwrap()) as usize,
            w.len() - 8
        );
        let data = u32::from_le_bytes(w[40..44].try_into().unwrap()) as usize;
        assert_eq!(data, w.len() - 44);
        let secs = data as f32 / (RATE * 2) as f32;
        assert!((0.65..0.75).contains(&secs), "{secs} s");
        // Not silence: the tones reach a good part of full scale.
        let peak = w[44..]
            .chunks(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]).unsigned_abs())
            .max()
            .unwrap();
        assert!(peak > 10_000, "{peak}");
    }

    #[test]
    fn a_sound_card_is_found_in_proc_asound_cards_and_none_is_none() {
        let hda = " 0 [PCH            ]: HDA-Intel - HDA Intel PCH\n                      HDA Intel PCH at 0xf7f10000 irq 32\n";
        assert!(lists_a_card(hda));
        assert!(lists_a_card(
            " 1 [Device         ]: USB-Audio - USB Audio Device\n"
        ));
        assert!(!lists_a_card("--- no soundcards ---\n"));
        assert!(!lists_a_card(""));
    }

    /// aplay accepts the chime (played on ALSA's `null` device, which every machine has: the
    /// test machine has no sound card).
    #[test]
    fn aplay_plays_the_chime() {
        let found = Command::new("aplay")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            found,
            "aplay is missing: install the Debian package alsa-utils (scripts/setup)"
        );
        play(Some("null")).unwrap();
    }

    /// Ringing hands the sound to its own thread: the UI thread never waits for it.
    #[test]
    fn ringing_never_blocks_the_caller() {
        let t = std::time::Instant::now();
        ring();
        assert!(t.elapsed() < std::time::Duration::from_millis(200));
    }
}
