//! `kakanai printers` and `kakanai print`.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::exit;
use crate::print::{CupsPrinter, Printer, default_queue, list_queues};

/// `kakanai printers`
#[derive(Debug, Args)]
pub struct PrintersArgs {
    /// cupsd host:port (default: [printer] server in kakanai.toml, else localhost:631).
    #[arg(long)]
    server: Option<String>,
}

/// --server, else the config's, else the local cupsd.
fn server_of(arg: &Option<String>, config: &crate::config::Config) -> String {
    arg.clone()
        .or_else(|| Some(config.printer.server.clone()).filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "localhost:631".to_owned())
}

/// `kakanai print`
#[derive(Debug, Args)]
pub struct PrintArgs {
    /// The PDF to print.
    #[arg(required_unless_present_any = ["test_page", "alignment_page"])]
    file: Option<PathBuf>,
    /// Print a test page instead: the kiosk's id, the time and a Japanese line.
    #[arg(long, conflicts_with = "alignment_page")]
    test_page: bool,
    /// Print the alignment page instead: a grid and crosses at known positions, through the
    /// configured `[printer] offset_mm` and `scale`, with how to measure and set them.
    #[arg(long)]
    alignment_page: bool,
    /// With --alignment-page: write the page to this PDF instead of printing it.
    #[arg(short, long, requires = "alignment_page")]
    output: Option<PathBuf>,
    /// The queue (default: the config's, else the CUPS server's default queue).
    #[arg(long)]
    printer: Option<String>,
    /// cupsd host:port (default: [printer] server in kakanai.toml, else localhost:631).
    #[arg(long)]
    server: Option<String>,
    /// Seconds the whole print may take, connecting included; a job not done by then is canceled.
    #[arg(long, default_value_t = 120)]
    timeout: u64,
}

/// Run `printers`.
pub fn printers(args: PrintersArgs, config: &crate::config::Config) -> i32 {
    let server = server_of(&args.server, config);
    match list_queues(&server) {
        Ok(queues) if queues.is_empty() => {
            eprintln!("kakanai: no printers on {server}");
            exit::FAILED
        }
        Ok(queues) => {
            let default = default_queue(&server).ok().flatten();
            for (name, status) in queues {
                let mark = if default.as_deref() == Some(name.as_str()) {
                    "\t(default)"
                } else {
                    ""
                };
                println!("{name}\t{}{mark}", status.describe());
            }
            exit::OK
        }
        Err(e) => {
            eprintln!("kakanai: {e}");
            exit::FAILED
        }
    }
}

/// Run `print`.
pub fn print(args: PrintArgs, config: &crate::config::Config) -> i32 {
    let server = server_of(&args.server, config);
    // --printer, else the config's queue, else the server's default queue.
    let queue = args
        .printer
        .clone()
        .unwrap_or_else(|| config.printer.queue.clone());
    if args.timeout == 0 {
        eprintln!("kakanai: --timeout must be at least 1 second");
        return exit::USAGE;
    }
    let (pdf, title) = if args.alignment_page {
        match crate::print::alignment_page(config.printer.placement()) {
            Ok(bytes) => (bytes, "kakanai alignment page".to_owned()),
            Err(e) => {
                eprintln!("kakanai: {e}");
                return exit::FAILED;
            }
        }
    } else if args.test_page {
        match crate::print::test_page(&config.terminal_id) {
            Ok(bytes) => (bytes, "kakanai test page".to_owned()),
            Err(e) => {
                eprintln!("kakanai: {e}");
                return exit::FAILED;
            }
        }
    } else {
        let file = args.file.clone().unwrap_or_default();
        match crate::files::read_regular(&file, 256 << 20, "a PDF to print") {
            Ok(bytes) if bytes.starts_with(b"%PDF") => (bytes, "kakanai".to_owned()),
            Ok(_) => {
                eprintln!("kakanai: {} is not a PDF", file.display());
                return exit::USAGE;
            }
            Err(e) => {
                eprintln!("kakanai: {e}");
                return exit::FAILED;
            }
        }
    };
    if let Some(out) = &args.output {
        return match std::fs::write(out, &pdf) {
            Ok(()) => exit::OK,
            Err(e) => {
                eprintln!("kakanai: cannot write {}: {e}", out.display());
                exit::FAILED
            }
        };
    }
    let printer = CupsPrinter::new(&server, &queue);
    match printer.print(
        &pdf,
        &title,
        Duration::from_secs(args.timeout),
        &mut |state| eprintln!("kakanai: job {state:?}"),
    ) {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("kakanai: {e}");
            exit::FAILED
        }
    }
}
