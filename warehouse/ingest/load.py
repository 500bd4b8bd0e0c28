"""Loads one dropped file: read, map, standardize, validate, then quarantine or stage.

Each file is one transaction: a crash leaves no partial rows and the file stays in its
ingest folder, so the next run loads it whole. For every file,
rows_in = rows_loaded + rows_quarantined (a CHECK on `audit.file_loads` holds us to it).
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import shutil
import stat
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from connectors.digest import FileDigest, copy_digest
from connectors.errors import RejectedFile, UnreadableFile
from connectors.home import Home
from connectors.limits import Limits, load_limits
from connectors.modes import private_dir
from connectors.names import display_text
from connectors.raw import RawTable, row_number_sql
from connectors.readers import plain_file_refusal, read_file
from connectors.stability import Signature, signature
from schemas.contracts import ExportMode, SourceContract
from warehouse.db import (
    LoadResult,
    qualified,
    quote,
    record_key_stored,
    staging_fields,
    transaction,
)
from warehouse.ingest.dirt import DIRT, cleaning_needed
from warehouse.ingest.filing import (
    archive,
    common_reasons,
    reject,
    safe_name,
    write_receipt,
)
from warehouse.ingest.mapping import explode_keys, known_headers, map_headers, sheet_needs
from warehouse.ingest.standardize import NOTES, PLACES, ZERO_RESTORED, Compiler

RAW, FINAL, UNSTAGED = "_raw_rows", "_final", "_unstaged"
# Errors caused by a file's content; anything else (disk, lock, bug) fails the run instead.
FILE_ERRORS = (
    duckdb.ConversionException,
    duckdb.InvalidInputException,
    duckdb.OutOfRangeException,
    UnicodeError,
)
ITEM_SPAN = 1_000_000  # orders (row, item) pairs as one number; no list has a million items
# The columns a load writes into audit.file_loads; the others are set later (a retraction,
# the gate, an operator's decision), and a rebuild carries those over from the old warehouse.
AUDIT_COLUMNS = (
    "file_id",
    "department",
    "source",
    "file_name",
    "sha256",
    "size_bytes",
    "status",
    "rows_in",
    "rows_loaded",
    "rows_quarantined",
    "reason",
    "notes",
    "encoding",
    "archived_as",
    "loaded_at",
    "run_id",
    "fields_set_aside",
)
DEFERRED = "deferred"  # a file changed while it was read: no audit row, left in its folder
ARCHIVE_COPY = "archive-copy"
SHEET_SPAN = 10**13  # orders (sheet, row, item): a worksheet has at most 1,048,576 rows


def next_file_id(con: duckdb.DuckDBPyConnection) -> str:
    return f"F{con.execute('SELECT nextval(?)', ['audit.file_id_seq']).fetchall()[0][0]:07d}"


@dataclass
class Reading:
    """A dropped file read into a connection's temp tables, before the warehouse is touched:
    what `commit_reading` needs to stage it, or the reason it cannot be."""

    department: str
    path: Path
    contract: SourceContract | None
    result: LoadResult  # the reason and notes so far; the file ID is given at commit
    work: Path
    taken_as: Signature | None
    raw: RawTable | None = None
    seen: FileDigest | None = None
    deferred: bool = False  # it changed while read, or became a link
    prepared: bool = False  # process_raw ran (its compiler may be None: then refused)
    compiler: Compiler | None = None

    @property
    def copy(self) -> Path:
        return self.work / ARCHIVE_COPY


def load_file(
    con: duckdb.DuckDBPyConnection,
    home: Home,
    department: str,
    path: Path,
    contract: SourceContract | None,
    reload: bool = False,
    file_id: str | None = None,
    receipt: bool = True,
    run_id: str | None = None,
    refuse: str | None = None,
    loaded_at: dt.datetime | None = None,
    taken_as: Signature | None = None,
) -> LoadResult:
    """Process one file end to end and return what happened to it.

    `reload` loads content seen before (a reprocess or rebuild from the archive) instead of
    calling it a duplicate; a rebuild keeps the file's `file_id`, run and load time (so its
    rows keep their history) and writes no receipt.
    `refuse` sends every row to quarantine with that reason (an operator's decision).
    `taken_as` is the signature the file was found stable with (else the one it has now):
    a file without it once read and copied changed meanwhile, and is left DEFERRED.
    """
    file_id = file_id or next_file_id(con)
    work = home.work / file_id
    # The work folder (a copy, a UTF-8 transcoding: personal data) goes on every way out.
    try:
        reading = read_dropped(con, home, department, path, contract, work, taken_as)
        result = commit_reading(
            con, home, reading, file_id, reload, run_id, refuse, loaded_at=loaded_at
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if receipt:
        write_receipt(home, department, result)
    return result


def read_dropped(
    con: duckdb.DuckDBPyConnection,
    home: Home,
    department: str,
    path: Path,
    contract: SourceContract | None,
    work: Path,
    taken_as: Signature | None = None,
) -> Reading:
    """Read a file's rows into RAW on `con`, copying and hashing it into `work` meanwhile.

    Nothing here needs the warehouse: a source's reader runs it on a connection of its own,
    outside the writer lock (warehouse/ingest/readers.py). The caller removes `work`."""
    refused = plain_file_refusal(path)  # a link, or another name for a file: never read
    regular = refused is None
    result = LoadResult(
        "", department, contract.source if contract else None, path.name, "rejected"
    )
    taken_as = taken_as or (signature(path) if regular else None)
    reading = Reading(department, path, contract, result, work, taken_as)
    identity = _identity(path) if regular else None
    private_dir(work)
    drop_work_tables(con)
    # The archive's copy is made, hashed and its lines counted in a thread while DuckDB
    # parses the file (a fifth of a second per million rows); a duplicate is found once
    # both are done.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(copy_digest, path, reading.copy) if regular else None
        if refused is not None:
            result.reason = refused
        elif contract is None:
            result.reason = "no source contract matches this file name in this department"
        else:
            limits = load_limits(home.limits_file)
            reading.raw = _read(con, path, work, contract, result, pending, limits)
        try:
            reading.seen = pending.result() if pending else None
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise
            # It became a link meanwhile: nothing read is kept; the next run refuses it.
            reading.deferred = True
    if regular and (signature(path) != taken_as or _identity(path) != identity):
        reading.deferred = True
    if reading.deferred:
        drop_work_tables(con)
        reading.raw = None
    return reading


def prepare_reading(con: duckdb.DuckDBPyConnection, reading: Reading) -> None:
    """Map the columns of what was read and prepare their standardization (process_raw),
    also before the warehouse is touched."""
    if reading.raw is not None and reading.contract is not None and not reading.prepared:
        reading.compiler = process_raw(con, reading.raw, reading.contract, reading.result)
        reading.prepared = True


def commit_reading(
    con: duckdb.DuckDBPyConnection,
    home: Home,
    reading: Reading,
    file_id: str,
    reload: bool = False,
    run_id: str | None = None,
    refuse: str | None = None,
    loaded_at: dt.datetime | None = None,
) -> LoadResult:
    """Stage, quarantine and audit what was read, as file `file_id`, on `con` with the
    warehouse as its database, then archive the file (or set it aside); no receipt."""
    result, contract, raw = reading.result, reading.contract, reading.raw
    result.file_id = file_id
    if reading.deferred:
        return _defer(con, result)
    sha, size = (reading.seen.sha256, reading.seen.size) if reading.seen else ("", 0)
    compiler = reading.compiler
    if contract is not None and sha and not reload and _seen(con, sha):
        raw = compiler = None
        drop_work_tables(con)
        result = LoadResult(
            file_id, reading.department, contract.source, result.file_name, "duplicate"
        )
        result.reason = "the same content was loaded before"
    elif raw is not None and contract is not None and refuse:
        _refuse(con, raw, result, refuse)
        compiler = None
    elif raw is not None and contract is not None and not reading.prepared:
        compiler = process_raw(con, raw, contract, result)
    archived_as = _archive_name(home, reading.path, sha)
    commit_load(
        con, raw, compiler, contract, result, sha, size, archived_as, run_id, loaded_at=loaded_at
    )
    _move(home, reading.path, reading.copy, sha, result, reading.taken_as)
    return result


def _identity(path: Path) -> tuple[int, int, int] | None:
    """Which file a name is (device, inode, links), without following a link; None once
    it is gone or is no longer one plain file."""
    try:
        found = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(found.st_mode):
        return None
    return (found.st_dev, found.st_ino, found.st_nlink)


def _defer(con: duckdb.DuckDBPyConnection, result: LoadResult) -> LoadResult:
    """Nothing of a file that changed while it was read is kept; the next run loads it."""
    drop_work_tables(con)
    result.status = DEFERRED
    result.reason = "the file changed while it was being read: left for the next run"
    return result


def _archive_name(home: Home, path: Path, sha: str) -> str | None:
    return str(home.archive / sha[:2] / sha / safe_name(path.name)) if sha else None


def _seen(con: duckdb.DuckDBPyConnection, sha: str) -> bool:
    rows = con.execute(
        "SELECT count(*) FROM audit.file_loads "
        "WHERE sha256 = ? AND status IN ('loaded', 'partial') AND retracted_at IS NULL",
        [sha],
    ).fetchall()
    return rows[0][0] > 0


def _read(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    work: Path,
    contract: SourceContract,
    result: LoadResult,
    pending: Future[FileDigest] | None,
    limits: Limits,
) -> RawTable | None:
    """The file's rows in RAW, or None with the reason in `result`."""
    lines = (lambda: pending.result().lines) if pending else None
    try:
        return read_file(
            con,
            path,
            work,
            RAW,
            known_headers(contract),
            explode_keys(contract),
            lines,
            needed=sheet_needs(contract),
            sheets=contract.sheets,
            limits=limits,
        )
    except UnreadableFile as exc:
        result.reason = display_text(str(exc))
    except FILE_ERRORS as exc:
        result.reason = f"the file could not be read: {display_text(str(exc))}"
    return None


def process_raw(
    con: duckdb.DuckDBPyConnection, raw: RawTable, contract: SourceContract, result: LoadResult
) -> Compiler | None:
    """Map the columns a reader left in RAW, whatever the reader (file or database), and
    prepare their standardization; None (with the reason in `result`) when the file's
    layout is refused or its data cannot be processed at all."""
    result.notes += raw.notes
    try:
        mapping = map_headers(raw.headers, contract)
    except RejectedFile as exc:
        _refuse(con, raw, result, display_text(str(exc)))
        return None
    if mapping.unknown:
        names = ", ".join(raw.headers[i] or "(blank)" for i in mapping.unknown)
        result.notes.append(f"columns not in the contract were kept in _extra: {names}")
    if mapping.missing:
        result.notes.append(f"optional fields absent from this file: {', '.join(mapping.missing)}")
    cells = [raw.column(i) for f, i in mapping.columns.items() if f != "address"]
    compiler = Compiler(contract, mapping, raw.headers, cleaning_needed(con, RAW, cells))
    try:
        for statement in compiler.helpers(RAW):
            con.execute(statement)
    except FILE_ERRORS as exc:
        _refuse(con, raw, result, _unprocessable(exc))
        return None
    return compiler


def _unprocessable(exc: Exception) -> str:
    # Data DuckDB cannot take (not a failure of the warehouse): the file is set aside.
    return f"the file could not be processed: {display_text(str(exc))}"


def _refuse(con: duckdb.DuckDBPyConnection, raw: RawTable, result: LoadResult, why: str) -> None:
    """A file-level reason: every row goes to quarantine with it, none is staged."""
    result.reason = why
    total = con.execute(f"SELECT count(*) FROM {RAW}").fetchall()[0][0]
    result.rows_in = result.rows_quarantined = int(total) + len(raw.malformed)
    result.rows_loaded = 0
    result.top_reasons = [(why, result.rows_in)] if result.rows_in else []


def _status(result: LoadResult) -> str:
    if result.status == "duplicate":
        return "duplicate"
    if result.rows_loaded == 0:
        return "rejected"
    return "partial" if result.rows_quarantined else "loaded"


def commit_load(
    con: duckdb.DuckDBPyConnection,
    raw: RawTable | None,
    compiler: Compiler | None,
    contract: SourceContract | None,
    result: LoadResult,
    sha: str,
    size: int,
    archived_as: str | None,
    run_id: str | None,
    also: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
    loaded_at: dt.datetime | None = None,
) -> None:
    """Staging, quarantine and the audit row of one file or batch: all of it, or none of it.

    `compiler` (from process_raw) standardizes the rows; without one, every row of `raw`
    goes to quarantine with the file's reason. `also` writes in the same transaction (a
    database source's cursor advances with its batch).
    """
    result.loaded_at = loaded_at or dt.datetime.now()
    if raw is not None and contract is not None and compiler is not None:
        try:
            # Rows carry their own row numbers, so their order on disk does not matter;
            # keeping it made the filtered insert into staging a third slower.
            with unordered(con), transaction(con):
                if also is not None:
                    also(con)
                _stage_and_quarantine(con, raw, compiler, contract, result)
                _audit(con, raw, result, sha, size, archived_as, run_id)
            return
        except FILE_ERRORS as exc:
            _refuse(con, raw, result, _unprocessable(exc))
    with transaction(con):
        if also is not None:
            also(con)
        if raw is not None and contract is not None:
            _insert_quarantine(con, raw, contract, result, whole_file=True)
        _audit(con, raw, result, sha, size, archived_as, run_id)


def _audit(
    con: duckdb.DuckDBPyConnection,
    raw: RawTable | None,
    result: LoadResult,
    sha: str,
    size: int,
    archived_as: str | None,
    run_id: str | None,
) -> None:
    result.status = _status(result)
    con.execute(
        f"INSERT INTO audit.file_loads ({', '.join(AUDIT_COLUMNS)}) "
        f"VALUES ({', '.join(['?'] * len(AUDIT_COLUMNS))})",
        [
            result.file_id,
            result.department,
            result.source,
            result.file_name,
            sha,
            size,
            result.status,
            result.rows_in,
            result.rows_loaded,
            result.rows_quarantined,
            result.reason,
            result.notes,
            raw.encoding if raw else None,
            archived_as if result.status != "rejected" else None,
            result.loaded_at,
            run_id,
            result.fields_set_aside,
        ],
    )


def _stage_and_quarantine(
    con: duckdb.DuckDBPyConnection,
    raw: RawTable,
    compiler: Compiler,
    contract: SourceContract,
    result: LoadResult,
) -> None:
    """Loadable rows go straight from the standardizing statement into staging; the rows
    it did not stage, and the staged rows with fields set aside, are then standardized
    again, alone, for their reasons.

    Storing every standardized row in a temp table first, to split it in two, cost a
    seventh of the load; the second pass touches only the rows that have a reason.
    """
    table = qualified(contract.staging_table)
    staged, used = _stage(con, raw, compiler, contract, result)
    _second_pass(con, raw, compiler, table, result.file_id, used)
    _count(con, raw, result, staged)
    if staged and "phone" in compiler.mapping.columns:
        _note_restored_zeros(con, table, result)
    _note_short_ids(con, compiler, contract, result)
    if result.rows_in == 0:
        result.reason = "the file has a header but no data rows"
    elif result.rows_loaded == 0:
        result.reason = "no row passed validation: every row is in quarantine"
    _insert_quarantine(con, raw, contract, result, whole_file=False)
    if result.fields_set_aside:
        _insert_set_aside(con, raw, contract, result)
    if staged:
        _supersede(con, table, contract, result, raw)


def _note_restored_zeros(con: duckdb.DuckDBPyConnection, table: str, result: LoadResult) -> None:
    """Tell the clerk how many landlines had lost their leading 0 (a number cell drops
    it), so the export can store phones as text."""
    (count,) = con.execute(
        f"SELECT count(*) FROM {table} WHERE _file_id = ? AND list_contains(_flags, ?)",
        [result.file_id, ZERO_RESTORED],
    ).fetchone()
    if count:
        result.notes.append(
            f"{count} phone number(s) had lost their leading 0, as a number cell drops it "
            "(5718888666 for 0571-8888666): the 0 was restored; store phones as text"
        )


def _note_short_ids(
    con: duckdb.DuckDBPyConnection, compiler: Compiler, contract: SourceContract, result: LoadResult
) -> None:
    """Tell the clerk about record IDs that look like zero-padded ones that lost their zeros."""
    sql = compiler.short_ids_sql(RAW)
    if sql is None:
        return
    count, width, example = con.execute(sql).fetchone()
    if count:
        result.notes.append(
            f"{count} {contract.record_id} value(s) are shorter than the {width}-digit ones "
            f"beside them and have no leading zeros (e.g. {example}): a number cell may have "
            "dropped them; they were loaded as written, so store the column as text"
        )


def _stage(
    con: duckdb.DuckDBPyConnection,
    raw: RawTable,
    compiler: Compiler,
    contract: SourceContract,
    result: LoadResult,
) -> tuple[int, int]:
    """Insert the rows whose identity holds into staging, with lineage; returns how many,
    and how many parameters the standardizing statement itself takes."""
    table = qualified(contract.staging_table)
    fields = ", ".join(quote(s.name) for s in staging_fields(contract))
    key = "_record_key, " if record_key_stored(con, contract) else ""  # else it is computed
    statement = compiler.statement(RAW)
    used = len(compiler.params.values)  # the second pass takes the statement's own only
    bind, now = compiler.params.bind, result.loaded_at
    # Only a workbook's rows have a sheet: other files' loads leave the column out.
    sheet = f"{raw.sheet_sql('_rid', bind)}, " if raw.sheets else ""
    staged = con.execute(
        f"INSERT INTO {table} ({key}_file_id, _row_number, _item, {'_sheet, ' if sheet else ''}"
        f"_loaded_at, _valid_from, _valid_to, {fields}, _extra, _flags, _set_aside) "
        f"SELECT {key}{bind(result.file_id)}, _row, _item, {sheet}{bind(now)}, "
        f"{bind(now)}, NULL, {fields}, _extra, _flags, _set_aside "
        f"FROM ({statement}) WHERE len(_reasons) = 0",
        compiler.params.values,
    ).fetchall()[0][0]
    return int(staged), used


def _second_pass(
    con: duckdb.DuckDBPyConnection,
    raw: RawTable,
    compiler: Compiler,
    table: str,
    file_id: str,
    used: int,
) -> None:
    """FINAL: the raw rows not staged, and those staged with a field set aside, with their
    reasons and set-aside values."""
    names: list[object] = []
    same_sheet = (
        f"AND s._sheet = {raw.sheet_sql('r.rowid', _positional(names))}" if raw.sheets else ""
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {UNSTAGED} AS SELECT r.rowid AS rid FROM {RAW} r "
        f"ANTI JOIN (SELECT _row_number, coalesce(_item, -1) AS item, _sheet FROM {table} "
        f"WHERE _file_id = ? AND len(_set_aside) = 0) s "
        f"ON s._row_number = {row_number_sql('r')} "
        f"AND s.item = coalesce(r._item, -1) {same_sheet}",
        [file_id, *names],
    )
    only = f"r.rowid IN (SELECT rid FROM {UNSTAGED})"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {FINAL} AS {compiler.statement(RAW, only)}",
        compiler.params.values[:used],
    )


