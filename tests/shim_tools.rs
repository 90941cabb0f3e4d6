//! Shims with the real tools: a Bundler app (Debian's ruby, bundler, rake,
//! irb, rspec, rubocop, gems installed with `bundle install --local`) and a
//! Poetry project, each through shims, offline.

use crate::common;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{have, stderr, stdout};

/// A sandbox: HOME, XDG dirs, `bin/` holding symlinks to the real tools,
/// `shims/` holding shims for them, and an app in `app/`. PATH is
/// `shims:bin`, nothing of the host's.
struct ShimHost {
    _tmp: tempfile::TempDir,
    base: PathBuf,
}

impl ShimHost {
    fn new(tools: &[&str], shims: &[&str]) -> ShimHost {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path().canonicalize().unwrap();
        for dir in ["home", "data", "cache", "config", "bin", "shims", "app/sub"] {
            fs::create_dir_all(base.join(dir)).unwrap();
        }
        // `NAME=TOOL` links the real TOOL under another name.
        for tool in tools {
            let (name, tool) = tool.split_once('=').unwrap_or((tool, tool));
            symlink(real(tool), base.join("bin").join(name)).unwrap();
        }
        for shim in shims {
            symlink(
                assert_cmd::cargo::cargo_bin("appenv"),
                base.join("shims").join(shim),
            )
            .unwrap();
        }
        fs::write(base.join("app/.env"), "FOO=from-dotenv\n").unwrap();
        ShimHost { _tmp: tmp, base }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.base.join(rel)
    }

    fn command(&self, program: impl AsRef<std::ffi::OsStr>, cwd: &str) -> Command {
        let mut cmd = common::Sandbox::new(&self.path("home"))
            .set("XDG_DATA_HOME", self.path("data"))
            .set("XDG_CACHE_HOME", self.path("cache"))
            .set("XDG_CONFIG_HOME", self.path("config"))
            .path([self.path("shims"), self.path("bin")])
            .command(program);
        cmd.current_dir(self.path(cwd)).stdin(Stdio::null());
        cmd
    }

    /// A real tool run directly (not through a shim), which must succeed.
    fn tool(&self, tool: &str, cwd: &str, args: &[&str]) -> String {
        let out = self
            .command(self.path("bin").join(tool), cwd)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{tool} {args:?}: {}{}",
            stdout(&out),
            stderr(&out)
        );
        stdout(&out)
    }

    fn allow(&self) {
        let out = self
            .command(assert_cmd::cargo::cargo_bin("appenv"), "app")
            .arg("allow")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }

    /// The shim `name` started by its bare name, as an editor does, with
    /// `input` on stdin: its pid, stdout, stderr and status.
    fn shim(
        &self,
        name: &str,
        cwd: &str,
        args: &[&str],
        input: &str,
    ) -> (u32, String, String, Option<i32>) {
        use std::io::Write;
        let mut child = self
            .command(self.path("shims").join(name), cwd)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (pid, stdout(&out), stderr(&out), out.status.code())
    }
}

/// Where `tool` is on the test's own PATH. For Python, the interpreter
/// itself: what PATH finds may be a version manager's shim (pyenv's is a
/// bash script) that needs the host's environment.
fn real(tool: &str) -> PathBuf {
    let script = match tool {
        "python3" => "python3 -c 'import sys; print(sys.executable)'".to_string(),
        _ => format!("command -v {tool}"),
    };
    let out = Command::new("sh").args(["-c", &script]).output().unwrap();
    assert!(out.status.success(), "{tool} not found");
    PathBuf::from(stdout(&out).trim())
}

fn have_all(tools: &[&str]) -> bool {
    tools.iter().all(|t| have(t))
}

/// A Bundler app whose Gemfile asks for `gems`, installed from the
/// system's gems, and allowed.
fn bundler_app(gems: &[&str], shims: &[&str]) -> ShimHost {
    let mut tools = vec!["ruby", "bundle", "irb", "rake", "rspec", "rubocop"];
    tools.retain(|t| gems.contains(t) || ["ruby", "bundle", "irb", "rake"].contains(t));
    let s = ShimHost::new(&tools, shims);
    let gemfile: String = gems.iter().map(|g| format!("gem {g:?}\n")).collect();
    fs::write(
        s.path("app/Gemfile"),
        format!("source \"https://rubygems.org\"\n{gemfile}"),
    )
    .unwrap();
    s.tool("bundle", "app", &["install", "--local", "--quiet"]);
    assert!(s.path("app/Gemfile.lock").exists());
    s.allow();
    s
}

