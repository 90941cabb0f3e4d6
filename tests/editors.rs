//! The editor integrations, end to end: `appenv status --json` as an editor
//! reads it, and the shipped Neovim and Vim plugins and Emacs package driven
//! in the real editors (headless Neovim, Vim in Ex mode `-es`, Emacs in batch
//! mode), each with its own
//! HOME, XDG dirs and a PATH made of tools linked into the test's bin dir.

use crate::{common, tmux};

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use common::{App, have, stderr, stdout};

/// The mode line element of a loaded buffer (Emacs in batch mode has no
/// mode line to render it in).
const LIGHTER_ON: &str = r#"(" appenv[" (:propertize "on" face appenv-on-face) "]")"#;

const DOTENV: &str = "FROM_DOTENV=dotenv-value\n";

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// An app with a real virtualenv and a `.env`, a directory outside it, and
/// a bin dir holding only the tools the editors are allowed to find.
struct EditorApp {
    app: App,
    bin: PathBuf,
    outside: PathBuf,
    trusted: bool,
    /// What the editor inherits over the sandbox: a shell hook's load.
    inherited: Vec<(String, String)>,
}

impl EditorApp {
    fn new(trusted: bool) -> EditorApp {
        let app = App::new(&[(".env", DOTENV), ("src/main.py", "print('hi')\n")]);
        let bin = app.tmp.path().join("bin");
        fs::create_dir_all(&bin).unwrap();
        let outside = app.tmp.path().join("outside");
        fs::create_dir_all(&outside).unwrap();
        fs::write(outside.join("notes.txt"), "notes\n").unwrap();
        fs::create_dir_all(app.tmp.path().join("home")).unwrap();
        let sandbox = EditorApp {
            app,
            bin,
            outside,
            trusted,
            inherited: Vec::new(),
        };
        sandbox.link("appenv", &assert_cmd::cargo::cargo_bin("appenv"));
        for tool in ["sh", "env", "cat"] {
            sandbox.link(tool, &real_path(tool).unwrap());
        }
        sandbox
    }

    /// Links the real `python3` in and makes the app's `.venv` with it.
    fn with_venv(self) -> EditorApp {
        let python = real_python();
        self.link("python3", &python);
        let status = Command::new(&python)
            .args(["-m", "venv", "--without-pip"])
            .arg(self.app.root.join(".venv"))
            .status()
            .unwrap();
        assert!(status.success(), "python3 -m venv failed");
        self
    }

    /// Another app beside the first, in the same trusted directory: `name`
    /// with `.env` holding `dotenv`, and a virtualenv if `venv`.
    fn other_app(&self, name: &str, dotenv: &str, venv: bool) -> PathBuf {
        let root = self.app.tmp.path().join(name);
        fs::create_dir_all(&root).unwrap();
        fs::write(root.join(".env"), dotenv).unwrap();
        if venv {
            let python = real_python();
            self.link("python3", &python);
            let status = Command::new(&python)
                .args(["-m", "venv", "--without-pip"])
                .arg(root.join(".venv"))
                .status()
                .unwrap();
            assert!(status.success(), "python3 -m venv failed");
        }
        root
    }

    fn link(&self, name: &str, target: &Path) {
        let _ = fs::remove_file(self.bin.join(name));
        std::os::unix::fs::symlink(target, self.bin.join(name)).unwrap();
    }

    fn venv(&self) -> String {
        self.app.root.join(".venv").display().to_string()
    }

    fn file(&self, name: &str) -> String {
        self.app.root.join(name).display().to_string()
    }

    /// The environment every editor starts with: nothing of the host's.
    fn env(&self) -> common::Sandbox {
        let tmp = self.app.tmp.path();
        let home = tmp.join("home");
        let env = common::Sandbox::new(&home)
            .set("PATH", &self.bin)
            .set("XDG_RUNTIME_DIR", home.join("run"))
            .set("SHELL", "/bin/sh")
            .set("TERM", "dumb");
        let env = match self.trusted {
            true => env.set("APPENV_TRUSTED_DIRS", tmp),
            false => env,
        };
        self.inherited
            .iter()
            .fold(env, |env, (name, value)| env.set(name, value))
    }

    /// Starts the editors from a shell where the hook loaded the app of
    /// `dir`: with its `appenv export json` applied, `APPENV_STATE` included.
    fn loaded_from(&mut self, dir: &Path) {
        let out = self
            .env()
            .command(assert_cmd::cargo::cargo_bin("appenv"))
            .args(["export", "json"])
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let export: Value = serde_json::from_slice(&out.stdout).unwrap();
        for (name, value) in export.as_object().unwrap() {
            self.inherited
                .push((name.clone(), str_of(value).to_owned()));
        }
        assert!(self.inherited.iter().any(|(n, _)| n == "APPENV_STATE"));
    }

