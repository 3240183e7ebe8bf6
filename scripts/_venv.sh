# Sourced by scripts/run and scripts/test: create or refresh .venv with the project in it.
# $1: the pip extras to install, e.g. "" or "test,wechaty". Reinstalls only when pyproject.toml
# or the extras changed, so a second run starts at once.
lianhu_venv() {
  local extras="$1" py="" stamp want
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      py=$candidate; break
    fi
  done
  if [ -z "$py" ]; then
    echo "需要 Python 3.11 或更新版本 (Python >= 3.11 is required)" >&2
    return 1
  fi
  if [ ! -x .venv/bin/python ]; then
    echo "· creating .venv with $py" >&2
    "$py" -m venv .venv || return 1
  fi
  local hash
  hash="$(sha256sum pyproject.toml | cut -c1-16)"
  want="$hash-$extras"
  stamp=.venv/.lianhu-installed
  # an install with extras also serves a run that needs none
  if ! { [ -f "$stamp" ] && { grep -qx -- "$want" "$stamp" || { [ -z "$extras" ] && grep -q "^$hash-" "$stamp"; }; }; }; then
    echo "· installing lianhu${extras:+[$extras]} into .venv" >&2
    .venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
    .venv/bin/python -m pip install -q -e ".${extras:+[$extras]}" || return 1
    echo "$want" >> "$stamp"
  fi
  lianhu_native
}

# The classifier's hot modules compiled with mypyc (scripts/build_native.py; it does nothing when
# the stamp of source hashes says the build is current). Needs a C compiler and Python's headers:
# installed from Debian when missing. If anything fails the bot runs on the pure-Python modules.
lianhu_native() {
  local inc
  [ -n "${LIANHU_PURE:-}" ] && [ "${LIANHU_PURE}" != 0 ] && return 0
  inc="$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["include"])')"
  if ! command -v gcc >/dev/null 2>&1 || [ ! -f "$inc/Python.h" ]; then
    echo "· installing gcc and python3-dev to compile the classifier" >&2
    local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
    { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq gcc python3-dev; } \
      >/dev/null 2>&1 || true
  fi
  if ! command -v gcc >/dev/null 2>&1 || [ ! -f "$inc/Python.h" ]; then
    echo "! no C compiler or Python headers: the classifier runs on pure Python" >&2
    return 0
  fi
  .venv/bin/python scripts/build_native.py || echo "! compiling the classifier failed: it runs on pure Python" >&2
  return 0
}