const PROBE: &str = "p [:bundler, defined?(Bundler), :pid, Process.pid, :foo, ENV['FOO'], \
    :gemfile, ENV['BUNDLE_GEMFILE']]";

/// Tests that take seconds each (a real terminal, editor, package manager or
/// container, hundreds of generated cases, a race run for a minute): the inner
/// loop leaves them out with `--skip slow::`, CI runs them.
mod slow {
    use super::*;

    #[test]
    fn ruby_irb_and_rake_run_bundled_through_shims() {
        if !have_all(&["ruby", "bundle", "irb", "rake"]) {
            return;
        }
        let s = bundler_app(&["rake"], &["ruby", "irb", "rake"]);
        let gemfile = s.path("app/Gemfile");

        // The bundle as `bundle exec` sets it up: the gems it activates and
        // the Bundler set-up it loads.
        let specs = "p [Gem.loaded_specs.keys.sort, $LOADED_FEATURES.grep(%r{bundler/setup})]";
        let typed = s.tool("bundle", "app", &["exec", "ruby", "-e", specs]);
        assert!(typed.contains("\"rake\""), "{typed}");

        // ruby through the shim: the same bundle, the app's .env, and the
        // shim's own process.
        let (pid, out, err, code) = s.shim("ruby", "app/sub", &["-e", PROBE], "");
        assert_eq!((code, err.as_str()), (Some(0), ""), "{out}");
        assert_eq!(
            out.trim(),
            format!(
                "[:bundler, \"constant\", :pid, {pid}, :foo, \"from-dotenv\", :gemfile, {:?}]",
                gemfile.display().to_string()
            )
        );
        let (_, out, _, _) = s.shim("ruby", "app/sub", &["-e", specs], "");
        assert_eq!(out, typed);
        // Once bundler/setup has run, Ruby's environment (what the programs it
        // starts inherit) is the one `bundle exec` leaves, but for the shim's
        // `-rbundler/setup` that Bundler's absolute one now precedes.
        let vars = "ENV.sort.each { |k, v| puts \"#{k}=#{v}\" if k =~ /BUNDLE|RUBY|GEM|^PATH$/ }";
        let typed = s.tool("bundle", "app", &["exec", "ruby", "-e", vars]);
        let (_, out, _, _) = s.shim("ruby", "app", &["-e", vars], "");
        assert!(typed.contains("BUNDLER_ORIG_PATH="), "{typed}");
        assert_eq!(out.replace(" -rbundler/setup\n", "\n"), typed);

        // A gem outside the Gemfile: loadable by plain ruby, not through the shim.
        let probe = "begin; require 'minitest'; puts 'loaded'; rescue LoadError; puts 'not in the bundle'; end";
        assert_eq!(s.tool("ruby", "app", &["-e", probe]).trim(), "loaded");
        let (_, out, _, _) = s.shim("ruby", "app", &["-e", probe], "");
        assert_eq!(out.trim(), "not in the bundle");

        // irb reads the bundle's Gemfile from its environment.
        let (_, out, err, code) = s.shim(
            "irb",
            "app/sub",
            &["-f", "--noprompt"],
            "puts \"GEMFILE=#{ENV['BUNDLE_GEMFILE']} BUNDLER=#{defined?(Bundler)}\"\n",
        );
        assert_eq!(code, Some(0), "{err}");
        assert!(
            out.contains(&format!("GEMFILE={} BUNDLER=constant", gemfile.display())),
            "{out}{err}"
        );

        // rake -T, and a task, from below the root.
        fs::write(
            s.path("app/Rakefile"),
            "desc 'say what runs'\ntask(:probe) { puts \"pid=#{Process.pid} bundler=#{defined?(Bundler)} rake=#{Gem.loaded_specs['rake']&.version}\" }\n",
        )
        .unwrap();
        let (_, out, err, code) = s.shim("rake", "app/sub", &["-T"], "");
        assert_eq!(code, Some(0), "{err}");
        assert!(out.contains("rake probe  # say what runs"), "{out}");
        let (pid, out, err, code) = s.shim("rake", "app/sub", &["probe"], "");
        assert_eq!(code, Some(0), "{err}");
        let lock = fs::read_to_string(s.path("app/Gemfile.lock")).unwrap();
        let version = lock
            .lines()
            .find_map(|l| l.trim().strip_prefix("rake (")?.strip_suffix(')'))
            .unwrap();
        assert!(
            out.contains(&format!("pid={pid} bundler=constant rake={version}")),
            "{out}"
        );
    }

