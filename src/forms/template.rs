//! Form templates: one TOML file per form in `forms/`, described in `forms/README.md`.
//!
//! Coordinates are millimetres from the **top-left** corner of the page, as on a ruler laid on
//! the paper form. Loading checks everything that can be checked without a resident: sources,
//! fonts, boxes on the page and not overlapping, and that the address and name boxes hold the
//! longest test values. Every error names the file, the line and the field.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::fit::Align;
use super::fonts::{FontName, Fonts};

closed_set! {
    /// `[page] size`.
    pub enum Paper("paper size") {
        /// 297 × 420 mm.
        A3 = "A3",
        /// 210 × 297 mm (the default).
        A4 = "A4",
        /// 148 × 210 mm.
        A5 = "A5",
        /// 257 × 364 mm (JIS).
        B4 = "B4",
        /// 182 × 257 mm (JIS).
        B5 = "B5",
    }
}

closed_set! {
    /// `[page] orientation`.
    pub enum Orientation("orientation") {
        /// Taller than wide (the default).
        Portrait = "portrait",
        /// Wider than tall.
        Landscape = "landscape",
    }
}

closed_set! {
    /// A question's `kind`: what the resident is asked and how.
    pub enum QuestionKind("question kind") {
        /// One of the options.
        Choice = "choice",
        /// Any of the options (stored comma-separated).
        Choices = "choices",
        /// A number of copies, with + and − between the bounds.
        Count = "count",
        /// Digits and hyphens on the number pad (a phone number).
        Number = "number",
        /// Katakana on the 50音 keyboard (furigana).
        Kana = "kana",
        /// Free text only the clerk types (take-over mode).
        StaffText = "staff_text",
    }
}

closed_set! {
    /// A field's `mark`: mark a printed choice instead of writing text.
    pub enum Mark("mark") {
        /// An oval around the choice.
        Circle = "circle",
        /// A tick beside it.
        Tick = "tick",
    }
}

closed_set! {
    /// A field's `format`: how a date is written, or digits in full width.
    pub enum Format("format") {
        /// 昭和55年2月17日 (the default for dates).
        Wareki = "wareki",
        /// 55年2月17日, the era circled elsewhere on the form.
        WarekiNumbers = "wareki-numbers",
        /// 1980年2月17日.
        Seireki = "seireki",
        /// 1980-02-17.
        Iso = "iso",
        /// Text: ASCII digits and hyphens to full width.
        Fullwidth = "fullwidth",
    }
}

impl Format {
    /// Whether this formats a date (every format but `fullwidth`).
    pub fn is_date(self) -> bool {
        self != Format::Fullwidth
    }
}

/// A loaded, checked template.
#[derive(Debug, Clone)]
pub struct Template {
    /// The file it came from.
    pub path: PathBuf,
    /// The parsed content.
    pub spec: TemplateSpec,
    /// The background image, decoded once at load.
    pub background: Option<BackgroundImage>,
}

impl Template {
    /// Kanji in what the resident reads (each question's and option's Japanese label) that
    /// carry no reading (`{漢字|かんじ}`): one line per label, naming the file, the question and
    /// the kanji. `forms check` prints these as warnings, not errors: an office's own
    /// templates may lag behind, and a label without ふりがな is still usable.
    pub fn reading_warnings(&self) -> Vec<String> {
        let file = self.path.display();
        let mut out = Vec::new();
        for q in self.spec.questions.iter().map(|q| q.get_ref()) {
            let mut labels = vec![(None, &q.label.ja)];
            labels.extend(q.options.iter().map(|o| (Some(&o.value), &o.label.ja)));
            for (option, ja) in labels {
                let kanji = crate::i18n::unmarked_kanji(ja);
                if kanji.is_empty() {
                    continue;
                }
                let what = match option {
                    Some(v) => format!("question `{}`, option `{v}`", q.id),
                    None => format!("question `{}`", q.id),
                };
                out.push(format!(
                    "{file}: {what}: kanji without a reading (ふりがな): {} in 「{}」; mark each as {{漢字|かんじ}}",
                    kanji.iter().collect::<String>(),
                    crate::i18n::plain(ja)
                ));
            }
        }
        out
    }
}

/// A decoded background scan.
#[derive(Clone)]
pub struct BackgroundImage {
    /// The file's bytes (PNG or JPEG), handed to the PDF writer.
    pub bytes: Vec<u8>,
    /// Pixel size.
    pub pixels: (u32, u32),
}

impl fmt::Debug for BackgroundImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BackgroundImage({}×{})", self.pixels.0, self.pixels.1)
    }
}

/// The file's content.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateSpec {
    /// Stable id, used on the command line, in usage records and in the QR code.
    pub id: String,
    /// The form's title, as printed.
    pub title: String,
    /// The office's version of the form; counted with every print.
    pub version: String,
    /// 証明書 / 届出 / マイナンバーカード / 保険・福祉
    pub category: String,
    /// The purposes it serves, for "choose by purpose" (e.g. 引っ越し, 就職・仕事).
    #[serde(default)]
    pub purposes: Vec<String>,
    /// Whether the kiosk offers it.
    #[serde(default = "yes")]
    pub active: bool,
    /// Paper.
    #[serde(default)]
    pub page: PageSpec,
    /// A scan of the office's own paper form under everything else.
    pub background: Option<BackgroundSpec>,
    /// Where the QR code with the entered data goes, if anywhere.
    pub qr: Option<QrSpec>,
    /// Printed text.
    #[serde(default, rename = "label")]
    pub labels: Vec<LabelSpec>,
    /// Straight lines.
    #[serde(default, rename = "line")]
    pub lines: Vec<LineSpec>,
    /// Rectangles, outlined and optionally shaded.
    #[serde(default, rename = "rect")]
    pub rects: Vec<RectSpec>,
    /// Tables of cells.
    #[serde(default, rename = "grid")]
    pub grids: Vec<GridSpec>,
    /// Printed empty checkboxes with a label.
    #[serde(default, rename = "checkbox")]
    pub checkboxes: Vec<CheckboxSpec>,
    /// Values filled in.
    #[serde(default, rename = "field")]
    pub fields: Vec<Spanned<FieldSpec>>,
    /// What the kiosk asks the resident for this form.
    #[serde(default, rename = "question")]
    pub questions: Vec<Spanned<QuestionSpec>>,
}

