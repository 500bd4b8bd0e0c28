"""Detects a text file's encoding without ever guessing silently, and transcodes to UTF-8.

DuckDB reads only UTF-8 (no `encodings` extension offline), so GBK and GB18030 files are
decoded in a Python stream. A file is accepted only in an encoding that decodes it
strictly from the first byte to the last: a wrong guess fails loudly instead of garbling.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from connectors.errors import UnreadableFile

CHUNK = 1 << 20
SAMPLE = 1 << 16
# GB18030 is a superset of GBK and GB2312: decoding with it is right for all three.
CANDIDATES = ("utf-8", "gb18030", "big5")
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class TextEncoding:
    name: str
    bom: bool

    @property
    def is_utf8(self) -> bool:
        return self.name in ("utf-8", "utf-8-sig")


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: Path) -> TextEncoding:
    """The encoding that decodes the whole file strictly; UnreadableFile when none does."""
    for encoding in encoding_candidates(path):
        if _decodes(path, encoding.name):
            return encoding
    raise _unknown()


def utf8_copy(path: Path, work: Path) -> tuple[Path, TextEncoding]:
    """The file itself when it is UTF-8, else a UTF-8 copy in `work`, in a single pass.

    Each candidate decodes strictly while it writes; the first that reaches the end wins.
    """
    target = work / "utf8.txt"
    for encoding in encoding_candidates(path):
        if encoding.is_utf8:
            if _decodes(path, encoding.name):
                return path, encoding
            continue
        try:
            return transcode_to_utf8(path, encoding, target), encoding
        except UnicodeDecodeError:
            target.unlink(missing_ok=True)
    raise _unknown()


def _unknown() -> UnreadableFile:
    return UnreadableFile(
        "the text encoding is not UTF-8, GBK/GB18030 or Big5: "
        "save the file as UTF-8 and drop it again"
    )


def encoding_candidates(path: Path) -> list[TextEncoding]:
    with path.open("rb") as f:
        head = f.read(SAMPLE)
    if not head:
        raise UnreadableFile("the file is empty")
    for bom, name in BOMS:
        if head.startswith(bom):
            return [TextEncoding(name, True)]
    if b"\x00" in head:
        raise UnreadableFile("the file contains NUL bytes: it is binary, not text")
    order = list(CANDIDATES)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut at the sample's end
            order.remove("utf-8")
    guess = from_bytes(head).best()
    name = guess.encoding.replace("_", "-") if guess is not None else None
    if name in order and name != order[0]:
        order.remove(name)
        order.insert(1 if order[0] == "utf-8" else 0, name)
    return [TextEncoding(n, False) for n in order]


def transcode_to_utf8(path: Path, encoding: TextEncoding, target: Path) -> Path:
    """Stream `path` into `target` as UTF-8 (no BOM), one megabyte at a time."""
    decoder = codecs.getincrementaldecoder(encoding.name)(errors="strict")
    with path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as out:
        while chunk := src.read(CHUNK):
            out.write(decoder.decode(chunk))
        out.write(decoder.decode(b"", final=True))
    return target
