//! The typefaces the screens draw each language in, and what they cover.
//!
//! One face can not serve nine languages: the same Han character has Japanese and simplified
//! Chinese glyph forms, BIZ UD Gothic has no Hangul, Devanagari or Vietnamese stacked
//! diacritics, and its Latin letters are fixed-width (English looked typed). So each language
//! has its own proportional face, bundled under `assets/fonts/` (see its README for where each
//! comes from, its licence, and why the CJK faces are subsets):
//!
//! | language | face |
//! | --- | --- |
//! | 日本語, やさしい日本語 | BIZ UDPGothic (the proportional sibling of BIZ UDGothic) |
//! | English, Tiếng Việt, Português, Tagalog | Noto Sans |
//! | 中文（简体） | Noto Sans CJK SC, subset |
//! | 한국어 | Noto Sans CJK KR, subset |
//! | नेपाली | Noto Sans Devanagari |
//!
//! No iced here: the UI loads [`ALL`] and picks [`for_language`]; the glyph test checks every
//! catalog and template string against its language's face; widths for line breaking come
//! from [`Typeface::width`].

use std::sync::OnceLock;

use crate::i18n::Language;

/// A family with a regular and a bold face.
pub struct Typeface {
    /// The family name the faces declare (what the UI asks the font system for).
    pub family: &'static str,
    /// The regular face's file.
    pub regular: &'static [u8],
    /// The bold face's file.
    pub bold: &'static [u8],
    parsed: &'static OnceLock<Option<Metrics>>,
}

/// What line breaking needs of the regular face: advance widths in em.
struct Metrics {
    face: ttf_parser::Face<'static>,
    units_per_em: f32,
}

/// Japanese and やさしい日本語, and the clerk's screens: BIZ UDPGothic.
pub static JAPANESE: Typeface = Typeface {
    family: "BIZ UDPGothic",
    regular: include_bytes!("../assets/fonts/BIZUDPGothic-Regular.ttf"),
    bold: include_bytes!("../assets/fonts/BIZUDPGothic-Bold.ttf"),
    parsed: {
        static P: OnceLock<Option<Metrics>> = OnceLock::new();
        &P
    },
};

/// English, Vietnamese, Portuguese, Tagalog: Noto Sans (every Vietnamese letter with its
/// stacked marks precomposed).
pub static LATIN: Typeface = Typeface {
    family: "Noto Sans",
    regular: include_bytes!("../assets/fonts/NotoSans-Regular.ttf"),
    bold: include_bytes!("../assets/fonts/NotoSans-Bold.ttf"),
    parsed: {
        static P: OnceLock<Option<Metrics>> = OnceLock::new();
        &P
    },
};

/// Simplified Chinese: Noto Sans CJK SC, subset to GB 2312 and the catalogs' characters.
pub static CHINESE: Typeface = Typeface {
    family: "Noto Sans CJK SC",
    regular: include_bytes!("../assets/fonts/NotoSansCJKsc-Regular.subset.otf"),
    bold: include_bytes!("../assets/fonts/NotoSansCJKsc-Bold.subset.otf"),
    parsed: {
        static P: OnceLock<Option<Metrics>> = OnceLock::new();
        &P
    },
};

/// Korean: Noto Sans CJK KR, subset to every Hangul syllable and the catalogs' characters.
pub static KOREAN: Typeface = Typeface {
    family: "Noto Sans CJK KR",
    regular: include_bytes!("../assets/fonts/NotoSansCJKkr-Regular.subset.otf"),
    bold: include_bytes!("../assets/fonts/NotoSansCJKkr-Bold.subset.otf"),
    parsed: {
        static P: OnceLock<Option<Metrics>> = OnceLock::new();
        &P
    },
};

/// Nepali: Noto Sans Devanagari (its conjuncts and vowel signs are OpenType features the
/// UI's shaper applies).
pub static DEVANAGARI: Typeface = Typeface {
    family: "Noto Sans Devanagari",
    regular: include_bytes!("../assets/fonts/NotoSansDevanagari-Regular.ttf"),
    bold: include_bytes!("../assets/fonts/NotoSansDevanagari-Bold.ttf"),
    parsed: {
        static P: OnceLock<Option<Metrics>> = OnceLock::new();
        &P
    },
};

/// Every typeface the UI loads.
pub static ALL: [&Typeface; 5] = [&JAPANESE, &LATIN, &CHINESE, &KOREAN, &DEVANAGARI];

/// The face a language's text is drawn in.
pub fn for_language(language: Language) -> &'static Typeface {
    match language {
        Language::ZH => &CHINESE,
        Language::KO => &KOREAN,
        Language::NE => &DEVANAGARI,
        Language::EN | Language::VI | Language::PT | Language::TL => &LATIN,
        _ => &JAPANESE,
    }
}

impl Typeface {
    fn metrics(&self) -> Option<&Metrics> {
        self.parsed
            .get_or_init(|| {
                let face = ttf_parser::Face::parse(self.regular, 0).ok()?;
                let units_per_em = f32::from(face.units_per_em());
                Some(Metrics { face, units_per_em })
            })
            .as_ref()
    }

