//! The city's central usage database: every kiosk's sessions shipped to one PostgreSQL, and the
//! KPI report for the whole fleet from it.
//!
//! The kiosk never waits for the network. It writes its local SQLite first, as before; the
//! same transaction queues the session in the outbox (a trigger, schema version 3 of
//! [`super::store`]). A background thread ([`background::Shipper`]) — or `kakanai kpi ship` —
//! reads the outbox in batches, writes each batch to PostgreSQL in one transaction, and only
//! after the server committed deletes it from the outbox. A crash between the two ships the
//! batch again, and the server ignores what it already has: a session's identity is its
//! database's random id plus its local sequence number, `(kiosks.database_id, sessions.seq)`,
//! unique across the city even when two kiosks share a terminal id or a kiosk's PC is replaced.
//! At least once, counted once.
//!
//! - [`outbox`]: the SQLite side (what is queued, the shipping state the admin screen shows).
//! - [`schema`]: the PostgreSQL tables, created and migrated by the kiosk (versioned).
//! - [`ship`]: one batch, and everything queued.
//! - [`background`]: the kiosk's shipping thread.
//! - [`rollup`]: the monthly rollup the shipments keep up to date (fast fleet exports).
//! - [`fleet`]: the fleet's KPI table (the same figures as merging every kiosk's export).
//! - [`bulk`]: a city year through `COPY`, for the benchmark.
//!
//! Credentials: the URL in `kakanai.toml` names the server, the database and the user, never
//! a password ([`Central::new`] refuses one); the password is read from a file only root and
//! the kiosk's group may read ([`read_password_file`] checks its mode). Messages name the
//! server as `user@host:port/db` and never carry the password.
//!
//! Transport: plain TCP, no TLS. The kiosks and the server are on the city's closed LAN; the
//! password itself never crosses the wire with SCRAM-SHA-256 (PostgreSQL's default), and what
//! does cross is counts and times. A city that requires TLS adds `postgres-native-tls`.

pub mod background;
pub mod bulk;
pub mod fleet;
pub mod outbox;
pub mod rollup;
pub mod schema;
pub mod ship;

use std::path::Path;
use std::time::Duration;

use super::store::StoreError;

/// Something the central database said no to, or could not be reached for. Messages name the
/// server (never the password) and say what to do; no record content.
#[derive(Debug, thiserror::Error)]
pub enum CentralError {
    /// The URL is not one this kiosk can use.
    #[error("[usage] central: {0}")]
    Url(#[from] UrlProblem),
    /// The driver could not parse the URL (a bad port, an unknown option).
    #[error("[usage] central: not a usable URL: {0}")]
    UrlSyntax(#[source] postgres::Error),
    /// One of the fleet report's parallel queries panicked (a bug; the report was not made).
    #[error("a fleet query thread stopped unexpectedly; no report was made")]
    QueryPanicked,
    /// The password file is missing, unreadable or readable by others.
    #[error("password file {path}: {what}")]
    PasswordFile {
        /// The file.
        path: String,
        /// What is wrong and what to do.
        what: String,
    },
    /// PostgreSQL: unreachable, refused, or an SQL error.
    #[error("central usage database {server}: {}", describe(source))]
    Postgres {
        /// `user@host:port/db`.
        server: String,
        /// The driver's error.
        #[source]
        source: postgres::Error,
    },
    /// A newer kakanai migrated the central schema; this one leaves it alone.
    #[error(
        "central usage database {server} has schema version {found}, newer than this kakanai understands ({}); nothing was shipped — update this kiosk",
        schema::VERSION
    )]
    TooNew {
        /// `user@host:port/db`.
        server: String,
        /// The version found.
        found: i32,
    },
    /// The schema is missing or older: no kiosk of this version has shipped yet.
    #[error(
        "central usage database {server} has schema version {found}, older than this kakanai's ({}); a kiosk (or `kakanai kpi ship`) of this version creates or migrates it on its first shipment",
        schema::VERSION
    )]
    NotReady {
        /// `user@host:port/db`.
        server: String,
        /// The version found (0: no kakanai tables).
        found: i32,
    },
    /// The local usage database.
    #[error(transparent)]
    Local(#[from] StoreError),
}