def _count(con: duckdb.DuckDBPyConnection, raw: RawTable, result: LoadResult, staged: int) -> None:
    """Rows in, loaded and quarantined, values set aside, and the commonest reasons."""
    total, bad, without, fields = con.execute(
        f"SELECT (SELECT count(*) FROM {RAW}), count(*) FILTER (WHERE len(_reasons) > 0), "
        "count(*) FILTER (WHERE len(_reasons) = 0 AND len(_issues) = 0), "
        f"coalesce(sum(len(_issues)) FILTER (WHERE len(_reasons) = 0), 0) FROM {FINAL}"
    ).fetchall()[0]
    if without:
        raise RuntimeError(f"{without} row(s) were neither staged nor given a reason")
    result.rows_in = int(total) + len(raw.malformed)
    result.rows_quarantined = int(bad) + len(raw.malformed)
    result.rows_loaded = int(staged)
    result.fields_set_aside = int(fields)
    reasons = con.execute(
        f"SELECT _reasons, list_transform(_issues, lambda i: i.reason) FROM {FINAL}"
    ).fetchall()
    result.top_reasons = common_reasons(
        [r for r, _ in reasons if r] + [[m.reason] for m in raw.malformed]
    )
    result.top_fields = common_reasons([f for r, f in reasons if not r])


