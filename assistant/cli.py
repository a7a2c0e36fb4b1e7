"""Command-line interface: a thin layer over :func:`assistant.make_guide`.

    python -m assistant guide PHOTO -o OUTDIR [--colors 12] [--medium acrylic]
                                              [--max-side 1024] [--seed 0]
                                              [--style impasto_oil:0.7,ink_hatching:0.3]
                                              [--strokes 1000]
    python -m assistant guide my.project -o OUTDIR    (rebuild a saved guide)
    python -m assistant batch PHOTO... -o OUT [--queue URL] [guide options]   (one guide per photo)
    python -m assistant worker --queue URL [--kinds style,strokes]           (run jobs from a queue)

Exit codes (the error policy): 0 success; 2 bad input or options, a file that cannot be
read or written (``ValueError`` and its kinds ``ImageError``, ``ProjectError``; ``OSError``),
one ``error: …`` line on stderr; 1 anything else, one ``error: unexpected …`` line (the
traceback only with ``--debug``); 130 interrupted.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import time
from pathlib import Path

from . import __version__
from .base import progress_span
from .canvas import parse_crop_anchor
from .color.paints import DEFAULT_PAINTS
from .color.palette import MAX_COLORS, MIN_COLORS
from .pipeline import GuideOptions, make_guide
from .plan.steps import Medium
from .project import project_from_guide

_MEDIA = (*Medium.choices(), "watercolor")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, no usage dump
        raise _UsageError(message)


class _UsageError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m assistant", description="Turn a photo into a painting guide.")
    parser.add_argument("--version", action="version", version=f"painting-assistant {__version__}")
    parser.add_argument("--debug", action="store_true", help="on an unexpected error, print the whole traceback")
    sub = parser.add_subparsers(dest="command", required=True)
    guide = sub.add_parser("guide", help="write a painting guide for PHOTO")
    guide.add_argument("photo", type=Path,
                       help="the photo (JPEG, PNG, WebP, GIF, TIFF or BMP), or a guide.project to rebuild")
    guide.add_argument("-o", "--output", type=Path, required=True, help="folder to write the guide into")
    guide.add_argument("--colors", type=int, default=None, help=f"number of paints, {MIN_COLORS}-{MAX_COLORS} (default 12)")
    guide.add_argument("--medium", default=None, choices=_MEDIA, help="painting medium (default acrylic)")
    guide.add_argument("--steps", type=int, default=None, help="largest number of steps, 4-32 (default 12)")
    guide.add_argument("--min-region", type=int, default=None, help="smallest region in pixels (default: automatic)")
    guide.add_argument("--max-side", type=int, default=None, help="working size: longest side in px (default 1024)")
    guide.add_argument("--seed", type=int, default=None, help="random seed; same seed, same guide (default 0)")
    guide.add_argument("--paints", default=None,
                       help="the paints you own: a preset (limited-7 = default, golden-19, earth), names separated "
                            "by commas (e.g. 'titanium white, ultramarine blue, burnt umber'), NAME=#rrggbb for a "
                            "paint by its colour, or a .json file; see `python -m assistant paints`")
    guide.add_argument("--mixable", action="store_true", default=None,
                       help="build the palette only from colours your paints can mix")
    guide.add_argument("--canvas", default=None,
                       help="your canvas, width x height: 40x50cm, 16x20in, 50x40cm for landscape (default: the "
                            "photo's proportions, 40 cm on the long side); brushes, region sizes and the real-size "
                            "outline follow from it")
    guide.add_argument("--fit", default=None, choices=("crop", "pad"),
                       help="a photo of other proportions than the canvas is cropped (default) or padded with a "
                            "plain border")
    guide.add_argument("--crop-anchor", default=None,
                       help="which part of the photo a crop keeps: center (default), top, bottom, left, right, "
                            "top-left, ... or x,y from 0 to 1")
    guide.add_argument("--focus", default=None,
                       help="where the detail goes: auto (default: faces and what stands out), none (the same "
                            "everywhere), or X,Y[,R]: your focal point at fractions of the photo (0.5,0.3 = centre, "
                            "upper third), R its radius as a fraction of the short side")
    guide.add_argument("--keep", action="append", default=None, metavar="X,Y[,R]",
                       help="keep detail in this circle of the photo (fractions as for --focus); repeat for more")
    guide.add_argument("--simplify", action="append", default=None, metavar="X,Y[,R]",
                       help="simplify this circle of the photo into big shapes; repeat for more")
    guide.add_argument("--values", type=int, default=None, choices=(3, 5),
                       help="values in the value study (default 3; the notan always has 2)")
    guide.add_argument("--paper", default="a4", choices=("a4", "letter"),
                       help="paper for the real-size tiled outline (default a4)")
    guide.add_argument("--grid", action="store_true",
                       help="grid method: a grid every 5 cm (2 in on an inch canvas) over the reference and outline")
    guide.add_argument("--style", default=None,
                       help="brushstroke style: a bundled id (impasto_oil, palette_knife, dry_brush, glazed_oil, "
                            "gouache_flats, watercolour_wash, pointillist, ink_hatching), an image path, or none "
                            "(default); blend several "
                            "with weights as ID:W,ID:W (e.g. impasto_oil:0.7,ink_hatching:0.3)")
    guide.add_argument("--style-engine", default="fast", choices=("fast", "vgg19"),
                       help="fast (default): a feed-forward network, under a second; vgg19: the fast picture "
                            "refined by the slow Gatys optimisation with VGG19 (about a minute at 512 px on a "
                            "laptop)")
    guide.add_argument("--strength", default=None,
                       help="how strongly the style repaints the photo: auto (default: each bundled style's own "
                            "strength with the fast engine, medium with vgg19), subtle, medium, strong (the "
                            "fast engine also takes a number from 0 to 1); seed-recipe = the original slow "
                            "recipe from the photo itself (vgg19), for comparison")
    guide.add_argument("--style-weight", type=float, default=None,
                       help="raw strength of the brushwork texture (overrides --strength)")
    guide.add_argument("--content-weight", type=float, default=None,
                       help="raw weight of the photo's shapes (overrides --strength)")
    guide.add_argument("--preserve-colors", action="store_true", help="keep the photo's colours, transfer only texture")
    guide.add_argument("--style-size", type=int, default=512, help="longest side of the stylised image (default 512)")
    guide.add_argument("--weights", default="auto",
                       help="VGG19 weights: auto (default; nothing is downloaded), 8bit, imagenet, or a Keras .h5 file")
    guide.add_argument("--strokes", type=int, default=None,
                       help="paint the target with this many brushstrokes (about 200-3000; 0 = off, the default); "
                            "writes painting.png, strokes.json, timelapse.gif")
    guide.add_argument("--brush-min", type=float, default=0.6, help="smallest brush, %% of the long side (default 0.6)")
    guide.add_argument("--brush-max", type=float, default=30.0, help="largest brush, %% of the long side (default 30)")
    guide.add_argument("--quiet", action="store_true", help="no progress bar")
    guide.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="on an unexpected error, print the whole traceback")
    sub.add_parser("paints", help="list the paints and presets --paints understands")
    _add_check_parser(sub)
    from .jobs.command import add_parsers as _add_jobs_parsers  # worker, batch

    _add_jobs_parsers(sub)
    return parser


def _progress_bar(enabled: bool):
    start = time.perf_counter()

    def report(fraction: float, message: str, preview=None) -> None:
        if not enabled:
            return
        filled = int(round(fraction * 30))
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {fraction * 100:5.1f}%  {message:<40.40}")
        if fraction >= 1.0:
            sys.stderr.write(f"  ({time.perf_counter() - start:.1f} s)\n")
        sys.stderr.flush()

    return report


def run() -> int:
    """The ``painting-assistant`` command and ``python -m assistant``: :func:`main` in a process whose
    stderr never shows TensorFlow's native log lines, whichever stage loads it (a reopened project's
    face finder or stroke renderer as much as a style run)."""
    from .models import filter_native_stderr

    filter_native_stderr()
    return main()


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the process exit code (see the module's error policy)."""
    try:
        args = build_parser().parse_args(argv)
    except _UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        if args.command == "check":
            return _check(args)
        if args.command in ("worker", "batch"):
            from .jobs.command import run

            return run(args)
        return _list_paints() if args.command == "paints" else _guide(args)
    except KeyboardInterrupt:
        print("\nerror: interrupted", file=sys.stderr)
        return 130
    except (ValueError, OSError) as exc:  # ImageError and ProjectError are ValueErrors
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except MemoryError:
        print("error: not enough memory for this input; try a smaller --max-side", file=sys.stderr)
        return 1
    except Exception as exc:  # never a traceback for a user, unless asked for
        if args.debug:
            import traceback

            traceback.print_exc()
        print(f"error: unexpected {type(exc).__name__}: {_one_line(exc)} (run again with --debug for details)",
              file=sys.stderr)
        return 1


