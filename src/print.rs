//! Printing: CUPS over IPP (the office's network printers are CUPS queues; with no queue
//! configured, the server's default queue), or a folder (the demo, whose PDFs are wiped at start
//! and exit, and offices that print from another system, with a stated retention).
//!
//! The PDF is sent as the body of one IPP Print-Job: no temporary file holding personal data is
//! written by the kiosk, and the test cupsd keeps no document files after a job (CUPS removes
//! them unless told to preserve them). The job is then followed until it completes, is aborted
//! or canceled, or a timeout passes — on a timeout it is canceled, so a form never comes out of
//! the printer after the resident has left. On failure the caller still holds the PDF: the clerk
//! can retry, or choose another printer.

use std::fmt;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ipp::operation::IppOperation;
use ipp::prelude::*;

use crate::i18n::Text;

/// What a printer says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterStatus {
    /// Idle, printing or stopped.
    pub state: PrinterState,
    /// IPP `printer-state-reasons` other than `none` (media-empty, media-jam, door-open …).
    pub reasons: Vec<String>,
    /// Whether the queue takes new jobs.
    pub accepting: bool,
}

/// `printer-state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrinterState {
    /// 3
    Idle,
    /// 4
    Printing,
    /// 5
    Stopped,
}

impl PrinterStatus {
    /// Whether a resident can be told "your forms will print": accepting, not stopped, and no
    /// reason that stops paper (paper out, jam, door open, offline).
    pub fn can_print(&self) -> bool {
        self.accepting
            && self.state != PrinterState::Stopped
            && !self.reasons.iter().any(|r| {
                [
                    "media-empty",
                    "media-needed",
                    "media-jam",
                    "door-open",
                    "cover-open",
                    "offline",
                    "paused",
                    "shutdown",
                ]
                .iter()
                .any(|bad| r.starts_with(bad))
            })
    }

    /// For the clerk bar and `kakanai printers`: 待機中 / 印刷中 / 停止 with the reasons.
    pub fn describe(&self) -> String {
        let state = match self.state {
            PrinterState::Idle => "idle",
            PrinterState::Printing => "printing",
            PrinterState::Stopped => "stopped",
        };
        let mut text = state.to_owned();
        if !self.accepting {
            text.push_str(", not accepting jobs");
        }
        if !self.reasons.is_empty() {
            text.push_str(&format!(" ({})", self.reasons.join(", ")));
        }
        text
    }
}

/// Where a job got to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Accepted, waiting.
    Pending,
    /// Held.
    Held,
    /// Printing.
    Processing,
    /// Stopped (the printer stopped).
    Stopped,
    /// Canceled.
    Canceled,
    /// Aborted by the system (the printer could not be reached …).
    Aborted,
    /// Printed.
    Completed,
}

impl JobState {
    fn from_ipp(v: i32) -> Self {
        match v {
            3 => JobState::Pending,
            4 => JobState::Held,
            5 => JobState::Processing,
            6 => JobState::Stopped,
            7 => JobState::Canceled,
            8 => JobState::Aborted,
            _ => JobState::Completed,
        }
    }
}

/// A print that did not happen.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// cupsd does not answer.
    #[error("the print service at {server} cannot be reached ({detail}); is CUPS running?")]
    Unreachable {
        /// host:port.
        server: String,
        /// The client's message.
        detail: String,
    },
    /// The queue does not exist.
    #[error("there is no printer {0:?}; `kakanai printers` lists them")]
    NoSuchPrinter(String),
    /// The printer cannot print now.
    #[error("the printer {printer:?} cannot print now: {status}")]
    NotReady {
        /// The queue.
        printer: String,
        /// Its state.
        status: String,
    },
    /// The job ended without printing.
    #[error("the print job on {printer:?} ended {state:?}{}", reasons_text(.reasons))]
    JobFailed {
        /// The queue.
        printer: String,
        /// How it ended.
        state: JobState,
        /// `job-state-reasons`.
        reasons: Vec<String>,
    },
    /// The job did not finish in time; it was canceled so it cannot print later.
    #[error("the print job on {printer:?} did not finish within {seconds} s and was canceled{}", reasons_text(.reasons))]
    Timeout {
        /// The queue.
        printer: String,
        /// The limit.
        seconds: u64,
        /// The job's last `job-state-reasons` (e.g. the printer cannot be reached).
        reasons: Vec<String>,
    },
    /// IPP said something unexpected.
    #[error("the print service answered {0}")]
    Protocol(String),
    /// Writing to the folder failed.
    #[error("cannot write to the print folder: {0}")]
    Folder(#[from] std::io::Error),
    /// No queue is configured and the CUPS server has no default queue.
    #[error(
        "no printer is configured and the print service at {0} has no default queue: set [printer] queue in kakanai.toml, or a default with `lpadmin -d QUEUE`"
    )]
    NoDefault(String),
}

