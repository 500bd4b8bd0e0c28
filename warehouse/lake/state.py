"""Which commit of the lake this home's warehouse file is in step with.

Kept beside the warehouse, not in it: the warehouse's tables are what is pushed, and a
pulled file must not carry the machine it came from's idea of where it stands.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from connectors.home import Home
from connectors.modes import write_private
from warehouse.lake.config import Lake


@dataclass(frozen=True)
class LakeState:
    catalog: str  # the catalog URL, redacted: a home moved to another lake starts over
    seq: int
    commit_id: str


def read_state(home: Home, lake: Lake) -> LakeState | None:
    """The commit the warehouse is in step with, if it is this lake's."""
    try:
        raw = json.loads(home.lake_state.read_text("utf-8"))
        state = LakeState(str(raw["catalog"]), int(raw["seq"]), str(raw["commit_id"]))
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None
    return state if state.catalog == lake.shown else None


def write_state(home: Home, state: LakeState) -> None:
    write_private(home.lake_state, json.dumps(vars(state), indent=2) + "\n")
