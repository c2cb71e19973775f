//! Message catalogs: every string a person reads on the kiosk — a screen, the clerk's reason
//! for a failure, an admin result — comes from a catalog in `assets/i18n/` (`ja.toml` and
//! `en.toml` complete, the other languages' the resident keys only), never from a literal in a
//! view or an error type. Japanese is the reference; the resident screens use やさしい日本語
//! (short sentences, everyday words, a full-width space between phrases) with every kanji
//! marked with its reading, `{漢字|かんじ}` ([`needs_furigana`] says which keys; a test finds a
//! kanji left without one). Only the ruby widget (`src/ui/ruby.rs`) sees the marks
//! ([`t_marked`]); everything else gets them stripped ([`t`]). A key missing from a catalog
//! shows as `⟦key⟧`, which the screenshot tests look for.
//!
//! No iced here: the card, print and form errors, the kiosk and the UI all use this module.
//! An error that a person will read carries a [`Text`] (a key and its arguments) and is put
//! into a language only where it is shown ([`Text::in_language`]): the clerk's window in
//! Japanese, the CLI or a test in English.

use std::collections::HashMap;
use std::sync::OnceLock;

/// A language the resident screens speak. Only the languages the kiosk offers exist: the
/// idle screen lists [`Language::ALL`], and the usage log stores [`Language::as_str`].
///
/// やさしい日本語 ([`Language::EASY_JA`]) is its own choice: the same Japanese catalog (the
/// resident screens are written in やさしい日本語 for everyone) with ふりがな shown from the
/// start. The usage log keeps it apart from `ja` so an office sees who chose it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Language(&'static str);

impl Language {
    /// Japanese.
    pub const JA: Language = Language("ja");
    /// やさしい日本語: Japanese with ふりがな on (a BCP 47 private-use tag).
    pub const EASY_JA: Language = Language("ja-x-easy");
    /// English.
    pub const EN: Language = Language("en");
    /// 中文（简体）.
    pub const ZH: Language = Language("zh");
    /// 한국어.
    pub const KO: Language = Language("ko");
    /// Tiếng Việt.
    pub const VI: Language = Language("vi");
    /// Português (Brasil).
    pub const PT: Language = Language("pt");
    /// Tagalog / Filipino.
    pub const TL: Language = Language("tl");
    /// नेपाली.
    pub const NE: Language = Language("ne");

    /// Every language, in the order the idle screen offers them.
    pub const ALL: [Language; 9] = [
        Language::JA,
        Language::EASY_JA,
        Language::EN,
        Language::ZH,
        Language::KO,
        Language::VI,
        Language::PT,
        Language::TL,
        Language::NE,
    ];

    /// From its code (`ja`, `ja-x-easy`, `en`, `zh`, …); `None` for a language the kiosk does
    /// not offer.
    pub fn new(code: &str) -> Option<Self> {
        Language::ALL.iter().copied().find(|l| l.0 == code)
    }

    /// The code, as the usage log stores it.
    pub fn as_str(&self) -> &'static str {
        self.0
    }

    /// The language's name in itself, as the idle screen offers it (no flags: a flag is a
    /// country, not a language).
    pub fn native_name(self) -> &'static str {
        match self.0 {
            "ja" => "日本語",
            "ja-x-easy" => "やさしい日本語",
            "en" => "English",
            "zh" => "中文（简体）",
            "ko" => "한국어",
            "vi" => "Tiếng Việt",
            "pt" => "Português (Brasil)",
            "tl" => "Tagalog",
            _ => "नेपाली",
        }
    }

    /// Japanese or やさしい日本語: the Japanese catalog, and the ふりがな toggle.
    pub fn is_japanese(self) -> bool {
        self == Language::JA || self == Language::EASY_JA
    }

    /// The languages a missing string is looked up in, in order: this one, English, Japanese.
    pub fn fallbacks(self) -> impl Iterator<Item = Language> {
        let own = if self.is_japanese() {
            Language::JA
        } else {
            self
        };
        [own, Language::EN, Language::JA].into_iter()
    }
}

const JA: &str = include_str!("../assets/i18n/ja.toml");
const EN: &str = include_str!("../assets/i18n/en.toml");

