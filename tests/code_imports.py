"""Which attnaudit modules a workflow script really loads: the run-time reference that the
static code inputs (attnaudit.code_inputs) are checked against."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.workflow_runner import REPO


def loaded_modules(script: str, *modules: str) -> set[str]:
    """The attnaudit files a script's imports (and `modules`) load, read from sys.modules of
    a fresh interpreter, as paths relative to the package's parent (`attnaudit/engine.py`):
    what the static closure must cover."""
    header = "\n".join(
        line
        for line in (REPO / "workflow/scripts" / script).read_text().splitlines()
        if line.startswith(("from attnaudit", "import attnaudit"))
    )
    code = (
        f"{header}\nimport importlib, sys\n"
        + "".join(f"importlib.import_module({m!r})\n" for m in modules)
        + "print('\\n'.join(m.__file__ for n, m in sys.modules.items() "
        "if n.split('.')[0] == 'attnaudit' and getattr(m, '__file__', None)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    ).stdout
    return {relative(p) for p in out.split()}


def relative(path: str | Path) -> str:
    """`.../src/attnaudit/x/y.py` -> `attnaudit/x/y.py`."""
    parts = Path(path).resolve().parts
    return Path(*parts[len(parts) - 1 - parts[::-1].index("attnaudit") :]).as_posix()