    /// Runs `program` from `/`, killed if it takes more than two minutes.
    fn run(&self, program: &str, args: &[&str]) -> Output {
        let mut cmd = self.env().command(real_path(program).unwrap());
        cmd.args(args)
            .current_dir("/")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let start = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if start.elapsed() > Duration::from_secs(120) {
                let _ = child.kill();
                let out = child.wait_with_output().unwrap();
                panic!("{program} hung\nstderr: {}", stderr(&out));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        child.wait_with_output().unwrap()
    }

    /// Runs a Lua test script in headless Neovim with the plugin on its
    /// runtimepath, and returns what the script recorded.
    fn nvim(&self, file: &str, script: &str) -> (Value, Output) {
        let dir = self.app.tmp.path();
        let init = dir.join("init.lua");
        fs::write(
            &init,
            format!(
                "NOTICES = {{}}\n\
                 vim.notify = function(msg, level) table.insert(NOTICES, msg) end\n\
                 -- Defined before the plugin's, as a language server's would be.\n\
                 vim.api.nvim_create_autocmd('FileType', {{ callback = function(a)\n\
                   FILETYPE_ENV = (FILETYPE_ENV or '') .. a.match .. '=' .. (vim.env.FROM_DOTENV or '') .. ';' end }})\n\
                 vim.opt.rtp:prepend({plugin:?})\n\
                 require('appenv').setup({{ poll_ms = 100 }})\n",
                plugin = repo("editors/nvim").display().to_string(),
            ),
        )
        .unwrap();
        let results = dir.join("results.json");
        let test = dir.join("test.lua");
        fs::write(
            &test,
            format!(
                "R = {{}}\n\
                 local function job(cmd)\n\
                   local out = {{}}\n\
                   local id = vim.fn.jobstart(cmd, {{ stdout_buffered = true,\n\
                     on_stdout = function(_, d) out = d end }})\n\
                   vim.fn.jobwait({{ id }}, 60000)\n\
                   vim.wait(10000, function() return #out > 0 end)\n\
                   return table.concat(out, '\\n'):gsub('%s+$', '')\n\
                 end\n\
                 local function wait(f) return vim.wait(30000, f, 20) end\n\
                 -- Until the plugin's requests to appenv have been answered.\n\
                 local function settle() return wait(function() return not require('appenv').busy() end) end\n\
                 settle()\n\
                 local ok, err = xpcall(function()\n{script}\nend, debug.traceback)\n\
                 R.error = not ok and err or nil\n\
                 R.notices = NOTICES\n\
                 vim.fn.writefile({{ vim.fn.json_encode(R) }}, {results:?})\n\
                 vim.cmd('qa!')\n",
                results = results.display().to_string(),
            ),
        )
        .unwrap();
        let init = init.display().to_string();
        let test = format!("luafile {}", test.display());
        let mut args = vec!["--headless", "-u", &init, "-i", "NONE", "-n"];
        if !file.is_empty() {
            args.push(file);
        }
        args.extend(["-c", &test]);
        let out = self.run("nvim", &args);
        let text = fs::read_to_string(&results).unwrap_or_else(|_| {
            panic!(
                "nvim wrote no results\nstdout: {}\nstderr: {}",
                stdout(&out),
                stderr(&out)
            )
        });
        let value: Value = serde_json::from_str(&text).unwrap();
        assert!(value["error"].is_null(), "{}", value["error"]);
        (value, out)
    }

    /// Runs a Vim script in Debian's Vim, headless (`-es`), with the
    /// plugin on its runtimepath; `R` is the dictionary the script fills,
    /// with `R.messages` (`:messages`) added. `Wait({-> cond})` waits for
    /// the plugin's asynchronous answers.
    fn vim(&self, file: &str, script: &str) -> Value {
        let dir = self.app.tmp.path();
        let init = dir.join("init.vim");
        fs::write(
            &init,
            format!(
                "set rtp^={plugin}\n\
                 runtime plugin/appenv.vim\n\
                 let g:appenv_poll_ms = 100\n",
                plugin = repo("editors/vim").display(),
            ),
        )
        .unwrap();
        let results = dir.join("results.json");
        let test = dir.join("test.vim");
        fs::write(
            &test,
            format!(
                "let R = {{}}\n\
                 function! Wait(F) abort\n\
                   let n = 0\n\
                   while !a:F() && n < 1500\n\
                     sleep 20m\n\
                     let n += 1\n\
                   endwhile\n\
                   return a:F()\n\
                 endfunction\n\
                 function! Settle() abort\n\
                   return Wait({{-> !appenv#busy() && type(appenv#current()) == v:t_dict}})\n\
                 endfunction\n\
                 try\n{script}\ncatch\n  let R.error = v:exception . ' ' . v:throwpoint\nendtry\n\
                 let R.messages = execute('messages')\n\
                 call writefile([json_encode(R)], {results:?})\n\
                 qa!\n",
                results = results.display().to_string(),
            ),
        )
        .unwrap();
        let init = init.display().to_string();
        let test = format!("source {}", test.display());
        let mut args = vec!["-Nu", &init, "-i", "NONE", "-n", "-es"];
        if !file.is_empty() {
            args.push(file);
        }
        args.extend(["-c", &test]);
        let out = self.run("vim", &args);
        let text = fs::read_to_string(&results).unwrap_or_else(|_| {
            panic!(
                "vim wrote no results\nstdout: {}\nstderr: {}",
                stdout(&out),
                stderr(&out)
            )
        });
        let value: Value = serde_json::from_str(&text).unwrap();
        assert!(value.get("error").is_none(), "{}", value["error"]);
        value
    }

    /// Runs Emacs Lisp in `emacs --batch` with the package loaded and
    /// `appenv-global-mode` on; the code fills the alist `r`, returned as
    /// JSON, with stderr (where `message` goes in batch mode).
    fn emacs(&self, lisp: &str) -> (Value, String) {
        let dir = self.app.tmp.path();
        let results = dir.join("results.json");
        let test = dir.join("test.el");
        fs::write(
            &test,
            format!(
                ";;; -*- lexical-binding: t; -*-\n\
                 (require 'json)\n\
                 (setq appenv-poll-interval 0.1)\n\
                 (require 'appenv)\n\
                 (appenv-global-mode 1)\n\
                 (defvar test-results nil)\n\
                 (defun test-put (k v) (push (cons k v) test-results))\n\
                 (defun wait-for (f)\n\
                   (let ((end (+ (float-time) 30)))\n\
                     (while (and (not (funcall f)) (< (float-time) end))\n\
                       (accept-process-output nil 0.05))\n\
                     (funcall f)))\n\
                 (condition-case err (progn {lisp})\n\
                   (error (test-put \"error\" (format \"%S\" err))))\n\
                 (with-temp-file {results:?} (insert (json-encode test-results)))\n",
                results = results.display().to_string(),
            ),
        )
        .unwrap();
        let lib = repo("editors/emacs").display().to_string();
        let test = test.display().to_string();
        let out = self.run("emacs", &["--batch", "-Q", "-L", &lib, "-l", &test]);
        let text = fs::read_to_string(&results)
            .unwrap_or_else(|_| panic!("emacs wrote no results\nstderr: {}", stderr(&out)));
        let value: Value = serde_json::from_str(&text).unwrap();
        assert!(
            value["error"].is_null(),
            "{}\n{}",
            value["error"],
            stderr(&out)
        );
        (value, stderr(&out))
    }
}

/// The file `tool` names on the test runner's PATH, symlinks resolved.
fn real_path(tool: &str) -> Option<PathBuf> {
    fs::canonicalize(common::which(tool)?).ok()
}

/// The interpreter itself, not a version manager's wrapper script in front
/// of it, which would not run in the sandbox.
fn real_python() -> PathBuf {
    let out = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .unwrap();
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

fn editor_ready(editor: &str) -> bool {
    have(editor) && have("python3")
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

// ---- appenv status --json ------------------------------------------------

fn status(app: &App, dir: &Path, env: &[(&str, &str)]) -> (Value, Output) {
    let out = app
        .appenv_in(dir)
        .envs(env.iter().copied())
        .args(["status", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "",
        "an editor drops stderr: all must be in the JSON"
    );
    let value: Value = serde_json::from_slice(&out.stdout).unwrap();
    (value, out)
}

#[test]
fn status_of_an_allowed_app_holds_only_what_the_app_sets() {
    let app = App::new(&[
        (".env", "A=1\nB=${A}2\nINHERITED=file\n"),
        (".venv/pyvenv.cfg", ""),
        (".venv/bin/python", ""),
        ("sub/", ""),
    ]);
    let (json, _) = status(
        &app,
        &app.root.join("sub"),
        &[("INHERITED", "caller"), ("PYTHONHOME", "/x")],
    );
    let root = app.root.display().to_string();
    assert_eq!(json["version"], 1);
    assert_eq!(json["root"], root.as_str());
    assert_eq!(json["trust"], "allowed");
    assert!(json["message"].is_null());
    assert!(json["environment"].is_null());
    let vars = json["vars"].as_object().unwrap();
    let mut names: Vec<&str> = vars.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["A", "APPENV_ROOT", "B", "PATH", "VIRTUAL_ENV"]);
    assert_eq!(vars["B"], "12");
    assert_eq!(
        vars["PATH"],
        format!("{root}/.venv/bin:/usr/local/bin:/usr/bin:/bin").as_str()
    );
    assert_eq!(json["unset"], serde_json::json!(["PYTHONHOME"]));
    let watch: Vec<&str> = json["watch"]
        .as_array()
        .unwrap()
        .iter()
        .map(str_of)
        .collect();
    for path in [
        format!("{root}/.env"),
        format!("{root}/appenv.toml"),
        format!("{root}/sub"),
        root.clone(),
    ] {
        assert!(watch.contains(&path.as_str()), "{path} not in {watch:?}");
    }
    assert!(
        watch
            .iter()
            .all(|p| p.starts_with('/') && !p.contains("{env}")),
        "{watch:?}"
    );
    assert_eq!(json["errors"], serde_json::json!([]));
}

/// An editor started from a shell where the hook loaded blog asks for
/// shop: the answer says what to take out (blog's values, its venv on
/// PATH, the hook's state), whatever the app asked about, none included.
#[test]
fn status_says_what_takes_out_a_load_the_caller_inherited() {
    let app = App::new(&[
        ("blog/.env", "BLOG_ONLY=blog\nSHARED=blog\n"),
        ("blog/.venv/pyvenv.cfg", ""),
        ("blog/.venv/bin/python", ""),
        ("shop/.env", "SHOP_ONLY=shop\n"),
        ("none/", ""),
    ]);
    let blog = app.root.join("blog");
    let export = app
        .appenv_in(&blog)
        .args(["export", "json"])
        .output()
        .unwrap();
    let export: Value = serde_json::from_slice(&export.stdout).unwrap();
    let loaded: Vec<(String, String)> = export
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), str_of(v).to_owned()))
        .collect();
    let venv_bin = format!("{}/.venv/bin:", blog.display());
    let path = str_of(&export["PATH"])
        .strip_prefix(&venv_bin)
        .unwrap()
        .to_owned();
    let mut env: Vec<(&str, &str)> = loaded
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    env.push(("SHARED", "mine"));
    for dir in ["shop", "none", "blog"] {
        let (json, _) = status(&app, &app.root.join(dir), &env);
        let revert = &json["revert"];
        let mut unset: Vec<&str> = revert["unset"]
            .as_array()
            .unwrap()
            .iter()
            .map(str_of)
            .collect();
        unset.sort_unstable();
        assert_eq!(
            unset,
            ["APPENV_ROOT", "APPENV_STATE", "BLOG_ONLY", "VIRTUAL_ENV"],
            "{dir}: {json}"
        );
        // The value before the load, and the user's own change kept.
        assert_eq!(revert["vars"]["PATH"], path.as_str(), "{dir}: {json}");
        assert!(revert["vars"].get("SHARED").is_none(), "{dir}: {json}");
    }
    // Outside any shell load: nothing to take out.
    let (json, _) = status(&app, &app.root.join("shop"), &[]);
    assert_eq!(json["revert"], serde_json::json!({"vars": {}, "unset": []}));
}

#[test]
fn status_is_the_same_inside_a_shell_that_loaded_the_app() {
    let app = App::new(&[
        (".env", "A=1\n"),
        ("appenv.toml", "[env.vars]\nC = \"x\"\n"),
    ]);
    let (clean, _) = status(&app, &app.root, &[]);
    // What the hook would have put into the shell: its export, applied.
    let export = app.appenv().args(["export", "json"]).output().unwrap();
    let export: Value = serde_json::from_slice(&export.stdout).unwrap();
    let loaded: Vec<(String, String)> = export
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), str_of(v).to_owned()))
        .collect();
    assert!(loaded.iter().any(|(k, _)| k == "A"), "{export}");
    let mut cmd = app.appenv();
    cmd.envs(loaded).args(["status", "--json"]);
    let out = cmd.output().unwrap();
    let mut hooked: Value = serde_json::from_slice(&out.stdout).unwrap();
    // Only what takes the shell's load out differs.
    assert!(
        hooked["revert"]["unset"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n == "A"),
        "{hooked}"
    );
    hooked["revert"] = clean["revert"].clone();
    assert_eq!(clean, hooked);
}