def _insert_set_aside(
    con: duckdb.DuckDBPyConnection, raw: RawTable, contract: SourceContract, result: LoadResult
) -> None:
    """Each value set aside from a staged row, with its text, reason and place."""
    names: list[object] = []
    in_sheet = raw.sheet_sql("_rid", _positional(names))
    con.execute(
        f"INSERT INTO quarantine.fields SELECT ?, ?, _row, _item, _record_key, i.field, "
        f"i.value, i.reason, ?, {in_sheet} FROM (SELECT *, unnest(_issues) AS i "
        f"FROM {FINAL} WHERE len(_reasons) = 0)",
        [result.file_id, contract.source, result.loaded_at, *names],
    )


def _insert_quarantine(
    con: duckdb.DuckDBPyConnection,
    raw: RawTable,
    contract: SourceContract,
    result: LoadResult,
    whole_file: bool,
) -> None:
    """The rows in FINAL with their reasons or, for a file refused as a whole, every row
    with the file's reason; and the records the reader could not split."""
    cells = ", ".join(f"?, r.c{i}" for i in range(len(raw.headers)))
    now, names = result.loaded_at, []
    sheet = raw.sheet_sql("r.rowid", _positional(names))
    if not whole_file:
        con.execute(
            f"INSERT INTO quarantine.rows SELECT ?, ?, f._row, f._item, json_object({cells}), "
            f"f._reasons, ?, {sheet} FROM {FINAL} f JOIN {RAW} r ON r.rowid = f._rid "
            "WHERE len(f._reasons) > 0",
            [result.file_id, contract.source, *raw.headers, now, *names],
        )
    else:
        con.execute(
            f"INSERT INTO quarantine.rows SELECT ?, ?, {row_number_sql('r')}, r._item, "
            f"json_object({cells}), [?], ?, {sheet} FROM {RAW} r",
            [result.file_id, contract.source, *raw.headers, result.reason, now, *names],
        )
    if raw.malformed:
        con.executemany(
            "INSERT INTO quarantine.rows "
            "VALUES (?, ?, ?, NULL, json_object('line', ?), [?], ?, NULL)",
            [
                [result.file_id, contract.source, m.row_number, m.raw, m.reason, now]
                for m in raw.malformed
            ],
        )