fn yes() -> bool {
    true
}

/// `[page]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageSpec {
    /// A4 (default), A3, A5, B4, B5.
    #[serde(default = "a4")]
    pub size: Paper,
    /// portrait (default) or landscape.
    #[serde(default = "portrait")]
    pub orientation: Orientation,
    /// `print` (default): the form's lines, labels and background are printed with the
    /// values. `preview-only`: the office prints onto its own pre-printed 申請用紙, so the
    /// drawing (usually a `[background]` scan of that paper) is only shown on the screen and the
    /// printer gets the values alone.
    #[serde(default)]
    pub drawing: Drawing,
}

/// `[page] drawing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Drawing {
    /// Printed with the values.
    #[default]
    Print,
    /// Shown on the screen only: the paper in the printer has it already.
    PreviewOnly,
}

fn a4() -> Paper {
    Paper::A4
}
fn portrait() -> Orientation {
    Orientation::Portrait
}

impl Default for PageSpec {
    fn default() -> Self {
        PageSpec {
            size: a4(),
            orientation: portrait(),
            drawing: Drawing::Print,
        }
    }
}

impl PageSpec {
    /// Width and height in mm.
    pub fn dimensions(&self) -> (f32, f32) {
        let (w, h) = match self.size {
            Paper::A3 => (297.0, 420.0),
            Paper::A4 => (210.0, 297.0),
            Paper::A5 => (148.0, 210.0),
            Paper::B4 => (257.0, 364.0),
            Paper::B5 => (182.0, 257.0),
        };
        match self.orientation {
            Orientation::Portrait => (w, h),
            Orientation::Landscape => (h, w),
        }
    }
}

/// `[background]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackgroundSpec {
    /// PNG or JPEG, relative to the template file.
    pub image: PathBuf,
    /// Placement `[x, y, width, height]`; the whole page when absent.
    pub r#box: Option<[f32; 4]>,
}

/// `[qr]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QrSpec {
    /// Top-left corner.
    pub at: [f32; 2],
    /// Side in mm (at least 18 mm keeps a window scanner happy).
    pub size: f32,
}

/// `[[label]]`: fixed text.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelSpec {
    /// Top-left of the text.
    pub at: [f32; 2],
    /// The text; `\n` starts a new line.
    pub text: String,
    /// Size in pt (default 9).
    #[serde(default = "label_size")]
    pub size: f32,
    /// gothic (default), gothic-bold, mincho.
    #[serde(default = "gothic")]
    pub font: FontName,
    /// left (default), center, right — within `width`.
    #[serde(default)]
    pub align: Align,
    /// Width for center/right alignment.
    #[serde(default)]
    pub width: f32,
}

fn label_size() -> f32 {
    9.0
}
fn gothic() -> FontName {
    FontName::Gothic
}

/// `[[line]]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineSpec {
    /// Start.
    pub from: [f32; 2],
    /// End.
    pub to: [f32; 2],
    /// Thickness in pt (default 0.5).
    #[serde(default = "thin")]
    pub width: f32,
    /// Dashed.
    #[serde(default)]
    pub dash: bool,
}

fn thin() -> f32 {
    0.5
}

/// `[[rect]]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RectSpec {
    /// `[x, y, width, height]`.
    pub r#box: [f32; 4],
    /// Outline thickness in pt (default 0.5; 0 for none).
    #[serde(default = "thin")]
    pub width: f32,
    /// Shade, 0 (black) to 1 (white); none when absent.
    pub fill: Option<f32>,
}

/// `[[grid]]`: a table whose every cell is outlined.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridSpec {
    /// Top-left.
    pub at: [f32; 2],
    /// Column widths.
    pub cols: Vec<f32>,
    /// Row heights.
    pub rows: Vec<f32>,
    /// Line thickness in pt.
    #[serde(default = "thin")]
    pub width: f32,
}

/// `[[checkbox]]`: an empty box to tick by hand, with its label.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckboxSpec {
    /// Top-left of the box.
    pub at: [f32; 2],
    /// Side in mm (default 3.5).
    #[serde(default = "box_side")]
    pub size: f32,
    /// Text after the box.
    #[serde(default)]
    pub label: String,
    /// Label size in pt.
    #[serde(default = "label_size")]
    pub label_size: f32,
}

fn box_side() -> f32 {
    3.5
}

