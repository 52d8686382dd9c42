"""Per-job logs: everything a job prints (progress bars included) goes to its log file."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from attnaudit import lifeline

# Every job script imports this module first: tie the job to its Snakemake process before
# the script's heavy imports (torch: seconds), then again in job_log (a no-op by then).
lifeline.guard_job()


@contextlib.contextmanager
def job_log(path: str | os.PathLike | None) -> Iterator[logging.Logger]:
    """Send stdout, stderr and the `attnaudit` logger to `path` for the duration. The job
    dies with the Snakemake process that started it (`attnaudit.lifeline.guard_job`)."""
    logger = logging.getLogger("attnaudit")
    logger.setLevel(logging.INFO)
    if path is None:
        yield logger
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", buffering=1) as fh:
        handler = logging.StreamHandler(fh)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
        try:
            lifeline.guard_job()
            with contextlib.redirect_stdout(fh), contextlib.redirect_stderr(fh):
                yield logger
        except BaseException:
            logger.exception("job failed")
            raise
        finally:
            logger.removeHandler(handler)
