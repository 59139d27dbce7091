"""GB/T 2260 divisions: which node codes lie inside which (API.md "Federation")."""

from __future__ import annotations


def covers(area: str, code: str) -> bool:
    """True when division `code` lies inside `area` (or is it).

    A province `xx0000` covers `xx****`, a city `xxyy00` covers `xxyy**`, a county only itself.
    """
    if len(area) != 6 or len(code) != 6:
        return False
    if area.endswith("0000"):
        return code[:2] == area[:2]
    if area.endswith("00"):
        return code[:4] == area[:4]
    return code == area