/// `[[field]]`: a value filled in.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// Unique within the form.
    pub id: String,
    /// `card.name`, `card.family_name`, `card.given_name`, `card.address`, `card.birth_date`,
    /// `card.sex`, `answer.<question>`, `today`, `const`.
    pub source: String,
    /// `[x, y, width, height]` of a text field. Marks need none.
    pub r#box: Option<[f32; 4]>,
    /// gothic, gothic-bold, mincho (default).
    #[serde(default = "mincho")]
    pub font: FontName,
    /// Size in pt (default 11).
    #[serde(default = "field_size")]
    pub size: f32,
    /// Smallest size before wrapping (default: 70 % of `size`).
    pub min_size: Option<f32>,
    /// left (default), center, right.
    #[serde(default)]
    pub align: Align,
    /// Dates: wareki (昭和55年2月17日), wareki-numbers (55年2月17日, the era circled elsewhere),
    /// seireki (1980年2月17日), iso. Text: fullwidth (digits to full width).
    pub format: Option<Format>,
    /// For `const`.
    pub text: Option<String>,
    /// `circle` or `tick` a printed choice instead of writing text.
    pub mark: Option<Mark>,
    /// For marks: value → centre `[x, y]`, or `[x, y, width]` for an oval around a longer
    /// word. Dates mark their era (明治…令和); sex marks 1/2/9/0.
    #[serde(default)]
    pub options: BTreeMap<String, Vec<f32>>,
    /// Mark height (circle diameter) in mm (default 5).
    #[serde(default = "mark_size")]
    pub mark_size: f32,
    /// Show only when `answer.<q>` has a value, or `answer.<q>=value` holds.
    pub when: Option<String>,
}

fn mincho() -> FontName {
    FontName::Mincho
}
fn field_size() -> f32 {
    11.0
}
fn mark_size() -> f32 {
    5.0
}

/// `[[question]]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionSpec {
    /// Unique within the form; `answer.<id>` in fields.
    pub id: String,
    /// The question, in Japanese and English.
    pub label: Localized,
    /// choice, choices, count, number, kana, staff_text.
    pub kind: QuestionKind,
    /// Must be answered before printing.
    #[serde(default)]
    pub required: bool,
    /// The answer when the resident gives none.
    pub default: Option<String>,
    /// For choice / choices.
    #[serde(default, rename = "option")]
    pub options: Vec<OptionSpec>,
    /// For count: bounds (default 1..=10).
    pub min: Option<u32>,
    /// For count.
    pub max: Option<u32>,
    /// The same question on other forms (`furigana`, `phone`): a resident who answered it for
    /// one form in a session finds it answered on the others (asked once).
    pub key: Option<String>,
}

impl QuestionSpec {
    /// A count's bounds (default 1..=10): the template check and the +/− buttons use these.
    pub fn count_bounds(&self) -> std::ops::RangeInclusive<u32> {
        self.min.unwrap_or(1)..=self.max.unwrap_or(10)
    }

    /// The option values an answer holds: one for a choice, a comma-separated set for
    /// choices.
    pub fn picked<'a>(&self, answer: Option<&'a str>) -> Vec<&'a str> {
        answer
            .filter(|a| !a.is_empty())
            .map(|a| a.split(',').map(str::trim).collect())
            .unwrap_or_default()
    }

    /// The answer after tapping the option `value`: a choice becomes that value; choices add
    /// or remove it, keeping the others in the order they were picked.
    pub fn toggle(&self, answer: Option<&str>, value: &str) -> String {
        if self.kind != QuestionKind::Choices {
            return value.to_owned();
        }
        let picked = self.picked(answer);
        let mut set: Vec<&str> = picked.iter().copied().filter(|v| *v != value).collect();
        if !picked.contains(&value) {
            set.push(value);
        }
        set.join(",")
    }

    /// How many characters the on-screen keyboard takes: kana (furigana) 20, a number
    /// (a phone number with hyphens) 13, staff text 100.
    pub fn max_chars(&self) -> usize {
        match self.kind {
            QuestionKind::Kana => 20,
            QuestionKind::Number => 13,
            _ => 100,
        }
    }

    /// The label in `language`, plain (no ふりがな marks).
    pub fn label_in(&self, language: crate::i18n::Language) -> String {
        self.label.in_language(language)
    }
}

impl Localized {
    /// The text in `language`, plain: the ふりがな marks of the Japanese
    /// (`{証明書|しょうめいしょ}`) removed, as the PDF, the clerk and a log need it.
    pub fn in_language(&self, language: crate::i18n::Language) -> String {
        crate::i18n::plain(self.marked(language))
    }

    /// The text in `language` as the template holds it, ふりがな marks and all (only the
    /// resident's screen, which draws ruby, asks for this): its own text (from
    /// `forms/i18n/<code>.toml`), else English, else Japanese
    /// ([`crate::i18n::Language::fallbacks`]).
    pub fn marked(&self, language: crate::i18n::Language) -> &str {
        use crate::i18n::Language;
        language
            .fallbacks()
            .find_map(|l| match l {
                Language::JA => Some(self.ja.as_str()),
                Language::EN => Some(self.en.as_str()),
                other => self.own(other),
            })
            .unwrap_or(&self.ja)
    }

    /// The text a translation file gave for `language` (not Japanese or English, which are in
    /// the template itself); `None` when it has none.
    pub fn own(&self, language: crate::i18n::Language) -> Option<&str> {
        self.more
            .iter()
            .find(|(l, _)| *l == language)
            .map(|(_, s)| s.as_str())
    }

    /// Set the text for `language` (from a translation file).
    pub fn set(&mut self, language: crate::i18n::Language, text: String) {
        self.more.retain(|(l, _)| *l != language);
        self.more.push((language, text));
    }

    /// The Japanese, plain: what a form prints.
    pub fn ja_plain(&self) -> String {
        crate::i18n::plain(&self.ja)
    }
}

