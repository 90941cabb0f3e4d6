//! The names in a directory, read from a descriptor in as few system calls as
//! the kernel allows: on Linux one `getdents64` per 32 KiB of names (per 64
//! KiB, 128 KiB… in a big directory) plus the one that says the end, where
//! `opendir` adds a `fstat`, two `fcntl` and a `lseek` on drop. Finding a
//! root lists the directories below it and the root itself is listed once
//! for every reader (trust, the hook, `explain`).

use std::ffi::OsStr;
use std::os::fd::BorrowedFd;
use std::os::unix::ffi::OsStrExt;

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
///
/// A root can hold tens of thousands of names (a data directory, the top of
/// a monorepo) and is asked about a few dozen, so a name costs a small
/// constant and no allocation: the names sit end to end in one buffer, and a
/// hash of each chains it into an index that answers [`Listing::get`]
/// without a scan. Chained, not probed: names made to share a hash (a
/// hostile checkout) cost a scan of their chain, never a quadratic build.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    /// Every name, one after the other.
    bytes: Vec<u8>,
    entries: Vec<Entry>,
    /// For each hash bucket, the first entry in it plus one (0: none).
    heads: Vec<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    start: usize,
    end: usize,
    hash: u32,
    /// The next entry in the same bucket plus one (0: none).
    next: u32,
    kind: EntryType,
}

impl Listing {
    /// Lists the directory `dir` is open on, from its current offset: a
    /// descriptor just opened, never one listed before.
    pub fn read(dir: BorrowedFd<'_>) -> Result<Listing, Errno> {
        let mut listing = Listing::default();
        read_entries(dir, |name, kind| {
            if name != b"." && name != b".." {
                listing.push(name, kind);
            }
        })?;
        listing.index();
        Ok(listing)
    }

    /// A listing of `names`, as a directory holding them would give it.
    #[cfg(test)]
    pub fn of<'a>(names: impl IntoIterator<Item = (&'a [u8], EntryType)>) -> Listing {
        let mut listing = Listing::default();
        for (name, kind) in names {
            listing.push(name, kind);
        }
        listing.index();
        listing
    }

    fn push(&mut self, name: &[u8], kind: EntryType) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(name);
        self.entries.push(Entry {
            start,
            end: self.bytes.len(),
            hash: hash(name),
            next: 0,
            kind,
        });
    }

    /// Chains every entry into its bucket: as many buckets as entries (a
    /// power of two), so a chain holds about one.
    fn index(&mut self) {
        if self.entries.is_empty() {
            return;
        }
        let buckets = self.entries.len().next_power_of_two();
        self.heads = vec![0; buckets];
        let mask = buckets - 1;
        // Last to first, so that each chain runs in the order listed.
        for (at, entry) in self.entries.iter_mut().enumerate().rev() {
            let head = &mut self.heads[entry.hash as usize & mask];
            entry.next = *head;
            *head = at as u32 + 1;
        }
    }

    fn name(&self, entry: &Entry) -> &[u8] {
        &self.bytes[entry.start..entry.end]
    }

    /// What `name` is, if the directory holds it.
    pub fn get(&self, name: &OsStr) -> Option<EntryType> {
        if self.heads.is_empty() {
            return None;
        }
        let name = name.as_bytes();
        let hash = hash(name);
        let mut at = self.heads[hash as usize & (self.heads.len() - 1)];
        while let Some(entry) = at.checked_sub(1).map(|at| &self.entries[at as usize]) {
            if entry.hash == hash && self.name(entry) == name {
                return Some(entry.kind);
            }
            at = entry.next;
        }
        None
    }

    pub fn contains(&self, name: &OsStr) -> bool {
        self.get(name).is_some()
    }

    /// The names, in the order listed, borrowed from the listing.
    pub fn names(&self) -> impl Iterator<Item = &OsStr> {
        self.entries
            .iter()
            .map(|entry| OsStr::from_bytes(self.name(entry)))
    }
}

/// A hash of a name, eight bytes a step (FxHash's mixing): a few
/// instructions for a usual name. Not keyed: a collision costs a longer
/// chain (see [`Listing`]), never more than a scan.
fn hash(name: &[u8]) -> u32 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mix = |h: u64, word: u64| (h.rotate_left(5) ^ word).wrapping_mul(K);
    let mut h = mix(0, name.len() as u64);
    let mut words = name.chunks_exact(8);
    for word in &mut words {
        let word: [u8; 8] = word.try_into().unwrap_or_default();
        h = mix(h, u64::from_le_bytes(word));
    }
    let tail = words.remainder();
    if !tail.is_empty() {
        // The last eight bytes when there are eight (the length is in the
        // hash already), the few there are otherwise.
        let word = match name.len().checked_sub(8) {
            Some(from) => {
                let last: [u8; 8] = name[from..].try_into().unwrap_or_default();
                u64::from_le_bytes(last)
            }
            None => tail
                .iter()
                .rev()
                .fold(0, |word, &b| word << 8 | u64::from(b)),
        };
        h = mix(h, word);
    }
    // The high half: FxHash's low bits mix least.
    (h >> 32) as u32
}

#[cfg(target_os = "linux")]
fn read_entries(dir: BorrowedFd<'_>, mut each: impl FnMut(&[u8], EntryType)) -> Result<(), Errno> {
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
        // u8 d_type; char d_name[]; }, each record d_reclen bytes long, a
        // multiple of 8: the name's NUL is in its last 8 bytes (the padding
        // after it is not written), so only those are searched.
        let records = &buf[..n];
        let mut at = 0;
        while let Some(head) = records.get(at..at + 19) {
            let reclen = u16::from_ne_bytes([head[16], head[17]]) as usize;
            let Some(name) = records.get(at + 19..at + reclen) else {
                return Err(Errno::EIO);
            };
            let kind = match head[18] {
                libc::DT_REG => EntryType::File,
                libc::DT_LNK => EntryType::Symlink,
                libc::DT_DIR => EntryType::Dir,
                libc::DT_UNKNOWN => EntryType::Unknown,
                _ => EntryType::Other,
            };
            let from = name.len().saturating_sub(8);
            let nul = |name: &[u8]| name.iter().position(|&b| b == 0);
            let len = nul(&name[from..])
                .map(|end| from + end)
                .or_else(|| nul(name))
                .unwrap_or(name.len());
            each(&name[..len], kind);
            at += reclen;
        }
        // More than half full: a big directory (a data directory, the top
        // of a monorepo). Each read after that takes twice as much, so its
        // system calls grow with the logarithm of its size, not one per
        // 32 KiB.
        if n > buf.capacity() / 2 && buf.capacity() < MAX_BUFFER {
            buf = Vec::with_capacity(buf.capacity() * 2);
        }
    }
}

/// The most one `getdents64` is given: 50,000 names in about six reads.
#[cfg(target_os = "linux")]
const MAX_BUFFER: usize = 1 << 20;

#[cfg(not(target_os = "linux"))]
fn read_entries(dir: BorrowedFd<'_>, mut each: impl FnMut(&[u8], EntryType)) -> Result<(), Errno> {
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
