//! A real container for the podman tests: an image built offline, once per
//! test run, from busybox-static and the static appenv the tests built,
//! with an app in /app; podman's storage and config under target/.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use crate::common::{self, App, Sandbox, appenv_bin, write_executable};

use super::{ARGS_SCRIPT, WAIT_SCRIPT};

/// podman's config and storage for the tests, and the image.
pub struct Podman {
    dir: PathBuf,
    pub image: String,
}

/// The image's app: `.env`, tasks and a web process type.
const APP: &[(&str, &str)] = &[
    (".env", "FROM_FILE=image-file\nDATABASE_URL=from-the-file\n"),
    (
        "appenv.toml",
        "[tasks]\nshow = [\"bin/show\"]\nwait = [\"bin/wait\"]\n",
    ),
    ("Procfile", "web: sleep 100000\n"),
];

const SHOW: &str = "#!/bin/sh\necho \"FROM_FILE=$FROM_FILE DATABASE_URL=$DATABASE_URL WEB_SECRET=${WEB_SECRET:-none} PWD=$(pwd)\"\nprintf '[%s]' \"$@\"\necho\nexit 3\n";

/// Root, podman, runc and busybox-static; or a skip, a failure in CI.
pub fn ready() -> bool {
    let root = nix::unistd::geteuid().is_root();
    common::require_that(root, "the podman tests need root")
        && common::require("podman")
        && common::require("runc")
        && common::require("busybox-static")
}

impl Podman {
    /// The one per test run: the image is imported by the first test to ask.
    pub fn get() -> &'static Podman {
        static PODMAN: OnceLock<Podman> = OnceLock::new();
        PODMAN.get_or_init(Podman::init)
    }

    fn init() -> Podman {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("podman");
        fs::create_dir_all(&dir).unwrap();
        // The rlimits a container gets must not exceed this process's hard
        // limits, or runc cannot set them.
        let limits = fs::read_to_string("/proc/self/limits").unwrap();
        let hard = |name: &str| -> u64 {
            let line = limits.lines().find(|l| l.starts_with(name)).unwrap();
            let hard = line[name.len()..].split_whitespace().nth(1).unwrap();
            hard.parse().unwrap_or(u64::MAX).min(1024)
        };
        let limits = [hard("Max open files"), hard("Max processes")];
        fs::write(
            dir.join("containers.conf"),
            format!(
                "[containers]\ndefault_ulimits = [\"nofile={n}:{n}\", \"nproc={p}:{p}\"]\n\
                 [engine]\nruntime = \"runc\"\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n\
                 tmp_dir = \"{tmp}\"\n",
                n = limits[0],
                p = limits[1],
                tmp = dir.join("libpod").display(),
            ),
        )
        .unwrap();
        fs::write(
            dir.join("storage.conf"),
            format!(
                "[storage]\ndriver = \"vfs\"\ngraphroot = \"{}\"\nrunroot = \"{}\"\n",
                dir.join("storage").display(),
                dir.join("run").display()
            ),
        )
        .unwrap();
        let podman = Podman {
            dir,
            image: format!("localhost/appenv-remote-test:{}", std::process::id()),
        };
        podman.build_image();
        podman
    }

    /// The variables that point podman at the tests' config and storage.
    pub fn env(&self) -> [(&'static str, PathBuf); 2] {
        [
            ("CONTAINERS_CONF", self.dir.join("containers.conf")),
            ("CONTAINERS_STORAGE_CONF", self.dir.join("storage.conf")),
        ]
    }

    pub fn command(&self) -> Command {
        let sandbox = self.env().into_iter().fold(
            Sandbox::bare().set("PATH", common::SYSTEM_PATH.to_owned() + ":/usr/sbin:/sbin"),
            |sandbox, (name, value)| sandbox.set(name, value),
        );
        let mut cmd = sandbox.command("podman");
        cmd.stdin(Stdio::null());
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        let out = self.command().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "podman {args:?}: {}",
            common::stderr(&out)
        );
        out
    }

    fn build_image(&self) {
        let tmp = tempfile::tempdir().unwrap();
        let rootfs = tmp.path().join("rootfs");
        for dir in [
            "bin",
            "usr/local/bin",
            "root",
            "tmp",
            "etc",
            "proc",
            "sys",
            "dev",
            "app/bin",
        ] {
            fs::create_dir_all(rootfs.join(dir)).unwrap();
        }
        let busybox = fs::canonicalize(common::which("busybox-static").unwrap()).unwrap();
        assert!(is_static(&busybox), "{busybox:?} is not linked statically");
        fs::copy(&busybox, rootfs.join("bin/busybox")).unwrap();
        let applets = Command::new(rootfs.join("bin/busybox"))
            .arg("--list")
            .output()
            .unwrap();
        for applet in String::from_utf8(applets.stdout).unwrap().lines() {
            if applet != "busybox" {
                std::os::unix::fs::symlink("busybox", rootfs.join("bin").join(applet)).unwrap();
            }
        }
        // The appenv the tests built, without its debug information (a
        // tenth of the size): it runs in a container with no libc.
        let appenv = rootfs.join("usr/local/bin/appenv");
        assert!(
            is_static(&appenv_bin()),
            "the test build of appenv is not static"
        );
        let stripped = Command::new("strip")
            .arg("-o")
            .arg(&appenv)
            .arg(appenv_bin())
            .status()
            .is_ok_and(|s| s.success());
        if !stripped {
            fs::copy(appenv_bin(), &appenv).unwrap();
        }
        fs::write(rootfs.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n").unwrap();
        fs::write(rootfs.join("etc/group"), "root:x:0:\n").unwrap();
        for (name, content) in APP {
            fs::write(rootfs.join("app").join(name), content).unwrap();
        }
        write_executable(&rootfs.join("app/bin/show"), SHOW);
        write_executable(&rootfs.join("app/bin/args"), ARGS_SCRIPT);
        write_executable(&rootfs.join("app/bin/wait"), WAIT_SCRIPT);
        let tar = tmp.path().join("rootfs.tar");
        let status = Command::new("tar")
            .arg("-C")
            .arg(&rootfs)
            .arg("-cf")
            .arg(&tar)
            .arg(".")
            .status()
            .unwrap();
        assert!(status.success());
        // Earlier runs' images, unless a container still uses one.
        let old = self.run(&[
            "images",
            "--format",
            "{{.Repository}}:{{.Tag}}",
            "--filter",
            "reference=localhost/appenv-remote-test",
        ]);
        for image in String::from_utf8_lossy(&old.stdout).lines() {
            let _ = self.command().args(["rmi", image]).output();
        }
        self.run(&[
            "import",
            "--quiet",
            "--change",
            "ENV PATH=/usr/local/bin:/bin",
            "--change",
            "WORKDIR /app",
            tar.to_str().unwrap(),
            &self.image,
        ]);
    }
}

