use super::*;
use sha2::{Digest as _, Sha256};

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::symlink;
use std::thread;

use tempfile::TempDir;

/// A scratch directory holding the store (`store/`) and the apps, canonical.
struct Scratch {
    _tmp: TempDir,
    dir: Utf8PathBuf,
    store: TrustStore,
}

fn scratch() -> Scratch {
    let tmp = tempfile::tempdir().unwrap();
    let dir = Utf8PathBuf::try_from(tmp.path().canonicalize().unwrap()).unwrap();
    let store = TrustStore::at(dir.join("store/appenv/trust"));
    Scratch {
        _tmp: tmp,
        dir,
        store,
    }
}

impl Scratch {
    /// An app at `name` holding `.env` with `A=1`.
    fn app(&self, name: &str) -> Utf8PathBuf {
        let root = self.dir.join(name);
        fs::create_dir_all(&root).unwrap();
        fs::write(root.join(".env"), "A=1\n").unwrap();
        root
    }

    fn allow(&self, root: &Utf8Path) {
        self.store
            .allow(&AppFiles::collect(root, &[]).unwrap())
            .unwrap();
    }

    fn check(&self, root: &Utf8Path) -> Trust {
        self.check_with(root, &Env::new())
    }

    fn check_with(&self, root: &Utf8Path, env: &Env) -> Trust {
        files_only(
            self.store
                .check(&AppFiles::collect(root, &[]).unwrap(), env)
                .unwrap(),
        )
    }

    /// The full answer, with how each file changed.
    fn check_changes(&self, root: &Utf8Path) -> String {
        self.store
            .check(&AppFiles::collect(root, &[]).unwrap(), &Env::new())
            .unwrap()
            .to_string()
    }
}

/// The answer without the description of the changes, to compare file lists.
fn files_only(trust: Trust) -> Trust {
    match trust {
        Trust::Changed { files, .. } => Trust::Changed {
            files,
            changes: Vec::new(),
        },
        other => other,
    }
}

fn env(vars: &[(&str, &str)]) -> Env {
    vars.iter()
        .map(|(key, value)| (key.into(), value.into()))
        .collect()
}

fn changed(files: &[&str]) -> Trust {
    Trust::Changed {
        files: files.iter().map(|file| file.to_string()).collect(),
        changes: Vec::new(),
    }
}

