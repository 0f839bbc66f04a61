#!/usr/bin/env bash
# meshguard the way users get it: build the sdist and the wheel, install the wheel with NO
# extras into a fresh virtual environment outside the checkout, and there run what a newcomer
# runs in the first hour. Run by scripts/test.sh (so by CI); needs .venv (build + setuptools).
#
#   1. the README's first command, read from the README, verbatim, in a fresh clone
#   2. meshguard init -> lint -> check -> policy test in an empty folder outside the repo
#   3. a domain repo without policies/ is blocked by the built-in pack's GDPR rules when it adds
#      an e-mail field without classification (with sample data, and declared pii without data)
#   4. a sample next to its contract (path: ./x.csv) is read
#   5. a PostgreSQL server without the postgres extra: exit 3 and the one line naming the extra
#   6. every file of the package the runs above opened is in the wheel
set -euo pipefail
cd "$(dirname "$0")/.."
PROJECT="$PWD"
PY="${PYTHON:-python3}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/meshguard-smoke.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
say() { echo "== wheel smoke: $*"; }
fail() { echo "wheel smoke FAILED: $*" >&2; exit 1; }
quiet_pip() { grep -v '^WARNING: Location' || true; }

say "build sdist + wheel from the checkout's files (nothing stale, nothing ignored)"
mkdir -p "$WORK/src" "$WORK/dist"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  [ -f "$f" ] && { mkdir -p "$WORK/src/$(dirname "$f")"; cp -p "$f" "$WORK/src/$f"; }
done
(cd "$WORK/src" && "$PROJECT/.venv/bin/python" -m build --no-isolation --outdir "$WORK/dist" . >/dev/null)
WHEEL="$(ls "$WORK"/dist/meshguard_odcs-*.whl)"
ls "$WORK"/dist/meshguard_odcs-*.tar.gz >/dev/null

say "install the wheel, no extras, in a fresh venv"
"$PY" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install -q --upgrade pip 2>&1 | quiet_pip
"$WORK/venv/bin/python" -m pip install -q "$WHEEL" 2>&1 | quiet_pip
# every file an installed meshguard process opens under its package is logged (a test hook
# loaded through PYTHONPATH, outside the package)
mkdir -p "$WORK/audit"
cat >"$WORK/audit/sitecustomize.py" <<'PY'
import os, sys
_log = os.environ.get("MESHGUARD_OPEN_LOG")
if _log:
    def _hook(event, args):
        if event == "open" and isinstance(args[0], str) and "/site-packages/meshguard/" in args[0]:
            with open(_log, "a", encoding="utf-8") as fh:
                fh.write(args[0].split("/site-packages/", 1)[1] + "\n")
    sys.addaudithook(_hook)
PY
export MESHGUARD_OPEN_LOG="$WORK/opened.txt"
export PYTHONPATH="$WORK/audit"
export PATH="$WORK/venv/bin:$PATH"
export CI="" GITHUB_ACTIONS="" GITLAB_CI=""
unset MESHGUARD_DEBUG || true
[ "$(command -v meshguard)" = "$WORK/venv/bin/meshguard" ] || fail "meshguard is not the wheel's"
if "$WORK/venv/bin/python" -c "import psycopg" 2>/dev/null; then fail "psycopg is installed without the extra"; fi

say "the README's first command, verbatim, in a fresh clone"
FIRST="$(awk '/^```sh$/{getline; print; exit}' README.md)"
case "$FIRST" in *"meshguard check"*) ;; *) fail "README's first command not found: $FIRST" ;; esac
git clone -q "$PROJECT" "$WORK/clone"
(cd "$WORK/clone" && env -u PYTHONPATH PATH="/usr/bin:/bin:$(dirname "$(command -v "$PY")")" \
  bash -c "$FIRST" >"$WORK/first.out" 2>&1) || { cat "$WORK/first.out"; fail "README's first command"; }
grep -q "verdict" "$WORK/first.out" || fail "README's first command printed no verdict"

say "meshguard init -> lint -> check -> policy test, outside the repo"
mkdir "$WORK/empty" && cd "$WORK/empty"
meshguard init governance >/dev/null
cd governance
meshguard lint >/dev/null || fail "lint of the scaffold"
meshguard check >"$WORK/check.out" || { cat "$WORK/check.out"; fail "check of the scaffold"; }
meshguard policy test >"$WORK/ptest.out" || { cat "$WORK/ptest.out"; fail "policy test of the scaffold"; }
grep -q "of the built-in pack)" "$WORK/ptest.out" || fail "policy test did not run the built-in pack's tests"
[ -f reports/index.html ] || fail "no scorecards"
[ -d .git ] || fail "init did not create a git repository"