/// ja + en text, and the other languages' from `forms/i18n/` (never written inline: the
/// templates' own lines stay Japanese and English).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Localized {
    /// 日本語.
    pub ja: String,
    /// English.
    pub en: String,
    /// The other languages, set by [`super::translations::apply`].
    #[serde(skip)]
    pub more: Vec<(crate::i18n::Language, String)>,
}

/// One choice.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionSpec {
    /// Stored answer.
    pub value: String,
    /// Shown and printed.
    pub label: Localized,
}

/// Longest values the checks fit into boxes: the long-address test profile's address, and a
/// long name. A template whose address box cannot hold these is refused.
pub const LONGEST_TEST_ADDRESS: &str = "北海道札幌市中央区北一条西二十丁目１番地の２３　グランドパレス円山公園前通り北側壱番館アネックス棟１２３４号室（株式会社札幌中央不動産管理事務所内）";
/// The longest addressee line the checks fit: a long city name and its ward's head.
pub const LONGEST_TEST_ADDRESSEE: &str = "（あて先）いちき串木野市長";
/// The longest office name the checks fit.
pub const LONGEST_TEST_OFFICE: &str = "いちき串木野市役所　市民生活課　本庁窓口";
/// The fee line with a four-digit price.
pub const LONGEST_TEST_FEE: &str = "　　通　×　１２００円　＝　　　　　円";
/// See [`LONGEST_TEST_ADDRESS`].
pub const LONGEST_TEST_NAME: &str =
    "ＷＩＬＬＩＡＭＳＯＮ　ＣＨＲＩＳＴＯＰＨＥＲ　ＡＬＥＸＡＮＤＥＲ";

/// A template that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {what}")]
pub struct TemplateError {
    /// The template file.
    pub file: String,
    /// 1-based line (0 when the problem is the file as a whole).
    pub line: usize,
    /// What is wrong, starting with the field or item it concerns.
    pub what: String,
}

const CATEGORIES: [&str; 4] = ["証明書", "届出", "マイナンバーカード", "保険・福祉"];
const ERAS: [&str; 5] = ["明治", "大正", "昭和", "平成", "令和"];

/// What a field's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// 氏名.
    Name,
    /// 氏.
    FamilyName,
    /// 名.
    GivenName,
    /// 住所.
    Address,
    /// 生年月日.
    BirthDate,
    /// 性別.
    Sex,
    /// A question's answer.
    Answer(String),
    /// The day of printing.
    Today,
    /// Fixed text.
    Const,
    /// 「外字あり：確認」 when a card value on this form has 〓 or a character drawn from the
    /// fallback font: the staff area tells the clerk to compare it with the card.
    GaijiNote,
    /// 「（あて先）○○市長」 from `[office] addressee`.
    OfficeAddressee,
    /// The receiving office's name from `[office] name` (blank when unset).
    OfficeName,
    /// The staff area's fee line, with this form's unit price from `[office.fees]`.
    Fee,
    /// How the kiosk identified the resident (暗証番号 / 照合番号Ｂ / なし), small, for the clerk.
    ReadBy,
    /// The field's `text`, printed only when a card was read: the 「太枠内は…記入済み」 note
    /// would be false on a form the clerk fills by hand.
    ConstWithCard,
}

impl Source {
    /// Parse a `source = "…"`.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "card.name" => Source::Name,
            "card.family_name" => Source::FamilyName,
            "card.given_name" => Source::GivenName,
            "card.address" => Source::Address,
            "card.birth_date" => Source::BirthDate,
            "card.sex" => Source::Sex,
            "today" => Source::Today,
            "const" => Source::Const,
            "check.gaiji" => Source::GaijiNote,
            "office.addressee" => Source::OfficeAddressee,
            "office.name" => Source::OfficeName,
            "office.fee" => Source::Fee,
            "session.read" => Source::ReadBy,
            "const.with_card" => Source::ConstWithCard,
            other => Source::Answer(other.strip_prefix("answer.")?.to_owned()).filter_empty()?,
        })
    }

    /// The question, for `answer.<question>`.
    pub fn answer(&self) -> Option<&str> {
        match self {
            Source::Answer(q) => Some(q),
            _ => None,
        }
    }

    fn filter_empty(self) -> Option<Self> {
        match &self {
            Source::Answer(q) if q.is_empty() => None,
            _ => Some(self),
        }
    }

    /// Whether the field is the form's own printing rather than something a resident would
    /// write: not counted in 記入項目の削減 (neither in the total nor as filled).
    pub fn is_fixed(&self) -> bool {
        matches!(
            self,
            Source::Const
                | Source::GaijiNote
                | Source::OfficeAddressee
                | Source::OfficeName
                | Source::Fee
                | Source::ReadBy
                | Source::ConstWithCard
        )
    }

    /// Whether the value comes from the card (counted as "filled automatically").
    pub fn is_card(&self) -> bool {
        matches!(
            self,
            Source::Name
                | Source::FamilyName
                | Source::GivenName
                | Source::Address
                | Source::BirthDate
                | Source::Sex
        )
    }
}

/// A field's condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The question.
    pub question: String,
    /// `None`: any value; `Some(v)`: that value (one of several for `choices`).
    pub equals: Option<String>,
}

impl Condition {
    /// Parse `answer.q` or `answer.q=value`.
    pub fn parse(text: &str) -> Option<Self> {
        let rest = text.strip_prefix("answer.")?;
        let (question, equals) = match rest.split_once('=') {
            Some((q, v)) => (q.trim(), Some(v.trim().to_owned())),
            None => (rest.trim(), None),
        };
        (!question.is_empty()).then(|| Condition {
            question: question.to_owned(),
            equals,
        })
    }
}

