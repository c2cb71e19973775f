//! Card data + answers + today → a filled form: every value laid out in its box, every mark
//! placed, and the flags a clerk must see.
//!
//! A value the card does not have (no card: staff entry) leaves its field blank for
//! handwriting, never a guess. A value that does not fit even at its minimum size is an error
//! naming the form and the field: text is never cut.

use std::fmt;

use zeroize::Zeroize;

use super::answers::Answers;
use super::fit::{self, Layout};
use super::fonts::Fonts;
use super::office::{self, Office};
use super::qr;
use super::template::{self, Condition, FieldSpec, Format, QuestionKind, Source, Template};
use crate::card::{BasicFour, Date};
use crate::usage::record::Identification;
use crate::wareki;

/// What a `check.gaiji` field prints when a card value needs the clerk's eye.
pub const GAIJI_NOTE: &str = "外字あり：確認";

/// What a fill needs.
pub struct FillInput<'a> {
    /// The card's data; `None` when there is no card and the clerk writes by hand.
    pub card: Option<&'a BasicFour>,
    /// The answers (defaults applied by the caller when wanted).
    pub answers: &'a Answers,
    /// The date printed as "today".
    pub today: Date,
    /// The receiving office: addressee, name, fees (`[office]` in kakanai.toml).
    pub office: &'a Office,
    /// How the resident was identified, for the staff area.
    pub read: Identification,
}

/// A mark on a printed choice.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mark {
    /// Circle or tick.
    pub circle: bool,
    /// Centre, mm from the top-left.
    pub center: [f32; 2],
    /// Width, mm (an oval when wider than high).
    pub width: f32,
    /// Height, mm.
    pub height: f32,
}

/// Something the clerk must look at before the form is handed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldFlag {
    /// The field.
    pub field: String,
    /// Why.
    pub reason: FlagReason,
}

/// Why a field is flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagReason {
    /// A character no installed font has: printed as 〓.
    MissingGlyph,
    /// A character drawn from the fallback font (外字): printed, worth a look.
    FallbackGlyph,
    /// The card wrote 〓: it could not encode a character of the original.
    GetaFromCard,
}

/// A filled form, ready to render.
pub struct FilledForm {
    /// The template's id.
    pub form_id: String,
    /// The template's version.
    pub version: String,
    /// Text fields: (field id, layout).
    pub texts: Vec<(String, Layout)>,
    /// Circles and ticks.
    pub marks: Vec<Mark>,
    /// The QR payload, when the template has a QR code.
    pub qr_payload: Option<String>,
    /// What the clerk should check.
    pub flags: Vec<FieldFlag>,
    /// Fields the kiosk filled (counted for 記入項目の削減).
    pub filled: usize,
    /// Fields filled from the card.
    pub filled_from_card: usize,
    /// Fields a resident would otherwise write (all but constants).
    pub fields_total: usize,
}

impl Drop for FilledForm {
    fn drop(&mut self) {
        if let Some(p) = &mut self.qr_payload {
            p.zeroize();
        }
    }
}

impl fmt::Debug for FilledForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "FilledForm({} v{}, {} text(s), {} mark(s), <values redacted>)",
            self.form_id,
            self.version,
            self.texts.len(),
            self.marks.len()
        )
    }
}

/// A fill that cannot be printed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FillError {
    /// The value is too long for its box even at the minimum size.
    #[error("form {form}: field `{field}` does not fit in its box even at the minimum size")]
    DoesNotFit {
        /// Form id.
        form: String,
        /// Field id.
        field: String,
    },
    /// An answer is not one of its question's options: the paper would mark nothing while
    /// the code carried it, so it is refused.
    #[error("form {form}: the answer to `{question}` is not one of its options")]
    NotAnOption {
        /// Form id.
        form: String,
        /// Question id.
        question: String,
    },
    /// A required question has no answer and no default.
    #[error("form {form}: question `{question}` must be answered")]
    Unanswered {
        /// Form id.
        form: String,
        /// Question id.
        question: String,
    },
}

