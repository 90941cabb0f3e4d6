#!/usr/bin/env bash
# What a shim costs in a Bundler app, next to `bundle exec` and to setting
# Bundler's variables by hand.
#
#   benches/shim-bundler.sh > results.md
#
# Builds appenv (`cargo build --release`), makes a Bundler app needing `rake`
# in a temporary directory (`bundle install --local`, from the system's gems),
# allows it, and times `ruby -e 1` five ways with hyperfine (no shell in
# between, the same small environment for each). Medians go to stdout as
# Markdown. Needs ruby, bundler, rake and hyperfine (Debian: ruby bundler rake
# hyperfine).
#
# Environment:
#   RUNS  minimum runs per command (default 40)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-40}
for tool in ruby bundle hyperfine python3; do
  command -v "$tool" >/dev/null || { echo "shim-bundler.sh: $tool is missing" >&2; exit 1; }
done
ruby=$(command -v ruby)
bundle=$(command -v bundle)

(cd "$root" && cargo build --release --quiet)
appenv=$root/target/release/appenv

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/home" "$dir/data" "$dir/shims" "$dir/app"
ln -s "$appenv" "$dir/shims/ruby"
ln -s "$appenv" "$dir/shims/true"
printf 'source "https://rubygems.org"\ngem "rake"\n' >"$dir/app/Gemfile"
printf 'FOO=1\n' >"$dir/app/.env"
cd "$dir/app"
env=(env -i "HOME=$dir/home" "XDG_DATA_HOME=$dir/data" "PATH=$dir/shims:/usr/bin:/bin")
"${env[@]}" "$bundle" install --local --quiet 2>/dev/null
"${env[@]}" "$appenv" allow 2>/dev/null

hyperfine -N --warmup 5 --min-runs "$runs" --export-json "$dir/ruby.json" \
  -n 'ruby -e 1' "${env[*]} $ruby -e 1" \
  -n 'shim: ruby -e 1' "${env[*]} $dir/shims/ruby -e 1" \
  -n 'RUBYOPT=-rbundler/setup BUNDLE_GEMFILE=… ruby -e 1' \
  "${env[*]} RUBYOPT=-rbundler/setup BUNDLE_GEMFILE=$dir/app/Gemfile $ruby -e 1" \
  -n 'bundle exec ruby -e 1' "${env[*]} $bundle exec ruby -e 1" \
  -n 'appenv ruby -e 1 (typed: bundle exec ruby -e 1)' "${env[*]} $appenv ruby -e 1" \
  >/dev/null 2>&1
hyperfine -N --warmup 10 --min-runs 100 --export-json "$dir/true.json" \
  -n 'true' "${env[*]} /usr/bin/true" \
  -n 'shim: true' "${env[*]} $dir/shims/true" \
  >/dev/null 2>&1

python3 - "$dir/ruby.json" "$dir/true.json" <<'PY'
import json, statistics, sys
print("| command | median | min | vs `bundle exec` |")
print("|---|---:|---:|---:|")
ruby = json.load(open(sys.argv[1]))["results"]
base = statistics.median(next(r for r in ruby if r["command"].startswith("bundle exec"))["times"])
for r in ruby + json.load(open(sys.argv[2]))["results"]:
    t = r["times"]
    ratio = f"{statistics.median(t) / base:.2f}×" if r in ruby else ""
    print(f"| `{r['command']}` | {statistics.median(t) * 1000:.1f} ms | {min(t) * 1000:.1f} ms | {ratio} |")
PY
echo
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs; $("$ruby" -v | cut -d' ' -f1-2), Bundler $("$bundle" -v | cut -d' ' -f3)."
