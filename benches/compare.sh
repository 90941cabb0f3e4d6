#!/usr/bin/env bash
# Side-by-side benchmark of appenv against bare exec, a static C floor and the
# tools people use to get into an app environment: mise, direnv, dotenv-cli,
# honcho and uv.
#
#   PEERS_DIR=/opt/peers benches/compare.sh > results.md
#
# It builds appenv (`cargo build --release`, static on Linux with glibc; the
# same dynamically linked; the static one with its symbols, for callgrind),
# builds a fixture app in a temporary directory, and measures in one run: exec
# (`<tool> true`), the shell hook with nothing changed, how the cost grows
# with the size of .env, binary size and peak memory. The results go to
# stdout as Markdown (BENCHMARKS.md holds one run); progress goes to stderr.
# It installs nothing: it says what is missing and how to get it.
#
# Times come from benches/interleave.c (compiled here): each round runs every
# command once, in a fresh random order, so drift during the run weighs on
# all commands alike; a byte-identical copy of appenv runs as one more
# command, and its difference from appenv is the noise floor of the run.
# Instructions (callgrind) and system calls (strace), counted up to the
# execve of the program, do not drift at all.
#
# Environment:
#   PEERS_DIR    where peers were installed (node_modules/.bin, py/bin, bin
#                under it are searched before PATH)
#   ROUNDS       rounds of the appenv, floor and `true` commands (default 2000)
#   PEER_ROUNDS  rounds of the comparison with peers (default 100)
#   HOOK_ROUNDS  rounds of the shell hook comparison (default 500)
#   RUNS         minimum hyperfine runs per size in the scale table (default 30)
#   KEEP=1       keep the fixture directory
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-30}
rounds=${ROUNDS:-2000}
peer_rounds=${PEER_ROUNDS:-100}
hook_rounds=${HOOK_ROUNDS:-500}
warmup=10

say() { printf '%s\n' "$*" >&2; }
die() {
  say "compare.sh: $*"
  exit 1
}

# --- tools ------------------------------------------------------------------

if [[ -n ${PEERS_DIR:-} ]]; then
  for dir in "$PEERS_DIR" "$PEERS_DIR/bin" "$PEERS_DIR/py/bin" "$PEERS_DIR/node_modules/.bin"; do
    [[ -d $dir ]] && PATH="$dir:$PATH"
  done
fi

declare -A how=(
  [cargo]="install Rust: https://rustup.rs"
  [cc]="apt-get install -y gcc libc6-dev   (for the harness and the static floor)"
  [hyperfine]="apt-get install -y hyperfine"
  [time]="apt-get install -y time   (GNU time, /usr/bin/time)"
  [zsh]="apt-get install -y zsh"
  [strace]="apt-get install -y strace"
  [valgrind]="apt-get install -y valgrind"
  [direnv]="apt-get install -y direnv"
  [mise]="npm install --prefix /opt/peers @jdxcode/mise-linux-x64   (then PEERS_DIR=/opt/peers)"
  [dotenv]="npm install --prefix /opt/peers dotenv-cli   (then PEERS_DIR=/opt/peers)"
  [honcho]="python3 -m venv /opt/peers/py && /opt/peers/py/bin/pip install honcho   (then PEERS_DIR=/opt/peers)"
  [uv]="python3 -m venv /opt/peers/py && /opt/peers/py/bin/pip install uv   (then PEERS_DIR=/opt/peers)"
)
declare -A tool=()
missing=()
find_tool() {
  local path
  path=$(command -v "$1" || true)
  # hyperfine -N splits commands on blanks.
  if [[ -n $path && $path != *[[:space:]]* ]]; then
    tool[$1]=$path
  else
    missing+=("$1")
  fi
}
for name in cargo cc hyperfine zsh strace valgrind direnv mise dotenv honcho uv; do
  find_tool "$name"
done
if [[ -x /usr/bin/time ]] && /usr/bin/time --version 2>&1 | grep -q GNU; then
  tool[time]=/usr/bin/time
else
  missing+=(time)
fi
# python-dotenv also installs a `dotenv`; only dotenv-cli takes `-e FILE -- CMD`.
if [[ -n ${tool[dotenv]:-} ]] && ! "${tool[dotenv]}" --help 2>&1 | grep -q -- '-e <path>'; then
  unset 'tool[dotenv]'
  missing+=(dotenv)
