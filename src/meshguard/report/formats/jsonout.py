"""``--format json``: the results model as documented in docs/results.md."""

from __future__ import annotations

from meshguard.report.formats import BaseReporter, RenderContext
from meshguard.report.formats.jsontext import dumps as _dumps
from meshguard.results.model import MeshResult


class JsonReporter(BaseReporter):
    name = "json"
    default_filename = "results.json"

    def render(self, mesh: MeshResult, ctx: RenderContext) -> str:
        """``json.dumps(mesh.to_dict(), indent=2)``, built product by product: the text is the
        same, but the dictionaries of only one product are alive at a time (those of a whole
        10,000-product mesh took gigabytes)."""
        head = _dumps({**mesh.to_dict(with_products=False), "products": []})
        if not mesh.products:
            return head + "\n"
        assert head.endswith('"products": []\n}'), "products is the last key"
        # one level deeper: every line of a product moves 4 spaces right (JSON strings hold no newline)
        body = ",\n    ".join(_dumps(p.to_dict()).replace("\n", "\n    ") for p in mesh.products)
        return head[: -len("[]\n}")] + "[\n    " + body + "\n  ]\n}\n"
