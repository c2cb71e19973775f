//! The on-screen preview: the kiosk's own PDF rasterised with hayro (pure Rust), so what the
//! resident checks is exactly what prints — the same subset fonts, the same layout.

use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_syntax::Pdf;
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::{PixmapSettings, RenderCache, RenderSettings, render};

/// One page as RGBA pixels (opaque: rendered over white).
pub struct PageImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// RGBA, row by row.
    pub rgba: Vec<u8>,
}

/// The kiosk's own PDF could not be parsed for the preview (a bug: the writer and the reader
/// disagree). Printing is not affected; the clerk reads [`PreviewError::for_clerk`].
#[derive(Debug, thiserror::Error)]
#[error("the preview cannot read the PDF: {0}")]
pub struct PreviewError(String);

impl PreviewError {
    /// What happened, for the person at the screen, as a catalog sentence.
    pub fn for_clerk(&self) -> crate::i18n::Text {
        crate::i18n::Text::new("error.preview").arg("detail", &self.0)
    }
}

/// Rasterise every page at `scale` pixels per PDF point (1.0 = 72 dpi; an A4 page at 1.0 is
/// 595×842 px).
pub fn pages(pdf: &[u8], scale: f32) -> Result<Vec<PageImage>, PreviewError> {
    let pdf = Pdf::new(pdf.to_vec()).map_err(|e| PreviewError(format!("{e:?}")))?;
    let cache = RenderCache::new();
    let settings = InterpreterSettings::default();
    let pixmap = PixmapSettings {
        x_scale: scale,
        y_scale: scale,
        bg_color: WHITE,
    };
    Ok(pdf
        .pages()
        .iter()
        .map(|page| {
            let p = render(page, &cache, &settings, &RenderSettings::default(), &pixmap);
            PageImage {
                width: u32::from(p.width()),
                height: u32::from(p.height()),
                rgba: p.data_as_u8_slice().to_vec(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_form_renders_to_an_a4_page_with_ink_on_it() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("forms");
        let (templates, _) = crate::forms::load_dir(&dir);
        let t = templates.iter().find(|t| t.spec.id == "juminhyo").unwrap();
        let answers = crate::forms::Answers::new().with_defaults(t);
        let filled = crate::forms::fill(
            t,
            &crate::forms::FillInput {
                card: None,
                answers: &answers,
                today: crate::card::Date::new(2026, 11, 21).unwrap(),
                office: &crate::forms::Office::default(),
                read: crate::usage::record::Identification::None,
            },
        )
        .unwrap();
        let pdf = crate::forms::pdf::render(&[(t, &filled, 1)], "test").unwrap();
        let pages = super::pages(&pdf, 1.0).unwrap();
        assert_eq!(pages.len(), 1);
        assert_eq!((pages[0].width, pages[0].height), (595, 841));
        let dark = pages[0].rgba.chunks(4).filter(|p| p[0] < 100).count();
        assert!(dark > 5_000, "the form's lines and text are drawn: {dark}");
    }
}
