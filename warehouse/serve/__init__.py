"""What people read from the warehouse in an emergency: the building's evacuation list,
and the access log every view of identifiable data is written to before it is shown.
"""

from warehouse.serve.evacuation_lists import BuildingNotFound, Evacuation, break_glass, evacuation

__all__ = [
    "BuildingNotFound",
    "Evacuation",
    "break_glass",
    "evacuation",
]
