"""Financial-year labels such as ``2016/17``."""
from __future__ import annotations

import re

_LABEL = re.compile(r"^(\d{4})/(\d{2})$")


def parse_year(label: str) -> int:
    """Return the calendar year a financial-year label starts in (``2016/17`` -> 2016).

    Raises:
        ValueError: if the label is not ``YYYY/YY`` with consecutive years.
    """
    m = _LABEL.match(str(label).strip())
    if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
        raise ValueError(f"a financial year written like 2016/17, not {label!r}")
    return int(m.group(1))


def year_label(start: int) -> str:
    """Return the label of the financial year starting in ``start`` (2016 -> ``2016/17``)."""
    return f"{start}/{(start + 1) % 100:02d}"
