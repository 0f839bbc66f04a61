"""``--format junit``: one testsuite per product, one testcase per check or policy rule.

Follows the JUnit XML schema most CI servers read (tests/schemas/JUnit.xsd):
failures are blocking problems, warnings pass with their text in system-out,
errored checks are errors, waived and unsupported ones are skipped.

Test names are unique within a suite (the field, then a counter, tell apart two
findings of one rule). Times are measured: each stage's measured time
(``ProductResult.timings``) is shared equally by the test cases of that stage,
because a stage runs its checks together (one pass over the data, one policy
evaluation); the suite's time is the product's measured total.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from meshguard import printsafe
from meshguard.report.formats import BaseReporter, RenderContext
from meshguard.report.formats.common import Item, finding_item, where
from meshguard.results.model import CheckResult, MeshResult, ProductResult, Status

#: check or finding stage → the ``ProductResult.timings`` key that measured it
TIMED_BY = {
    "lint": "lint",
    "versioning": "versioning",
    "schema": "quality",
    "quality": "quality",
    "sla": "quality",
    "relationship": "quality",
    "policy": "policy",
}


def unique_names(names: list[str]) -> list[str]:
    """The names, a ``(2)``, ``(3)``… appended to repeats."""
    seen: dict[str, int] = {}
    out: list[str] = []
    taken = set(names)
    for name in names:
        n = seen.get(name, 0) + 1
        seen[name] = n
        candidate = name
        while n > 1 and (candidate := f"{name} ({n})") in taken:
            n += 1
        taken.add(candidate)
        out.append(candidate)
    return out


def case_times(stages: list[str], timings: dict[str, float]) -> list[float]:
    """Each case's share of its stage's measured time."""
    keys = [TIMED_BY.get(s, s) for s in stages]
    counts: dict[str, int] = {}
    for k in keys:
        counts[k] = counts.get(k, 0) + 1
    return [float(timings.get(k, 0.0)) / counts[k] for k in keys]


#: characters XML 1.0 cannot carry at all
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _token(text: str) -> str:
    """xs:token with minLength 1: no leading/trailing/double spaces, no line breaks."""
    return " ".join(str(text).split()) or "-"


def _hostname() -> str:
    try:
        return _token(socket.gethostname())
    except OSError:  # pragma: no cover
        return "localhost"


#: what ElementTree escapes in text, and in an attribute value (line breaks and tabs kept as
#: character references there, so a reader gets them back); ``&`` first
_TEXT = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
_ATTRIBUTE = (*_TEXT, ('"', "&quot;"), ("\r", "&#13;"), ("\n", "&#10;"), ("\t", "&#09;"))
#: a value with none of these is written as it is (most are)
_TEXT_SPECIAL = re.compile("[&<>]")
_ATTRIBUTE_SPECIAL = re.compile('[&<>"\r\n\t]')


def _escape(text: str, special: re.Pattern[str], table: tuple[tuple[str, str], ...]) -> str:
    if special.search(text) is None:
        return text
    for char, reference in table:
        text = text.replace(char, reference)
    return text


#: ElementTree.indent's indentation of a suite's children and grandchildren (suites one level in)
_IN1, _IN2 = "\n    ", "\n      "


def _attrs(pairs: Sequence[tuple[str, str]]) -> str:
    return "".join(f' {k}="{_escape(v, _ATTRIBUTE_SPECIAL, _ATTRIBUTE)}"' for k, v in pairs)


def _leaf(tag: str, pairs: Sequence[tuple[str, str]], text: str = "") -> str:
    """An element without children, as ElementTree writes it (empty: one ``<tag … />``)."""
    if text:
        return f"<{tag}{_attrs(pairs)}>{_escape(text, _TEXT_SPECIAL, _TEXT)}</{tag}>"
    return f"<{tag}{_attrs(pairs)} />"


def _describe(it: Item) -> str:
    lines = [f"{it.title} ({it.rule_id})", it.message]
    if it.location:
        lines.append(f"at {where(it.location)}")
    if it.field:
        lines.append(f"field: {it.field}")
    if it.regulation:
        lines.append(f"regulation: {it.regulation}")
    if it.remediation:
        lines.append(f"remediation: {it.remediation}")
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class _Case:
    """A test case less its time: its name (and escaped), stage, outcome kind (pass, skipped,
    error, failure, warning), outcome element and system-out line."""

    name: str
    escaped: str
    stage: str
    kind: str
    outcome: str | None
    warning: str


class JunitReporter(BaseReporter):
    name = "junit"
    default_filename = "junit.xml"

    def chunks(self, mesh: MeshResult, ctx: RenderContext) -> Iterator[str]:
        """The document suite by suite, as ``ET.indent`` and ``ET.tostring`` write the whole tree
        (written as text: an element tree per suite cost more than the rest of the report)."""
        yield '<?xml version="1.0" encoding="UTF-8"?>\n'
        if not mesh.products:
            yield "<testsuites />\n"
            return
        yield "<testsuites>"
        timestamp = mesh.timestamp[:19]
        host = _hostname()
        shared: dict[int, _Case] = {}
        for index, p in enumerate(mesh.products):
            suite = _NOT_XML.sub("\ufffd", self._suite(p, index, timestamp, host, shared))
            yield "\n  " + printsafe.inert(suite, printsafe.XML)  # "##vso&#91;": the same text
        yield "\n</testsuites>\n"

    def _suite(
        self, p: ProductResult, index: int, timestamp: str, host: str, shared: dict[int, _Case] | None = None
    ) -> str:
        properties = "".join(
            _IN2 + _leaf("property", (("name", key), ("value", value)))
            for key, value in (
                ("contract", p.contract_path),
                ("owner", p.owner or ""),
                ("verdict", p.verdict),
                ("score", f"{p.score:.1f}"),
            )
        )
        body = [f"<properties>{properties}{_IN1}</properties>"]
        classname = _token(f"{p.domain or 'mesh'}.{p.id}")
        # a case's attributes as _attrs writes them: the class name is the suite's, a time needs no escape
        of_class = f'" classname="{_escape(classname, _ATTRIBUTE_SPECIAL, _ATTRIBUTE)}" time="'
        counts = {"skipped": 0, "error": 0, "failure": 0}
        out_lines: list[str] = []
        covered = {f.rule_id for f in p.findings}
        shared = {} if shared is None else shared
        cases: list[_Case] = []
        for c in p.checks:
            if c.id not in covered:
                # a check object shared by many products (a policy rule that passes: one object
                # for the run) is described once per report; the mesh holds it meanwhile
                case = shared.get(id(c))
                if case is None:
                    case = shared[id(c)] = self._case(c.id, c.title or c.name, None, c)
                cases.append(case)
        for f in p.findings:  # what items() yields first: a case per finding, in order
            item = finding_item(f, p)
            cases.append(self._case(item.rule_id, item.title, item, None))
        names = unique_names([case.name for case in cases])
        times = case_times([case.stage for case in cases], p.timings)
        for case, name, seconds in zip(cases, names, times, strict=True):
            shown = case.escaped if name is case.name else _escape(name, _ATTRIBUTE_SPECIAL, _ATTRIBUTE)
            line = f'<testcase name="{shown}{of_class}{seconds:.6f}"'
            if case.kind in counts:
                counts[case.kind] += 1
            elif case.kind == "warning":
                out_lines.append(case.warning)
            if case.outcome is None:
                body.append(f"{line} />")
            else:
                body.append(f"{line}>{_IN2}{case.outcome}{_IN1}</testcase>")
        tests, failures, errors, skipped = len(cases), counts["failure"], counts["error"], counts["skipped"]
        body.append(_leaf("system-out", (), "\n".join(out_lines)))
        body.append(_leaf("system-err", (), "\n".join(p.errors)))
        head = _attrs(
            (
                ("name", _token(f"{p.id} {p.version}")),
                ("package", _token(p.domain or "mesh")),
                ("id", str(index)),
                ("timestamp", timestamp),
                ("hostname", host),
                ("tests", str(tests)),
                ("failures", str(failures)),
                ("errors", str(errors)),
                ("skipped", str(skipped)),
                ("time", f"{sum(p.timings.values()):.6f}"),
            )
        )
        return f"<testsuite{head}>{_IN1}{_IN1.join(body)}\n  </testsuite>"

    @classmethod
    def _case(cls, rule_id: str, title: str, it: Item | None, check: CheckResult | None) -> _Case:
        """A case's name, stage and outcome, from its finding (``it``) or its check alone."""
        name = _token(f"{rule_id}: {title}" + (f" [{it.field}]" if it and it.field else ""))
        stage = str(it.stage if it else check.stage if check else "")
        status = it.status if it else str(check.status if check else Status.PASSED)
        message = (it.message if it else (check.message if check else "")) or title
        kind, outcome, warning = "pass", None, ""
        # the description only where an outcome element carries it (most cases pass: none)
        if status in (Status.WAIVED, Status.UNSUPPORTED, Status.NOT_APPLICABLE):
            kind = "skipped"
            outcome = _leaf("skipped", (("message", f"{status}: {message}"),), cls._text(it, check))
        elif status == Status.ERRORED:
            kind = "error"
            outcome = _leaf("error", (("message", message), ("type", rule_id)), cls._text(it, check))
        elif (it and it.level == "error") or (
            check is not None and status == Status.FAILED and check.severity == "error"
        ):
            kind = "failure"
            outcome = _leaf("failure", (("message", message), ("type", rule_id)), cls._text(it, check))
        elif status in (Status.FAILED, Status.WARNED):
            kind, warning = "warning", f"warning {rule_id}: {message}"
        escaped = _escape(name, _ATTRIBUTE_SPECIAL, _ATTRIBUTE)
        return _Case(name, escaped, stage, kind, outcome, warning)

    @classmethod
    def _text(cls, it: Item | None, check: CheckResult | None) -> str:
        """What a case's outcome element says: the finding or the check, described."""
        return _describe(it) if it else cls._check_text(check)

    @staticmethod
    def _check_text(check: CheckResult | None) -> str:
        if check is None:
            return ""
        parts = [f"{check.title or check.name} ({check.id})", check.message]
        if check.field:
            parts.append(f"field: {check.field}")
        if check.measured is not None:
            parts.append(f"measured: {check.measured}")
        if check.threshold:
            parts.append(f"threshold: {check.threshold}")
        if check.remediation:
            parts.append(f"remediation: {check.remediation}")
        return "\n".join(x for x in parts if x)
