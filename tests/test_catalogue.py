"""The catalogue against the rules and captions it stands for (text only: no dry run)."""

import re
from pathlib import Path

import pytest

from attnaudit.report import catalogue
from attnaudit.report.catalogue import CATALOGUE

ROOT = Path(__file__).resolve().parents[1]
REPORTED = re.compile(r'report\(\s*f"\{REPORT\}/([^"]+)",\s*caption="\.\./report/([^"]+)"')


def reported() -> list[tuple[str, str]]:
    """(file under results/report/, caption file) of every table page and figure the rules
    mark for report.html, but the verdict pages (one per model, not catalogue items)."""
    found = []
    for rules in sorted((ROOT / "workflow/rules").glob("*.smk")):
        found += REPORTED.findall(rules.read_text())
    return found


def test_every_reported_file_is_an_item_with_that_caption():
    files = reported()
    assert len(files) == 44  # 26 table pages and 18 figures, as the rules mark them
    for path, caption in files:
        item = catalogue.of(path)
        assert path == f"{item.name}{'.png' if item.figure else '.html'}"
        assert item.caption == caption, path


def test_every_item_is_reported_and_every_caption_file_belongs_to_one():
    assert {catalogue.of(path).name for path, _ in reported()} == set(CATALOGUE)
    captions = {p.name for p in (ROOT / "workflow/report").glob("*.rst")}
    assert {item.caption for item in catalogue.ITEMS} == captions - {
        "workflow.rst", "verdicts.rst", "open_questions.rst"}  # fmt: skip


def test_of_finds_an_item_by_any_path_and_suffix():
    assert catalogue.of("results/report/jain_wallace/tau.csv").name == "jain_wallace/tau"
    assert catalogue.of("jain_wallace/tau_per_seed.html").name == "jain_wallace/tau_per_seed"
    assert catalogue.of("results/report/figures/learned_vs_uniform.png").figure
    assert not catalogue.of("results/report/learned_vs_uniform.csv").figure
    assert catalogue.of("faithfulness/aopc.md").file_name == "aopc.csv"
    with pytest.raises(KeyError, match="no item"):
        catalogue.of("results/report/tau.csv")


def test_intro_fields_are_filled_in():
    text = CATALOGUE["jain_wallace/adversary"].text(epsilon=0.01)
    assert "within TVD 0.01 (max_jsd" in text and "{" not in text


def test_every_table_item_is_in_docs_outputs():
    """docs/outputs.md names each table by its stem (or its folder as `<folder>/*`)."""
    text = (ROOT / "docs/outputs.md").read_text()
    for item in catalogue.ITEMS:
        folder, _, stem = item.name.rpartition("/")
        if not item.figure:
            assert re.search(rf"\b{stem}\b", text) or f"report/{folder}/*" in text, item.name
