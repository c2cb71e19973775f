//! Files the administrator's tools read and write, handled so that bad input or a careless
//! command line loses nothing and keeps nothing.
//!
//! - [`read_regular`]: a file named in a template, a config or on the command line is read only
//!   when it is a regular file, up to a size limit: a FIFO would hang the reader and
//!   `/dev/zero` would exhaust memory.
//! - [`write_replacing`]: an output is written to a temporary file beside it and renamed into
//!   place only once complete, with the mode asked for whatever file was there before: a
//!   command that fails never leaves an empty or half-written report, and a PDF with personal
//!   data is never left readable by others because an older file was.
//! - [`refuse_overwriting_inputs`]: an output that is one of the command's inputs (the same
//!   path, the same inode through a link, or a database's `-wal`/`-shm`/`-journal` file) is
//!   refused before anything is written.

use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Why a file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The OS said no.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A FIFO, a device, a folder …
    #[error("{path}: not a regular file ({kind}); name an ordinary file")]
    NotRegular {
        /// The file.
        path: String,
        /// What it is instead.
        kind: &'static str,
    },
    /// Larger than the limit for its kind.
    #[error("{path}: larger than {limit} bytes, the most accepted for {what}")]
    TooLarge {
        /// The file.
        path: String,
        /// The limit.
        limit: u64,
        /// What the file is for.
        what: &'static str,
    },
    /// The output would overwrite an input.
    #[error(
        "{output} is also an input ({input}); writing it would destroy that input. Choose another output file"
    )]
    OutputIsInput {
        /// The output named.
        output: String,
        /// The input it is (or belongs to).
        input: String,
    },
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a folder"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not an ordinary file"
    }
}

/// Read `path` if it is a regular file of at most `limit` bytes; `what` names its use in the
/// error. It is opened without blocking (a FIFO would otherwise wait for a writer forever) and
/// checked on the open descriptor, so a file swapped after a check is not read either.
pub fn read_regular(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>, FileError> {
    let name = path.display().to_string();
    let io = |source| FileError::Io {
        path: name.clone(),
        source,
    };
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(FileError::NotRegular {
            path: name,
            kind: kind_of(&meta),
        });
    }
    let too_large = || FileError::TooLarge {
        path: name.clone(),
        limit,
        what,
    };
    if meta.len() > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| FileError::Io {
            path: name.clone(),
            source: e,
        })?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// [`read_regular`] as UTF-8 text.
pub fn read_regular_text(path: &Path, limit: u64, what: &'static str) -> Result<String, FileError> {
    let bytes = read_regular(path, limit, what)?;
    String::from_utf8(bytes).map_err(|_| FileError::Io {
        path: path.display().to_string(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"),
    })
}

/// The absolute form of a path whose file may not exist yet: its folder resolved, its name kept.
fn resolved(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let parent = parent.canonicalize().unwrap_or(parent);
    match path.file_name() {
        Some(n) => parent.join(n),
        None => parent,
    }
}

/// Refuse an `output` that is one of `inputs`: the same file by path or by inode (a hard or
/// symbolic link), or a SQLite companion file (`-wal`, `-shm`, `-journal`) of an input, which
/// SQLite would read back as part of the database.
pub fn refuse_overwriting_inputs(output: &Path, inputs: &[&Path]) -> Result<(), FileError> {
    let out = resolved(output);
    let out_id = std::fs::metadata(output).ok().map(|m| (m.dev(), m.ino()));
    for input in inputs {
        let refuse = || {
            Err(FileError::OutputIsInput {
                output: output.display().to_string(),
                input: input.display().to_string(),
            })
        };
        let inp = resolved(input);
        if inp == out {
            return refuse();
        }
        if let (Some(a), Ok(m)) = (out_id, std::fs::metadata(input)) {
            if a == (m.dev(), m.ino()) {
                return refuse();
            }
        }
        for suffix in ["-wal", "-shm", "-journal"] {
            let mut companion = inp.clone().into_os_string();
            companion.push(suffix);
            let companion = PathBuf::from(companion);
            if companion == out {
                return refuse();
            }
            if let (Some(a), Ok(m)) = (out_id, std::fs::metadata(&companion)) {
                if a == (m.dev(), m.ino()) {
                    return refuse();
                }
            }
        }
    }
    Ok(())
}

/// Write `path` through `write`: into a new temporary file beside it (created with `mode`),
/// flushed to disk, then renamed over `path`. When `write` fails the temporary file is removed
/// and whatever was at `path` is left as it was.
pub fn write_replacing<E: From<std::io::Error>>(
    path: &Path,
    mode: u32,
    write: impl FnOnce(&mut dyn Write) -> Result<(), E>,
) -> Result<(), E> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "the output names no file")
        })?;
    let mut n = 0u32;
    let (tmp, file) = loop {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let tmp = dir.join(format!(".{name}.{}-{stamp}-{n}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)
        {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => return Err(e.into()),
        }
    };
    let result = (|| {
        let mut out = std::io::BufWriter::new(&file);
        write(&mut out)?;
        out.flush()?;
        drop(out);
        // The umask may have taken bits off `mode`; it must not have added any.
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        Ok::<(), E>(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// [`write_replacing`] of a byte buffer.
pub fn write_bytes_replacing(path: &Path, mode: u32, bytes: &[u8]) -> std::io::Result<()> {
    write_replacing(path, mode, |w| w.write_all(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.csv");
        std::fs::write(&path, "old").unwrap();
        let r: std::io::Result<()> = write_replacing(&path, 0o644, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("boom"))
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_replaced_file_gets_the_mode_asked_for() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("form.pdf");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_bytes_replacing(&path, 0o600, b"new").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    }

    #[test]
    fn an_output_that_is_an_input_or_its_wal_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        std::fs::write(&db, "db").unwrap();
        let link = dir.path().join("link.db");
        std::fs::hard_link(&db, &link).unwrap();
        assert!(refuse_overwriting_inputs(&db, &[&db]).is_err());
        assert!(refuse_overwriting_inputs(&link, &[&db]).is_err());
        assert!(refuse_overwriting_inputs(&dir.path().join("x.db-wal"), &[&db]).is_err());
        let sub = dir.path().join("./x.db");
        assert!(refuse_overwriting_inputs(&sub, &[&db]).is_err());
        assert!(refuse_overwriting_inputs(&dir.path().join("out.csv"), &[&db]).is_ok());
    }
}
