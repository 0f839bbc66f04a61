"""``--format json``: the results model as documented in docs/results.md."""

from __future__ import annotations

import json

from meshguard.report.formats import BaseReporter, RenderContext
from meshguard.results.model import MeshResult


class JsonReporter(BaseReporter):
    name = "json"
    default_filename = "results.json"

    def render(self, mesh: MeshResult, ctx: RenderContext) -> str:
        return json.dumps(mesh.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"
