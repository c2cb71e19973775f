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
    pub fn load(path: &Path) -> Result<Self, AnswersFileError> {
        let text = crate::files::read_regular_text(path, 1 << 20, "an answers file")?;
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            // The line, never the value: an answers file may hold a resident's answers.
            let line = e
                .span()
                .map(|span| text[..span.start].lines().count().max(1));
            AnswersFileError::Toml {
                path: path.to_owned(),
                line,
                message: e.message().to_owned(),
            }
        })?;
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
                    return Err(AnswersFileError::Kind {
                        path: path.to_owned(),
                        key,
                    });
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
/// An answers file (`kakanai forms render --answers`) that cannot be used. Names the file,
/// the line and the question, never an answer's value.
#[derive(Debug, thiserror::Error)]
pub enum AnswersFileError {
    /// Missing, not a regular file, too big or not UTF-8.
    #[error(transparent)]
    File(#[from] crate::files::FileError),
    /// Not TOML.
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Toml {
        /// The file.
        path: std::path::PathBuf,
        /// The line, where toml knows it.
        line: Option<usize>,
        /// What toml says is wrong (toml's message; it does not quote the value).
        message: String,
    },
    /// An answer that is a table or a date.
    #[error("{}: answer `{key}` must be text, a number or a list", path.display())]
    Kind {
        /// The file.
        path: std::path::PathBuf,
        /// The question id.
        key: String,
    },
}
