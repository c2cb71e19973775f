//! A private pcscd with vsmartcard's virtual readers, for tests, benchmarks and the demo.
//!
//! pcscd always binds `/run/pcscd/pcscd.comm`, so a second one would collide with the system's.
//! This one runs in its own mount namespace (`unshare`) with a private folder bound over
//! `/run/pcscd`; clients reach it through `PCSCLITE_CSOCK_NAME`, which libpcsclite honours.
//! Its vpcd readers listen on ports chosen free at start, so nothing here touches a real reader
//! or the system's pcscd, and two test runs do not meet.
//!
//! libpcsclite reads `PCSCLITE_CSOCK_NAME` when a context is established, so a process talks to
//! one pcscd at a time: [`Pcscd::socket_env`] is set once, and every instance in a process uses
//! the same socket path (tests serialise on a lock).

use std::io;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The vpcd driver as Debian installs it.
pub const VPCD_DRIVER: &str = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";

/// A running private pcscd.
pub struct Pcscd {
    child: Option<Child>,
    dir: PathBuf,
    /// vpcd's TCP ports, one per virtual reader ("Virtual PCD 00 00", "… 00 01").
    pub ports: [u16; 2],
    /// Whether vpcd sits behind the pluggable cable driver (see [`Pcscd::start_with_cable`]).
    cable: bool,
}

/// The cable driver's source (a test fixture, compiled with `rustc` when first needed).
const CABLE_SOURCE: &str = include_str!("../fixtures/ifd-cable/cable.rs");

impl Pcscd {
    /// The socket path clients of this process's private pcscd use.
    pub fn socket_path() -> PathBuf {
        base_dir().join("run").join("pcscd.comm")
    }

    /// `("PCSCLITE_CSOCK_NAME", path)`: set it in a child's environment, or once in this
    /// process before the first PC/SC call.
    pub fn socket_env() -> (&'static str, PathBuf) {
        ("PCSCLITE_CSOCK_NAME", Self::socket_path())
    }

    /// Start pcscd with one vpcd slot pair on free ports and wait until it listens.
    pub fn start() -> io::Result<Self> {
        Self::start_with(free_port_pair()?)
    }

    /// Start on given vpcd ports (restarting on the same ports keeps reader names and ports).
    pub fn start_with(ports: [u16; 2]) -> io::Result<Self> {
        Self::launch(ports, false)
    }

    /// Start pcscd with vpcd behind a pluggable cable: a small reader driver
    /// (`fixtures/ifd-cable/cable.rs`) that forwards to vpcd, and answers "no such device"
    /// while [`Pcscd::unplug`] is in effect, as a driver whose reader was pulled out does.
    /// pcscd then reports the reader as not answering (clients see it unavailable) until
    /// [`Pcscd::plug`]. Needs `rustc` (the driver is built into this pcscd's folder).
    pub fn start_with_cable() -> io::Result<Self> {
        Self::launch(free_port_pair()?, true)
    }

    /// Pull the reader's cable out (only with [`Pcscd::start_with_cable`]).
    pub fn unplug(&self) -> io::Result<()> {
        assert!(self.cable, "unplug needs Pcscd::start_with_cable");
        std::fs::write(self.dir.join("cable-unplugged"), b"")
    }