fn mode(path: &Utf8Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn the_store_lives_under_xdg_data_home_else_under_home() {
    let both = env(&[("XDG_DATA_HOME", "/data"), ("HOME", "/home/me")]);
    assert_eq!(
        TrustStore::from_env(&both).unwrap().path(),
        "/data/appenv/trust"
    );
    let home = env(&[("HOME", "/home/me")]);
    assert_eq!(
        TrustStore::from_env(&home).unwrap().path(),
        "/home/me/.local/share/appenv/trust"
    );
    // The XDG spec says a relative or empty XDG_DATA_HOME is ignored.
    for data in ["", "data"] {
        let ignored = env(&[("XDG_DATA_HOME", data), ("HOME", "/home/me")]);
        assert_eq!(
            TrustStore::from_env(&ignored).unwrap().path(),
            "/home/me/.local/share/appenv/trust"
        );
    }
}

#[test]
fn without_home_or_xdg_data_home_there_is_no_store() {
    for vars in [
        env(&[]),
        env(&[("HOME", "")]),
        env(&[("HOME", "relative"), ("XDG_DATA_HOME", "")]),
    ] {
        let err = TrustStore::from_env(&vars).unwrap_err().to_string();
        assert_eq!(
            err,
            "cannot locate the trust store: set HOME or XDG_DATA_HOME to an absolute path"
        );
    }
    let bad = Env::from([(
        "HOME".into(),
        OsString::from_vec(b"/home/\xff\x1b]0;x\x07".to_vec()),
    )]);
    let err = TrustStore::from_env(&bad).unwrap_err().to_string();
    assert_eq!(err, "HOME is not UTF-8: /home/\u{fffd}\\u{1b}]0;x\\u{7}");
}

#[test]
fn an_allowed_app_is_allowed_until_denied() {
    let s = scratch();
    let root = s.app("app");
    assert_eq!(s.check(&root), Trust::NotAllowed);
    s.allow(&root);
    assert_eq!(s.check(&root), Trust::Allowed);
    assert!(s.store.deny(&root).unwrap());
    assert_eq!(s.check(&root), Trust::NotAllowed);
    assert!(!s.store.deny(&root).unwrap(), "nothing left to deny");
}

#[test]
fn the_store_and_its_records_are_readable_only_by_the_user() {
    let s = scratch();
    let root = s.app("app");
    fs::create_dir_all(s.store.path()).unwrap();
    fs::set_permissions(s.store.path(), Permissions::from_mode(0o755)).unwrap();
    s.allow(&root);
    assert_eq!(mode(s.store.path()), 0o700);
    let record = s.store.record_path(&root);
    assert_eq!(mode(&record), 0o600);
    let expected = record::hex(&Sha256::digest(root.as_str()).into());
    assert_eq!(record.file_name().unwrap(), format!("{expected}.json"));
}

#[test]
fn any_change_names_the_files_that_changed_appeared_or_disappeared() {
    let s = scratch();
    let root = s.app("app");
    fs::write(root.join(".env.test"), "T=1\n").unwrap();
    s.allow(&root);

    fs::write(root.join(".env"), "A=2\n").unwrap();
    assert_eq!(s.check(&root), changed(&[".env"]));
    fs::write(root.join(".env"), "A=1\n").unwrap();
    assert_eq!(
        s.check(&root),
        Trust::Allowed,
        "the same content again is the same app"
    );

    fs::write(root.join(".env.staging"), "").unwrap();
    fs::write(root.join("Procfile"), "web: bin/web\n").unwrap();
    fs::remove_file(root.join(".env.test")).unwrap();
    assert_eq!(
        s.check(&root),
        changed(&[".env.staging", ".env.test", "Procfile"])
    );
}

#[test]
fn every_content_allowed_stays_allowed_until_denied_and_only_those() {
    let s = scratch();
    let root = s.app("app");
    s.allow(&root);
    // Another branch adds a file: allowed too.
    fs::write(root.join(".env.local"), "L=1\n").unwrap();
    assert_eq!(s.check(&root), changed(&[".env.local"]));
    s.allow(&root);
    // Back and forth: no new allow.
    fs::remove_file(root.join(".env.local")).unwrap();
    assert_eq!(s.check(&root), Trust::Allowed);
    fs::write(root.join(".env.local"), "L=1\n").unwrap();
    assert_eq!(s.check(&root), Trust::Allowed);
    // A content never allowed is not, and is told against the nearest one.
    fs::write(root.join(".env.local"), "L=2\n").unwrap();
    assert_eq!(
        s.check_changes(&root),
        "changed since allowed: .env.local: ~L"
    );
    fs::remove_file(root.join(".env.local")).unwrap();
    fs::write(root.join(".env"), "A=2\n").unwrap();
    assert_eq!(s.check_changes(&root), "changed since allowed: .env: ~A");
    // Deny forgets every content.
    assert!(s.store.deny(&root).unwrap());
    fs::write(root.join(".env"), "A=1\n").unwrap();
    assert_eq!(s.check(&root), Trust::NotAllowed);
}

#[test]
fn a_record_keeps_the_last_contents_up_to_its_bound() {
    let s = scratch();
    let root = s.app("app");
    for i in 0..=KEPT {
        fs::write(root.join(".env"), format!("A={i}\n")).unwrap();
        s.allow(&root);
    }
    assert_eq!(s.store.list().unwrap()[0].contents, KEPT);
    for i in 1..=KEPT {
        fs::write(root.join(".env"), format!("A={i}\n")).unwrap();
        assert_eq!(s.check(&root), Trust::Allowed, "content {i}");
    }
    fs::write(root.join(".env"), "A=0\n").unwrap();
    assert_eq!(
        s.check(&root),
        changed(&[".env"]),
        "the oldest is forgotten"
    );
    // Allowing a remembered content again moves it to the front, not twice.
    fs::write(root.join(".env"), "A=1\n").unwrap();
    s.allow(&root);
    assert_eq!(s.store.list().unwrap()[0].contents, KEPT);
}

#[test]
fn a_change_is_told_by_file_and_variable_name_never_by_value() {
    let s = scratch();
    let root = s.app("app");
    fs::write(
        root.join(".env"),
        "DATABASE_URL=postgres://old\nOLD=1\nKEEP=1\n",
    )
    .unwrap();
    fs::write(root.join(".env.local"), "L=1\n").unwrap();
    s.allow(&root);
    fs::write(
        root.join(".env"),
        "# comment\nDATABASE_URL=postgres://s3cret\nKEEP=1\nNEW_FLAG=1\n",
    )
    .unwrap();
    fs::write(root.join(".env.staging"), "S=hunter2\n").unwrap();
    fs::remove_file(root.join(".env.local")).unwrap();
    fs::write(root.join("Procfile"), "web: x\n").unwrap();
    let told = s.check_changes(&root);
    assert_eq!(
        told,
        "changed since allowed: .env: +NEW_FLAG ~DATABASE_URL -OLD; .env.local: removed; \
         .env.staging: new file, +S; Procfile: new file"
    );
    assert!(!told.contains("s3cret") && !told.contains("hunter2"));
    // Only a comment changed: the file is named, no variable.
    s.allow(&root);
    fs::write(root.join(".env.staging"), "# why\nS=hunter2\n").unwrap();
    assert_eq!(
        s.check_changes(&root),
        "changed since allowed: .env.staging"
    );
}

#[test]
fn a_store_or_record_that_is_not_the_users_is_not_believed() {
    let s = scratch();
    let root = s.app("app");
    s.allow(&root);
    let record = s.store.record_path(&root);
    fs::set_permissions(&record, Permissions::from_mode(0o666)).unwrap();
    let err = s
        .store
        .check(&AppFiles::collect(&root, &[]).unwrap(), &Env::new())
        .unwrap_err()
        .to_string();
    assert!(err.contains("can be written by other users"), "{err}");
    fs::set_permissions(&record, Permissions::from_mode(0o600)).unwrap();
    fs::set_permissions(s.store.path(), Permissions::from_mode(0o777)).unwrap();
    let err = s
        .store
        .check(&AppFiles::collect(&root, &[]).unwrap(), &Env::new())
        .unwrap_err()
        .to_string();
    assert!(err.contains("can be written by other users"), "{err}");
    // Allowing again tightens the user's own directory.
    s.allow(&root);
    assert_eq!(mode(s.store.path()), 0o700);
    if nix::unistd::geteuid().is_root() {
        nix::unistd::chown(
            record.as_std_path(),
            Some(nix::unistd::Uid::from_raw(4242)),
            None,
        )
        .unwrap();
        let err = s
            .store
            .check(&AppFiles::collect(&root, &[]).unwrap(), &Env::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains("is owned by uid 4242"), "{err}");
    }
}

#[test]
fn a_symlinked_store_is_never_chmodded_through() {
    let s = scratch();
    let root = s.app("app");
    let target = s.dir.join("elsewhere");
    fs::create_dir_all(&target).unwrap();
    fs::set_permissions(&target, Permissions::from_mode(0o755)).unwrap();
    fs::create_dir_all(s.store.path().parent().unwrap()).unwrap();
    symlink(&target, s.store.path()).unwrap();
    s.allow(&root);
    assert_eq!(mode(&target), 0o755, "the target keeps its mode");
    assert_eq!(s.check(&root), Trust::Allowed);
}

#[test]
fn records_are_listed_and_gone_ones_removed() {
    let s = scratch();
    let (kept, gone) = (s.app("kept"), s.app("gone"));
    s.allow(&kept);
    s.allow(&gone);
    fs::remove_dir_all(&gone).unwrap();
    let listed = s.store.list().unwrap();
    assert_eq!(listed.len(), 2);
    let find = |root: &Utf8Path| listed.iter().find(|l| l.root == root).unwrap().clone();
    assert!(!find(&kept).gone && find(&gone).gone);
    assert_eq!(find(&kept).files, [".env"]);
    assert!(find(&kept).allowed.is_some());
    assert_eq!(s.store.remove_gone().unwrap(), [gone]);
    assert_eq!(s.store.list().unwrap().len(), 1);
}

#[test]
fn a_change_to_a_file_named_by_the_config_revokes_trust() {
    let s = scratch();
    let root = s.app("app");
    let extra = ["config/{env}.env".to_string()];
    fs::create_dir(root.join("config")).unwrap();
    s.store
        .allow(&AppFiles::collect(&root, &extra).unwrap())
        .unwrap();
    fs::write(root.join("config/production.env"), "LD_PRELOAD=/tmp/x.so\n").unwrap();
    let app = AppFiles::collect(&root, &extra).unwrap();
    assert_eq!(
        files_only(s.store.check(&app, &Env::new()).unwrap()),
        changed(&["config/production.env"])
    );
}

#[test]
fn a_symlinked_path_is_the_same_app() {
    let s = scratch();
    let root = s.app("app");
    symlink(&root, s.dir.join("link")).unwrap();
    s.allow(&s.dir.join("link"));
    assert_eq!(s.check(&root), Trust::Allowed);
    assert!(s.store.deny(&s.dir.join("link")).unwrap());
    assert_eq!(s.check(&root), Trust::NotAllowed);
}

#[test]
fn a_record_covers_its_own_root_only() {
    let s = scratch();
    let app = s.app("srv/app");
    let sibling = s.app("srv/app2");
    let nested = s.app("srv/app/sub");
    s.allow(&app);
    assert_eq!(s.check(&app), Trust::Allowed);
    assert_eq!(s.check(&sibling), Trust::NotAllowed);
    assert_eq!(s.check(&nested), Trust::NotAllowed);
}

#[test]
fn a_deleted_app_can_still_be_denied_by_its_path() {
    let s = scratch();
    let root = s.app("app");
    s.allow(&root);
    fs::remove_dir_all(&root).unwrap();
    assert!(s.store.deny(&root).unwrap());
}

#[test]
fn a_corrupt_record_is_never_trust() {
    let s = scratch();
    let root = s.app("app");
    s.allow(&root);
    let record = s.store.record_path(&root);
    let good = fs::read(&record).unwrap();
    // Every prefix a crash mid-write could leave, then bytes that are not a record.
    let mut bad: Vec<Vec<u8>> = (0..good.len() - 1)
        .map(|len| good[..len].to_vec())
        .collect();
    bad.push(b"\xff\xfe\x00{\"version\":1,\x1b[2J".to_vec());
    bad.push(good.iter().map(|byte| byte ^ 0x20).collect());
    for bytes in bad {
        fs::write(&record, &bytes).unwrap();
        let trust = s.check(&root);
        assert!(
            !trust.is_trusted(),
            "{trust:?} from {:?}",
            String::from_utf8_lossy(&bytes)
        );
    }
}

#[test]
fn a_record_copied_from_another_app_is_not_trust() {
    let s = scratch();
    let (app, other) = (s.app("app"), s.app("other"));
    s.allow(&app);
    fs::copy(s.store.record_path(&app), s.store.record_path(&other)).unwrap();
    assert_eq!(s.check(&other), Trust::NotAllowed);
}

#[test]
fn concurrent_allows_of_different_apps_are_all_recorded() {
    let s = scratch();
    let roots: Vec<_> = (0..8).map(|i| s.app(&format!("app{i}"))).collect();
    thread::scope(|scope| {
        for root in &roots {
            scope.spawn(|| s.allow(root));
        }
    });
    for root in &roots {
        assert_eq!(s.check(root), Trust::Allowed, "{root}");
    }
    let leftovers = fs::read_dir(s.store.path()).unwrap().count();
    assert_eq!(leftovers, 8, "one record per app and no temp file");
}

#[test]
fn concurrent_allows_of_one_app_leave_one_whole_record() {
    let s = scratch();
    let root = s.app("app");
    // Eight versions of the app, as eight allows racing with edits would see it.
    let versions: Vec<AppFiles> = (0..8u8)
        .map(|i| AppFiles::for_tests(root.clone(), vec![(".env".into(), Some([i; 32]))]))
        .collect();
    s.store.allow(&versions[0]).unwrap();
    let record = s.store.record_path(&root);
    thread::scope(|scope| {
        for version in &versions {
            scope.spawn(|| {
                for _ in 0..20 {
                    s.store.allow(version).unwrap();
                }
            });
        }
        // A reader racing the writers always sees one whole record.
        scope.spawn(|| {
            for _ in 0..500 {
                assert!(record::read(&record, &root).unwrap().is_some());
            }
        });
    });
    // Every version is remembered once, whatever the interleaving: the read
    // and rewrite of a record never lose another allow's content.
    for version in &versions {
        assert_eq!(s.store.check(version, &Env::new()).unwrap(), Trust::Allowed);
    }
    let listed = s.store.list().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].contents, versions.len(), "each content once");
    let other = AppFiles::for_tests(root.clone(), vec![(".env".into(), Some([9; 32]))]);
    assert!(!s.store.check(&other, &Env::new()).unwrap().is_trusted());
    assert_eq!(
        fs::read_dir(s.store.path()).unwrap().count(),
        1,
        "no temp file left"
    );
}