say "a sample next to its contract is read"
meshguard test example-product >"$WORK/test.out" || { cat "$WORK/test.out"; fail "meshguard test"; }
grep -q "csv:./example.csv, 3 rows" "$WORK/test.out" || { cat "$WORK/test.out"; fail "contract-relative sample"; }

say "a domain repo without policies/ blocks a new e-mail field without classification"
mkdir -p "$WORK/domain/contracts" && cd "$WORK/domain"
cat >contracts/users.odcs.yaml <<'YAML'
apiVersion: v3.1.0
kind: DataContract
id: users
name: users
version: 1.0.0
status: draft
domain: accounts
description:
  purpose: Accounts of the web shop.
team:
  name: accounts
  members:
    - username: owner@example.com
      role: owner
support:
  - channel: accounts-help
    url: https://chat.example.com/accounts
servers:
  - server: sample
    type: local
    path: ./users.csv
    format: csv
schema:
  - name: users
    properties:
      - name: user_id
        logicalType: integer
        description: Key.
        primaryKey: true
        required: true
        classification: internal
YAML
printf 'user_id\n1\n2\n3\n' >contracts/users.csv
git init -q && git add -A && git -c user.name=smoke -c user.email=smoke@example.com commit -qm base
meshguard check --no-reports --no-history >/dev/null || fail "the clean domain repo does not pass"
printf '      - name: email\n        logicalType: string\n        description: Contact address.\n' \
  >>contracts/users.odcs.yaml
printf 'user_id,email\n1,ann@example.com\n2,bob@example.org\n3,carl@example.net\n' >contracts/users.csv
set +e
meshguard check --changed-only --no-reports --no-history --format json >"$WORK/gdpr.json"
code=$?
set -e
[ "$code" = 1 ] || fail "the unclassified e-mail field passed (exit $code)"
"$WORK/venv/bin/python" - "$WORK/gdpr.json" <<'PY' || fail "no GDPR finding of the built-in pack"
import json, sys
doc = json.load(open(sys.argv[1]))
found = [f for p in doc["products"] for f in p["findings"]
         if f["rule_id"].startswith("GDPR-") and f.get("details", {}).get("pack") == "builtin"
         and f.get("field") == "users.email" and f["status"] == "failed"]
assert found, [f["rule_id"] for p in doc["products"] for f in p["findings"]]
print("   blocked by", ", ".join(sorted({f["rule_id"] for f in found})), "(built-in pack)")
PY
# declared personal data without a classification, no data at all (the pre-commit hook's way)
sed -i 's/        description: Contact address./        description: Contact address.\n        tags: [pii]/' \
  contracts/users.odcs.yaml
set +e
meshguard check --no-data --no-reports --no-history >"$WORK/nodata.out"
code=$?
set -e
[ "$code" = 1 ] && grep -q "GDPR-001" "$WORK/nodata.out" || { cat "$WORK/nodata.out"; fail "GDPR-001 without data"; }

say "a PostgreSQL server without the postgres extra: exit 3, one line naming the extra"
sed -i 's/    type: local/    type: postgres\n    host: 127.0.0.1\n    port: 1\n    database: shop/' \
  contracts/users.odcs.yaml
set +e
meshguard test users >"$WORK/pg.out" 2>"$WORK/pg.err"
code=$?
set -e
want="meshguard: error: a PostgreSQL source needs the 'postgres' extra: pip install 'meshguard-odcs[postgres]'"
[ "$code" = 3 ] && [ "$(cat "$WORK/pg.err")" = "$want" ] || {
  cat "$WORK/pg.out" "$WORK/pg.err"
  fail "missing extra (exit $code)"
}

say "every package file the runs opened is in the wheel"
"$WORK/venv/bin/python" - "$WHEEL" "$WORK/opened.txt" <<'PY' || fail "the wheel lacks files the code reads"
import sys, zipfile
wheel = set(zipfile.ZipFile(sys.argv[1]).namelist())
opened = {line.strip() for line in open(sys.argv[2]) if line.strip()}
data = {p for p in opened if not p.endswith((".py", ".pyc")) and "__pycache__" not in p}
missing = sorted(p for p in data if p not in wheel)
assert not missing, f"opened at run time but not in the wheel: {missing}"
for must in ("meshguard/report/templates/sort.js", "meshguard/policy/pack/gdpr.rego", "meshguard/scaffold/contract.odcs.yaml"):
    assert any(p.endswith(must.split("meshguard/", 1)[1]) for p in data), f"{must} was never read"
print(f"   {len(data)} data files read at run time, all in the wheel")
PY
say "passed"
