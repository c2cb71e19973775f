//! Message catalogs: every string a person reads on the kiosk — a screen, the clerk's reason
//! for a failure, an admin result — comes from `assets/i18n/ja.toml` or `assets/i18n/en.toml`,
//! never from a literal in a view or an error type. Japanese is the reference; the resident
//! screens use やさしい日本語 (short sentences, spaces between phrases, ruby-free words a child or
//! a newcomer can read). A key missing from a catalog shows as `⟦key⟧`, which the screenshot
//! tests look for.
//!
//! No iced here: the card, print and form errors, the kiosk and the UI all use this module.
//! An error that a person will read carries a [`Text`] (a key and its arguments) and is put
//! into a language only where it is shown ([`Text::in_language`]): the clerk's window in
//! Japanese, the CLI or a test in English.

use std::collections::HashMap;
use std::sync::OnceLock;

/// A UI language: two lowercase ASCII letters (ja, en, zh, ko, vi, pt …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Language([u8; 2]);

impl Language {
    /// Japanese.
    pub const JA: Language = Language(*b"ja");
    /// English.
    pub const EN: Language = Language(*b"en");

    /// From an ISO 639-1 code.
    pub fn new(code: &str) -> Option<Self> {
        let b = code.as_bytes();
        (b.len() == 2 && b.iter().all(u8::is_ascii_lowercase)).then(|| Language([b[0], b[1]]))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

const JA: &str = include_str!("../assets/i18n/ja.toml");
const EN: &str = include_str!("../assets/i18n/en.toml");

fn parse(text: &str) -> HashMap<String, String> {
    // The catalogs are compiled in and checked by a unit test, so a parse error cannot reach a
    // kiosk; an empty map (every string shown as its key) is the fallback all the same.
    toml::from_str::<HashMap<String, String>>(text).unwrap_or_default()
}

fn table(language: Language) -> &'static HashMap<String, String> {
    static JA_T: OnceLock<HashMap<String, String>> = OnceLock::new();
    static EN_T: OnceLock<HashMap<String, String>> = OnceLock::new();
    if language == Language::EN {
        EN_T.get_or_init(|| parse(EN))
    } else {
        JA_T.get_or_init(|| parse(JA))
    }
}

/// The string for `key`.
pub fn t(language: Language, key: &str) -> String {
    table(language)
        .get(key)
        .cloned()
        .unwrap_or_else(|| format!("⟦{key}⟧"))
}

/// The string for `key` with `{name}` placeholders replaced.
pub fn tf(language: Language, key: &str, args: &[(&str, &str)]) -> String {
    let mut s = t(language, key);
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
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
    fn placeholders_are_filled() {
        assert_eq!(
            tf(Language::EN, "pin.tries", &[("n", "3")]),
            "3 tries left before the card locks."
        );
        assert_eq!(t(Language::JA, "no.such.key"), "⟦no.such.key⟧");
    }
}
