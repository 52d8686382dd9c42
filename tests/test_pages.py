"""The readable pages (`attnaudit.report.pages`): plain column names with a glossary of the
CSV's, the index's answers in words with links, and report.html's front page (the workflow
description, rendered as Snakemake renders it, opens on the verdicts)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from docutils.core import publish_parts
from jinja2 import Environment

from attnaudit.report import pages
from attnaudit.report.verdicts import Verdict

ROOT = Path(__file__).resolve().parents[1]


class Cells(HTMLParser):
    """Header cells, body rows, glossary (dt -> dd text) and links (text -> href)."""

    def __init__(self, text: str):
        super().__init__()
        self.head, self.rows, self.terms, self.links = [], [], {}, {}
        self.tag, self.href, self.term = None, None, None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tag = tag
        if tag == "tr":
            self.rows.append([])
        if tag == "td":
            self.rows[-1].append("")
        if tag == "a":
            self.href = dict(attrs)["href"]

    def handle_endtag(self, tag):
        self.tag = None
        if tag == "dd":
            self.term = None

    def handle_data(self, data):
        if self.tag == "th":
            self.head.append(data.replace("\u200b", ""))
        elif self.tag in ("td", "a") and self.rows and self.term is None:
            self.rows[-1][-1] += data.strip()
        if self.tag == "a":
            self.links[data] = self.href
        if self.tag == "dt":
            self.term = data
            self.terms[data] = ""
        elif self.term is not None:
            self.terms[self.term] += data


def test_shown_columns_in_csv_order_each_interval_after_its_column():
    columns = ["ranking", "accuracy", "accuracy_std", "n_seeds", "accuracy_ci95", "f1", "f1_ci95"]
    names = {"ranking": "r", "accuracy": "acc", "f1": "F1", "n_seeds": "seeds"}
    assert pages.shown_columns(columns, names) == {
        "ranking": "r", "accuracy": "acc", "accuracy_ci95": "acc ±", "n_seeds": "seeds",
        "f1": "F1", "f1_ci95": "F1 ±",
    }  # fmt: skip
    # a ci95 named itself keeps its name and place (adversary.csv's bare ci95)
    assert pages.shown_columns(["m", "ci95"], {"m": "mean", "ci95": "mean ±"}) == {
        "m": "mean",
        "ci95": "mean ±",
    }


def test_section_table_plain_names_values_and_glossary():
    table = pd.DataFrame({"ranking": ["attention", "random"], "aopc": [0.41234, 0.1],
                          "aopc_std": [0.02, 0.03], "aopc_ci95": [0.25, 0.5],
                          "n_seeds": [3.0, 3.0]})  # fmt: skip
    plain = pages.Plain("aopc.csv", {"ranking": "the ranking", "aopc": "area over the curve",
                                     "n_seeds": "seeds"},
                        {"ranking": "ranking", "aopc": "AOPC", "n_seeds": "seeds"})  # fmt: skip
    text = pages.section_table("AOPC", table, plain)
    page = Cells(text)
    assert page.head == ["ranking", "AOPC", "AOPC ±", "seeds"]
    rows = [r for r in page.rows if r]
    assert rows == [["attention", "0.412", "0.250", "3"], ["random", "0.100", "0.500", "3"]]
    assert page.terms["AOPC"] == "area over the curve (aopc)"
    assert page.terms["AOPC ±"].startswith("half-width of the 95 % interval of aopc")
    assert page.terms["AOPC ±"].endswith("(aopc_ci95)")
    assert page.terms["seeds"] == "seeds (n_seeds)"
    assert "Also in aopc.csv: aopc_std." in text
    assert "Not run" in pages.section_table("AOPC", None, plain)


@pytest.mark.parametrize("name", sorted(pages.PLAIN))
def test_every_plain_name_has_its_columns_meaning(name):
    """Each column a verdict page shows says what it holds (its CSV page's text), and no
    two columns of a table share a plain name."""
    plain = pages.PLAIN[name]
    assert set(plain.names) <= set(plain.meanings) | {"ci95"}
    assert len(set(plain.names.values())) == len(plain.names)


def answers(needed="yes", faithful="no", unique="undecided", seeds=7.0):
    return [
        Verdict("needed", needed, "rule", "n evidence"),
        Verdict("faithful", faithful, "rule", "f evidence"),
        Verdict("unique", unique, "rule", "u <evidence>", seeds_needed=seeds),
    ]


def test_index_cells_say_the_answer_and_link_to_its_section():
    entries = [("synthetic", "lstm-additive", answers(), "synthetic-lstm-additive.html", ""),
               ("sst", "lstm-additive", answers("no", "yes", "undecided", float("nan")),
                "sst-lstm-additive.html", "sst-lstm-additive-examples.html")]  # fmt: skip
    text = pages.index_page(entries)
    page = Cells(text)
    body = [r for r in page.rows if r]
    assert body[0][:5] == ["synthetic", "lstm-additive", "yes", "no",
                           "undecided (7 seeds would decide)"]  # fmt: skip
    assert body[1][2:5] == ["no", "yes", "undecided"]
    hrefs = re.findall(r'<td class="(\w+)"><a href="([^"]+)" title="([^"]*)">', text)
    assert hrefs[:3] == [("yes", "synthetic-lstm-additive.html#needed", "n evidence"),
                         ("no", "synthetic-lstm-additive.html#faithful", "f evidence"),
                         ("undecided", "synthetic-lstm-additive.html#unique",
                          "u &lt;evidence&gt;")]  # fmt: skip
    assert page.links["examples"] == "sst-lstm-additive-examples.html"


def snakemake_links(files) -> str:
    """The link targets Snakemake appends to every caption (report/__init__.py, rst_links):
    a result by its file name, a category by its name."""
    targets = [".. _Verdicts: javascript:app.showCategory('Verdicts')"]
    targets += [f".. _{f.target}: javascript:app.showResultInfo('{f.path}')" for f in files]
    return "\n\n" + "\n".join(targets) + "\n"


def front_page(files, config) -> str:
    """workflow.rst as Snakemake 9 renders the front page's description: Jinja (trim and
    lstrip blocks) with `snakemake.config`, `categories`, `files`, then docutils' html_body."""
    text = (ROOT / "workflow/report/workflow.rst").read_text() + snakemake_links(files)
    env = Environment(trim_blocks=True, lstrip_blocks=True)
    rst = env.from_string(text).render(
        snakemake=SimpleNamespace(config=config), categories={}, files=files
    )
    parts = publish_parts(rst, writer_name="html", settings_overrides={"halt_level": 2})
    return parts["html_body"]


