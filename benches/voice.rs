//! Voice guidance: the time from entering a screen ([`Voice::say`], what the app calls when a
//! screen is entered) to the first sample handed to the sound device, with the screen's prompt
//! synthesised ahead (on the choice of language) and without; and the memory the voice holds.
//! `cargo bench --bench voice`. The target is < 300 ms.
//!
//! The sound device is the voice's recording sink (no sound card here): it takes the samples as
//! fast as they come, so the time is the voice's own — the worker waking, the cache or the
//! synthesiser, the first 20 ms chunk — without ALSA's buffer, which aplay adds on a kiosk
//! (its default is 0.5 s of buffer, but playback starts as the first period arrives).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use kakanai::i18n::Language;
use kakanai::voice::{Recording, Settings, Speech, Voice};

const SETTINGS: Settings = Settings {
    enabled: true,
    volume: 100,
};

/// The place-card screen's prompt: its title and lead, about 5 s of speech in Japanese.
fn prompt() -> Speech {
    Speech::of(&["place.title", "place.lead_pin"]).unwrap()
}

/// `say` → the first sample in the sink, for the next utterance of `voice`.
fn first_sample(voice: &Voice, heard: &Recording, language: Language) -> Duration {
    let n = heard.heard().len();
    let t = Instant::now();
    voice.say(language, prompt());
    assert!(
        heard.wait_for(Duration::from_secs(30), |h| h
            .get(n)
            .is_some_and(|u| u.first_sample.is_some())),
        "no sound"
    );
    let first = heard.heard()[n].first_sample.unwrap();
    // Let it finish so the next iteration starts clean.
    voice.stop();
    first - t
}

fn bench(c: &mut Criterion) {
    let test_mode = std::env::args().any(|a| a == "--test");
    let mut g = c.benchmark_group("voice_first_sound");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_secs(3));
    for language in [Language::JA, Language::EN] {
        // Without ahead-of-time synthesis: a new voice (empty cache) for every screen entered.
        g.bench_function(format!("{}_synthesised_on_entry", language.as_str()), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let heard = Recording::new(false);
                    let voice = Voice::start(SETTINGS, Box::new(heard.clone()));
                    total += first_sample(&voice, &heard, language);
                }
                total
            })
        });
        // With the prompts synthesised ahead, as on the choice of a language.
        let heard = Recording::new(false);
        let voice = Voice::start(SETTINGS, Box::new(heard.clone()));
        voice.prepare(language, vec![prompt()]);
        assert!(voice.wait_prepared(Duration::from_secs(30)));
        g.bench_function(format!("{}_prepared_ahead", language.as_str()), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    total += black_box(first_sample(&voice, &heard, language));
                }
                total
            })
        });
    }
    g.finish();

    // Memory: the synthesised prompts of every resident screen for one language, and the
    // synthesisers' own peak (child processes, gone after each sentence).
    if !test_mode {
        let heard = Recording::new(false);
        let voice = Voice::start(SETTINGS, Box::new(heard));
        let all: Vec<Speech> = kakanai::ui::screen::Screen::all_spoken()
            .into_iter()
            .filter_map(|k| Speech::of(k).ok())
            .collect();
        for language in [Language::JA, Language::EN, Language::NE] {
            let t = Instant::now();
            voice.prepare(language, all.clone());
            assert!(voice.wait_prepared(Duration::from_secs(300)));
            println!(
                "voice_memory language={} screens={} cached_kib={} prepare_s={:.1} rss_kib={}",
                language.as_str(),
                all.len(),
                voice.cached_bytes() / 1024,
                t.elapsed().as_secs_f64(),
                rss_kib()
            );
        }
        println!("voice_children_peak_rss_kib={}", children_peak_rss_kib());
    }
}

/// This process's resident set (Linux).
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))?
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

/// The largest resident set of any child process so far (the synthesisers).
fn children_peak_rss_kib() -> i64 {
    // SAFETY: getrusage writes into the struct we pass and reads nothing else.
    unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut u);
        u.ru_maxrss
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
