"""Run a command and write its exit code, peak resident memory and wall time to a JSON file.

    python tests/hostile/measure.py REPORT.json TIMEOUT_S COMMAND...

A child's peak memory (``ru_maxrss``) starts at its parent's resident size when it was forked, so the
command is started from this small, fresh interpreter rather than from the test process. The command
inherits stdin, stdout and stderr.
"""

import json
import os
import subprocess
import sys
import threading
import time


def main() -> None:
    report, timeout, command = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    start = time.monotonic()
    proc = subprocess.Popen(command)
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    with open(report, "w") as handle:
        json.dump({"rc": proc.returncode, "peak_bytes": usage.ru_maxrss * 1024,
                   "seconds": time.monotonic() - start}, handle)


if __name__ == "__main__":
    main()
