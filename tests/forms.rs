//! Forms end to end: every template passes `forms check`; broken ones are refused with file,
//! line and field; `kakanai render` gives PDFs whose text (pdftotext) holds the name and the
//! whole address and whose fonts (pdffonts) are all embedded subsets; the non-BMP name prints.

mod support;

use std::path::{Path, PathBuf};

use kakanai::card::Date;
use kakanai::forms::{Answers, FillError, FillInput, Template, fill, pdf};
use support::{fixtures, kakanai, profile, tool};

const FORMS: [&str; 10] = [
    "juminhyo",
    "inkan-shomei",
    "koseki",
    "fuhyo",
    "zei-shomei",
    "ido-todoke",
    "inkan-toroku",
    "jpki",
    "pin-reset",
    "kokuho-shikaku",
];

fn forms_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("forms")
}

fn answers_file(dir: &Path) -> PathBuf {
    let path = dir.join("answers.toml");
    std::fs::write(
        &path,
        "move_kind = \"tenkyo\"\npins = [\"kenmen\"]\npurpose = \"job\"\ncopies = 1\n",
    )
    .unwrap();
    path
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn render(forms: &str, card: Option<&str>, dir: &Path, out: &str) -> PathBuf {
    let output = dir.join(out);
    let mut cmd = kakanai();
    cmd.args(["render", "--form", forms, "--today", "2026-11-21", "--dir"])
        .arg(forms_dir())
        .arg("--answers")
        .arg(answers_file(dir))
        .arg("-o")
        .arg(&output);
    if let Some(card) = card {
        cmd.arg("--card")
            .arg(fixtures().join("cards").join(format!("{card}.toml")));
    }
    let result = cmd.output().unwrap();
    assert!(
        result.status.success(),
        "render {forms}: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    output
}

/// Every font in the PDF is embedded and subset: (name, emb, sub) per pdffonts row.
fn fonts_of(pdf: &Path) -> Vec<(String, bool, bool)> {
    tool("pdffonts", &[pdf.to_str().unwrap()])
        .lines()
        .skip(2)
        .map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            let n = cols.len();
            (
                cols[0].to_owned(),
                cols[n - 5] == "yes",
                cols[n - 4] == "yes",
            )
        })
        .collect()
}

#[test]
fn forms_check_counts_missing_translations_per_language_and_refuses_a_broken_file() {
    // Every question and option of the ten templates is translated: no warning.
    let out = kakanai()
        .args(["forms", "check", "--dir"])
        .arg(forms_dir())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && !err.contains("warning"), "{err}");
    // A copy whose Chinese file has one text and a stale key, and no Korean file at all.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for f in std::fs::read_dir(forms_dir()).unwrap().flatten() {
        if f.path().extension().is_some_and(|x| x == "toml") {
            std::fs::copy(f.path(), d.join(f.file_name())).unwrap();
        }
    }
    std::fs::create_dir(d.join("i18n")).unwrap();
    for code in ["vi", "pt", "tl", "ne"] {
        let from = forms_dir().join("i18n").join(format!("{code}.toml"));
        std::fs::copy(from, d.join("i18n").join(format!("{code}.toml"))).unwrap();
    }
    std::fs::write(
        d.join("i18n/zh.toml"),
        "[juminhyo]\nrelation = \"与需要证明的人的关系\"\nno_such_question = \"x\"\n",
    )
    .unwrap();
    let out = forms_cmd(d, "check");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "missing texts are warnings: {err}");
    assert!(
        err.contains("warning: zh: 153 question/option text(s) missing"),
        "{err}"
    );
    assert!(
        err.contains("warning: ko: 154 question/option text(s) missing"),
        "{err}"
    );
    assert!(!err.contains("warning: vi:"), "{err}");
    assert!(
        err.contains("[juminhyo] no_such_question: no such template"),
        "{err}"
    );
    // A file that is not a table of texts is an error naming it and its line.
    std::fs::write(d.join("i18n/zh.toml"), "[juminhyo]\nrelation = 3\n").unwrap();
    let out = forms_cmd(d, "check");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("zh.toml:2:"), "{err}");
}

#[test]
fn forms_check_passes_on_every_form_and_list_shows_them() {
    let out = kakanai()
        .args(["forms", "check", "--dir"])
        .arg(forms_dir())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "10 template(s) OK"
    );
    // Every kanji a resident reads carries its ふりがな: no reading warning.
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("warning"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = kakanai()
        .args(["forms", "list", "--dir"])
        .arg(forms_dir())
        .output()
        .unwrap();
    let list = String::from_utf8(out.stdout).unwrap();
    for id in FORMS {
        assert!(
            list.lines().any(|l| l.split('\t').next() == Some(id)),
            "{id} missing from\n{list}"
        );
    }
    assert!(list.contains("juminhyo\t住民票の写し等交付請求書\t2026.1"));
}

#[test]
fn every_form_renders_with_the_name_and_the_whole_address_in_subset_fonts() {
    let dir = tempfile::tempdir().unwrap();
    for card in ["standard", "long-address"] {
        let p = profile(card);
        for form in FORMS {
            let pdf = render(form, Some(card), dir.path(), &format!("{form}-{card}.pdf"));
            // -raw: text in the order it was written, field by field. (The default mode's
            // column analysis splits 山田　太郎 at the wide ideographic space.)
            let text = squeeze(&tool("pdftotext", &["-raw", pdf.to_str().unwrap(), "-"]));
            assert!(
                text.contains(&squeeze(&p.name)),
                "{form}/{card}: name missing"
            );
            assert!(
                text.contains(&squeeze(&p.address)),
                "{form}/{card}: the address is not all there"
            );
            let fonts = fonts_of(&pdf);
            assert!(!fonts.is_empty(), "{form}: no fonts");
            for (name, embedded, subset) in fonts {
                assert!(
                    embedded && subset,
                    "{form}/{card}: font {name} is not an embedded subset"
                );
                assert!(name.contains('+'), "{form}: {name} has no subset tag");
            }
            let size = std::fs::metadata(&pdf).unwrap().len();
            assert!(
                size < 120_000,
                "{form}/{card}: {size} bytes for one page: is a whole font embedded?"
            );
        }
    }
}

