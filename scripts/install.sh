#!/bin/sh
# Installs appenv from its release tarball, offline.
#
#   install.sh [--prefix DIR] [TARBALL]
#
# Without TARBALL it installs the unpacked tarball it sits in. Given
# TARBALL, it first checks it against TARBALL.sha256 when that file is there
# and refuses a mismatch, then installs from it. Files go under PREFIX
# (default /usr/local), below DESTDIR when that is set (for packagers); each
# installed path is printed. Nothing outside bin/ and share/ is written.
set -eu

prefix=/usr/local
tarball=
while [ $# -gt 0 ]; do
  case $1 in
    --prefix)
      [ $# -ge 2 ] || {
        echo "install.sh: --prefix needs a directory" >&2
        exit 2
      }
      prefix=$2
      shift 2
      ;;
    --prefix=*)
      prefix=${1#--prefix=}
      shift
      ;;
    -h | --help)
      echo "usage: install.sh [--prefix DIR] [TARBALL]"
      exit 0
      ;;
    -*)
      echo "install.sh: unknown option $1" >&2
      exit 2
      ;;
    *)
      [ -z "$tarball" ] || {
        echo "install.sh: one tarball at a time" >&2
        exit 2
      }
      tarball=$1
      shift
      ;;
  esac
done
case $prefix in
  /*) ;;
  *)
    echo "install.sh: the prefix must be an absolute path: $prefix" >&2
    exit 2
    ;;
esac

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  else
    shasum -a 256 "$1" | cut -d ' ' -f 1
  fi
}

if [ -n "$tarball" ]; then
  [ -f "$tarball" ] || {
    echo "install.sh: no such file: $tarball" >&2
    exit 1
  }
  if [ -f "$tarball.sha256" ]; then
    want=$(cut -d ' ' -f 1 <"$tarball.sha256")
    got=$(sha256 "$tarball")
    if [ "$want" != "$got" ]; then
      echo "install.sh: $tarball does not match $tarball.sha256 (sha256 $got, expected $want): not installing" >&2
      exit 1
    fi
    echo "checked $tarball against $tarball.sha256"
  fi
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  tar -xzf "$tarball" -C "$tmp"
  src=
  for dir in "$tmp"/appenv-*; do
    [ -x "$dir/bin/appenv" ] && src=$dir
  done
  [ -n "$src" ] || {
    echo "install.sh: $tarball is not an appenv release tarball" >&2
    exit 1
  }
else
  src=$(cd "$(dirname "$0")" && pwd)
  [ -x "$src/bin/appenv" ] || {
    echo "install.sh: no bin/appenv beside this script; give the tarball" >&2
    exit 1
  }
fi

dest=${DESTDIR:-}$prefix
(cd "$src" && find bin share -type f | LC_ALL=C sort) | while IFS= read -r file; do
  mode=644
  [ -x "$src/$file" ] && mode=755
  mkdir -p "$(dirname "$dest/$file")"
  install -m "$mode" "$src/$file" "$dest/$file"
  echo "installed $dest/$file"
done
