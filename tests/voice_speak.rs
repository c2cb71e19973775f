//! `kakanai speak` writes what the kiosk says, and it is speech: for every language, a screen's
//! title and instruction as a WAV whose length fits its text (sox measures it), loud enough to
//! be speech and never clipped; Tagalog is refused in words (no voice reads it). And each voice
//! the kiosk uses reads a sentence of its own language the same way, so a language whose
//! catalog is not written yet (its strings fall back to English) still has its voice tested.

mod support;

use std::path::Path;
use std::process::Command;

use kakanai::i18n::Language;
use kakanai::voice::{Engine, Speech, synth};

fn need(program: &str, package: &str) {
    let found = Command::new("which")
        .arg(program)
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "{program} is missing: install the Debian package {package} (scripts/setup)"
    );
}

/// sox's `stat` of a WAV: (seconds, RMS amplitude, maximum amplitude), amplitudes 0–1.
fn stat(wav: &Path) -> (f64, f64, f64) {
    need("sox", "sox");
    let out = Command::new("sox")
        .arg(wav)
        .args(["-n", "stat"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr).into_owned();
    let field = |name: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split(':').nth(1))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in sox's stat: {text}"))
    };
    (
        field("Length (seconds)"),
        field("RMS     amplitude"),
        field("Maximum amplitude"),
    )
}

/// Seconds a synthesiser plausibly takes per character of `language`'s text: a kana or hanzi
/// is a syllable or more, a Latin, Hangul jamo-free or Devanagari letter much less.
fn seconds_per_char(language: Language) -> (f64, f64) {
    match language.as_str() {
        "ja" | "ja-x-easy" => (0.05, 0.35),
        "zh" => (0.12, 0.6),
        "ko" => (0.08, 0.5),
        "ne" => (0.03, 0.3),
        _ => (0.025, 0.15),
    }
}

fn assert_speech(wav: &Path, language: Language, text: &str) {
    let (secs, rms, max) = stat(wav);
    let chars = text.chars().filter(|c| !c.is_whitespace()).count() as f64;
    let (lo, hi) = seconds_per_char(language);
    assert!(
        secs > chars * lo && secs < chars * hi + 1.5,
        "{language:?}: {secs:.2} s for {chars} characters ({text})"
    );
    assert!(rms > 0.02, "{language:?}: RMS {rms} is near silence");
    assert!(max < 0.999, "{language:?}: clipped (maximum {max})");
}

/// The place-card screen's prompt, as the kiosk says it, for every language but Tagalog.
#[test]
fn speak_writes_a_screens_prompt_as_speech_in_every_language_with_a_voice() {
    let dir = tempfile::tempdir().unwrap();
    let keys = ["place.title", "place.lead_pin"];
    let speech = Speech::of(&keys).unwrap();
    for language in Language::ALL.into_iter().filter(|l| *l != Language::TL) {
        let wav = dir.path().join(format!("{}.wav", language.as_str()));
        let out = support::kakanai()
            .args(["speak", "--lang", language.as_str()])
            .args(keys.iter().flat_map(|k| ["--key", *k]))
            .arg("-o")
            .arg(&wav)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{language:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Each segment is measured against its own language (a fallback is English).
        let segments = speech.segments(language);
        let text: String = segments.iter().map(|s| s.text.as_str()).collect();
        assert_speech(&wav, segments[0].language, &text);
    }
}

#[test]
fn speak_refuses_tagalog_a_personal_placeholder_and_an_unknown_language() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("x.wav");
    let run = |args: &[&str]| {
        let out = support::kakanai()
            .arg("speak")
            .args(args)
            .arg("-o")
            .arg(&wav)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&["--lang", "tl", "--key", "place.title"]);
    assert_eq!(code, Some(64), "{err}");
    assert!(err.contains("Tagalog") && err.contains("no voice"), "{err}");
    let (code, err) = run(&["--lang", "ja", "--key", "field.birth_western"]);
    assert_eq!(code, Some(64), "{err}");
    assert!(err.contains("placeholder"), "{err}");
    let (code, err) = run(&["--lang", "xx", "--key", "place.title"]);
    assert_eq!(code, Some(64), "{err}");
    assert!(!wav.exists(), "nothing is written on a refusal");
}

/// Each voice reads a sentence of its own language (written here: the catalogs of zh, ko, vi,
/// pt and ne are another engineer's work in progress).
#[test]
fn every_voice_reads_its_own_language_as_speech() {
    need("open_jtalk", "open-jtalk");
    need("espeak-ng", "espeak-ng");
    let dir = tempfile::tempdir().unwrap();
    for (language, text) in [
        (Language::JA, "カードを　読み取り機の　上に　おいてください"),
        (Language::EN, "Please place your card on the reader."),
        (Language::ZH, "请把卡放在读卡器上。"),
        (Language::KO, "카드를 리더기 위에 올려 주세요."),
        (Language::VI, "Xin vui lòng đặt thẻ lên máy đọc."),
        (
            Language::PT,
            "Coloque o seu cartão sobre o leitor, por favor.",
        ),
        (Language::NE, "कृपया आफ्नो कार्ड रिडरमा राख्नुहोस्।"),
    ] {
        let engine = Engine::for_language(language).unwrap();
        engine.check_installed().unwrap();
        let pcm = synth::synthesize(engine, text).unwrap();
        let wav = dir.path().join(format!("{}.wav", language.as_str()));
        std::fs::write(&wav, pcm.wav()).unwrap();
        assert_speech(&wav, language, text);
    }
}

/// Each espeak-ng voice reads its sentence as its own language: espeak-ng's phonemes (`-x`)
/// switch to another language's rules (`(en)`) where a voice cannot read its text, as the
/// `cmn` voice does with 汉字 (reading "请" as "king three"; the kiosk uses `cmn-latn-pinyin`).
#[test]
fn no_espeak_voice_switches_to_another_language_for_its_own_text() {
    use std::io::Write;
    need("espeak-ng", "espeak-ng");
    for (language, text) in [
        (Language::ZH, "请把卡放在读卡器上。"),
        (Language::KO, "카드를 리더기 위에 올려 주세요."),
        (Language::VI, "Xin vui lòng đặt thẻ lên máy đọc."),
        (
            Language::PT,
            "Coloque o seu cartão sobre o leitor, por favor.",
        ),
        (Language::NE, "कृपया आफ्नो कार्ड रिडरमा राख्नुहोस्।"),
    ] {
        let Some(Engine::Espeak(voice)) = Engine::for_language(language) else {
            panic!("{language:?} is not an espeak-ng voice");
        };
        let mut child = Command::new("espeak-ng")
            .args(["-v", voice, "-b", "1", "--stdin", "-q", "-x"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let phonemes = String::from_utf8_lossy(&out.stdout);
        assert!(
            !phonemes.trim().is_empty() && !phonemes.contains("(en)"),
            "{language:?} ({voice}) reads its text as another language: {phonemes}"
        );
    }
    // The check sees the failure it is for.
    let out = Command::new("sh")
        .args(["-c", "echo 请把卡 | espeak-ng -v cmn -b 1 --stdin -q -x"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("(en)"));
}
