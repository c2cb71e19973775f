//! What the kiosk may say: a [`Speech`] is made only of catalog keys, so no name, address,
//! birth date, PIN or answer can reach the speaker (the whole queue hears it). A key whose text
//! has a placeholder in any language is refused, except the few whose placeholder is a count
//! ([`NUMBERS`]), and those take only a number.

use super::VoiceError;
use crate::i18n::{self, Language};

/// The keys whose placeholder may be spoken, and only as a number: counts the kiosk makes, never
/// a resident's digits (a birth year is a number too, which is why this is a list and not "any
/// number").
pub const NUMBERS: &[(&str, &str)] = &[
    ("pin.tries", "n"),
    ("q.progress", "n"),
    ("q.progress", "total"),
];

/// One sentence: a catalog key and the numbers for its placeholders.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Line {
    key: &'static str,
    numbers: Vec<(&'static str, u32)>,
}

/// Sentences to speak, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Speech {
    lines: Vec<Line>,
}

/// A piece of a speech in one language: what one synthesiser reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The language of the catalog the text came from (after falling back).
    pub language: Language,
    /// The text, ふりがな markup stripped.
    pub text: String,
}

/// The `{name}` placeholders of a catalog text.
fn placeholders(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        let name = &after[..close];
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            out.push(name);
        }
        rest = &after[close + 1..];
    }
    out
}

impl Speech {
    /// The sentences of `keys`, each without a placeholder in any language.
    pub fn of(keys: &[&'static str]) -> Result<Speech, VoiceError> {
        let mut s = Speech::default();
        for &key in keys {
            s = s.then(key, &[])?;
        }
        Ok(s)
    }

    /// And the sentence of `key`, its placeholders filled with `numbers`: refused unless every
    /// placeholder of `key` in every language is in [`NUMBERS`] and given here.
    pub fn then(
        mut self,
        key: &'static str,
        numbers: &[(&'static str, u32)],
    ) -> Result<Speech, VoiceError> {
        for language in Language::ALL {
            let Some((_, text)) = i18n::t_with_source(language, key) else {
                return Err(VoiceError::UnknownKey(key));
            };
            for name in placeholders(&text) {
                let allowed = NUMBERS.contains(&(key, name));
                let given = numbers.iter().any(|(n, _)| *n == name);
                if !allowed || !given {
                    return Err(VoiceError::NotSpeakable {
                        key,
                        placeholder: name.to_owned(),
                    });
                }
            }
        }
        self.lines.push(Line {
            key,
            numbers: numbers.to_vec(),
        });
        Ok(self)
    }

    /// The catalog keys, in order.
    pub fn keys(&self) -> Vec<&'static str> {
        self.lines.iter().map(|l| l.key).collect()
    }

    /// Whether there is nothing to say.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The text to read for a resident who chose `language`, one segment per sentence, each in
    /// the language its catalog text is actually in: until a catalog is written, its strings
    /// fall back to English, and English text is read by the English voice, not the chosen
    /// language's.
    pub fn segments(&self, language: Language) -> Vec<Segment> {
        self.lines
            .iter()
            .filter_map(|line| {
                let (source, mut text) = i18n::t_with_source(language, line.key)?;
                for (name, n) in &line.numbers {
                    text = text.replace(&format!("{{{name}}}"), &n.to_string());
                }
                Some(Segment {
                    language: source,
                    text,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_with_a_placeholder_are_refused_unless_a_whitelisted_count() {
        assert!(Speech::of(&["pin.title", "pin.hide"]).is_ok());
        // The birth date's placeholders are the resident's digits.
        assert!(matches!(
            Speech::of(&["field.birth_western"]),
            Err(VoiceError::NotSpeakable {
                key: "field.birth_western",
                ..
            })
        ));
        // A count, whitelisted, only with its number.
        assert!(Speech::of(&["pin.tries"]).is_err());
        let s = Speech::default().then("pin.tries", &[("n", 3)]).unwrap();
        assert_eq!(
            s.segments(Language::EN)[0].text,
            "3 tries left before the card locks."
        );
        // A key not in the catalogs would be read out as "⟦key⟧".
        assert!(matches!(
            Speech::of(&["no.such.key"]),
            Err(VoiceError::UnknownKey("no.such.key"))
        ));
    }

    #[test]
    fn a_string_not_yet_translated_is_read_in_the_language_it_falls_back_to() {
        let s = Speech::of(&["pin.title"]).unwrap();
        let ja = s.segments(Language::EASY_JA);
        assert_eq!(ja[0].language, Language::JA);
        assert!(
            !ja[0].text.contains('|'),
            "no ふりがな markup: {}",
            ja[0].text
        );
        for l in Language::ALL.into_iter().filter(|l| !l.is_japanese()) {
            let seg = &s.segments(l)[0];
            let expected = if i18n::t_with_source(l, "pin.title").unwrap().0 == l {
                l
            } else {
                Language::EN
            };
            assert_eq!(seg.language, expected, "{l:?}");
        }
    }
}
