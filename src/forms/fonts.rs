//! The fonts forms are printed in, their glyph coverage and their metrics.
//!
//! BIZ UD Gothic and Mincho (OFL, `assets/fonts/`) are compiled into the binary, so a form prints
//! the same on every kiosk. A character they lack (𠮷, 𡈽 and other 外字 outside the BMP) is drawn
//! from a fallback font installed by the set-up, chosen to match its neighbours: in a Gothic
//! field Noto Sans CJK (Bold in a bold one), in a Mincho field IPAmj Mincho, which covers the
//! 外字 of the resident-record systems; each field tries the others after its own. If no
//! font has the character, the field is flagged for the clerk and 〓 is printed in its place —
//! never a blank box.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

/// A font a template can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FontKey {
    /// BIZ UD Gothic Regular.
    Gothic,
    /// BIZ UD Gothic Bold: titles and headings.
    GothicBold,
    /// BIZ UD Mincho Regular: filled values, as a typewriter would have.
    Mincho,
    /// A fallback for characters the bundled fonts lack: an index into [`FALLBACK_FONTS`].
    Fallback(u8),
}

impl FontKey {
    /// Whether this is one of the installed fallbacks (the clerk is told to check the glyph).
    pub fn is_fallback(self) -> bool {
        matches!(self, FontKey::Fallback(_))
    }

    /// The fallbacks that draw what this font lacks, best match first: a Gothic's missing
    /// character drawn in Mincho looks thin and out of place beside its neighbours.
    fn fallbacks(self) -> &'static [u8] {
        match self {
            FontKey::Gothic => &[1, 0, 3],
            FontKey::GothicBold => &[2, 1, 0],
            FontKey::Mincho | FontKey::Fallback(_) => &[0, 3, 1],
        }
    }
}

closed_set! {
    /// A template's `font = "…"`: the bundled fonts a template may name (the fallback is the
    /// kiosk's own choice, per character).
    pub enum FontName("font") {
        /// BIZ UD Gothic.
        Gothic = "gothic",
        /// BIZ UD Gothic Bold.
        GothicBold = "gothic-bold",
        /// BIZ UD Mincho.
        Mincho = "mincho",
    }
}

impl FontName {
    /// The font to draw with.
    pub fn key(self) -> FontKey {
        match self {
            FontName::Gothic => FontKey::Gothic,
            FontName::GothicBold => FontKey::GothicBold,
            FontName::Mincho => FontKey::Mincho,
        }
    }
}

pub const GOTHIC: &[u8] = include_bytes!("../../assets/fonts/BIZUDGothic-Regular.ttf");
pub const GOTHIC_BOLD: &[u8] = include_bytes!("../../assets/fonts/BIZUDGothic-Bold.ttf");
const MINCHO: &[u8] = include_bytes!("../../assets/fonts/BIZUDMincho-Regular.ttf");

/// Where the set-up installs fallback fonts (Debian's fonts-ipamj-mincho, fonts-noto-cjk),
/// with the face index in a collection (0: the Japanese face of Noto CJK).
pub const FALLBACK_FONTS: [(&str, u32); 4] = [
    ("/usr/share/fonts/truetype/ipamj/ipamjm.ttf", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 0),
];

/// The fallback files, for messages.
pub const FALLBACK_PATHS: [&str; 4] = [
    FALLBACK_FONTS[0].0,
    FALLBACK_FONTS[1].0,
    FALLBACK_FONTS[2].0,
    FALLBACK_FONTS[3].0,
];

/// One font's bytes and the metrics fitting needs.
pub struct Font {
    /// The file, for the PDF writer.
    pub bytes: &'static [u8],
    /// Face index within a collection.
    pub index: u32,
    face: ttf_parser::Face<'static>,
    units_per_em: f32,
    /// Ascender and descender in em (descender negative).
    pub ascender: f32,
    /// Descender in em, negative.
    pub descender: f32,
    widths: std::sync::Mutex<HashMap<char, Option<f32>>>,
}

impl Font {
    fn parse(bytes: &'static [u8], index: u32) -> Option<Self> {
        let face = ttf_parser::Face::parse(bytes, index).ok()?;
        let upm = f32::from(face.units_per_em());
        Some(Font {
            bytes,
            index,
            ascender: f32::from(face.ascender()) / upm,
            descender: f32::from(face.descender()) / upm,
            face,
            units_per_em: upm,
            widths: std::sync::Mutex::new(HashMap::new()),
        })
    }