#[test]
fn the_non_bmp_name_prints_from_the_fallback_font() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = render("juminhyo", Some("non-bmp"), dir.path(), "yoshi.pdf");
    let text = tool("pdftotext", &[pdf.to_str().unwrap(), "-"]);
    assert!(text.contains('𠮷'), "𠮷 is not in the text layer");
    let fonts = fonts_of(&pdf);
    // The name box is set in Gothic: 𠮷 comes from the Gothic fallback (Noto Sans CJK), so it
    // matches its neighbours' weight; a Mincho field would take IPAmj Mincho.
    assert!(
        fonts
            .iter()
            .any(|(n, e, s)| n.contains("NotoSansCJK") && *e && *s),
        "{fonts:?}"
    );
    // And the glyph is really drawn: the page rendered where the name is is not blank.
    let png = dir.path().join("yoshi");
    tool(
        "pdftoppm",
        &[
            "-png",
            "-r",
            "100",
            "-x",
            "170",
            "-y",
            "290",
            "-W",
            "30",
            "-H",
            "30",
            pdf.to_str().unwrap(),
            png.to_str().unwrap(),
        ],
    );
    let crop = std::fs::read(dir.path().join("yoshi-1.png")).unwrap();
    assert!(crop.len() > 200, "the crop where 𠮷 should be is empty");
}

#[test]
fn a_session_of_several_forms_is_one_pdf_in_order_with_copies() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("batch.pdf");
    let result = kakanai()
        .args([
            "render",
            "--form",
            "koseki,juminhyo,zei-shomei",
            "--copies",
            "2",
            "--today",
            "2026-11-21",
            "--dir",
        ])
        .arg(forms_dir())
        .arg("--card")
        .arg(fixtures().join("cards/standard.toml"))
        .arg("-o")
        .arg(&output)
        .output()
        .unwrap();
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let info = tool("pdfinfo", &[output.to_str().unwrap()]);
    assert!(
        info.lines()
            .any(|l| l.starts_with("Pages:") && l.ends_with(" 6")),
        "{info}"
    );
    let titles: Vec<String> = (1..=6)
        .map(|p| {
            let page = p.to_string();
            tool(
                "pdftotext",
                &["-f", &page, "-l", &page, output.to_str().unwrap(), "-"],
            )
            .lines()
            .next()
            .unwrap_or("")
            .to_owned()
        })
        .collect();
    assert_eq!(titles[0], "戸籍証明書等交付請求書");
    assert_eq!(titles[1], "戸籍証明書等交付請求書");
    assert_eq!(titles[2], "住民票の写し等交付請求書");
    assert_eq!(titles[4], "税証明交付申請書");
}

#[test]
fn without_a_card_the_card_fields_stay_blank_for_handwriting() {
    let template = Template::load(&forms_dir().join("juminhyo.toml")).unwrap();
    let answers = Answers::new().with_defaults(&template);
    let input = FillInput {
        card: None,
        answers: &answers,
        today: Date::new(2026, 11, 21).unwrap(),
        office: &kakanai::forms::Office::default(),
        read: kakanai::usage::record::Identification::None,
    };
    let filled = fill(&template, &input).unwrap();
    let ids: Vec<&str> = filled.texts.iter().map(|(id, _)| id.as_str()).collect();
    for card_field in ["address", "name", "birth_date"] {
        assert!(
            !ids.contains(&card_field),
            "{card_field} was filled without a card"
        );
    }
    assert!(ids.contains(&"date"));
    assert_eq!(filled.filled_from_card, 0);
    // With the card: address, name, sex, era, date and 西暦 come from it.
    let card = profile("standard").expected();
    let input = FillInput {
        card: Some(&card),
        read: kakanai::usage::record::Identification::Pin,
        ..input
    };
    let filled = fill(&template, &input).unwrap();
    assert_eq!(filled.filled_from_card, 6);
    assert!(filled.fields_total > filled.filled_from_card);
    let bytes = pdf::render(&[(&template, &filled, 1)], "t").unwrap();
    assert!(bytes.starts_with(b"%PDF"));
}

