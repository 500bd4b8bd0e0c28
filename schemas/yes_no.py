"""How department exports write yes and no, defined once for every flag column.

A BOOLEAN field, and a contract column declared as a `flag`, read these spellings (after
width folding and case folding); a blank cell is no value, any other text is set aside
with a reason. A contract's `values` map may add a spelling of its own.
"""

from __future__ import annotations

TRUE_WORDS = ("true", "t", "yes", "y", "1", "是", "是的", "有", "对", "√", "✓", "✔", "☑")
FALSE_WORDS = ("false", "f", "no", "n", "0", "否", "不是", "无", "没有", "非", "×", "✗", "✘", "☐")
