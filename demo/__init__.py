"""The demo district: realistic, noisy department exports with ground truth.

Depends only on `schemas/`, so the exports are generated from the same code tables and
ID-number rules the pipeline checks them against, yet know nothing of the pipeline.
"""

from demo.api import DemoResult, generate

__all__ = ["DemoResult", "generate"]