impl PrintError {
    /// What happened, for the clerk's window, as a catalog sentence ([`crate::i18n`]; the
    /// English `Display` text is for the CLI and the logs). CUPS's own keywords (`media-jam`,
    /// `stopped` …) are kept as CUPS says them: they are what the printer's manual and
    /// `lpstat` show.
    pub fn for_clerk(&self) -> Text {
        match self {
            PrintError::Unreachable { server, .. } => {
                Text::new("error.print.unreachable").arg("server", server)
            }
            PrintError::NoSuchPrinter(name) => {
                Text::new("error.print.no_printer").arg("name", name)
            }
            PrintError::NotReady { printer, status } => Text::new("error.print.not_ready")
                .arg("printer", printer)
                .arg("status", status),
            PrintError::JobFailed {
                printer,
                state,
                reasons,
            } => Text::new("error.print.job_failed")
                .arg("printer", printer)
                .arg("state", format!("{state:?}"))
                .arg("reasons", reasons_text(reasons)),
            PrintError::Timeout {
                printer,
                seconds,
                reasons,
            } => Text::new("error.print.timeout")
                .arg("printer", printer)
                .arg("seconds", seconds)
                .arg("reasons", reasons_text(reasons)),
            PrintError::Protocol(what) => Text::new("error.print.protocol").arg("what", what),
            PrintError::Folder(e) => Text::new("error.print.folder").arg("what", e),
            PrintError::NoDefault(server) => {
                Text::new("error.print.no_default").arg("server", server)
            }
        }
    }
}

fn reasons_text(reasons: &[String]) -> String {
    if reasons.is_empty() {
        String::new()
    } else {
        format!(" ({})", reasons.join(", "))
    }
}

/// A printer the kiosk can print on. `Sync`: the kiosk's print runs on a worker thread while
/// the clerk bar asks for the printer's state.
pub trait Printer: Send + Sync {
    /// Its name, for the clerk.
    fn name(&self) -> String;
    /// Its state now.
    fn status(&self) -> Result<PrinterStatus, PrintError>;
    /// Print `pdf`; `title` names the job (never personal data: the form names, say).
    /// `progress` hears each job state as it changes.
    fn print(
        &self,
        pdf: &[u8],
        title: &str,
        timeout: Duration,
        progress: &mut dyn FnMut(JobState),
    ) -> Result<(), PrintError>;
}

/// A CUPS queue over IPP.
pub struct CupsPrinter {
    /// host:port of cupsd (default localhost:631).
    pub server: String,
    /// The queue; empty: the server's default queue, looked up at each use.
    pub queue: String,
}

/// The longest one IPP request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

impl fmt::Debug for CupsPrinter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CupsPrinter({}/{})", self.server, self.queue)
    }
}

fn text_of(v: &IppValue) -> Vec<String> {
    match v {
        IppValue::Array(items) => items.iter().flat_map(text_of).collect(),
        other => vec![other.to_string()],
    }
}

fn int_of(v: &IppValue) -> Option<i32> {
    match v {
        IppValue::Enum(i) | IppValue::Integer(i) => Some(*i),
        _ => None,
    }
}

fn status_from(group: &IppAttributeGroup) -> PrinterStatus {
    let get = |n: &str| {
        group
            .attributes()
            .iter()
            .find(|a| a.name().to_string() == n)
            .map(|a| a.value().clone())
    };
    let state = match get("printer-state").as_ref().and_then(int_of) {
        Some(4) => PrinterState::Printing,
        Some(5) => PrinterState::Stopped,
        _ => PrinterState::Idle,
    };
    let reasons = get("printer-state-reasons")
        .map(|v| text_of(&v))
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r != "none")
        .collect();
    let accepting = !matches!(
        get("printer-is-accepting-jobs"),
        Some(IppValue::Boolean(false))
    );
    PrinterStatus {
        state,
        reasons,
        accepting,
    }
}