#[test]
fn status_of_an_app_not_allowed_or_changed_has_no_values() {
    let app = App::new(&[(".env", "SECRET=hunter2\n")]);
    let untrusted = [("APPENV_TRUSTED_DIRS", "")];
    let (json, out) = status(&app, &app.root, &untrusted);
    assert_eq!(json["trust"], "not_allowed");
    assert_eq!(json["vars"], serde_json::json!({}));
    assert!(str_of(&json["message"]).contains("is not allowed; run 'appenv allow'"));
    assert!(!stdout(&out).contains("hunter2"));

    let allow = app
        .appenv()
        .env("APPENV_TRUSTED_DIRS", "")
        .arg("allow")
        .output()
        .unwrap();
    assert!(allow.status.success(), "{}", stderr(&allow));
    let (json, _) = status(&app, &app.root, &untrusted);
    assert_eq!(json["trust"], "allowed");
    assert_eq!(json["vars"]["SECRET"], "hunter2");
    let store = app
        .tmp
        .path()
        .join("home/data/appenv/trust")
        .display()
        .to_string();
    assert!(
        json["watch"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == store.as_str())
    );

    app.write(".env", "SECRET=swordfish\n");
    let (json, out) = status(&app, &app.root, &untrusted);
    assert_eq!(json["trust"], "changed");
    assert_eq!(json["vars"], serde_json::json!({}));
    // What changed is named by file and variable, never by value.
    assert!(str_of(&json["message"]).contains("changed since it was allowed (.env: ~SECRET)"));
    assert!(!stdout(&out).contains("swordfish"), "{}", stdout(&out));
}

#[test]
fn status_reports_a_broken_file_with_its_line_and_exits_0() {
    let app = App::new(&[(".env", "A=1\nB=\"open\n")]);
    let (json, _) = status(&app, &app.root, &[]);
    assert_eq!(json["trust"], "error");
    assert_eq!(json["vars"], serde_json::json!({}));
    assert_eq!(json["message"], ".env:2: unterminated double quote");
    let file = app.root.join(".env").display().to_string();
    assert_eq!(
        json["errors"],
        serde_json::json!([{ "file": file, "line": 2, "message": "unterminated double quote" }])
    );

    app.write(".env", "");
    app.write("appenv.toml", "[env]\nfiles = 3\n");
    let (json, _) = status(&app, &app.root, &[]);
    assert_eq!(json["trust"], "error");
    let file = app.root.join("appenv.toml").display().to_string();
    assert_eq!(json["errors"][0]["file"], file.as_str());
    assert_eq!(json["errors"][0]["line"], 2);
}