    /// Put the cable back.
    pub fn plug(&self) -> io::Result<()> {
        assert!(self.cable, "plug needs Pcscd::start_with_cable");
        match std::fs::remove_file(self.dir.join("cable-unplugged")) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    fn launch(ports: [u16; 2], cable: bool) -> io::Result<Self> {
        which("pcscd", "pcscd")?;
        which("unshare", "util-linux")?;
        if !Path::new(VPCD_DRIVER).exists() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{VPCD_DRIVER} is missing: install vsmartcard-vpcd"),
            ));
        }
        let dir = base_dir();
        let run = dir.join("run");
        let conf = dir.join("conf");
        std::fs::create_dir_all(&run)?;
        std::fs::create_dir_all(&conf)?;
        for stale in ["pcscd.comm", "pcscd.pid"] {
            let _ = std::fs::remove_file(run.join(stale));
        }
        let _ = std::fs::remove_file(dir.join("cable-unplugged"));
        let driver = if cable {
            build_cable(&dir)?
        } else {
            PathBuf::from(VPCD_DRIVER)
        };
        std::fs::write(
            conf.join("vpcd"),
            format!(
                "FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME /dev/null:0x{p:04X}\nLIBPATH {d}\nCHANNELID 0x{p:04X}\n",
                p = ports[0],
                d = driver.display()
            ),
        )?;
        let script = format!(
            "mkdir -p /run/pcscd && mount --bind '{}' /run/pcscd && exec pcscd --foreground --config '{}'",
            run.display(),
            conf.display()
        );
        let mut cmd = Command::new("unshare");
        if !is_root() {
            cmd.args(["--user", "--map-root-user"]);
        }
        let log = std::fs::File::create(dir.join("pcscd.log"))?;
        let child = cmd
            .env("KAKANAI_CABLE_UNPLUGGED", dir.join("cable-unplugged"))
            .args(["--mount", "--propagation", "private", "sh", "-c", &script])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        let mut me = Pcscd {
            child: Some(child),
            dir,
            ports,
            cable,
        };
        me.wait_ready()?;
        Ok(me)
    }

    fn wait_ready(&mut self) -> io::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let socket = Self::socket_path();
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut() {
                if let Some(status) = child.try_wait()? {
                    let log =
                        std::fs::read_to_string(self.dir.join("pcscd.log")).unwrap_or_default();
                    return Err(io::Error::other(format!(
                        "pcscd exited at start ({status}): {log}"
                    )));
                }
            }
            if socket.exists() && self.ports.iter().all(|p| is_listening(*p)) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "pcscd did not start listening within 10 s",
        ))
    }

    /// Stop pcscd (as a crash or `systemctl stop` would: the socket and readers vanish).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// pcscd's own log (`--foreground`), for a failing test's message.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("pcscd.log")).unwrap_or_default()
    }

    /// The name pcscd gives the virtual reader on `ports[i]`.
    pub fn reader_name(i: usize) -> String {
        format!("Virtual PCD 00 {i:02}")
    }
}

