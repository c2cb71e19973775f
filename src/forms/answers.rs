//! What the resident (or the clerk) answered, per question id.
//!
//! Answers can be personal (a phone number, a furigana), so they are treated like the card data:
//! redacted `Debug`, zeroed on drop, nothing `Serialize`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use zeroize::Zeroize;

use super::template::Template;

/// Question id → answer. Several choices are stored comma-separated.
#[derive(Default, Clone)]
pub struct Answers(BTreeMap<String, String>);

impl Answers {
    /// No answers.
    pub fn new() -> Self {
        Answers::default()
    }

    /// Set one answer.
    pub fn set(&mut self, question: &str, value: impl Into<String>) {
        if let Some(mut old) = self.0.insert(question.to_owned(), value.into()) {
            old.zeroize();
        }
    }

    /// An answer.
    pub fn get(&self, question: &str) -> Option<&str> {
        self.0
            .get(question)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Fill unanswered questions of `template` with their defaults.
    pub fn with_defaults(mut self, template: &Template) -> Self {
        for q in template.spec.questions.iter().map(|q| q.get_ref()) {
            if let (None, Some(d)) = (self.get(&q.id), &q.default) {
                self.set(&q.id, d.clone());
            }
        }
        self
    }

    /// Read a TOML file of `question = value` (strings, integers, or arrays for several
    /// choices). Errors name the file and line, not the value.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = crate::files::read_regular_text(path, 1 << 20, "an answers file")
            .map_err(|e| e.to_string())?;
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| format!("{}: {}", path.display(), e.message()))?;
        let mut answers = Answers::new();
        for (key, value) in table {
            let v = match value {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                toml::Value::Array(items) => items
                    .iter()
                    .map(|i| match i {
                        toml::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(","),
                _ => {
                    return Err(format!(
                        "{}: answer `{key}` must be text, a number or a list",
                        path.display()
                    ));
                }
            };
            answers.set(&key, v);
        }
        Ok(answers)
    }

    /// The answers in question-id order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl Drop for Answers {
    fn drop(&mut self) {
        for v in self.0.values_mut() {
            v.zeroize();
        }
    }
}

impl fmt::Debug for Answers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Answers({:?}, <values redacted>)",
            self.0.keys().collect::<Vec<_>>()
        )
    }
}