/// The driver's error with the server's own message ("password authentication failed for user
/// …"), which the driver's `Display` leaves out; never the statement's parameters.
fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{e}: {} {}", db.severity(), db.message()),
        None => match std::error::Error::source(e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
    }
}

/// Where the central database is, and how to log in (the password stays inside `config`).
#[derive(Clone)]
pub struct Central {
    config: postgres::Config,
    shown: String,
}

impl std::fmt::Debug for Central {
    /// The server as `user@host:port/db`; never the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Central({})", self.shown)
    }
}

/// Whether a `postgres://` URL carries a password: `user:password@` in the authority, or a
/// `password=` parameter.
fn url_has_password(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let in_authority = authority
        .rsplit_once('@')
        .is_some_and(|(user, _)| user.contains(':'));
    let in_query = url.split_once('?').is_some_and(|(_, q)| {
        q.split('&')
            .any(|kv| kv.trim().to_ascii_lowercase().starts_with("password="))
    });
    in_authority || in_query || url.to_ascii_lowercase().contains(" password=")
}

/// Why a `[usage] central` URL cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UrlProblem {
    /// Another scheme (mysql://, a bare host name).
    #[error("must be a postgres:// URL (postgres://user@host:5432/database)")]
    NotPostgres,
    /// A password in the URL would reach the configuration, `ps` and the logs.
    #[error(
        "the URL carries a password; remove it and put the password in the file named by [usage] password_file (mode 640, owner root, group the kiosk's)"
    )]
    HasPassword,
}

/// Check that `url` is a `postgres://` or `postgresql://` URL without a password (the
/// configuration's check; [`Central::new`] does the same).
pub fn check_url(url: &str) -> Result<(), UrlProblem> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(UrlProblem::NotPostgres);
    }
    if url_has_password(url) {
        return Err(UrlProblem::HasPassword);
    }
    Ok(())
}

/// Read a password file: the first line, which must not be empty. The file must belong to root
/// or to this user, and must not be readable or writable by others (mode 600 or 640: root and
/// the kiosk's group only).
pub fn read_password_file(path: &Path) -> Result<zeroize::Zeroizing<String>, CentralError> {
    use std::os::unix::fs::MetadataExt;
    let bad = |what: String| CentralError::PasswordFile {
        path: path.display().to_string(),
        what,
    };
    let meta = std::fs::metadata(path).map_err(|e| bad(format!("cannot read it: {e}")))?;
    let mode = meta.mode() & 0o777;
    if mode & 0o007 != 0 {
        return Err(bad(format!(
            "others may read or write it (mode {mode:o}); run: chmod 640 {0}; chown root:KIOSK-GROUP {0}",
            path.display()
        )));
    }
    if mode & 0o020 != 0 {
        return Err(bad(format!(
            "its group may write it (mode {mode:o}); run: chmod 640 {}",
            path.display()
        )));
    }
    // SAFETY: getuid has no preconditions and cannot fail.
    let me = unsafe { libc::getuid() };
    if meta.uid() != 0 && meta.uid() != me {
        return Err(bad(format!(
            "it belongs to uid {}, neither root nor this user; run: chown root {}",
            meta.uid(),
            path.display()
        )));
    }
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read it: {e}")))?,
    );
    let first = text.lines().next().unwrap_or("").trim_end_matches('\r');
    if first.is_empty() {
        return Err(bad(
            "it is empty; write the password on its first line".into()
        ));
    }
    Ok(zeroize::Zeroizing::new(first.to_owned()))
}

