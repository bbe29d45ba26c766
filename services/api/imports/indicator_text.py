"""Reading an indicator as plans write it, loosely, into what Participa computes.

Plans write ratios in either order ("Capacitaciones programadas / Capacitaciones asistidas"); the product
always computes cumplimiento = achieved ÷ programmed × 100 (DESIGN.md §3), keeping the text as written.
"""

import functools
import re
from dataclasses import dataclass

from services.api.files.cells import fold
from shared.enums import IndicatorKind

# Words that mark the programmed (planned) side of a ratio; the other side is what was achieved.
_PROGRAMMED_MARKERS = ("programad", "planead", "proyectad", "convocad", "meta", "total", "esperad")


@dataclass(frozen=True)
class IndicatorReading:
    kind: IndicatorKind
    numerator_label: str | None
    denominator_label: str | None


@functools.lru_cache(maxsize=4096)
def read_indicator(text: str) -> IndicatorReading:
    """`A / B` is a proportion (achieved over programmed); "Número de …" a count; anything else yes/no."""
    written = text.strip()
    if "/" in written:
        left, right = (part.strip() for part in written.split("/", 1))
        if left and right:
            left_programmed = any(marker in fold(left) for marker in _PROGRAMMED_MARKERS)
            right_programmed = any(marker in fold(right) for marker in _PROGRAMMED_MARKERS)
            # Written as programmed / achieved: swap so the numerator is what was achieved.
            if left_programmed and not right_programmed:
                left, right = right, left
            return IndicatorReading(IndicatorKind.PROPORCION, left, right)
    if re.match(r"^(n[uú]mero|cantidad|total)\s+de\b", written, flags=re.IGNORECASE):
        return IndicatorReading(IndicatorKind.CONTEO, written, None)
    return IndicatorReading(IndicatorKind.SI_NO, None, None)