/// The other catalogs, resident keys only ([`is_resident_key`]); each says in its header which
/// keys it leaves out and that no native speaker has reviewed it yet.
const OTHERS: [(Language, &str); 6] = [
    (Language::ZH, include_str!("../assets/i18n/zh.toml")),
    (Language::KO, include_str!("../assets/i18n/ko.toml")),
    (Language::VI, include_str!("../assets/i18n/vi.toml")),
    (Language::PT, include_str!("../assets/i18n/pt.toml")),
    (Language::TL, include_str!("../assets/i18n/tl.toml")),
    (Language::NE, include_str!("../assets/i18n/ne.toml")),
];

/// The key prefixes of what a resident reads on the front screen, in every language: the idle,
/// choose, card, PIN, 照合番号B, confirm, question, preview, done and see-the-clerk screens,
/// their buttons and keyboards, the busy and countdown overlays, the step indicator, and the
/// names of forms, categories and purposes. Clerk, admin, doctor and error keys are for the
/// Japanese back screen and are not here (except the few in [`RESIDENT_KEYS`]).
pub const RESIDENT_PREFIXES: [&str; 21] = [
    "nav.",
    "idle.",
    "choose.",
    "place.",
    "pin.",
    "code_b.",
    "key.",
    "field.",
    "sex.",
    "confirm.",
    "q.",
    "preview.",
    "busy.",
    "done.",
    "survey.",
    "see_clerk.",
    "countdown.",
    "step.",
    "form.",
    "category.",
    "purpose.",
];

/// Single keys outside [`RESIDENT_PREFIXES`] that the resident reads: the header's name, the
/// clerk-call button and its answer, the front screen while a clerk types, the preview's own
/// error, the voice's replay button and its no-voice note.
pub const RESIDENT_KEYS: [&str; 8] = [
    "app.name",
    "clerk.call",
    "clerk.called",
    "staff.front_title",
    "staff.front_lead",
    "error.preview",
    "voice.replay",
    "voice.none",
];

/// Whether `key` is read by the resident (and so needs a text in every language). The
/// see-the-clerk screens' `….clerk` lines are the clerk's half of those screens.
pub fn is_resident_key(key: &str) -> bool {
    (RESIDENT_PREFIXES.iter().any(|p| key.starts_with(p)) || RESIDENT_KEYS.contains(&key))
        && !(key.starts_with("see_clerk.") && key.ends_with(".clerk"))
}

fn parse(text: &str) -> HashMap<String, String> {
    // The catalogs are compiled in and checked by a unit test, so a parse error cannot reach a
    // kiosk; an empty map (every string shown as its key) is the fallback all the same.
    toml::from_str::<HashMap<String, String>>(text).unwrap_or_default()
}

/// The catalog of one language (Japanese for both Japanese choices).
fn table(language: Language) -> &'static HashMap<String, String> {
    static TABLES: OnceLock<HashMap<Language, HashMap<String, String>>> = OnceLock::new();
    let tables = TABLES.get_or_init(|| {
        let mut all: HashMap<Language, HashMap<String, String>> =
            OTHERS.iter().map(|(l, text)| (*l, parse(text))).collect();
        all.insert(Language::JA, parse(JA));
        all.insert(Language::EN, parse(EN));
        all
    });
    let own = if language.is_japanese() {
        Language::JA
    } else {
        language
    };
    tables
        .get(&own)
        .unwrap_or_else(|| unreachable!("every language has a catalog"))
}

/// Every key of the English catalog (the reference for the set of keys), sorted: the glyph
/// test renders every catalog string, and the UI tests walk the resident keys.
pub fn keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = table(Language::EN).keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

/// The string for `key` in `language`'s own catalog only (no fallback), markup and
/// placeholders as written: `None` when that catalog lacks it.
pub fn own(language: Language, key: &str) -> Option<&'static str> {
    table(language).get(key).map(String::as_str)
}

