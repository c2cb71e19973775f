//! `kakanai` (no command): the kiosk's two windows. `kakanai --demo`: the same with a simulated
//! card reader, a folder printer and a demo usage database with some history.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::exit;
use crate::card::sim::{CardProfile, SimKeys};
use crate::config::{Config, WindowConfig};
use crate::forms::Template;
use crate::kiosk::services::{CardReader, PcscReader, SimReader};
use crate::kiosk::{Kiosk, KioskConfig};
use crate::print::{CupsPrinter, PrintError, Printer, RetainingFolder};
use crate::ui::{Demo, Launch, PrinterState};
use crate::usage::Recorder;
use crate::usage::record::Slug;

/// Options of the kiosk run.
pub struct KioskArgs {
    /// Demo mode.
    pub demo: bool,
    /// Where the demo keeps its printed PDFs and database.
    pub demo_dir: PathBuf,
    /// Print start-up time and memory, then exit.
    pub measure_startup: bool,
    /// The configuration file in use (`None`: the defaults), for the start-up self-check.
    pub config_path: Option<PathBuf>,
}

/// The credential of the demo's admin screen (documented in the README).
pub const DEMO_ADMIN: &str = "0000";

/// A folder of the repository: relative to the working directory, else to the source tree
/// this binary was built from (so `kakanai --demo` runs from anywhere in a checkout).
fn resource(path: &Path) -> PathBuf {
    if path.is_absolute() || path.exists() {
        return path.to_path_buf();
    }
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    if built.exists() {
        built
    } else {
        path.to_path_buf()
    }
}

fn load_forms(dir: &Path) -> Result<Vec<Template>, String> {
    let (templates, errors) = crate::forms::load_dir(dir);
    for e in &errors {
        // A broken template is left out and named; the others are offered.
        eprintln!("kakanai: {e}");
    }
    if templates.is_empty() {
        return Err(format!("{}: no usable form templates", dir.display()));
    }
    Ok(templates)
}

/// What keeps the windows from opening, if anything: checked before the kiosk touches its
/// usage database, so that a start without a display says what is missing instead of
/// panicking in the window system after creating files. Only what is certain is reported
/// (no display named; an X display whose socket is not there); anything else is left to the
/// window system.
pub fn display_problem() -> Option<String> {
    let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let wayland = set("WAYLAND_DISPLAY");
    let x11 = set("DISPLAY");
    if wayland.is_some() {
        return None;
    }
    let Some(display) = x11 else {
        return Some(
            "no display: neither DISPLAY (X11) nor WAYLAND_DISPLAY (Wayland) is set. Start the kiosk from the desktop session of the kiosk PC (or under Xvfb to try it); the commands (`kakanai --help`) need no display".into(),
        );
    };
    let text = display.to_string_lossy().into_owned();
    // ":N" or ":N.S": a local X server listening on /tmp/.X11-unix/XN.
    if let Some(rest) = text.strip_prefix(':') {
        let number = rest.split('.').next().unwrap_or("");
        if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) {
            let socket = PathBuf::from(format!("/tmp/.X11-unix/X{number}"));
            if !socket.exists() {
                return Some(format!(
                    "DISPLAY={text}, but no X server listens at {}: start the desktop session (or Xvfb {text}) first",
                    socket.display()
                ));
            }
        }
    }
    None
}

/// Run the kiosk.
pub fn run(args: KioskArgs, config: &Config, base: &Path) -> i32 {
    if let Some(problem) = display_problem() {
        eprintln!("kakanai: {problem}");
        return exit::FAILED;
    }
    if !args.demo {
        self_check(config, args.config_path.clone(), base);
    }
    let demo_printed = args.demo.then(|| args.demo_dir.join("printed"));
    let code = match launch(args, config, base) {
        Ok(launch) => match crate::ui::run(launch) {
            Ok(()) => exit::OK,
            Err(e) => {
                eprintln!("kakanai: the windows could not run: {e}");
                exit::FAILED
            }
        },
        Err(e) => {
            eprintln!("kakanai: {e}");
            exit::FAILED
        }
    };
    // The demo's printed forms go with it (its printer also wipes them when dropped, and at
    // the next start if the process was killed).
    if let Some(dir) = demo_printed {
        let _ = crate::print::wipe_printed(&dir);
    }
    code
}