impl CupsPrinter {
    /// The queue `queue` on cupsd at `server` (host:port).
    pub fn new(server: &str, queue: &str) -> Self {
        CupsPrinter {
            server: server.to_owned(),
            queue: queue.to_owned(),
        }
    }

    /// The queue: the one named, else the server's default.
    fn queue_until(&self, deadline: Instant) -> Result<String, PrintError> {
        if !self.queue.is_empty() {
            return Ok(self.queue.clone());
        }
        default_queue_until(&self.server, deadline)?
            .ok_or_else(|| PrintError::NoDefault(self.server.clone()))
    }

    fn uri_of(&self, queue: &str) -> Result<Uri, PrintError> {
        format!("http://{}/printers/{queue}", self.server)
            .parse()
            .map_err(|_| PrintError::NoSuchPrinter(queue.to_owned()))
    }

    /// A client whose every request — connecting included — ends by `deadline` (and within
    /// [`REQUEST_TIMEOUT`]): a server that accepts and never answers cannot make a print take
    /// longer than its timeout.
    fn client_until(&self, uri: Uri, deadline: Instant) -> IppClient {
        client_until(uri, deadline)
    }

    fn client(&self, uri: Uri) -> IppClient {
        client_until(uri, Instant::now() + REQUEST_TIMEOUT)
    }

    fn send(
        &self,
        client: &IppClient,
        op: impl IppOperation,
    ) -> Result<IppRequestResponse, PrintError> {
        let response = client.send(op).map_err(|e| PrintError::Unreachable {
            server: self.server.clone(),
            detail: e.to_string(),
        })?;
        let status = response.header().status_code();
        if status == StatusCode::ClientErrorNotFound {
            return Err(PrintError::NoSuchPrinter(self.queue.clone()));
        }
        if !status.is_success() {
            return Err(PrintError::Protocol(format!("{status:?}")));
        }
        Ok(response)
    }

    /// Submit the PDF; returns the job id as soon as CUPS has accepted it.
    pub fn submit(&self, pdf: &[u8], title: &str) -> Result<i32, PrintError> {
        let deadline = Instant::now() + REQUEST_TIMEOUT;
        let queue = self.queue_until(deadline)?;
        self.submit_until(&queue, pdf, title, deadline)
    }

    fn submit_until(
        &self,
        queue: &str,
        pdf: &[u8],
        title: &str,
        deadline: Instant,
    ) -> Result<i32, PrintError> {
        let uri = self.uri_of(queue)?;
        let client = self.client_until(uri.clone(), deadline);
        let op = IppOperationBuilder::print_job(uri, IppPayload::new(Cursor::new(pdf.to_vec())))
            .user_name("kakanai")
            .job_title(title)
            .document_format("application/pdf")
            .build()
            .map_err(|e| PrintError::Protocol(e.to_string()))?;
        let response = self.send(&client, op)?;
        response
            .attributes()
            .groups_of(DelimiterTag::JobAttributes)
            .flat_map(|g| g.attributes().iter())
            .find(|a| a.name().to_string() == "job-id")
            .and_then(|a| int_of(a.value()))
            .ok_or_else(|| PrintError::Protocol("no job-id in the Print-Job answer".into()))
    }

    fn job(
        &self,
        queue: &str,
        job: i32,
        deadline: Instant,
    ) -> Result<(JobState, Vec<String>), PrintError> {
        let uri = self.uri_of(queue)?;
        let client = self.client_until(uri.clone(), deadline);
        let op = IppOperationBuilder::get_job_attributes(uri, job)
            .build()
            .map_err(|e| PrintError::Protocol(e.to_string()))?;
        let response = self.send(&client, op)?;
        let attrs: Vec<&IppAttribute> = response
            .attributes()
            .groups_of(DelimiterTag::JobAttributes)
            .flat_map(|g| g.attributes().iter())
            .collect();
        let get = |n: &str| {
            attrs
                .iter()
                .find(|a| a.name().to_string() == n)
                .map(|a| a.value().clone())
        };
        let state = get("job-state")
            .as_ref()
            .and_then(int_of)
            .map_or(JobState::Pending, JobState::from_ipp);
        let reasons = get("job-state-reasons")
            .map(|v| text_of(&v))
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r != "none")
            .collect();
        Ok((state, reasons))
    }

    fn cancel(&self, queue: &str, job: i32) {
        if let Ok(uri) = self.uri_of(queue) {
            // Canceling may take a little past the print's own deadline: a job left behind
            // would print after the resident has gone.
            let client = self.client(uri.clone());
            if let Ok(op) = IppOperationBuilder::cancel_job(uri, job)
                .user_name("kakanai")
                .build()
            {
                let _ = client.send(op);
            }
        }
    }
}