impl Central {
    /// From a URL without a password and, if the server asks for one, a password file.
    pub fn new(url: &str, password_file: Option<&Path>) -> Result<Self, CentralError> {
        check_url(url)?;
        let mut config: postgres::Config = url.parse().map_err(CentralError::UrlSyntax)?;
        if let Some(file) = password_file {
            let password = read_password_file(file)?;
            config.password(password.as_bytes());
        }
        // A kiosk behind a cut cable gives up after a few seconds and tries again later.
        config.connect_timeout(Duration::from_secs(5));
        config.keepalives_idle(Duration::from_secs(30));
        config.application_name(concat!("kakanai ", env!("CARGO_PKG_VERSION")));
        let host = config
            .get_hosts()
            .first()
            .map(|h| match h {
                postgres::config::Host::Tcp(name) => name.clone(),
                postgres::config::Host::Unix(dir) => dir.display().to_string(),
            })
            .unwrap_or_else(|| "localhost".into());
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let shown = format!(
            "{}@{host}:{port}/{}",
            config.get_user().unwrap_or(""),
            config.get_dbname().unwrap_or("")
        );
        Ok(Central { config, shown })
    }

    /// `user@host:port/db`, for messages.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// Connect (no TLS: see the module's notes) and bring the schema up to date.
    pub fn connect(&self) -> Result<postgres::Client, CentralError> {
        let mut client = self
            .config
            .connect(postgres::NoTls)
            .map_err(|e| self.err(e))?;
        schema::migrate(&mut client, &self.shown)?;
        Ok(client)
    }

    /// Connect to read (the fleet export, the report): the schema is checked, not migrated, so
    /// an analyst's read-only role will do.
    pub fn connect_read(&self) -> Result<postgres::Client, CentralError> {
        let mut client = self
            .config
            .connect(postgres::NoTls)
            .map_err(|e| self.err(e))?;
        schema::check(&mut client, &self.shown)?;
        Ok(client)
    }

    /// Wrap a driver error with the server's name.
    pub fn err(&self, source: postgres::Error) -> CentralError {
        CentralError::Postgres {
            server: self.shown.clone(),
            source,
        }
    }
}

/// An office label from the configuration (本庁, 北支所, honcho …): 1–40 characters, no control
/// characters, no commas (they separate groups on the command line). Not personal data: it
/// names a building.
pub fn check_office(office: &str) -> Result<(), BadOffice> {
    let n = office.chars().count();
    if n > 40 || office.chars().any(|c| c.is_control() || c == ',') {
        return Err(BadOffice);
    }
    Ok(())
}

/// An office label that [`check_office`] refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("[usage] office: at most 40 characters, no commas or control characters")]
pub struct BadOffice;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls_are_found() {
        assert!(url_has_password(
            "postgres://kiosk:secret@db.city.lan/usage"
        ));
        assert!(url_has_password("postgres://db.city.lan/usage?password=x"));
        assert!(url_has_password(
            "postgres://db/usage?sslmode=disable&Password=x"
        ));
        assert!(!url_has_password("postgres://kiosk@db.city.lan:5432/usage"));
        assert!(!url_has_password("postgresql://kiosk@[::1]:5432/usage"));
        assert!(!url_has_password("postgres://db.city.lan/usage"));
    }

    #[test]
    fn a_url_with_a_password_is_refused_without_echoing_it() {
        let e = Central::new("postgres://kiosk:hunter2@db/usage", None).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("password_file"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(check_url("mysql://db/usage").is_err());
    }

    #[test]
    fn the_password_file_must_be_closed_to_others() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("central.pass");
        std::fs::write(&file, "s3cret\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = read_password_file(&file).unwrap_err().to_string();
        assert!(e.contains("mode 644") && e.contains("chmod 640"), "{e}");
        assert!(!e.contains("s3cret"), "{e}");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert_eq!(read_password_file(&file).unwrap().as_str(), "s3cret");
        std::fs::write(&file, "\n").unwrap();
        assert!(
            read_password_file(&file)
                .unwrap_err()
                .to_string()
                .contains("empty")
        );
        let c = Central::new("postgres://kiosk@db.city.lan:6543/usage", None).unwrap();
        assert_eq!(c.shown(), "kiosk@db.city.lan:6543/usage");
    }

    #[test]
    fn offices() {
        assert!(check_office("本庁").is_ok());
        assert!(check_office("").is_ok());
        assert!(check_office("a,b").is_err());
        assert!(check_office(&"x".repeat(41)).is_err());
    }
}