#[test]
fn a_value_that_does_not_fit_is_an_error_naming_form_and_field() {
    let template = Template::load(&forms_dir().join("ido-todoke.toml")).unwrap();
    let mut answers = Answers::new().with_defaults(&template);
    answers.set("move_kind", "tenkyo");
    answers.set("move_date", "令和8年11月15日".repeat(30));
    let input = FillInput {
        card: None,
        answers: &answers,
        today: Date::new(2026, 11, 21).unwrap(),
        office: &kakanai::forms::Office::default(),
        read: kakanai::usage::record::Identification::None,
    };
    let err = fill(&template, &input).unwrap_err();
    assert_eq!(
        err,
        FillError::DoesNotFit {
            form: "ido-todoke".into(),
            field: "move_date".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "form ido-todoke: field `move_date` does not fit in its box even at the minimum size"
    );
}

/// A copy of juminhyo with one change, checked; returns the messages.
fn broken(replace: &str, with: &str) -> Vec<String> {
    let text = std::fs::read_to_string(forms_dir().join("juminhyo.toml")).unwrap();
    assert!(
        text.contains(replace),
        "the fixture changed: {replace:?} not found"
    );
    let text = text.replacen(replace, with, 1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.toml");
    std::fs::write(&path, &text).unwrap();
    let out = kakanai()
        .args(["forms", "check"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    String::from_utf8(out.stderr)
        .unwrap()
        .lines()
        .filter(|l| l.contains("broken.toml:"))
        .map(|l| l.rsplit("broken.toml:").next().unwrap().to_owned())
        .collect()
}

fn line_of(needle: &str) -> usize {
    let text = std::fs::read_to_string(forms_dir().join("juminhyo.toml")).unwrap();
    text[..text.find(needle).unwrap()].matches('\n').count() + 1
}

#[test]
fn broken_templates_are_refused_with_file_line_and_field() {
    let field_line = line_of("[[field]]\nid = \"name\"");
    let errors = broken("source = \"card.name\"", "source = \"card.nickname\"");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with(&format!("{field_line}: field `name`: unknown source")),
        "{errors:?}"
    );

    let address_line = line_of("[[field]]\nid = \"address\"");
    let errors = broken("box = [44, 49, 150, 14]", "box = [44, 49, 40, 6]");
    assert!(
        errors.iter().any(|e| e.starts_with(&format!(
            "{address_line}: field `address`: the longest test value does not fit"
        ))),
        "{errors:?}"
    );
    let errors = broken("box = [44, 49, 150, 14]", "box = [100, 49, 150, 14]");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("field `address`: box") && e.contains("off the A4 page")),
        "{errors:?}"
    );
    let errors = broken("box = [44, 49, 150, 14]", "box = [44, 60, 150, 14]");
    assert!(
        errors.iter().any(|e| e.contains("overlaps field")),
        "{errors:?}"
    );
    let errors = broken("font = \"gothic\"\n", "font = \"comic\"\n");
    assert!(
        errors.iter().any(|e| e.contains("unknown font \"comic\"")),
        "{errors:?}"
    );
    // Every closed set (kind, font, align, mark, format, paper, orientation) is refused while
    // the file is read, with its line and the values allowed.
    for (replace, with, message) in [
        (
            "kind = \"kana\"",
            "kind = \"dropdown\"",
            "unknown question kind \"dropdown\" (choice, choices, count, number, kana, staff_text)",
        ),
        (
            "mark = \"circle\"",
            "mark = \"cross\"",
            "unknown mark \"cross\" (circle, tick)",
        ),
        (
            "align = \"right\"",
            "align = \"middle\"",
            "unknown alignment \"middle\" (left, center, right)",
        ),
        (
            "format = \"wareki\"",
            "format = \"heisei\"",
            "unknown format \"heisei\" (wareki, wareki-numbers, seireki, iso, fullwidth)",
        ),
    ] {
        let errors = broken(replace, with);
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with(&format!("{}: ", line_of(replace))) && e.contains(message)),
            "{with}: {errors:?}"
        );
    }
    let errors = broken("source = \"answer.purpose\"", "source = \"answer.porpose\"");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("answer.porpose names no [[question]]")),
        "{errors:?}"
    );
    // A line or a label across the QR code's square (at [162, 200], 33 mm) is refused.
    let errors = broken(
        "from = [112, 192]\nto = [112, 199]",
        "from = [112, 192]\nto = [170, 210]",
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("qr: the line from [112.0, 192.0] crosses the code")),
        "{errors:?}"
    );
    let errors = broken("at = [113.5, 194]", "at = [160, 205]");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("qr: text at [160.0, 205.0] crosses the code")),
        "{errors:?}"
    );
    // A TOML syntax error names its line too.
    let errors = broken("title = ", "title = = ");
    assert!(
        errors[0].starts_with(&format!("{}: ", line_of("title = "))),
        "{errors:?}"
    );
}

#[test]
fn the_kiosk_leaves_a_broken_form_out_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    for form in ["juminhyo", "koseki"] {
        std::fs::copy(
            forms_dir().join(format!("{form}.toml")),
            dir.path().join(format!("{form}.toml")),
        )
        .unwrap();
    }
    std::fs::write(dir.path().join("zzz-broken.toml"), "id = \"x\"\n").unwrap();
    let (good, errors) = kakanai::forms::load_dir(dir.path());
    assert_eq!(
        good.iter().map(|t| t.spec.id.as_str()).collect::<Vec<_>>(),
        ["juminhyo", "koseki"]
    );
    assert_eq!(errors.len(), 1);
    assert!(errors[0].file.ends_with("zzz-broken.toml"));
}

/// The template at `path`, filled with the standard card and no answers (PIN read).
fn load_and_fill(path: &Path) -> (Template, kakanai::forms::FilledForm) {
    let template = Template::load(path).unwrap();
    let card = profile("standard").expected();
    let answers = Answers::new();
    let input = FillInput {
        card: Some(&card),
        answers: &answers,
        today: Date::new(2026, 11, 21).unwrap(),
        office: &kakanai::forms::Office::default(),
        read: kakanai::usage::record::Identification::Pin,
    };
    let filled = fill(&template, &input).unwrap();
    (template, filled)
}

/// A scan stand-in: the blank 附票 form rendered and rasterised at `dpi` to `dir/<name>.png`.
fn fuhyo_scan(dir: &Path, dpi: u32, name: &str) -> PathBuf {
    let source = render("fuhyo", None, dir, &format!("{name}.pdf"));
    let stem = dir.join(name);
    tool(
        "pdftoppm",
        &[
            "-png",
            "-r",
            &dpi.to_string(),
            "-singlefile",
            source.to_str().unwrap(),
            stem.to_str().unwrap(),
        ],
    );
    dir.join(format!("{name}.png"))
}

#[test]
fn a_background_scan_is_placed_under_the_form() {
    let dir = tempfile::tempdir().unwrap();
    // A real scan stands in: the rendered standard form, as a PNG.
    fuhyo_scan(dir.path(), 40, "scan");
    let text = "id = \"scanned\"\ntitle = \"背景つき\"\nversion = \"1\"\ncategory = \"証明書\"\n[background]\nimage = \"scan.png\"\n\n[[field]]\nid = \"name\"\nsource = \"card.name\"\nbox = [44, 80, 100, 12]\nsize = 14\n";
    let path = dir.path().join("scanned.toml");
    std::fs::write(&path, text).unwrap();
    let (template, filled) = load_and_fill(&path);
    let out = dir.path().join("scanned.pdf");
    std::fs::write(&out, pdf::render(&[(&template, &filled, 1)], "t").unwrap()).unwrap();
    let images = tool("pdfimages", &["-list", out.to_str().unwrap()]);
    assert_eq!(images.lines().count(), 3, "one image expected:\n{images}");
    assert!(tool("pdftotext", &[out.to_str().unwrap(), "-"]).contains("山田"));
    // A missing image is a template error naming the file.
    std::fs::remove_file(dir.path().join("scan.png")).unwrap();
    let errors = Template::load(&path).unwrap_err();
    assert!(
        errors[0].what.contains("background") && errors[0].what.contains("scan.png"),
        "{errors:?}"
    );
}

