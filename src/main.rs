//! The `kakanai` binary: parses the command line and hands over to `kakanai::cli`.

use std::path::{Path, PathBuf};

use clap::Parser;
use kakanai::cli::{Cli, Command, exit};
use kakanai::config::Config;
use tracing_subscriber::EnvFilter;

/// Freed memory is wiped: see `kakanai::zeroing_alloc`.
#[global_allocator]
static ALLOCATOR: kakanai::zeroing_alloc::ZeroingAlloc = kakanai::zeroing_alloc::ZeroingAlloc;

fn main() {
    // Before anything personal can be in memory: a crash must not write it into a core file.
    let dumps_forbidden = kakanai::hardening::forbid_core_dumps();
    // A bad command line exits 64 (EX_USAGE), as the README says: clap's own 2 is what
    // `card read` answers for a wrong PIN. --help and --version still exit 0.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let default_level = match cli.verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter =
        EnvFilter::try_from_env("KAKANAI_LOG").unwrap_or_else(|_| EnvFilter::new(default_level));
    // The journal under systemd, standard error otherwise (src/logging.rs).
    kakanai::logging::init(filter);

    let (config_path, must_exist) = match &cli.config {
        Some(p) => (p.clone(), true),
        None => (PathBuf::from("kakanai.toml"), false),
    };
    let (config, base) = match Config::load(&config_path, must_exist) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("kakanai: {e}");
            std::process::exit(exit::USAGE);
        }
    };
    if let Err(e) = dumps_forbidden {
        tracing::warn!(error = %e, "could not forbid core dumps; a crash could write memory to disk");
    }
    if let Some(warning) = Config::permission_warning(&config_path) {
        tracing::warn!(event = "config_writable_by_others");
        eprintln!("kakanai: warning: {warning}");
    }
    let code = match cli.command {
        None => kakanai::cli::kiosk::run(
            kakanai::cli::kiosk::KioskArgs {
                demo: cli.demo,
                demo_dir: cli.demo_dir,
                measure_startup: cli.measure_startup,
                config_path: Some(config_path.clone()).filter(|p| p.exists()),
            },
            &config,
            Path::new(&base),
        ),
        Some(Command::Admin(command)) => kakanai::cli::admin::run(command),
        Some(Command::Card(command)) => kakanai::cli::card::run(command, &config, Path::new(&base)),
        Some(Command::Forms(command)) => {
            kakanai::cli::forms::run(command, &config, Path::new(&base))
        }
        Some(Command::Render(args)) => kakanai::cli::forms::render(args, &config, Path::new(&base)),
        Some(Command::Kpi(command)) => kakanai::cli::kpi::run(command, &config, Path::new(&base)),
        Some(Command::Printers(args)) => kakanai::cli::print::printers(args, &config),
        Some(Command::Print(args)) => kakanai::cli::print::print(args, &config),
        Some(Command::Speak(args)) => kakanai::cli::speak::run(args, &config),
        Some(Command::Doctor(args)) => kakanai::cli::doctor::run(
            args,
            &config,
            Some(config_path.as_path()).filter(|p| p.exists()),
            Path::new(&base),
        ),
    };
    std::process::exit(code);
}