/// The string for `key` as the catalog holds it, ふりがな markup (`{漢字|かんじ}`) and all:
/// only a widget that draws ruby asks for this. Missing in `language`, it falls back to
/// English, then Japanese.
pub fn t_marked(language: Language, key: &str) -> String {
    language
        .fallbacks()
        .find_map(|l| table(l).get(key))
        .cloned()
        .unwrap_or_else(|| format!("⟦{key}⟧"))
}

/// The string for `key`, plain: ふりがな markup removed (the clerk's window, the CLI, a log,
/// the speaker and the PDF never see braces).
pub fn t(language: Language, key: &str) -> String {
    plain(&t_marked(language, key))
}

/// The string for `key`, plain, with the language whose catalog gave it after falling back
/// (`None`: in no catalog). The voice reads a string with the voice of that language, so an
/// English fallback on a Nepali screen is not read by the Nepali voice.
pub fn t_with_source(language: Language, key: &str) -> Option<(Language, String)> {
    language
        .fallbacks()
        .find_map(|l| table(l).get(key).map(|s| (l, plain(s))))
}

/// The string for `key` with `{name}` placeholders replaced.
pub fn tf(language: Language, key: &str, args: &[(&str, &str)]) -> String {
    let mut s = t(language, key);
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

/// One piece of marked text: `base` with its `reading` above it, or plain text (`None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RubyPiece<'a> {
    /// What is written on the line.
    pub base: &'a str,
    /// The ふりがな drawn above `base`.
    pub reading: Option<&'a str>,
}

/// Split text marked `{漢字|かんじ}` into pieces. A `{` with no `|…}` after it stays text, so a
/// placeholder such as `{n}` (already filled or not) is never taken for ruby.
pub fn ruby_pieces(marked: &str) -> Vec<RubyPiece<'_>> {
    let mut out = Vec::new();
    let mut rest = marked;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        let inner = &after[..close];
        match inner.split_once('|') {
            Some((base, reading)) if !base.is_empty() && !reading.is_empty() => {
                if open > 0 {
                    out.push(RubyPiece {
                        base: &rest[..open],
                        reading: None,
                    });
                }
                out.push(RubyPiece {
                    base,
                    reading: Some(reading),
                });
                rest = &after[close + 1..];
            }
            _ => {
                // Not ruby: keep up to and including this `{…}` as text.
                let end = open + 1 + close + 1;
                out.push(RubyPiece {
                    base: &rest[..end],
                    reading: None,
                });
                rest = &rest[end..];
            }
        }
    }
    if !rest.is_empty() {
        out.push(RubyPiece {
            base: rest,
            reading: None,
        });
    }
    out
}

/// Marked text without its ふりがな: `{漢字|かんじ}` becomes `漢字`.
pub fn plain(marked: &str) -> String {
    if !marked.contains('|') {
        return marked.to_owned();
    }
    ruby_pieces(marked).iter().map(|p| p.base).collect()
}

/// Whether `c` is a kanji (a CJK ideograph, or 々), which resident text marks with its reading.
pub fn is_kanji(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}' | '々')
        || ('\u{20000}'..='\u{2FFFF}').contains(&c)
}

/// The kanji of marked text that have no reading (outside every `{漢字|かんじ}`), in order.
pub fn unmarked_kanji(marked: &str) -> Vec<char> {
    ruby_pieces(marked)
        .iter()
        .filter(|p| p.reading.is_none())
        .flat_map(|p| p.base.chars())
        .filter(|c| is_kanji(*c))
        .collect()
}

/// Whether the catalog string of `key` carries ふりがな: every resident key
/// ([`is_resident_key`]) and the toggle's own label, except what the clerk reads on a resident
/// screen (the romaji field of the take-over) and a date pattern (the reading of 日 depends on the
/// number: 1日 ついたち, 20日 はつか, and a wrong reading is worse than none). The clerk's and
/// admin's keys, doctor, the card, print and form errors stay plain standard Japanese.
pub fn needs_furigana(key: &str) -> bool {
    const NOT: [&str; 2] = ["q.staff_romaji", "field.birth_western"];
    (is_resident_key(key) || key == "furigana.toggle") && !NOT.contains(&key)
}

/// A sentence not yet put into a language: a catalog key and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    key: &'static str,
    args: Vec<(&'static str, Arg)>,
}