/// The printer of a real kiosk, and what the clerk bar shows of it. The default is the CUPS
/// server's default queue: the filled forms hold residents' data and must not pile up on disk.
/// A folder is used only when `[printer] folder` names one, and no PDF stays there longer than
/// `folder_keep_s`.
pub fn printer_of(config: &Config) -> Result<(Box<dyn Printer>, PrinterStatusFn), String> {
    if !config.printer.folder.is_empty() {
        let dir = PathBuf::from(&config.printer.folder);
        let keep = std::time::Duration::from_secs(u64::from(config.printer.folder_keep_s));
        let printer = RetainingFolder::keep_for(dir.clone(), keep)
            .map_err(|e| format!("[printer] folder {}: {e}", dir.display()))?;
        let probe = RetainingFolder::keep_for(dir.clone(), keep)
            .map_err(|e| format!("[printer] folder {}: {e}", dir.display()))?;
        // The clerk bar asks every few seconds: old PDFs go then too, even with no prints.
        let status = Arc::new(move || {
            let _ = probe.prune();
            PrinterState::Folder
        }) as PrinterStatusFn;
        return Ok((Box::new(printer), status));
    }
    let server = Some(config.printer.server.clone())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost:631".into());
    // An empty queue is the server's default queue, looked up at each print.
    let cups = CupsPrinter::new(&server, &config.printer.queue);
    let probe = CupsPrinter::new(&server, &config.printer.queue);
    let queue = config.printer.queue.clone();
    let status = Arc::new(move || match probe.status() {
        Err(e) => PrinterState::Trouble(e.for_clerk()),
        Ok(s) => {
            let state = format!("{:?}", s.state).to_lowercase();
            if s.can_print() {
                PrinterState::Ready(state)
            } else {
                PrinterState::Trouble(
                    PrintError::NotReady {
                        printer: queue.clone(),
                        status: format!("{state} {}", s.reasons.join(" ")),
                    }
                    .for_clerk(),
                )
            }
        }
    }) as PrinterStatusFn;
    Ok((Box::new(cups), status))
}

/// What the clerk bar shows of the printer: its state, or what is wrong.
pub type PrinterStatusFn = Arc<dyn Fn() -> PrinterState + Send + Sync>;

/// The self-check at the start of every kiosk session (`kakanai doctor`'s checks), off the UI
/// thread so the windows do not wait for it: each finding goes to the log (the journal under
/// systemd) and the report to the admin screen.
fn self_check(config: &Config, config_path: Option<PathBuf>, base: &Path) {
    let (config, base) = (config.clone(), base.to_path_buf());
    let spawned = std::thread::Builder::new()
        .name("doctor".into())
        .spawn(move || {
            let report = crate::doctor::run(&crate::doctor::Setup {
                config: &config,
                config_path: config_path.as_deref(),
                base: &base,
                probe_card: false,
            });
            report.log();
            crate::doctor::remember(report);
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "the start-up self-check could not start");
    }
}

/// Put each window on its panel when the configuration names the panels' outputs.
fn place_on_panels(front: &mut WindowConfig, back: &mut WindowConfig) {
    if front.output.is_empty() && back.output.is_empty() {
        return;
    }
    match crate::panels::arrange(&front.output, &back.output) {
        Ok(geometry) => {
            for (w, g) in [(&mut *front, geometry[0]), (&mut *back, geometry[1])] {
                if let Some((x, y, width, height)) = g {
                    w.position = Some([x, y]);
                    // The window fills its panel; the layout is drawn at `scale`.
                    w.size = [
                        (width as f32 / w.scale).round() as u32,
                        (height as f32 / w.scale).round() as u32,
                    ];
                }
            }
            tracing::info!(event = "panels_arranged", ?geometry);
        }
        Err(e) => {
            tracing::warn!(event = "panels_not_arranged", error = %e);
            eprintln!(
                "kakanai: the panels could not be arranged ({e}); using the configured positions"
            );
        }
    }
}

