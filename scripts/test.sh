#!/usr/bin/env bash
# Set up everything the tests need on a fresh Debian/Ubuntu machine, then run them.
# Used as is by CI (.ci/run). Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

# System packages some tests need (a real browser, a real PostgreSQL, Java for Spark).
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v git >/dev/null 2>&1 || need+=(git)
command -v openssl >/dev/null 2>&1 || need+=(openssl)  # a self-signed TLS server (OPA fault tests)
command -v mount >/dev/null 2>&1 || need+=(mount)  # a tiny tmpfs (disk-full test)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
if [ "${#need[@]}" -gt 0 ]; then
  echo "scripts/test.sh: installing system packages: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
.venv/bin/python -m pip install -q -e ".[test]" 2>&1 | grep -v '^WARNING: Location' || true
# OPA's own evaluator in-process, the oracle the policy tests hold the embedded engine to (and
# the optional opa-inprocess engine). Its metadata asks for Python 3.14; the ctypes wrapper runs
# on 3.11, and it has no dependencies.
opa_oracle() {
  "$1/bin/python" -m pip install -q --no-deps --ignore-requires-python "opa-golib-python-bindings>=0.4,<0.5" 2>&1 \
    | grep -v '^WARNING: Location' || true
  "$1/bin/python" -c "import opa_bindings; opa_bindings.OpaEngine().close()"
}
opa_oracle .venv
.venv/bin/python -c "import meshguard" # fail early when the install did not work

export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff"
ruff check src tests benchmarks scripts
# docs and README.md: the Python code blocks of the Markdown files
ruff format --check src tests benchmarks scripts docs README.md
echo "== mypy (strict, src/)"
mypy
echo "== pytest"
# every test, slow ones included, one worker per core; a test file stays on one worker (its
# module fixtures are built once). scripts/test-core.sh is the quick loop without the slow ones.
pytest -q -n auto --dist loadfile "$@"
# meshguard as users install it: the wheel with no extras in a fresh venv outside the checkout
echo "== wheel smoke"
bash scripts/wheel_smoke.sh

# An extra whose pins must not reach the core install gets its own environment, and its
# marked tests run there: extra_env VENV EXTRA MARKER [pytest args…]
extra_env() {
  local venv="$1" extra="$2" marker="$3"
  shift 3
  if [ ! -x "$venv/bin/python" ]; then
    "$PY" -m venv "$venv"
  fi
  "$venv/bin/python" -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
  "$venv/bin/python" -m pip install -q -e ".[test,$extra]" 2>&1 | grep -v '^WARNING: Location' || true
  opa_oracle "$venv"
  echo "== pytest ($extra extra, $venv)"
  "$venv/bin/python" -m pytest -q -m "$marker" "$@"
}

# datacontract-cli caps duckdb, pydantic and click.
extra_env .venv-dc datacontract datacontract "$@"
# pyspark, and the pandas < 3 pandera's pyspark backend needs; Spark runs in local[2] (Java).
extra_env .venv-spark spark spark "$@"
