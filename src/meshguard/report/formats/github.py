"""``--format github``: the markdown summary plus ``::error file=…,line=…::`` workflow annotations."""

from __future__ import annotations

from meshguard.printsafe import inert, printable
from meshguard.report.formats import BaseReporter, RenderContext
from meshguard.report.formats.common import Item, finding_item, items
from meshguard.report.formats.markdown import MarkdownReporter
from meshguard.results.model import MeshResult

COMMAND = {"error": "error", "warning": "warning", "note": "notice"}


def _data(text: str) -> str:
    # line breaks encoded as the runner decodes them, other control characters escaped as printed
    return printable(inert(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(it: Item) -> str | None:
    command = COMMAND.get(it.level)
    if command is None:
        return None
    props = []
    if it.location:
        props.append(f"file={_prop(it.location.path)}")
        if it.location.line:
            props.append(f"line={it.location.line}")
    props.append(f"title={_prop(f'{it.rule_id} {it.title}')}")
    message = it.message
    if it.consequence:
        message += f"\nPolicy: {it.consequence.get('rule_id')} {it.consequence.get('title') or ''}".rstrip()
    if it.remediation:
        message += f"\nRemediation: {it.remediation}"
    return f"::{command} {','.join(props)}::{_data(message)}"


class GithubReporter(BaseReporter):
    name = "github"
    default_filename = "github.txt"

    def render(self, mesh: MeshResult, ctx: RenderContext) -> str:
        lines = workflow_commands(mesh)
        return "\n".join(lines) + ("\n" if lines else "") + MarkdownReporter().render(mesh, ctx)


def workflow_commands(mesh: MeshResult) -> list[str]:
    """One workflow command per open finding or failed check (``meshguard check --ci`` prints them)."""
    all_items = [finding_item(f, None) for f in mesh.findings]
    for p in mesh.products:
        all_items.extend(items(p, include_waived=False))
    return [line for line in map(annotation, all_items) if line]
