"""Trends over recorded runs: verdict counts per run, and per domain the mean score, the share
of products passing and the worst verdict (the council's trend charts)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

VERDICTS = ("pass", "warn", "fail", "error")  # best to worst

#: (run id, timestamp, mesh score, mesh verdict), oldest first
Run = tuple[str, str, Any, str]
#: (run id, domain, product verdict, number of products, their mean score)
Row = Sequence[Any]


def run_trends(runs: Iterable[Run], rows: Iterable[Row]) -> list[dict[str, Any]]:
    per_run: dict[str, dict[str, Any]] = {}
    for run_id, domain, verdict, count, mean in rows:
        stats = per_run.setdefault(run_id, {"counts": {}, "domains": {}})
        stats["counts"][verdict] = stats["counts"].get(verdict, 0) + int(count)
        d = stats["domains"].setdefault(domain, {"n": 0, "total": 0.0, "verdicts": set(), "passing": 0})
        d["n"] += int(count)
        d["passing"] += int(count) if verdict == "pass" else 0
        d["total"] += float(mean) * int(count)
        d["verdicts"].add(verdict)
    out = []
    for run_id, timestamp, score, verdict in runs:
        stats = per_run.get(run_id, {"counts": {}, "domains": {}})
        out.append(
            {
                "run_id": run_id,
                "timestamp": timestamp,
                "score": None if score is None else float(score),
                "verdict": verdict,
                "counts": {v: stats["counts"].get(v, 0) for v in VERDICTS},
                "domains": {
                    name: {
                        "score": round(d["total"] / d["n"], 1),
                        "passing": round(100.0 * d["passing"] / d["n"], 1),
                        "verdict": max(
                            d["verdicts"], key=lambda v: VERDICTS.index(v) if v in VERDICTS else 0
                        ),
                    }
                    for name, d in stats["domains"].items()
                },
            }
        )
    return out