def _one_line(exc: BaseException) -> str:
    """The first line of an exception's message, without the file paths of an OSError's repr."""
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror}{where}"
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _style_options(args: argparse.Namespace):
    """The style settings from --style-engine, --strength and the raw weights; None when no style is asked for."""
    from .style.transfer import preset

    if args.style.lower() == "none":
        return None
    overrides = {k: v for k, v in (("style_weight", args.style_weight), ("content_weight", args.content_weight))
                 if v is not None}
    if args.style_engine == "fast":
        from .style.fast import STRENGTHS, FastStyleOptions, default_strength

        if overrides:
            raise ValueError("--style-weight and --content-weight belong to --style-engine vgg19; "
                             "the fast engine takes --strength subtle, medium, strong or a number from 0 to 1.")
        name = args.strength if args.strength in STRENGTHS else ""
        mix = parse_style_mix(args.style)
        try:  # auto: each bundled style's own strength, blended by weight
            strength = default_strength(mix) if args.strength == "auto" else (
                STRENGTHS[args.strength] if name else float(args.strength))
        except ValueError:
            raise ValueError(f"Expected --strength auto, subtle, medium, strong or a number from 0 to 1. "
                             f"Received: {args.strength!r}") from None
        return FastStyleOptions(strength=strength, max_side=args.style_size,
                                preserve_colors=args.preserve_colors).validate(), name
    strength = "medium" if args.strength == "auto" else args.strength
    options = preset(strength, preserve_colors=args.preserve_colors, max_side=args.style_size,
                     seed=args.seed, **overrides)
    return options, ("" if overrides else strength)


