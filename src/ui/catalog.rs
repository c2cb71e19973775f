//! Message catalogs: every string a person reads on the kiosk comes from
//! `assets/i18n/ja.toml` or `assets/i18n/en.toml`, never from a literal in a view. Japanese is
//! the reference; the resident screens use やさしい日本語 (short sentences, spaces between
//! phrases, ruby-free words a child or a newcomer can read). A key missing from a catalog shows
//! as `⟦key⟧`, which the screenshot tests look for.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::usage::record::Language;

const JA: &str = include_str!("../../assets/i18n/ja.toml");
const EN: &str = include_str!("../../assets/i18n/en.toml");

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
    fn every_key_the_ui_uses_is_in_the_catalogs() {
        // Every `t(…, "key")` / `tf(…, "key", …)` / `self.t("key")` literal in src/ui.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui");
        let ja = table(Language::JA);
        let mut unknown = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for part in text
                .split("t(\"")
                .skip(1)
                .chain(text.split("tr(\"").skip(1))
            {
                let key: String = part.chars().take_while(|c| *c != '"').collect();
                if key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
                    && key.contains('.')
                    && !ja.contains_key(&key)
                {
                    unknown.push(key);
                }
            }
        }
        assert!(unknown.is_empty(), "not in the catalogs: {unknown:?}");
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