def _positional(params: list[object]) -> Callable[[object], str]:
    """A `bind` for statements with `?` parameters: appends to `params`, in text order."""

    def bind(value: object) -> str:
        params.append(value)
        return "?"

    return bind


def drop_work_tables(con: duckdb.DuckDBPyConnection) -> None:
    for name in (RAW, FINAL, UNSTAGED, DIRT, NOTES, PLACES):
        con.execute(f"DROP TABLE IF EXISTS temp.{name}")


@contextmanager
def unordered(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Lets DuckDB write rows in any order (faster, less memory). Outside any transaction:
    a setting cannot be changed in one that a failed statement aborted."""
    con.execute("SET preserve_insertion_order = false")
    try:
        yield
    finally:
        con.execute("RESET preserve_insertion_order")


def _supersede(
    con: duckdb.DuckDBPyConnection,
    table: str,
    contract: SourceContract,
    result: LoadResult,
    raw: RawTable,
) -> None:
    """Close the versions this file's rows replace: current rows of earlier files with the
    same record key and, for a snapshot, current rows whose key the file lacks. A record
    repeated within the file keeps its last row current (in the last sheet that has it)
    and the earlier ones closed."""
    now, file_id = result.loaded_at, result.file_id
    others = con.execute(
        f"SELECT count(*) FROM {table} WHERE _valid_to IS NULL AND _file_id <> ?", [file_id]
    ).fetchall()[0][0]
    if others:  # else (a source's first file) there is nothing to close
        con.execute(
            f"UPDATE {table} SET _valid_to = ? WHERE _valid_to IS NULL AND _file_id <> ? "
            f"AND _record_key IN (SELECT _record_key FROM {table} WHERE _file_id = ?)",
            [now, file_id, file_id],
        )
    if others and contract.mode is ExportMode.SNAPSHOT:
        # A key in the file counts even if its row was quarantined: the record is not gone.
        con.execute(
            f"UPDATE {table} SET _valid_to = ? WHERE _valid_to IS NULL AND _file_id <> ? "
            f"AND _record_key NOT IN (SELECT _record_key FROM {table} WHERE _file_id = ? "
            f"UNION ALL SELECT _record_key FROM {FINAL} WHERE _record_key IS NOT NULL)",
            [now, file_id, file_id],
        )
    # Keys are grouped by their hash first, and the few rows whose hash repeats by the key
    # itself: grouping every key as text cost a third more.
    names, s_names = [], []
    pos, s_pos = _position(raw, "", _positional(names)), _position(raw, "s.", _positional(s_names))
    con.execute(
        f"WITH hashes AS (SELECT hash(_record_key) AS h FROM {table} WHERE _file_id = ? "
        "GROUP BY 1 HAVING count(*) > 1), "
        f"rows AS (SELECT _record_key, {pos} AS pos "
        f"FROM {table} WHERE _file_id = ? AND hash(_record_key) IN (SELECT h FROM hashes)), "
        "repeated AS (SELECT _record_key, max(pos) AS last FROM rows GROUP BY 1 "
        "HAVING count(*) > 1) "
        f"UPDATE {table} s SET _valid_to = ? FROM repeated r WHERE s._file_id = ? "
        f"AND s._record_key = r._record_key AND {s_pos} <> r.last",
        [file_id, *names, file_id, now, file_id, *s_names],
    )


def _position(raw: RawTable, alias: str, bind: Callable[[object], str]) -> str:
    """A row's place in its file as one number: by sheet (in workbook order), row, item."""
    row = f"{alias}_row_number * {ITEM_SPAN} + coalesce({alias}_item, 0)"
    if not raw.sheets:
        return row
    order = bind(raw.sheet_names)
    return f"list_position(CAST({order} AS VARCHAR[]), {alias}_sheet) * {SHEET_SPAN} + {row}"


def _move(
    home: Home, path: Path, copy: Path, sha: str, result: LoadResult, taken_as: Signature | None
) -> None:
    """A rejected file goes whole to `rejected/`; the archive takes the copy of any other,
    whose original is removed unless it changed since it was read (then the next run
    loads the new content)."""
    if result.status == "rejected":
        reject(home, path, result.file_id, result.reason or "rejected")
        return
    if sha:
        archive(home, copy, path.name, sha)
    if signature(path) == taken_as:
        path.unlink(missing_ok=True)
    elif path.exists():
        result.notes.append("the file changed after it was read: the next run loads it again")