def _stylise(args: argparse.Namespace, style_options, strength: str, photo, report):
    """Run the style stage; returns (stylised image at photo size, its :class:`StyleRecord`, project style fields)."""
    from .models import device_description
    from .style.assets import list_styles, load_style

    mix = parse_style_mix(args.style)
    styles = [(*load_style(name), weight) for name, weight in mix]
    labels = [label for _, label, _ in styles]
    report(0.0, "Loading the style networks")
    device = device_description()
    bundled = {asset.id for asset in list_styles()}
    # Like the app's "Refine with VGG19", the slow engine starts from the instant picture and adds VGG19
    # texture at full size (from the photo its 512 px change is too small to see); seed-recipe = the old way.
    instant = args.style_engine == "fast" or strength != "seed-recipe"
    if instant:
        from .style.fast import FastStyleOptions, default_strength, load_fast_style, stylize_fast

        networks = load_fast_style()
        print(f"\nnote: fast style network: {networks.description}; running on {device}", file=sys.stderr)
        # Bundled styles go by id (their stored, VGG19-fitted vectors), a picture of one's own through the predictor.
        fast_mix = [(name if name in bundled else image, weight) for (name, _), (image, _, weight) in zip(mix, styles)]
        fast_options = style_options if args.style_engine == "fast" else FastStyleOptions(
            strength=default_strength(mix), max_side=args.style_size, preserve_colors=args.preserve_colors)
        fast = stylize_fast(photo, fast_mix, networks=networks, options=fast_options.validate(),
                            detail=_style_detail(args, photo))
        result, record = fast, fast.record(labels, [w for _, _, w in styles], networks=networks, options=fast_options,
                                           device=device, preset=strength if args.style_engine == "fast" else "")
        report(1.0 if args.style_engine == "fast" else 0.05, "Repainted")
    if args.style_engine == "vgg19":
        from .style.features import build_feature_extractor
        from .style.transfer import stylize

        network = build_feature_extractor(args.weights)
        print(f"\nnote: feature network: {network.description}; running on {device}", file=sys.stderr)
        start = (fast.image, len(style_options.scales)) if instant else None
        result = stylize(photo, [(image, weight) for image, _, weight in styles], network=network,
                         options=style_options, on_progress=report, resume_from=start)
        refined = result.record(labels, device=device, preset=strength)
        if instant:
            refined = dataclasses.replace(refined, engine="fast+vgg19", fast_strength=record.fast_strength,
                                          vector=record.vector, weights=record.weights,
                                          colour_anchor=record.colour_anchor)
        record = refined
    # What the project file keeps of the style: bundled ids, or the user's own picture.
    names = [name for name, _ in mix]
    source = {"style_source": {"styles": names}}
    own = [image for (image, _, _), name in zip(styles, names) if name not in bundled]
    if len(own) == 1:
        source = {"style_source": {"styles": names, "image": "style.npy"}, "style_image": own[0]}
    return result.image, record, source