#[test]
fn the_qr_code_scans_back_to_the_entered_data() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = render("juminhyo", Some("long-address"), dir.path(), "qr.pdf");
    let stem = dir.path().join("qr");
    // 200 dpi: a scanner at the window sees at least that much.
    tool(
        "pdftoppm",
        &[
            "-png",
            "-r",
            "200",
            "-singlefile",
            pdf.to_str().unwrap(),
            stem.to_str().unwrap(),
        ],
    );
    let scanned = tool(
        "zbarimg",
        &["--raw", "-q", dir.path().join("qr.png").to_str().unwrap()],
    );
    let p = profile("long-address");
    // Answers of other forms in the file (move_kind, pins) are not this form's: left out.
    let expected = format!(
        "KKN1\nF:juminhyo\nV:2026.1\nN:{}\nA:{}\nB:19751130\nS:2\nQ:copies=1\nQ:honseki=omit\nQ:purpose=job\nQ:relation=self\nQ:target=self\nQ:zokugara=omit",
        p.name, p.address
    );
    assert_eq!(scanned.trim_end(), expected);
}

/// A template in `dir` whose background is `image` (a path, relative to `dir` or absolute).
fn scanned_template(dir: &Path, image: &str) -> PathBuf {
    let text = format!(
        "id = \"scanned\"\ntitle = \"背景つき\"\nversion = \"1\"\ncategory = \"証明書\"\n[background]\nimage = \"{image}\"\n\n[[field]]\nid = \"name\"\nsource = \"card.name\"\nbox = [44, 80, 100, 12]\nsize = 14\n"
    );
    let path = dir.join("scanned.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `kakanai forms check|list` on `dir`, killed after 20 s and limited to 2 GB of address space,
/// so that a hang or a runaway allocation fails the test instead of stalling the machine.
fn forms_cmd(dir: &Path, what: &str) -> std::process::Output {
    use std::os::unix::process::CommandExt;
    let mut cmd = kakanai();
    cmd.args(["forms", what, "--dir"])
        .arg(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 2 << 30,
                rlim_max: 2 << 30,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("forms {what} did not finish within 20 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// A real PNG of `w` × `h` grey pixels with thin lines every 8 pixels.
fn lined_png(path: &Path, w: u32, h: u32) {
    let img = image::GrayImage::from_fn(w, h, |x, y| {
        image::Luma([if x % 8 == 0 || y % 8 == 0 { 0 } else { 255 }])
    });
    img.save(path).unwrap();
}

#[test]
fn a_background_that_cannot_be_decoded_or_read_safely_keeps_the_form_out() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A good scan passes: the check itself is not what fails below.
    lined_png(&d.join("good.png"), 400, 566);
    scanned_template(d, "good.png");
    let o = forms_cmd(d, "check");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // A truncated PNG (its header intact).
    let good = std::fs::read(d.join("good.png")).unwrap();
    std::fs::write(d.join("truncated.png"), &good[..good.len() / 2]).unwrap();
    // A JPEG that is a header only: SOI and a SOF0 saying 1000×1000, no scan.
    let mut jpeg = vec![
        0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x03, 0xE8, 0x03, 0xE8, 0x03,
    ];
    jpeg.extend([1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 0xFF, 0xD9]);
    std::fs::write(d.join("header.jpg"), &jpeg).unwrap();
    // A decompression bomb: a tiny PNG declaring 60000 × 60000 pixels of 16-bit RGBA.
    let mut bomb = good[..8].to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(60_000u32.to_be_bytes());
    ihdr.extend(60_000u32.to_be_bytes());
    ihdr.extend([16, 6, 0, 0, 0]);
    bomb.extend(13u32.to_be_bytes());
    bomb.extend(&ihdr);
    bomb.extend(crc32(&ihdr).to_be_bytes());
    bomb.extend(&good[33..]);
    std::fs::write(d.join("bomb.png"), &bomb).unwrap();
    // A FIFO nobody writes to, and /dev/zero.
    let fifo = std::ffi::CString::new(d.join("scan.fifo").to_str().unwrap()).unwrap();
    // SAFETY: a valid C string naming a path in our own temp folder.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);

    for (image, why) in [
        ("truncated.png", "cannot be decoded"),
        ("header.jpg", "cannot be decoded"),
        ("bomb.png", "too large"),
        ("scan.fifo", "not a regular file"),
        ("/dev/zero", "not a regular file"),
    ] {
        scanned_template(d, image);
        let o = forms_cmd(d, "check");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{image}: {stderr}");
        assert!(
            stderr.contains("scanned.toml")
                && stderr.contains("background")
                && stderr.contains(why),
            "{image}: {stderr}"
        );
        // The kiosk's list leaves it out (the other templates are not in this folder).
        let o = forms_cmd(d, "list");
        assert!(
            !String::from_utf8_lossy(&o.stdout).contains("scanned"),
            "{image} offered"
        );
    }
}

/// CRC-32 (IEEE) of a PNG chunk's type and data.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for b in bytes {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn a_300_dpi_scan_is_embedded_at_300_dpi() {
    let dir = tempfile::tempdir().unwrap();
    // A4 at 300 dpi, fine lines: printpdf's default shrank it to ~147 ppi.
    lined_png(&dir.path().join("scan.png"), 2480, 3508);
    let path = scanned_template(dir.path(), "scan.png");
    let template = Template::load(&path).unwrap();
    let answers = Answers::new();
    let input = FillInput {
        card: None,
        answers: &answers,
        today: Date::new(2026, 11, 21).unwrap(),
        office: &kakanai::forms::Office::default(),
        read: kakanai::usage::record::Identification::None,
    };
    let filled = fill(&template, &input).unwrap();
    let out = dir.path().join("scanned.pdf");
    std::fs::write(&out, pdf::render(&[(&template, &filled, 1)], "t").unwrap()).unwrap();
    let list = tool("pdfimages", &["-list", out.to_str().unwrap()]);
    let row: Vec<&str> = list.lines().nth(2).unwrap().split_whitespace().collect();
    // page num type width height color comp bpc enc interp object ID x-ppi y-ppi …
    assert_eq!((row[3], row[4]), ("2480", "3508"), "{list}");
    let ppi: f32 = row[12].parse().unwrap();
    assert!(ppi >= 299.0, "embedded at {ppi} ppi:\n{list}");
}

#[test]
fn a_pdf_rendered_over_a_readable_file_is_private_and_warnings_name_no_answer() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("form.pdf");
    std::fs::write(&out, "old").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
    let answers = dir.path().join("answers.toml");
    std::fs::write(&answers, "relation = \"山田花子の代理\"\n").unwrap();
    let result = kakanai()
        .args([
            "render",
            "--form",
            "juminhyo",
            "--today",
            "2026-11-21",
            "--dir",
        ])
        .arg(forms_dir())
        .arg("--card")
        .arg(fixtures().join("cards/standard.toml"))
        .arg("--answers")
        .arg(&answers)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(result.status.success(), "{stderr}");
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the rendered PDF kept mode {mode:o}");
    assert!(std::fs::read(&out).unwrap().starts_with(b"%PDF"));
    assert!(stderr.contains("`relation`"), "{stderr}");
    assert!(
        !stderr.contains("山田花子"),
        "the answer was echoed: {stderr}"
    );
    // The output may not replace an input: here, the card profile.
    let copy = dir.path().join("card.toml");
    std::fs::copy(fixtures().join("cards/standard.toml"), &copy).unwrap();
    let result = kakanai()
        .args(["render", "--form", "juminhyo", "--dir"])
        .arg(forms_dir())
        .arg("--card")
        .arg(&copy)
        .arg("-o")
        .arg(&copy)
        .output()
        .unwrap();
    assert_eq!(result.status.code(), Some(64));
    assert!(std::fs::read_to_string(&copy).unwrap().contains("山田"));
}

/// The answers a resident coming for someone else gives: the agent relation where the form
/// has one, the other options at their first value, every count at its largest, and the
/// longest kana and phone number the keyboards take.
fn agent_answers(t: &Template) -> Answers {
    use kakanai::forms::template::QuestionKind;
    let mut a = Answers::new();
    for q in t.spec.questions.iter().map(|q| q.get_ref()) {
        let agent = q.options.iter().find(|o| o.value == "agent");
        let value = match q.kind {
            QuestionKind::Choice => agent.or(q.options.last()).map(|o| o.value.clone()),
            QuestionKind::Choices => Some(
                q.options
                    .iter()
                    .map(|o| o.value.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            QuestionKind::Count => Some(q.count_bounds().end().to_string()),
            QuestionKind::Number => Some("090-1234-5678".to_owned()),
            QuestionKind::Kana => Some("ア".repeat(q.max_chars())),
            QuestionKind::StaffText => None,
        };
        if let Some(v) = value {
            a.set(&q.id, v);
        }
    }
    a.with_defaults(t)
}

/// The answers of a resident who takes every default and, where a question has none, the
/// first option.
fn first_answers(t: &Template) -> Answers {
    let mut a = Answers::new().with_defaults(t);
    for q in t.spec.questions.iter().map(|q| q.get_ref()) {
        if a.get(&q.id).is_none() {
            if let Some(o) = q.options.first() {
                a.set(&q.id, o.value.clone());
            }
        }
    }
    a
}

/// The ten templates, loaded as the kiosk loads them.
fn all_templates() -> Vec<Template> {
    FORMS
        .iter()
        .map(|id| Template::load(&forms_dir().join(format!("{id}.toml"))).unwrap())
        .collect()
}

#[test]
fn every_form_with_every_card_scans_back_at_150_dpi_with_modules_of_at_least_a_third_mm() {
    let dir = tempfile::tempdir().unwrap();
    let templates = all_templates();
    let today = Date::new(2026, 11, 21).unwrap();
    for (path, p) in support::all_profiles() {
        let card = p.expected();
        let stem = support::stem(&path);
        for (round, agent) in [false, true].into_iter().enumerate() {
            let answers: Vec<Answers> = templates
                .iter()
                .map(|t| {
                    if agent {
                        agent_answers(t)
                    } else {
                        first_answers(t)
                    }
                })
                .collect();
            let filled: Vec<_> = templates
                .iter()
                .zip(&answers)
                .map(|(t, a)| {
                    let input = FillInput {
                        card: Some(&card),
                        answers: a,
                        today,
                        office: &kakanai::forms::Office::default(),
                        read: kakanai::usage::record::Identification::Pin,
                    };
                    fill(t, &input).unwrap_or_else(|e| panic!("{stem}: {e}"))
                })
                .collect();
            let items: Vec<_> = templates
                .iter()
                .zip(&filled)
                .map(|(t, f)| (t, f, 1))
                .collect();
            let bytes = pdf::render(&items, "qr").unwrap();
            let pdf_path = dir.path().join(format!("{stem}-{round}.pdf"));
            std::fs::write(&pdf_path, bytes).unwrap();
            for (i, (t, f)) in templates.iter().zip(&filled).enumerate() {
                let payload = f.qr_payload.as_deref().unwrap();
                let qr = t.spec.qr.as_ref().unwrap();
                let modules = kakanai::forms::qr::modules(payload, qr.size).unwrap().0;
                let module_mm = qr.size / (modules + 8) as f32;
                assert!(module_mm >= 0.33, "{stem}/{}: {module_mm} mm", t.spec.id);
                // The page rasterised at 150 dpi as a scanner would, but only the code's square
                // and 5 mm around it: the same pixels where the code is, a fraction of the time
                // of rasterising and searching whole A4 pages (360 of them).
                let px = |mm: f32| ((mm / 25.4 * 150.0).round() as i64).to_string();
                let page_no = (i + 1).to_string();
                let page = dir.path().join(format!("{stem}-{round}-{:02}", i + 1));
                tool(
                    "pdftoppm",
                    &[
                        "-png",
                        "-r",
                        "150",
                        "-f",
                        &page_no,
                        "-l",
                        &page_no,
                        "-singlefile",
                        "-x",
                        &px(qr.at[0] - 5.0),
                        "-y",
                        &px(qr.at[1] - 5.0),
                        "-W",
                        &px(qr.size + 10.0),
                        "-H",
                        &px(qr.size + 10.0),
                        pdf_path.to_str().unwrap(),
                        page.to_str().unwrap(),
                    ],
                );
                let page = page.with_extension("png");
                let scanned = tool("zbarimg", &["--raw", "-q", page.to_str().unwrap()]);
                assert_eq!(
                    scanned.trim_end(),
                    payload,
                    "{stem}/{} (agent answers: {agent}) does not scan back at 150 dpi",
                    t.spec.id
                );
            }
        }
    }
}

#[test]
fn an_answer_that_is_not_an_option_is_refused_and_the_code_holds_only_printed_answers() {
    let templates = all_templates();
    let t = templates.iter().find(|t| t.spec.id == "juminhyo").unwrap();
    let card = profile("standard").expected();
    let today = Date::new(2026, 11, 21).unwrap();
    let mut answers = Answers::new().with_defaults(t);
    answers.set("purpose", "travel");
    let input = FillInput {
        card: Some(&card),
        answers: &answers,
        today,
        office: &kakanai::forms::Office::default(),
        read: kakanai::usage::record::Identification::Pin,
    };
    match fill(t, &input) {
        Err(FillError::NotAnOption { form, question }) => {
            assert_eq!((form.as_str(), question.as_str()), ("juminhyo", "purpose"));
        }
        other => panic!("expected NotAnOption, got {other:?}"),
    }
    // Two values for a single choice would circle both: refused too.
    answers.set("purpose", "job,bank");
    let input = FillInput {
        card: Some(&card),
        answers: &answers,
        today,
        office: &kakanai::forms::Office::default(),
        read: kakanai::usage::record::Identification::Pin,
    };
    assert!(matches!(
        fill(t, &input),
        Err(FillError::NotAnOption { .. })
    ));
    // Every Q: line of the code is an answer whose value the paper shows.
    answers.set("purpose", "job");
    answers.set("not_a_question", "x");
    let input = FillInput {
        card: Some(&card),
        answers: &answers,
        today,
        office: &kakanai::forms::Office::default(),
        read: kakanai::usage::record::Identification::Pin,
    };
    let f = fill(t, &input).unwrap();
    let payload = f.qr_payload.clone().unwrap();
    assert!(payload.contains("Q:purpose=job"), "{payload}");
    assert!(!payload.contains("not_a_question"), "{payload}");
    for line in payload.lines().filter(|l| l.starts_with("Q:")) {
        let q = line[2..].split('=').next().unwrap();
        assert!(
            t.spec
                .fields
                .iter()
                .any(|f| f.get_ref().source == format!("answer.{q}")),
            "{q} is in the code but no field prints it"
        );
    }
}

#[test]
fn forms_check_refuses_marks_that_touch_text_each_other_or_a_border() {
    let relation = line_of("[[field]]\nid = \"relation_mark\"");
    // Labels moved together: 本人's oval now reaches 同一世帯の方.
    let errors = broken(
        "at = [57.2, 102.57]\ntext = \"同一世帯の方\"",
        "at = [52.2, 102.57]\ntext = \"同一世帯の方\"",
    );
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with(&format!("{relation}: "))
                && e.contains("option \"self\": its oval touches the text")),
        "{errors:?}"
    );
    // An oval too tall for its row crosses the row's border.
    let errors = broken(
        "mark_size = 5.95\n[field.options]\n\"self\" = [49.35, 104.5",
        "mark_size = 9\n[field.options]\n\"self\" = [49.35, 104.5",
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("field `relation_mark`")
                && e.contains("crosses a line or box border")),
        "{errors:?}"
    );
    // Two fields' marks on one spot.
    let errors = broken("\"omit\" = [49.35, 146", "\"omit\" = [49.35, 138");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("overlaps the mark of field")),
        "{errors:?}"
    );
}

