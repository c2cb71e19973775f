//! `kakanai forms list|check` and `kakanai render`.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::exit;
use crate::card::Date;
use crate::card::sim::CardProfile;
use crate::forms::fill::FlagReason;
use crate::forms::{Answers, FillInput, Template, fill, load_dir, pdf};

/// `kakanai forms …`
#[derive(Debug, Subcommand)]
pub enum FormsCommand {
    /// One form per line: id, title, version (tab-separated).
    List {
        /// The templates' folder (default: forms_dir in kakanai.toml).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Check templates (all in --dir when no file is named). Errors name file, line and field.
    Check {
        /// Template files.
        files: Vec<PathBuf>,
        /// The templates' folder (default: forms_dir in kakanai.toml).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

/// `kakanai render …`
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Form ids, comma-separated, in print order.
    #[arg(long, value_delimiter = ',', required = true)]
    form: Vec<String>,
    /// A card profile whose data fills the card fields; without it they stay blank.
    #[arg(long, value_name = "PROFILE.toml")]
    card: Option<PathBuf>,
    /// Answers (question = value); unanswered questions take the template defaults.
    #[arg(long, value_name = "FILE.toml")]
    answers: Option<PathBuf>,
    /// The date printed as today (default: today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    today: Option<String>,
    /// Copies of each form.
    #[arg(long, default_value_t = 1)]
    copies: u32,
    /// The templates' folder (default: forms_dir in kakanai.toml).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Output PDF (written readable by its owner only: it holds personal data).
    #[arg(short, long)]
    output: PathBuf,
    /// The PDF the printer gets rather than the one the screen shows: the values alone on a
    /// pre-printed form (`[page] drawing = "preview-only"`), moved by `[printer] offset_mm` and
    /// `scale`.
    #[arg(long)]
    for_printer: bool,
}

/// The forms folder: `--dir`, else `forms_dir` of kakanai.toml (relative to its folder).
fn forms_dir(dir: Option<PathBuf>, config: &crate::config::Config, base: &Path) -> PathBuf {
    dir.unwrap_or_else(|| base.join(&config.kiosk.forms_dir))
}

/// Run `forms …`.
pub fn run(command: FormsCommand, config: &crate::config::Config, base: &Path) -> i32 {
    match command {
        FormsCommand::List { dir } => {
            let dir = forms_dir(dir, config, base);
            let (templates, errors) = load_dir(&dir);
            for t in &templates {
                println!("{}\t{}\t{}", t.spec.id, t.spec.title, t.spec.version);
            }
            for e in &errors {
                eprintln!("kakanai: left out: {e}");
            }
            if templates.is_empty() {
                exit::FAILED
            } else {
                exit::OK
            }
        }
        FormsCommand::Check { files, dir } => {
            let dir = forms_dir(dir, config, base);
            let (good, errors) = if files.is_empty() {
                let (good, errors) = load_dir(&dir);
                report_translations(&dir, &good);
                (good, errors)
            } else {
                files
                    .iter()
                    .fold((Vec::new(), Vec::new()), |(mut ok, mut errs), f| {
                        match Template::load(f) {
                            Ok(t) => ok.push(t),
                            Err(mut e) => errs.append(&mut e),
                        }
                        (ok, errs)
                    })
            };
            // Warnings do not fail the check (an office's own templates may lag behind).
            for w in good.iter().flat_map(Template::reading_warnings) {
                eprintln!("warning: {w}");
            }
            let good = good.len();
            for e in &errors {
                eprintln!("{e}");
            }
            if errors.is_empty() {
                println!("{good} template(s) OK");
                exit::OK
            } else {
                eprintln!("kakanai: {} problem(s)", errors.len());
                exit::FAILED
            }
        }
    }
}

/// Warnings (on stderr, not failures: the text falls back to English, then Japanese) for every
/// language whose translation file lacks a question's or option's text, with the count and
/// the first few keys, and for keys in a translation file that match nothing.
fn report_translations(dir: &Path, templates: &[Template]) {
    for m in crate::forms::translations::missing(templates) {
        if m.keys.is_empty() {
            continue;
        }
        let shown: Vec<&str> = m.keys.iter().take(5).map(String::as_str).collect();
        let more = if m.keys.len() > shown.len() {
            ", …"
        } else {
            ""
        };
        eprintln!(
            "warning: {}: {} question/option text(s) missing in {}/i18n/{}.toml (shown in English instead): {}{more}",
            m.language.as_str(),
            m.keys.len(),
            dir.display(),
            m.language.as_str(),
            shown.join(", "),
        );
    }
    let (translations, _) = crate::forms::translations::load(dir);
    for key in crate::forms::translations::unused(templates, &translations) {
        eprintln!("warning: {key}: no such template, question or option");
    }
}

/// Today's date in Japan (UTC+9, no daylight saving), from the system clock: the date a form
/// is dated with must not depend on the kiosk PC's time-zone setting.
pub fn today_jst() -> Date {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
        + 9 * 3600;
    let d = myna_card::Date::from_unix_seconds(secs);
    Date::new(d.year, d.month, d.day).unwrap_or_else(|| unreachable!("a civil date"))
}

/// Run `render`.
pub fn render(args: RenderArgs, config: &crate::config::Config, base: &Path) -> i32 {
    let dir = forms_dir(args.dir.clone(), config, base);
    let (templates, errors) = load_dir(&dir);
    let mut chosen = Vec::new();
    for id in &args.form {
        match templates.iter().find(|t| &t.spec.id == id) {
            Some(t) => chosen.push(t),
            None => {
                for e in errors.iter().filter(|e| e.file.contains(id.as_str())) {
                    eprintln!("{e}");
                }
                return fail(
                    &format!(
                        "no usable form {id:?} in {}; `kakanai forms list` shows them",
                        dir.display()
                    ),
                    exit::USAGE,
                );
            }
        }
    }
    // The output must not replace an input: a template, the card profile, the answers.
    let mut inputs: Vec<&Path> = chosen.iter().map(|t| t.path.as_path()).collect();
    inputs.extend(args.card.as_deref());
    inputs.extend(args.answers.as_deref());
    if let Err(e) = crate::files::refuse_overwriting_inputs(&args.output, &inputs) {
        return fail(&e.to_string(), exit::USAGE);
    }
    let card = match &args.card {
        Some(p) => match CardProfile::load(p) {
            Ok(profile) => Some(profile.expected()),
            Err(e) => return fail(&e.to_string(), exit::USAGE),
        },
        None => None,
    };
    let answers = match &args.answers {
        Some(p) => match Answers::load(p) {
            Ok(a) => a,
            Err(e) => return fail(&e.to_string(), exit::USAGE),
        },
        None => Answers::new(),
    };
    let today = match &args.today {
        Some(t) => match Date::parse_iso(t) {
            Some(d) => d,
            None => return fail("--today must be YYYY-MM-DD", exit::USAGE),
        },
        None => today_jst(),
    };
    let mut filled = Vec::new();
    for t in &chosen {
        // One answers file serves every chosen form, and the same question id can have other
        // options on another form: an answer that is not one of this form's options is left
        // out of this form (fill would refuse it: the paper could not show it), with a warning.
        let mut mine = answers.clone();
        for q in t
            .spec
            .questions
            .iter()
            .map(|q| q.get_ref())
            .filter(|q| !q.options.is_empty())
        {
            // The question is named, never the value: a typed answer can be personal.
            if let Some(value) = answers.get(&q.id) {
                if value
                    .split(',')
                    .map(str::trim)
                    .any(|v| !q.options.iter().any(|o| o.value == v))
                {
                    eprintln!(
                        "kakanai: form {}: the answer to `{}` is not one of its options ({}); it is left out of this form",
                        t.spec.id,
                        q.id,
                        q.options
                            .iter()
                            .map(|o| o.value.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    mine.set(&q.id, "");
                }
            }
        }
        let answers = mine.with_defaults(t);
        let input = FillInput {
            card: card.as_ref(),
            answers: &answers,
            today,
            office: &config.office,
            read: if card.is_some() {
                crate::usage::record::Identification::Pin
            } else {
                crate::usage::record::Identification::None
            },
        };
        match fill(t, &input) {
            Ok(f) => {
                for flag in &f.flags {
                    let why = match flag.reason {
                        FlagReason::MissingGlyph => {
                            "a character no installed font has is printed as 〓"
                        }
                        FlagReason::FallbackGlyph => {
                            "a character was drawn from the fallback font (外字)"
                        }
                        FlagReason::GetaFromCard => {
                            "the card holds 〓 for a character it could not encode"
                        }
                    };
                    eprintln!(
                        "kakanai: check form {} field `{}`: {why}",
                        f.form_id, flag.field
                    );
                }
                filled.push(f);
            }
            Err(e) => return fail(&e.to_string(), exit::FAILED),
        }
    }
    let items: Vec<_> = chosen
        .iter()
        .zip(&filled)
        .map(|(t, f)| (*t, f, args.copies))
        .collect();
    let output = if args.for_printer {
        pdf::Output::Printer(config.printer.placement())
    } else {
        pdf::Output::Screen
    };
    match pdf::render_for(&items, "kakanai", output) {
        // The PDF holds personal data: a new file readable by its owner only, renamed over
        // any older one (whose mode would otherwise be kept).
        Ok(bytes) => match crate::files::write_bytes_replacing(&args.output, 0o600, &bytes) {
            Ok(()) => exit::OK,
            Err(e) => fail(&format!("{}: {e}", args.output.display()), exit::FAILED),
        },
        Err(e) => fail(&e.to_string(), exit::FAILED),
    }
}

fn fail(message: &str, code: i32) -> i32 {
    eprintln!("kakanai: {message}");
    code
}