def _style_detail(args: argparse.Namespace, photo):
    """The detail map the fast style keeps gentler on (faces, --keep circles), or None with --focus none."""
    from .plan.focus import detail_map

    found = detail_map(photo, focus=args.focus, marks=_marks(args.keep, True) + _marks(args.simplify, False))
    return None if found.is_neutral else found.detail


def parse_style_mix(text: str) -> list[tuple[str, float]]:
    """``"a:0.7,b:0.3"`` → ``[("a", 0.7), ("b", 0.3)]``; a missing weight is 1."""
    mix = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            raise ValueError(f"Expected style names separated by commas. Received: --style {text!r}")
        name, _, weight = part.rpartition(":")
        try:
            value = float(weight) if name else None
        except ValueError:
            value = None
        if value is None:
            name, value = part, 1.0
        if not (value > 0 and math.isfinite(value)):
            raise ValueError(f"Expected a style weight > 0. Received: {part!r}")
        mix.append((name, value))
    return mix


def _painter_options(args: argparse.Namespace):
    from .strokes.painter import PainterOptions

    if args.strokes < 0:
        raise ValueError(f"Expected --strokes >= 0. Received: {args.strokes}")
    return PainterOptions.from_brush_percent(max(1, args.strokes), args.brush_min, args.brush_max).validate()


def _strokes(options, guide, report):
    """Run the brushstroke painter on the guide; returns the guide with its stroke plan."""
    from .strokes.renderer import load_renderer
    from .work import add_strokes

    renderer = load_renderer()
    print(f"\nnote: stroke renderer: {renderer.describe()}", file=sys.stderr)
    return add_strokes(guide, options, renderer=renderer, on_progress=report)


# Options a project fixes, with their defaults for a photo.
_GUIDE_DEFAULTS = {"colors": 12, "medium": "acrylic", "steps": 12, "min_region": None, "max_side": 1024, "seed": 0,
                   "style": "none", "strength": "auto", "style_weight": None, "content_weight": None,
                   "strokes": 0, "paints": DEFAULT_PAINTS, "mixable": False, "canvas": "", "fit": "crop",
                   "crop_anchor": "center", "values": 3, "focus": "auto", "keep": [], "simplify": []}


def _list_paints() -> int:
    from .color.paints import PRESETS, catalogue, parse_paints

    print("Presets (--paints ID):")
    for preset, (title, _) in PRESETS.items():
        print(f"  {preset:<11} {title}: {', '.join(parse_paints(preset).names)}")
    print("Paints (--paints 'name, name, …'; approximate = recovered from a typical colour):")
    for name, source in catalogue().items():
        print(f"  {name}{'' if source == 'measured' else '  (approximate)'}")
    print("Your own paint: --paints 'titanium white, my green=#3a6b35' (add *0.5 for a weaker tinting strength).")
    return 0


def _read_input(path: Path) -> bytes:
    """The photo's or project's bytes; a file larger than either may be is refused before it is read."""
    import os

    from .images import MAX_FILE_BYTES
    from .project import MAX_BYTES

    with path.open("rb") as handle:
        head = handle.read(4)
        project = path.suffix.lower() == ".project" or head == b"PK\x03\x04"
        limit = MAX_BYTES if project else MAX_FILE_BYTES
        size = os.fstat(handle.fileno()).st_size
        if size <= limit:
            data = head + handle.read(size - len(head) + 1)
            size = len(data)
    if size > limit:
        what = "project file" if project else "photo"
        raise ValueError(f"The {what} is too large ({size / 2**20:.0f} MB; at most {limit // 2**20} MB): {path.name}")
    return data


