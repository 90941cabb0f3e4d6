#!/usr/bin/env bash
# Side-by-side benchmark of appenv against bare exec and the tools people use to
# get into an app environment: mise, direnv, dotenv-cli, honcho and uv.
#
#   PEERS_DIR=/opt/peers benches/compare.sh > results.md
#
# It builds appenv (`cargo build --release`, and the static build that
# `cargo build-static` makes), builds a fixture app in a temporary directory, and
# measures, in one run: exec (`<tool> true`), the shell hook with nothing changed,
# how the cost grows with the size of .env, binary size and peak memory. The
# results go to stdout as Markdown (BENCHMARKS.md holds one run); progress goes to
# stderr. It installs nothing: it says what is missing and how to get it.
#
# Environment:
#   PEERS_DIR  where peers were installed (node_modules/.bin, py/bin, bin under it
#              are searched before PATH)
#   RUNS       minimum runs per command (default 30; hyperfine also runs each
#              command for at least 3 seconds)
#   KEEP=1     keep the fixture directory
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-30}
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
for name in cargo hyperfine zsh strace valgrind direnv mise dotenv honcho uv; do
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
for name in cargo hyperfine time; do
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

say "building appenv (dynamically linked, then cargo build --release)"
mkdir -p "$fix/bin/release" "$fix/bin/static"
# Both builds write target/release/appenv; cargo keeps both, and the regular
# one (static on Linux with glibc) is left in place.
(cd "$root" && cargo rustc --release --quiet --bin appenv -- -C target-feature=-crt-static) >&2
cp "$root/target/release/appenv" "$fix/bin/release/appenv"
(cd "$root" && cargo build --release --quiet) >&2
cp "$root/target/release/appenv" "$fix/bin/static/appenv"
appenv=$fix/bin/release/appenv
static=$fix/bin/static/appenv

# The floor for any tool that execs the program: a static C program that does
# nothing but execve its arguments (needs a C compiler and a static libc).
floor=""
if command -v cc >/dev/null 2>&1; then
  printf '%s\n' '#include <unistd.h>' 'extern char **environ;' \
    'int main(int c, char **v) { (void)c; execve(v[1], v + 1, environ); return 127; }' >"$fix/floor.c"
  cc -O2 -static -o "$fix/bin/exec-only" "$fix/floor.c" 2>/dev/null && floor=$fix/bin/exec-only
fi

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

# Every command runs in this environment, not in the caller's.
clean_env=(env -i
  "HOME=$fix/home" "USER=bench" "LOGNAME=bench" "SHELL=/bin/bash" "TERM=dumb"
  "LANG=C.UTF-8" "PATH=$PATH"
  "XDG_CONFIG_HOME=$fix/home/.config" "XDG_DATA_HOME=$fix/home/.local/share"
  "XDG_STATE_HOME=$fix/home/.local/state" "XDG_CACHE_HOME=$fix/home/.cache"
  "EDITOR=vi" "PAGER=less")
in_app() { (cd "$deep" && "${clean_env[@]}" "$@"); }
q() { printf '%q' "$1"; }

in_app "$appenv" allow "$app" >/dev/null 2>&1
has direnv && in_app "${tool[direnv]}" allow "$app" >/dev/null 2>&1
has mise && in_app "${tool[mise]}" trust "$app/mise.toml" >/dev/null 2>&1

# --- exec -------------------------------------------------------------------