fn is_static(path: &Path) -> bool {
    let out = Command::new("file").arg("-L").arg(path).output().unwrap();
    let text = common::stdout(&out);
    text.contains("statically linked") || text.contains("static-pie linked")
}

/// A running container of the image, removed when dropped.
pub struct Container {
    pub name: String,
}

impl Container {
    /// Starts `sh -c ENTRYPOINT` in a container with `env`: the platform's
    /// variables, as a container's spec gives them.
    pub fn start(env: &[(&str, &str)], entrypoint: &str) -> Container {
        let podman = Podman::get();
        let name = format!(
            "appenv-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let mut cmd = podman.command();
        cmd.args([
            "run",
            "--detach",
            "--rm",
            "--network",
            "none",
            "--name",
            &name,
        ]);
        for (k, v) in env {
            cmd.arg("--env").arg(format!("{k}={v}"));
        }
        cmd.args([&podman.image, "/bin/sh", "-c", entrypoint]);
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "podman run: {}", common::stderr(&out));
        Container { name }
    }

    /// A local app whose `[remote.staging]` is this container, `extra` in
    /// its table, and the sandbox that finds podman's test config.
    pub fn app(&self, extra: &str) -> (App, Sandbox) {
        let app = App::new(&[(".env", "LOCAL_ONLY=here\n")]);
        app.write(
            "appenv.toml",
            &format!("[remote.staging]\npodman = \"{}\"\n{extra}", self.name),
        );
        let sandbox = Podman::get()
            .env()
            .into_iter()
            .fold(app.sandbox(), |s, (k, v)| s.set(k, v))
            .set("PATH", common::SYSTEM_PATH.to_owned() + ":/usr/sbin:/sbin");
        (app, sandbox)
    }
}

static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl Drop for Container {
    fn drop(&mut self) {
        let _ = Podman::get()
            .command()
            .args(["rm", "--force", "--time", "0", &self.name])
            .output();
    }
}