#[test]
fn every_oval_encloses_its_whole_label_with_room_to_spare() {
    use kakanai::forms::marks;
    for t in all_templates() {
        let texts = marks::text_boxes(&t.spec);
        for f in t.spec.fields.iter().map(|f| f.get_ref()) {
            if f.mark != Some(kakanai::forms::template::Mark::Circle) {
                continue;
            }
            for (value, p) in &f.options {
                let oval = marks::Oval {
                    c: [p[0], p[1]],
                    rx: p[2] / 2.0,
                    ry: p[3] / 2.0,
                };
                let own = texts
                    .iter()
                    .find(|b| oval.touches_rect(**b))
                    .unwrap_or_else(|| {
                        panic!("{} {} {value}: no label under the oval", t.spec.id, f.id)
                    });
                // The label grown by 0.3 mm left and right is still inside: the oval never
                // crosses the first or last character.
                let grown = [own[0] - 0.3, own[1], own[2] + 0.6, own[3]];
                assert!(
                    oval.contains_rect(grown),
                    "{} {} {value}: the oval crosses its own text",
                    t.spec.id,
                    f.id
                );
            }
        }
    }
}

#[test]
fn the_staff_area_says_gaiji_when_the_card_has_geta_or_a_fallback_character() {
    let dir = tempfile::tempdir().unwrap();
    for (card, expected) in [("standard", false), ("geta", true), ("non-bmp", true)] {
        for form in FORMS {
            let pdf = render(form, Some(card), dir.path(), &format!("{form}-{card}.pdf"));
            let text = squeeze(&tool("pdftotext", &["-raw", pdf.to_str().unwrap(), "-"]));
            assert_eq!(
                text.contains("外字あり：確認"),
                expected,
                "{form}/{card}: the 外字 note"
            );
            let size = std::fs::metadata(&pdf).unwrap().len();
            assert!(size <= 60_000, "{form}/{card}: {size} bytes for one page");
        }
    }
}