def test_report_front_page_opens_on_the_verdicts(tmp_path):
    config = {"datasets": {"synthetic": {}}, "encoders": ["lstm"], "attentions": ["additive"],
              "seeds": [1, 2]}  # fmt: skip
    folder = tmp_path / "results/report/verdicts"
    folder.mkdir(parents=True)
    entries = [("synthetic", "lstm-additive", answers(), "synthetic-lstm-additive.html", "")]
    (folder / "front.rst").write_text(pages.front_rst(entries))
    page = SimpleNamespace(path=folder / "synthetic-lstm-additive.html",
                           target="synthetic-lstm-additive.html",
                           category=SimpleNamespace(name="Verdicts"))  # fmt: skip
    other = SimpleNamespace(path=tmp_path / "results/report/tau.html", target="tau.html",
                            category=SimpleNamespace(name="Jain & Wallace"))  # fmt: skip
    body = front_page([other, page], config)
    first = body.index("<p>")
    assert body[first:].startswith("<p><strong>Is attention explanation? The verdicts.</strong>")
    assert body.index("<table") < body.index("attnaudit trains")
    cells = Cells(body)
    assert [r for r in cells.rows if r] == [
        ["synthetic", "lstm-additive", "yes", "no", "undecided (7 seeds would decide)"]
    ]
    show = f"javascript:app.showResultInfo('{page.path}')"
    assert cells.links["undecided (7 seeds would decide)"] == show
    assert cells.links["Verdicts"] == "javascript:app.showCategory('Verdicts')"
    # without verdict pages (a config that makes none) the description is the rest alone
    alone = front_page([other], config)
    assert "<table" not in alone and "attnaudit trains" in alone
