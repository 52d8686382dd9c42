"""docs/extending.md#table: a new table is one function plus one catalogue entry; its page
takes title, intro and glossary from the entry (expected texts written out by hand)."""

import pandas as pd

from attnaudit import io
from attnaudit.report import catalogue
from attnaudit.stages.report import publish


def test_a_new_table_needs_only_its_catalogue_entry(tmp_path, monkeypatch):
    item = catalogue.table(
        "beyond/accuracy_by_length", "Accuracy by length", "beyond_accuracy_by_length.rst",
        "Test accuracy per length bin, over {n} bins.",
        {"bin": "the length bin", "accuracy": "share of correct predictions"},
    )  # fmt: skip
    monkeypatch.setitem(catalogue.CATALOGUE, item.name, item)
    table = pd.DataFrame({"bin": ["short", "long"], "accuracy": [0.9, 0.75]})
    out = tmp_path / "beyond"  # the paths the rule gives: results/report/<name>.<suffix>
    csv, html, md = (str(out / f"accuracy_by_length{s}") for s in (".csv", ".html", ".md"))
    publish(catalogue.of(csv), table, csv, html, markdown=md, seeds=[2, 1], n=2)
    assert io.read_table(csv).equals(table)
    page = (out / "accuracy_by_length.html").read_text()
    assert "<title>Accuracy by length</title>" in page
    assert "Test accuracy per length bin, over 2 bins. Runs: 2 seeds (1, 2)." in page
    assert "<dt>accuracy</dt><dd>share of correct predictions</dd>" in page
    assert "<td class=num>0.750</td>" in page
    assert (
        (out / "accuracy_by_length.md")
        .read_text()
        .startswith("Test accuracy per length bin, over 2 bins.\n\n|")
    )