    /// The characters of `text` that the regular or the bold face has no glyph for (spaces
    /// and line breaks aside), each once, in order: what would show as a box or come from
    /// another font.
    pub fn missing(&self, text: &str) -> Vec<char> {
        let faces: Vec<ttf_parser::Face<'static>> = [self.regular, self.bold]
            .iter()
            .filter_map(|bytes| ttf_parser::Face::parse(bytes, 0).ok())
            .collect();
        let mut out = Vec::new();
        for c in text.chars() {
            if c.is_whitespace() || out.contains(&c) {
                continue;
            }
            if faces.len() < 2 || faces.iter().any(|f| f.glyph_index(c).is_none()) {
                out.push(c);
            }
        }
        out
    }

    /// The width of `text` at `size` px in the regular face: the sum of its glyphs' advances
    /// (a character the face lacks counts one em, as a CJK fallback glyph would).
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let Some(m) = self.metrics() else {
            return text.chars().count() as f32 * size;
        };
        text.chars()
            .map(|c| {
                m.face
                    .glyph_index(c)
                    .and_then(|g| m.face.glyph_hor_advance(g))
                    .map_or(1.0, |a| f32::from(a) / m.units_per_em)
            })
            .sum::<f32>()
            * size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_face_parses_and_declares_its_family() {
        for face in ALL {
            for bytes in [face.regular, face.bold] {
                let f = ttf_parser::Face::parse(bytes, 0).expect("a font file");
                let families: Vec<String> = f
                    .names()
                    .into_iter()
                    .filter(|n| n.name_id == ttf_parser::name_id::FAMILY && n.is_unicode())
                    .filter_map(|n| n.to_string())
                    .collect();
                assert!(
                    families.iter().any(|n| n == face.family),
                    "{}: {families:?}",
                    face.family
                );
            }
        }
    }

    #[test]
    fn latin_is_proportional_and_cjk_is_square() {
        // "i" is narrower than "W" in the proportional faces: English no longer looks typed.
        assert!(JAPANESE.width("i", 100.0) < JAPANESE.width("W", 100.0) / 2.0);
        assert!(LATIN.width("iiii", 100.0) < LATIN.width("WWWW", 100.0) / 2.0);
        assert!((CHINESE.width("证明书", 10.0) - 30.0).abs() < 0.5);
        // Hangul syllables are a little narrower than an em in Noto Sans CJK KR.
        let hangul = KOREAN.width("증명서", 10.0);
        assert!(hangul > 25.0 && hangul <= 30.0, "{hangul}");
    }

    /// `s` without its `{name}` placeholders (filled at run time with digits, a window name or
    /// other catalog strings, each checked on its own).
    fn without_placeholders(s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            match rest[open..].find('}') {
                Some(close) => rest = &rest[open + close + 1..],
                None => {
                    rest = &rest[open..];
                    break;
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// Every string each language's face draws — its catalog's (all of it for Japanese, which
    /// the clerk's screens use too; the resident keys for the others) and every question and
    /// option of the templates in `forms/` — must have every glyph in that face, regular and
    /// bold. A glyph the face lacks would come from another font (a Japanese form of a Chinese
    /// character, a mismatched Latin letter) or show as a box.
    #[test]
    fn every_catalog_and_template_string_has_every_glyph_in_its_languages_face() {
        let forms = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("forms");
        let (templates, errors) = crate::forms::load_dir(&forms);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(templates.len(), 10);
        let mut problems = Vec::new();
        let mut checked = 0;
        for language in Language::ALL {
            let face = for_language(language);
            let mut strings: Vec<(String, String)> = Vec::new();
            for key in crate::i18n::keys() {
                // ゛゜ is a kana key, drawn in the Japanese face in every language.
                let drawn_here = if language.is_japanese() {
                    true
                } else {
                    crate::i18n::is_resident_key(key) && key != "key.dakuten"
                };
                if drawn_here {
                    strings.push((key.to_owned(), crate::i18n::t(language, key)));
                }
            }
            for t in &templates {
                for q in &t.spec.questions {
                    let q = q.get_ref();
                    strings.push((format!("{}: {}", t.spec.id, q.id), q.label_in(language)));
                    for o in &q.options {
                        strings.push((
                            format!("{}: {}.{}", t.spec.id, q.id, o.value),
                            o.label.in_language(language),
                        ));
                    }
                }
            }
            strings.push(("native name".into(), language.native_name().into()));
            for (what, s) in strings {
                checked += 1;
                let missing = face.missing(&without_placeholders(&crate::i18n::plain(&s)));
                if !missing.is_empty() {
                    problems.push(format!(
                        "{} ({}): {what} {s:?} lacks {missing:?}",
                        language.as_str(),
                        face.family
                    ));
                }
            }
        }
        assert!(checked > 2000, "only {checked} strings");
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn the_faces_cover_their_scripts() {
        assert!(LATIN.missing("Tiếng Việt: ặ ở ữ ự Đ").is_empty());
        assert!(DEVANAGARI.missing("नेपाली क्ष त्र ज्ञ").is_empty());
        assert!(KOREAN.missing("한국어 똠방각하 힣").is_empty());
        assert!(CHINESE.missing("简体中文 证明书 户籍").is_empty());
        // The Japanese face lacks what the other faces are for.
        assert_eq!(JAPANESE.missing("한"), ['한']);
        assert_eq!(DEVANAGARI.missing("PIN"), ['P', 'I', 'N']);
    }
}
