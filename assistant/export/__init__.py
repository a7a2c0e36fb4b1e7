"""Guide export: ``plan.json``, a ZIP of every image, the printable PDF, and the
real-size outline (SVG and tiled PDF). Everything returns bytes; :func:`write_guide`
is the one function that touches the disk (for the CLI).
"""

from .archive import outline_files, to_zip, write_guide
from .pdf import to_pdf
from .plan import image_files, plan_dict, plan_json, stroke_files

__all__ = ["outline_files", "image_files", "plan_dict", "plan_json", "stroke_files", "to_pdf", "to_zip", "write_guide"]
