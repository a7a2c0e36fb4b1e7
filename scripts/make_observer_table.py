"""Write ``assistant/color/observer_table.py``: CIE 1931 2° colour matching functions × CIE D65 at the
38 bands of the measured paint data (380–750 nm every 10 nm), from colour-science's tabulated data.

    python scripts/make_observer_table.py

Run once; the guide reads the written table instead of importing colour-science (about a second of
every guide's process: it imports pandas and scipy.interpolate). ``tests/test_color_mixing.py`` checks
that the table still equals what colour-science gives.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    from assistant.color.optics import WAVELENGTHS, observer_from_colour

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import colour
    cmfs, d65 = observer_from_colour()
    rows = "\n".join(f"    ({nm}, {x!r}, {y!r}, {z!r}, {e!r}),"
                     for nm, (x, y, z), e in zip(WAVELENGTHS, cmfs.tolist(), d65.tolist()))
    text = f'''"""CIE 1931 2° colour matching functions x̄, ȳ, z̄ and the CIE D65 spectral power distribution at
380–750 nm every 10 nm (CIE 015:2018 data), aligned to these bands by colour-science {colour.__version__}; the
last digits are its arithmetic, kept so that the guide's colours stay exactly what they were.

Written by ``scripts/make_observer_table.py``; do not edit. ``tests/test_color_mixing.py`` checks it
against colour-science.
"""

#: (nm, x̄, ȳ, z̄, D65)
ROWS = (
{rows}
)
'''
    (ROOT / "assistant" / "color" / "observer_table.py").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
