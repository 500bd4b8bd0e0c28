"""Detects a text file's encoding without ever guessing silently, and transcodes to UTF-8.

DuckDB reads only UTF-8 (no `encodings` extension offline), so GBK and GB18030 files are
decoded in a Python stream. A file is accepted only in an encoding that decodes it
strictly from the first byte to the last: a wrong guess fails loudly instead of garbling.
"""

from __future__ import annotations

import codecs
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from connectors.errors import UnreadableFile

CHUNK = 1 << 22
PARALLEL_FROM = 32 << 20  # smaller files are decoded in one go: a child costs more than it saves
DECODE_FAILED = 3
# In these encodings the byte 0x0A is only ever a newline (never part of a character), so a
# file may be cut after any newline and its line count stays the same once in UTF-8.
NEWLINE_SAFE = ("gb18030", "big5")
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
    """Stream `path` into `target` as UTF-8 (no BOM); UnicodeDecodeError if it does not decode.

    Python's GBK decoder is the slowest step of a GBK load (1.4 s for 140 MB here), and it
    holds the interpreter, so a large file in an encoding that splits safely at any newline
    is decoded in two halves at once, the second by a child interpreter.
    """
    size = path.stat().st_size
    if encoding.name not in NEWLINE_SAFE or size < PARALLEL_FROM or (os.cpu_count() or 1) < 2:
        _transcode_range(path, encoding.name, 0, size, target)
        return target
    cut = _line_start_after(path, size // 2)
    second = target.with_name(target.name + ".part2")
    args = [str(path), encoding.name, str(cut), str(size), str(second)]
    child = subprocess.Popen(
        [sys.executable, "-I", "-c", TRANSCODE_CHILD, *args], stderr=subprocess.PIPE
    )
    try:
        _transcode_range(path, encoding.name, 0, cut, target)
    except BaseException:
        child.kill()
        child.wait()
        second.unlink(missing_ok=True)
        raise
    _, error = child.communicate()
    if child.returncode == DECODE_FAILED:
        second.unlink(missing_ok=True)
        raise UnicodeDecodeError(encoding.name, b"", cut, size, error.decode(errors="replace"))
    if child.returncode != 0:
        second.unlink(missing_ok=True)
        raise OSError(f"transcoding failed: {error.decode(errors='replace').strip()}")
    with target.open("ab") as out, second.open("rb") as rest:
        shutil.copyfileobj(rest, out, CHUNK)
    second.unlink()
    return target


def _transcode_range(path: Path, encoding: str, start: int, end: int, target: Path) -> None:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with path.open("rb") as src, target.open("wb") as out:
        src.seek(start)
        left = end - start
        while left > 0 and (chunk := src.read(min(CHUNK, left))):
            left -= len(chunk)
            out.write(decoder.decode(chunk).encode("utf-8"))
        out.write(decoder.decode(b"", final=True).encode("utf-8"))


def _line_start_after(path: Path, offset: int) -> int:
    """The offset just past the first newline at or after `offset` (the end if none)."""
    with path.open("rb") as f:
        f.seek(offset)
        while chunk := f.read(1 << 16):
            found = chunk.find(b"\n")
            if found >= 0:
                return offset + found + 1
            offset += len(chunk)
    return offset


# The child runs _transcode_range itself; connectors imports nothing heavy, so it starts in
# a few hundredths of a second.
TRANSCODE_CHILD = f"""
import sys
sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})
from pathlib import Path
from connectors.encoding import _transcode_range
path, encoding, start, end, target = sys.argv[1:6]
try:
    _transcode_range(Path(path), encoding, int(start), int(end), Path(target))
except UnicodeDecodeError as exc:
    print(exc, file=sys.stderr)
    sys.exit({DECODE_FAILED})
"""
