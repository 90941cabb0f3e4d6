# appenv shell integration for xonsh. Put this in ~/.xonshrc:
#
#     execx($(appenv hook xonsh))
#
# Before each prompt, and right after each change of directory, the hook
# decides in Python, without starting a process, whether anything the
# environment depends on may have changed: the working directory,
# APPENV_ENV, APPENV_TRUSTED_DIRS, or a file or directory that the last `appenv export` said to
# watch, compared with a stamp file that the hook touches each time it asks
# appenv. Only then does it run `appenv export xonsh`, and it runs what that
# prints with Python's own `exec`, in a namespace of its own: xonsh's parser,
# the user's aliases and globals never see it.
#
# Everything lives in one function's closure, and the only global names it
# leaves are __appenv_bin and __appenv_old; installing twice replaces the
# handlers instead of adding them twice.

# `appenv hook` puts the path of the binary in __appenv_bin above this line.


def __appenv_make_hook(bin_path):
    import os
    import subprocess
    import sys

    env = __xonsh__.env

    def stamp_path():
        # One stamp per shell: its mtime is when this shell last asked appenv.
        for name in ("XDG_RUNTIME_DIR", "XDG_CACHE_HOME"):
            base = str(env.get(name) or "")
            if base.startswith("/"):
                return os.path.join(base, "appenv", f"stamp.{os.getpid()}")
        return os.path.join(env.get("HOME", ""), ".cache", "appenv", f"stamp.{os.getpid()}")

    # Forget the last check: the next prompt asks appenv.
    state = {"pwd": None, "env": None, "watch": [], "stamp": stamp_path()}

    def unchanged():
        # Every watched path older than the stamp. As new as the stamp counts
        # as changed: file times tick every few milliseconds, so a write in
        # the same tick as the stamp has the same time. A path that is gone
        # counts as unchanged: its directory is watched too.
        try:
            stamp = os.stat(state["stamp"]).st_mtime_ns
        except OSError:
            return False
        for path in state["watch"]:
            try:
                if os.stat(path).st_mtime_ns >= stamp:
                    return False
            except OSError:
                pass
        return True

    def export():
        state["pwd"] = env.get("PWD")
        # Touch the stamp before appenv reads anything, so that a file
        # written while it runs is newer than the stamp.
        try:
            os.makedirs(os.path.dirname(state["stamp"]), mode=0o700, exist_ok=True)
            with open(state["stamp"], "wb"):
                pass
        except OSError:
            pass
        if "/" in bin_path and not os.access(bin_path, os.X_OK):
            # Said once, not at every directory.
            if not state.get("missing"):
                print(f"appenv: {bin_path} is missing; the shell hook does nothing until it is back", file=sys.stderr)
            state["missing"] = True
            # Leaving the app still unloads it, with the code the last load
            # left (each variable, PATH too, to its value from before).
            root = env.get("APPENV_ROOT") or ""
            pwd = env.get("PWD") or ""
            if state.get("unload") and root and pwd != root and not pwd.startswith(root.rstrip("/") + "/"):
                exec(state["unload"], {"__xonsh__": __xonsh__})
                state["unload"] = ""
                print(f"appenv: unloaded {os.path.basename(root)}", file=sys.stderr)
        else:
            state["missing"] = False
            try:
                done = subprocess.run(
                    [bin_path, "export", "xonsh"],
                    stdout=subprocess.PIPE,
                    env=env.detype(),
                )
                status = done.returncode
            except OSError:
                status = 127
            if status == 0:
                scope = {"__xonsh__": __xonsh__, "__appenv_watch": []}
                exec(done.stdout.decode("utf-8", "surrogateescape"), scope)
                state["watch"] = scope["__appenv_watch"]
                # Set when the load changes: what takes it out without appenv.
                if "__appenv_unload" in scope:
                    state["unload"] = scope["__appenv_unload"]
            else:
                print(
                    f"appenv: 'appenv export xonsh' failed (status {status}); "
                    "the environment is unchanged",
                    file=sys.stderr,
                )
        state["env"] = env.get("APPENV_ENV")
        state["trusted"] = env.get("APPENV_TRUSTED_DIRS")

    def hook(**_):
        if (
            state["pwd"] != env.get("PWD")
            or state["env"] != env.get("APPENV_ENV")
            or state.get("trusted") != env.get("APPENV_TRUSTED_DIRS")
            or not unchanged()
        ):
            export()

    def leave(**_):
        try:
            os.remove(state["stamp"])
        except OSError:
            pass

    return hook, leave


# Installing again replaces what an earlier install registered.
for __appenv_event in (events.on_pre_prompt, events.on_chdir, events.on_exit):
    for __appenv_old in [
        h for h in __appenv_event if getattr(h, "__qualname__", "").startswith("__appenv_make_hook.")
    ]:
        __appenv_event.discard(__appenv_old)
__appenv_hook, __appenv_leave = __appenv_make_hook(__appenv_bin)
# on_chdir: right after `cd`, so that `cd app && cmd` already runs cmd in
# the app's environment.
events.on_pre_prompt(__appenv_hook)
events.on_chdir(__appenv_hook)
events.on_exit(__appenv_leave)
del __appenv_event, __appenv_hook, __appenv_leave, __appenv_make_hook
