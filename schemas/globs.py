"""Whether two file-name globs can match one file name, so two contracts never claim it.

Globs are `fnmatch` patterns read case-insensitively, as the connectors read them: `*`
(any text), `?` (one character), `[abc]`, `[a-z]` and `[!abc]`. Two globs overlap when
some name matches both; this is decided exactly, by walking both patterns together.
"""

from __future__ import annotations

from functools import cache

Token = tuple[str, frozenset[str], bool]  # kind (* ? set), characters, negated


def _chars(body: str) -> frozenset[str]:
    out: set[str] = set()
    i = 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            out.update(chr(c) for c in range(ord(body[i]), ord(body[i + 2]) + 1))
            i += 3
        else:
            out.add(body[i])
            i += 1
    return frozenset(c.casefold() for c in out)


def _tokens(pattern: str) -> tuple[Token, ...]:
    out: list[Token] = []
    i, text = 0, pattern.casefold()
    while i < len(text):
        char = text[i]
        end = text.find("]", i + 2) if char == "[" else -1
        if char in "*?":
            out.append((char, frozenset(), False))
        elif end > 0:
            negated = text[i + 1] == "!"
            out.append(("set", _chars(text[i + 1 + negated : end]), negated))
            i = end
        else:
            out.append(("set", frozenset(char), False))
        i += 1
    return tuple(out)


def _meet(a: Token, b: Token) -> bool:
    """Whether one character can match both single-character tokens."""
    if a[0] == "?" or b[0] == "?":
        return True
    if a[2] and b[2]:
        return True
    if a[2] or b[2]:
        plain, negated = (b, a) if a[2] else (a, b)
        return bool(plain[1] - negated[1])
    return bool(a[1] & b[1])


def globs_overlap(first: str, second: str) -> bool:
    """True when some file name matches both globs."""
    a, b = _tokens(first), _tokens(second)

    @cache
    def walk(i: int, j: int) -> bool:
        if i == len(a) or j == len(b):
            rest = a[i:] if j == len(b) else b[j:]
            return all(t[0] == "*" for t in rest)
        if a[i][0] == "*":
            return walk(i + 1, j) or walk(i, j + 1)
        if b[j][0] == "*":
            return walk(i, j + 1) or walk(i + 1, j)
        return _meet(a[i], b[j]) and walk(i + 1, j + 1)

    return walk(0, 0)
