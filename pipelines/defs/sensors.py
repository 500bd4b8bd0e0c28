"""Folder sensors: a file is loaded once it stops changing, and again if its content changes.

The cursor is the map {file name: signature} seen at the last tick. A file is stable when
it looks the same twice in a row (connectors.stability, the rule `causeway run` applies
too); the run key names the stable files and their signatures, so a changed file is seen
again and an unchanged one never twice. Files that were processed leave the folder, and
content seen before is recognized by the audit.
"""

import hashlib
import json
from collections.abc import Sequence

import dagster as dg

from connectors.stability import Signature, signature, unchanged
from pipelines.defs.resources import CausewayHome
from pipelines.defs.staging import staging_key
from schemas.contracts import SourceContract
from warehouse.ingest import pending

TICK_SECONDS = 30


def observe(home: CausewayHome, source: str) -> dict[str, Signature]:
    files = [path for _, path in pending(home.home(), source)]
    return {path.name: sig for path in files if (sig := signature(path)) is not None}


def folder_sensor(contract: SourceContract) -> dg.SensorDefinition:
    @dg.sensor(
        name=f"{contract.source}_files",
        target=[staging_key(contract.source)],
        minimum_interval_seconds=TICK_SECONDS,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Loads new {contract.source} files from ingest/{contract.department}/.",
    )
    def _sensor(
        context: dg.SensorEvaluationContext, home: CausewayHome
    ) -> dg.RunRequest | dg.SkipReason:
        before = json.loads(context.cursor) if context.cursor else {}
        now = observe(home, contract.source)
        context.update_cursor(json.dumps(now, sort_keys=True))
        stable = {name: now[name] for name in unchanged(before, now)}
        if not stable:
            waiting = len(now)
            return dg.SkipReason(
                f"{waiting} file(s) still changing or new since the last tick"
                if waiting
                else "no files waiting"
            )
        digest = hashlib.sha256(json.dumps(stable, sort_keys=True).encode()).hexdigest()[:16]
        return dg.RunRequest(
            run_key=f"{contract.source}:{digest}",
            tags={"causeway/files": ",".join(sorted(stable))[:1000]},
        )

    return _sensor


def folder_sensors(contracts: Sequence[SourceContract]) -> list[dg.SensorDefinition]:
    return [folder_sensor(c) for c in sorted(contracts, key=lambda c: c.source)]
