"""The conformed department records: every current staging record, with its link's keys.

Checked on the shared published district, and on a small home of its own where a record
changes in a field linking does not read (the link then has nothing to relink, and the
core record must follow all the same)."""

from __future__ import annotations

import duckdb
import pytest

from connectors.home import Home
from demo import generate
from schemas.classification import field_specs
from schemas.registry import RECORDS
from warehouse.db.connection import open_warehouse
from warehouse.db.ddl import qualified
from warehouse.db.lock import WriterLock
from warehouse.db.tables import record_key_of
from warehouse.ingest.intake import process_pending
from warehouse.linking.run import link_people


def _feeding(home: Home, model):
    return [c for c in home.contracts().values() if model.entity_name in c.entities]


def _key(model) -> str:
    (key,) = [s.name for s in field_specs(model) if s.primary_key]
    return key


@pytest.mark.parametrize("model", RECORDS, ids=lambda m: m.entity_name)
def test_every_current_record_is_in_core_once(published: Home, model):
    with duckdb.connect(str(published.warehouse), read_only=True) as con:
        for contract in _feeding(published, model):
            staged = con.execute(
                f"SELECT count(DISTINCT {_key(model)}) "
                f"FROM {qualified(contract.staging_table + '_current')}"
            ).fetchall()[0][0]
            core = con.execute(
                f"SELECT count(*) FROM {qualified(model.table_name)} WHERE source = ?",
                [contract.source],
            ).fetchall()[0][0]
            assert staged > 0 and core == staged, (contract.source, staged, core)


@pytest.mark.parametrize("model", RECORDS, ids=lambda m: m.entity_name)
def test_a_record_carries_the_person_and_places_of_its_link(published: Home, model):
    with duckdb.connect(str(published.warehouse), read_only=True) as con:
        for contract in _feeding(published, model):
            per_mention = _key(model) == record_key_of(contract)
            key = _key(model) if per_mention else None
            if per_mention:
                differ = con.execute(
                    f"SELECT count(*) FROM {qualified(model.table_name)} AS r "
                    "JOIN core.person_source AS l ON l.source = r.source "
                    f"AND l.source_record_id = r.{key} WHERE r.person_id IS DISTINCT FROM "
                    "l.person_id OR r.building_id IS DISTINCT FROM l.building_id "
                    "OR r.dwelling_id IS DISTINCT FROM l.dwelling_id"
                ).fetchall()[0][0]
                unlinked = con.execute(
                    f"SELECT count(*) FROM {qualified(model.table_name)} WHERE person_id IS NULL"
                ).fetchall()[0][0]
                assert (differ, unlinked) == (0, 0)
            else:  # an incident: no person, the place where it happened
                named, placed, total = con.execute(
                    "SELECT count(person_id), count(building_id), count(*) "
                    f"FROM {qualified(model.table_name)}"
                ).fetchall()[0]
                assert named == 0 and placed == total > 0


def test_a_change_linking_does_not_read_reaches_core(tmp_path):
    home = Home.resolve(tmp_path).ensure()
    generate(home.ingest, home.demo_truth, 400, 5, 1)
    process_pending(home)
    with WriterLock(home.writer_lock), open_warehouse(home) as con:
        link_people(con, home)
        (record,) = con.execute(
            "SELECT record_id FROM core.health_record ORDER BY record_id LIMIT 1"
        ).fetchall()[0]
        # A later file changes only the equipment: the same person, nothing to relink.
        con.execute(
            "UPDATE staging.health_residents SET medical_equipment = ['VENT'] "
            "WHERE record_id = ? AND _valid_to IS NULL",
            [record],
        )
        result = link_people(con, home)
        equipment = con.execute(
            "SELECT medical_equipment FROM core.health_record WHERE record_id = ?", [record]
        ).fetchall()
    assert result.skipped
    assert equipment == [(["VENT"],)]