impl Template {
    /// Load and check one template file.
    pub fn load(path: &Path) -> Result<Self, Vec<TemplateError>> {
        let file = path.display().to_string();
        let text = crate::files::read_regular_text(path, TEMPLATE_MAX_BYTES, "a template")
            .map_err(|e| {
                vec![TemplateError {
                    file: file.clone(),
                    line: 0,
                    what: format!("cannot read the template: {e}"),
                }]
            })?;
        Self::parse(&text, path)
    }

    /// Check a template given as text (`path` names it and anchors relative paths).
    pub fn parse(text: &str, path: &Path) -> Result<Self, Vec<TemplateError>> {
        let file = path.display().to_string();
        let mut spec: TemplateSpec = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |s| line_of(text, s.start));
            vec![TemplateError {
                file: file.clone(),
                line,
                what: e.message().to_owned(),
            }]
        })?;
        let mut checker = Checker {
            file: &file,
            text,
            errors: Vec::new(),
        };
        super::marks::resolve(&mut spec);
        let background = checker.check(&spec, path);
        if checker.errors.is_empty() {
            Ok(Template {
                path: path.to_owned(),
                spec,
                background,
            })
        } else {
            Err(checker.errors)
        }
    }

    /// Page size in mm.
    pub fn page_size(&self) -> (f32, f32) {
        self.spec.page.dimensions()
    }

    /// A question by id.
    pub fn question(&self, id: &str) -> Option<&QuestionSpec> {
        self.spec
            .questions
            .iter()
            .map(|q| q.get_ref())
            .find(|q| q.id == id)
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

struct Checker<'a> {
    file: &'a str,
    text: &'a str,
    errors: Vec<TemplateError>,
}

