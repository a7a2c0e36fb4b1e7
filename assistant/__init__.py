"""Painting Assistant: turn a photo into a painting guide a person can paint.

The core is pure Python/NumPy (no Streamlit; TensorFlow only inside the style and
stroke stages, imported when they run). Main entry points::

    from assistant import decode_image, make_guide, GuideOptions
    photo = decode_image(open("photo.jpg", "rb").read()).pixels
    guide = make_guide(photo, GuideOptions(n_colors=12, medium="acrylic", seed=0))
"""

__version__ = "0.1.0"

import os as _os

# TensorFlow's C++ log lines (CPU feature notes, warnings before an error) never reach a painter;
# set TF_CPP_MIN_LOG_LEVEL yourself to see them.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# k-means runs on OpenMP threads that spin while they wait for work: on a busy machine (the app's server, a
# worker beside it) the spinning took 1.5 s of a 0.06 s fit. Passive threads sleep instead; the result is the
# same (same thread count). Set OMP_WAIT_POLICY yourself to choose otherwise.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .base import Cancelled
from .images import DecodedImage, ImageError, decode_image
from .pipeline import Guide, GuideOptions, make_guide

__all__ = [
    "Cancelled",
    "DecodedImage",
    "Guide",
    "GuideOptions",
    "ImageError",
    "__version__",
    "decode_image",
    "make_guide",
]
