"""How a dropped file's name is shown: receipts, summaries, logs and the audit.

A clerk chooses a file's name, and a name may hold a newline (a forged second line in a
receipt or log) or an ANSI escape (that rewrites the operator's terminal). Every place
that shows a name shows `display_name(name)`: control and format characters are escaped
as Python writes them (`\\n`, `\\x1b`, `\\u202e`), everything else (Chinese, spaces) is
kept as it is, so the name stays readable and two different names never look alike.
"""

from __future__ import annotations

import unicodedata

# Control, format (bidirectional overrides), surrogates, private use, unassigned, and the
# line and paragraph separators: none of them belongs on a terminal or in a log line.
ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def display_name(name: str) -> str:
    """`name` with every character a terminal or log would act on escaped; a backslash is
    doubled so an escape in the output always means an escaped character."""
    out = []
    for char in name:
        if char == "\\":
            out.append("\\\\")
        elif unicodedata.category(char) in ESCAPED_CATEGORIES:
            out.append(_escape(char))
        else:
            out.append(char)
    return "".join(out)


def display_text(text: str) -> str:
    """Free text that may quote a name or a value (a reason, a note, an error message) on
    one line: control and format characters escaped, backslashes kept as they are."""
    return "".join(
        _escape(char) if unicodedata.category(char) in ESCAPED_CATEGORIES else char for char in text
    )


def _escape(char: str) -> str:
    code = ord(char)
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if char in named:
        return named[char]
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"
