"""Compiles a contract and a file's column mapping into set-based standardization SQL.

Every expression runs over the whole file in DuckDB; nothing here loops over rows.
Values from contracts (value maps, date formats, header names) are bound parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from connectors.raw import row_number_sql
from schemas.classification import FieldSpec
from schemas.code_tables import code_table
from schemas.contracts import SourceContract
from schemas.dates import date_limits
from schemas.yes_no import FALSE_WORDS, TRUE_WORDS
from warehouse.db import quote, staging_fields
from warehouse.ingest.addresses import area_sql
from warehouse.ingest.dirt import DIRT, Cleaning
from warehouse.ingest.mapping import Mapping

ADDRESS_AREA = ("district", "street", "community")
ADDRESS_PARTS = {"building_no": "building", "unit_no": "unit", "room_no": "room"}
PART_FALLBACK = {"building_no": "cw_building_no", "unit_no": "cw_unit_no"}
DEFAULT_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
DEFAULT_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S")
NOTES, PLACES = "_row_notes", "_places"  # temp tables of Compiler.helpers
# The flag of a landline whose leading 0 a number cell dropped (cw_phone_of restores it);
# load.py counts it in the receipt.
ZERO_RESTORED = "phone: leading 0 restored"
PADDED_EVIDENCE = 2  # numbers ending in 000 failing their checksum: see Compiler._damaged

# The reason of an ID number a number cell truncated to 15 digits. Such a value is the
# source's known defect, not a broken mapping: the quality gate reports its share as a
# warning and leaves it out of the blocking set_aside_share (warehouse/quality/suites.py).
SPREADSHEET_DAMAGE = " is damaged by a spreadsheet: a number cell keeps only 15 digits"


@dataclass
class Params:
    """Numbered parameters, so one expression may be used twice."""

    values: list[object] = field(default_factory=list)

    def bind(self, value: object) -> str:
        for i, known in enumerate(self.values):
            if type(known) is type(value) and known == value:
                return f"${i + 1}"
        self.values.append(value)
        return f"${len(self.values)}"


def raw_name(name: str) -> str:
    return quote(f"r.{name}")


def error_name(name: str) -> str:
    return quote(f"e.{name}")


@dataclass
class FieldSql:
    """A field's value and the reason it fails (NULL when it does not). `nulls_on_error`:
    the value is already NULL whenever there is a reason; otherwise it is set aside (made
    NULL) in a layer of its own."""

    value: str
    error: str | None
    nulls_on_error: bool = True


class Compiler:
    """Builds the statements that standardize one file of one contract."""

    def __init__(
        self,
        contract: SourceContract,
        mapping: Mapping,
        headers: list[str],
        cleaning: Cleaning | None = None,
    ) -> None:
        """`cleaning`: how much cleaning each raw column (`c0`…) needs, as found by
        warehouse.ingest.dirt; None cleans every column fully."""
        self.contract = contract
        self.mapping = mapping
        self.headers = headers
        self.cleaning = cleaning
        self.params = Params()
        self.fields = {s.name: s for s in staging_fields(contract)}
        self._compiled: dict[str, FieldSql] | None = None

    def helpers(self, raw_table: str) -> list[str]:
        """Statements that store what every pass over the rows shares, as temp tables.

        `NOTES`, by raw rowid, for the few rows that have any: the first copy of an exact
        duplicate row, found among the rows whose hash repeats and confirmed cell by cell
        by partitioning on every cell; and the cells that need cleaning (from
        warehouse.ingest.dirt's `DIRT`), so one join brings both. `PLACES`: each distinct address
        cleaned and parsed once (when the file has an address column).
        """
        cells = [f"c{i}" for i in range(len(self.headers))] or ["NULL"]
        listed = ", ".join(cells)
        dirty = sorted(self.cleaning.full) if self.cleaning else []
        # Each row is hashed once: hashing twice (to group, then to pick the rows whose
        # hash repeats) cost a third more.
        copies = (
            f"WITH hashed AS MATERIALIZED (SELECT rowid AS rid, hash({listed}) AS h "
            f"FROM {raw_table}), "
            "dup AS (SELECT h FROM hashed GROUP BY 1 HAVING count(*) > 1), "
            f"candidates AS (SELECT r.*, r.rowid AS rid, {row_number_sql('r')} AS line "
            f"FROM hashed x SEMI JOIN dup USING (h) JOIN {raw_table} r ON r.rowid = x.rid), "
            f"ranked AS (SELECT rid, first_value(line) OVER "
            f"(PARTITION BY {listed} ORDER BY rid) AS first_row, row_number() OVER "
            f"(PARTITION BY {listed} ORDER BY rid) AS copy_no FROM candidates), "
            "copies AS (SELECT rid, first_row FROM ranked WHERE copy_no > 1) "
        )
        if dirty:
            flags = "".join(f", coalesce(d.{c}, false) AS {c}" for c in dirty)
            notes = (
                f"{copies}SELECT coalesce(c.rid, d.rid) AS rid, c.first_row{flags} "
                f"FROM copies c FULL JOIN {DIRT} d ON d.rid = c.rid"
            )
        else:
            notes = f"{copies}SELECT rid, first_row FROM copies"
        out = [f"CREATE OR REPLACE TEMP TABLE {NOTES} AS {notes}"]
        places = self._places(raw_table)
        if places:
            out.append(f"CREATE OR REPLACE TEMP TABLE {PLACES} AS {places}")
        return out

    def statement(self, raw_table: str, where: str | None = None) -> str:
        """One SELECT from the raw rows to standardized, typed, checked rows with reasons;
        `where` (on raw rows `r`) limits it to some rows. Needs the `helpers` tables.

        Stages are CTEs of one statement, so DuckDB streams them without materializing
        each.
        """
        return (
            f"WITH base AS NOT MATERIALIZED ({self._base(raw_table, where)}), "
            f"derived AS NOT MATERIALIZED ({self._derived_sql(raw_table)}), "
            f"valued AS NOT MATERIALIZED ({self._valued_sql()}), "
            f"typed AS NOT MATERIALIZED ({self._typed_sql()}), "
            f"kept AS NOT MATERIALIZED ({self._kept_sql()}) "
            f"{self.final_select()}"
        )

    def _base(self, raw_table: str, where: str | None) -> str:
        """Cleaned text per field, unknown columns as JSON, and the first copy of a duplicate."""
        cols = [
            f"places.clean AS {raw_name(f)}"
            if f == "address"
            else f"{self._cleaned(f'c{i}')} AS {raw_name(f)}"
            for f, i in self.mapping.columns.items()
        ]
        cols += [f"places.{quote(n)} AS {quote('x.' + n)}" for n in self._place_parts()]
        extra = ", ".join(
            f"{self.params.bind(self.headers[i])}, r.c{i}" for i in self.mapping.unknown
        )
        return (
            f"SELECT r.rowid AS _rid, {row_number_sql('r')} AS _row, r._item, "
            f"{''.join(c + ', ' for c in cols)}"
            f"{f'json_object({extra})' if extra else 'NULL::JSON'} AS _extra, "
            "notes.first_row AS _dup_of "
            f"FROM {raw_table} r LEFT JOIN {NOTES} notes ON notes.rid = r.rowid"
            + (
                f" LEFT JOIN {PLACES} places ON places.raw = r.c{self._address()}"
                if self._address() is not None
                else ""
            )
            + (f" WHERE {where}" if where else "")
        )

    def _cleaned(self, column: str) -> str:
        if self.cleaning is None:
            return f"cw_clean(r.{column})"
        return self.cleaning.cleaned(column, "r", "notes")

    def _address(self) -> int | None:
        return self.mapping.columns.get("address")

    def _place_parts(self) -> list[str]:
        """Fields parsed from the address text because the file has no column for them."""
        if self._address() is None:
            return []
        return [
            n
            for n in self.fields
            if n not in self.mapping.columns and (n in ADDRESS_AREA or n in ADDRESS_PARTS)
        ]

    def _places(self, raw_table: str) -> str:
        """Each distinct address cleaned and parsed once, joined back to its rows.

        Parsing costs a dozen string searches and regular expressions per address, and
        a district's addresses repeat (a household shares one), so this is cheaper than
        per row even when they do not repeat much; a raw NULL finds no match, as it
        parses to nothing.
        """
        i = self._address()
        if i is None:
            return ""
        parts = "".join(f", {self._place_part(n)} AS {quote(n)}" for n in self._place_parts())
        distinct = (
            f"(SELECT raw, cw_clean(raw) AS clean FROM (SELECT DISTINCT r.c{i} AS raw "
            f"FROM {raw_table} r WHERE r.c{i} IS NOT NULL))"
        )
        parsed = (
            "SELECT raw, clean, area, cw_premises(area.rest) AS premises FROM ("
            f"{area_sql(distinct, 'clean', ('raw', 'clean'))})"
        )
        return f"SELECT raw, clean{parts} FROM ({parsed})"

    @staticmethod
    def _place_part(name: str) -> str:
        if name in ADDRESS_AREA:
            return f"area.{name}"
        part = f"nullif(premises.{ADDRESS_PARTS[name]}, '')"
        if name == "room_no":
            return part
        return f"coalesce(cw_number({part}), {PART_FALLBACK[name]}(area.rest))"

    def _derived_sql(self, raw_table: str) -> str:
        """Intermediate values computed once and reused: ID number, phone digits, address."""
        texts, derived = [], []
        for name, spec in self.fields.items():
            if name not in self.mapping.columns:
                continue
            if spec.fmt == "id_number":
                # The ID text and its 15-digit test are used again (upgrade and flag).
                t, is15 = quote("t." + name), quote("u." + name)
                texts.append(f"cw_id_unsci(cw_id_text({raw_name(name)})) AS {t}")
                derived.append(f"cw_id_is15({t}) AS {is15}")
                derived.append(f"{self._damaged(name, t, raw_table)} AS {quote('z.' + name)}")
                derived.append(f"cw_id18_of({t}, cw_id_is15({t})) AS {quote('n.' + name)}")
            elif spec.fmt == "phone":
                digits = f"cw_phone_digits_unless_plain({raw_name(name)})"
                derived.append(f"{digits} AS {quote('d.' + name)}")
        base = f"(SELECT *, {', '.join(texts)} FROM base)" if texts else "base"
        inner = f"SELECT *{''.join(', ' + d for d in derived)} FROM {base}"
        ids = [
            n for n, s in self.fields.items() if s.fmt == "id_number" and n in self.mapping.columns
        ]
        checks = []
        for n in ids:
            number = f"m.{quote('n.' + n)}"
            checks.append(f"cw_id_check(substr({number}, 1, 17)) AS {quote('k.' + n)}")
            checks.append(f"cw_id_shape_ok({number}) AS {quote('s.' + n)}")
            checks.append(f"cw_id_birth({number}) AS {quote('b.' + n)}")
        # Division codes are unique, so a left join keeps one row per record.
        joins = "".join(
            f" LEFT JOIN ref.division g{i} ON g{i}.code = substr(m.{quote('n.' + n)}, 1, 6)"
            for i, n in enumerate(ids)
        )
        checks += [f"g{i}.code IS NOT NULL AS {quote('g.' + n)}" for i, n in enumerate(ids)]
        if not checks:
            return inner
        return f"SELECT m.*, {', '.join(checks)} FROM ({inner}) m{joins}"

    def _damaged(self, name: str, t: str, raw_table: str) -> str:
        """Whether the ID text `t` went through a spreadsheet's number cell and lost digits.

        A cell keeps 15 significant digits, so an 18-digit number stored in one comes back
        as `3.30110195902211E+17` (the workbook reader and CSVs saved by Excel write it so)
        or, under a `0` number format, as `330110195902211000`. The check digit of such a
        number is 0 and matches its first 17 digits by chance 1 time in 11, so without
        this rule one damaged number in 11 would pass as valid. Scientific notation is
        always damage (a legacy 15-digit number written with all 15 digits is read as
        them, see cw_id_unsci). Trailing zeros alone are not: a genuine number ends in 000
        about 1 time in 1,100 (digits 16-17 both 0: 1 in 100; check digit 0: 1 in 11). So
        they count as damage only in a file whose column shows the padding: at least
        `PADDED_EVIDENCE` numbers ending in 000 that fail their checksum. Two genuine
        numbers mistyped so that both end in 000 need two typos (a rate under 1 %) that
        each land on a 1-in-1,100 ending: about (N × 0.01 / 1,100)² / 2, 0.4 % for a file
        of N = 10,000, whereas a damaged column of d numbers has 10·d/11 such failures.
        In a padded file the genuine numbers ending in 000 (1 in 1,100) are set aside
        too: they lose the ID number, not the record, and link on their other fields.
        """
        column = f"c{self.mapping.columns[name]}"
        text = f"cw_id_unsci(cw_id_text(cw_clean({column})))"
        evidence = (
            f"(SELECT count(*) >= {PADDED_EVIDENCE} FROM (SELECT {text} AS v FROM {raw_table} "
            f"WHERE contains({column}, '000')) WHERE cw_id_padded(v) "
            "AND cw_id_check(substr(v, 1, 17)) <> '0')"
        )
        return f"(cw_id_sci({t}) OR (cw_id_padded({t}) AND {evidence}))"

    def short_ids_sql(self, raw_table: str) -> str | None:
        """One row: how many record IDs are digits shorter than the column's zero-padded
        ones (`123` beside `000456`, a number cell drops the zeros), the usual width, and
        one example; None when the file has no record ID column. Such an ID cannot be
        restored with certainty (`123` may be a record of its own), so it is reported."""
        index = self.mapping.columns.get(self.contract.record_id)
        if index is None:
            return None
        digits = (
            f"SELECT cw_trim(c{index}) AS v FROM {raw_table} "
            f"WHERE regexp_full_match(cw_trim(c{index}), '[0-9]+')"
        )
        return (
            f"WITH ids AS ({digits}), width AS (SELECT mode(strlen(v)) AS w FROM ids "
            "WHERE starts_with(v, '0')) SELECT count(*), any_value(w), min(v) "
            "FROM ids, width WHERE strlen(v) < w AND NOT starts_with(v, '0')"
        )

    def identity(self) -> list[str]:
        """The fields a row cannot be loaded without: its record ID and what the contract
        declares required. A failure elsewhere sets aside only the field."""
        return list(dict.fromkeys((self.contract.record_id, *self.contract.required)))

    def final_select(self) -> str:
        """Cross-checks against the ID number, the record key, flags, and every reason.

        `_reasons` is empty unless the row itself fails (its identity, or a duplicate row);
        then it lists every reason, the fields' too. `_set_aside` names the fields of a
        loadable row that failed their rules (their values are NULL), and `_issues` gives
        each one's text and reason.
        """
        contract, bind = self.contract, self.params.bind
        person = {"id_number", "birth_date", "sex"} <= set(self.fields)
        rid = quote(contract.record_id)
        key = f"{rid} || '#' || coalesce(_item, 0)" if contract.explode else rid
        columns = []
        for name in self.fields:
            col = quote(name)
            if person and name == "birth_date":
                columns.append(f"coalesce({col}, {self._id_birth()}) AS {col}")
            elif person and name == "sex":
                columns.append(
                    f"coalesce({col}, CASE WHEN id_number IS NOT NULL "
                    f"THEN cw_id_sex(id_number) END) AS {col}"
                )
            elif contract.explode and name == contract.explode.mention_id:
                columns.append(f"{key} AS {col}")
            else:
                columns.append(col)
        flags = self._person_flags() if person else ["NULL::VARCHAR"]
        identity = self.identity()
        failing = [n for n, sql in self._fields_sql().items() if sql.error is not None]
        row = [error_name(n) for n in failing if n in identity]
        row += [
            f"CASE WHEN {quote(n)} IS NULL AND {error_name(n)} IS NULL "
            f"THEN {bind(n + ' is required')} END"
            for n in identity
        ]
        same = bind("duplicate row (same as row ")
        row.append(f"CASE WHEN _dup_of IS NOT NULL THEN {same} || _dup_of || ')' END")
        fields = [n for n in failing if n not in identity]
        reasons = (
            f"CASE WHEN coalesce({', '.join(row)}) IS NULL THEN []::VARCHAR[] "
            f"ELSE {_listed([*row, *(error_name(n) for n in fields)])} END"
        )
        set_aside = [f"CASE WHEN {error_name(n)} IS NOT NULL THEN {bind(n)} END" for n in fields]
        issues = [
            f"CASE WHEN {error_name(n)} IS NOT NULL THEN {{'field': {bind(n)}, "
            f"'value': {raw_name(n)}, 'reason': {error_name(n)}}} END"
            for n in fields
        ]
        return (
            f"SELECT _rid, _row, _item, _extra, {key} AS _record_key, {', '.join(columns)}, "
            f"{_only_some(flags)} AS _flags, {reasons} AS _reasons, "
            f"{_only_some(set_aside or ['NULL::VARCHAR'])} AS _set_aside, "
            f"{_issues_list(issues)} AS _issues FROM kept"
        )

    def _kept_sql(self) -> str:
        """Values whose field failed a rule that leaves them filled (a range, a length, an
        age) are set aside: NULL, as every other failed value already is."""
        replaced = {
            n: f"CASE WHEN {error_name(n)} IS NULL THEN {quote(n)} END"
            for n, sql in self._fields_sql().items()
            if sql.error is not None and not sql.nulls_on_error
        }
        for target, flags in self._flag_targets().items():
            replaced[target] = self._with_flags(target, replaced.get(target, quote(target)), flags)
        if not replaced:
            return "SELECT * FROM typed"
        listed = ", ".join(f"{v} AS {quote(n)}" for n, v in replaced.items())
        return f"SELECT * REPLACE ({listed}) FROM typed"

    def _flag_targets(self) -> dict[str, list[tuple[str, str | None]]]:
        """Field → the flag columns of this file that set it, with the code each stands for."""
        out: dict[str, list[tuple[str, str | None]]] = {}
        for name, col in self.contract.flags().items():
            if col.flag is not None and name in self.mapping.columns:
                out.setdefault(col.flag.field, []).append((quote(name), col.flag.code))
        return out

    def _with_flags(self, name: str, own: str, flags: list[tuple[str, str | None]]) -> str:
        """The field's own (kept) value with what its flag columns say: a yes adds its code
        to a list, sets a code the field lacks, or makes a boolean true; a no adds nothing
        (a boolean is false when nothing says yes and something says no)."""
        sql_type = self.fields[name].sql_type
        said = " OR ".join(f"coalesce({f}, false)" for f, _ in flags)
        if sql_type == "BOOLEAN":
            stated = ", ".join(f for f, _ in flags)
            return (
                f"CASE WHEN coalesce({own}, false) OR {said} THEN true "
                f"WHEN coalesce({own}, {stated}) IS NOT NULL THEN false END"
            )
        codes = [f"CASE WHEN {f} THEN {self.params.bind(c)} END" for f, c in flags]
        if not sql_type.endswith("[]"):
            return f"coalesce({own}, {', '.join(codes)})"
        added = f"list_filter([{', '.join(codes)}], lambda x: x IS NOT NULL)"
        return (
            f"CASE WHEN {said} THEN list_distinct(list_concat(coalesce({own}, []), {added})) "
            f"ELSE {own} END"
        )

    def _person_flags(self) -> list[str]:
        """Stated birth date and sex are cross-checked with the ID number, never overwritten."""
        bind = self.params.bind
        out = [
            "CASE WHEN birth_date IS NOT NULL AND id_number IS NOT NULL "
            f"AND birth_date <> {self._id_birth()} "
            f"THEN {bind('birth_date differs from id_number')} END",
            "CASE WHEN sex IS NOT NULL AND id_number IS NOT NULL AND sex <> cw_id_sex(id_number) "
            f"THEN {bind('sex differs from id_number')} END",
            "CASE WHEN birth_date IS NULL AND id_number IS NOT NULL "
            f"THEN {bind('birth_date derived from id_number')} END",
            "CASE WHEN sex IS NULL AND id_number IS NOT NULL "
            f"THEN {bind('sex derived from id_number')} END",
        ]
        if "id_number" in self.mapping.columns:
            out.append(
                f"CASE WHEN {quote('u.id_number')} AND id_number IS NOT NULL "
                f"THEN {bind('id_number upgraded from 15 digits')} END"
            )
        if "phone" in self.mapping.columns:
            out.append(self._zero_restored())
        return out

    def _zero_restored(self) -> str:
        """A landline written without its leading 0 and not in international form: the
        0 cw_phone_of put back (0571-88886666 from 5718888666), not an area code added to
        a local number (its digits are not the written ones after a 0)."""
        raw = raw_name("phone")
        return (
            f"CASE WHEN starts_with(phone, '0') AND NOT starts_with({raw}, '0') "
            f"AND NOT starts_with({raw}, '+') "
            f"AND replace(phone, '-', '') = '0' || regexp_replace({raw}, '[^0-9]', '', 'g') "
            f"THEN {self.params.bind(ZERO_RESTORED)} END"
        )

    def _id_birth(self) -> str:
        """The birth date in the checked ID number: the one parsed to check it, when the
        file has the number (a valid number is the one checked), so it is parsed once."""
        if "id_number" in self.mapping.columns:
            return f"CASE WHEN id_number IS NOT NULL THEN {quote('b.id_number')} END"
        return "cw_id_birth(id_number)"

    def _raw(self, name: str) -> str | None:
        return raw_name(name) if name in self.mapping.columns else None

    def _valued_sql(self) -> str:
        """Typed, standardized values, one column per field."""
        values = [f"{sql.value} AS {quote(n)}" for n, sql in self._fields_sql().items()]
        return f"SELECT *, {', '.join(values)} FROM derived"

    def _typed_sql(self) -> str:
        """The values and one error text per field. Errors name each value by its column
        (a layer below), never repeat its expression: DuckDB does not always find a repeated
        expression, and then computed dates, codes and phones twice."""
        parts = ["_rid", "_row", "_item", "_extra", "_dup_of"]
        for name, sql in self._fields_sql().items():
            parts.append(quote(name))
            parts.append(f"{sql.error or 'NULL::VARCHAR'} AS {error_name(name)}")
        for name in self.mapping.columns:
            parts.append(raw_name(name))
            if name in self.fields and self.fields[name].fmt == "id_number":
                parts.append(quote("u." + name))
                parts.append(quote("b." + name))
        return f"SELECT {', '.join(parts)} FROM valued"

    def _fields_sql(self) -> dict[str, FieldSql]:
        """Each field's value and error, compiled once for both layers that use them."""
        if self._compiled is None:
            self._compiled = {n: self._field(n, s) for n, s in self.fields.items()}
            for name in self.contract.flags():
                raw = self._raw(name)
                if raw is not None:
                    label = _Label(self.params, f"{name}: ")
                    error = self._unless(raw, quote(name), label, " is not yes or no")
                    self._compiled[name] = FieldSql(self._yes_no(raw), error)
        return self._compiled

    def _field(self, name: str, spec: FieldSpec) -> FieldSql:
        raw = self._raw(name)
        if raw is None:
            return self._derived(name, spec)
        col = self.contract.columns[name]
        label = _Label(self.params, f"{name}: ")
        if spec.sql_type == "BOOLEAN":
            return self._boolean(name, raw, label)
        if col.values is not None or spec.codes:
            return self._coded(name, spec, raw, label)
        ref = quote(name)  # the value, in the layer where errors are computed
        if name == "name":
            return self._text(spec, f"cw_name({raw})", raw, label, ref)
        if spec.fmt == "id_number":
            return self._id_number(name, label)
        if spec.fmt == "phone":
            area = self.params.bind(self.contract.phone_area_code)
            value = f"cw_phone_from({raw}, {quote('d.' + name)}, {area})"
            return FieldSql(
                value, self._unless(raw, ref, label, " is not a mobile or landline number")
            )
        if name in ADDRESS_PARTS:
            return FieldSql(
                f"cw_part_no({raw})",
                self._unless(raw, ref, label, " is not a number"),
            )
        return self._typed(name, spec, raw, label)

    def _unless(
        self, raw: str, ref: str, label: _Label, why: str, blanks: list[str] | None = None
    ) -> str:
        """The reason when `raw` has text but its value (column `ref`) came out empty,
        unless the text is one the contract maps to no value (`blanks`)."""
        reason = self.params.bind(why)
        mapped = ""
        if blanks:
            mapped = f"AND NOT list_contains({self.params.bind(blanks)}::VARCHAR[], {raw}) "
        return (
            f"CASE WHEN {raw} IS NOT NULL AND {ref} IS NULL {mapped}"
            f"THEN {label} || cw_q({raw}) || {reason} END"
        )

    def _yes_no(self, raw: str) -> str:
        """The usual spellings of yes and no (schemas/yes_no.py) as true and false."""
        yes, no = self.params.bind(list(TRUE_WORDS)), self.params.bind(list(FALSE_WORDS))
        return (
            f"CASE WHEN list_contains({yes}::VARCHAR[], lower({raw})) THEN true "
            f"WHEN list_contains({no}::VARCHAR[], lower({raw})) THEN false END"
        )

    def _boolean(self, name: str, raw: str, label: _Label) -> FieldSql:
        """A yes/no field: the contract's own spellings first, then the usual ones."""
        values = self.contract.columns[name].values or {}
        value = self._yes_no(raw)
        if values:
            keys = self.params.bind([k.strip() for k in values])
            bools = self.params.bind(list(values.values()))
            value = (
                f"CASE WHEN list_contains({keys}::VARCHAR[], {raw}) THEN TRY_CAST("
                f"map_extract_value(MAP({keys}::VARCHAR[], {bools}::VARCHAR[]), {raw}) "
                f"AS BOOLEAN) ELSE {value} END"
            )
        why = " is not yes or no"
        return FieldSql(value, self._unless(raw, quote(name), label, why, _blanks(values)))

    def _text(self, spec: FieldSpec, value: str, raw: str, label: _Label, ref: str) -> FieldSql:
        limit = spec.max_length
        if not limit:
            return FieldSql(value, None)
        too_long = self.params.bind(f" is longer than {int(limit)} characters")
        # Characters are never more than bytes, and bytes are counted without decoding.
        error = (
            f"CASE WHEN strlen({ref}) > {int(limit)} THEN CASE WHEN length({ref}) > {int(limit)} "
            f"THEN {label} || left({raw}, 20) || '…' || {too_long} END END"
        )
        return FieldSql(value, error, nulls_on_error=False)

    def _typed(self, name: str, spec: FieldSpec, raw: str, label: _Label) -> FieldSql:
        ref = quote(name)
        if spec.sql_type == "DATE":
            value = self._dates(name, raw, DEFAULT_DATE_FORMATS, "DATE")
            error = self._unless(raw, ref, label, " is not a date")
            if name == "birth_date":
                return FieldSql(value, self._lifetime(ref, raw, label, error), False)
            if spec.after_birth and "birth_date" in self.mapping.columns:
                return FieldSql(value, self._not_before_birth(ref, raw, label, error), False)
            return FieldSql(value, error)
        if spec.sql_type == "TIMESTAMP":
            value = self._dates(name, raw, DEFAULT_TIME_FORMATS, "TIMESTAMP")
            return FieldSql(value, self._unless(raw, ref, label, " is not a date and time"))
        if spec.sql_type in ("BIGINT", "DOUBLE"):
            value = f"TRY_CAST(replace({raw}, ',', '') AS {spec.sql_type})"
            error = self._unless(raw, ref, label, " is not a number")
            ranged = self._range(spec, ref, label, error)
            return FieldSql(value, ranged, nulls_on_error=ranged == error)
        return self._text(spec, raw, raw, label, ref)

    def _lifetime(self, ref: str, raw: str, label: _Label, error: str) -> str:
        """A stated birth date no resident can have: in the future, or an age over the
        `max_age_years` of schemas/date_limits.yaml (a data-entry slip, set aside with the
        field)."""
        years, bind = date_limits().max_age_years, self.params.bind
        future = bind(" is in the future")
        old = bind(f" implies an age over {years} years")
        return (
            f"coalesce({error}, CASE WHEN {ref} > current_date THEN {label} || cw_q({raw}) || "
            f"{future} WHEN {ref} < current_date - INTERVAL {int(years)} YEAR "
            f"THEN {label} || cw_q({raw}) || {old} END)"
        )

    def _not_before_birth(self, ref: str, raw: str, label: _Label, error: str) -> str:
        """A date that follows birth (a registration, a visit) stated before the record's
        own birth date: the date is set aside, and the birth date, which linking needs,
        stays."""
        before = self.params.bind(" is before birth_date ")
        return (
            f"coalesce({error}, CASE WHEN {ref} < birth_date AND birth_date <= current_date "
            f"THEN {label} || cw_q({raw}) || {before} || birth_date END)"
        )

    def _range(self, spec: FieldSpec, ref: str, label: _Label, error: str) -> str:
        low, high = spec.ge, spec.le
        if low is None and high is None:
            return error
        checks = []
        if low is not None:
            checks.append(f"{ref} < {low}")
        if high is not None:
            checks.append(f"{ref} > {high}")
        why = self.params.bind(
            f" is outside {low if low is not None else ''}..{high if high is not None else ''}"
        )
        out_of_range = f"CASE WHEN {' OR '.join(checks)} THEN {label} || {ref} || {why} END"
        return f"coalesce({error}, {out_of_range})"

    def _dates(self, name: str, raw: str, defaults: tuple[str, ...], sql_type: str) -> str:
        """The contract's own formats first (the source says how it writes dates), then
        DuckDB's ISO cast, then the usual formats. A failed cast costs six times a parse
        (0.23 s against 0.04 s per million here), so a source writing 20200109 must not
        meet the cast first; DuckDB casts only ASCII text to dates, so text with other
        characters (1985年3月2日) skips it: strlen counts bytes."""
        declared = list(self.contract.columns[name].date_formats or ())
        tries = [self._strptime(raw, f, sql_type) for f in declared if f != "excel_serial"]
        tries.append(
            f"CASE WHEN strlen({raw}) = length({raw}) THEN TRY_CAST({raw} AS {sql_type}) END"
        )
        tries += [self._strptime(raw, f, sql_type) for f in defaults if f not in declared]
        if "excel_serial" in declared:
            tries.append(
                f"CASE WHEN regexp_full_match({raw}, '[0-9]{{4,5}}') "
                f"THEN (DATE '1899-12-30' + CAST({raw} AS INTEGER))::{sql_type} END"
            )
        return f"coalesce({', '.join(tries)})"

    def _strptime(self, raw: str, fmt: str, sql_type: str) -> str:
        return f"try_strptime({raw}, {self.params.bind(fmt)})::{sql_type}"

    def _coded(self, name: str, spec: FieldSpec, raw: str, label: _Label) -> FieldSql:
        col = self.contract.columns[name]
        values = col.values or {}
        keys = self.params.bind([k.strip() for k in values])
        codes = self.params.bind(list(values.values()))
        known = self.params.bind(_code_values(spec))

        def lookup(x: str) -> str:
            return (
                f"coalesce(map_extract_value(MAP({keys}::VARCHAR[], {codes}::VARCHAR[]), {x}), "
                f"CASE WHEN list_contains({known}::VARCHAR[], {x}) THEN {x} END)"
            )

        blanks = _blanks(values)
        if spec.sql_type.endswith("[]"):
            sep = self.params.bind(col.separator or ",")
            items = f"string_split({raw}, {sep})"
            if blanks:
                kept = f"NOT list_contains({self.params.bind(blanks)}::VARCHAR[], trim(x))"
                items = f"nullif(list_filter({items}, lambda x: {kept}), [])"
            value = f"list_transform({items}, lambda x: {lookup('trim(x)')})"
            why = self.params.bind(" has a value outside the code table")
            error = (
                f"CASE WHEN {raw} IS NOT NULL AND list_contains({quote(name)}, NULL) "
                f"THEN {label} || cw_q({raw}) || {why} END"
            )
            return FieldSql(value, error, nulls_on_error=False)
        cast = {"BOOLEAN": "BOOLEAN", "BIGINT": "BIGINT", "DOUBLE": "DOUBLE"}.get(spec.sql_type)
        value = f"TRY_CAST({lookup(raw)} AS {cast})" if cast else lookup(raw)
        error = self._unless(raw, quote(name), label, " is not a known value", blanks)
        return FieldSql(value, error)

    def _id_number(self, name: str, label: _Label) -> FieldSql:
        raw, t = raw_name(name), quote("n." + name)
        check, known = quote("k." + name), quote("g." + name)
        shape, birth = quote("s." + name), quote("b." + name)
        damaged = quote("z." + name)
        value = (
            f"CASE WHEN {shape} AND {birth} IS NOT NULL AND NOT {damaged} "
            f"AND {check} = substr({t}, 18) AND {known} THEN {t} END"
        )
        b = self.params.bind
        error = (
            f"CASE WHEN {raw} IS NULL THEN NULL "
            f"WHEN {damaged} THEN {label} || cw_q({raw}) || "
            f"{b(SPREADSHEET_DAMAGE)} "
            f"WHEN NOT {shape} THEN {label} || cw_q({raw}) || "
            f"{b(' is not an 18-digit ID number')} "
            f"WHEN {birth} IS NULL THEN {label} || cw_q({raw}) || "
            f"{b(' has an impossible birth date')} "
            f"WHEN {check} <> substr({t}, 18) THEN {label} || cw_q({raw}) || "
            f"{b(' fails its checksum')} "
            f"WHEN NOT {known} THEN {label} || cw_q({raw}) || "
            f"{b(' has a region code that is not a GB/T 2260 division')} "
            f"{self._id_birth_rules(name, label)}END"
        )
        return FieldSql(value, error, nulls_on_error=False)

    def _id_birth_rules(self, name: str, label: _Label) -> str:
        """A checked number whose birth date no resident can have (in the future, older
        than `max_age_years`), or a 15-digit one whose birth date contradicts the stated
        one (the upgrade guessed a century): the number is set aside, not the row."""
        raw, birth, b = raw_name(name), quote("b." + name), self.params.bind
        years = int(date_limits().max_age_years)
        out = (
            f"WHEN {birth} > current_date OR {birth} < current_date - INTERVAL {years} YEAR "
            f"THEN {label} || cw_q({raw}) || "
            f"{b(f' implies a birth date in the future or an age over {years} years')} "
        )
        if "birth_date" in self.mapping.columns and name == "id_number":
            out += (
                f"WHEN {quote('u.' + name)} AND birth_date IS NOT NULL AND {birth} <> birth_date "
                f"THEN {label} || cw_q({raw}) || "
                f"{b(' is a 15-digit number whose birth date contradicts birth_date')} "
            )
        return out

    def _derived(self, name: str, spec: FieldSpec) -> FieldSql:
        """Address parts parsed from the address text when the file has no column for them."""
        if name in self._place_parts():
            return FieldSql(quote("x." + name), None)
        return FieldSql(f"NULL::{spec.sql_type}", None)


def _blanks(values: dict[str, str | None]) -> list[str]:
    """The values a contract maps to no value (`否: null`)."""
    return [k.strip() for k, v in values.items() if v is None]


def _listed(items: list[str]) -> str:
    return f"list_filter([{', '.join(items)}], lambda x: x IS NOT NULL)"


def _only_some(texts: list[str]) -> str:
    """The non-null texts as a list. Most rows have none, and building and filtering a list
    per row cost more than the rest of the check, so a row with none gets an empty list."""
    empty = f"coalesce({', '.join(texts)}) IS NULL"
    return f"CASE WHEN {empty} THEN []::VARCHAR[] ELSE {_listed(texts)} END"


def _issues_list(issues: list[str]) -> str:
    """The set-aside fields as a list of {field, value, reason}; empty for most rows."""
    if not issues:
        return "[]::STRUCT(field VARCHAR, value VARCHAR, reason VARCHAR)[]"
    return f"CASE WHEN coalesce({', '.join(issues)}) IS NULL THEN [] ELSE {_listed(issues)} END"


class _Label:
    """A field's name for reason texts, bound as a parameter only where a reason uses it."""

    def __init__(self, params: Params, text: str) -> None:
        self.params = params
        self.text = text

    def __str__(self) -> str:
        return self.params.bind(self.text)

    def __format__(self, spec: str) -> str:
        return str(self)


def _code_values(spec: FieldSpec) -> list[str]:
    return code_table(spec.codes).values if spec.codes else []