fi
if ((${#missing[@]})); then
  say "missing (the rows that need them are left out):"
  for name in "${missing[@]}"; do say "  $name: ${how[$name]}"; done
fi
for name in cargo cc hyperfine time; do
  [[ -n ${tool[$name]:-} ]] || die "$name is required"
done
has() { [[ -n ${tool[$1]:-} ]]; }

# --- build ------------------------------------------------------------------

fix=$(mktemp -d "${TMPDIR:-/tmp}/appenv-bench.XXXXXX")
[[ $fix != *[[:space:]]* ]] || die "the temporary directory $fix holds a blank"
if [[ ${KEEP:-} == 1 ]]; then
  say "fixture: $fix"
else
  trap 'rm -rf "$fix"' EXIT
fi

say "building appenv: dynamically linked, with symbols, then cargo build --release"
mkdir -p "$fix/bin/release" "$fix/bin/dynamic" "$fix/bin/symbols" "$fix/bin/control"
# All three write target/release/appenv; cargo keeps each, and the one
# `cargo build --release` makes is left in place.
(cd "$root" && cargo rustc --release --quiet --bin appenv -- -C target-feature=-crt-static) >&2
cp "$root/target/release/appenv" "$fix/bin/dynamic/appenv"
(cd "$root" && cargo rustc --release --quiet --bin appenv -- -C strip=none) >&2
cp "$root/target/release/appenv" "$fix/bin/symbols/appenv"
(cd "$root" && cargo build --release --quiet) >&2
cp "$root/target/release/appenv" "$fix/bin/release/appenv"
appenv=$fix/bin/release/appenv
dynamic=$fix/bin/dynamic/appenv
# Callgrind needs symbols to stop at execve: the same code, not stripped.
symbols=$fix/bin/symbols/appenv
# The control: the same bytes at another path (appenv reads its own name as
# a shim's, so the name stays).
control=$fix/bin/control/appenv
cp "$appenv" "$control"
# Statically linked: no program interpreter (ld.so) named in the binary.
linkage=statically
if command -v readelf >/dev/null; then
  readelf -l "$appenv" | grep -q 'interpreter' && linkage=dynamically
else
  file -b "$appenv" | grep -q 'static' || linkage=dynamically
fi

harness=$fix/bin/interleave
cc -O2 -o "$harness" "$root/benches/interleave.c" || die "cannot compile benches/interleave.c"

# The floor for any tool that execs the program: a static C program that does
# nothing but execve its arguments (needs a static libc).
floor=""
printf '%s\n' '#include <unistd.h>' 'extern char **environ;' \
  'int main(int c, char **v) { (void)c; execve(v[1], v + 1, environ); return 127; }' >"$fix/floor.c"
cc -O2 -static -o "$fix/bin/exec-only" "$fix/floor.c" 2>/dev/null && floor=$fix/bin/exec-only

# --- fixture ----------------------------------------------------------------

# A Rails-like app: 60 variables in .env, a Procfile, and a shell three
# directories below the root. Each peer is configured to load the same .env.
app=$fix/app
deep=$app/app/models/concerns
mkdir -p "$deep" "$fix/home"
{
  echo "# Development settings"
  echo "APP_NAME=shop"
  echo "RAILS_ENV=development"
  echo "DATABASE_URL=postgres://shop:secret@localhost:5432/shop_development"
  echo "REDIS_URL=redis://localhost:6379/0"
  echo 'SECRET_KEY_BASE="9f8e7d6c5b4a39281706f5e4d3c2b1a0"'
  echo "SMTP_FROM='Shop <shop@example.com>'"
  echo
  for i in $(seq 1 53); do printf 'FEATURE_FLAG_%02d=value-%02d\n' "$i" "$i"; done
  echo "LAST_VARIABLE=the-end"
} >"$app/.env"
# shellcheck disable=SC2016 # $PORT is for the Procfile, not for this shell
printf 'web: bin/rails server -p $PORT\nworker: bin/rails jobs:work\n' >"$app/Procfile"
echo "dotenv" >"$app/.envrc"
printf '[env]\n_.file = ".env"\n' >"$app/mise.toml"
[[ $(grep -c '=' "$app/.env") -eq 60 ]] || die "the fixture .env does not hold 60 variables"

# Every command runs in this environment, not in the caller's: a usual PATH,
# where each tool looks `true` up (the tools themselves are run by their full
# paths).
clean_env=(env -i
  "HOME=$fix/home" "USER=bench" "LOGNAME=bench" "SHELL=/bin/bash" "TERM=dumb"
  "LANG=C.UTF-8" "PATH=/usr/local/bin:/usr/bin:/bin"
  "XDG_CONFIG_HOME=$fix/home/.config" "XDG_DATA_HOME=$fix/home/.local/share"
  "XDG_STATE_HOME=$fix/home/.local/state" "XDG_CACHE_HOME=$fix/home/.cache"
  "EDITOR=vi" "PAGER=less")
in_app() { (cd "$deep" && "${clean_env[@]}" "$@"); }
q() { printf '%q' "$1"; }

in_app "$appenv" allow "$app" >/dev/null 2>&1
has direnv && in_app "${tool[direnv]}" allow "$app" >/dev/null 2>&1
has mise && in_app "${tool[mise]}" trust "$app/mise.toml" >/dev/null 2>&1

# --- exec -------------------------------------------------------------------

declare -A median=() q1=() q3=() failed=() mean=() sd=()
set_n=0
# interleaved ROUNDS LINE...: one harness run over the commands, each LINE
# "name<TAB>envfile<TAB>program<TAB>arg...", started in the app directory.
interleaved() {
  local n=$1 out
  shift
  set_n=$((set_n + 1))
  printf '%s\n' "$@" >"$fix/commands-$set_n"
  out=$fix/times-$set_n
  in_app "$harness" "$n" "$warmup" "$fix/commands-$set_n" >"$out"
  local name med a b f
  while IFS=$'\t' read -r name med a b _ f; do
    median[$name]=$med q1[$name]=$a q3[$name]=$b failed[$name]=$f
  done <"$out"
}
# line NAME ENVFILE WORD...: a harness line.
line() {
  local IFS=$'\t'
  printf '%s' "$*"
}

# What each tool puts before the program. Only peers that load the fixture .env
# (checked on its first and last variable) are measured.
declare -A prefix=(
  [appenv]="$appenv"
)
has mise && prefix[mise]="${tool[mise]} exec --"
has direnv && prefix[direnv]="${tool[direnv]} exec $deep"
has dotenv && prefix[dotenv]="${tool[dotenv]} -e $app/.env --"
has honcho && prefix[honcho]="${tool[honcho]} -e $app/.env run"
has uv && prefix[uv]="${tool[uv]} run --no-project --env-file $app/.env"
declare -A label=(
  [appenv]="appenv true"
  [mise]="mise exec -- true"
  [direnv]="direnv exec DIR true"
  [dotenv]="dotenv -e .env -- true"
  [honcho]="honcho -e .env run true"
  [uv]="uv run --no-project --env-file .env true"
)
exec_order=(appenv mise direnv dotenv uv honcho)
measured=()
for key in "${exec_order[@]}"; do
  [[ -n ${prefix[$key]:-} ]] || continue
  read -ra words <<<"${prefix[$key]}"
  got=$(in_app "${words[@]}" printenv APP_NAME LAST_VARIABLE 2>/dev/null | tr '\n' ' ' || true)
  if [[ $got == "shop the-end " ]]; then
    measured+=("$key")
  else
    say "left out: ${label[$key]} did not load the fixture .env (got: ${got:-nothing})"
  fi
done

true_path=$(type -P true)
l_true="true" l_floor="exec-only true" l_app="appenv true"
l_control="appenv true (control: a copy)" l_dynamic="appenv true (dynamically linked)"
say "exec, interleaved: true, the floor and appenv ($rounds rounds)"
lines=("$(line "$l_true" - "$true_path")"
  "$(line "$l_app" - "$appenv" true)"
  "$(line "$l_control" - "$control" true)"
  "$(line "$l_dynamic" - "$dynamic" true)")
[[ -n $floor ]] && lines+=("$(line "$l_floor" - "$floor" "$true_path")")
interleaved "$rounds" "${lines[@]}"

say "exec, interleaved: appenv and its peers ($peer_rounds rounds)"
peer() { printf 'peers: %s' "$1"; }
lines=("$(line "$(peer "$l_true")" - "$true_path")")
for key in "${measured[@]}"; do
  read -ra words <<<"${prefix[$key]}"
  lines+=("$(line "$(peer "${label[$key]}")" - "${words[@]}" true)")
done
interleaved "$peer_rounds" "${lines[@]}"

# Instructions and system calls up to the execve of the program.
# instructions RUN COMMAND...: callgrind's total for COMMAND, started by the
# function RUN (in_app, loaded), up to its execve (to its exit when it execs
# nothing).
instructions() {
  local run=$1 out
  out=$(mktemp "$fix/callgrind.XXXXXX")
  shift
  "$run" "${tool[valgrind]}" --tool=callgrind --dump-before=execve --callgrind-out-file="$out" \
    "$@" >/dev/null 2>&1 || true
  local file=$out
  [[ -f $out.1 ]] && file=$out.1
  sed -n 's/^totals: //p' "$file" 2>/dev/null | head -n 1
}
# syscalls RUN COMMAND...: "N (name count, ...)": the system calls of
# COMMAND up to the execve of the program it runs (all of them when it execs
# nothing), the execve of COMMAND itself included.
syscalls() {
  local run=$1 out
  out=$(mktemp "$fix/strace.XXXXXX")
  shift
  "$run" "${tool[strace]}" -f -o "$out" "$@" >/dev/null 2>&1 || true
  awk '{ sub(/^[0-9]+ +/, "") } /^execve\(/ && ++e == 2 { exit } { split($0, a, "("); print a[1] }' \
    "$out" >"$out.names"
  printf '%s (%s, …)\n' "$(wc -l <"$out.names")" "$(sort "$out.names" | uniq -c | sort -rn |
    head -n 6 | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1 }')"
}
declare -A insns=() calls=()
if has valgrind; then
  insns[exec]=$(instructions in_app "$symbols" true)
  insns[exec-dynamic]=$(instructions in_app "$dynamic" true)
fi
if has strace; then
  calls[exec]=$(syscalls in_app "$appenv" true)
  calls[exec-dynamic]=$(syscalls in_app "$dynamic" true)
fi

# A big root (a data directory, the top of a monorepo): the fixture's .env
# and Procfile beside 50,000 other names, counted as `appenv true` there
# against the same root holding only those two; what the names add is the
# cost of listing the root and matching its names.
big=$fix/big
big_entries=50000
mkdir -p "$big"
cp "$app/.env" "$app/Procfile" "$big/"
in_big() { (cd "$big" && "${clean_env[@]}" "$@"); }
in_big "$appenv" allow >/dev/null 2>&1
has valgrind && insns[root-small]=$(instructions in_big "$symbols" true)
(cd "$big" && seq -f 'data-%06g.csv' 1 "$big_entries" | xargs touch)
has valgrind && insns[root-big]=$(instructions in_big "$symbols" true)
has strace && calls[root-big]=$(syscalls in_big "$appenv" true)
per_entry=""
if [[ -n ${insns[root-small]:-} && -n ${insns[root-big]:-} ]]; then
  per_entry=$(awk -v a="${insns[root-small]}" -v b="${insns[root-big]}" -v n="$big_entries" \
    'BEGIN { printf "%.0f", (b - a) / n }')
fi

# --- hook, nothing changed --------------------------------------------------

# steady SETUP CMD...: runs CMD in a zsh that has evaluated SETUP in the app
# directory, that is in the state the tool's own first call produced.
steady() {
  local setup=$1
  shift
  # shellcheck disable=SC2016 # expanded by zsh
  in_app "${tool[zsh]}" -f -c 'eval "$1" || exit 1; shift; exec "$@"' zsh "$setup" "$@"
}
hook_rows=() hook_lines=()
declare -A hook_note=()
# with_env FILE COMMAND...: COMMAND in the app directory with exactly the
# environment in FILE (NUL-separated, as `env -0` prints it).
with_env() {
  local file=$1 vars=()
  shift
  mapfile -d '' vars <"$file"
  (cd "$deep" && env -i "${vars[@]}" "$@")
}
# shell_env SETUP: a file holding the environment a zsh inside the app
# exports after evaluating SETUP (a tool's own first call).
shell_env() {
  local file
  file=$(mktemp "$fix/env.XXXXXX")
  steady "$1" env -0 >"$file"
  echo "$file"
}
# hook_env BIN [valgrind] [CODE]: a file holding the environment appenv's
# zsh hook gives `BIN export zsh` at a prompt where nothing changed (the
# state, and the names of the shell's variables in APPENV_SHELL_VARS): the
# hook loads the app, asks again, then (after CODE, run in the shell) once
# more through a wrapper that records its environment. With `valgrind`,
# every ask runs under valgrind, which adds LD_PRELOAD to what appenv
# inherits: the fingerprint then holds it, and a call under callgrind
# answers from it as a call without valgrind does.
hook_env() {
  local bin=$1 file capture ask=$1
  file=$(mktemp "$fix/env.XXXXXX")
  capture=$(mktemp "$fix/bin/capture.XXXXXX")
  if [[ ${2:-} == valgrind ]]; then
    ask=$(mktemp "$fix/bin/valgrind.XXXXXX")
    printf '#!/bin/sh\nexec %s --tool=none -q %s "$@"\n' "$(q "${tool[valgrind]}")" "$(q "$bin")" >"$ask"
    chmod +x "$ask"
  fi
  printf '#!/bin/sh\nenv -0 >%s\nexec %s "$@"\n' "$(q "$file")" "$(q "$ask")" >"$capture"
  chmod +x "$capture"
  # A fingerprint is kept only for files more than a clock tick older than
  # the answer: the hook asks twice, a moment apart, before the recorded ask.
  steady "eval \"\$($(q "$bin") hook zsh)\"; __appenv_bin=$(q "$ask"); __appenv_hook; sleep 0.2
    __appenv_export; sleep 0.2; ${3:-}; __appenv_bin=$(q "$capture"); __appenv_export" true >/dev/null 2>&1
  echo "$file"
}
# hook NAME ENVFILE CMD...: times CMD in the environment ENVFILE holds.
hook() {
  local name=$1 envfile=$2
  shift 2
  hook_note[$name]="$({ with_env "$envfile" "$@" 2>/dev/null || true; } | wc -c) bytes"
  hook_lines+=("$(line "$name" "$envfile" "$@")")
  hook_rows+=("$name")
}
hook_status="implemented"
if ! in_app "$appenv" export zsh >/dev/null 2>&1; then
  hook_status="not implemented on this build (it exits with an error after parsing the command line)"
fi
if has zsh; then
  hook "appenv export zsh" "$(hook_env "$appenv")" "$appenv" export zsh
  has mise && hook "mise hook-env -s zsh" \
    "$(shell_env "eval \"\$($(q "${tool[mise]}") activate zsh)\"; eval \"\$($(q "${tool[mise]}") hook-env -s zsh)\"")" \
    "${tool[mise]}" hook-env -s zsh
  has direnv && hook "direnv export zsh" \
    "$(shell_env "eval \"\$($(q "${tool[direnv]}") export zsh 2>/dev/null)\"")" \
    "${tool[direnv]}" export zsh
  say "hook, interleaved ($hook_rounds rounds)"
  interleaved "$hook_rounds" "${hook_lines[@]}"
  # `appenv export` as the hook calls it: instructions and system calls.
  loaded_env=""
  loaded() { with_env "$loaded_env" "$@"; }
  has valgrind && insns[export]=$(loaded_env=$(hook_env "$symbols" valgrind) instructions loaded "$symbols" export zsh)
  has strace && calls[export]=$(loaded_env=$(hook_env "$appenv") syscalls loaded "$appenv" export zsh)
  # The same after the user made shell variables at the prompt: names the
  # answer does not depend on.
  new_vars='x=1; for i in 1 2; do :; done'
  has valgrind && insns[export-new-var]=$(loaded_env=$(hook_env "$symbols" valgrind "$new_vars") \
    instructions loaded "$symbols" export zsh)
  has strace && calls[export-new-var]=$(loaded_env=$(hook_env "$appenv" "" "$new_vars") \
    syscalls loaded "$appenv" export zsh)
