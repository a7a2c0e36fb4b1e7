"""The paints a painter owns: a catalogue of measured and approximate paints, presets, and parsing.

**Measured paints** are 19 Golden Heavy Body acrylics with measured two-constant
Kubelka–Munk absorption ``K`` and scattering ``S`` curves, 380–750 nm in 10 nm steps
(``assistant/data/golden-heavy-body-acrylic-ks.csv``). Source: the Artist Paint Spectral
Database of the Rochester Institute of Technology (Berns, Okumura), as compiled in the
Unicolour library by William Acton (MIT licence). ``S`` is relative to titanium white.

**Approximate paints** are common tubes missing from those data (earths, crimsons,
cadmium yellow …) and any paint the user adds by its colour. Their reflectance curve is
recovered from the colour with Meng, Simon and Hanika (2015), "Physically meaningful
rendering using tristimulus colours" (``colour.recovery.XYZ_to_sd_Meng2015``: the smoothest
curve in [0, 1] with exactly that colour under D65). They mix as single-constant paints:
``K/S`` from the curve, and a constant scattering ``S = strength × S_typ`` where ``S_typ``
is the median scattering of the measured coloured paints; ``strength`` is the stated
tinting strength (1 = a typical tube, lower = weaker in tints).

A paint set is written as a *spec*: a preset id, or comma-separated entries, each a
paint name (case-insensitive), a preset id, or ``name=#rrggbb`` (a paint by its
colour), optionally followed by ``*strength``. :func:`paints_from_file` turns a JSON file
into such a spec, so that a spec alone decides a guide.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .optics import WAVELENGTHS, masstone_hex, recover_reflectance, unsaunderson

__all__ = [
    "APPROXIMATE",
    "DEFAULT_PAINTS",
    "PRESETS",
    "Paint",
    "PaintSet",
    "catalogue",
    "tubes_spec",
    "parse_paints",
    "paints_from_file",
]

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "golden-heavy-body-acrylic-ks.csv"
MAX_PAINTS = 24
MAX_SPEC_CHARS = 4000

# Common tubes the measured data lack, with a typical masstone colour (sRGB) and pigment.
APPROXIMATE: dict[str, tuple[str, str]] = {
    "yellow ochre": ("#c39233", "PY43"),
    "raw sienna": ("#a8692c", "PBr7"),
    "burnt sienna": ("#8a3b1f", "PBr7"),
    "raw umber": ("#4f4130", "PBr7"),
    "burnt umber": ("#4f2f21", "PBr7"),
    "alizarin crimson": ("#7a1a28", "PR83"),
    "permanent crimson": ("#8b1c2e", "PR206"),
    "cadmium yellow medium": ("#f5b800", "PY35"),
    "naphthol red": ("#d3232c", "PR112"),
    "sap green": ("#4a6b23", "PG7+PY"),
    "payne's grey": ("#3b4450", "PB29+PBk9"),
    "zinc white": ("#f1f3f2", "PW4"),
    "mars black": ("#222222", "PBk11"),
}

PRESETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "limited-7": (
        "7-tube limited palette",
        ("titanium white", "bone black", "hansa yellow opaque", "cadmium red light", "quinacridone magenta",
         "ultramarine blue", "phthalo blue green shade"),
    ),
    "golden-19": ("all 19 measured Golden Heavy Body acrylics", ()),  # filled from the data file
    "earth": (
        "earth palette",
        ("titanium white", "yellow ochre", "raw sienna", "burnt sienna", "raw umber", "burnt umber",
         "ultramarine blue", "bone black"),
    ),
}
DEFAULT_PAINTS = "limited-7"

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9 '()./&+-]{0,39}$")


@dataclass(frozen=True)
class Paint:
    """One tube.

    Attributes:
        name: lower-case name as in the data ("titanium white").
        source: ``"measured"`` (measured K and S) or ``"approximate"`` (recovered from a colour).
        pigment: Colour Index name ("PW6"), or "" when unknown.
        k, s: absorption and scattering at :data:`WAVELENGTHS`, relative to titanium white.
        strength: stated tinting strength of an approximate paint (None when measured).
    """

    name: str
    source: str
    pigment: str
    k: tuple[float, ...] = field(repr=False)
    s: tuple[float, ...] = field(repr=False)
    strength: float | None = None

    @property
    def approximate(self) -> bool:
        return self.source == "approximate"


@dataclass(frozen=True)
class PaintSet:
    """The paints a painter owns, in a stable order, with the spec that names them."""

    paints: tuple[Paint, ...]
    spec: str

    def __len__(self) -> int:
        return len(self.paints)

    def __iter__(self) -> Iterator[Paint]:
        return iter(self.paints)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.paints)

    @property
    def k(self) -> np.ndarray:
        return np.array([p.k for p in self.paints], dtype=np.float64)

    @property
    def s(self) -> np.ndarray:
        return np.array([p.s for p in self.paints], dtype=np.float64)

    @property
    def has_white(self) -> bool:
        return any("white" in p.name for p in self.paints)


@functools.cache
def _measured() -> dict[str, Paint]:
    import csv

    curves: dict[str, dict[str, tuple[float, ...]]] = {}
    pigments: dict[str, str] = {}
    with open(DATA_FILE, newline="", encoding="utf-8") as handle:
        rows = csv.reader(line for line in handle if not line.startswith("#"))
        header = next(rows)
        if header[4:] != [f"{w}nm" for w in WAVELENGTHS]:
            raise ValueError(f"Expected bands 380nm..750nm in {DATA_FILE.name}. Received: {header[4:6]}…")
        for name, pigment, _product, curve, *values in rows:
            curves.setdefault(name, {})[curve] = tuple(float(v) for v in values)
            pigments[name] = pigment
    return {name: Paint(name, "measured", pigments[name], c["K"], c["S"]) for name, c in sorted(curves.items())}


@functools.cache
def _typical_scattering() -> float:
    coloured = [np.median(p.s) for p in _measured().values() if "white" not in p.name and "black" not in p.name]
    return float(np.median(coloured))


@functools.lru_cache(maxsize=256)
def _approximate(name: str, hex_color: str, pigment: str, strength: float) -> Paint:
    body = unsaunderson(recover_reflectance(hex_color))
    ratio = (1.0 - body) ** 2 / (2.0 * body)  # single-constant K/S of the body reflectance
    scattering = strength * _typical_scattering()
    k = tuple(float(v) for v in ratio * scattering)
    return Paint(name, "approximate", pigment, k, (scattering,) * len(WAVELENGTHS), strength)


def catalogue() -> dict[str, str]:
    """Every paint known by name → ``"measured"`` or ``"approximate"``."""
    known = {name: "measured" for name in _measured()}
    known.update({name: "approximate" for name in APPROXIMATE})
    return known


def _preset_names(preset: str) -> tuple[str, ...]:
    names = PRESETS[preset][1]
    return names or tuple(_measured())


def _unknown(name: str) -> ValueError:
    choices = list(catalogue()) + list(PRESETS)
    close = difflib.get_close_matches(name, choices, n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else "; `python -m assistant paints` lists them"
    return ValueError(f"unknown paint {name!r}{hint}")


def _entry(raw: str) -> list[Paint]:
    text = " ".join(raw.strip().lower().split())
    if not text:
        return []
    if text in PRESETS:
        return [_entry(name)[0] for name in _preset_names(text)]
    if "=" in text:
        name, _, colour = (part.strip() for part in text.partition("="))
        colour, _, strength_text = (part.strip() for part in colour.partition("*"))
        if not _NAME.match(name):
            raise ValueError(f"Expected a paint name of letters, digits and spaces (up to 40). Received: {name!r}")
        if name in catalogue():
            raise ValueError(f"paint {name!r} is already in the catalogue; give your own colour another name")
        if not _HEX.match(colour):
            raise ValueError(f"Expected a colour like #8a3b1f for paint {name!r}. Received: {colour!r}")
        try:
            strength = float(strength_text) if strength_text else 1.0
        except ValueError:
            raise ValueError(f"Expected a tinting strength number for {name!r}. Received: {strength_text!r}") from None
        if not 0.1 <= strength <= 10.0:
            raise ValueError(f"Expected a tinting strength between 0.1 and 10 for {name!r}. Received: {strength}")
        return [_approximate(name, colour, "", round(strength, 3))]
    measured = _measured()
    if text in measured:
        return [measured[text]]
    if text in APPROXIMATE:
        colour, pigment = APPROXIMATE[text]
        return [_approximate(text, colour, pigment, 1.0)]
    raise _unknown(text)


def _canonical(paint: Paint) -> str:
    if paint.source == "measured" or (paint.name in APPROXIMATE and paint == _entry(paint.name)[0]):
        return paint.name
    strength = "" if paint.strength == 1.0 else f"*{paint.strength:g}"
    return f"{paint.name}={masstone_hex(paint.k, paint.s)}{strength}"


def parse_paints(spec: str) -> PaintSet:
    """Parse a paint spec (see the module docstring) into a :class:`PaintSet`.

    Duplicates are dropped; the order is the order of first mention.

    Raises:
        ValueError: an unknown name (``unknown paint 'x'; did you mean …``), a bad colour
            or strength, no paints, or more than ``MAX_PAINTS``.
    """
    if not isinstance(spec, str):
        raise ValueError(f"Expected a paint spec string. Received: {type(spec).__name__}")
    if len(spec) > MAX_SPEC_CHARS:
        raise ValueError(f"Expected a paint spec of at most {MAX_SPEC_CHARS} characters. Received: {len(spec)}")
    text = " ".join(spec.strip().lower().split())
    if text in PRESETS:
        paints = _entry(text)
        canonical = text
    else:
        paints = [paint for raw in spec.split(",") for paint in _entry(raw)]
        canonical = None
    unique: dict[str, Paint] = {}
    for paint in paints:
        unique.setdefault(paint.name, paint)
    if not unique:
        raise ValueError("Expected at least one paint. Received: an empty list")
    if len(unique) > MAX_PAINTS:
        raise ValueError(f"Expected at most {MAX_PAINTS} paints. Received: {len(unique)}")
    chosen = tuple(unique.values())
    return PaintSet(chosen, canonical or ", ".join(_canonical(p) for p in chosen))


def tubes_spec(tubes: Sequence[str], *, colours: Mapping[str, str] | None = None, preset: str | None = None) -> str:
    """The spec of the tubes a painter ticked: ``preset`` when they are exactly its paints, else their names,
    a tube of the painter's own as ``name=#rrggbb`` (``colours``).

    Raises:
        ValueError: no tube, or one the catalogue does not know and that has no colour.
    """
    if not tubes:
        raise ValueError("Expected at least one tube. Received: none")
    colours = colours or {}
    spec = ", ".join(f"{tube}={colours[tube]}" if tube in colours else tube for tube in tubes)
    if preset and tuple(tubes) == parse_paints(preset).names:
        return preset
    parse_paints(spec)  # every tube known or given its colour
    return spec


def paints_from_file(path: str | Path) -> str:
    """Read a JSON paint file and return its spec.

    The file is a list (or ``{"paints": [...]}``) whose items are names or objects
    ``{"name": "burnt umber"}`` / ``{"name": "my green", "hex": "#3a6b35", "tinting_strength": 0.8}``.

    Raises:
        ValueError: unreadable, too large or malformed files, and anything :func:`parse_paints` refuses.
    """
    path = Path(path)
    try:
        if path.stat().st_size > 256_000:
            raise ValueError(f"Expected a paint file under 256 kB. Received: {path.stat().st_size} bytes")
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"cannot read paint file {path.name}: {err.__class__.__name__}") from None
    except RecursionError:  # json.loads recurses once per [ or {
        raise ValueError(f"cannot read paint file {path.name}: nested too deeply") from None
    items = data.get("paints") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ValueError(f'Expected a JSON list of paints or {{"paints": [...]}} in {path.name}')
    entries = []
    for item in items:
        if isinstance(item, str):
            entries.append(item)
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            if "hex" in item:
                strength = item.get("tinting_strength", 1.0)
                if not isinstance(strength, (int, float)) or isinstance(strength, bool):
                    raise ValueError(f"Expected a number for tinting_strength of {item['name']!r}")
                entries.append(f"{item['name']}={item['hex']}*{float(strength):g}")
            else:
                entries.append(item["name"])
        else:
            raise ValueError(f'Expected each paint as a name or {{"name": …}} in {path.name}. Received: {item!r:.60}')
        if any("," in e for e in entries[-1:]):
            raise ValueError(f"Expected paint names without commas. Received: {entries[-1]!r}")
    return parse_paints(", ".join(entries)).spec