def _paint_spec(text: str) -> str:
    """--paints: a .json file becomes a spec; anything else is a spec already."""
    from .color.paints import paints_from_file, parse_paints

    if text.lower().endswith(".json"):
        return paints_from_file(text)
    return parse_paints(text).spec


def _guide(args: argparse.Namespace) -> int:
    from .export.archive import check_output_dir
    from .images import decode_image
    from .project import is_project

    if not args.photo.is_file():
        raise ValueError(f"No such file: {args.photo}")
    check_output_dir(args.output)  # a bad -o is refused before any work
    data = _read_input(args.photo)
    if args.photo.suffix.lower() == ".project" or is_project(data):
        return _reopen(args, data)
    for name, default in _GUIDE_DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    options = GuideOptions(
        n_colors=args.colors,
        medium=args.medium,
        max_steps=args.steps,
        min_steps=min(4, args.steps),
        min_region=args.min_region,
        max_side=args.max_side,
        seed=args.seed,
        paints=_paint_spec(args.paints),
        mixable=args.mixable,
        canvas=args.canvas,
        fit=args.fit,
        crop_x=parse_crop_anchor(args.crop_anchor)[0],
        crop_y=parse_crop_anchor(args.crop_anchor)[1],
        value_levels=args.values,
        focus=args.focus,
        marks=_marks(args.keep, True) + _marks(args.simplify, False),
    ).validate()
    painter_options = _painter_options(args)  # options are checked before any work is done
    style = _style_options(args)
    decoded = decode_image(data, max_side=options.max_side)
    for note in decoded.notes:
        print(f"note: {note}", file=sys.stderr)
    bar = getattr(args, "report", None) or _progress_bar(not args.quiet)  # a batch job reports to its queue
    styled = style is not None
    # Share of the bar per stage: style transfer, guide, strokes; the last 10 % is writing.
    style_span = 0.45 if styled else 0.0
    strokes_span = 0.45 if args.strokes else 0.0
    guide_span = 0.9 - style_span - strokes_span
    target, record, source = None, None, {}
    if styled:
        target, record, source = _stylise(args, *style, decoded.pixels, progress_span(bar, 0.0, style_span))
    guide = make_guide(decoded.pixels, options, target=target, style=record,
                       on_progress=progress_span(bar, style_span, guide_span))
    if args.strokes:
        guide = _strokes(painter_options, guide, progress_span(bar, style_span + guide_span, strokes_span))
    for note in guide.notes:
        print(f"\nnote: {note}", file=sys.stderr)
    project = project_from_guide(guide, photo_name=args.photo.name, photo_notes=decoded.notes, **source)
    return _write(args, guide, project, bar)


def _marks(specs: list[str], keep: bool) -> tuple:
    """``--keep`` / ``--simplify`` circles as ``(x, y, radius, keep)``."""
    from .plan.focus import parse_focus

    marks = []
    for spec in specs:
        try:
            _, (x, y, radius) = parse_focus(spec)
        except (ValueError, TypeError):
            flag = "--keep" if keep else "--simplify"
            raise ValueError(f"Expected {flag} X,Y[,R] with fractions of the photo (e.g. 0.3,0.4,0.1). "
                             f"Received: {flag} {spec!r}") from None
        marks.append((x, y, radius, keep))
    return tuple(marks)


def _reopen(args: argparse.Namespace, data: bytes) -> int:
    """Rebuild the guide of a project file: no style transfer, no brushstroke painting (-o is checked by _guide)."""
    from .project import load_project, rebuild_guide

    given = [name for name in _GUIDE_DEFAULTS if getattr(args, name) is not None]
    if given:
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        raise ValueError(f"A project keeps its own settings; leave out {flags} (or start again from the photo).")
    project = load_project(data)
    if project.options is None:
        raise ValueError("This project has no palette yet; open it in the app or start from its photo.")
    bar = getattr(args, "report", None) or _progress_bar(not args.quiet)  # a batch job reports to its queue
    guide = rebuild_guide(project, on_progress=progress_span(bar, 0.0, 0.9))
    return _write(args, guide, dataclasses.replace(project, plan=b""), bar)


