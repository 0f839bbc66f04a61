"""The compliance matrix as files a data-protection officer can take away: CSV and JSON.

Both render ``MeshResult.matrix`` (computed with the results, see
:mod:`meshguard.results.council`): one row per regulation, article, rule and
product in the CSV (long format, ready for a pivot table), the rows as they are
in the JSON, with the run they come from.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from meshguard.report.formats import jsontext
from meshguard.results.model import MeshResult

COLUMNS = ("regulation", "article", "rule_id", "title", "severity", "product", "state")
#: a cell a spreadsheet would read as a formula is prefixed with a quote (CSV injection)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def matrix_csv(mesh: MeshResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in mesh.matrix:
        rule = [_cell(row[k]) for k in ("regulation", "article", "rule_id", "title", "severity")]
        writer.writerows([*rule, _cell(product), state] for product, state in sorted(row["products"].items()))
    return out.getvalue()


def matrix_json(mesh: MeshResult) -> str:
    doc = {
        "run_id": mesh.run_id,
        "timestamp": mesh.timestamp,
        "meshguard_version": mesh.meshguard_version,
        "policy_bundle_hash": mesh.policy_bundle_hash,
        "states": ["pass", "fail", "warn", "waived", "n/a"],
        "rules": mesh.matrix,
    }
    return jsontext.dumps(doc) + "\n"
