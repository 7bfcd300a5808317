//! Where image bytes live. [`MediaStore`] is what the rest of the service needs from a
//! store; [`LocalStore`] (a folder on disk) is its one implementation, so an object store can
//! be added without touching the handlers.
//!
//! Keys are content addresses (`originals/ab/<sha256>.jpg`): the same bytes are stored once,
//! and a key's bytes never change.

use std::fs::{self, File};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

/// A reader that can also seek (for `Range` requests).
pub trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

/// Storage for image files.
pub trait MediaStore: Send + Sync + 'static {
    /// Stores `bytes` under `key`, atomically: a reader sees the whole file or none. Storing
    /// a key that exists is a no-op (keys are content addresses).
    fn put(&self, key: &str, bytes: &[u8]) -> io::Result<()>;
    /// Whether `key` is stored.
    fn exists(&self, key: &str) -> io::Result<bool>;
    /// The length of `key`'s bytes and a reader over them.
    fn open(&self, key: &str) -> io::Result<(u64, Box<dyn ReadSeek>)>;
    /// All of `key`'s bytes.
    fn read(&self, key: &str) -> io::Result<Vec<u8>> {
        let (len, mut reader) = self.open(key)?;
        let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        reader.read_to_end(&mut bytes)?;
        Ok(bytes)
    }
    /// Removes `key`; removing a missing key is not an error.
    fn delete(&self, key: &str) -> io::Result<()>;
    /// Every stored key under the folder `folder` (`""`: all), sorted.
    fn keys_under(&self, folder: &str) -> io::Result<Vec<String>>;
    /// Every stored key, sorted (for copying a store, and for checks).
    fn keys(&self) -> io::Result<Vec<String>> {
        self.keys_under("")
    }
}

/// Files under a folder (`DATELINE_MEDIA_DIR`).
#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    pub fn new(root: impl Into<PathBuf>) -> io::Result<Self> {
        let root = root.into();
        fs::create_dir_all(&root)?;
        Ok(Self { root })
    }

    fn path(&self, key: &str) -> io::Result<PathBuf> {
        // Keys are made by this service, but a store never trusts a path.
        let safe = !key.is_empty()
            && key.split('/').all(|part| {
                !part.is_empty()
                    && part != ".."
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
            });
        if safe {
            Ok(self.root.join(key))
        } else {
            Err(io::Error::new(io::ErrorKind::InvalidInput, "bad media key"))
        }
    }
}

fn temp_name(folder: &Path) -> io::Result<PathBuf> {
    let n = getrandom::u64().map_err(|e| io::Error::other(e.to_string()))?;
    Ok(folder.join(format!(".tmp-{n:016x}")))
}

impl MediaStore for LocalStore {
    fn put(&self, key: &str, bytes: &[u8]) -> io::Result<()> {
        let path = self.path(key)?;
        if path.exists() {
            return Ok(());
        }
        let folder = path.parent().unwrap_or(&self.root);
        fs::create_dir_all(folder)?;
        // Write aside, flush to disk, then rename over: a crash leaves a stray temp file at
        // worst, never half an image under a real key.
        let temp = temp_name(folder)?;
        let written = (|| {
            let mut file = File::create(&temp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            fs::rename(&temp, &path)
        })();
        if written.is_err() {
            let _ = fs::remove_file(&temp);
        }
        written
    }

    fn exists(&self, key: &str) -> io::Result<bool> {
        Ok(self.path(key)?.is_file())
    }

    fn open(&self, key: &str) -> io::Result<(u64, Box<dyn ReadSeek>)> {
        let file = File::open(self.path(key)?)?;
        let len = file.metadata()?.len();
        Ok((len, Box::new(file)))
    }

    fn delete(&self, key: &str) -> io::Result<()> {
        match fs::remove_file(self.path(key)?) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    fn keys_under(&self, folder: &str) -> io::Result<Vec<String>> {
        fn walk(root: &Path, dir: &Path, keys: &mut Vec<String>) -> io::Result<()> {
            for entry in fs::read_dir(dir)? {
                let path = entry?.path();
                if path.is_dir() {
                    walk(root, &path, keys)?;
                } else if let Ok(relative) = path.strip_prefix(root)
                    && let Some(key) = relative.to_str()
                    // Half-written files of an interrupted `put`.
                    && !key.rsplit('/').next().unwrap_or(key).starts_with(".tmp-")
                {
                    keys.push(key.replace(std::path::MAIN_SEPARATOR, "/"));
                }
            }
            Ok(())
        }
        let start = match folder {
            "" => self.root.clone(),
            folder => self.path(folder)?,
        };
        let mut keys = Vec::new();
        match walk(&self.root, &start, &mut keys) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            walked => walked?,
        }
        keys.sort();
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_is_atomic_idempotent_and_readable() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path()).unwrap();
        store.put("originals/ab/abc.png", b"first").unwrap();
        store.put("originals/ab/abc.png", b"second").unwrap();
        assert_eq!(store.read("originals/ab/abc.png").unwrap(), b"first");
        let leftovers: Vec<_> = fs::read_dir(dir.path().join("originals/ab"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "no temp files left: {leftovers:?}");
        store.delete("originals/ab/abc.png").unwrap();
        store.delete("originals/ab/abc.png").unwrap();
        assert!(!store.exists("originals/ab/abc.png").unwrap());
    }

    #[test]
    fn keys_cannot_escape_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path()).unwrap();
        for bad in ["../x", "a/../../x", "/etc/passwd", "", "a//b", "a b"] {
            assert!(store.put(bad, b"x").is_err(), "{bad}");
        }
    }
}
