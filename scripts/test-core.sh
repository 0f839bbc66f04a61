#!/usr/bin/env bash
# The core suite a developer runs often: every test except those marked `slow` (and the extras'
# tests that need their own environments), in parallel, one worker per core. CI (.ci/run ->
# scripts/test.sh) runs everything. Extra arguments go to pytest, e.g. scripts/test-core.sh -x.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/pytest -q -p no:cacheprovider -n auto --dist loadfile \
  -m "not slow and not datacontract and not spark" "$@"
