//! A private PostgreSQL server for tests and benchmarks (Debian's `postgresql` package):
//! `initdb` and `pg_ctl` in a temporary folder, listening on a free loopback port and a unix
//! socket in that folder, stopped and removed when dropped. Nothing here touches a system
//! cluster.
//!
//! The server refuses to run as root, so when the tests run as root (CI) every server command
//! runs as `nobody` through `setpriv`, in a folder `nobody` owns; otherwise as the current
//! user. The kiosks log in over TCP as `kakanai` with a password (SCRAM-SHA-256), read from a
//! password file as in service; the test's own administration goes over the socket as the
//! superuser.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

/// The database the kiosks ship to.
pub const DATABASE: &str = "city";
/// The role the kiosks log in as.
pub const ROLE: &str = "kakanai";

/// A running (or stopped) private PostgreSQL.
pub struct Postgres {
    dir: PathBuf,
    bin: PathBuf,
    /// The TCP port on 127.0.0.1.
    pub port: u16,
    /// (uid, gid) the server runs as when this process is root.
    server_user: Option<(u32, u32)>,
    running: bool,
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// `nobody`'s uid and gid.
fn nobody() -> io::Result<(u32, u32)> {
    let name = c"nobody";
    // SAFETY: getpwnam takes a NUL-terminated name and returns NULL or a pointer to static data,
    // read at once on this thread.
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    if pw.is_null() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            "there is no user `nobody` to run PostgreSQL as (it refuses root)",
        ));
    }
    // SAFETY: pw is not NULL (checked above).
    let (uid, gid) = unsafe { ((*pw).pw_uid, (*pw).pw_gid) };
    Ok((uid, gid))
}

/// The newest `/usr/lib/postgresql/N/bin` with `initdb` and `pg_ctl`.
fn find_bin() -> io::Result<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, b)| b).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            "PostgreSQL's initdb and pg_ctl are not installed (/usr/lib/postgresql/N/bin): install the Debian package `postgresql` (scripts/setup does)",
        )
    })
}