/// Fill a template.
pub fn fill(template: &Template, input: &FillInput) -> Result<FilledForm, FillError> {
    let fonts = Fonts::bundled();
    let spec = &template.spec;
    for q in spec.questions.iter().map(|q| q.get_ref()) {
        if q.required && input.answers.get(&q.id).is_none() {
            return Err(FillError::Unanswered {
                form: spec.id.clone(),
                question: q.id.clone(),
            });
        }
    }
    for q in spec.questions.iter().map(|q| q.get_ref()) {
        if q.options.is_empty() {
            continue;
        }
        let picked = q.picked(input.answers.get(&q.id));
        let valid = picked
            .iter()
            .all(|v| q.options.iter().any(|o| o.value == *v))
            && (q.kind == QuestionKind::Choices || picked.len() <= 1);
        if !valid {
            return Err(FillError::NotAnOption {
                form: spec.id.clone(),
                question: q.id.clone(),
            });
        }
    }
    let mut printed = std::collections::BTreeSet::new();
    let mut out = FilledForm {
        form_id: spec.id.clone(),
        version: spec.version.clone(),
        texts: Vec::new(),
        marks: Vec::new(),
        qr_payload: None,
        flags: Vec::new(),
        filled: 0,
        filled_from_card: 0,
        fields_total: 0,
    };
    for field in spec.fields.iter().map(|f| f.get_ref()) {
        let Some(source) = Source::parse(&field.source) else {
            continue;
        };
        if !source.is_fixed() {
            out.fields_total += 1;
        }
        if let Some(when) = field.when.as_deref().and_then(Condition::parse) {
            if !holds(&when, input.answers) {
                continue;
            }
        }
        let mut filled = false;
        if field.mark.is_some() {
            for key in mark_keys(&source, input) {
                if let Some(p) = field.options.get(&key).filter(|p| p.len() >= 2) {
                    out.marks.push(Mark {
                        circle: field.mark == Some(template::Mark::Circle),
                        center: [p[0], p[1]],
                        // Circle options are [x, y, width, height] once loaded
                        // (`marks::resolve`); ticks are [x, y].
                        width: p
                            .get(2)
                            .copied()
                            .unwrap_or(field.mark_size)
                            .max(field.mark_size),
                        height: p.get(3).copied().unwrap_or(field.mark_size),
                    });
                    filled = true;
                }
            }
        } else if let Some(mut value) = text_value(template, field, &source, input) {
            if field.format == Some(Format::Fullwidth) {
                value = fullwidth_digits(&value);
            }
            let font = field.font.key();
            let bx = field.r#box.unwrap_or([0.0, 0.0, 1.0, 1.0]);
            let min = field.min_size.unwrap_or(field.size * 0.7);
            let layout = fit::fit(fonts, font, &value, bx, field.size, min, field.align)
                .ok_or_else(|| FillError::DoesNotFit {
                    form: spec.id.clone(),
                    field: field.id.clone(),
                });
            let geta = source.is_card() && value.contains('\u{3013}');
            value.zeroize();
            let layout = layout?;
            let flag = |reason| FieldFlag {
                field: field.id.clone(),
                reason,
            };
            if layout.missing_glyphs > 0 {
                out.flags.push(flag(FlagReason::MissingGlyph));
            }
            if layout.fallback_glyphs > 0 {
                out.flags.push(flag(FlagReason::FallbackGlyph));
            }
            if geta {
                out.flags.push(flag(FlagReason::GetaFromCard));
            }
            out.texts.push((field.id.clone(), layout));
            filled = true;
        }
        if let (true, Source::Answer(q)) = (filled, &source) {
            printed.insert(q.clone());
        }
        if filled && !source.is_fixed() {
            out.filled += 1;
            if source.is_card() {
                out.filled_from_card += 1;
            }
        }
    }
    // The staff area's 外字 note, once every card value is laid out and flagged.
    let card_flagged = out.flags.iter().any(|f| {
        spec.fields
            .iter()
            .map(|x| x.get_ref())
            .any(|x| x.id == f.field && Source::parse(&x.source).is_some_and(|s| s.is_card()))
    });
    if card_flagged {
        for field in spec.fields.iter().map(|f| f.get_ref()) {
            if Source::parse(&field.source) != Some(Source::GaijiNote) {
                continue;
            }
            let bx = field.r#box.unwrap_or([0.0, 0.0, 1.0, 1.0]);
            let min = field.min_size.unwrap_or(field.size * 0.7);
            let layout = fit::fit(
                fonts,
                field.font.key(),
                GAIJI_NOTE,
                bx,
                field.size,
                min,
                field.align,
            )
            .ok_or_else(|| FillError::DoesNotFit {
                form: spec.id.clone(),
                field: field.id.clone(),
            })?;
            out.texts.push((field.id.clone(), layout));
        }
    }
    if spec.qr.is_some() {
        out.qr_payload = Some(qr::payload(template, input, &printed));
    }
    Ok(out)
}