impl Drop for Pcscd {
    /// Stop pcscd and remove its folder (configuration, log, the cable driver): a test run
    /// leaves nothing in the temp directory. A later instance in this process makes it again.
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Compile the cable driver into `dir` (about half a second).
fn build_cable(dir: &Path) -> io::Result<PathBuf> {
    let lib = dir.join("libifdcable.so");
    let source = dir.join("cable.rs");
    std::fs::write(&source, CABLE_SOURCE)?;
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(&rustc)
        .args([
            "--edition",
            "2024",
            "--crate-type",
            "cdylib",
            "-C",
            "opt-level=1",
            "-o",
        ])
        .arg(&lib)
        .arg(&source)
        .output()
        .map_err(|e| {
            io::Error::new(e.kind(), format!("running rustc for the cable driver: {e}"))
        })?;
    if !out.status.success() {
        return Err(io::Error::other(format!(
            "building the cable driver failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(lib)
}

fn base_dir() -> PathBuf {
    std::env::temp_dir().join(format!("kakanai-pcscd-{}", std::process::id()))
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// Fails, naming the Debian package to install, when `program` is not on this machine.
fn which(program: &str, package: &str) -> io::Result<()> {
    let found = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
        .unwrap_or(false)
        || ["/usr/sbin", "/sbin"]
            .iter()
            .any(|d| Path::new(d).join(program).is_file());
    if found {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "`{program}` is not installed: install the Debian package {package} (scripts/setup does)"
            ),
        ))
    }
}

/// Whether something listens on TCP `port` (from /proc/net/tcp, without connecting: a connect
/// to vpcd would insert a card).
fn is_listening(port: u16) -> bool {
    let needle = format!(":{port:04X} ");
    ["/proc/net/tcp", "/proc/net/tcp6"].iter().any(|f| {
        std::fs::read_to_string(f).is_ok_and(|t| {
            t.lines().any(|l| {
                l.split_whitespace()
                    .nth(1)
                    .is_some_and(|a| format!("{a} ").ends_with(&needle))
                    && l.split_whitespace().nth(3) == Some("0A")
            })
        })
    })
}

/// Two consecutive free ports (vpcd uses `port` and `port + 1`).
fn free_port_pair() -> io::Result<[u16; 2]> {
    for _ in 0..50 {
        let first = TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port();
        if first < u16::MAX
            && TcpListener::bind(("0.0.0.0", first + 1)).is_ok()
            && TcpListener::bind(("0.0.0.0", first)).is_ok()
        {
            return Ok([first, first + 1]);
        }
    }
    Err(io::Error::other("no two consecutive free TCP ports"))
}

/// A private cupsd on 127.0.0.1:`port`, with its own configuration, spool and logs in a
/// temporary folder; no authentication (it listens on loopback only). Queues are added with
/// `lpadmin`, as an administrator would.
pub struct Cupsd {
    child: Option<Child>,
    /// The folder holding conf/, spool/, log/ …
    pub dir: PathBuf,
    /// cupsd's port.
    pub port: u16,
}

impl Cupsd {
    /// Start cupsd and wait until it listens.
    pub fn start() -> io::Result<Self> {
        which("cupsd", "cups")?;
        which("lpadmin", "cups-client")?;
        // One folder per instance: tests in one process run several cupsd at once.
        static INSTANCE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = INSTANCE.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("kakanai-cupsd-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let port = free_port_pair()?[0];
        for sub in ["conf", "spool/tmp", "cache", "state", "log"] {
            std::fs::create_dir_all(dir.join(sub))?;
        }
        // cupsd runs backends as lp: the spool and state folders must be open to it.
        for sub in ["spool", "spool/tmp", "cache", "state", "log"] {
            std::fs::set_permissions(
                dir.join(sub),
                std::os::unix::fs::PermissionsExt::from_mode(0o777),
            )?;
        }
        let conf = dir.join("conf");
        std::fs::write(
            conf.join("cupsd.conf"),
            format!(
                "Listen 127.0.0.1:{port}\nLogLevel warn\nWebInterface No\nBrowsing Off\nDefaultAuthType None\n\
                 PreserveJobFiles No\nPreserveJobHistory 300\nJobRetryLimit 0\nMaxJobs 0\n\
                 <Location />\n  Order allow,deny\n  Allow all\n</Location>\n\
                 <Policy default>\n  <Limit All>\n    Order deny,allow\n    Allow all\n  </Limit>\n</Policy>\n"
            ),
        )?;
        let d = dir.display();
        let user = if is_root() {
            "User lp\nGroup lp\nSystemGroup root\n"
        } else {
            ""
        };
        std::fs::write(
            conf.join("cups-files.conf"),
            format!(
                "ServerRoot {d}/conf\nRequestRoot {d}/spool\nTempDir {d}/spool/tmp\nCacheDir {d}/cache\nStateDir {d}/state\n\
                 ServerBin /usr/lib/cups\nDataDir /usr/share/cups\nErrorLog {d}/log/error_log\nAccessLog {d}/log/access_log\n\
                 PageLog {d}/log/page_log\nSandboxing Relaxed\n{user}"
            ),
        )?;
        let child = Command::new("cupsd")
            .args(["-f", "-c"])
            .arg(conf.join("cupsd.conf"))
            .arg("-s")
            .arg(conf.join("cups-files.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let mut me = Cupsd {
            child: Some(child),
            dir,
            port,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !is_listening(port) {
            if Instant::now() >= deadline {
                me.stop();
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "cupsd did not start listening within 10 s",
                ));
            }
            if let Some(status) = me.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                return Err(io::Error::other(format!(
                    "cupsd exited at start ({status}): {}",
                    me.log()
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(me)
    }

    /// host:port, for the IPP client and `lpadmin -h`.
    pub fn server(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Run a CUPS admin command (lpadmin, cupsdisable …) against this cupsd.
    pub fn admin(&self, program: &str, args: &[&str]) -> io::Result<()> {
        let out = Command::new(program)
            .arg("-h")
            .arg(self.server())
            .args(args)
            .output()?;
        if out.status.success() {
            Ok(())
        } else {
            Err(io::Error::other(format!(
                "{program} {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            )))
        }
    }

    /// Add a raw queue that sends jobs to `socket://127.0.0.1:port`, aborting a job the
    /// printer cannot take (a kiosk must not print a form after its resident has gone).
    pub fn add_raw_queue(&self, name: &str, port: u16) -> io::Result<()> {
        self.admin(
            "lpadmin",
            &[
                "-p",
                name,
                "-v",
                &format!("socket://127.0.0.1:{port}"),
                "-o",
                "printer-error-policy=abort-job",
                "-E",
            ],
        )
    }

    /// cupsd's error log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log/error_log")).unwrap_or_default()
    }

    /// Stop cupsd.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Cupsd {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A network printer stand-in: accepts connections on 127.0.0.1 and keeps what each one sent.
pub struct RawListener {
    /// Its port.
    pub port: u16,
    received: std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RawListener {
    /// Listen on a free port.
    pub fn start() -> io::Result<Self> {
        Self::start_on(0)
    }

    /// Listen on `port` (again, after a stop).
    pub fn start_on(port: u16) -> io::Result<Self> {
        use std::io::Read;
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (r, s) = (received.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(std::sync::atomic::Ordering::SeqCst) {
                match listener.accept() {
                    Ok((mut conn, _)) => {
                        let _ = conn.set_nonblocking(false);
                        let mut data = Vec::new();
                        let _ = conn.read_to_end(&mut data);
                        r.lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .push(data);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Ok(RawListener {
            port,
            received,
            stop,
            thread: Some(thread),
        })
    }

    /// What arrived, one entry per connection.
    pub fn received(&self) -> Vec<Vec<u8>> {
        self.received
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Stop listening (the port then refuses connections).
    pub fn stop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for RawListener {
    fn drop(&mut self) {
        self.stop();
    }
}