    /// The advance of `c` in em, or `None` when the font has no glyph for it.
    pub fn advance(&self, c: char) -> Option<f32> {
        let mut cache = self
            .widths
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *cache.entry(c).or_insert_with(|| {
            let glyph = self.face.glyph_index(c)?;
            if glyph.0 == 0 {
                return None;
            }
            Some(f32::from(self.face.glyph_hor_advance(glyph).unwrap_or(0)) / self.units_per_em)
        })
    }

    /// Whether the font draws `c`.
    pub fn has(&self, c: char) -> bool {
        c.is_whitespace() || self.advance(c).is_some()
    }
}

/// The bundled fonts, and the fallback when one is installed.
pub struct Fonts {
    gothic: Font,
    gothic_bold: Font,
    mincho: Font,
    /// [`FALLBACK_FONTS`], each loaded on first need.
    fallbacks: [OnceLock<Option<Font>>; 4],
}

impl Fonts {
    /// The fonts every kakanai build carries, with the fallback found lazily on first need.
    pub fn bundled() -> &'static Fonts {
        static FONTS: OnceLock<Fonts> = OnceLock::new();
        FONTS.get_or_init(|| Fonts {
            gothic: Font::parse(GOTHIC, 0).unwrap_or_else(|| unreachable!("bundled font parses")),
            gothic_bold: Font::parse(GOTHIC_BOLD, 0)
                .unwrap_or_else(|| unreachable!("bundled font parses")),
            mincho: Font::parse(MINCHO, 0).unwrap_or_else(|| unreachable!("bundled font parses")),
            fallbacks: Default::default(),
        })
    }

    /// A font by key; `None` only for a fallback that is not installed.
    pub fn get(&self, key: FontKey) -> Option<&Font> {
        match key {
            FontKey::Gothic => Some(&self.gothic),
            FontKey::GothicBold => Some(&self.gothic_bold),
            FontKey::Mincho => Some(&self.mincho),
            FontKey::Fallback(i) => self.fallback_font(i),
        }
    }

    /// One of [`FALLBACK_FONTS`], loaded once; `None` when it is not installed.
    fn fallback_font(&self, i: u8) -> Option<&Font> {
        let (path, index) = *FALLBACK_FONTS.get(usize::from(i))?;
        self.fallbacks[usize::from(i)]
            .get_or_init(|| {
                let bytes = std::fs::read(Path::new(path)).ok()?;
                // Leaked once per process: the face borrows the bytes for the process's life.
                Font::parse(Box::leak(bytes.into_boxed_slice()), index)
            })
            .as_ref()
    }

    /// The first installed fallback (the doctor's check that 外字 can be printed at all).
    pub fn fallback(&self) -> Option<&Font> {
        (0..FALLBACK_FONTS.len() as u8).find_map(|i| self.fallback_font(i))
    }

    /// Which font draws `c` for a field set in `primary`: the primary when it can, the
    /// fallback when it can, else `None`.
    pub fn font_for(&self, primary: FontKey, c: char) -> Option<FontKey> {
        if self.get(primary).is_some_and(|f| f.has(c)) {
            return Some(primary);
        }
        primary
            .fallbacks()
            .iter()
            .map(|i| FontKey::Fallback(*i))
            .find(|key| self.get(*key).is_some_and(|f| f.has(c)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_fonts_cover_kana_kanji_and_fullwidth_but_not_outside_the_bmp() {
        let fonts = Fonts::bundled();
        for c in ['あ', 'ア', '住', '１', '－', '〓', 'A'] {
            assert!(fonts.get(FontKey::Mincho).unwrap().has(c), "{c}");
            assert!(fonts.get(FontKey::Gothic).unwrap().has(c), "{c}");
        }
        assert!(!fonts.get(FontKey::Mincho).unwrap().has('𠮷'));
    }

    #[test]
    fn the_installed_fallback_draws_yoshi() {
        let fonts = Fonts::bundled();
        // Mincho beside IPAmj Mincho; Gothic beside Noto Sans CJK, bold beside bold.
        assert_eq!(
            fonts.font_for(FontKey::Mincho, '𠮷'),
            Some(FontKey::Fallback(0))
        );
        assert_eq!(
            fonts.font_for(FontKey::Gothic, '𠮷'),
            Some(FontKey::Fallback(1))
        );
        assert_eq!(
            fonts.font_for(FontKey::GothicBold, '𠮷'),
            Some(FontKey::Fallback(2))
        );
        assert_eq!(fonts.font_for(FontKey::Mincho, '田'), Some(FontKey::Mincho));
    }

    #[test]
    fn fullwidth_is_one_em_and_ascii_narrower() {
        let m = Fonts::bundled().get(FontKey::Mincho).unwrap();
        assert!((m.advance('住').unwrap() - 1.0).abs() < 0.01);
        assert!(m.advance('1').unwrap() < 0.7);
    }
}