/// Issue 16 items 7–8: the office is set once in kakanai.toml and every form prints it; the
/// 太枠 note appears only on a form filled from a card; the staff area says how the card was
/// read; the fee line carries the unit price of this form only.
#[test]
fn every_form_prints_the_office_of_the_config_and_how_the_card_was_read() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kakanai.toml");
    std::fs::write(
        &config,
        "[office]\naddressee = \"札幌市長\"\nname = \"中央区役所　戸籍住民課\"\n[office.fees]\njuminhyo = 300\n",
    )
    .unwrap();
    let run = |card: Option<&str>, out: &str| -> Vec<String> {
        let output = dir.path().join(out);
        let mut cmd = kakanai();
        cmd.arg("--config")
            .arg(&config)
            .args([
                "render",
                "--form",
                &FORMS.join(","),
                "--today",
                "2026-11-21",
            ])
            .arg("--dir")
            .arg(forms_dir())
            .arg("--answers")
            .arg(answers_file(dir.path()))
            .arg("-o")
            .arg(&output);
        if let Some(card) = card {
            cmd.arg("--card")
                .arg(fixtures().join("cards").join(format!("{card}.toml")));
        }
        let result = cmd.output().unwrap();
        assert!(
            result.status.success(),
            "{}",
            String::from_utf8_lossy(&result.stderr)
        );
        // One string a page (pdftotext ends each with a form feed), white space removed.
        tool("pdftotext", &[output.to_str().unwrap(), "-"])
            .split('\u{c}')
            .map(squeeze)
            .filter(|p| !p.is_empty())
            .collect()
    };
    let with_card = run(Some("standard"), "card.pdf");
    let by_hand = run(None, "hand.pdf");
    assert_eq!(with_card.len(), FORMS.len());
    assert_eq!(by_hand.len(), FORMS.len());
    for (pages, read) in [(&with_card, "暗証番号"), (&by_hand, "なし（手書き）")] {
        for page in pages.iter() {
            assert!(page.contains("（あて先）札幌市長"), "{page}");
            assert!(!page.contains("市区町村長"), "{page}");
            assert!(page.contains("中央区役所戸籍住民課"), "{page}");
            assert!(page.contains(&format!("カード読取：{read}")), "{page}");
        }
    }
    // The 太枠 note only when the card filled the boxes.
    let count = |pages: &[String], what: &str| pages.iter().filter(|p| p.contains(what)).count();
    assert_eq!(count(&with_card, "太枠内は書かない窓口"), FORMS.len());
    assert_eq!(count(&by_hand, "太枠内は書かない窓口"), 0);
    // 300 yen on the 住民票 only; the other fee forms leave the price for the clerk.
    let juminhyo = FORMS.iter().position(|f| *f == "juminhyo").unwrap();
    assert!(
        with_card[juminhyo].contains("３００円＝円"),
        "{}",
        with_card[juminhyo]
    );
    assert_eq!(count(&with_card, "３００円"), 1);
    assert_eq!(
        count(&with_card, "０円"),
        1,
        "a price printed on a form without one"
    );
}

