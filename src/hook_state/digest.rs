//! The digest a fingerprint keeps: FNV-1a over what an answer depended on,
//! fed field by field, and the identity and times of paths.
//!
//! Not a cryptographic hash: the fingerprint guards against change, not
//! against someone who can already set the shell's environment. 64 bits
//! make an accidental match of two different inputs a non-event, and the
//! function is fixed here, so a digest means the same to every appenv.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A running digest.
#[derive(Debug, Clone)]
pub struct Digest(u64);

impl Default for Digest {
    fn default() -> Self {
        Digest(0xcbf2_9ce4_8422_2325)
    }
}

impl Digest {
    /// Adds one field: its length first, so that no two different lists of
    /// fields run together into the same bytes.
    pub fn field(&mut self, bytes: &[u8]) {
        self.bytes(&(bytes.len() as u64).to_le_bytes());
        self.bytes(bytes);
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    pub fn finish(&self) -> u64 {
        self.0
    }
}

/// Paths fed into a digest by what `stat` says of them now.
#[derive(Debug)]
pub struct Stats {
    /// File times from here on are too new to vouch for the file: see
    /// [`Stats::settled`].
    newest: Duration,
    /// Whether every time seen so far is older than `newest`.
    settled: bool,
}

/// How far the clock that stamps file times can lag behind the one
/// `SystemTime::now` reads: file times come from a coarse clock that ticks
/// every few milliseconds (every 10 at the slowest kernel tick).
const TICK: Duration = Duration::from_millis(50);

/// The tick of a file system that stamps whole seconds (two on FAT, and
/// some network mounts): a time with no nanoseconds may come from one.
const COARSE_TICK: Duration = Duration::from_secs(2);

impl Stats {
    /// For an answer being made now: the times must be older than a tick
    /// before `started`, when the answer began to read.
    pub fn since(started: SystemTime) -> Stats {
        let started = started.duration_since(UNIX_EPOCH).unwrap_or_default();
        Stats {
            newest: started.saturating_sub(TICK),
            settled: true,
        }
    }

    /// For checking a fingerprint: times are only compared.
    pub fn checking() -> Stats {
        Stats {
            newest: Duration::MAX,
            settled: true,
        }
    }

    /// Adds what `path` is now (following symlinks): device, inode, type
    /// and mode, size, and the modification and change times to the
    /// nanosecond; or that it is missing, or cannot be looked at. A file
    /// swapped by a rename has another inode; a rewrite changes the times;
    /// `touch -d` cannot set the change time back.
    pub fn add(&mut self, digest: &mut Digest, path: &Path) {
        match path.metadata() {
            Ok(meta) => {
                let mtime = time(meta.mtime(), meta.mtime_nsec());
                let ctime = time(meta.ctime(), meta.ctime_nsec());
                if !vouches(self.newest, mtime, ctime) {
                    self.settled = false;
                }
                digest.field(b"stat");
                for n in [
                    meta.dev(),
                    meta.ino(),
                    u64::from(meta.mode()),
                    meta.size(),
                    meta.mtime() as u64,
                    meta.mtime_nsec() as u64,
                    meta.ctime() as u64,
                    meta.ctime_nsec() as u64,
                ] {
                    digest.field(&n.to_le_bytes());
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => digest.field(b"missing"),
            Err(e) => digest.field(format!("error {:?}", e.raw_os_error()).as_bytes()),
        }
    }

    /// Whether every path added was last changed more than a tick before
    /// the answer began. A file changed later, or in the same tick, may
    /// change again without its times moving (the same tick gives the same
    /// time), so a fingerprint is kept only when this holds: the answer
    /// after one made right after an edit resolves again.
    pub fn settled(&self) -> bool {
        self.settled
    }
}

/// Whether times `mtime` and `ctime` are old enough, against `newest`, to
/// vouch that the file cannot change again without them moving. Times of
/// whole seconds are taken as a coarse file system's, whose tick is longer.
fn vouches(newest: Duration, mtime: Duration, ctime: Duration) -> bool {
    let coarse = mtime.subsec_nanos() == 0 && ctime.subsec_nanos() == 0;
    let newest = if coarse {
        newest.saturating_sub(COARSE_TICK)
    } else {
        newest
    };
    mtime < newest && ctime < newest
}

fn time(secs: i64, nanos: i64) -> Duration {
    let secs = u64::try_from(secs).unwrap_or(0);
    Duration::new(secs, u32::try_from(nanos).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    #[test]
    fn whole_second_times_need_a_coarse_tick_to_vouch() {
        let newest = Duration::from_millis(100_500);
        let fine = Duration::from_millis(99_700);
        assert!(vouches(newest, fine, fine));
        // 99.0 s: a whole-second stamp of a write as late as 99.99 s.
        let whole = Duration::from_secs(99);
        assert!(!vouches(newest, whole, whole));
        assert!(vouches(
            newest,
            Duration::from_secs(98),
            Duration::from_secs(98)
        ));
        assert!(vouches(newest, whole, fine));
        assert!(!vouches(Duration::MAX, Duration::MAX, fine));
    }

    use super::*;
    use std::fs;

    fn digest_of(paths: &[&Path], stats: &mut Stats) -> u64 {
        let mut digest = Digest::default();
        for path in paths {
            stats.add(&mut digest, path);
        }
        digest.finish()
    }

    #[test]
    fn fields_do_not_run_together() {
        let of = |fields: &[&[u8]]| {
            let mut d = Digest::default();
            fields.iter().for_each(|f| d.field(f));
            d.finish()
        };
        assert_ne!(of(&[b"ab", b"c"]), of(&[b"a", b"bc"]));
        assert_ne!(of(&[b""]), of(&[]));
        assert_eq!(of(&[b"x"]), of(&[b"x"]));
    }

    #[test]
    fn a_path_changes_the_digest_when_it_is_rewritten_swapped_or_appears() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join(".env");
        let check = |stats: &mut Stats| digest_of(&[&file], stats);
        let missing = check(&mut Stats::checking());
        fs::write(&file, "A=1\n").unwrap();
        let first = check(&mut Stats::checking());
        assert_ne!(first, missing);
        assert_eq!(check(&mut Stats::checking()), first);
        // Rewritten with the same size and the same modification time, a
        // tick later (in the same tick, see `settled`).
        std::thread::sleep(Duration::from_millis(30));
        let mtime = fs::metadata(&file).unwrap().modified().unwrap();
        fs::write(&file, "A=2\n").unwrap();
        fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
        assert_ne!(
            check(&mut Stats::checking()),
            first,
            "the change time moved"
        );
        let second = check(&mut Stats::checking());
        std::thread::sleep(Duration::from_millis(30));
        // Swapped by a rename, times set back: another inode.
        let other = tmp.path().join("other");
        fs::write(&other, "A=3\n").unwrap();
        fs::rename(&other, &file).unwrap();
        assert_ne!(check(&mut Stats::checking()), second);
    }

    #[test]
    fn a_file_changed_in_the_last_tick_is_not_settled() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join(".env");
        fs::write(&file, "A=1\n").unwrap();
        let mut now = Stats::since(SystemTime::now());
        digest_of(&[&file], &mut now);
        assert!(!now.settled());
        let mut later = Stats::since(SystemTime::now() + Duration::from_secs(1));
        digest_of(&[&file], &mut later);
        assert!(later.settled());
        // A missing path has no time to doubt.
        let mut missing = Stats::since(SystemTime::now());
        digest_of(&[&tmp.path().join("none")], &mut missing);
        assert!(missing.settled());
    }
}
