//! Printing through a real cupsd started by the test: a raw queue to a local listener receives
//! exactly the PDF sent; a printer that refuses makes the job fail with a clear error while the
//! PDF stays with the caller to retry; a stopped queue is reported as stopped; and no file under
//! the spool or temp folders holds a resident's name afterwards.

mod support;

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