impl Checker<'_> {
    fn error(&mut self, offset: usize, what: String) {
        self.errors.push(TemplateError {
            file: self.file.to_owned(),
            line: if offset == usize::MAX {
                0
            } else {
                line_of(self.text, offset)
            },
            what,
        });
    }

    /// Offset of the first occurrence of `needle` (for items without spans).
    fn find(&self, needle: &str) -> usize {
        self.text.find(needle).unwrap_or(usize::MAX)
    }

    fn check(&mut self, spec: &TemplateSpec, path: &Path) -> Option<BackgroundImage> {
        let top = usize::MAX;
        if !spec.id.starts_with(|c: char| c.is_ascii_alphanumeric())
            || spec.id.len() > 40
            || !spec
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            self.error(
                self.find("id"),
                "id: a letter or digit first, then letters, digits, - and _ (at most 40)".into(),
            );
        }
        // The version is counted with every print: one that is not an id could not be recorded.
        if crate::usage::record::Slug::new(&spec.version).is_none() {
            self.error(
                self.find("version"),
                "version: a letter or digit first, then letters, digits, - _ . (at most 40)".into(),
            );
        }
        if !CATEGORIES.contains(&spec.category.as_str()) {
            self.error(
                self.find("category"),
                format!("category: must be one of {}", CATEGORIES.join(", ")),
            );
        }
        let (pw, ph) = spec.page.dimensions();
        let on_page = |b: [f32; 4]| {
            b.iter().all(|v| v.is_finite())
                && b[0] >= 0.0
                && b[1] >= 0.0
                && b[2] > 0.0
                && b[3] > 0.0
                && b[0] + b[2] <= pw + 0.01
                && b[1] + b[3] <= ph + 0.01
        };
        let point_on_page = |p: [f32; 2]| p[0] >= 0.0 && p[1] >= 0.0 && p[0] <= pw && p[1] <= ph;

        for label in &spec.labels {
            if !point_on_page(label.at) {
                self.error(
                    self.find(&label.text),
                    format!("label {:?}: off the page", label.text),
                );
            }
        }
        for line in &spec.lines {
            if !point_on_page(line.from) || !point_on_page(line.to) {
                self.error(
                    top,
                    format!("line from {:?} to {:?}: off the page", line.from, line.to),
                );
            }
        }
        for rect in &spec.rects {
            if !on_page(rect.r#box) {
                self.error(top, format!("rect {:?}: off the page", rect.r#box));
            }
        }
        for grid in &spec.grids {
            let b = [
                grid.at[0],
                grid.at[1],
                grid.cols.iter().sum(),
                grid.rows.iter().sum(),
            ];
            if !on_page(b) {
                self.error(top, format!("grid at {:?}: off the page", grid.at));
            }
        }
        if let Some(qr) = &spec.qr {
            // The caption under the code (what it holds) must be on the page too.
            let caption = 2.0 * 1.2 * super::pdf::QR_CAPTION_PT * super::fit::MM_PER_PT + 0.5;
            if !on_page([qr.at[0], qr.at[1], qr.size, qr.size + caption]) || qr.size < 15.0 {
                self.error(
                    self.find("[qr]"),
                    format!("qr: must be on the page with {caption:.1} mm under it for its caption, and at least 15 mm"),
                );
            }
            let longest = super::qr::longest_payload(spec);
            if super::qr::modules(&longest, qr.size).is_none() {
                let needed = super::qr::side_needed(&longest).unwrap_or(f32::INFINITY);
                self.error(
                    self.find("[qr]"),
                    format!("qr: the longest data this form can carry (the longest test name and address, every answer at its longest) needs a square of {needed:.1} mm for modules of {} mm; make size at least that", super::qr::MIN_MODULE_MM),
                );
            }
        }

        let mut question_ids = HashSet::new();
        for q in &spec.questions {
            let at = q.span().start;
            let q = q.get_ref();
            if !question_ids.insert(q.id.clone()) {
                self.error(at, format!("question `{}`: defined twice", q.id));
            }
            let has_options = matches!(q.kind, QuestionKind::Choice | QuestionKind::Choices);
            if has_options && q.options.is_empty() {
                self.error(
                    at,
                    format!(
                        "question `{}`: a {} needs [[question.option]]s",
                        q.id, q.kind
                    ),
                );
            }
            if let Some(d) = &q.default {
                let ok = match q.kind {
                    QuestionKind::Choice => q.options.iter().any(|o| &o.value == d),
                    QuestionKind::Choices => d
                        .split(',')
                        .all(|v| q.options.iter().any(|o| o.value == v.trim())),
                    QuestionKind::Count => d
                        .parse::<u32>()
                        .is_ok_and(|n| q.count_bounds().contains(&n)),
                    QuestionKind::Number => d.chars().all(|c| c.is_ascii_digit() || c == '-'),
                    QuestionKind::Kana | QuestionKind::StaffText => true,
                };
                if !ok {
                    self.error(
                        at,
                        format!(
                            "question `{}`: default is not one of its options or not in range",
                            q.id
                        ),
                    );
                }
            }
        }

        let fonts = Fonts::bundled();
        let mut boxes: Vec<(String, [f32; 4], usize, bool)> = Vec::new();
        let mut field_ids = HashSet::new();
        for field in &spec.fields {
            let at = field.span().start;
            let f = field.get_ref();
            let name = format!("field `{}`", f.id);
            if !field_ids.insert(f.id.clone()) {
                self.error(at, format!("{name}: defined twice"));
            }
            let Some(source) = Source::parse(&f.source) else {
                self.error(at, format!("{name}: unknown source {:?} (card.name, card.family_name, card.given_name, card.address, card.birth_date, card.sex, answer.<question>, today, const, const.with_card, check.gaiji, office.addressee, office.name, office.fee, session.read)", f.source));
                continue;
            };
            if let Source::Answer(q) = &source {
                if !question_ids.contains(q) {
                    self.error(
                        at,
                        format!("{name}: source answer.{q} names no [[question]] of this form"),
                    );
                }
            }
            if matches!(source, Source::Const | Source::ConstWithCard) && f.text.is_none() {
                self.error(at, format!("{name}: a const field needs text = \"…\""));
            }
            if let Some(when) = &f.when {
                match Condition::parse(when) {
                    Some(c) if question_ids.contains(&c.question) => {}
                    _ => self.error(at, format!("{name}: when = {when:?} must be answer.<question> or answer.<question>=<value> of a question of this form")),
                }
            }
            let font = f.font.key();
            if let Some(format) = f.format {
                let date = matches!(source, Source::BirthDate | Source::Today);
                if format.is_date() != date {
                    let dates: Vec<&str> = Format::ALL
                        .iter()
                        .copied()
                        .filter(|f| *f != "fullwidth")
                        .collect();
                    self.error(at, format!("{name}: format \"{format}\" does not apply to {} (dates: {}; text: fullwidth)", f.source, dates.join(", ")));
                }
            }
            match f.mark {
                Some(Mark::Circle | Mark::Tick) => {
                    if !(1.0..=30.0).contains(&f.mark_size) {
                        self.error(at, format!("{name}: mark_size must be 1–30 mm"));
                    }
                    if f.options.is_empty() {
                        self.error(
                            at,
                            format!("{name}: a mark needs [field.options] value = [x, y]"),
                        );
                    }
                    let also_as_text = |q: &str| {
                        spec.fields.iter().map(|x| x.get_ref()).any(|x| {
                            x.mark.is_none() && x.source.strip_prefix("answer.") == Some(q)
                        })
                    };
                    if let Some(q) = source.answer().filter(|q| !also_as_text(q)) {
                        let question = spec
                            .questions
                            .iter()
                            .map(|x| x.get_ref())
                            .find(|x| x.id == q);
                        for o in question.map(|x| x.options.as_slice()).unwrap_or_default() {
                            if !f.options.contains_key(&o.value) {
                                self.error(at, format!("{name}: option {:?} of question `{q}` has no place to mark; an answer the paper does not show cannot be printed", o.value));
                            }
                        }
                    }
                    for (value, p) in &f.options {
                        if !(2..=4).contains(&p.len()) || !point_on_page([p[0], p[1]]) {
                            self.error(at, format!("{name}: option {value:?} must be [x, y], [x, y, width] or [x, y, width, height] on the page"));
                        }
                        let valid = match &source {
                            Source::BirthDate => ERAS.contains(&value.as_str()),
                            Source::Sex => ["1", "2", "9", "0"].contains(&value.as_str()),
                            Source::Answer(q) => spec
                                .questions
                                .iter()
                                .map(|x| x.get_ref())
                                .find(|x| &x.id == q)
                                .is_none_or(|x| {
                                    x.options.is_empty()
                                        || x.options.iter().any(|o| &o.value == value)
                                }),
                            _ => false,
                        };
                        if !valid {
                            self.error(
                                at,
                                format!(
                                    "{name}: option {value:?} is not a value {} can take",
                                    f.source
                                ),
                            );
                        }
                    }
                }
                None => {
                    let Some(b) = f.r#box else {
                        self.error(
                            at,
                            format!("{name}: a text field needs box = [x, y, width, height]"),
                        );
                        continue;
                    };
                    if !on_page(b) {
                        self.error(
                            at,
                            format!("{name}: box {b:?} is off the {} page", spec.page.size),
                        );
                        continue;
                    }
                    let min = f.min_size.unwrap_or(f.size * 0.7);
                    if !(4.0..=72.0).contains(&f.size) || min > f.size || min < 4.0 {
                        self.error(
                            at,
                            format!("{name}: size must be 4–72 pt and min_size at most size"),
                        );
                    }
                    let longest = match source {
                        Source::Address => Some(LONGEST_TEST_ADDRESS),
                        Source::Name => Some(LONGEST_TEST_NAME),
                        Source::OfficeAddressee => Some(LONGEST_TEST_ADDRESSEE),
                        Source::OfficeName => Some(LONGEST_TEST_OFFICE),
                        Source::Fee => Some(LONGEST_TEST_FEE),
                        Source::ReadBy => Some(super::office::reading_line(
                            crate::usage::record::Identification::None,
                        )),
                        _ => None,
                    };
                    if let Some(value) = longest {
                        if super::fit::fit(fonts, font, value, b, f.size, min, f.align).is_none() {
                            self.error(at, format!("{name}: the longest test value does not fit in box {b:?} even at {min} pt; make the box larger or min_size smaller"));
                        }
                    }
                    boxes.push((f.id.clone(), b, at, f.when.is_some()));
                }
            }
        }
        // The QR code's square (with its quiet zone inside) must be clear of the drawing: a
        // line or text across it and the window's scanner no longer reads it.
        if let Some(q) = &spec.qr {
            let square = [q.at[0], q.at[1], q.size, q.size];
            let crosses = |b: [f32; 4]| overlap(square, b);
            let segment = |from: [f32; 2], to: [f32; 2]| {
                [
                    from[0].min(to[0]),
                    from[1].min(to[1]),
                    (from[0] - to[0]).abs(),
                    (from[1] - to[1]).abs(),
                ]
            };
            let at = self.find("[qr]");
            for r in &spec.rects {
                let [x, y, w, h] = r.r#box;
                let edges = [
                    ([x, y], [x + w, y]),
                    ([x, y + h], [x + w, y + h]),
                    ([x, y], [x, y + h]),
                    ([x + w, y], [x + w, y + h]),
                ];
                if r.fill.is_some() && crosses(r.r#box)
                    || edges.iter().any(|(a, b)| crosses(segment(*a, *b)))
                {
                    self.error(
                        at,
                        format!("qr: the rect at {:?} crosses the code", r.r#box),
                    );
                }
            }
            for l in &spec.lines {
                if crosses(segment(l.from, l.to)) {
                    self.error(
                        at,
                        format!("qr: the line from {:?} crosses the code", l.from),
                    );
                }
            }
            for b in super::marks::text_boxes(spec) {
                if crosses(b) {
                    self.error(
                        at,
                        format!("qr: text at [{:.1}, {:.1}] crosses the code", b[0], b[1]),
                    );
                }
            }
        }
        for (i, what) in super::marks::problems(spec) {
            self.error(spec.fields[i].span().start, what);
        }
        // Two text fields on the same spot print over each other, unless a condition makes
        // them alternatives.
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                if overlap(a.1, b.1) && !(a.3 && b.3) {
                    self.error(
                        b.2,
                        format!("field `{}`: box overlaps field `{}`", b.0, a.0),
                    );
                }
            }
        }

        spec.background.as_ref().and_then(|bg| {
            let file = path.parent().unwrap_or(Path::new(".")).join(&bg.image);
            if let Some(b) = bg.r#box {
                if !on_page(b) {
                    self.error(
                        self.find("[background]"),
                        "background: box is off the page".into(),
                    );
                }
            }
            match load_image(&file) {
                Ok(img) => Some(img),
                Err(e) => {
                    self.error(self.find("[background]"), format!("background: {e}"));
                    None
                }
            }
        })
    }
}

