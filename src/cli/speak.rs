//! `kakanai speak --lang LANG --key CATALOG_KEY… -o FILE.wav`: what the kiosk says, as a WAV,
//! so an office (and the tests) can hear it without a kiosk. The same [`Speech`] the screens
//! use: only catalog keys without a personal placeholder, each read by the voice of the
//! language its text is in, at `[voice] volume`.

use std::path::PathBuf;

use clap::Args;

use super::exit;
use crate::config::Config;
use crate::i18n::Language;
use crate::voice::{Speech, VoiceError};

/// `kakanai speak`
#[derive(Debug, Args)]
pub struct SpeakArgs {
    /// The resident's language: ja, ja-x-easy, en, zh, ko, vi, pt, tl, ne.
    #[arg(long, value_name = "LANG")]
    pub lang: String,
    /// A catalog key (assets/i18n/*.toml), such as place.title; repeat for a screen's title
    /// and instruction, read in order.
    #[arg(long = "key", value_name = "CATALOG_KEY", required = true)]
    pub keys: Vec<String>,
    /// The WAV to write (24 kHz mono 16-bit).
    #[arg(short, long, value_name = "FILE.wav")]
    pub output: PathBuf,
}

/// Run `kakanai speak`.
pub fn run(args: SpeakArgs, config: &Config) -> i32 {
    let Some(language) = Language::new(&args.lang) else {
        let codes: Vec<&str> = Language::ALL.iter().map(Language::as_str).collect();
        eprintln!(
            "kakanai: --lang {}: not a language the kiosk offers ({})",
            args.lang,
            codes.join(", ")
        );
        return exit::USAGE;
    };
    // Keys are 'static in the voice's API (the screens name them in code); the command line's
    // are leaked, once, for this short-lived process.
    let keys: Vec<&'static str> = args
        .keys
        .into_iter()
        .map(|k| -> &'static str { Box::leak(k.into_boxed_str()) })
        .collect();
    let speech = match Speech::of(&keys) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("kakanai: {e}");
            return exit::USAGE;
        }
    };
    let pcm = match crate::voice::render(language, &speech, config.voice.volume) {
        Ok(p) => p,
        Err(e @ VoiceError::NoVoice(_)) => {
            eprintln!("kakanai: {e}");
            return exit::USAGE;
        }
        Err(e) => {
            eprintln!("kakanai: {e}");
            return exit::FAILED;
        }
    };
    if let Err(e) = crate::files::write_bytes_replacing(&args.output, 0o644, &pcm.wav()) {
        eprintln!("kakanai: {}: {e}", args.output.display());
        return exit::FAILED;
    }
    println!(
        "{}: {:.2} s, {} Hz mono",
        args.output.display(),
        pcm.seconds(),
        crate::voice::synth::RATE
    );
    exit::OK
}
