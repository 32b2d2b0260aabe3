"""gunicorn hooks for the bench's servers (nothing else uses this file).

A worker marks itself ready once it has loaded the application, so the bench can send
the first request after a restart to a worker that is waiting for it.
"""

import os
from pathlib import Path


def post_worker_init(worker):
    ready = os.environ.get("BENCH_READY_DIR")
    if ready:
        Path(ready, str(worker.pid)).touch()