impl Printer for CupsPrinter {
    fn name(&self) -> String {
        if self.queue.is_empty() {
            "(CUPS default queue)".to_owned()
        } else {
            self.queue.clone()
        }
    }

    fn status(&self) -> Result<PrinterStatus, PrintError> {
        self.status_until(Instant::now() + REQUEST_TIMEOUT)
    }

    fn print(
        &self,
        pdf: &[u8],
        title: &str,
        timeout: Duration,
        progress: &mut dyn FnMut(JobState),
    ) -> Result<(), PrintError> {
        // One deadline for the whole print: the status check, the submission and the polls.
        let deadline = Instant::now() + timeout;
        let queue = self.queue_until(deadline)?;
        let status = self.status_of(&queue, deadline)?;
        if !status.can_print() {
            return Err(PrintError::NotReady {
                printer: queue,
                status: status.describe(),
            });
        }
        let job = self.submit_until(&queue, pdf, title, deadline)?;
        let mut last = None;
        loop {
            let (state, reasons) = match self.job(&queue, job, deadline) {
                Ok(s) => s,
                Err(PrintError::Unreachable { .. }) if Instant::now() >= deadline => {
                    self.cancel(&queue, job);
                    return Err(PrintError::Timeout {
                        printer: queue,
                        seconds: timeout.as_secs(),
                        reasons: vec!["the print service stopped answering".into()],
                    });
                }
                Err(e) => return Err(e),
            };
            if last != Some(state) {
                progress(state);
                last = Some(state);
            }
            match state {
                JobState::Completed => return Ok(()),
                JobState::Canceled | JobState::Aborted | JobState::Stopped => {
                    if state == JobState::Stopped {
                        self.cancel(&queue, job);
                    }
                    return Err(PrintError::JobFailed {
                        printer: queue,
                        state,
                        reasons,
                    });
                }
                _ if Instant::now() >= deadline => {
                    self.cancel(&queue, job);
                    return Err(PrintError::Timeout {
                        printer: queue,
                        seconds: timeout.as_secs(),
                        reasons,
                    });
                }
                _ => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }
}

impl CupsPrinter {
    fn status_until(&self, deadline: Instant) -> Result<PrinterStatus, PrintError> {
        let queue = self.queue_until(deadline)?;
        self.status_of(&queue, deadline)
    }

    fn status_of(&self, queue: &str, deadline: Instant) -> Result<PrinterStatus, PrintError> {
        let uri = self.uri_of(queue)?;
        let client = self.client_until(uri.clone(), deadline);
        let op = IppOperationBuilder::get_printer_attributes(uri)
            .attributes([
                "printer-state",
                "printer-state-reasons",
                "printer-is-accepting-jobs",
            ])
            .build()
            .map_err(|e| PrintError::Protocol(e.to_string()))?;
        let response = self.send(&client, op)?;
        let group = response
            .attributes()
            .groups_of(DelimiterTag::PrinterAttributes)
            .next()
            .ok_or_else(|| PrintError::Protocol("no printer attributes".into()))?;
        Ok(status_from(group))
    }
}

/// CUPS-Get-Default, which the `ipp` crate has no builder for.
struct CupsGetDefault;

impl IppOperation for CupsGetDefault {
    fn into_ipp_request(self) -> IppRequestResponse {
        // Without a printer URI there is nothing that can fail to parse.
        IppRequestResponse::new(IppVersion::v1_1(), Operation::CupsGetDefault, None)
            .unwrap_or_else(|_| unreachable!("a request without a URI"))
    }
}

/// An IPP client whose requests end by `deadline`, and within [`REQUEST_TIMEOUT`].
fn client_until(uri: Uri, deadline: Instant) -> IppClient {
    let left = deadline
        .saturating_duration_since(Instant::now())
        .clamp(Duration::from_millis(50), REQUEST_TIMEOUT);
    IppClient::builder(uri).request_timeout(left).build()
}

/// Send a server-wide CUPS operation (not addressed to one queue).
fn server_request(
    server: &str,
    op: impl IppOperation,
    deadline: Instant,
) -> Result<IppRequestResponse, PrintError> {
    let uri: Uri = format!("http://{server}/")
        .parse()
        .map_err(|_| PrintError::Protocol(format!("{server:?} is not host:port")))?;
    client_until(uri, deadline)
        .send(op)
        .map_err(|e| PrintError::Unreachable {
            server: server.to_owned(),
            detail: e.to_string(),
        })
}

/// The server's default queue, if one is set (the queue used when the config names none).
pub fn default_queue(server: &str) -> Result<Option<String>, PrintError> {
    default_queue_until(server, Instant::now() + REQUEST_TIMEOUT)
}

fn default_queue_until(server: &str, deadline: Instant) -> Result<Option<String>, PrintError> {
    let response = server_request(server, CupsGetDefault, deadline)?;
    if !response.header().status_code().is_success() {
        return Ok(None);
    }
    Ok(response
        .attributes()
        .groups_of(DelimiterTag::PrinterAttributes)
        .flat_map(|g| g.attributes().iter())
        .find(|a| a.name().to_string() == "printer-name")
        .map(|a| a.value().to_string()))
}

/// Every queue on cupsd at `server` with its state.
pub fn list_queues(server: &str) -> Result<Vec<(String, PrinterStatus)>, PrintError> {
    let response = server_request(
        server,
        IppOperationBuilder::cups().get_printers(),
        Instant::now() + REQUEST_TIMEOUT,
    )?;
    Ok(response
        .attributes()
        .groups_of(DelimiterTag::PrinterAttributes)
        .filter_map(|g| {
            let name = g
                .attributes()
                .iter()
                .find(|a| a.name().to_string() == "printer-name")?
                .value()
                .to_string();
            Some((name, status_from(g)))
        })
        .collect())
}

/// A folder: each job is a timestamped PDF, readable by its owner only.
#[derive(Debug)]
pub struct FolderPrinter {
    /// Where the PDFs go.
    pub dir: PathBuf,
}

impl Printer for FolderPrinter {
    fn name(&self) -> String {
        self.dir.display().to_string()
    }

    fn status(&self) -> Result<PrinterStatus, PrintError> {
        let ok = std::fs::create_dir_all(&self.dir).is_ok() && self.dir.is_dir();
        Ok(PrinterStatus {
            state: if ok {
                PrinterState::Idle
            } else {
                PrinterState::Stopped
            },
            reasons: if ok {
                Vec::new()
            } else {
                vec!["folder-not-writable".into()]
            },
            accepting: ok,
        })
    }

    fn print(
        &self,
        pdf: &[u8],
        title: &str,
        _timeout: Duration,
        progress: &mut dyn FnMut(JobState),
    ) -> Result<(), PrintError> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::create_dir_all(&self.dir)?;
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let safe: String = title
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = self.dir.join(format!("{stamp}-{safe}.pdf"));
        progress(JobState::Processing);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)?;
        f.write_all(pdf)?;
        progress(JobState::Completed);
        Ok(())
    }
}

