//! The templates' questions and options in the languages other than Japanese and English.
//!
//! A template holds its Japanese and English lines itself (`label = { ja = …, en = … }`); the
//! other languages live beside the templates, one file per language:
//! `forms/i18n/<code>.toml` with a table per template id and, in it, `<question id>` and
//! `<question id>.<option value>` keys. One file per language rather than inline so that a
//! translator works in one file, and a template's own lines (which the Japanese rewrite edits)
//! are never touched by a translation. A text missing for a language falls back to English,
//! then Japanese ([`super::template::Localized::in_language`]); `kakanai forms check` lists
//! what is missing per language as warnings.
//!
//! What is printed stays Japanese: only the screen uses these texts.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::template::{Template, TemplateError};
use crate::i18n::Language;

/// A translation file is small text; anything larger is not one.
const MAX_BYTES: u64 = 1 << 20;

/// The languages whose texts come from translation files (not Japanese, not English).
pub fn languages() -> impl Iterator<Item = Language> {
    Language::ALL
        .into_iter()
        .filter(|l| !l.is_japanese() && *l != Language::EN)
}

/// One language's file: template id → key → text.
type Table = BTreeMap<String, BTreeMap<String, String>>;

/// Every language's translations of a forms folder.
#[derive(Debug, Default)]
pub struct Translations {
    files: Vec<(Language, PathBuf, Table)>,
}

/// Read `dir/i18n/<code>.toml` for every language that has one. A file that is not there is
/// not an error (its texts fall back and `forms check` says how many); one that cannot be read
/// or parsed is, naming the file and line.
pub fn load(dir: &Path) -> (Translations, Vec<TemplateError>) {
    let mut out = Translations::default();
    let mut errors = Vec::new();
    for language in languages() {
        let path = dir.join("i18n").join(format!("{}.toml", language.as_str()));
        if !path.exists() {
            continue;
        }
        let file = path.display().to_string();
        let text = match crate::files::read_regular_text(&path, MAX_BYTES, "a template translation")
        {
            Ok(text) => text,
            Err(e) => {
                errors.push(TemplateError {
                    file,
                    line: 0,
                    what: format!("cannot read the translation: {e}"),
                });
                continue;
            }
        };
        match toml::from_str::<Table>(&text) {
            Ok(table) => out.files.push((language, path, table)),
            Err(e) => errors.push(TemplateError {
                line: e.span().map_or(0, |s| text[..s.start].lines().count().max(1)),
                file,
                what: format!(
                    "{} (a translation file is a [template-id] table of \"question\" and \"question.option\" = \"text\")",
                    e.message()
                ),
            }),
        }
    }
    (out, errors)
}

/// Put the translations into the templates' questions and options.
pub fn apply(templates: &mut [Template], translations: &Translations) {
    for (language, _, table) in &translations.files {
        for template in templates.iter_mut() {
            let Some(texts) = table.get(&template.spec.id) else {
                continue;
            };
            for question in &mut template.spec.questions {
                let q = question.get_mut();
                if let Some(text) = texts.get(&q.id) {
                    q.label.set(*language, text.clone());
                }
                for option in &mut q.options {
                    if let Some(text) = texts.get(&format!("{}.{}", q.id, option.value)) {
                        option.label.set(*language, text.clone());
                    }
                }
            }
        }
    }
}

/// What a language lacks: `<template>: <key>` for every question or option with no text of
/// its own in that language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// The language.
    pub language: Language,
    /// `template-id: key`, in template and question order.
    pub keys: Vec<String>,
}

/// Per language (every language other than Japanese and English, in [`Language::ALL`]
/// order), the questions and options without a text of its own.
pub fn missing(templates: &[Template]) -> Vec<Missing> {
    languages()
        .map(|language| {
            let mut keys = Vec::new();
            for template in templates {
                for question in &template.spec.questions {
                    let q = question.get_ref();
                    if q.label.own(language).is_none() {
                        keys.push(format!("{}: {}", template.spec.id, q.id));
                    }
                    for option in &q.options {
                        if option.label.own(language).is_none() {
                            keys.push(format!("{}: {}.{}", template.spec.id, q.id, option.value));
                        }
                    }
                }
            }
            Missing { language, keys }
        })
        .collect()
}

/// Keys in the translation files that name no template, question or option (a renamed
/// question, a typo): `file: [template] key`, so the translator can fix them.
pub fn unused(templates: &[Template], translations: &Translations) -> Vec<String> {
    let known: HashMap<&str, Vec<String>> = templates
        .iter()
        .map(|t| {
            let mut keys = Vec::new();
            for question in &t.spec.questions {
                let q = question.get_ref();
                keys.push(q.id.clone());
                keys.extend(q.options.iter().map(|o| format!("{}.{}", q.id, o.value)));
            }
            (t.spec.id.as_str(), keys)
        })
        .collect();
    let mut out = Vec::new();
    for (_, path, table) in &translations.files {
        for (id, texts) in table {
            for key in texts.keys() {
                if !known.get(id.as_str()).is_some_and(|k| k.contains(key)) {
                    out.push(format!("{}: [{id}] {key}", path.display()));
                }
            }
        }
    }
    out
}