fi

# Processes an unchanged prompt starts: an interactive bash, fed empty lines.
declare -A per_prompt=()
# feed SETUP N [LINE]: runs an interactive bash that evaluates SETUP, then gets N
# empty lines and LINE, under strace; prints what it printed and the processes
# it started, one per line.
feed() {
  local i
  {
    printf '%s\n' "$1"
    for ((i = 0; i < $2; i++)); do echo; done
    printf '%s\n' "${3:-}"
  } >"$fix/prompts"
  in_app "${tool[strace]}" -f -qq -e trace=execve -o "$fix/strace" \
    bash --norc --noprofile -i <"$fix/prompts" 2>/dev/null || true
  grep -c 'execve(' "$fix/strace" || true
}
# prompts SETUP: processes started by 20 unchanged prompts, per prompt. The
# first run warms up (caches, stamp files) and checks that the hook loads the
# app; the other two differ only in their number of prompts.
prompts() {
  local warm zero twenty
  # shellcheck disable=SC2016 # expanded by the bash under test
  warm=$(feed "$1" 0 'printf "loaded:%s\n" "${APP_NAME-}"')
  [[ $warm == *loaded:shop* ]] || {
    echo "n/a (the hook did not load the app)"
    return
  }
  zero=$(feed "$1" 0 | tail -n 1)
  twenty=$(feed "$1" 20 | tail -n 1)
  awk -v a="$zero" -v b="$twenty" 'BEGIN { printf "%g", (b - a) / 20 }'
}
if has strace; then
  say "processes per unchanged prompt (bash)"
  if "$appenv" hook bash >/dev/null 2>&1; then
    per_prompt[appenv]=$(prompts "eval \"\$($(q "$appenv") hook bash)\"")
  else
    per_prompt[appenv]="n/a (no hook on this build)"
  fi
  has mise && per_prompt[mise]=$(prompts "eval \"\$($(q "${tool[mise]}") activate bash)\"")
  has direnv && per_prompt[direnv]=$(prompts "eval \"\$($(q "${tool[direnv]}") hook bash)\"")
