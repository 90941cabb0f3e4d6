//! The names in a directory, read from a descriptor in as few system calls as
//! the kernel allows: on Linux one `getdents64` per 32 KiB of names plus the
//! one that says the end, where `opendir` adds a `fstat`, two `fcntl` and a
//! `lseek` on drop. Finding a root lists the directories below it and the
//! root itself is listed once for every reader (trust, the hook, `explain`).

use std::ffi::{OsStr, OsString};
use std::os::fd::BorrowedFd;

use nix::errno::Errno;

/// What an entry is, as the directory says (`d_type`), without a `stat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryType {
    File,
    Symlink,
    Dir,
    Other,
    /// The file system does not say: ask with a `stat`.
    Unknown,
}

/// The names in one directory (without `.` and `..`), in the order listed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    entries: Vec<(OsString, EntryType)>,
}

impl Listing {
    /// Lists the directory `dir` is open on, from its current offset: a
    /// descriptor just opened, never one listed before.
    pub fn read(dir: BorrowedFd<'_>) -> Result<Listing, Errno> {
        let mut entries = Vec::new();
        read_entries(dir, &mut |name, kind| {
            if name != b"." && name != b".." {
                entries.push((bytes_to_os(name), kind));
            }
        })?;
        Ok(Listing { entries })
    }

    /// What `name` is, if the directory holds it.
    pub fn get(&self, name: &OsStr) -> Option<EntryType> {
        self.entries
            .iter()
            .find(|(listed, _)| listed == name)
            .map(|(_, kind)| *kind)
    }

    pub fn contains(&self, name: &OsStr) -> bool {
        self.get(name).is_some()
    }

    pub fn names(&self) -> impl Iterator<Item = &OsStr> {
        self.entries.iter().map(|(name, _)| name.as_os_str())
    }
}

fn bytes_to_os(name: &[u8]) -> OsString {
    use std::os::unix::ffi::OsStringExt;
    OsString::from_vec(name.to_vec())
}

#[cfg(target_os = "linux")]
fn read_entries(dir: BorrowedFd<'_>, each: &mut dyn FnMut(&[u8], EntryType)) -> Result<(), Errno> {
    use nix::libc;
    use std::os::fd::AsRawFd;

    // Not zeroed: the kernel fills what it returns, and only that is read
    // (zeroing 32 KiB per directory was a fifth of an unchanged export).
    let mut buf: Vec<u8> = Vec::with_capacity(32 << 10);
    loop {
        // SAFETY: the kernel writes at most `buf.capacity()` bytes into
        // `buf`, which lives across the call; the descriptor is borrowed, so
        // open.
        let n = unsafe {
            libc::syscall(
                libc::SYS_getdents64,
                dir.as_raw_fd(),
                buf.as_mut_ptr(),
                buf.capacity(),
            )
        };
        let n = match n {
            0 => return Ok(()),
            n if n < 0 => match Errno::last() {
                Errno::EINTR => continue,
                e => return Err(e),
            },
            n => (n as usize).min(buf.capacity()),
        };
        // SAFETY: the first `n` bytes were written by the kernel just now.
        unsafe { buf.set_len(n) };
        // struct linux_dirent64 { u64 d_ino; i64 d_off; u16 d_reclen;
        // u8 d_type; char d_name[]; }, each record d_reclen bytes long.
        let mut at = 0;
        while at + 19 <= n {
            let reclen = u16::from_ne_bytes([buf[at + 16], buf[at + 17]]) as usize;
            if reclen < 19 || at + reclen > n {
                return Err(Errno::EIO);
            }
            let kind = match buf[at + 18] {
                libc::DT_REG => EntryType::File,
                libc::DT_LNK => EntryType::Symlink,
                libc::DT_DIR => EntryType::Dir,
                libc::DT_UNKNOWN => EntryType::Unknown,
                _ => EntryType::Other,
            };
            let name = &buf[at + 19..at + reclen];
            let len = name.iter().position(|&b| b == 0).unwrap_or(name.len());
            each(&name[..len], kind);
            at += reclen;
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn read_entries(dir: BorrowedFd<'_>, each: &mut dyn FnMut(&[u8], EntryType)) -> Result<(), Errno> {
    use nix::dir::{Dir, Type};
    use nix::fcntl::OFlag;
    use nix::sys::stat::Mode;

    let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
    let mut listing = Dir::openat(dir, ".", flags, Mode::empty())?;
    for entry in listing.iter() {
        let entry = entry?;
        let kind = match entry.file_type() {
            Some(Type::File) => EntryType::File,
            Some(Type::Symlink) => EntryType::Symlink,
            Some(Type::Directory) => EntryType::Dir,
            Some(_) => EntryType::Other,
            None => EntryType::Unknown,
        };
        each(entry.file_name().to_bytes(), kind);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::fd::AsFd;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn lists_every_name_with_its_type_past_one_buffer() {
        let tmp = tempfile::tempdir().unwrap();
        // Long names, so that the names take several 32 KiB reads.
        let long = "x".repeat(200);
        for i in 0..400 {
            fs::write(tmp.path().join(format!("{long}{i}")), "").unwrap();
        }
        fs::create_dir(tmp.path().join("dir")).unwrap();
        std::os::unix::fs::symlink("nowhere", tmp.path().join("link")).unwrap();
        let bad = OsStr::from_bytes(b"\xff\x1b");
        fs::write(tmp.path().join(bad), "").unwrap();
        let dir = fs::File::open(tmp.path()).unwrap();
        let listing = Listing::read(dir.as_fd()).unwrap();
        assert_eq!(listing.names().count(), 403);
        let unknown = |kind| kind == EntryType::Unknown;
        for (name, kind) in [
            ("dir", EntryType::Dir),
            ("link", EntryType::Symlink),
            (&format!("{long}399")[..], EntryType::File),
        ] {
            let got = listing.get(OsStr::new(name)).unwrap();
            assert!(got == kind || unknown(got), "{name}: {got:?}");
        }
        assert!(listing.contains(bad));
        assert!(!listing.contains(OsStr::new(".")));
        assert!(!listing.contains(OsStr::new("x")));
    }
}
