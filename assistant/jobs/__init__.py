"""Long work as jobs on a task queue (Huey): embedded by default, Redis for many machines.

    from assistant.jobs import JobQueue, strokes_request

    queue = JobQueue("sqlite:///tmp/queue.sqlite")           # or "redis://host:6379/0"
    request = strokes_request(guide, PainterOptions(n_strokes=1000))
    job = queue.submit(request.kind, request.inputs, label="Painting 1000 brushstrokes")
    queue.status(job)                                         # state, fraction, time left
    queue.result(job)                                         # the Painting, once done

Workers run the jobs: ``python -m assistant worker --queue URL`` (:mod:`.worker`); the app starts its
own on one machine (:mod:`.embedded`); ``python -m assistant batch`` makes guides over them
(:mod:`.command`). The tasks are pure functions of their inputs (:mod:`.tasks`).
"""

from .queue import BY_USER, KINDS, QUEUE_ENV, SESSION_GONE, JobQueue, Observer, Status, describe_failure
from .tasks import (
           Request,
           guide_request,
           probe_request,
           run_task,
           strokes_request,
           style_request,
)

__all__ = ["BY_USER", "KINDS", "QUEUE_ENV", "SESSION_GONE", "JobQueue", "Observer", "Request", "Status",
           "describe_failure", "guide_request", "probe_request", "run_task",
           "strokes_request", "style_request"]