#[test]
fn status_outside_any_app_and_of_a_missing_dir() {
    let app = App::new(&[]);
    let outside = app.tmp.path().join("outside");
    fs::create_dir_all(&outside).unwrap();
    let (json, _) = status(&app, &outside, &[]);
    assert!(json["root"].is_null());
    assert!(json["message"].is_null());
    assert_eq!(json["vars"], serde_json::json!({}));
    let watch = json["watch"].as_array().unwrap();
    assert_eq!(
        watch.first().unwrap(),
        outside.display().to_string().as_str()
    );
    assert_eq!(watch.last().unwrap(), "/");

    let out = app
        .appenv()
        .args(["-C", "/nonexistent/dir", "status", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["trust"], "error");
    assert!(str_of(&json["message"]).contains("not a directory"));
}

#[test]
fn status_of_an_app_that_sets_nothing_asks_for_no_trust() {
    let app = App::new(&[("Cargo.toml", "[package]\n")]);
    let (json, _) = status(&app, &app.root, &[("APPENV_TRUSTED_DIRS", "")]);
    assert_eq!(json["trust"], "not_allowed");
    assert!(json["message"].is_null(), "{json}");
}

#[test]
fn status_escapes_hostile_values_and_sanitises_messages() {
    let app = App::new(&[(".env", "Q='\"}\\n$(x)`y`'\nB=\x1b[2J\n")]);
    let (json, _) = status(&app, &app.root, &[]);
    assert_eq!(json["vars"]["Q"], "\"}\\n$(x)`y`");
    assert_eq!(json["vars"]["B"], "\x1b[2J");
    app.write(".env", "\x1b[31mBAD LINE\n");
    let (json, out) = status(&app, &app.root, &[]);
    assert_eq!(json["trust"], "error");
    assert!(
        !stdout(&out).contains('\x1b') && !stdout(&out).contains("\\u001b"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn status_without_json_names_no_values() {
    let app = App::new(&[(".env", "SECRET=hunter2\n")]);
    let out = app.appenv().arg("status").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.contains("trust        allowed") && text.contains("SECRET"),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
}

#[test]
fn status_follows_the_environment_asked_for() {
    let app = App::new(&[(".env", "A=base\n"), (".env.test", "A=test\n")]);
    let out = app
        .appenv()
        .args(["-e", "test", "status", "--json"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["environment"], "test");
    assert_eq!(json["vars"]["A"], "test");
    assert_eq!(json["vars"]["APPENV_ENV"], "test");
    let test_file = app.root.join(".env.test").display().to_string();
    assert!(
        json["watch"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == test_file.as_str())
    );
}

#[test]
fn status_says_when_trust_cannot_be_checked() {
    let app = App::new(&[(".env", "A=1\n")]);
    let out = app
        .appenv()
        .env_remove("HOME")
        .env_remove("XDG_DATA_HOME")
        .env("APPENV_TRUSTED_DIRS", "")
        .args(["status", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["trust"], "error");
    assert_eq!(json["vars"], serde_json::json!({}));
    assert!(
        str_of(&json["message"]).contains("cannot locate the trust store"),
        "{json}"
    );
}

// ---- Neovim --------------------------------------------------------------

/// Shell lines that change the app's `.env` while putting its time back
/// exactly: a rewrite of the same size, then another file of the same size
/// and time moved over it; and the value each leaves.
fn time_kept_attacks(sb: &EditorApp) -> [(String, &'static str); 2] {
    let env = sb.file(".env");
    let saved = sb.app.tmp.path().join("saved").display().to_string();
    [
        (
            format!(
                "/usr/bin/touch -r '{env}' '{saved}' && \
                 printf 'FROM_DOTENV=dotenv-VALUE\\n' > '{env}' && \
                 /usr/bin/touch -r '{saved}' '{env}'"
            ),
            "dotenv-VALUE",
        ),
        (
            format!(
                "printf 'FROM_DOTENV=dotenv-moved\\n' > '{saved}' && \
                 /usr/bin/touch -r '{env}' '{saved}' && /bin/mv '{saved}' '{env}'"
            ),
            "dotenv-moved",
        ),
    ]
}

// ---- Vim -----------------------------------------------------------------

/// `:messages` as lines, without Vim's own ("file" 0L, 0B).
fn vim_messages(r: &Value) -> Vec<String> {
    str_of(&r["messages"])
        .lines()
        .filter(|l| l.starts_with("appenv"))
        .map(String::from)
        .collect()
}

// ---- Emacs ---------------------------------------------------------------

/// Debian's eglot package, outside `emacs -Q`'s load path.
const EGLOT_PACKAGES: &str = "/usr/share/emacs/site-lisp/elpa";

/// True when Debian's `elpa-eglot` loads; required in CI, like a tool.
fn have_eglot(sb: &EditorApp) -> bool {
    let lisp = format!(
        "(progn (setq package-directory-list (list {EGLOT_PACKAGES:?})) (package-initialize) (require 'eglot))"
    );
    let found = sb
        .run("emacs", &["--batch", "-Q", "--eval", &lisp])
        .status
        .success();
    common::require_that(found, "eglot (Debian's elpa-eglot) does not load")
}

/// Tests that take seconds each (a real terminal, editor, package manager or
/// container, hundreds of generated cases, a race run for a minute): the inner
/// loop leaves them out with `--skip slow::`, CI runs them.
mod slow {
    use super::*;

    #[test]
    fn nvim_buffer_of_an_app_gets_its_environment_and_others_do_not() {
        if !editor_ready("nvim") {
            return;
        }
        let sb = EditorApp::new(true).with_venv();
        let lsp_out = sb.app.tmp.path().join("lsp.env").display().to_string();
        let script = format!(
            r#"
        R.dotenv = vim.env.FROM_DOTENV
        R.virtual_env = vim.env.VIRTUAL_ENV
        R.prefix = job({{ 'python3', '-c', 'import sys; print(sys.prefix)' }})
        R.job_dotenv = job({{ 'sh', '-c', 'echo "$FROM_DOTENV"' }})
        vim.cmd('split | terminal sh -c "echo term:$FROM_DOTENV; sleep 30"')
        R.term = wait(function()
          return table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n'):find('term:dotenv') ~= nil
        end)
        vim.cmd('bwipeout!')
        -- What a language server started for the buffer gets.
        vim.lsp.start_client({{ name = 'fake', root_dir = {root:?},
          cmd = {{ 'sh', '-c', 'echo "$FROM_DOTENV $VIRTUAL_ENV" > {lsp}; cat > /dev/null' }} }})
        wait(function() return vim.loop.fs_stat({lsp:?}) ~= nil and vim.loop.fs_stat({lsp:?}).size > 0 end)
        R.lsp = vim.fn.readfile({lsp:?})[1]
        local path_in_app = vim.env.PATH
        vim.cmd('edit {outside}')
        settle()
        R.outside_dotenv = vim.env.FROM_DOTENV
        R.outside_virtual_env = vim.env.VIRTUAL_ENV
        R.outside_path = vim.env.PATH
        R.outside_prefix = job({{ 'python3', '-c', 'import sys; print(sys.prefix)' }})
        R.outside_job = job({{ 'sh', '-c', 'echo "[$FROM_DOTENV]"' }})
        vim.cmd('buffer main.py')
        settle()
        R.back_dotenv = vim.env.FROM_DOTENV
        R.back_path_same = vim.env.PATH == path_in_app
        -- A file of the app opened from a buffer outside it: by FileType,
        -- where language servers start, the environment is in place.
        vim.cmd('edit {outside}')
        settle()
        FILETYPE_ENV = ''
        vim.fn.writefile({{ 'x = 1' }}, {other:?})
        vim.cmd('edit {other}')
        R.filetype_env = FILETYPE_ENV
        "#,
            root = sb.app.root.display().to_string(),
            lsp = lsp_out,
            outside = sb.outside.join("notes.txt").display(),
            other = sb.file("src/other.py"),
        );
        let (r, out) = sb.nvim(&sb.file("src/main.py"), &script);
        let venv = sb.venv();
        assert_eq!(r["dotenv"], "dotenv-value", "{r}");
        assert_eq!(r["virtual_env"], venv.as_str());
        assert_eq!(r["prefix"], venv.as_str());
        assert_eq!(r["job_dotenv"], "dotenv-value");
        assert_eq!(r["term"], true, "the terminal never printed the value");
        assert_eq!(r["lsp"], format!("dotenv-value {venv}").as_str());
        assert!(r["outside_dotenv"].is_null(), "{r}");
        assert!(r["outside_virtual_env"].is_null(), "{r}");
        assert_eq!(r["outside_path"], sb.bin.display().to_string().as_str());
        assert_ne!(r["outside_prefix"], venv.as_str());
        assert_eq!(r["outside_job"], "[]");
        assert_eq!(r["back_dotenv"], "dotenv-value");
        assert_eq!(r["back_path_same"], true);
        assert_eq!(r["filetype_env"], "python=dotenv-value;", "{r}");
        assert_eq!(r["notices"], serde_json::json!([]), "{}", stderr(&out));
        assert!(!stderr(&out).contains("Error"), "{}", stderr(&out));
    }

    #[test]
    fn nvim_unnamed_buffer_follows_the_working_directory() {
        if !editor_ready("nvim") {
            return;
        }
        let sb = EditorApp::new(true);
        let script = format!(
            r#"
        R.start = vim.env.FROM_DOTENV
        vim.cmd('cd {root}')
        settle()
        R.cd_app = vim.env.FROM_DOTENV
        vim.cmd('new')
        settle()
        R.new_buffer = vim.env.FROM_DOTENV
        vim.cmd('cd /')
        settle()
        R.cd_root = vim.env.FROM_DOTENV
        "#,
            root = sb.app.root.display(),
        );
        let (r, _) = sb.nvim("", &script);
        assert!(r["start"].is_null(), "{r}");
        assert_eq!(r["cd_app"], "dotenv-value", "{r}");
        assert_eq!(r["new_buffer"], "dotenv-value", "{r}");
        assert!(r["cd_root"].is_null(), "{r}");
    }

    #[test]
    fn nvim_not_allowed_app_says_so_once_and_loads_nothing_until_allowed() {
        if !editor_ready("nvim") {
            return;
        }
        let sb = EditorApp::new(false);
        let script = format!(
            r#"
        R.before = vim.env.FROM_DOTENV
        vim.cmd('edit {outside}')
        settle()
        vim.cmd('buffer main.py')
        settle()
        vim.cmd('edit {env}')
        -- Messages are said once the event is over.
        wait(function() return #NOTICES > 0 end)
        vim.wait(100)
        R.notices_before_allow = vim.deepcopy(NOTICES)
        vim.cmd('buffer main.py')
        settle()
        vim.cmd('AppenvAllow')
        settle()
        R.after_allow = vim.env.FROM_DOTENV
        vim.cmd('AppenvStatus')
        -- A change since the allow unloads it again, and says why.
        vim.fn.writefile({{ 'FROM_DOTENV=other' }}, {env:?})
        wait(function() return vim.env.FROM_DOTENV == nil end)
        R.after_change = vim.env.FROM_DOTENV
        "#,
            outside = sb.outside.join("notes.txt").display(),
            env = sb.file(".env"),
        );
        let (r, _) = sb.nvim(&sb.file("src/main.py"), &script);
        assert!(r["before"].is_null(), "{r}");
        let before: Vec<&str> = r["notices_before_allow"]
            .as_array()
            .unwrap()
            .iter()
            .map(str_of)
            .collect();
        let root = sb.app.root.display().to_string();
        assert_eq!(
            before,
            [format!("appenv: {root} is not allowed; run 'appenv allow'")],
            "{r}"
        );
        assert_eq!(r["after_allow"], "dotenv-value", "{r}");
        let notices: Vec<&str> = r["notices"]
            .as_array()
            .unwrap()
            .iter()
            .map(str_of)
            .collect();
        assert!(
            notices.iter().any(|n| n.contains("trust        allowed")),
            "{notices:?}"
        );
        assert!(
            !notices.iter().any(|n| n.contains("dotenv-value")),
            "a value was shown: {notices:?}"
        );
        assert!(r["after_change"].is_null(), "{r}");
        assert!(
            notices
                .last()
                .unwrap()
                .contains("changed since it was allowed (.env: ~FROM_DOTENV)"),
            "{notices:?}"
        );
    }

    #[test]
    fn nvim_writing_or_changing_the_watched_env_reloads() {
        if !editor_ready("nvim") {
            return;
        }
        let sb = EditorApp::new(true);
        let script = format!(
            r#"
        R.first = vim.env.FROM_DOTENV
        vim.cmd('edit {env}')
        vim.api.nvim_buf_set_lines(0, 0, -1, false, {{ 'FROM_DOTENV=written' }})
        vim.cmd('write')
        settle()
        R.after_write = vim.env.FROM_DOTENV
        vim.cmd('buffer main.py')
        settle()
        R.back = vim.env.FROM_DOTENV
        -- Changed by another program: seen without any event in Neovim.
        -- A different size: two writes within one clock tick can share an mtime.
        vim.fn.writefile({{ 'FROM_DOTENV=changed-on-disk' }}, {env:?})
        R.on_disk = wait(function() return vim.env.FROM_DOTENV == 'changed-on-disk' end)
        vim.fn.writefile({{ 'FROM_DOTENV="open' }}, {env:?})
        R.broken = wait(function() return vim.env.FROM_DOTENV == nil end)
        "#,
            env = sb.file(".env"),
        );
        let (r, _) = sb.nvim(&sb.file("src/main.py"), &script);
        assert_eq!(r["first"], "dotenv-value", "{r}");
        assert_eq!(r["after_write"], "written", "{r}");
        assert_eq!(r["back"], "written", "{r}");
        assert_eq!(r["on_disk"], true, "{r}");
        assert_eq!(r["broken"], true, "{r}");
        assert_eq!(
            r["notices"],
            serde_json::json!(["appenv: .env:1: unterminated double quote"]),
            "{r}"
        );
    }

    #[test]
    fn nvim_sees_a_change_whose_time_is_put_back() {
        if !editor_ready("nvim") {
            return;
        }
        let sb = EditorApp::new(true);
        let [(rewrite, rewritten), (local, from_local)] = time_kept_attacks(&sb);
        let script = format!(
            r#"
        R.first = vim.env.FROM_DOTENV
        vim.fn.system({{ '/bin/sh', '-c', {rewrite:?} }})
        R.rewritten = wait(function() return vim.env.FROM_DOTENV == {rewritten:?} end)
        vim.fn.system({{ '/bin/sh', '-c', {local:?} }})
        R.local_file = wait(function() return vim.env.FROM_DOTENV == {from_local:?} end)
        R.last = vim.env.FROM_DOTENV
        "#,
        );
        let (r, _) = sb.nvim(&sb.file("src/main.py"), &script);
        assert_eq!(r["first"], "dotenv-value", "{r}");
        assert_eq!(r["rewritten"], true, "{r}");
        assert_eq!(r["local_file"], true, "{r}");
    }

    /// An appenv that takes three seconds to answer for one app (a wrapper
    /// that sleeps, then runs the real one): opening a file of it returns at
    /// once, the environment comes when the answer does, and an answer that a
    /// later buffer of another app superseded is never applied.
    #[test]
    fn nvim_does_not_wait_for_a_slow_appenv_nor_apply_a_superseded_answer() {
        if !editor_ready("nvim") {
            return;
        }
        let sb = EditorApp::new(true);
        let slow = sb.other_app("slow", "SLOW_ONLY=slow\n", false);
        fs::write(slow.join("a.txt"), "").unwrap();
        let wrapper = sb.app.tmp.path().join("slow-appenv");
        common::write_executable(
            &wrapper,
            &format!(
                "#!/bin/sh\ncase \"$*\" in *{slow}*) /bin/sleep 3 ;; esac\nexec {appenv:?} \"$@\"\n",
                slow = slow.display(),
                appenv = assert_cmd::cargo::cargo_bin("appenv"),
            ),
        );
        sb.link("appenv", &wrapper);
        let script = format!(
            r#"
        R.first = vim.env.FROM_DOTENV
        local t0 = vim.loop.hrtime()
        vim.cmd('edit {slow_file}')
        R.edit_ms = (vim.loop.hrtime() - t0) / 1e6
        R.busy = require('appenv').busy()
        R.before_answer = {{ vim.env.SLOW_ONLY or false, vim.env.FROM_DOTENV or false }}
        R.answered = wait(function() return vim.env.SLOW_ONLY ~= nil end)
        R.answer_ms = (vim.loop.hrtime() - t0) / 1e6
        R.slow = vim.env.SLOW_ONLY
        -- Asked again after a change, then left for a buffer of no app
        -- before the answer: the late answer stays out.
        vim.fn.writefile({{ 'SLOW_ONLY=late' }}, {slow_env:?})
        vim.cmd('AppenvReload')
        t0 = vim.loop.hrtime()
        vim.cmd('edit {outside}')
        R.outside_ms = (vim.loop.hrtime() - t0) / 1e6
        settle()
        R.after_late = {{ vim.env.SLOW_ONLY or false, vim.env.FROM_DOTENV or false }}
        vim.cmd('buffer a.txt')
        settle()
        R.back = vim.env.SLOW_ONLY
        "#,
            slow_file = slow.join("a.txt").display(),
            slow_env = slow.join(".env").display(),
            outside = sb.outside.join("notes.txt").display(),
        );
        let (r, out) = sb.nvim(&sb.file("src/main.py"), &script);
        assert_eq!(r["first"], "dotenv-value", "{r}");
        let edit_ms = r["edit_ms"].as_f64().unwrap();
        assert!(
            edit_ms < 2000.0,
            "opening the file waited {edit_ms} ms: {r}"
        );
        assert_eq!(r["busy"], true, "{r}");
        // Until the answer, what was loaded stays.
        assert_eq!(
            r["before_answer"],
            serde_json::json!([false, "dotenv-value"]),
            "{r}"
        );
        assert_eq!(r["answered"], true, "{r}");
        assert!(r["answer_ms"].as_f64().unwrap() >= 3000.0, "{r}");
        assert_eq!(r["slow"], "slow", "{r}");
        assert!(r["outside_ms"].as_f64().unwrap() < 2000.0, "{r}");
        assert_eq!(r["after_late"], serde_json::json!([false, false]), "{r}");
        assert_eq!(r["back"], "late", "{r}");
        assert_eq!(r["notices"], serde_json::json!([]), "{}", stderr(&out));
    }

    /// `cd blog` in a shell with the hook, `nvim manage.py`, then `:e
    /// ../shop/Gemfile`: the shop buffer has shop's values and none of blog's,
    /// and neither has a buffer of no app; back in blog, blog's are there.
    #[test]
    fn nvim_started_from_a_loaded_shell_never_mixes_apps() {
        if !editor_ready("nvim") {
            return;
        }
        let mut sb = EditorApp::new(true);
        let blog = sb.other_app("blog", "BLOG_ONLY=blog\n", true);
        let shop = sb.other_app("shop", "SHOP_ONLY=shop\n", false);
        fs::write(blog.join("manage.py"), "").unwrap();
        fs::write(shop.join("Gemfile"), "").unwrap();
        sb.loaded_from(&blog);
        let script = format!(
            r#"
        R.blog = {{ vim.env.BLOG_ONLY, vim.env.VIRTUAL_ENV, vim.env.PATH }}
        vim.cmd('edit {gemfile}')
        settle()
        R.shop = {{ vim.env.BLOG_ONLY or false, vim.env.VIRTUAL_ENV or false, vim.env.PATH,
                    vim.env.SHOP_ONLY, vim.env.APPENV_STATE or false }}
        R.shop_job = job({{ 'sh', '-c', 'echo "[$BLOG_ONLY][$VIRTUAL_ENV][$SHOP_ONLY]"' }})
        vim.cmd('edit {outside}')
        settle()
        R.outside = {{ vim.env.BLOG_ONLY or false, vim.env.PATH }}
        vim.cmd('buffer manage.py')
        settle()
        R.back = {{ vim.env.BLOG_ONLY, vim.env.SHOP_ONLY or false }}
        "#,
            gemfile = shop.join("Gemfile").display(),
            outside = sb.outside.join("notes.txt").display(),
        );
        let (r, out) = sb.nvim(&blog.join("manage.py").display().to_string(), &script);
        let bin = sb.bin.display().to_string();
        let venv = blog.join(".venv").display().to_string();
        assert_eq!(
            r["blog"],
            serde_json::json!(["blog", venv, format!("{venv}/bin:{bin}")]),
            "{r}"
        );
        assert_eq!(
            r["shop"],
            serde_json::json!([false, false, bin, "shop", false]),
            "{r}"
        );
        assert_eq!(r["shop_job"], "[][][shop]", "{r}");
        assert_eq!(r["outside"], serde_json::json!([false, bin]), "{r}");
        assert_eq!(r["back"], serde_json::json!(["blog", false]), "{r}");
        assert_eq!(r["notices"], serde_json::json!([]), "{}", stderr(&out));
    }

    /// In a real terminal, `:w` of an allowed app's `.env` says once that it
    /// changed, in the line where Neovim said "written", with no Enter asked.
    #[test]
    fn nvim_writing_the_env_of_an_allowed_app_says_one_line() {
        if !editor_ready("nvim") || !have("tmux") {
            return;
        }
        let sb = EditorApp::new(false);
        sb.link("tmux", &real_path("tmux").unwrap());
        let allow = sb
            .env()
            .command(assert_cmd::cargo::cargo_bin("appenv"))
            .args(["allow"])
            .current_dir(&sb.app.root)
            .output()
            .unwrap();
        assert!(allow.status.success(), "{}", stderr(&allow));
        let init = sb.app.tmp.path().join("init.lua");
        fs::write(
            &init,
            format!(
                "vim.opt.rtp:prepend({:?})\n",
                repo("editors/nvim").display().to_string()
            ),
        )
        .unwrap();
        let env = sb.env().set("TERM", "xterm").env();
        let init = init.display().to_string();
        let term = tmux::Tmux::start(
            sb.app.tmp.path(),
            &sb.app.root,
            &env,
            &[
                real_path("nvim").unwrap().to_str().unwrap(),
                "-u",
                &init,
                "-i",
                "NONE",
                "-n",
                ".env",
            ],
        );
        term.wait_for("FROM_DOTENV");
        term.type_text("ccFROM_DOTENV=edited");
        term.press(&["Escape"]);
        term.type_text(":w");
        term.press(&["Enter"]);
        let screen = term.wait_for("changed since it was allowed");
        // Whatever comes later must not turn it into a prompt.
        std::thread::sleep(Duration::from_millis(500));
        let screen = format!("{screen}\n{}", term.screen());
        assert!(!screen.contains("Press ENTER"), "{screen}");
        assert_eq!(
            screen.matches("changed since it was allowed").count(),
            2,
            "{screen}"
        );
    }

    /// The Pyright recipe of docs/editors.md, for an app whose path holds a
    /// space: `appenv which python` is the interpreter's path as it is.
    #[test]
    fn nvim_pyright_recipe_takes_an_app_path_with_a_space() {
        if !editor_ready("nvim") {
            return;
        }
        let sb = EditorApp::new(true);
        let root = sb.other_app("my shop", "SHOP_ONLY=shop\n", true);
        let script = format!(
            r#"
        local root_dir = {root:?}
        R.python = vim.trim(vim.fn.system({{ 'appenv', '-C', root_dir, 'which', 'python' }}))
        R.executable = vim.fn.executable(R.python)
        R.prefix = vim.trim(vim.fn.system({{ R.python, '-c', 'import sys; print(sys.prefix)' }}))
        "#,
            root = root.display().to_string(),
        );
        let (r, _) = sb.nvim("", &script);
        let venv = root.join(".venv");
        assert_eq!(
            r["python"],
            venv.join("bin/python").display().to_string().as_str(),
            "{r}"
        );
        assert_eq!(r["executable"], 1, "{r}");
        assert_eq!(r["prefix"], venv.display().to_string().as_str(), "{r}");
    }

    #[test]
    fn vim_buffer_of_an_app_gets_its_environment_and_others_do_not() {
        if !editor_ready("vim") {
            return;
        }
        let sb = EditorApp::new(true).with_venv();
        let tmp = sb.app.tmp.path();
        let script = format!(
            r#"
        call Settle()
        let R.dotenv = $FROM_DOTENV
        let R.virtual_env = $VIRTUAL_ENV
        let R.system = trim(system('python3 -c "import sys; print(sys.prefix)"'))
        silent !sh -c 'echo "bang:$FROM_DOTENV" > {bang}'
        let R.bang = readfile({bang:?})
        call term_start(['sh', '-c', 'echo "term:$FROM_DOTENV" > {term}'])
        call Wait({{-> filereadable({term:?}) && !empty(readfile({term:?}))}})
        let R.term = readfile({term:?})
        let R.job = []
        call job_start(['sh', '-c', 'echo "job:$FROM_DOTENV"'], {{'out_cb': {{ch, msg -> add(g:R.job, msg)}}}})
        call Wait({{-> !empty(g:R.job)}})
        let path_in_app = $PATH
        edit {outside}
        call Wait({{-> !appenv#busy() && getenv('FROM_DOTENV') is v:null}})
        let R.outside = [getenv('FROM_DOTENV'), getenv('VIRTUAL_ENV'), $PATH]
        let R.outside_system = trim(system('echo "[$FROM_DOTENV]"'))
        buffer main.py
        let R.back = [$FROM_DOTENV, $PATH ==# path_in_app]
        "#,
            bang = tmp.join("bang.txt").display(),
            term = tmp.join("term.txt").display(),
            outside = sb.outside.join("notes.txt").display(),
        );
        let r = sb.vim(&sb.file("src/main.py"), &script);
        let venv = sb.venv();
        assert_eq!(r["dotenv"], "dotenv-value", "{r}");
        assert_eq!(r["virtual_env"], venv.as_str(), "{r}");
        assert_eq!(r["system"], venv.as_str(), "{r}");
        assert_eq!(r["bang"], serde_json::json!(["bang:dotenv-value"]), "{r}");
        assert_eq!(r["term"], serde_json::json!(["term:dotenv-value"]), "{r}");
        assert_eq!(r["job"], serde_json::json!(["job:dotenv-value"]), "{r}");
        let bin = sb.bin.display().to_string();
        assert_eq!(r["outside"], serde_json::json!([null, null, bin]), "{r}");
        assert_eq!(r["outside_system"], "[]", "{r}");
        assert_eq!(r["back"], serde_json::json!(["dotenv-value", 1]), "{r}");
        assert_eq!(vim_messages(&r), Vec::<String>::new(), "{r}");
    }

    #[test]
    fn vim_not_allowed_app_says_so_once_and_loads_nothing_until_allowed() {
        if !editor_ready("vim") {
            return;
        }
        let sb = EditorApp::new(false);
        let script = format!(
            r#"
        call Settle()
        let R.before = getenv('FROM_DOTENV')
        edit {outside}
        call Settle()
        buffer main.py
        call Settle()
        edit {env}
        call Settle()
        let R.messages_before_allow = execute('messages')
        buffer main.py
        AppenvAllow
        call Wait({{-> getenv('FROM_DOTENV') isnot v:null}})
        let R.after_allow = $FROM_DOTENV
        let R.status = appenv#describe()
        " A change since the allow unloads it again, and says why.
        call writefile(['FROM_DOTENV=other-value'], {env:?})
        call Wait({{-> getenv('FROM_DOTENV') is v:null}})
        let R.after_change = getenv('FROM_DOTENV')
        "#,
            outside = sb.outside.join("notes.txt").display(),
            env = sb.file(".env"),
        );
        let r = sb.vim(&sb.file("src/main.py"), &script);
        let root = sb.app.root.display().to_string();
        assert!(r["before"].is_null(), "{r}");
        let before: Vec<&str> = str_of(&r["messages_before_allow"])
            .lines()
            .filter(|l| l.starts_with("appenv"))
            .collect();
        assert_eq!(
            before,
            [format!("appenv: {root} is not allowed; run 'appenv allow'")],
            "{r}"
        );
        assert_eq!(r["after_allow"], "dotenv-value", "{r}");
        assert!(str_of(&r["status"]).contains("trust        allowed"), "{r}");
        assert!(!str_of(&r["status"]).contains("dotenv-value"), "{r}");
        assert!(r["after_change"].is_null(), "{r}");
        let messages = vim_messages(&r);
        assert!(
            messages
                .last()
                .unwrap()
                .contains("changed since it was allowed (.env: ~FROM_DOTENV)"),
            "{messages:?}"
        );
        assert!(!str_of(&r["messages"]).contains("other-value"), "{r}");
    }

    /// `cd blog` with the hook loaded, `vim manage.py`, `:e ../shop/Gemfile`:
    /// shop's values and none of blog's, nor blog's venv on PATH.
    #[test]
    fn vim_started_from_a_loaded_shell_never_mixes_apps() {
        if !editor_ready("vim") {
            return;
        }
        let mut sb = EditorApp::new(true);
        let blog = sb.other_app("blog", "BLOG_ONLY=blog\n", true);
        let shop = sb.other_app("shop", "SHOP_ONLY=shop\n", false);
        fs::write(blog.join("manage.py"), "").unwrap();
        fs::write(shop.join("Gemfile"), "").unwrap();
        sb.loaded_from(&blog);
        let script = format!(
            r#"
        call Settle()
        let R.blog = [$BLOG_ONLY, $VIRTUAL_ENV]
        edit {gemfile}
        call Wait({{-> !appenv#busy() && getenv('SHOP_ONLY') isnot v:null}})
        let R.shop = [getenv('BLOG_ONLY'), getenv('VIRTUAL_ENV'), $SHOP_ONLY, $PATH, getenv('APPENV_STATE')]
        let R.shop_system = trim(system('echo "[$BLOG_ONLY][$VIRTUAL_ENV][$SHOP_ONLY]"'))
        edit {outside}
        call Wait({{-> !appenv#busy() && getenv('SHOP_ONLY') is v:null}})
        let R.outside = [getenv('BLOG_ONLY'), $PATH]
        edit {manage}
        let R.back = $BLOG_ONLY
        "#,
            gemfile = shop.join("Gemfile").display(),
            outside = sb.outside.join("notes.txt").display(),
            manage = blog.join("manage.py").display(),
        );
        let r = sb.vim(&blog.join("manage.py").display().to_string(), &script);
        let bin = sb.bin.display().to_string();
        let venv = blog.join(".venv").display().to_string();
        assert_eq!(r["blog"], serde_json::json!(["blog", venv]), "{r}");
        assert_eq!(
            r["shop"],
            serde_json::json!([null, null, "shop", bin, null]),
            "{r}"
        );
        assert_eq!(r["shop_system"], "[][][shop]", "{r}");
        assert_eq!(r["outside"], serde_json::json!([null, bin]), "{r}");
        assert_eq!(r["back"], "blog", "{r}");
        assert_eq!(vim_messages(&r), Vec::<String>::new(), "{r}");
    }

    #[test]
    fn vim_writing_or_changing_the_watched_env_reloads() {
        if !editor_ready("vim") {
            return;
        }
        let sb = EditorApp::new(true);
        let script = format!(
            r#"
        call Settle()
        let R.first = $FROM_DOTENV
        edit {env}
        call setline(1, 'FROM_DOTENV=written')
        write
        call Wait({{-> $FROM_DOTENV ==# 'written'}})
        let R.after_write = $FROM_DOTENV
        " Changed by another program: seen by the poll (a new size: Vim
        " knows file times to the second only).
        call writefile(['FROM_DOTENV=changed-on-disk'], {env:?})
        let R.on_disk = Wait({{-> $FROM_DOTENV ==# 'changed-on-disk'}})
        call writefile(['FROM_DOTENV="open'], {env:?})
        let R.broken = Wait({{-> getenv('FROM_DOTENV') is v:null}})
        "#,
            env = sb.file(".env"),
        );
        let r = sb.vim(&sb.file("src/main.py"), &script);
        assert_eq!(r["first"], "dotenv-value", "{r}");
        assert_eq!(r["after_write"], "written", "{r}");
        assert_eq!(r["on_disk"], 1, "{r}");
        assert_eq!(r["broken"], 1, "{r}");
        assert_eq!(
            vim_messages(&r),
            ["appenv: .env:1: unterminated double quote"],
            "{r}"
        );
    }

    #[test]
    fn vim_sees_a_change_whose_time_is_put_back() {
        if !editor_ready("vim") {
            return;
        }
        let sb = EditorApp::new(true);
        let [(rewrite, rewritten), (local, from_local)] = time_kept_attacks(&sb);
        let script = format!(
            r#"
        call Settle()
        let R.first = $FROM_DOTENV
        call system({rewrite:?})
        let R.rewritten = Wait({{-> $FROM_DOTENV ==# {rewritten:?}}})
        call system({local:?})
        let R.local_file = Wait({{-> $FROM_DOTENV ==# {from_local:?}}})
        "#,
        );
        let r = sb.vim(&sb.file("src/main.py"), &script);
        assert_eq!(r["first"], "dotenv-value", "{r}");
        assert_eq!(r["rewritten"], 1, "{r}");
        assert_eq!(r["local_file"], 1, "{r}");
    }

    #[test]
    fn emacs_package_byte_compiles_without_warnings() {
        if !have("emacs") {
            return;
        }
        let sb = EditorApp::new(true);
        let copy = sb.app.tmp.path().join("appenv.el");
        fs::copy(repo("editors/emacs/appenv.el"), &copy).unwrap();
        let copy = copy.display().to_string();
        let out = sb.run(
            "emacs",
            &[
                "--batch",
                "-Q",
                "--eval",
                "(setq byte-compile-error-on-warn t)",
                "-f",
                "batch-byte-compile",
                &copy,
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(stderr(&out), "");
    }

    #[test]
    fn emacs_buffer_of_an_app_gets_its_environment_and_others_do_not() {
        if !editor_ready("emacs") {
            return;
        }
        let sb = EditorApp::new(true).with_venv();
        let lisp = format!(
            r#"
        ;; What a server started at once from the mode hook would get
        ;; (lsp-mode's `lsp' in python-mode-hook).
        (add-hook 'python-mode-hook
                  (lambda () (test-put "mode_hook" (getenv "FROM_DOTENV"))))
        (with-current-buffer (find-file-noselect {main:?})
          (test-put "mode" appenv-mode)
          (test-put "lighter" (format "%S" (appenv--lighter)))
          (test-put "getenv" (getenv "FROM_DOTENV"))
          (test-put "python" (executable-find "python3"))
          (test-put "prefix" (string-trim (shell-command-to-string "python3 -c 'import sys; print(sys.prefix)'")))
          (test-put "sctos" (string-trim (shell-command-to-string "echo \"$FROM_DOTENV\"")))
          (shell-command "echo \"sync:$FROM_DOTENV\"")
          (test-put "shell_command" (with-current-buffer "*Shell Command Output*" (string-trim (buffer-string))))
          (async-shell-command "echo \"async:$FROM_DOTENV\"")
          (test-put "async" (wait-for (lambda () (with-current-buffer "*Async Shell Command*"
                                              (string-match-p "async:dotenv-value" (buffer-string))))))
          (compile "echo \"compile:$FROM_DOTENV\"")
          (test-put "compile" (wait-for (lambda () (with-current-buffer "*compilation*"
                                                (string-match-p "compile:dotenv-value" (buffer-string))))))
          ;; A server started the way eglot and lsp-mode start theirs.
          (let ((proc (make-process :name "server" :buffer (get-buffer-create " *server*")
                                    :command (list "sh" "-c" "echo \"$FROM_DOTENV $VIRTUAL_ENV\""))))
            (wait-for (lambda () (and (not (process-live-p proc))
                                      (with-current-buffer " *server*" (string-match-p "\n" (buffer-string))))))
            (test-put "server" (with-current-buffer " *server*"
                            (car (split-string (buffer-string) "\n")))))
          ;; An output buffer of another directory of the app turns the mode
          ;; on while this buffer's environment is lent: what it caches must
          ;; still come from Emacs's own environment.
          (let ((default-directory (file-name-as-directory {root:?})))
            (compilation-start "true" nil (lambda (_) "*root-compilation*")))
          (with-current-buffer (find-file-noselect {env:?})
            (test-put "root_buffer" (getenv "FROM_DOTENV")))
          (test-put "process_lines" (car (process-lines "sh" "-c" "echo \"$FROM_DOTENV\"")))
          (let ((buf (shell)))
            (comint-send-string (get-buffer-process buf) "echo \"shell:$FROM_DOTENV\"\n")
            (test-put "shell" (wait-for (lambda () (with-current-buffer buf
                                                (string-match-p "shell:dotenv-value" (buffer-string)))))))
          (run-python nil nil nil)
          (let ((buf (process-buffer (python-shell-get-process))))
            (wait-for (lambda () (with-current-buffer buf (string-match-p ">>> " (buffer-string)))))
            (python-shell-send-string "import sys; print('prefix=' + sys.prefix)")
            (test-put "repl" (wait-for (lambda () (with-current-buffer buf
                                               (string-match-p (regexp-quote (concat "prefix=" {venv:?}))
                                                               (buffer-string))))))))
        (with-current-buffer (find-file-noselect {outside:?})
          (test-put "outside_getenv" (getenv "FROM_DOTENV"))
          (test-put "outside_sctos" (string-trim (shell-command-to-string "echo \"[$FROM_DOTENV]\"")))
          (test-put "outside_local" (local-variable-p 'process-environment))
          (test-put "outside_lighter" (format "%S" (appenv--lighter))))
        "#,
            main = sb.file("src/main.py"),
            venv = sb.venv(),
            root = sb.app.root.display().to_string(),
            env = sb.file(".env"),
            outside = sb.outside.join("notes.txt").display().to_string(),
        );
        let (r, err) = sb.emacs(&lisp);
        let venv = sb.venv();
        assert_eq!(r["mode"], true, "{r}");
        assert_eq!(r["mode_hook"], "dotenv-value", "{r}");
        assert_eq!(r["lighter"], LIGHTER_ON);
        assert_eq!(r["getenv"], "dotenv-value");
        assert_eq!(r["python"], format!("{venv}/bin/python3").as_str());
        assert_eq!(r["prefix"], venv.as_str());
        assert_eq!(r["sctos"], "dotenv-value");
        assert_eq!(r["shell_command"], "sync:dotenv-value");
        assert!(r["async"].is_number(), "{r}");
        assert!(r["compile"].is_number(), "{r}");
        assert_eq!(r["server"], format!("dotenv-value {venv}").as_str());
        assert!(r["repl"].is_number(), "{r}\n{err}");
        assert_eq!(r["process_lines"], "dotenv-value");
        assert_eq!(r["root_buffer"], "dotenv-value", "{r}");
        assert!(r["shell"].is_number(), "{r}");
        assert!(!err.contains("prompts cannot be detected"), "{err}");
        assert!(r["outside_getenv"].is_null(), "{r}");
        assert_eq!(r["outside_sctos"], "[]");
        assert!(r["outside_local"].is_null(), "{r}");
        assert_eq!(r["outside_lighter"], "\"\"");
        assert!(!err.contains("appenv:"), "{err}");
    }

    /// Emacs started from a shell where the hook loaded blog: a buffer of
    /// shop, and an eshell that `cd`s from blog to shop, get shop's values and
    /// none of blog's.
    #[test]
    fn emacs_started_from_a_loaded_shell_never_mixes_apps() {
        if !editor_ready("emacs") {
            return;
        }
        let mut sb = EditorApp::new(true);
        let blog = sb.other_app("blog", "BLOG_ONLY=blog\n", true);
        let shop = sb.other_app("shop", "SHOP_ONLY=shop\n", false);
        fs::write(blog.join("manage.py"), "").unwrap();
        fs::write(shop.join("Gemfile"), "").unwrap();
        sb.loaded_from(&blog);
        let lisp = format!(
            r#"
        (require 'eshell)
        (with-current-buffer (find-file-noselect {gemfile:?})
          (test-put "shop" (list (getenv "BLOG_ONLY") (getenv "VIRTUAL_ENV") (getenv "SHOP_ONLY")
                                 (getenv "PATH") (getenv "APPENV_STATE")))
          (test-put "shop_python" (executable-find "python3"))
          (test-put "shop_sctos" (string-trim (shell-command-to-string "echo \"[$BLOG_ONLY][$VIRTUAL_ENV][$SHOP_ONLY]\""))))
        (with-current-buffer (find-file-noselect {outside:?})
          (test-put "outside" (list (getenv "BLOG_ONLY") (getenv "PATH"))))
        (with-current-buffer (find-file-noselect {manage:?})
          (test-put "blog" (getenv "BLOG_ONLY")))
        ;; eshell: its `cd' follows the app of the new directory.
        (let ((default-directory (file-name-as-directory {blog:?})))
          (with-current-buffer (eshell t)
            (test-put "eshell_blog" (getenv "BLOG_ONLY"))
            (goto-char (point-max))
            (insert "cd ../shop")
            (eshell-send-input)
            (wait-for (lambda () (equal (getenv "SHOP_ONLY") "shop")))
            (test-put "eshell_shop" (list (getenv "BLOG_ONLY") (getenv "SHOP_ONLY") default-directory))
            (goto-char (point-max))
            (insert "sh -c 'echo \"eshell:[$BLOG_ONLY][$SHOP_ONLY]\"'")
            (eshell-send-input)
            (test-put "eshell_run" (wait-for (lambda () (string-match-p "eshell:\\[\\]\\[shop\\]" (buffer-string)))))))
        ;; M-x shell: the `cd' it tracks, seen after the command (the
        ;; command loop runs `post-command-hook', as here).
        (let ((default-directory (file-name-as-directory {blog:?})))
          (with-current-buffer (shell "*appenv-shell*")
            (test-put "shell_blog" (getenv "BLOG_ONLY"))
            (goto-char (point-max))
            (insert "cd ../shop")
            (comint-send-input)
            (run-hooks 'post-command-hook)
            (test-put "shell_shop" (list (getenv "BLOG_ONLY") (getenv "SHOP_ONLY")))))
        "#,
            gemfile = shop.join("Gemfile").display().to_string(),
            outside = sb.outside.join("notes.txt").display().to_string(),
            manage = blog.join("manage.py").display().to_string(),
            blog = blog.display().to_string(),
        );
        let (r, err) = sb.emacs(&lisp);
        let bin = sb.bin.display().to_string();
        assert_eq!(
            r["shop"],
            serde_json::json!([null, null, "shop", bin, null]),
            "{r}\n{err}"
        );
        assert_eq!(r["shop_python"], format!("{bin}/python3").as_str(), "{r}");
        assert_eq!(r["shop_sctos"], "[][][shop]", "{r}");
        assert_eq!(r["outside"], serde_json::json!([null, bin]), "{r}");
        assert_eq!(r["blog"], "blog", "{r}");
        assert_eq!(r["eshell_blog"], "blog", "{r}");
        assert_eq!(
            r["eshell_shop"],
            serde_json::json!([null, "shop", format!("{}/", shop.display())]),
            "{r}\n{err}"
        );
        assert!(r["eshell_run"].is_number(), "{r}\n{err}");
        assert_eq!(r["shell_blog"], "blog", "{r}");
        assert_eq!(
            r["shell_shop"],
            serde_json::json!([null, "shop"]),
            "{r}\n{err}"
        );
    }

    #[test]
    fn emacs_repl_through_a_shim_without_the_package() {
        if !editor_ready("emacs") {
            return;
        }
        let sb = EditorApp::new(true).with_venv();
        let install = sb
            .env()
            .command(sb.bin.join("appenv"))
            .args(["shim", "install", "python3"])
            .output()
            .unwrap();
        assert!(install.status.success(), "{}", stderr(&install));
        let shim = sb.app.tmp.path().join("home/data/appenv/shims/python3");
        let lisp = format!(
            r#"
        (appenv-global-mode -1)
        (setq python-shell-interpreter {shim:?})
        (with-current-buffer (find-file-noselect {main:?})
          (test-put "local" (local-variable-p 'process-environment))
          (run-python nil nil nil)
          (let ((buf (process-buffer (python-shell-get-process))))
            (wait-for (lambda () (with-current-buffer buf (string-match-p ">>> " (buffer-string)))))
            (python-shell-send-string "import os, sys; print('got=' + sys.prefix + ' ' + os.environ['FROM_DOTENV'])")
            (test-put "repl" (wait-for (lambda () (with-current-buffer buf
                                               (string-match-p (regexp-quote (concat "got=" {venv:?} " dotenv-value"))
                                                               (buffer-string))))))))
        "#,
            shim = shim.display().to_string(),
            main = sb.file("src/main.py"),
            venv = sb.venv(),
        );
        let (r, err) = sb.emacs(&lisp);
        assert!(r["local"].is_null(), "the package was on: {r}");
        assert!(r["repl"].is_number(), "{r}\n{err}");
        assert!(!err.contains("prompts cannot be detected"), "{err}");
        assert!(!err.contains("appenv:"), "{err}");
    }

    #[test]
    fn emacs_eglot_server_starts_in_the_app_environment() {
        if !editor_ready("emacs") {
            return;
        }
        let sb = EditorApp::new(true).with_venv();
        if !have_eglot(&sb) {
            return;
        }
        let out = sb.app.tmp.path().join("server.env").display().to_string();
        let lisp = format!(
            r#"
        (setq package-directory-list (list {EGLOT_PACKAGES:?}))
        (package-initialize)
        (require 'eglot)
        (with-current-buffer (find-file-noselect {main:?})
          ;; A server that only says what it was started with.
          (let ((eglot-server-programs
                 '((python-mode "sh" "-c" "echo \"$FROM_DOTENV $VIRTUAL_ENV\" > {out}; exec cat > /dev/null")))
                (eglot-sync-connect nil))
            (apply #'eglot (eglot--guess-contact))
            (wait-for (lambda () (and (file-exists-p {out:?})
                                      (> (file-attribute-size (file-attributes {out:?})) 0))))
            (test-put "server" (with-temp-buffer (insert-file-contents {out:?})
                                            (string-trim (buffer-string))))))
        "#,
            main = sb.file("src/main.py"),
        );
        let (r, err) = sb.emacs(&lisp);
        assert_eq!(
            r["server"],
            format!("dotenv-value {}", sb.venv()).as_str(),
            "{r}\n{err}"
        );
    }

    #[test]
    fn emacs_not_allowed_app_says_so_once_and_loads_nothing_until_allowed() {
        if !editor_ready("emacs") {
            return;
        }
        let sb = EditorApp::new(false);
        let lisp = format!(
            r#"
        (with-current-buffer (find-file-noselect {main:?})
          (test-put "before" (getenv "FROM_DOTENV"))
          (test-put "lighter" (format "%S" (appenv--lighter))))
        (with-current-buffer (find-file-noselect {env:?})
          (test-put "env_before" (getenv "FROM_DOTENV")))
        (with-current-buffer (find-file-noselect {main:?})
          (appenv-allow)
          (test-put "after_allow" (getenv "FROM_DOTENV"))
          (test-put "sctos" (string-trim (shell-command-to-string "echo \"$FROM_DOTENV\"")))
          (test-put "status" (appenv-status)))
        (with-current-buffer (find-file-noselect {env:?})
          (test-put "env_after" (getenv "FROM_DOTENV"))
          (appenv-deny)
          (test-put "env_denied" (getenv "FROM_DOTENV")))
        (with-current-buffer (find-file-noselect {main:?})
          (test-put "main_denied" (getenv "FROM_DOTENV")))
        "#,
            main = sb.file("src/main.py"),
            env = sb.file(".env"),
        );
        let (r, err) = sb.emacs(&lisp);
        assert!(r["before"].is_null(), "{r}");
        assert_eq!(
            r["lighter"],
            r#"(" appenv[" (:propertize "not allowed" face appenv-not-allowed-face) "]")"#
        );
        assert!(r["env_before"].is_null(), "{r}");
        assert_eq!(r["after_allow"], "dotenv-value", "{r}\n{err}");
        assert_eq!(r["sctos"], "dotenv-value");
        let status = str_of(&r["status"]);
        assert!(
            status.contains("trust allowed") && status.contains("FROM_DOTENV"),
            "{status}"
        );
        assert!(!status.contains("dotenv-value"), "{status}");
        assert_eq!(r["env_after"], "dotenv-value", "{r}");
        assert!(r["env_denied"].is_null(), "{r}");
        assert!(r["main_denied"].is_null(), "{r}");
        // Said once before the allow, and once again after the deny.
        assert_eq!(
            err.matches("is not allowed; run 'appenv allow'").count(),
            2,
            "{err}"
        );
        assert!(!err.contains("dotenv-value"), "{err}");
    }

    #[test]
    fn emacs_saving_or_changing_the_watched_env_reloads() {
        if !editor_ready("emacs") {
            return;
        }
        let sb = EditorApp::new(true);
        let lisp = format!(
            r#"
        (let ((main (find-file-noselect {main:?})))
          (test-put "first" (with-current-buffer main (getenv "FROM_DOTENV")))
          (with-current-buffer (find-file-noselect {env:?})
            (erase-buffer)
            (insert "FROM_DOTENV=saved\n")
            (save-buffer)
            ;; Another program writes it next, while Emacs holds no copy.
            (kill-buffer))
          (test-put "after_save" (with-current-buffer main (getenv "FROM_DOTENV")))
          (with-temp-file {env:?} (insert "FROM_DOTENV=on-disk\n"))
          (test-put "on_disk" (wait-for (lambda () (equal (with-current-buffer main (getenv "FROM_DOTENV"))
                                                     "on-disk"))))
          (with-temp-file {env:?} (insert "FROM_DOTENV=\"open\n"))
          (test-put "broken" (wait-for (lambda () (null (with-current-buffer main (getenv "FROM_DOTENV"))))))
          (test-put "lighter" (with-current-buffer main (format "%S" (appenv--lighter)))))
        "#,
            main = sb.file("src/main.py"),
            env = sb.file(".env"),
        );
        let (r, err) = sb.emacs(&lisp);
        assert_eq!(r["first"], "dotenv-value", "{r}");
        assert_eq!(r["after_save"], "saved", "{r}");
        assert_eq!(r["on_disk"], true, "{r}");
        assert_eq!(r["broken"], true, "{r}");
        assert_eq!(
            r["lighter"],
            r#"(" appenv[" (:propertize "error" face appenv-error-face) "]")"#
        );
        assert_eq!(
            err.matches("appenv: .env:1: unterminated double quote")
                .count(),
            1,
            "{err}"
        );
    }

    /// appenv runs through `process-file` in the buffer's directory, so the
    /// file name handler of that directory (TRAMP's for a remote one) is the
    /// one that starts it: here a handler that records the call and runs it.
    #[test]
    fn emacs_runs_appenv_through_the_file_handler_of_the_directory() {
        if !editor_ready("emacs") {
            return;
        }
        let sb = EditorApp::new(true);
        let lisp = format!(
            r#"
        (defvar test-calls nil)
        (defun test-handler (operation &rest args)
          (when (eq operation 'process-file)
            (push (vector default-directory (car args) (vconcat (nthcdr 4 args))) test-calls))
          (let ((inhibit-file-name-handlers
                 (cons 'test-handler
                       (and (eq inhibit-file-name-operation operation)
                            inhibit-file-name-handlers)))
                (inhibit-file-name-operation operation))
            (apply operation args)))
        (push (cons (concat "\\`" (regexp-quote {root:?})) #'test-handler)
              file-name-handler-alist)
        (with-current-buffer (find-file-noselect {main:?})
          (test-put "dotenv" (getenv "FROM_DOTENV")))
        (with-current-buffer (find-file-noselect {outside:?})
          (test-put "outside" (getenv "FROM_DOTENV")))
        (test-put "calls" (vconcat (nreverse test-calls)))
        "#,
            root = format!("{}/", sb.app.root.display()),
            main = sb.file("src/main.py"),
            outside = sb.outside.join("notes.txt").display().to_string(),
        );
        let (r, _) = sb.emacs(&lisp);
        assert_eq!(r["dotenv"], "dotenv-value", "{r}");
        assert!(r["outside"].is_null(), "{r}");
        let src = sb.app.root.join("src").display().to_string();
        // Only the app's directory has the handler: the call for outside does
        // not go through it.
        assert_eq!(
            r["calls"],
            serde_json::json!([[format!("{src}/"), "appenv", ["-C", src, "status", "--json"]]]),
            "{r}"
        );
    }

    #[test]
    fn emacs_sees_a_change_whose_time_is_put_back() {
        if !editor_ready("emacs") {
            return;
        }
        let sb = EditorApp::new(true);
        let [(rewrite, rewritten), (local, from_local)] = time_kept_attacks(&sb);
        let lisp = format!(
            r#"
        (with-current-buffer (find-file-noselect {main:?})
          (test-put "first" (getenv "FROM_DOTENV"))
          (call-process "/bin/sh" nil nil nil "-c" {rewrite:?})
          (test-put "rewritten" (wait-for (lambda () (equal (getenv "FROM_DOTENV") {rewritten:?}))))
          (call-process "/bin/sh" nil nil nil "-c" {local:?})
          (test-put "local_file" (wait-for (lambda () (equal (getenv "FROM_DOTENV") {from_local:?})))))
        "#,
            main = sb.file("src/main.py"),
        );
        let (r, err) = sb.emacs(&lisp);
        assert_eq!(r["first"], "dotenv-value", "{r}\n{err}");
        assert_eq!(r["rewritten"], true, "{r}\n{err}");
        assert_eq!(r["local_file"], true, "{r}\n{err}");
    }
}