/// An argument of a [`Text`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum Arg {
    /// Shown as it is (a reader's name, a status code, CUPS's own keyword).
    Plain(String),
    /// Itself a catalog key (the name of a secret, "PIN" or "暗証番号").
    Key(&'static str),
}

impl Text {
    /// The sentence of `key`.
    pub fn new(key: &'static str) -> Self {
        Text {
            key,
            args: Vec::new(),
        }
    }

    /// Fill `{name}` with `value`, shown as it is.
    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, Arg::Plain(value.to_string())));
        self
    }

    /// Fill `{name}` with the sentence of another catalog key, in the same language.
    pub fn arg_key(mut self, name: &'static str, key: &'static str) -> Self {
        self.args.push((name, Arg::Key(key)));
        self
    }

    /// The catalog key.
    pub fn key(&self) -> &'static str {
        self.key
    }

    /// The sentence in `language`.
    pub fn in_language(&self, language: Language) -> String {
        let args: Vec<(&str, String)> = self
            .args
            .iter()
            .map(|(name, arg)| {
                let value = match arg {
                    Arg::Plain(s) => s.clone(),
                    Arg::Key(k) => t(language, k),
                };
                (*name, value)
            })
            .collect();
        let refs: Vec<(&str, &str)> = args.iter().map(|(n, v)| (*n, v.as_str())).collect();
        tf(language, self.key, &refs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogs_parse_and_have_the_same_keys() {
        let ja: HashMap<String, String> = toml::from_str(JA).unwrap();
        let en: HashMap<String, String> = toml::from_str(EN).unwrap();
        let mut missing: Vec<_> = ja.keys().filter(|k| !en.contains_key(*k)).collect();
        missing.extend(en.keys().filter(|k| !ja.contains_key(*k)));
        assert!(missing.is_empty(), "keys in one catalog only: {missing:?}");
        assert!(ja.values().chain(en.values()).all(|v| !v.trim().is_empty()));
    }

    #[test]
    fn every_key_the_code_uses_is_in_the_catalogs() {
        // Every `t("key")` / `cx.tf("key", …)` / `Text::new("key")` literal anywhere in src/.
        fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    files(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let mut paths = Vec::new();
        files(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut paths,
        );
        let ja = table(Language::JA);
        let mut unknown = Vec::new();
        let mut seen = 0;
        for path in paths {
            let text = std::fs::read_to_string(path).unwrap();
            for part in text
                .split("t(\"")
                .skip(1)
                .chain(text.split("tr(\"").skip(1))
                .chain(text.split("Text::new(\"").skip(1))
                .chain(text.split("tf(\"").skip(1))
            {
                let key: String = part.chars().take_while(|c| *c != '"').collect();
                if key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
                    && key.contains('.')
                    && !ja.contains_key(&key)
                {
                    unknown.push(key);
                } else {
                    seen += 1;
                }
            }
        }
        assert!(unknown.is_empty(), "not in the catalogs: {unknown:?}");
        assert!(seen > 100, "the scan found only {seen} keys");
    }

    #[test]
    fn ruby_markup_splits_and_strips() {
        let marked = "{証明書|しょうめいしょ}を　{n}{枚|まい}";
        assert_eq!(
            ruby_pieces(marked),
            vec![
                RubyPiece {
                    base: "証明書",
                    reading: Some("しょうめいしょ")
                },
                RubyPiece {
                    base: "を　{n}",
                    reading: None
                },
                RubyPiece {
                    base: "枚",
                    reading: Some("まい")
                },
            ]
        );
        assert_eq!(plain(marked), "証明書を　{n}枚");
        assert_eq!(plain("{a|}b{"), "{a|}b{");
    }

    #[test]
    fn every_kanji_a_resident_reads_has_its_reading() {
        let ja: HashMap<String, String> = toml::from_str(JA).unwrap();
        let mut missing: Vec<String> = Vec::new();
        let mut resident = 0;
        for (key, value) in &ja {
            if needs_furigana(key) {
                resident += 1;
                let k = unmarked_kanji(value);
                if !k.is_empty() {
                    missing.push(format!("{key}: {}", k.iter().collect::<String>()));
                }
                // A reading is kana, and a base is not empty (`{|}` would draw nothing).
                for p in ruby_pieces(value) {
                    if let Some(r) = p.reading {
                        assert!(
                            r.chars()
                                .all(|c| matches!(c, 'ぁ'..='ゖ' | 'ー' | 'ァ'..='ヺ')),
                            "{key}: the reading “{r}” of “{}” is not kana",
                            p.base
                        );
                    }
                }
            } else {
                assert!(
                    !value.contains('|'),
                    "{key} is read by the clerk: no ふりがな marks"
                );
            }
        }
        missing.sort();
        assert!(missing.is_empty(), "kanji without a reading: {missing:#?}");
        assert!(resident > 120, "only {resident} resident keys");
        assert!(needs_furigana("pin.title") && !needs_furigana("clerk.reset"));
        assert!(!needs_furigana("see_clerk.guard.clerk"));
        assert_eq!(unmarked_kanji("{書|か}かない窓口"), ['窓', '口']);
    }

    #[test]
    fn a_language_without_its_own_string_falls_back_to_english() {
        assert_eq!(Language::new("ja-x-easy"), Some(Language::EASY_JA));
        assert_eq!(Language::new("xx"), None);
        assert_eq!(
            t(Language::EASY_JA, "nav.back"),
            t(Language::JA, "nav.back")
        );
        // A clerk key is deliberately absent from the Nepali catalog: English, then Japanese.
        assert_eq!(own(Language::NE, "clerk.take_over"), None);
        assert_eq!(
            t(Language::NE, "clerk.take_over"),
            t(Language::EN, "clerk.take_over")
        );
        assert_eq!(t(Language::NE, "nav.back"), "पछाडि");
    }

    /// The `{name}` placeholders of a catalog string, sorted (ふりがな markup `{漢字|かんじ}`
    /// is not a placeholder).
    fn placeholders(s: &str) -> Vec<String> {
        let mut out: Vec<String> = s
            .split('{')
            .skip(1)
            .filter_map(|p| p.split_once('}').map(|(name, _)| name.to_owned()))
            .filter(|name| !name.contains('|'))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn every_resident_key_is_in_every_catalog_with_the_same_placeholders() {
        let en: HashMap<String, String> = toml::from_str(EN).unwrap();
        let resident: Vec<&String> = en.keys().filter(|k| is_resident_key(k)).collect();
        assert!(
            resident.len() > 150,
            "only {} resident keys",
            resident.len()
        );
        assert!(!is_resident_key("see_clerk.guard.clerk"));
        assert!(!is_resident_key("admin.title"));
        assert!(is_resident_key("clerk.call") && is_resident_key("see_clerk.guard.lead"));
        for (language, text) in OTHERS {
            let code = language.as_str();
            let header: String = text.lines().take(3).collect();
            assert!(
                header.contains("NOT YET REVIEWED BY A NATIVE SPEAKER"),
                "{code}.toml: the header must say it is not yet reviewed"
            );
            let own: HashMap<String, String> =
                toml::from_str(text).unwrap_or_else(|e| panic!("assets/i18n/{code}.toml: {e}"));
            let missing: Vec<&&String> =
                resident.iter().filter(|k| !own.contains_key(**k)).collect();
            assert!(missing.is_empty(), "{code}.toml lacks {missing:?}");
            for (key, value) in &own {
                let reference = en
                    .get(key)
                    .unwrap_or_else(|| panic!("{code}.toml: {key} is not a key of en.toml"));
                assert!(
                    is_resident_key(key),
                    "{code}.toml: {key} is not a resident key"
                );
                assert!(!value.trim().is_empty(), "{code}.toml: {key} is empty");
                assert_eq!(
                    placeholders(value),
                    placeholders(reference),
                    "{code}.toml: {key} has other placeholders than en.toml"
                );
            }
        }
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            tf(Language::EN, "pin.tries", &[("n", "3")]),
            "3 tries left before the card locks."
        );
        assert_eq!(t(Language::JA, "no.such.key"), "⟦no.such.key⟧");
    }
}
