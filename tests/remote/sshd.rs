//! A real OpenSSH server on 127.0.0.1 for one test: its own host key,
//! config, authorised key and port, and a client config (`ssh -F`) that
//! knows its host key and nothing else. The session's environment is
//! what sshd's `SetEnv` gives it: the platform's variables, a HOME and
//! trust store inside the test's directory.

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common;

/// The Host alias the client config gives the server.
pub const HOST: &str = "appenv-test-remote";

pub struct Sshd {
    child: Child,
    /// The client config: `options = ["-F", …]` in a remote table.
    pub client_config: PathBuf,
    /// sshd's log (`-e`): who logged in.
    pub log: PathBuf,
}

/// Root (sshd changes to the user it logs in), the server and client, and
/// /run/sshd (its privilege-separation directory); or a skip, a failure in CI.
pub fn ready() -> bool {
    let root = nix::unistd::geteuid().is_root();
    common::require_that(root, "the sshd tests need root")
        && common::require_that(
            Path::new("/usr/sbin/sshd").exists(),
            "/usr/sbin/sshd (openssh-server) is required",
        )
        && common::require("ssh")
        && common::require("ssh-keygen")
        && common::require_that(
            Path::new("/run/sshd").is_dir(),
            "/run/sshd must exist for sshd (.ci/run makes it)",
        )
}

impl Sshd {
    /// Starts sshd with its files in `dir`; each session gets `env`.
    pub fn start(dir: &Path, env: &[(&str, String)]) -> Sshd {
        fs::create_dir_all(dir).unwrap();
        let keygen = |name: &str| {
            let status = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", "", "-f"])
                .arg(dir.join(name))
                .stdin(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success());
            fs::read_to_string(dir.join(format!("{name}.pub"))).unwrap()
        };
        let host_key = keygen("host_key");
        let user_key = keygen("user_key");
        fs::write(dir.join("authorized_keys"), &user_key).unwrap();
        let user = nix::unistd::User::from_uid(nix::unistd::geteuid())
            .unwrap()
            .unwrap()
            .name;
        let set_env: Vec<String> = env.iter().map(|(k, v)| format!("\"{k}={v}\"")).collect();
        for attempt in 0.. {
            let port = free_port();
            let config = dir.join("sshd_config");
            fs::write(
                &config,
                format!(
                    "Port {port}\nListenAddress 127.0.0.1\nHostKey {host}\nAuthorizedKeysFile {keys}\n\
                     StrictModes no\nPidFile none\nUsePAM no\nPermitRootLogin prohibit-password\n\
                     PasswordAuthentication no\nKbdInteractiveAuthentication no\n\
                     SetEnv {set_env}\n",
                    host = dir.join("host_key").display(),
                    keys = dir.join("authorized_keys").display(),
                    set_env = set_env.join(" "),
                ),
            )
            .unwrap();
            let log = dir.join("sshd.log");
            let mut child = Command::new("/usr/sbin/sshd")
                .args(["-D", "-e", "-f"])
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(fs::File::create(&log).unwrap())
                .spawn()
                .unwrap();
            if !listening(&mut child, port) {
                let _ = child.kill();
                let _ = child.wait();
                // Another process took the port between the look and sshd's bind.
                assert!(
                    attempt < 5,
                    "sshd did not start: {}",
                    fs::read_to_string(&log).unwrap()
                );
                continue;
            }
            let known_hosts = dir.join("known_hosts");
            let host_key: Vec<&str> = host_key.split_whitespace().take(2).collect();
            fs::write(
                &known_hosts,
                format!("[127.0.0.1]:{port} {}\n", host_key.join(" ")),
            )
            .unwrap();
            let client_config = dir.join("ssh_config");
            fs::write(
                &client_config,
                format!(
                    "Host {HOST}\n  HostName 127.0.0.1\n  Port {port}\n  User {user}\n  IdentityFile {key}\n  \
                     IdentitiesOnly yes\n  UserKnownHostsFile {known}\n  GlobalKnownHostsFile /dev/null\n  \
                     StrictHostKeyChecking yes\n  BatchMode yes\n  LogLevel ERROR\n",
                    key = dir.join("user_key").display(),
                    known = known_hosts.display(),
                ),
            )
            .unwrap();
            return Sshd {
                child,
                client_config,
                log,
            };
        }
        unreachable!()
    }

    /// Whether anyone logged in.
    pub fn logins(&self) -> usize {
        fs::read_to_string(&self.log)
            .unwrap_or_default()
            .matches("Accepted publickey")
            .count()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until sshd accepts connections on `port`; false if it exited.
fn listening(child: &mut Child, port: u16) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}
