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
    with path.open("rb") as f:
        head = f.read(SAMPLE)
    if not head:
        raise UnreadableFile("the file is empty")
    for bom, name in BOMS:
        if head.startswith(bom):
            if _decodes(path, name):
                return TextEncoding(name, True)
            raise UnreadableFile(f"the file starts with a {name} byte-order mark but is not {name}")
    if b"\x00" in head:
        raise UnreadableFile("the file contains NUL bytes: it is binary, not text")
    guess = from_bytes(head).best()
    order = list(CANDIDATES)
    if guess is not None and guess.encoding.replace("_", "-") in order:
        order.remove(guess.encoding.replace("_", "-"))
        order.insert(1, guess.encoding.replace("_", "-"))
    for name in order:
        if _decodes(path, name):
            return TextEncoding(name, False)
    raise UnreadableFile(
        "the text encoding is not UTF-8, GBK/GB18030 or Big5: "
        "save the file as UTF-8 and drop it again"
    )


def transcode_to_utf8(path: Path, encoding: TextEncoding, target: Path) -> Path:
    """Stream `path` into `target` as UTF-8 (no BOM), one megabyte at a time."""
    decoder = codecs.getincrementaldecoder(encoding.name)(errors="strict")
    with path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as out:
        while chunk := src.read(CHUNK):
            out.write(decoder.decode(chunk))
        out.write(decoder.decode(b"", final=True))
    return target
