"""The pseudonym key: published person keys are keyed HMACs, stable while the key is.

The key comes from `CAUSEWAY_PSEUDONYM_KEY`, else from `<home>/secrets/pseudonym.key`,
generated once (owner-only) with a warning. Losing or changing the key changes every
published pseudonym; keeping it secret keeps them from being reversed by brute force over
the small space of person IDs.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets

from connectors.home import OWNER_ONLY_DIR, OWNER_ONLY_FILE, Home

KEY_ENV = "CAUSEWAY_PSEUDONYM_KEY"
KEY_FILE = "pseudonym.key"
BLOCK = 64  # SHA-256 block size in bytes (RFC 2104)
# 80 bits: the chance of any collision in a district of a million stays below 1e-12.
PSEUDONYM_HEX = 20
DIGIT_LETTERS = "ghijklmnop"
LETTERS = str.maketrans("0123456789", DIGIT_LETTERS)

log = logging.getLogger(__name__)


def pseudonym_key(home: Home) -> bytes:
    """The key from the environment, else the home's key file, created if missing."""
    given = os.environ.get(KEY_ENV)
    if given:
        return given.encode("utf-8")
    path = home.secrets / KEY_FILE
    home.secrets.mkdir(parents=True, exist_ok=True)
    home.secrets.chmod(OWNER_ONLY_DIR)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY_FILE)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_hex(32) + "\n")
    log.warning(
        "%s is not set: generated a pseudonym key in %s (owner-only). Back it up: a new key "
        "changes every published person key.",
        KEY_ENV,
        path,
    )
    return path.read_bytes().strip()


def hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """The inner and outer padded keys of HMAC-SHA256, so SQL can compute it in bulk."""
    if len(key) > BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def key_fingerprint(key: bytes) -> str:
    """A short public name of the key, so analysts see when pseudonyms changed."""
    return hashlib.sha256(b"causeway pseudonym key\0" + key).hexdigest()[:12]


def pseudonym(key: bytes, value: str) -> str:
    """The pseudonym of one value, in Python (what `hmac_sql` computes in bulk)."""
    digest = hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX]
    return digest.translate(LETTERS)


def hmac_sql(column: str) -> str:
    """HMAC-SHA256 of a column in DuckDB SQL; binds `$hmac_inner` and `$hmac_outer`.

    Hex digits become letters (0-9 → g-p), so no pseudonym contains a run of digits that
    a leak scanner would take for a phone or ID number.
    """
    inner = f"unhex(sha256($hmac_inner || encode(CAST({column} AS VARCHAR))))"
    digest = f"left(sha256($hmac_outer || {inner}), {PSEUDONYM_HEX})"
    return f"translate({digest}, '0123456789', '{DIGIT_LETTERS}')"