fi

# --- scale --------------------------------------------------------------------

sizes=(60 1000 10000 100000)
declare -A scale_rss=() scale_skip=() scale_instr=()
scale_rows=()
for n in "${sizes[@]}"; do
  dir=$fix/scale/$n
  mkdir -p "$dir"
  awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++) printf "APP_VAR_%06d=value-%06d\n", i, i }' >"$dir/.env"
  in_app "$appenv" allow "$dir" >/dev/null 2>&1
done
say "scale: appenv true with larger .env files"
(
  # 100,000 variables (3.6 MB) pass Linux's default limit on the environment
  # (a quarter of the stack limit); execve allows up to 6 MB with a 24 MB stack.
  ulimit -s 65536 2>/dev/null || true
  for n in "${sizes[@]}"; do
    dir=$fix/scale/$n
    if ! (cd "$dir" && "${clean_env[@]}" "$appenv" true 2>"$fix/err"); then
      say "scale $n: appenv true failed: $(cat "$fix/err")"
      echo "skip $n $(tr '\n' ' ' <"$fix/err")"
      continue
    fi
    csv=$fix/scale-$n.csv
    (cd "$dir" && "${clean_env[@]}" "${tool[hyperfine]}" -N --style basic --warmup 3 \
      --min-runs "$runs" --export-csv "$csv" -n "$n" "$appenv true") >&2
    rss=$(cd "$dir" && "${clean_env[@]}" "${tool[time]}" -f %M "$appenv" true 2>&1 >/dev/null | tail -n 1)
    IFS=, read -r _ m s med _ < <(tail -n 1 "$csv")
    # Instructions up to the execve of the program: reproducible where times
    # are not, and they tell the algorithm from the memory hierarchy.
    instr=-
    if has valgrind; then
      (cd "$dir" && "${clean_env[@]}" "${tool[valgrind]}" --tool=callgrind --dump-before=execve \
        --callgrind-out-file="$fix/callgrind.$n" "$symbols" true >/dev/null 2>&1) || true
      instr=$(sed -n 's/^totals: //p' "$fix/callgrind.$n.1" 2>/dev/null || true)
    fi
    echo "row $n $med $m $s $rss ${instr:--}"
  done
) >"$fix/scale.txt"
while read -r kind n rest; do
  if [[ $kind == skip ]]; then
    scale_skip[$n]=$rest
  else
    read -r med m s rss instr <<<"$rest"
    median[scale-$n]=$med mean[scale-$n]=$m sd[scale-$n]=$s scale_rss[$n]=$rss scale_instr[$n]=$instr
  fi
  scale_rows+=("$n")
