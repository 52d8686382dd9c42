"""`python -m attnaudit.report.write report.html [SNAKEMAKE OPTIONS...]`: Snakemake's
report, in place only when complete.

`snakemake --report report.html` writes the page where it will stay: killed while writing,
it leaves a truncated report.html (stuck on its loading screen) and has already destroyed
the previous one. This runs `snakemake --report` onto a temporary file beside the report
(`io.atomic_path`) and renames it onto report.html only once Snakemake has finished with
success, so until then the previous report stays whole. Snakemake dies with this process
(Linux's parent-death signal); a temporary that a killed writer left is removed by the
next write. Options after the report's name go to Snakemake as they are
(`--configfile configs/beyond.yaml`). Only `.html` reports: a `.zip` report names its
folder after the file, so it cannot be written under a temporary name.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from attnaudit.io import atomic_path
from attnaudit.lifeline import die_with_parent

SNAKEMAKE = (sys.executable, "-m", "snakemake")


class ReportError(RuntimeError):
    """Snakemake did not write the report; the previous one is left as it was."""


def _terminate(signum, frame):  # SIGTERM: unwind, so the temporary goes and Snakemake stops
    raise SystemExit(128 + signum)


def write(report: Path | str, options: Sequence[str] = (), snakemake=SNAKEMAKE) -> Path:
    """Run `snakemake *options --report <temporary>` and rename the temporary onto `report`
    when Snakemake succeeds; raise ReportError (nothing renamed) when it fails."""
    report = Path(report)
    if report.suffix != ".html":
        raise ReportError(f"{report}: the report must end in .html (`snakemake --report` "
                          "itself writes a .zip report)")  # fmt: skip
    with atomic_path(report, suffix=".part.html", record=False) as tmp:
        # the options first: one taking several values (--configfile) would take the path
        done = subprocess.run([*snakemake, *options, "--report", str(tmp)],
                              preexec_fn=die_with_parent)  # fmt: skip
        if done.returncode != 0:
            raise ReportError(
                f"snakemake --report failed (exit {done.returncode}); {report} is left as it was"
            )
        if tmp.stat().st_size == 0:
            raise ReportError(f"snakemake --report wrote nothing; {report} is left as it was")
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: the report's path, then Snakemake's options."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-"):
        print(__doc__.split("\n\n", 1)[0], file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _terminate)
    try:
        report = write(argv[0], argv[1:])
    except ReportError as exc:
        print(f"attnaudit: {exc}", file=sys.stderr)
        return 1
    print(f"attnaudit: wrote {report}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