fn free_port() -> io::Result<u16> {
    Ok(std::net::TcpListener::bind(("127.0.0.1", 0))?
        .local_addr()?
        .port())
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl Postgres {
    /// initdb and start, with the defaults (fsync on).
    pub fn start() -> io::Result<Self> {
        Self::start_with(&[])
    }

    /// initdb and start with extra `postgresql.conf` settings (`("shared_buffers", "512MB")`).
    pub fn start_with(settings: &[(&str, &str)]) -> io::Result<Self> {
        let bin = find_bin()?;
        let server_user = if is_root() { Some(nobody()?) } else { None };
        let dir = std::env::temp_dir().join(format!(
            "kakanai-pg-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sock"))?;
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
        }
        let superuser_pw = dir.join("superuser.pw");
        std::fs::write(&superuser_pw, format!("{:032x}\n", rand::random::<u128>()))?;
        if let Some((uid, gid)) = server_user {
            for p in [&dir, &dir.join("sock"), &superuser_pw] {
                std::os::unix::fs::chown(p, Some(uid), Some(gid))?;
            }
        }
        let mut me = Postgres {
            dir,
            bin,
            port: free_port()?,
            server_user,
            running: false,
        };
        me.run(
            "initdb",
            &[
                "-D",
                &me.data().display().to_string(),
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                &format!("--pwfile={}", superuser_pw.display()),
                "--no-locale",
                "--encoding=UTF8",
                "--no-sync",
            ],
        )?;
        let mut conf = format!(
            "\n# kakanai testbed\nport = {}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n",
            me.port,
            me.dir.join("sock").display()
        );
        for (k, v) in settings {
            conf.push_str(&format!("{k} = {v}\n"));
        }
        let conf_file = me.data().join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf_file)?;
        text.push_str(&conf);
        std::fs::write(&conf_file, text)?;
        me.start_again()?;
        // The kiosks' role and database.
        let mut admin = me.admin()?;
        let password = format!("{:032x}", rand::random::<u128>());
        // Two statements: CREATE DATABASE refuses to run inside a multi-statement batch.
        admin
            .batch_execute(&format!("CREATE ROLE {ROLE} LOGIN PASSWORD '{password}'"))
            .map_err(io::Error::other)?;
        admin
            .batch_execute(&format!("CREATE DATABASE {DATABASE} OWNER {ROLE}"))
            .map_err(io::Error::other)?;
        let file = me.password_file();
        std::fs::write(&file, format!("{password}\n"))?;
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
        }
        Ok(me)
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// Run a server program (initdb, pg_ctl) as the server's user.
    fn run(&self, program: &str, args: &[&str]) -> io::Result<()> {
        let path = self.bin.join(program);
        let mut cmd = match self.server_user {
            Some((uid, gid)) => {
                let mut c = Command::new("setpriv");
                c.arg(format!("--reuid={uid}"))
                    .arg(format!("--regid={gid}"))
                    .arg("--clear-groups")
                    .arg("--")
                    .arg(&path);
                c
            }
            None => Command::new(&path),
        };
        let out = cmd
            .args(args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!(
                        "{program}: {e} (PostgreSQL comes with the Debian package `postgresql`; setpriv with `util-linux`)"
                    ),
                )
            })?;
        if out.status.success() {
            Ok(())
        } else {
            Err(io::Error::other(format!(
                "{program} {args:?} failed ({}): {}{}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
                self.log()
            )))
        }
    }

    /// Start the server (again, on the same port, after [`Postgres::stop`]).
    pub fn start_again(&mut self) -> io::Result<()> {
        let log = self.dir.join("server.log");
        self.run(
            "pg_ctl",
            &[
                "start",
                "-w",
                "-t",
                "60",
                "-D",
                &self.data().display().to_string(),
                "-l",
                &log.display().to_string(),
            ],
        )?;
        self.running = true;
        Ok(())
    }

    /// Stop the server as an administrator's restart does (`pg_ctl stop -m fast`: open
    /// connections are cut, transactions in flight roll back).
    pub fn stop(&mut self) -> io::Result<()> {
        self.stop_mode("fast")
    }

    /// Stop the server as a power cut does (`-m immediate`: no shutdown checkpoint; the next
    /// start recovers from the WAL).
    pub fn crash(&mut self) -> io::Result<()> {
        self.stop_mode("immediate")
    }

    fn stop_mode(&mut self, mode: &str) -> io::Result<()> {
        if !self.running {
            return Ok(());
        }
        self.run(
            "pg_ctl",
            &[
                "stop",
                "-w",
                "-m",
                mode,
                "-D",
                &self.data().display().to_string(),
            ],
        )?;
        self.running = false;
        Ok(())
    }

    /// `postgres://kakanai@127.0.0.1:PORT/city`: the URL a kiosk's `[usage] central` holds.
    pub fn url(&self) -> String {
        format!("postgres://{ROLE}@127.0.0.1:{}/{DATABASE}", self.port)
    }

    /// The kiosks' password file (mode 600, this process's user).
    pub fn password_file(&self) -> PathBuf {
        self.dir.join("central.pass")
    }

    /// A superuser connection over the unix socket, to `database`.
    pub fn admin_to(&self, database: &str) -> io::Result<postgres::Client> {
        postgres::Config::new()
            .host_path(self.dir.join("sock"))
            .port(self.port)
            .user("postgres")
            .dbname(database)
            .connect(postgres::NoTls)
            .map_err(io::Error::other)
    }

    /// A superuser connection to the server's `postgres` database.
    pub fn admin(&self) -> io::Result<postgres::Client> {
        self.admin_to("postgres")
    }

    /// A superuser connection to the kiosks' database (for a test's own counting).
    pub fn city(&self) -> io::Result<postgres::Client> {
        self.admin_to(DATABASE)
    }

    /// The server's log, for a failing test's message.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    /// The folder (data directory, socket, logs).
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Postgres {
    /// Stop the server and remove its folder: a test run leaves nothing behind.
    fn drop(&mut self) {
        let _ = self.stop_mode("immediate");
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
