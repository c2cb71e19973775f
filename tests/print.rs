//! Printing through a real cupsd started by the test: a raw queue to a local listener receives
//! exactly the PDF sent; a printer that refuses makes the job fail with a clear error while the
//! PDF stays with the caller to retry; a stopped queue is reported as stopped; and no file under
//! the spool or temp folders holds a resident's name afterwards.

mod support;

use kakanai::ui::PrinterState as ClerkPrinterState;
use std::time::Duration;

use kakanai::print::{
    CupsPrinter, FolderPrinter, JobState, PrintError, Printer, PrinterState, list_queues,
};
use kakanai::testbed::{Cupsd, RawListener};
use support::{fixtures, kakanai, profile};

fn rendered_pdf(dir: &std::path::Path) -> Vec<u8> {
    let out = dir.join("form.pdf");
    let status = kakanai()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "render",
            "--form",
            "juminhyo",
            "--today",
            "2026-11-21",
            "--card",
        ])
        .arg(fixtures().join("cards/standard.toml"))
        .arg("-o")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::read(out).unwrap()
}

fn wait_for<T>(mut f: impl FnMut() -> Option<T>) -> T {
    for _ in 0..200 {
        if let Some(v) = f() {
            return v;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting");
}

#[test]
fn a_rendered_form_arrives_byte_for_byte_and_leaves_nothing_in_the_spool() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = rendered_pdf(dir.path());
    let cupsd = Cupsd::start().unwrap();
    let listener = RawListener::start().unwrap();
    cupsd.add_raw_queue("kiosk", listener.port).unwrap();
    let printer = CupsPrinter::new(&cupsd.server(), "kiosk");
    assert!(printer.status().unwrap().can_print());
    let mut states = Vec::new();
    printer
        .print(
            &pdf,
            "kakanai juminhyo",
            Duration::from_secs(30),
            &mut |s| states.push(s),
        )
        .unwrap_or_else(|e| panic!("{e}\n{}", cupsd.log()));
    assert_eq!(states.last(), Some(&JobState::Completed));
    let received = wait_for(|| listener.received().into_iter().next());
    assert_eq!(received.len(), pdf.len());
    assert!(
        received == pdf,
        "the bytes that arrived differ from the PDF sent"
    );

    // The command line delivers the same bytes.
    let file = dir.path().join("form.pdf");
    let out = kakanai()
        .args(["print", "--server", &cupsd.server(), "--printer", "kiosk"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let second = wait_for(|| listener.received().get(1).cloned());
    assert!(second == pdf);

    // Nothing of the resident is left behind: no document file in the spool, and no file under
    // the spool, temp or log folders with the name in it.
    let name = profile("standard").name.clone();
    let mut leftovers = Vec::new();
    for entry in walk(&cupsd.dir) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        let file_name = entry.file_name().unwrap().to_string_lossy().into_owned();
        if file_name.starts_with('d') && entry.parent().is_some_and(|p| p.ends_with("spool")) {
            leftovers.push(format!("document file {}", entry.display()));
        }
        if String::from_utf8_lossy(&bytes).contains(&name)
            || bytes
                .windows(pdf.len().min(4096))
                .any(|w| w == &pdf[..pdf.len().min(4096)])
        {
            leftovers.push(format!("{} holds the resident's data", entry.display()));
        }
    }
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn a_printer_that_refuses_fails_the_job_clearly_and_the_forms_can_be_retried() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = rendered_pdf(dir.path());
    let cupsd = Cupsd::start().unwrap();
    let mut listener = RawListener::start().unwrap();
    let port = listener.port;
    listener.stop(); // the printer is off: connections are refused
    cupsd.add_raw_queue("kiosk", port).unwrap();
    let printer = CupsPrinter::new(&cupsd.server(), "kiosk");
    // CUPS's socket backend keeps retrying an unreachable printer; the kiosk gives up after
    // its timeout and cancels the job, so the form cannot come out after the resident has left.
    let err = printer
        .print(
            &pdf,
            "kakanai juminhyo",
            Duration::from_secs(6),
            &mut |_| {},
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            PrintError::Timeout { .. } | PrintError::JobFailed { .. }
        ),
        "{err:?}\n{}",
        cupsd.log()
    );
    assert!(
        err.to_string().contains("kiosk") && err.to_string().contains("canceled"),
        "{err}"
    );
    // The printer is back: the clerk retries with the forms still in memory.
    let listener = RawListener::start_on(port).unwrap();
    cupsd.admin("cupsenable", &["kiosk"]).unwrap();
    printer
        .print(
            &pdf,
            "kakanai juminhyo",
            Duration::from_secs(30),
            &mut |_| {},
        )
        .unwrap_or_else(|e| panic!("{e}\n{}", cupsd.log()));
    assert!(wait_for(|| listener.received().into_iter().next()) == pdf);
    // Only the retry printed: the canceled job did not come out late.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(listener.received().len(), 1);
}

#[test]
fn a_stopped_queue_is_reported_as_stopped_and_refuses_before_printing() {
    let cupsd = Cupsd::start().unwrap();
    let listener = RawListener::start().unwrap();
    cupsd.add_raw_queue("kiosk", listener.port).unwrap();
    cupsd.admin("cupsdisable", &["kiosk"]).unwrap();
    let printer = CupsPrinter::new(&cupsd.server(), "kiosk");
    let status = printer.status().unwrap();
    assert_eq!(status.state, PrinterState::Stopped);
    assert!(!status.can_print());
    let err = printer
        .print(b"%PDF-1.7", "x", Duration::from_secs(5), &mut |_| {})
        .unwrap_err();
    assert!(matches!(err, PrintError::NotReady { .. }), "{err:?}");
    assert!(listener.received().is_empty());
    let queues = list_queues(&cupsd.server()).unwrap();
    assert_eq!(queues.len(), 1);
    assert_eq!(queues[0].1.state, PrinterState::Stopped);
    let out = kakanai()
        .args(["printers", "--server", &cupsd.server()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("kiosk\tstopped"), "{text}");
    // With a default queue set, it is marked, and `print` uses it when none is named.
    cupsd.admin("lpadmin", &["-d", "kiosk"]).unwrap();
    assert_eq!(
        kakanai::print::default_queue(&cupsd.server())
            .unwrap()
            .as_deref(),
        Some("kiosk")
    );
    let out = kakanai()
        .args(["printers", "--server", &cupsd.server()])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("(default)"));
    // A queue that does not exist, and a cupsd that is not there, say so.
    let err = CupsPrinter::new(&cupsd.server(), "nope")
        .status()
        .unwrap_err();
    assert!(matches!(err, PrintError::NoSuchPrinter(_)), "{err:?}");
    drop(cupsd);
    let err = printer.status().unwrap_err();
    assert!(matches!(err, PrintError::Unreachable { .. }), "{err:?}");
}

#[test]
fn the_folder_printer_writes_private_timestamped_pdfs() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let printer = FolderPrinter {
        dir: dir.path().join("out"),
    };
    printer
        .print(
            b"%PDF-1.7 test",
            "kakanai juminhyo",
            Duration::from_secs(1),
            &mut |_| {},
        )
        .unwrap();
    let files: Vec<_> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(files.len(), 1);
    assert_eq!(std::fs::read(files[0].path()).unwrap(), b"%PDF-1.7 test");
    assert_eq!(
        files[0].metadata().unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn the_test_page_prints_the_terminal_the_time_and_japanese_in_both_fonts() {
    let cupsd = Cupsd::start().unwrap();
    let listener = RawListener::start().unwrap();
    cupsd.add_raw_queue("kiosk", listener.port).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kakanai.toml"),
        "terminal_id = \"aoba-1f-01\"\n",
    )
    .unwrap();
    let out = kakanai()
        .current_dir(dir.path())
        .args([
            "print",
            "--test-page",
            "--server",
            &cupsd.server(),
            "--printer",
            "kiosk",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = wait_for(|| listener.received().into_iter().next());
    let file = dir.path().join("page.pdf");
    std::fs::write(&file, &page).unwrap();
    let text = support::pdf_text(&file);
    assert!(
        text.contains("印刷テスト") && text.contains("aoba-1f-01") && text.contains("明朝体"),
        "{text}"
    );
    let fonts = support::pdf_fonts(&file);
    assert!(
        fonts.contains("BIZUDMincho") && fonts.contains("BIZUDGothic"),
        "{fonts}"
    );
}

/// The print timeout bounds the whole print, connecting included: a server that accepts the
/// connection and never answers makes `print --timeout 3` fail in about 3 s, not the IPP
/// client's own 10 s.
#[test]
fn the_timeout_bounds_a_server_that_never_answers() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accept and hold every connection, answering nothing.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("x.pdf");
    std::fs::write(&pdf, b"%PDF-1.7 test").unwrap();
    let started = std::time::Instant::now();
    let mut child = kakanai()
        .args([
            "print",
            pdf.to_str().unwrap(),
            "--printer",
            "kiosk",
            "--timeout",
            "3",
            "--server",
        ])
        .arg(format!("127.0.0.1:{port}"))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Killed at 30 s: a regression fails the test instead of hanging it.
    while child.try_wait().unwrap().is_none() && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        took < Duration::from_secs(6),
        "print --timeout 3 took {took:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The kiosk's printer too, through the Printer trait.
    let started = std::time::Instant::now();
    let err = CupsPrinter::new(&format!("127.0.0.1:{port}"), "kiosk")
        .print(b"%PDF-1.7", "t", Duration::from_secs(2), &mut |_| {})
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "{err}");
}

/// With no queue configured a real kiosk prints on the CUPS server's default queue; it writes
/// no file (the filled forms must not pile up in ./printed).
#[test]
fn a_kiosk_without_a_queue_prints_on_the_servers_default_queue() {
    let cupsd = Cupsd::start().unwrap();
    let listener = RawListener::start().unwrap();
    cupsd.add_raw_queue("office", listener.port).unwrap();
    let config = kakanai::config::Config::parse(
        &format!("[printer]\nserver = \"{}\"\n", cupsd.server()),
        "k.toml",
    )
    .unwrap();
    let (printer, status) = kakanai::cli::kiosk::printer_of(&config).unwrap();
    // No default yet: the clerk is told what to set.
    let err = printer
        .print(b"%PDF-1.7 a", "t", Duration::from_secs(10), &mut |_| {})
        .unwrap_err();
    assert!(matches!(err, PrintError::NoDefault(_)), "{err:?}");
    assert!(matches!(status(), ClerkPrinterState::Trouble(_)));
    cupsd.admin("lpadmin", &["-d", "office"]).unwrap();
    assert!(
        matches!(status(), ClerkPrinterState::Ready(_)),
        "{:?}",
        status()
    );
    printer
        .print(
            b"%PDF-1.7 to the default",
            "t",
            Duration::from_secs(20),
            &mut |_| {},
        )
        .unwrap();
    let got = wait_for(|| listener.received().into_iter().next());
    assert_eq!(got, b"%PDF-1.7 to the default");
    assert!(!std::path::Path::new("printed").exists());
}

/// The demo's folder is wiped at start and when its printer goes; an explicit folder keeps no
/// PDF longer than its retention; other files are left alone.
#[test]
fn folder_printers_keep_nothing_longer_than_they_must() {
    use kakanai::print::RetainingFolder;
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("printed");
    std::fs::create_dir_all(&demo).unwrap();
    std::fs::write(
        demo.join("1764000000000-kakanai_juminhyo.pdf"),
        "left by a killed demo",
    )
    .unwrap();
    std::fs::write(demo.join("notes.txt"), "someone else's").unwrap();
    let printer = RetainingFolder::until_exit(demo.clone()).unwrap();
    let pdfs = |d: &std::path::Path| {
        std::fs::read_dir(d)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".pdf"))
            .count()
    };
    assert_eq!(pdfs(&demo), 0, "the start did not wipe the demo's folder");
    printer
        .print(b"%PDF-1.7", "kakanai", Duration::from_secs(1), &mut |_| {})
        .unwrap();
    assert_eq!(pdfs(&demo), 1);
    drop(printer);
    assert_eq!(pdfs(&demo), 0, "the exit did not wipe the demo's folder");
    assert!(demo.join("notes.txt").exists());

    let kept = dir.path().join("kept");
    let printer = RetainingFolder::keep_for(kept.clone(), Duration::from_secs(60)).unwrap();
    printer
        .print(b"%PDF-1.7", "kakanai", Duration::from_secs(1), &mut |_| {})
        .unwrap();
    let file = std::fs::read_dir(&kept)
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    printer.prune().unwrap();
    assert!(file.exists(), "a fresh PDF was deleted");
    // Two minutes old: past the retention, deleted at the next check.
    let old = std::time::SystemTime::now() - Duration::from_secs(120);
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(old)
        .unwrap();
    printer.status().unwrap();
    assert!(!file.exists(), "a PDF past its retention was kept");
    // An explicit folder without a retention is refused at load.
    let e = kakanai::config::Config::parse("[printer]\nfolder = \"/srv/out\"\n", "k.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("folder_keep_s"), "{e}");
}