def _write(args: argparse.Namespace, guide, project, bar) -> int:
    from .export import plan_json, write_guide
    from .project import save_project

    bar(0.92, "Writing PDF, ZIP and images")
    project = dataclasses.replace(project, plan=plan_json(guide))
    written = write_guide(guide, args.output, extra_files={"guide.project": save_project(project)},
                          paper=args.paper, grid=args.grid)
    bar(1.0, "Done")
    summary = f"{guide.canvas.label} canvas, {len(guide.palette)} colours, {len(guide.steps)} steps"
    if guide.strokes is not None:
        summary += f", {len(guide.strokes.painting.strokes)} brushstrokes in {len(guide.strokes.steps)} stroke steps"
    print(f"Wrote {len(written)} files to {args.output} ({summary}).")
    return 0


# --- check: a photo of the canvas against its project (issue 23) --------------------------------


def _add_check_parser(sub) -> None:
    check = sub.add_parser("check", help="check a photo of your canvas against its guide.project")
    check.add_argument("project", type=Path, help="the guide.project you are painting from")
    check.add_argument("photo", type=Path, help="a photo of the canvas (JPEG, PNG, WebP, TIFF …), all four corners in it")
    check.add_argument("-o", "--output", type=Path, required=True,
                       help="folder to write check.json and check.png into (made if missing)")
    check.add_argument("--corners", default=None, metavar="X1,Y1,...,X4,Y4",
                       help="the canvas's four corners in the photo's pixels, any order, when it is not found")
    check.add_argument("--off", type=float, default=8.0, metavar="DE",
                       help="a painted area further than this from its colour (CIEDE2000) is off (default 8)")
    check.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="on an unexpected error, print the whole traceback")


def _check(args: argparse.Namespace) -> int:
    """``check PROJECT PHOTO -o OUT``: writes OUT/check.json and OUT/check.png (the overlay), prints the summary."""
    import json

    from .check import CanvasNotFound, CheckOptions, check_canvas, parse_corners
    from .images import decode_image, encode_png
    from .project import load_project, rebuild_guide

    for path in (args.project, args.photo):
        if not path.is_file():
            raise ValueError(f"No such file: {path}")
    if args.output.exists() and not args.output.is_dir():
        raise ValueError(f"Expected -o to be a folder. Received: {args.output} (a file)")
    options = CheckOptions(off_delta_e=args.off).validate()
    project = load_project(_read_input(args.project))
    if project.options is None:
        raise ValueError("This project has no palette yet; open it in the app or start from its photo.")
    decoded = decode_image(_read_input(args.photo), max_side=2048)
    corners = None
    if args.corners is not None:  # given in the photo file's pixels; the check sees it at most 2048 px
        scale = decoded.pixels.shape[1] / decoded.original_size[0]
        corners = parse_corners(args.corners) * scale
    guide = rebuild_guide(project)
    try:
        result = check_canvas(decoded.pixels, guide, options=options, corners=corners)
    except CanvasNotFound as exc:
        raise ValueError(f"{exc} (--corners X1,Y1,…,X4,Y4 in the photo's pixels)") from None
    record = result.as_dict(guide)
    record["photo"] = {"name": args.photo.name, "size": list(decoded.original_size),
                       "corners_in_file": (result.corners / (decoded.pixels.shape[1] / decoded.original_size[0]))
                       .round(1).tolist()}
    args.output.mkdir(parents=True, exist_ok=True)
    _replace_file(args.output / "check.json", json.dumps(record, indent=2, ensure_ascii=False).encode())
    _replace_file(args.output / "check.png", encode_png(result.overlay))
    print(result.summary(guide))
    for region in result.regions:
        if region.status == "off":
            print(f"  colour {region.colour} (step {region.step}, ΔE {region.delta_e:.0f}): {region.advice}")
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


def _replace_file(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all (a temporary file beside it, then renamed over it)."""
    import os

    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
