"""Open one file through the Upload page's open step (as the server would) and print what the page showed.

    python tests/hostile/app_open.py FILE    →  one JSON line: opened, errors, successes, exception

Run in its own process by test_hostile.py, which measures this process's peak memory and time.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _open_upload_script():
    import streamlit as st

    from pages import _persist, _state

    _persist.start_session()
    st.session_state["opened"] = _state.open_upload(st.session_state["upload_bytes"], st.session_state["upload_name"])


def main(path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_function(_open_upload_script, default_timeout=120)
    app.session_state["upload_bytes"], app.session_state["upload_name"] = path.read_bytes(), path.name
    app.run()
    opened = app.session_state["opened"] if "opened" in app.session_state else None
    print(json.dumps({
        "opened": opened,
        "errors": [e.value for e in app.error],
        "successes": [s.value for s in app.success],
        "exception": [str(e.value) for e in app.exception],
    }))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