declare -A median=() mean=() sd=()
csv_n=0
# bench NAME COMMAND [NAME COMMAND]...: one hyperfine run, no intermediate shell.
bench() {
  local args=() csv
  csv_n=$((csv_n + 1))
  csv=$fix/result-$csv_n.csv
  while (($#)); do
    args+=(-n "$1" "$2")
    shift 2
  done
  in_app "${tool[hyperfine]}" -N --style basic --warmup "$warmup" --min-runs "$runs" \
    --export-csv "$csv" "${args[@]}" >&2
  local name m s med rest
  while IFS=, read -r name m s med rest; do
    [[ $name == command ]] && continue
    median[$name]=$med mean[$name]=$m sd[$name]=$s
  done <"$csv"
}

# What each tool puts before the program. Only peers that load the fixture .env
# (checked on its first and last variable) are measured.
declare -A prefix=(
  [appenv]="$appenv"
  [appenv-static]="$static"
)
has mise && prefix[mise]="${tool[mise]} exec --"
has direnv && prefix[direnv]="${tool[direnv]} exec $deep"
has dotenv && prefix[dotenv]="${tool[dotenv]} -e $app/.env --"
has honcho && prefix[honcho]="${tool[honcho]} -e $app/.env run"
has uv && prefix[uv]="${tool[uv]} run --no-project --env-file $app/.env"
declare -A label=(
  [appenv]="appenv true"
  [appenv-static]="appenv true (static build)"
  [mise]="mise exec -- true"
  [direnv]="direnv exec DIR true"
  [dotenv]="dotenv -e .env -- true"
  [honcho]="honcho -e .env run true"
  [uv]="uv run --no-project --env-file .env true"
)
exec_order=(appenv appenv-static mise direnv dotenv uv honcho)
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

say "exec: <tool> true"
true_path=$(type -P true)
exec_args=("true" "$true_path")
[[ -n $floor ]] && exec_args+=("exec-only true" "$floor $true_path")
for key in "${measured[@]}"; do
  exec_args+=("${label[$key]}" "${prefix[$key]} true")
done
bench "${exec_args[@]}"

# --- hook, nothing changed --------------------------------------------------

# steady SETUP CMD...: runs CMD in a zsh that has evaluated SETUP in the app
# directory, that is in the state the tool's own first call produced.
steady() {
  local setup=$1
  shift
  # shellcheck disable=SC2016 # expanded by zsh
  in_app "${tool[zsh]}" -f -c 'eval "$1" || exit 1; shift; exec "$@"' zsh "$setup" "$@"
}
hook_rows=()
declare -A hook_note=()
# hook NAME SETUP CMD...: times CMD in the state SETUP leaves. With
# ignore_failure=-i, a command that fails is timed anyway.
ignore_failure=""
hook() {
  local name=$1 setup=$2
  shift 2
  local bytes
  bytes=$({ steady "$setup" "$@" 2>/dev/null || true; } | wc -c)
  hook_note[$name]="$bytes bytes"
  say "hook: $name"
  local args=() csv
  csv_n=$((csv_n + 1))
  csv=$fix/result-$csv_n.csv
  steady "$setup" "${tool[hyperfine]}" -N --style basic --warmup "$warmup" --min-runs "$runs" \
    ${ignore_failure:+"$ignore_failure"} --export-csv "$csv" -n "$name" "$*" >&2
  local n m s med rest
  while IFS=, read -r n m s med rest; do
    [[ $n == command ]] && continue
    median[$n]=$med mean[$n]=$m sd[$n]=$s
  done <"$csv"
  hook_rows+=("$name")
}
hook_status="implemented"
if ! in_app "$appenv" export zsh >/dev/null 2>&1; then
  hook_status="not implemented on this build (it exits with an error after parsing the command line)"
fi
if has zsh; then
  if [[ $hook_status == implemented ]]; then
    hook "appenv export zsh" "eval \"\$($(q "$appenv") export zsh)\"" "$appenv" export zsh
  else
    ignore_failure=-i hook "appenv export zsh" ":" "$appenv" export zsh
  fi
  has mise && hook "mise hook-env -s zsh" \
    "eval \"\$($(q "${tool[mise]}") activate zsh)\"; eval \"\$($(q "${tool[mise]}") hook-env -s zsh)\"" \
    "${tool[mise]}" hook-env -s zsh
  has direnv && hook "direnv export zsh" "eval \"\$($(q "${tool[direnv]}") export zsh 2>/dev/null)\"" \
    "${tool[direnv]}" export zsh
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

sizes=(10 1000 10000 100000)
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
        --callgrind-out-file="$fix/callgrind.$n" "$appenv" true >/dev/null 2>&1) || true
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
for key in "${measured[@]}"; do
  read -ra words <<<"${prefix[$key]}"
  rss[$key]=$(peak "${words[@]}" true)
done
size_release=$(stat -c %s "$appenv")
size_static=$(stat -c %s "$static")
declare -A size=()
for name in mise direnv uv; do
  has "$name" && size[$name]=$(stat -L -c %s "${tool[$name]}")
done

# --- report -----------------------------------------------------------------

ms() { awk -v s="$1" 'BEGIN { printf "%.2f ms", s * 1000 }'; }
ms_sd() { awk -v m="$1" -v s="$2" 'BEGIN { printf "%.2f ± %.2f ms", m * 1000, s * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f×", a / b }'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.2f MiB", b / 1048576 }'; }
kib_mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k * 1024 / 1e6 }'; }
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

t=${median[true]}
a=${median[${label[appenv]}]}
s=${median[${label[appenv-static]}]}
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
commit=$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)

cat <<EOF
## Run of $(date -u +%Y-%m-%d) (appenv $commit)