/// Everything but the windows, from the configuration.
pub fn launch(args: KioskArgs, config: &Config, base: &Path) -> Result<Launch, String> {
    let forms_dir = resource(&base.join(&config.kiosk.forms_dir));
    let forms_dir = if forms_dir.exists() {
        forms_dir
    } else {
        resource(&config.kiosk.forms_dir)
    };
    let templates = load_forms(&forms_dir)?;
    let titles: BTreeMap<String, String> = templates
        .iter()
        .map(|t| (t.spec.id.clone(), t.spec.title.clone()))
        .collect();
    let mut read = config.read_options(base).map_err(|e| e.to_string())?;
    let terminal = Slug::new(&config.terminal_id)
        .ok_or("terminal_id must be letters, digits or - (at most 32)")?;
    let (reader, printer, printer_status, usage_db, demo, pcsc, admin_hash, front, back, export);
    if args.demo {
        let dir = &args.demo_dir;
        let printed = dir.join("printed");
        std::fs::create_dir_all(&printed).map_err(|e| format!("{}: {e}", printed.display()))?;
        // The demo's forms are wiped now (a killed demo may have left some) and at exit.
        let demo_printer = RetainingFolder::until_exit(printed.clone())
            .map_err(|e| format!("{}: {e}", printed.display()))?;
        usage_db = dir.join("usage.db");
        seed_demo(&usage_db)?;
        let keys = Arc::new(SimKeys::fixture());
        read.anchors.push(keys.anchor());
        let cards = demo_cards()?;
        let sim = SimReader::new(None);
        demo = Some(Demo {
            slot: sim.slot(),
            cards,
            keys,
        });
        reader = Box::new(sim) as Box<dyn CardReader>;
        printer = Box::new(demo_printer) as Box<dyn Printer>;
        printer_status =
            Arc::new(|| PrinterState::Folder) as Arc<dyn Fn() -> PrinterState + Send + Sync>;
        pcsc = None;
        admin_hash =
            Some(crate::kiosk::admin::hash_credential(DEMO_ADMIN).map_err(|e| e.to_string())?);
        // Two windows side by side on one desktop, at two thirds of the panel's size (the size
        // is the layout's; iced multiplies it by the scale).
        let demo_window = |x: i32| WindowConfig {
            position: Some([x, 0]),
            size: [1920, 1080],
            fullscreen: false,
            decorations: true,
            scale: 2.0 / 3.0,
            output: String::new(),
        };
        front = demo_window(0);
        back = demo_window(1290);
        export = dir.join("export");
    } else {
        usage_db = config.kiosk.usage_db.clone();
        if let Some(parent) = usage_db.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        reader = Box::new(PcscReader {
            reader: Some(config.card.reader.clone()).filter(|r| !r.is_empty()),
        });
        pcsc = Some(Some(config.card.reader.clone()).filter(|r| !r.is_empty()));
        (printer, printer_status) = printer_of(config)?;
        demo = None;
        admin_hash = Some(config.admin.credential_hash.clone());
        let (mut f, mut b) = (config.windows.front.clone(), config.windows.back.clone());
        place_on_panels(&mut f, &mut b);
        front = f;
        back = b;
        export = config.admin.export_folder.clone();
    }
    if !args.demo && !config.usage.central.is_empty() {
        start_shipping(config, &usage_db, &templates)?;
    }
    let mut kiosk = Kiosk::new(
        templates,
        reader,
        printer,
        Recorder::open(&usage_db),
        KioskConfig {
            terminal,
            window: Slug::new(&config.kiosk.window),
            idle_timeout_s: i64::from(config.kiosk.idle_timeout_s),
            read,
            print_timeout_s: u64::from(config.kiosk.print_timeout_s),
            on_card_removed: config.kiosk.on_card_removed,
        },
    );
    kiosk.set_office(config.office.clone());
    kiosk.set_placement(config.printer.placement());
    Ok(Launch {
        kiosk,
        front,
        back,
        demo,
        pcsc,
        admin_hash,
        usage_db,
        export_folder: export,
        titles,
        terminal: config.terminal_id.clone(),
        printer_status,
        measure_startup: args.measure_startup,
        inline: false,
        voice: crate::voice::Voice::for_kiosk(config.voice.settings()),
    })
}

/// Ship the usage log to the city's central database in the background (`[usage] central`):
/// the kiosk records into SQLite and never waits for the network.
fn start_shipping(
    config: &Config,
    usage_db: &Path,
    templates: &[crate::forms::Template],
) -> Result<(), String> {
    use crate::usage::central::background::{Shipper, ShipperOptions};
    use crate::usage::central::{Central, ship::KioskInfo};
    let password = Some(config.usage.password_file.clone()).filter(|p| !p.as_os_str().is_empty());
    let central =
        Central::new(&config.usage.central, password.as_deref()).map_err(|e| e.to_string())?;
    let mut list: Vec<String> = templates
        .iter()
        .map(|t| format!("{} {}", t.spec.id, t.spec.version))
        .collect();
    list.sort();
    let info = KioskInfo {
        database_id: String::new(),
        terminal: config.terminal_id.clone(),
        office: config.usage.office.clone(),
        software_version: env!("CARGO_PKG_VERSION").to_owned(),
        templates: list.join(", "),
    };
    Shipper::spawn(
        usage_db.to_owned(),
        central,
        info,
        ShipperOptions {
            interval: std::time::Duration::from_secs(u64::from(config.usage.ship_interval_s)),
            ..ShipperOptions::default()
        },
    )
    .detach();
    Ok(())
}

/// The fixture cards the demo's picker offers, by file name.
pub fn demo_cards() -> Result<Vec<(String, CardProfile)>, String> {
    let dir = resource(Path::new("fixtures/cards"));
    let mut cards: Vec<(String, CardProfile)> = CardProfile::load_dir(&dir)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|(path, p)| {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, p)
        })
        .collect();
    // The ordinary card first: what a visitor to the demo tries.
    cards.sort_by_key(|(n, _)| (n != "standard", n.clone()));
    Ok(cards)
}

/// Seed the demo database once with two months of made-up history (counts only).
fn seed_demo(db: &Path) -> Result<(), String> {
    if db.exists() {
        return Ok(());
    }
    let mut store = crate::usage::store::Store::open(db).map_err(|e| e.to_string())?;
    let now = crate::kiosk::unix_now();
    crate::usage::seed::seed(
        &mut store,
        &crate::usage::seed::SeedParams {
            sessions: 2_000,
            days: 60,
            last_day: crate::usage::store::day_of(now) - 1,
            terminals: 1,
            seed: 7,
        },
    )
    .map_err(|e| e.to_string())?;
    Ok(())
}