/// The bounding box of every dark pixel of page 1 at 300 dpi, mm `[left, top, right, bottom]`.
fn ink_box(pdf_bytes: &[u8], dir: &Path, name: &str) -> [f32; 4] {
    let pdf = dir.join(format!("{name}.pdf"));
    std::fs::write(&pdf, pdf_bytes).unwrap();
    let stem = dir.join(name);
    tool(
        "pdftoppm",
        &[
            "-gray",
            "-r",
            "300",
            "-singlefile",
            pdf.to_str().unwrap(),
            stem.to_str().unwrap(),
        ],
    );
    let pgm = std::fs::read(dir.join(format!("{name}.pgm"))).unwrap();
    // P5 <w> <h> <max>\n then one byte a pixel.
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&pgm[start..at]).into_owned());
    }
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let pixels = &pgm[at + 1..];
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
    for y in 0..h {
        for x in 0..w {
            if pixels[y * w + x] < 128 {
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            }
        }
    }
    assert!(x0 <= x1, "{name}: a blank page");
    let mm = |px: usize| px as f32 * 25.4 / 300.0;
    [mm(x0), mm(y0), mm(x1 + 1), mm(y1 + 1)]
}

/// Issue 16 item 9: an office printing onto its own 申請用紙 marks the template's drawing
/// `preview-only`: the screen shows the values over the scan of that paper, the printer gets
/// the values alone, moved and scaled by `[printer] offset_mm` and `scale`, and they land
/// within 0.5 mm of where the boxes are.
#[test]
fn on_preprinted_paper_the_printer_gets_the_values_alone_within_half_a_mm_of_their_boxes() {
    use kakanai::forms::pdf::{Output, Placement};
    let dir = tempfile::tempdir().unwrap();
    // The office's paper: the 附票 form as a 150 dpi scan.
    fuhyo_scan(dir.path(), 150, "paper");
    let name_box = [44.0, 71.0, 100.0, 12.0];
    let text = format!(
        "id = \"own-paper\"\ntitle = \"事前印刷の用紙\"\nversion = \"1\"\ncategory = \"証明書\"\n[page]\ndrawing = \"preview-only\"\n[background]\nimage = \"paper.png\"\n\n[[label]]\nat = [15, 40]\ntext = \"見本ラベル\"\n\n[[field]]\nid = \"name\"\nsource = \"card.name\"\nbox = {name_box:?}\nsize = 14\n"
    );
    let path = dir.path().join("own-paper.toml");
    std::fs::write(&path, text).unwrap();
    let (template, filled) = load_and_fill(&path);
    let forms = [(&template, &filled, 1)];
    let for_printer = |offset_mm: [f32; 2], scale: f32| {
        pdf::render_for(&forms, "t", Output::Printer(Placement { offset_mm, scale })).unwrap()
    };
    assert!(pdf::printer_differs(&[&template], &Placement::default()));
    // The screen: the scan, the drawing and the value. The printer: the value alone.
    let screen = dir.path().join("screen.pdf");
    std::fs::write(
        &screen,
        pdf::render_for(&forms, "t", Output::Screen).unwrap(),
    )
    .unwrap();
    let printed = dir.path().join("printed.pdf");
    std::fs::write(&printed, for_printer([0.0, 0.0], 1.0)).unwrap();
    let images = |p: &Path| {
        tool("pdfimages", &["-list", p.to_str().unwrap()])
            .lines()
            .count()
            - 2
    };
    assert_eq!(images(&screen), 1);
    assert_eq!(images(&printed), 0);
    let screen_text = tool("pdftotext", &[screen.to_str().unwrap(), "-"]);
    let printed_text = tool("pdftotext", &[printed.to_str().unwrap(), "-"]);
    assert!(screen_text.contains("見本ラベル") && screen_text.contains("山田"));
    assert!(printed_text.contains("山田") && !printed_text.contains("見本ラベル"));
    // Without a correction the value's ink sits inside its box.
    let zero = ink_box(&std::fs::read(&printed).unwrap(), dir.path(), "zero");
    let inside = zero[0] >= name_box[0] - 0.5
        && zero[1] >= name_box[1] - 0.5
        && zero[2] <= name_box[0] + name_box[2] + 0.5
        && zero[3] <= name_box[1] + name_box[3] + 0.5;
    assert!(inside, "ink {zero:?} outside the box {name_box:?}");
    // A printer that puts everything (dx, dy) off and s too large is corrected by
    // offset = −(dx, dy), scale = 1/s: printed through the correction, then through the
    // printer's error, the value lands where it belongs.
    for (offset, scale) in [([1.5, -2.0], 1.0), ([-1.0, 0.8], 1.01)] {
        let ink = ink_box(&for_printer(offset, scale), dir.path(), "corrected");
        for (i, edge) in ink.iter().enumerate() {
            let want = zero[i] * scale + offset[i % 2];
            assert!(
                (edge - want).abs() <= 0.5,
                "offset {offset:?} scale {scale}: edge {i} at {edge} mm, want {want} mm"
            );
        }
        // Undo it as the printer's error would: the value is back in its box within 0.5 mm.
        for (i, edge) in ink.iter().enumerate() {
            let landed = (edge - offset[i % 2]) / scale;
            assert!((landed - zero[i]).abs() <= 0.5, "{landed} vs {}", zero[i]);
        }
    }
    // Through the binary: `render --for-printer` applies the config's correction.
    let config = dir.path().join("kakanai.toml");
    std::fs::write(&config, "[printer]\noffset_mm = [2.0, 1.0]\nscale = 1.0\n").unwrap();
    let out = dir.path().join("cli.pdf");
    let result = kakanai()
        .arg("--config")
        .arg(&config)
        .args(["render", "--form", "own-paper", "--for-printer", "--dir"])
        .arg(dir.path())
        .arg("--card")
        .arg(fixtures().join("cards").join("standard.toml"))
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let cli = ink_box(&std::fs::read(&out).unwrap(), dir.path(), "cli");
    assert!((cli[0] - zero[0] - 2.0).abs() <= 0.5 && (cli[1] - zero[1] - 1.0).abs() <= 0.5);
    assert_eq!(images(&out), 0);
    // A correction beyond what a printer does is refused with the way to measure it.
    std::fs::write(&config, "[printer]\noffset_mm = [40.0, 0.0]\n").unwrap();
    let refused = kakanai()
        .arg("--config")
        .arg(&config)
        .args(["print", "--alignment-page", "-o"])
        .arg(dir.path().join("a.pdf"))
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--alignment-page"));
}