fn holds(c: &Condition, answers: &Answers) -> bool {
    match (answers.get(&c.question), &c.equals) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(v), Some(want)) => v.split(',').any(|x| x.trim() == want),
    }
}

/// The option keys a mark field should mark.
fn mark_keys(source: &Source, input: &FillInput) -> Vec<String> {
    match source {
        Source::BirthDate => input
            .card
            .and_then(|c| wareki::era_of(c.birth_date()))
            .map(|(era, _)| vec![era.kanji().to_owned()])
            .unwrap_or_default(),
        Source::Sex => input
            .card
            .and_then(|c| c.sex())
            .map(|sex| vec![sex.digit().to_string()])
            .unwrap_or_default(),
        Source::Answer(q) => input
            .answers
            .get(q)
            .map(|v| v.split(',').map(|s| s.trim().to_owned()).collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn text_value(
    template: &Template,
    field: &FieldSpec,
    source: &Source,
    input: &FillInput,
) -> Option<String> {
    let card = input.card;
    let date = |d: Date| format_date(d, field.format.unwrap_or(Format::Wareki));
    match source {
        Source::Name => card.map(|c| c.name().to_owned()),
        Source::FamilyName => card.map(|c| c.family_name().to_owned()),
        Source::GivenName => card.and_then(|c| c.given_name().map(str::to_owned)),
        Source::Address => card.map(|c| c.address().to_owned()),
        Source::BirthDate => card.map(|c| date(c.birth_date())),
        // A card without 性別 (the licence) leaves the box blank: never a guess.
        Source::Sex => card.and_then(|c| c.sex()).map(|s| s.label_ja().to_owned()),
        Source::Today => Some(date(input.today)),
        Source::Const => field.text.clone(),
        Source::ConstWithCard => card.and(field.text.clone()),
        Source::OfficeAddressee => Some(input.office.addressee_line()),
        Source::OfficeName => input.office.name_line(),
        Source::Fee => Some(input.office.fee_line(&template.spec.id)),
        Source::ReadBy => Some(office::reading_line(input.read).to_owned()),
        // Filled after the card fields, in `fill`.
        Source::GaijiNote => None,
        Source::Answer(q) => {
            let value = input.answers.get(q)?;
            let question = template.question(q)?;
            // "0 copies" of a certificate is not asked for: leave the box blank.
            if question.kind == QuestionKind::Count
                && value.trim().trim_start_matches('0').is_empty()
            {
                return None;
            }
            if question.options.is_empty() {
                return Some(value.to_owned());
            }
            // The paper gets the option's Japanese without its ふりがな marks.
            let labels: Vec<String> = value
                .split(',')
                .filter_map(|v| question.options.iter().find(|o| o.value == v.trim()))
                .map(|o| o.label.ja_plain())
                .collect();
            (!labels.is_empty()).then(|| labels.join("、"))
        }
    }
}

/// A date as a form prints it.
pub fn format_date(d: Date, format: Format) -> String {
    match format {
        Format::Seireki => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        Format::Iso => d.iso(),
        Format::WarekiNumbers => match wareki::era_of(d) {
            Some((_, y)) => format!("{}年{}月{}日", wareki::year_text(y), d.month(), d.day()),
            None => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        },
        // `fullwidth` is refused on a date when the template is loaded.
        Format::Wareki | Format::Fullwidth => wareki::format_kanji(d),
    }
}

/// ASCII digits and hyphens to full width, as Japanese forms write numbers.
pub fn fullwidth_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap_or(c),
            '-' => '－',
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_every_format() {
        let d = Date::new(1989, 1, 8).unwrap();
        assert_eq!(format_date(d, Format::Wareki), "平成元年1月8日");
        assert_eq!(format_date(d, Format::WarekiNumbers), "元年1月8日");
        assert_eq!(format_date(d, Format::Seireki), "1989年1月8日");
        assert_eq!(format_date(d, Format::Iso), "1989-01-08");
    }

    #[test]
    fn fullwidth_digits_and_hyphens() {
        assert_eq!(
            fullwidth_digits("090-1234-5678"),
            "０９０－１２３４－５６７８"
        );
        assert_eq!(fullwidth_digits("2通"), "２通");
    }
}
