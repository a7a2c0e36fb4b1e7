"""Command-line interface: argument parsing and output over the workflow (:mod:`assistant.work`).

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
import sys
import time
from pathlib import Path
from typing import Any, NoReturn, cast

from . import __version__
from .base import one_line
from .color.palette import MAX_COLORS, MIN_COLORS
from .pipeline import GuideOptions
from .plan.steps import Medium

_MEDIA = (*Medium.choices(), "watercolor")
_DEFAULT = GuideOptions()  # the guide's defaults, said in the help texts (the workflow applies them)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, no usage dump
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
    guide.add_argument("--colors", type=int, default=None, help=f"number of paints, {MIN_COLORS}-{MAX_COLORS} (default {_DEFAULT.n_colors})")
    guide.add_argument("--medium", default=None, choices=_MEDIA, help=f"painting medium (default {_DEFAULT.medium})")
    guide.add_argument("--steps", type=int, default=None, help=f"largest number of steps, 4-32 (default {_DEFAULT.max_steps})")
    guide.add_argument("--min-region", type=int, default=None, help="smallest region in pixels (default: automatic)")
    guide.add_argument("--max-side", type=int, default=None, help=f"working size: longest side in px (default {_DEFAULT.max_side})")
    guide.add_argument("--seed", type=int, default=None, help=f"random seed; same seed, same guide (default {_DEFAULT.seed})")
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
                       help=f"values in the value study (default {_DEFAULT.value_levels}; the notan always has 2)")
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

    _add_jobs_parsers(cast("argparse._SubParsersAction[Any]", sub))
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
    code = main()
    # Said and done: a Ctrl-C while the interpreter shuts down would only turn the answer into a -2 exit.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return code


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
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return 2
    except MemoryError:
        print("error: not enough memory for this input; try a smaller --max-side", file=sys.stderr)
        return 1
    except Exception as exc:  # never a traceback for a user, unless asked for
        if args.debug:
            import traceback

            traceback.print_exc()
        print(f"error: unexpected {type(exc).__name__}: {one_line(exc)} (run again with --debug for details)",
              file=sys.stderr)
        return 1


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


def _prefetch(*modules: str) -> None:
    """Import ``modules`` in a background thread while the guide goes on.

    The guide's own work is mostly NumPy and OpenCV, which let go of the interpreter, so on a second core
    the imports it will need later (about half a second, the PDF writer's included) cost the painter
    little wait. An import that fails here fails again, with its message, where it is needed.
    """
    import importlib
    import threading

    def load() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # the import where the module is used reports it
                continue

    threading.Thread(target=load, name="painting-assistant-imports", daemon=True).start()


def _guide(args: argparse.Namespace) -> int:
    """``guide PHOTO|PROJECT -o OUT``: the workflow (:func:`assistant.work.open_bytes`) and its folder."""
    from .export.archive import check_output_dir
    from .work import GuideRequest, open_bytes, read_input, write_folder

    if not args.photo.is_file():
        raise ValueError(f"No such file: {args.photo}")
    check_output_dir(args.output)  # a bad -o is refused before any work
    # What the clean-up needs, while the photo is decoded; the PDF writer (fontTools under it, 0.16 s) once the
    # bar is past half: the regions are settled and a core is free, where beside the face finder it held it back.
    _prefetch("skimage.measure", "skimage.filters", "scipy.ndimage")
    writer: list[bool] = []
    request = GuideRequest.from_flags(vars(args))
    bar = _progress_bar(not args.quiet)
    shown: list[bool] = []  # a note after the bar has started goes on a line of its own

    def note(text: str) -> None:
        print(f"{chr(10) if shown else ''}note: {text}", file=sys.stderr)

    def report(fraction: float, message: str, preview=None) -> None:
        if fraction >= 0.5 and not writer:
            writer.append(True)
            _prefetch("fpdf")
        shown.append(True)
        bar(fraction, message, preview)

    work = open_bytes(read_input(args.photo), args.photo.name, request, on_progress=report, on_note=note)
    written = write_folder(work, args.output, paper=request.paper, grid=request.grid, on_progress=report)
    guide = work.guide
    assert guide is not None  # write_folder refuses work without a guide
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

    from .check import CheckOptions, parse_corners
    from .images import encode_png
    from .work import check_photo, open_project, read_input

    for path in (args.project, args.photo):
        if not path.is_file():
            raise ValueError(f"No such file: {path}")
    if args.output.exists() and not args.output.is_dir():
        raise ValueError(f"Expected -o to be a folder. Received: {args.output} (a file)")
    options = CheckOptions(off_delta_e=args.off).validate()
    corners = None if args.corners is None else parse_corners(args.corners)
    work = open_project(read_input(args.project))
    result, decoded = check_photo(work, read_input(args.photo), options=options, corners=corners)
    guide = work.guide
    record = result.check_dict(guide)
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