/// The alignment page: a cross at each of its known positions, measured from the PDF at 300
/// dpi, before and after a correction.
#[test]
fn the_alignment_page_puts_its_crosses_where_it_says_through_the_correction() {
    use kakanai::forms::pdf::Placement;
    let dir = tempfile::tempdir().unwrap();
    let plain = kakanai::print::alignment_page(Placement::default()).unwrap();
    let text = {
        let p = dir.path().join("plain.pdf");
        std::fs::write(&p, &plain).unwrap();
        squeeze(&tool("pdftotext", &[p.to_str().unwrap(), "-"]))
    };
    assert!(text.contains("位置合わせページ") && text.contains("offset_mm=[20−X,20−Y]"));
    let ink = ink_box(&plain, dir.path(), "plain");
    // The outermost ink is the crosses' arms (A at 20 mm, D at 190/277 mm, arms 6 mm) and the
    // grid's numbers to their left and above.
    assert!((ink[2] - 196.0).abs() <= 0.5, "right edge {}", ink[2]);
    assert!((ink[3] - 283.0).abs() <= 0.5, "bottom edge {}", ink[3]);
    let moved = ink_box(
        &kakanai::print::alignment_page(Placement {
            offset_mm: [-1.5, 2.0],
            scale: 1.0,
        })
        .unwrap(),
        dir.path(),
        "moved",
    );
    assert!((moved[2] - ink[2] + 1.5).abs() <= 0.5 && (moved[3] - ink[3] - 2.0).abs() <= 0.5);
}

/// A question whose kanji have no reading is a warning, not an error: the template is usable,
/// and the warning names the file, the question and the kanji.
#[test]
fn forms_check_warns_of_a_kanji_without_its_reading() {
    let text = std::fs::read_to_string(forms_dir().join("juminhyo.toml")).unwrap();
    let marked = "ja = \"だれの　{証明書|しょうめいしょ}ですか\"";
    assert!(text.contains(marked), "the fixture changed");
    let text = text.replacen(marked, "ja = \"証明が必要な方とのご関係\"", 1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lagging.toml");
    std::fs::write(&path, &text).unwrap();
    let out = kakanai()
        .args(["forms", "check"])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "1 template(s) OK"
    );
    let warning: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(warning.len(), 1, "{stderr}");
    assert!(
        warning[0].contains("lagging.toml")
            && warning[0].contains("question `")
            && warning[0].contains("証明必要方関係"),
        "{stderr}"
    );
}
