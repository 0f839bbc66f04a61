"""Commands to a CI runner in printed text, made inert.

A CI runner reads what a step prints (stdout and stderr, line by line, a carriage return
ending a line as a newline does) for commands to itself: GitHub's runner a line starting
``::`` after any whitespace (``::error::``, ``::add-mask::``, ``::stop-commands::``) and its
older ``##[command]`` anywhere in a line; the Azure Pipelines agent ``##vso[`` anywhere in a
line (``##vso[task.setvariable …]``) and ``##[`` (``##[error]``, ``##[group]``). A contract's
strings (names, descriptions, rule names, messages, quoted values) reach what meshguard prints,
so every printed format passes its text through :func:`inert`, with an escape of its own
that reads back as the same character (:data:`TEXT`, :data:`JSON`, :data:`XML`).
"""

from __future__ import annotations

import re

#: the ``[`` of ``##[`` or ``##vso[`` (any case), or the first ``:`` of a line's ``::`` after
#: its leading whitespace (group 1)
_COMMAND = r"(?m)(?:(?<=##)|(?<=##[vV][sS][oO]))\[|(?:^|(?<=\r))([^\S\r\n]*):(?=:)"

#: the escapes of ``[`` and ``:``: plain text's (as the text report writes a control character)
TEXT = ("\\x5b", "\\x3a")
#: inside a JSON string
JSON = ("\\u005b", "\\u003a")
#: character references: XML, HTML and Markdown
XML = ("&#91;", "&#58;")


def inert(text: str, escapes: tuple[str, str] = TEXT) -> str:
    """``text`` with every CI command it holds broken by ``escapes``; unchanged when it holds none."""
    if "::" not in text and not ("##" in text and ("##[" in text or "##vso[" in text.lower())):
        return text  # the usual case (a markdown heading's "##" too): no regex compiled or run
    bracket, colon = escapes
    return re.sub(_COMMAND, lambda m: bracket if m.group(1) is None else m.group(1) + colon, text)