    #[test]
    fn rspec_and_rubocop_run_bundled_through_shims() {
        if !have_all(&["ruby", "bundle", "irb", "rake", "rspec", "rubocop"]) {
            return;
        }
        let s = bundler_app(&["rake", "rspec", "rubocop"], &["rspec", "rubocop"]);
        fs::create_dir_all(s.path("app/spec")).unwrap();
        fs::write(
            s.path("app/spec/probe_spec.rb"),
            "RSpec.describe('shim') { it('runs bundled') { puts \"pid=#{Process.pid} bundler=#{defined?(Bundler)} FOO=#{ENV['FOO']}\" } }\n",
        )
        .unwrap();
        let (pid, out, err, code) = s.shim("rspec", "app", &[], "");
        assert_eq!(code, Some(0), "{out}{err}");
        assert!(
            out.contains(&format!("pid={pid} bundler=constant FOO=from-dotenv")),
            "{out}"
        );
        assert!(out.contains("1 example, 0 failures"), "{out}");

        // rubocop loads the config's `require:` inside the bundle.
        fs::write(s.path("app/.rubocop.yml"), "require:\n  - ./probe.rb\n").unwrap();
        fs::write(
            s.path("app/probe.rb"),
            "warn \"probe pid=#{Process.pid} bundler=#{defined?(Bundler)} rubocop=#{Gem.loaded_specs.key?('rubocop')}\"\n",
        )
        .unwrap();
        fs::write(
            s.path("app/ok.rb"),
            "# frozen_string_literal: true\n\nputs 1\n",
        )
        .unwrap();
        let (pid, out, err, code) = s.shim("rubocop", "app", &["--cache", "false", "ok.rb"], "");
        assert_eq!(code, Some(0), "{out}{err}");
        assert!(
            err.contains(&format!("probe pid={pid} bundler=constant rubocop=true")),
            "{err}"
        );
        assert!(out.contains("no offenses detected"), "{out}");
    }

    #[test]
    fn bundle_exec_never_loops_back_through_the_shims() {
        if !have_all(&["ruby", "bundle", "irb", "rake"]) {
            return;
        }
        // A shim for a program that exists nowhere: the shim hands it to
        // `bundle exec`, whose own lookup finds the shim first on PATH; the
        // shim passes straight through and says the program is missing.
        let s = bundler_app(&["rake"], &["nowhere", "rake"]);
        let (_, out, err, code) = s.shim("nowhere", "app", &[], "");
        assert_eq!(code, Some(127), "{out}{err}");
        assert_eq!(
            err,
            "appenv: nowhere: command not found (no nowhere on PATH besides the appenv shims)\n"
        );
        // `bundle exec rake` typed, with the shims first on PATH: Bundler
        // finds the rake shim, which applies the bundle once more and runs rake.
        fs::write(s.path("app/Rakefile"), "task(:default) { puts \"depth=#{ENV['APPENV_SHIM_DEPTH']} bundler=#{defined?(Bundler)}\" }\n").unwrap();
        let out = s
            .command(s.path("bin/bundle"), "app")
            .args(["exec", "rake"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(stdout(&out), "depth=1 bundler=constant\n");
    }

    #[test]
    fn a_poetry_project_runs_through_a_python_shim() {
        if !have_all(&["poetry", "python3"]) {
            return;
        }
        // A real `python` besides the shim: Poetry looks for one on PATH
        // (finding the shim first) when it locks and makes the virtualenv.
        let s = ShimHost::new(&["poetry", "python3", "python=python3"], &["python"]);
        fs::write(
            s.path("app/pyproject.toml"),
            "[tool.poetry]\nname = \"shop\"\nversion = \"0.1.0\"\ndescription = \"\"\nauthors = []\npackage-mode = false\n\n[tool.poetry.dependencies]\npython = \">=3.9\"\n",
        )
        .unwrap();
        // No dependencies: locking needs no index.
        s.tool("poetry", "app", &["lock"]);
        s.allow();
        let probe = "import os, sys; print(os.getpid(), sys.prefix, os.environ.get('VIRTUAL_ENV'), os.environ.get('FOO'))";
        let (pid, out, err, code) = s.shim("python", "app/sub", &["-c", probe], "");
        assert_eq!(code, Some(0), "{out}{err}");
        let words: Vec<&str> = out.split_whitespace().collect();
        assert_eq!(words.len(), 4, "{out}");
        assert_eq!(
            words[0],
            pid.to_string(),
            "poetry execs python in the shim's process"
        );
        let venvs = s.path("cache/pypoetry/virtualenvs");
        assert!(Path::new(words[1]).starts_with(&venvs), "{out}");
        assert_eq!(words[2], words[1], "{out}");
        assert_eq!(words[3], "from-dotenv");
        assert!(!err.contains("appenv"), "{err}");
    }
}