fn overlap(a: [f32; 4], b: [f32; 4]) -> bool {
    let eps = 0.01;
    a[0] + a[2] > b[0] + eps
        && b[0] + b[2] > a[0] + eps
        && a[1] + a[3] > b[1] + eps
        && b[1] + b[3] > a[1] + eps
}

/// The largest background file accepted (a 600 dpi A3 scan as PNG is well under it).
pub const BACKGROUND_MAX_BYTES: u64 = 50 << 20;
/// The widest or tallest background accepted, in pixels (A3 at 600 dpi is 7016 × 9921).
pub const BACKGROUND_MAX_SIDE: u32 = 10_000;
/// The most memory a background may take decoded (a 600 dpi A3 colour scan takes 209 MB).
pub const BACKGROUND_MAX_DECODED: u64 = 256 << 20;
/// The largest template file accepted.
pub const TEMPLATE_MAX_BYTES: u64 = 1 << 20;

/// Read and decode the background once, at check time, with limits: a form whose scan cannot
/// be decoded (a truncated PNG, a JPEG header alone) must not be offered, a decompression bomb
/// must not take the kiosk's memory, and a FIFO or `/dev/zero` must not hang or exhaust the
/// check. Only the file's bytes are kept; the PDF writer decodes them again when printing.
fn load_image(path: &Path) -> Result<BackgroundImage, BackgroundError> {
    let bytes = crate::files::read_regular(path, BACKGROUND_MAX_BYTES, "a background image")?;
    let at = |problem| BackgroundError::Image {
        path: path.to_owned(),
        problem,
    };
    let format = match image::guess_format(&bytes) {
        Ok(f @ (image::ImageFormat::Png | image::ImageFormat::Jpeg)) => f,
        _ => return Err(at(ImageProblem::NotPngOrJpeg)),
    };
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(&bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(BACKGROUND_MAX_SIDE);
    limits.max_image_height = Some(BACKGROUND_MAX_SIDE);
    limits.max_alloc = Some(BACKGROUND_MAX_DECODED);
    reader.limits(limits);
    let decoded = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => at(ImageProblem::TooLarge),
        other => at(ImageProblem::Undecodable(other.to_string())),
    })?;
    let pixels = (decoded.width(), decoded.height());
    drop(decoded);
    Ok(BackgroundImage { bytes, pixels })
}