/// Whether `name` is a file [`FolderPrinter`] writes: `<milliseconds>-<title>.pdf`.
fn is_printed_name(name: &str) -> bool {
    name.strip_suffix(".pdf")
        .and_then(|n| n.split_once('-'))
        .is_some_and(|(stamp, _)| !stamp.is_empty() && stamp.bytes().all(|b| b.is_ascii_digit()))
}

/// Delete the PDFs a [`FolderPrinter`] wrote into `dir` that are older than `keep` (all of them
/// with `None`); other files are left alone. Returns how many were deleted.
pub fn prune_printed(dir: &Path, keep: Option<Duration>) -> std::io::Result<usize> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let now = std::time::SystemTime::now();
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() || !is_printed_name(&name) {
            continue;
        }
        let old = match keep {
            None => true,
            Some(keep) => meta
                .modified()
                .ok()
                .and_then(|m| now.duration_since(m).ok())
                .is_none_or(|age| age >= keep),
        };
        if old && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    Ok(removed)
}

/// Delete every PDF a [`FolderPrinter`] wrote into `dir` (the demo's, at start and exit).
pub fn wipe_printed(dir: &Path) -> std::io::Result<usize> {
    prune_printed(dir, None)
}

/// A folder printer that keeps nothing longer than it must: the demo's, whose PDFs are wiped
/// when it starts and when it ends, or an office's explicit folder, whose PDFs are deleted once
/// older than the retention the configuration states (at start, with each print and each
/// status check).
#[derive(Debug)]
pub struct RetainingFolder {
    folder: FolderPrinter,
    keep: Option<Duration>,
}

