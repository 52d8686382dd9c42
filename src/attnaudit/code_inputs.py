"""Which library files a workflow job runs: the static import closure of its script.

Snakemake reruns a job when its `script:` changes, but not when a library module that the
script imports changes. The rules therefore list, as inputs, every module of this package
that the script can import, directly or through other modules: found by reading the import
statements of the source files (anywhere in a file, so imports inside functions count),
without importing anything. Importing `a.b.c` runs the `__init__.py` of `a` and `a.b` too,
so those are included. The modules a file imports by name (`BY_NAME`: the encoder classes
the torch-free model catalogue names, imported when `models.classifier` builds a model)
count as its imports. A package's templates (the files under its `templates/`, as the
report's pages) are code too: a job that imports the package runs them.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable, Mapping
from pathlib import Path

from attnaudit.models import catalog

PACKAGE = "attnaudit"


def by_name() -> dict[str, list[str]]:
    """Module -> the modules it imports by name, which its import statements do not show."""
    return {"attnaudit.models.classifier": catalog.class_modules()}


def module_path(src: Path, name: str) -> Path | None:
    """The source file of module `name` under `src` (a module or a package), if any."""
    base = src.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def module_name(src: Path, path: Path) -> str:
    parts = path.relative_to(src).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(path: Path, package: str | None = None) -> set[str]:
    """The dotted names a file imports: for `from a import b`, both `a` and `a.b` (`b` may
    be a submodule); relative imports resolved against `package`."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level and package:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def closure(
    src: Path, files: list[Path], by_name: Mapping[str, Iterable[str]] | None = None
) -> list[Path]:
    """Every file of the package under `src` that `files` import, transitively, those of
    `files` that are in it, and the templates of the packages among them (sorted);
    `by_name`: module -> modules it imports by name."""
    seen: set[Path] = {f for f in files if f.is_relative_to(src)}
    todo = list(files)
    while todo:
        path = todo.pop()
        package, extra = None, set()
        if path.is_relative_to(src):
            name = module_name(src, path)
            package = name if path.name == "__init__.py" else name.rpartition(".")[0]
            extra = set((by_name or {}).get(name, ()))
        for name in imported_names(path, package) | extra:
            if name.split(".")[0] != PACKAGE:
                continue
            parts = name.split(".")
            for i in range(1, len(parts) + 1):  # the packages on the way, then the module
                found = module_path(src, ".".join(parts[:i]))
                if found is not None and found not in seen:
                    seen.add(found)
                    todo.append(found)
    return sorted(seen | templates(p for p in seen if p.name == "__init__.py"))


def templates(packages: Iterable[Path]) -> set[Path]:
    """The files under `templates/` of each package (by its `__init__.py`)."""
    return {f for init in packages for f in (init.parent / "templates").rglob("*") if f.is_file()}


@functools.cache
def script_code(script: Path, src: Path, *modules: str) -> tuple[str, ...]:
    """The library files a workflow script runs, with `modules` it imports by name
    (`importlib`), as paths (strings)."""
    extra = [module_path(src, m) for m in modules]
    missing = [m for m, p in zip(modules, extra, strict=True) if p is None]
    if missing:
        raise ValueError(f"no module {missing} under {src}")
    return tuple(str(p) for p in closure(src, [script, *extra], by_name()))