/// Why a template's background scan cannot be used (`forms check` shows it with the line).
#[derive(Debug, thiserror::Error)]
pub enum BackgroundError {
    /// Missing, not a regular file, or over [`BACKGROUND_MAX_BYTES`].
    #[error(transparent)]
    File(#[from] crate::files::FileError),
    /// Read, but not an image the PDF writer can embed.
    #[error("{}: {problem}", path.display())]
    Image {
        /// The scan.
        path: PathBuf,
        /// What is wrong and what to do.
        problem: ImageProblem,
    },
}

/// What is wrong with a background scan's bytes.
#[derive(Debug, thiserror::Error)]
pub enum ImageProblem {
    /// Another format (TIFF, PDF, a renamed file).
    #[error("not a PNG or JPEG image")]
    NotPngOrJpeg,
    /// Over [`BACKGROUND_MAX_SIDE`] pixels a side or [`BACKGROUND_MAX_DECODED`] decoded.
    #[error(
        "too large to print from (at most {BACKGROUND_MAX_SIDE} pixels a side and {} MB decoded); scan at 300–600 dpi",
        BACKGROUND_MAX_DECODED >> 20
    )]
    TooLarge,
    /// Truncated or corrupt; the decoder's message.
    #[error("cannot be decoded ({0}); export the scan again as PNG or JPEG")]
    Undecodable(String),
}

/// Every template in a folder, sorted by file name: the good ones, and the errors of the rest.
/// The kiosk offers the good ones and shows the errors to the administrator. The questions'
/// and options' texts in the other languages come from the folder's `i18n/<code>.toml`
/// ([`super::translations`]); a broken translation file is an error too.
pub fn load_dir(dir: &Path) -> (Vec<Template>, Vec<TemplateError>) {
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect(),
        Err(e) => {
            return (
                Vec::new(),
                vec![TemplateError {
                    file: dir.display().to_string(),
                    line: 0,
                    what: format!("cannot list templates: {e}"),
                }],
            );
        }
    };
    paths.sort();
    let mut good: Vec<Template> = Vec::new();
    let (translations, mut errors) = super::translations::load(dir);
    for path in paths {
        match Template::load(&path) {
            Ok(t) if good.iter().any(|g| g.spec.id == t.spec.id) => errors.push(TemplateError {
                file: path.display().to_string(),
                line: 1,
                what: format!("id {:?} is already used by another template", t.spec.id),
            }),
            Ok(t) => good.push(t),
            Err(mut e) => errors.append(&mut e),
        }
    }
    super::translations::apply(&mut good, &translations);
    (good, errors)
}

#[cfg(test)]
mod reading_tests {
    use super::*;
    use crate::i18n::Language;

    fn shipped() -> Vec<Template> {
        let (templates, errors) = load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("forms"));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(templates.len(), 10);
        templates
    }

    #[test]
    fn every_kanji_of_every_question_and_option_has_its_reading() {
        let mut warnings = Vec::new();
        for t in shipped() {
            warnings.extend(t.reading_warnings());
        }
        assert!(warnings.is_empty(), "{warnings:#?}");
    }

    #[test]
    fn labels_are_plain_for_the_paper_and_marked_for_the_screen() {
        let templates = shipped();
        let koseki = templates.iter().find(|t| t.spec.id == "koseki").unwrap();
        let q = koseki.question("relation").unwrap_or_else(|| {
            koseki
                .spec
                .questions
                .iter()
                .map(|q| q.get_ref())
                .find(|q| !q.options.is_empty())
                .unwrap()
        });
        for language in [Language::JA, Language::EASY_JA] {
            assert!(q.label.marked(language).contains('|'));
            assert!(!q.label.in_language(language).contains(['{', '|', '}']));
            for o in &q.options {
                assert!(!o.label.in_language(language).contains(['{', '|', '}']));
                assert_eq!(o.label.ja_plain(), o.label.in_language(language));
            }
        }
        assert_eq!(q.label.in_language(Language::EN), q.label.en);
    }

    #[test]
    fn a_label_without_readings_is_a_warning_naming_file_question_and_kanji() {
        let templates = shipped();
        let mut t = templates
            .into_iter()
            .find(|t| t.spec.id == "juminhyo")
            .unwrap();
        let mut q = t.spec.questions[0].get_ref().clone();
        q.label.ja = "{証明|しょうめい}が必要な方".into();
        let id = q.id.clone();
        t.spec.questions[0] = toml::Spanned::new(0..0, q);
        let w = t.reading_warnings();
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("juminhyo.toml"), "{}", w[0]);
        assert!(w[0].contains(&format!("question `{id}`")), "{}", w[0]);
        assert!(w[0].contains("必要方"), "{}", w[0]);
        assert!(w[0].contains("証明が必要な方"), "{}", w[0]);
    }
}
