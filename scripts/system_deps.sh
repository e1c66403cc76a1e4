#!/usr/bin/env bash
# System packages the test suite needs, installed with apt-get only when missing (one `apt-get update` at most):
# headless Chromium renders the Prefect UI, docker-compose checks docker-compose.yml (`config` only: no engine),
# PostgreSQL backs the Prefect server of the integration tests and `make stack`.
# `--check` installs nothing: it prints what is missing, one line, and exits 1 if anything is.
# Quiet when everything is present, so `make test` says nothing about it on a machine that is set up.
set -euo pipefail

missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
command -v docker-compose > /dev/null || missing+=(docker-compose)
compgen -G "/usr/lib/postgresql/*/bin/initdb" > /dev/null || missing+=(postgresql)

if [[ "${1:-}" == "--check" ]]; then
  if (( ${#missing[@]} )); then
    echo "missing system packages: ${missing[*]}"
    exit 1
  fi
  exit 0
fi
(( ${#missing[@]} )) || exit 0

how="apt-get install ${missing[*]}"
if ! command -v apt-get > /dev/null; then
  echo "error: the tests need the system packages ${missing[*]}; install them (no apt-get here)" >&2
  exit 1
fi
sudo=""
if [[ $EUID -ne 0 ]]; then
  if ! command -v sudo > /dev/null; then
    echo "error: the tests need the system packages ${missing[*]}: run \`$how\` as root" >&2
    exit 1
  fi
  sudo="sudo"
fi
echo "installing system packages the tests need: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
exec "$0" --check  # fails, saying what, if a package did not provide what the tests look for