impl RetainingFolder {
    /// The demo's: everything in it wiped now and when dropped.
    pub fn until_exit(dir: PathBuf) -> std::io::Result<Self> {
        wipe_printed(&dir)?;
        Ok(RetainingFolder {
            folder: FolderPrinter { dir },
            keep: None,
        })
    }

    /// An explicit folder: PDFs older than `keep` are deleted, now and from then on.
    pub fn keep_for(dir: PathBuf, keep: Duration) -> std::io::Result<Self> {
        prune_printed(&dir, Some(keep))?;
        Ok(RetainingFolder {
            folder: FolderPrinter { dir },
            keep: Some(keep),
        })
    }

    /// Delete what is due now (nothing for the demo's until it ends).
    pub fn prune(&self) -> std::io::Result<usize> {
        match self.keep {
            Some(keep) => prune_printed(&self.folder.dir, Some(keep)),
            None => Ok(0),
        }
    }
}

impl Printer for RetainingFolder {
    fn name(&self) -> String {
        self.folder.name()
    }

    fn status(&self) -> Result<PrinterStatus, PrintError> {
        let _ = self.prune();
        self.folder.status()
    }

    fn print(
        &self,
        pdf: &[u8],
        title: &str,
        timeout: Duration,
        progress: &mut dyn FnMut(JobState),
    ) -> Result<(), PrintError> {
        let _ = self.prune();
        self.folder.print(pdf, title, timeout, progress)
    }
}

impl Drop for RetainingFolder {
    fn drop(&mut self) {
        if self.keep.is_none() {
            let _ = wipe_printed(&self.folder.dir);
        }
    }
}

/// Where the alignment page's crosses are, mm from the paper's top-left corner: A and B on
/// one line 170 mm apart (for the scale), C and D below them, E in the middle.
pub const ALIGNMENT_CROSSES: [(&str, [f32; 2]); 5] = [
    ("A", [20.0, 20.0]),
    ("B", [190.0, 20.0]),
    ("C", [20.0, 277.0]),
    ("D", [190.0, 277.0]),
    ("E", [105.0, 148.5]),
];

