"""``--format json``: the results model as documented in docs/results.md."""

from __future__ import annotations

from collections.abc import Iterator

from meshguard import printsafe
from meshguard.report.formats import BaseReporter, RenderContext
from meshguard.report.formats.jsontext import dumps as _dumps
from meshguard.report.formats.jsontext import dumps_objects
from meshguard.results.model import MeshResult


class JsonReporter(BaseReporter):
    name = "json"
    default_filename = "results.json"

    def chunks(self, mesh: MeshResult, ctx: RenderContext) -> Iterator[str]:
        """``json.dumps(mesh.to_dict(), indent=2)``, product by product: the same text, but the
        dictionaries and the text of only one product are alive at a time (those of a whole
        10,000-product mesh took gigabytes)."""
        # a string's "##vso[" written "##vso\u005b" (the same string): a CI log reads no command in it
        head = printsafe.inert(_dumps({**mesh.to_dict(with_products=False), "products": []}), printsafe.JSON)
        if not mesh.products:
            yield head + "\n"
            return
        assert head.endswith('"products": []\n}'), "products is the last key"
        yield head[: -len("[]\n}")] + "["
        for i, p in enumerate(mesh.products):
            # one level deeper: every line of a product moves 4 spaces right (JSON strings hold no newline)
            text = dumps_objects(p.to_dict(objects=True)) or _dumps(p.to_dict())
            yield ("\n    " if i == 0 else ",\n    ") + printsafe.inert(text, printsafe.JSON).replace(
                "\n", "\n    "
            )
        yield "\n  ]\n}\n"