#[test]
fn trusted_dirs_cover_roots_at_or_below_them_by_whole_components() {
    let s = scratch();
    let (app, sub, application) = (
        s.app("srv/app"),
        s.app("srv/app/sub"),
        s.app("srv/application"),
    );
    let trusted = env(&[(
        "APPENV_TRUSTED_DIRS",
        &format!("::{}:/nonexistent:", s.dir.join("srv/app")),
    )]);
    assert_eq!(s.check_with(&app, &trusted), Trust::TrustedDir(app.clone()));
    assert_eq!(s.check_with(&sub, &trusted), Trust::TrustedDir(app.clone()));
    assert_eq!(s.check_with(&application, &trusted), Trust::NotAllowed);
}

#[test]
fn trusted_dirs_compare_canonical_paths_and_ignore_relative_entries() {
    let s = scratch();
    let app = s.app("builds/app");
    symlink(s.dir.join("builds"), s.dir.join("ci")).unwrap();
    let via_link = env(&[("APPENV_TRUSTED_DIRS", s.dir.join("ci/.").as_str())]);
    assert_eq!(
        s.check_with(&app, &via_link),
        Trust::TrustedDir(s.dir.join("builds"))
    );
    // Relative entries would depend on the working directory, so they trust nothing.
    for entry in [".", "builds", "app"] {
        assert_eq!(
            s.check_with(&app, &env(&[("APPENV_TRUSTED_DIRS", entry)])),
            Trust::NotAllowed
        );
    }
    let bytes = Env::from([(
        "APPENV_TRUSTED_DIRS".into(),
        OsString::from_vec(b"/\xff:".to_vec()),
    )]);
    assert_eq!(s.check_with(&app, &bytes), Trust::NotAllowed);
}