done <"$fix/scale.txt"

# --- size and memory ----------------------------------------------------------

# peak KCMD...: median of five peak resident set sizes, in KiB.
peak() {
  local i
  for i in 1 2 3 4 5; do
    in_app "${tool[time]}" -f %M "$@" 2>&1 >/dev/null | tail -n 1
  done | sort -n | sed -n 3p
}
declare -A rss=()
rss[true]=$(peak true)
[[ -n $floor ]] && rss[floor]=$(peak "$floor" "$true_path")
rss[dynamic]=$(peak "$dynamic" true)
for key in "${measured[@]}"; do
  read -ra words <<<"${prefix[$key]}"
  rss[$key]=$(peak "${words[@]}" true)
done
size_release=$(stat -c %s "$appenv")
size_dynamic=$(stat -c %s "$dynamic")
declare -A size=()
for name in mise direnv uv; do
  has "$name" && size[$name]=$(stat -L -c %s "${tool[$name]}")
done

# --- report -----------------------------------------------------------------

ms() { awk -v s="$1" 'BEGIN { printf "%.2f ms", s * 1000 }'; }
ms_sd() { awk -v m="$1" -v s="$2" 'BEGIN { printf "%.2f ± %.2f ms", m * 1000, s * 1000 }'; }
ns_ms() { awk -v n="$1" 'BEGIN { printf "%.3f ms", n / 1e6 }'; }
iqr() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f–%.3f", a / 1e6, b / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f×", a / b }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { d = (a / b - 1) * 100; printf "%+.1f%%", d }'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.2f MiB", b / 1048576 }'; }
kib_mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k * 1024 / 1e6 }'; }
thousands() { sed ':a; s/\B[0-9]\{3\}\>/,&/; ta' <<<"$1"; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
yes_no() { if "$@"; then echo yes; else echo "**no**"; fi; }
version() {
  case $1 in
    mise) "${tool[mise]}" --version | head -n 1 ;;
    direnv) "${tool[direnv]}" version ;;
    dotenv)
      local pkg
      pkg=$(dirname "$(readlink -f "${tool[dotenv]}")")/package.json
      sed -n 's/^ *"version": *"\(.*\)".*/dotenv-cli \1/p' "$pkg" | head -n 1
      ;;
    honcho) "${tool[honcho]}" --version 2>&1 ;;
    uv) "${tool[uv]}" --version ;;
  esac
}