/// The admin's alignment page for printing onto pre-printed paper: a 10 mm grid, crosses at
/// [`ALIGNMENT_CROSSES`] and how to turn what a ruler measures into `[printer] offset_mm` and
/// `scale`. Printed through `placement`, so after setting them a second print shows the crosses
/// where they belong.
pub fn alignment_page(
    placement: crate::forms::pdf::Placement,
) -> Result<Vec<u8>, crate::forms::pdf::RenderError> {
    use crate::forms::fit::Align;
    use crate::forms::fonts::FontKey;
    let mut c = crate::forms::pdf::Canvas::new("kakanai alignment page", (210.0, 297.0));
    // The grid, every 10 mm between the crosses, with its numbers along the top and left.
    for i in 0..=17 {
        let x = 20.0 + 10.0 * i as f32;
        c.line([x, 20.0], [x, 277.0], 0.1);
        c.text(
            [x - 5.0, 14.5],
            &format!("{}", x as i32),
            5.5,
            FontKey::Gothic,
            Align::Center,
            10.0,
        )?;
    }
    for j in 0..=25 {
        let y = 20.0 + 10.0 * j as f32;
        c.line([20.0, y], [190.0, y], 0.1);
        c.text(
            [8.0, y - 1.0],
            &format!("{}", y as i32),
            5.5,
            FontKey::Gothic,
            Align::Right,
            10.0,
        )?;
    }
    c.line([20.0, 277.0], [190.0, 277.0], 0.1);
    for (name, [x, y]) in ALIGNMENT_CROSSES {
        c.line([x - 6.0, y], [x + 6.0, y], 0.8);
        c.line([x, y - 6.0], [x, y + 6.0], 0.8);
        // The name inside the page: right of a cross on the left half, left of one on the right.
        let (at, align) = if x < 105.0 {
            ([x + 1.5, y + 1.2], Align::Left)
        } else {
            ([x - 31.5, y + 1.2], Align::Right)
        };
        c.text(
            at,
            &format!("{name}（{x}, {y}）"),
            7.0,
            FontKey::GothicBold,
            align,
            30.0,
        )?;
    }
    c.rect([32.0, 40.0, 146.0, 78.0], Some(1.0), 0.5);
    let lines = [
        "位置合わせページ（kakanai）".to_owned(),
        format!(
            "いまの補正：右へ {:+.1} mm、下へ {:+.1} mm、倍率 {:.3}",
            placement.offset_mm[0], placement.offset_mm[1], placement.scale
        ),
        "1. kakanai.toml の [printer] を offset_mm = [0, 0]、scale = 1.0 にして印刷します。".into(),
        "2. 紙の左の端から十字 A の中心までを定規で測ります（X mm）。上の端からも測ります（Y mm）。"
            .into(),
        "3. offset_mm = [20 − X, 20 − Y] と書きます。例：X = 21.5 なら 20 − 21.5 = −1.5。".into(),
        "4. A から B まで（170 mm のはず）を測り、scale = 170 ÷ 測った長さ と書きます。".into(),
        "5. kakanai を再起動し、もう一度印刷して、十字 A が 20 mm の位置にあることを確かめます。"
            .into(),
        "預かった用紙に印刷する前に、かならず普通紙で確かめてください。".into(),
    ];
    for (i, line) in lines.iter().enumerate() {
        let (size, font) = if i == 0 {
            (13.0, FontKey::GothicBold)
        } else {
            (8.5, FontKey::Gothic)
        };
        c.text(
            [36.0, 45.0 + 9.0 * i as f32],
            line,
            size,
            font,
            Align::Left,
            0.0,
        )?;
    }
    c.place(placement);
    Ok(c.finish())
}

/// The test page: this terminal, the time, and a Japanese line in each bundled font.
pub fn test_page(terminal: &str) -> Result<Vec<u8>, crate::forms::pdf::RenderError> {
    let mut c = crate::forms::pdf::Canvas::new("kakanai test page", (210.0, 297.0));
    c.text(
        [15.0, 20.0],
        "kakanai 印刷テスト",
        20.0,
        crate::forms::fonts::FontKey::GothicBold,
        crate::forms::fit::Align::Left,
        0.0,
    )?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let d = myna_card::Date::from_unix_seconds(now + 9 * 3600);
    let hm = (now + 9 * 3600).rem_euclid(86_400);
    c.text(
        [15.0, 35.0],
        &format!(
            "端末 {terminal}　{}-{:02}-{:02} {:02}:{:02} (JST)",
            d.year,
            d.month,
            d.day,
            hm / 3600,
            hm % 3600 / 60
        ),
        11.0,
        crate::forms::fonts::FontKey::Gothic,
        crate::forms::fit::Align::Left,
        0.0,
    )?;
    c.text(
        [15.0, 48.0],
        "住民票の写し等交付請求書　ゴシック体：東京都青梅市東青梅１丁目",
        12.0,
        crate::forms::fonts::FontKey::Gothic,
        crate::forms::fit::Align::Left,
        0.0,
    )?;
    c.text(
        [15.0, 58.0],
        "住民票の写し等交付請求書　明朝体：東京都青梅市東青梅１丁目",
        12.0,
        crate::forms::fonts::FontKey::Mincho,
        crate::forms::fit::Align::Left,
        0.0,
    )?;
    c.rect([15.0, 70.0, 180.0, 30.0], None, 0.5);
    c.text(
        [17.0, 80.0],
        "この枠が欠けずに印刷されていれば、余白と縮尺は正しく設定されています。",
        10.0,
        crate::forms::fonts::FontKey::Gothic,
        crate::forms::fit::Align::Left,
        0.0,
    )?;
    Ok(c.finish())
}