Machine: $(nproc) CPUs, ${cpu:-unknown CPU}, Linux $(uname -r), load average at the
end $(cut -d' ' -f1-3 /proc/loadavg). hyperfine $("${tool[hyperfine]}" --version | cut -d' ' -f2),
no intermediate shell (\`-N\`), at least $runs runs and 3 seconds per command, $warmup warm-up runs.
Times are medians. Every command runs with the same 14 inherited variables.

appenv is built with \`cargo build --release\` (glibc, dynamically linked) and, as
"static build", with \`cargo build-static\` (the same release profile, glibc linked
statically). Peers:
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

| command | median | mean ± σ | vs bare \`true\` | appenv is faster by | peak RSS |
|---|---:|---:|---:|---:|---:|
| \`true\` | $(ms "$t") | $(ms_sd "${mean[true]}" "${sd[true]}") | 1.00× | | $(kib_mb "${rss[true]}") |
EOF
if [[ -n $floor ]]; then
  l="exec-only true"
  echo "| \`$l\` (the floor: static C, execve only) | $(ms "${median[$l]}") | $(ms_sd "${mean[$l]}" "${sd[$l]}") | $(ratio "${median[$l]}" "$t") | | $(kib_mb "${rss[floor]}") |"
fi
for key in "${measured[@]}"; do
  l=${label[$key]}
  faster=""
  [[ $key == appenv* ]] || faster=$(ratio "${median[$l]}" "$a")
  echo "| \`$l\` | $(ms "${median[$l]}") | $(ms_sd "${mean[$l]}" "${sd[$l]}") | $(ratio "${median[$l]}" "$t") | $faster | $(kib_mb "${rss[$key]}") |"
done

echo
echo "### Shell hook, nothing changed"
echo
echo "Each command is timed in the state its own first call left in a zsh inside the"
echo "app (the second call onwards); the last column is how much the timed call"
echo "prints (appenv repeats the list of paths the hook watches)."
echo "\`appenv export\`: $hook_status."
echo
echo "| command | median | mean ± σ | vs \`appenv export zsh\` | output |"
echo "|---|---:|---:|---:|---:|"
for name in "${hook_rows[@]}"; do
  echo "| \`$name\` | $(ms "${median[$name]}") | $(ms_sd "${mean[$name]}" "${sd[$name]}") | $(ratio "${median[$name]}" "${median[appenv export zsh]}") | ${hook_note[$name]} |"
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
"Since the row above" is the cost of each added variable. Instructions are
appenv's own, up to the execve of \`true\` (callgrind).

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
  shown_i=$instr
  [[ $instr != - ]] && shown_i=$(sed ':a; s/\B[0-9]\{3\}\>/,&/; ta' <<<"$instr")
  echo "| $n | $(ms "$med") | $(ms_sd "${mean[scale-$n]}" "${sd[scale-$n]}") | $step | $shown_i | $istep | $(kib_mb "${scale_rss[$n]}") |"
  prev_n=$n prev_t=$med prev_i=$instr
done

cat <<EOF

### Size

| binary | size |
|---|---:|
| appenv (\`cargo build --release\`) | $(mib "$size_release") |
| appenv (static build) | $(mib "$size_static") |
EOF
for name in mise direnv uv; do
  [[ -n ${size[$name]:-} ]] && echo "| $name | $(mib "${size[$name]}") |"
done

# Targets.
m=${median[${label[mise]}]:-}
d=${median[${label[direnv]}]:-}
h=${median[appenv export zsh]:-}
mh=${median[mise hook-env -s zsh]:-}
cat <<EOF

### Targets

| target | measured | met |
|---|---:|:---:|
| \`appenv true\` ≤ 2× bare \`true\` | $(ratio "$a" "$t") (static build: $(ratio "$s" "$t")) | $(yes_no le "$(awk -v a="$a" -v t="$t" 'BEGIN { print a / t }')" 2) (static: $(yes_no le "$(awk -v a="$s" -v t="$t" 'BEGIN { print a / t }')" 2)) |
EOF
[[ -n $m ]] && echo "| ≥ 5× faster than \`mise exec\` | $(ratio "$m" "$a") | $(yes_no ge "$(awk -v a="$a" -v m="$m" 'BEGIN { print m / a }')" 5) |"
[[ -n $d ]] && echo "| ≥ 10× faster than \`direnv exec\` | $(ratio "$d" "$a") | $(yes_no ge "$(awk -v a="$a" -v d="$d" 'BEGIN { print d / a }')" 10) |"
[[ -n $h && -n $mh ]] && echo "| \`appenv export\` unchanged ≥ 2× faster than \`mise hook-env\` | $(ratio "$mh" "$h") | $(yes_no ge "$(awk -v h="$h" -v m="$mh" 'BEGIN { print m / h }')" 2) |"
if [[ ${per_prompt[appenv]:-n/a} == n/a* ]]; then
  echo "| 0 processes at an unchanged prompt | ${per_prompt[appenv]:-not measured (no strace)} | n/a |"
else
  echo "| 0 processes at an unchanged prompt | ${per_prompt[appenv]} | $(yes_no test "${per_prompt[appenv]}" = 0) |"
fi
echo "| binary ≤ 3 MiB | $(mib "$size_release") (static: $(mib "$size_static")) | $(yes_no le "$size_release" 3145728) |"
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

cat <<EOF

Reproduce: \`PEERS_DIR=/opt/peers benches/compare.sh\` (see the top of the script
for what it needs and how to install it).
EOF