t=${median[$l_true]}
a=${median[$l_app]}
c=${median[$l_control]}
f=${median[$l_floor]:-}
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
[[ -z $cpu ]] && command -v lscpu >/dev/null && cpu=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)
commit=$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)
spread=$(awk -v a="$a" -v c="$c" 'BEGIN { d = (c / a - 1) * 100; if (d < 0) d = -d; printf "%.1f%%", d }')

cat <<EOF
## Run of $(date -u +%Y-%m-%d) (appenv $commit)

Machine: $(nproc) CPUs, ${cpu:-unknown CPU}, Linux $(uname -r), load average at the
end $(cut -d' ' -f1-3 /proc/loadavg). Times: [\`benches/interleave.c\`](benches/interleave.c),
each round running every command once in a fresh random order (no shell in between,
output to /dev/null), $warmup warm-up rounds; medians, with the middle half of the runs
(first to third quartile). Every command runs with the same 14 inherited variables.

appenv is built with \`cargo build --release\` ($linkage linked), and for comparison
dynamically linked (\`cargo rustc --release --bin appenv -- -C target-feature=-crt-static\`).
**Noise floor of this run**: a byte-identical copy of appenv, run as one more command,
came out $(pct "$c" "$a") from appenv itself: differences of about $spread are noise.
Peers:
EOF
for name in mise direnv dotenv honcho uv; do
  if has "$name"; then echo "- $name: $(version "$name")"; else echo "- $name: not installed"; fi
done

cat <<EOF

### Exec: \`<tool> true\`

From three directories below the root of an app with a 60-variable \`.env\` and a
Procfile. mise reads \`mise.toml\` (\`[env] _.file = ".env"\`), direnv an \`.envrc\`
holding \`dotenv\`; both are trusted, as appenv is (\`appenv allow\`). dotenv-cli,
honcho and uv are given the \`.env\` path: they do not look for the app root.

appenv, the floor and bare \`true\`, interleaved over $rounds rounds:

| command | median | middle half | vs bare \`true\` | vs the floor | peak RSS |
|---|---:|---:|---:|---:|---:|
EOF
row() {
  local name=$1 shown=$2 rss_key=$3 vs_floor=""
  [[ -n $f ]] && vs_floor=$(ratio "${median[$name]}" "$f")
  echo "| $shown | $(ns_ms "${median[$name]}") | $(iqr "${q1[$name]}" "${q3[$name]}") ms | $(ratio "${median[$name]}" "$t") | $vs_floor | ${rss_key:+$(kib_mb "${rss[$rss_key]}")} |"
}
row "$l_true" "\`true\`" true
[[ -n $f ]] && row "$l_floor" "\`exec-only true\` (the floor: static C, execve only)" floor
row "$l_app" "\`appenv true\` ($linkage linked, the default build)" appenv
row "$l_control" "\`appenv true\`, a byte-identical copy (control)" ""
row "$l_dynamic" "\`appenv true\`, dynamically linked" dynamic

cat <<EOF

Static against dynamic linking: $(pct "$a" "${median[$l_dynamic]}") for \`appenv true\`.

appenv and its peers, interleaved over $peer_rounds rounds (each ratio from this run):

| command | median | middle half | vs bare \`true\` | appenv is faster by | peak RSS |
|---|---:|---:|---:|---:|---:|
EOF
pt=${median[$(peer "$l_true")]}
pa=${median[$(peer "$l_app")]}
echo "| \`true\` | $(ns_ms "$pt") | $(iqr "${q1[$(peer "$l_true")]}" "${q3[$(peer "$l_true")]}") ms | 1.00× | | $(kib_mb "${rss[true]}") |"
for key in "${measured[@]}"; do
  name=$(peer "${label[$key]}")
  faster=""
  [[ $key == appenv ]] || faster=$(ratio "${median[$name]}" "$pa")
  echo "| \`${label[$key]}\` | $(ns_ms "${median[$name]}") | $(iqr "${q1[$name]}" "${q3[$name]}") ms | $(ratio "${median[$name]}" "$pt") | $faster | $(kib_mb "${rss[$key]}") |"
done

cat <<EOF

What appenv asks of the machine up to the execve of \`true\` (these do not drift):
instructions from callgrind (\`--dump-before=execve\`, the static build with its
symbols), system calls from \`strace -f\` (appenv's own execve included; the most
frequent named).

| | instructions | system calls |
|---|---:|---|
| \`appenv true\` ($linkage linked) | $(thousands "${insns[exec]:--}") | ${calls[exec]:--} |
| \`appenv true\`, dynamically linked | $(thousands "${insns[exec-dynamic]:--}") | ${calls[exec-dynamic]:--} |
| \`appenv export zsh\` as the hook calls it, nothing changed | $(thousands "${insns[export]:--}") | ${calls[export]:--} |
| the same after \`x=1\` and a \`for i\` loop at the prompt | $(thousands "${insns[export-new-var]:--}") | ${calls[export-new-var]:--} |
| \`appenv true\` at a root holding only \`.env\` and a Procfile | $(thousands "${insns[root-small]:--}") | |
| the same root with $(thousands "$big_entries") more names | $(thousands "${insns[root-big]:--}") | ${calls[root-big]:--} |
EOF
[[ -n $per_entry ]] && printf '\nPer name in the root: %s instructions.\n' "$(thousands "$per_entry")"

echo
echo "### Shell hook, nothing changed"
echo
echo "Each command runs in the environment its own hook gives it at a prompt where"
echo "nothing changed, in a zsh inside the app (for appenv, recorded from its hook's"
echo "second call; for mise and direnv, what the shell exports after their first), interleaved over"
echo "$hook_rounds rounds; the last column is how much the timed call prints (appenv"
echo "repeats the lists the hook watches). \`appenv export\`: $hook_status."
echo
echo "| command | median | middle half | vs \`appenv export zsh\` | output |"
echo "|---|---:|---:|---:|---:|"
for name in "${hook_rows[@]}"; do
  echo "| \`$name\` | $(ns_ms "${median[$name]}") | $(iqr "${q1[$name]}" "${q3[$name]}") ms | $(ratio "${median[$name]}" "${median[appenv export zsh]}") | ${hook_note[$name]} |"
done
if has strace; then
  echo
  echo "Processes started by an unchanged prompt (interactive bash fed 20 empty lines,"
  echo "\`strace -f -e trace=execve\`, less the count for no lines):"
  echo
  for name in appenv mise direnv; do
    [[ -n ${per_prompt[$name]:-} ]] && echo "- $name: ${per_prompt[$name]}"
  done
fi

cat <<EOF

### Scale: \`appenv true\` with larger \`.env\` files

One \`.env\` of N variables (\`APP_VAR_000001=value-000001\`…), nothing else; run with
a 64 MB stack limit so that Linux accepts the 3.6 MB environment of the largest.
Times from hyperfine (\`-N\`, at least $runs runs), one size after the other; "since the
row above" is the cost of each added variable. Instructions are appenv's own, up to
the execve of \`true\` (callgrind).

| variables | median | mean ± σ | per 1,000 variables since the row above | instructions | per variable since the row above | peak RSS |
|---:|---:|---:|---:|---:|---:|---:|
EOF
prev_n="" prev_t="" prev_i=""
for n in "${scale_rows[@]}"; do
  if [[ -n ${scale_skip[$n]:-} ]]; then
    echo "| $n | failed: ${scale_skip[$n]} | | | | | |"
    continue
  fi
  med=${median[scale-$n]} instr=${scale_instr[$n]:--}
  step="" istep=""
  [[ -n $prev_n ]] && step=$(awk -v a="$prev_t" -v b="$med" -v m="$prev_n" -v n="$n" \
    'BEGIN { printf "%.3f ms", (b - a) * 1000 / ((n - m) / 1000) }')
  [[ -n $prev_n && $instr != - && $prev_i != - ]] && istep=$(awk -v a="$prev_i" -v b="$instr" \
    -v m="$prev_n" -v n="$n" 'BEGIN { printf "%.0f", (b - a) / (n - m) }')
  echo "| $n | $(ms "$med") | $(ms_sd "${mean[scale-$n]}" "${sd[scale-$n]}") | $step | $(thousands "$instr") | $istep | $(kib_mb "${scale_rss[$n]}") |"
  prev_n=$n prev_t=$med prev_i=$instr
done
i60=${scale_instr[60]:--} i10k=${scale_instr[10000]:--}
per_var=""
if [[ $i60 != - && $i10k != - ]]; then
  per_var=$(awk -v a="$i60" -v b="$i10k" 'BEGIN { printf "%.0f", (b - a) / (10000 - 60) }')
  echo
  echo "Per variable, from 60 to 10,000 variables: $(thousands "$per_var") instructions."
fi

cat <<EOF

### Size

| binary | size |
|---|---:|
| appenv (\`cargo build --release\`, $linkage linked) | $(mib "$size_release") |
| appenv, dynamically linked | $(mib "$size_dynamic") |
EOF
for name in mise direnv uv; do
  [[ -n ${size[$name]:-} ]] && echo "| $name | $(mib "${size[$name]}") |"
done

# Targets.
m=${median[$(peer "${label[mise]}")]:-}
d=${median[$(peer "${label[direnv]}")]:-}
h=${median[appenv export zsh]:-}
mh=${median[mise hook-env -s zsh]:-}
n_exec=${calls[exec]%% *}
cat <<EOF

### Targets

| target | measured | met |
|---|---:|:---:|
| \`appenv true\` ≤ 2× bare \`true\` | $(ratio "$a" "$t") | $(yes_no le "$(awk -v a="$a" -v t="$t" 'BEGIN { print a / t }')" 2) |
EOF
[[ -n $f ]] && echo "| \`appenv true\` against the floor | $(ratio "$a" "$f") | |"
[[ -n $m ]] && echo "| ≥ 5× faster than \`mise exec\` | $(ratio "$m" "$pa") | $(yes_no ge "$(awk -v a="$pa" -v m="$m" 'BEGIN { print m / a }')" 5) |"
[[ -n $d ]] && echo "| ≥ 10× faster than \`direnv exec\` | $(ratio "$d" "$pa") | $(yes_no ge "$(awk -v a="$pa" -v d="$d" 'BEGIN { print d / a }')" 10) |"
[[ -n $h && -n $mh ]] && echo "| \`appenv export\` unchanged ≥ 2× faster than \`mise hook-env\` | $(ratio "$mh" "$h") | $(yes_no ge "$(awk -v h="$h" -v m="$mh" 'BEGIN { print m / h }')" 2) |"
[[ -n $n_exec && $n_exec != - ]] && echo "| ≤ 60 system calls before execve | $n_exec | $(yes_no le "$n_exec" 60) |"
[[ -n $per_var ]] && echo "| ≤ 5,000 instructions per variable | $(thousands "$per_var") | $(yes_no le "$per_var" 5000) |"
if [[ ${per_prompt[appenv]:-n/a} == n/a* ]]; then
  echo "| 0 processes at an unchanged prompt | ${per_prompt[appenv]:-not measured (no strace)} | n/a |"
else
  echo "| 0 processes at an unchanged prompt | ${per_prompt[appenv]} | $(yes_no test "${per_prompt[appenv]}" = 0) |"
fi
echo "| binary ≤ 3 MiB | $(mib "$size_release") | $(yes_no le "$size_release" 3145728) |"
echo "| peak RSS of \`appenv true\` ≤ 5 MB | $(kib_mb "${rss[appenv]}") | $(yes_no le "$((rss[appenv] * 1024))" 5000000) |"
# Linear: the cost per variable of the last step (10,000 to 100,000) is within
# twice that of the step before (1,000 to 10,000); n log n gives about 1.1×,
# quadratic 10×.
s1=${median[scale-1000]:-} s2=${median[scale-10000]:-} s3=${median[scale-100000]:-}
if [[ -n $s1 && -n $s2 && -n $s3 ]]; then
  growth=$(awk -v a="$s1" -v b="$s2" -v c="$s3" 'BEGIN { print ((c - b) / 90) / ((b - a) / 9) }')
  i1=${scale_instr[1000]:--} i2=${scale_instr[10000]:--} i3=${scale_instr[100000]:--}
  igrowth=""
  [[ $i1 != - && $i2 != - && $i3 != - ]] && igrowth=$(awk -v a="$i1" -v b="$i2" -v c="$i3" \
    'BEGIN { printf " (instructions: %.2f×)", ((c - b) / 90) / ((b - a) / 9) }')
  echo "| cost grows linearly (per variable, 10k→100k vs 1k→10k, ≤ 2×) | $(awk -v g="$growth" 'BEGIN { printf "%.2f×", g }')$igrowth | $(yes_no le "$growth" 2) |"
fi
if [[ -n $s3 ]]; then
  echo "| 100,000 variables far under a second (≤ 0.25 s) | $(ms "$s3") | $(yes_no le "$s3" 0.25) |"
fi

bad=()
for name in "${!failed[@]}"; do
  [[ ${failed[$name]} == 0 ]] || bad+=("\`$name\` (${failed[$name]})")
done
if ((${#bad[@]})); then
  echo
  echo "**Runs that failed** (timed anyway): ${bad[*]}."
fi

cat <<EOF

Reproduce: \`PEERS_DIR=/opt/peers benches/compare.sh\` (see the top of the script
for what it needs and how to install it).
EOF