#[test]
fn a_trusted_dir_needs_no_record_and_outlasts_changes() {
    let s = scratch();
    let root = s.app("app");
    s.allow(&root);
    fs::write(root.join(".env"), "A=2\n").unwrap();
    let trusted = env(&[("APPENV_TRUSTED_DIRS", s.dir.as_str())]);
    assert_eq!(
        s.check_with(&root, &trusted),
        Trust::TrustedDir(s.dir.clone())
    );
}

#[test]
fn messages_escape_what_came_from_files_and_paths() {
    let files = changed(&[".env.\x1b[2J", ".env.\u{202e}txt"]);
    assert_eq!(
        files.to_string(),
        "changed since allowed: .env.\\u{1b}[2J; .env.\\u{202e}txt"
    );
    let err = TrustError::io("read", Utf8Path::new("/srv/\napp"))(io::Error::other("boom"));
    assert_eq!(err.to_string(), "could not read /srv/\\napp: boom");
    assert_eq!(Trust::NotAllowed.to_string(), "not allowed");
}

#[test]
fn a_refusal_names_the_root_escaped_and_what_to_do() {
    let root = Utf8Path::new("/srv/\napp");
    assert_eq!(Trust::Allowed.refusal(root), None);
    assert_eq!(Trust::TrustedDir(root.to_owned()).refusal(root), None);
    assert_eq!(
        Trust::NotAllowed.refusal(root).unwrap(),
        "/srv/\\napp is not allowed; run 'appenv allow'"
    );
    assert_eq!(
        changed(&[".env.\x1b[2J"]).refusal(root).unwrap(),
        "/srv/\\napp changed since it was allowed (.env.\\u{1b}[2J); review it and run 'appenv allow'"
    );
    let unchecked = Trust::Unchecked(TrustError::NoStore);
    assert!(!unchecked.is_trusted());
    assert_eq!(
        unchecked.refusal(root).unwrap(),
        "/srv/\\napp cannot be checked for trust: \
         cannot locate the trust store: set HOME or XDG_DATA_HOME to an absolute path"
    );
}

#[test]
fn an_unwritable_store_is_an_error_naming_it() {
    let s = scratch();
    let root = s.app("app");
    fs::write(s.dir.join("store"), "a file where the store should go").unwrap();
    let err = s
        .store
        .allow(&AppFiles::collect(&root, &[]).unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(&format!("could not create {}: ", s.store.path())),
        "{err}"
    );
}

#[test]
fn every_allow_and_deny_touches_the_watched_path() {
    let s = scratch();
    let root = s.app("app");
    s.allow(&root);
    let mtime = || fs::metadata(s.store.path()).unwrap().modified().unwrap();
    let before = mtime();
    // Past the file system's timestamp granularity.
    thread::sleep(std::time::Duration::from_millis(20));
    s.allow(&root);
    let replaced = mtime();
    assert!(replaced > before, "allowing again replaces the record");
    thread::sleep(std::time::Duration::from_millis(20));
    s.store.deny(&root).unwrap();
    assert!(mtime() > replaced);
}
