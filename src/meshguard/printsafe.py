"""What printed text must not carry: control characters (:func:`printable`) and commands to a
CI runner (:func:`inert`).

A control character (ESC, BEL, CR…) sent to a terminal moves the cursor, clears the screen or
retitles the window: a YAML string may hold any (``"\\e[2J"``).

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


#: control characters but tab and newline (C0, DEL, C1): sent to a terminal they move the
#: cursor, clear the screen, retitle the window or hide what follows (a YAML string may hold
#: any of them: ``"\e[2J"``)
CONTROL = (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0))


def printable(text: str) -> str:
    """``text`` with each control character (:data:`CONTROL`) written as its escape (``\\x1b``):
    a contract's or its data's string never drives the terminal it is printed on."""
    if text.replace("\n", "").replace("\t", "").isprintable():  # the usual case
        return text
    # not printable for another reason too (U+2060, the word joiner markdown puts after "@"): a
    # table, not a regex, so that no pattern is compiled for it
    return text.translate({c: f"\\x{c:02x}" for c in CONTROL})


def printed(text: str, escapes: tuple[str, str] = TEXT) -> str:
    """``text`` as printed: its control characters escaped (:func:`printable`) and its CI
    commands broken (:func:`inert`, with ``escapes``)."""
    return inert(printable(text), escapes)
