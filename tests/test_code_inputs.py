"""The library files a workflow script runs: the static import closure (code_inputs)."""

from __future__ import annotations

from pathlib import Path

from attnaudit import settings
from attnaudit.code_inputs import closure, imported_names, script_code
from tests.code_imports import loaded_modules, relative
from tests.workflow_runner import REPO

SRC = REPO / "src"


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_closure_follows_imports_anywhere_in_a_file_and_includes_parent_packages(tmp_path):
    write(
        tmp_path,
        {
            "attnaudit/__init__.py": "",
            "attnaudit/a/__init__.py": "",
            "attnaudit/a/b.py": "import numpy\nfrom attnaudit import c\n",
            "attnaudit/c.py": "def f():\n    from attnaudit.d import thing\n",
            "attnaudit/d.py": "thing = 1\n",
            "attnaudit/e.py": "from .d import thing\n",  # relative, not reached
            "attnaudit/unused.py": "",
        },
    )
    script = tmp_path.parent / f"{tmp_path.name}-script.py"
    script.write_text("from attnaudit.a.b import x\n")
    found = {p.relative_to(tmp_path).as_posix() for p in closure(tmp_path, [script])}
    assert found == {
        "attnaudit/__init__.py", "attnaudit/a/__init__.py", "attnaudit/a/b.py",
        "attnaudit/c.py", "attnaudit/d.py",
    }  # fmt: skip


def test_modules_imported_by_name_count_as_imports_of_the_module_that_imports_them(tmp_path):
    write(tmp_path, {
        "attnaudit/__init__.py": "", "attnaudit/a.py": "", "attnaudit/b.py": "",
        "attnaudit/c.py": "import attnaudit.b\n", "attnaudit/d.py": "",
    })  # fmt: skip
    script = tmp_path.parent / f"{tmp_path.name}-byname.py"
    script.write_text("from attnaudit import a\n")
    found = closure(tmp_path, [script], {"attnaudit.a": ["attnaudit.c"], "attnaudit.d": ["x"]})
    assert {p.relative_to(tmp_path).as_posix() for p in found} == {
        "attnaudit/__init__.py", "attnaudit/a.py", "attnaudit/c.py", "attnaudit/b.py"
    }  # fmt: skip


def test_code_that_builds_models_has_the_catalogued_encoder_modules_as_inputs():
    """Encoder classes are imported by name (models.catalog): editing one reruns training,
    and reruns no table of the report."""

    def files(script):
        return {Path(p).name for p in script_code(REPO / "workflow/scripts" / script, SRC)}

    assert {"orthogonal.py", "transformer.py", "encoders.py"} <= files("train.py")
    assert not {"orthogonal.py", "transformer.py", "encoders.py"} & files("aggregate.py")


def test_closure_includes_the_templates_of_the_packages_it_reaches(tmp_path):
    """A page template is code: editing it reruns the jobs that import its package, and
    only those."""
    write(
        tmp_path,
        {
            "attnaudit/__init__.py": "",
            "attnaudit/a/__init__.py": "",
            "attnaudit/a/b.py": "",
            "attnaudit/a/templates/page.html": "",
            "attnaudit/a/templates/parts/style.css": "",
            "attnaudit/c/__init__.py": "",
            "attnaudit/c/templates/other.html": "",  # its package is not imported
            "attnaudit/a/nottemplates/x.html": "",
        },
    )
    script = tmp_path.parent / f"{tmp_path.name}-script.py"
    script.write_text("from attnaudit.a import b\n")
    found = {p.relative_to(tmp_path).as_posix() for p in closure(tmp_path, [script])}
    assert found == {
        "attnaudit/__init__.py", "attnaudit/a/__init__.py", "attnaudit/a/b.py",
        "attnaudit/a/templates/page.html", "attnaudit/a/templates/parts/style.css",
    }  # fmt: skip


def test_relative_imports_resolve_against_the_package(tmp_path):
    write(tmp_path, {"attnaudit/__init__.py": "", "attnaudit/e.py": "from .d import thing\n"})
    assert imported_names(tmp_path / "attnaudit/e.py", "attnaudit") == {
        "attnaudit.d", "attnaudit.d.thing"
    }  # fmt: skip


def test_the_static_closure_covers_what_every_script_really_imports():
    """For every workflow script, each attnaudit module loaded at run time is a code input
    (the static closure may list more: imports inside functions that did not run)."""
    family_modules = {"analysis.py": [f"attnaudit.analyses.{f}" for f in settings.FAMILIES]}
    for script in sorted(p.name for p in (REPO / "workflow/scripts").glob("*.py")):
        modules = family_modules.get(script, [])
        static = {relative(p) for p in script_code(
            REPO / "workflow/scripts" / script, SRC.resolve(), *modules)}  # fmt: skip
        missing = loaded_modules(script, *modules) - static
        assert not missing, (script, missing)


def test_training_code_does_not_reach_dataset_parsers_or_analysis_settings():
    """Editing a parser of another dataset, or an analysis's settings, retrains nothing."""
    train = {Path(p).name for p in script_code(REPO / "workflow/scripts/train.py", SRC)}
    assert not {"imdb.py", "sst.py", "registry.py", "settings.py", "config.py"} & train
    assert {"train.py", "encoders.py", "attention.py", "optim.py"} <= train
