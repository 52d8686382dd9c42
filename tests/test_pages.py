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
from attnaudit.report.templating import ENV, render
from attnaudit.report.verdicts import Comparison, Verdict

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


def section(*args) -> str:
    """A verdict page's table as its template renders it (macros.html's `section`)."""
    return str(ENV.get_template("macros.html").module.section(*args))


def test_section_table_plain_names_values_and_glossary():
    table = pd.DataFrame({"ranking": ["attention", "random"], "aopc": [0.41234, 0.1],
                          "aopc_std": [0.02, 0.03], "aopc_ci95": [0.25, 0.5],
                          "n_seeds": [3.0, 3.0]})  # fmt: skip
    plain = pages.Plain("aopc.csv", {"ranking": "the ranking", "aopc": "area over the curve",
                                     "n_seeds": "seeds"},
                        {"ranking": "ranking", "aopc": "AOPC", "n_seeds": "seeds"})  # fmt: skip
    shown = pages.shown_table(table, plain)
    assert shown.rest == ["aopc_std"] and shown.source == "aopc.csv"
    text = section("AOPC", shown)
    page = Cells(text)
    assert page.head == ["ranking", "AOPC", "AOPC ±", "seeds"]
    rows = [r for r in page.rows if r]
    assert rows == [["attention", "0.412", "0.250", "3"], ["random", "0.100", "0.500", "3"]]
    assert page.terms["AOPC"] == "area over the curve (aopc)"
    assert page.terms["AOPC ±"].startswith("half-width of the 95 % interval of aopc")
    assert page.terms["AOPC ±"].endswith("(aopc_ci95)")
    assert page.terms["seeds"] == "seeds (n_seeds)"
    assert "Also in aopc.csv: aopc_std." in text
    assert pages.shown_table(None, plain) is None and pages.shown_table(table[:0], plain) is None
    assert "Not run" in section("AOPC", None)
    # a value is text, never markup
    odd = table.assign(ranking=["<b>x</b>", "random"])
    assert "&lt;b&gt;x&lt;/b&gt;" in section("AOPC", pages.shown_table(odd, plain))


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
    text = render("index.html", **pages.index_context(entries))
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


def test_index_states_each_rule_with_its_margin_and_level():
    text = render(
        "index.html", **pages.index_context([], {"needed": {"margin": 0.05, "level": 0.1}})
    )
    assert "<strong>Needed</strong> (margin 0.05, intervals at 90 %)" in text
    assert "<strong>Unique</strong> (margin 0.05, intervals at 95 %)" in text  # the default


MODEL, CONTROL = "lstm-additive", "lstm-uniform"


def hand_made_runs(conicity=True) -> pd.DataFrame:
    runs = pd.DataFrame(
        [("d", MODEL, 1, 0.8, 0.3), ("d", MODEL, 2, 0.9, 0.5), ("d", CONTROL, 1, 0.6, 0.2),
         ("d", CONTROL, 2, 0.7, 0.2), ("e", MODEL, 1, 0.1, 0.9)],
        columns=["dataset", "model", "seed", "test_f1", "test_conicity"],
    )  # fmt: skip
    return runs if conicity else runs.drop(columns="test_conicity")


def hand_made_tables() -> dict[str, pd.DataFrame]:
    return {
        "vashishth/replacement": pd.DataFrame(
            [("d", MODEL, "learned", 0.9, 0.05, 2), ("d", CONTROL, "learned", 0.5, 0.1, 2),
             ("e", MODEL, "learned", 0.1, 0.2, 2)],
            columns=["dataset", "model", "replacement", "accuracy", "accuracy_ci95", "n_seeds"],
        ),
        "serrano_smith/decision_flips": pd.DataFrame(
            [("d", MODEL, "attention", 12.5)], columns=["dataset", "model", "ranking",
                                                       "top flips, random keeps"]),
        "wiegreffe_pinter/guided_mlp": pd.DataFrame(
            [("d", "base", MODEL, 0.7, 2), ("d", "uniform", "uniform", 0.6, 2),
             ("e", "base", MODEL, 0.1, 2)],
            columns=["dataset", "variant", "guide", "mean", "n"],
        ),
        "wiegreffe_pinter/adversarial": pd.DataFrame(
            [("d", MODEL, "adv-1", 1.0, 0.75), ("d", CONTROL, "adv-2", 1.0, 0.5),
             ("e", MODEL, "adv-3", 1.0, 0.25)],
            columns=["dataset", "base_model", "model", "lambda", "f1"],
        ),
    }  # fmt: skip


def test_verdict_context_keeps_this_models_rows_under_plain_names():
    comparison = Comparison("needed", f"learned minus {CONTROL} test F1", 0.2, 0.05, 0.1, 0.3,
                            0.02, 2, float("nan"), 0.01, 0.9, True, "yes")  # fmt: skip
    found = [Verdict("needed", "yes", "rule n", "n evidence", (comparison,)),
             Verdict("faithful", "no", "rule f", "f evidence"),
             Verdict("unique", "undecided", "rule u", "u evidence")]  # fmt: skip
    single = pd.DataFrame({"seed": [1, 1, 1, 1, 1, 1, 2, 2],
                           "ranking": ["attention"] * 4 + ["random"] * 2 + ["attention"] * 2,
                           "delta_jsd": [0.1, -0.1, 0.2, 0.0, 1.0, 1.0, 0.3, 0.3]})  # fmt: skip
    context = pages.verdict_context(
        "d", MODEL, hand_made_tables(), hand_made_runs(), found, None, single
    )
    assert context["f1"].grid.columns == ["seed", f"{MODEL} F1", f"{CONTROL} F1"]
    assert context["f1"].grid.rows == [["1", "0.800", "0.600"], ["2", "0.900", "0.700"]]
    sections = context["sections"]
    replaced = sections["vashishth/replacement"]
    assert replaced.grid.columns == ["weights at inference", "accuracy", "accuracy ±", "seeds"]
    assert replaced.grid.rows == [["learned", "0.900", "0.050", "2"]] and replaced.rest == []
    # the guided MLP's rows are the dataset's (every guide), the adversarial models this
    # model's (by base model), with the columns it does not show named
    assert sections["wiegreffe_pinter/guided_mlp"].grid.rows == [
        ["base", MODEL, "0.700", "2"], ["uniform", "uniform", "0.600", "2"]
    ]  # fmt: skip
    adversarial = sections["wiegreffe_pinter/adversarial"]
    assert adversarial.grid.rows == [["1.0000", "0.7500"]]  # the page's .4f
    assert adversarial.rest == ["dataset", "base_model", "model"]
    assert sections["faithfulness/aopc"] is None  # not in the tables: not run
    # conicity over this dataset's seeds: mean and sample standard deviation by hand
    assert context["has_conicity"]
    assert context["conicity"].grid.rows == [[MODEL, "0.400", "0.141", "2"],
                                             [CONTROL, "0.200", "0.000", "2"]]  # fmt: skip
    # attention's top item beats a random one on 2 of 4 instances (seed 1), 2 of 2 (seed 2)
    assert context["erased"] == {"percent": 75.0, "seeds": 2}
    assert context["comparisons"]["needed"].rows == [
        [f"learned minus {CONTROL} test F1", "yes", "0.200", "0.100", "0.300", "0.020", "2", ""]
    ]
    assert context["comparisons"]["faithful"] is None and context["tau_png"] == ""

    text = render("verdict.html", **context)
    assert text.index('id="needed"') < text.index('id="faithful"') < text.index('id="unique"')
    assert "on 75 % of instances (mean over 2 seed(s))" in " ".join(text.split())
    # not run: tau, multi-weight flips, AOPC, planted tokens, adversary, seed variance
    assert text.count("Not run for this model.") == 6
    bare = pages.verdict_context("d", MODEL, {}, hand_made_runs(conicity=False), found, None,
                                 None)  # fmt: skip
    assert not bare["has_conicity"] and bare["erased"] is None
    assert "Conicity" not in render("verdict.html", **bare)


def test_examples_rows_colour_each_ranking_and_mark_planted_tokens():
    tokens = pd.DataFrame({"id": ["a", "b"], "tokens": [["<SOS>", "x", "y", "<EOS>"]] * 2,
                           "rationale": [[1], None]})  # fmt: skip
    importance = pd.DataFrame({"id": ["a", "b"], "pred": [1, 0], "label": [1, 1],
                               "tau_attn_grad": [0.5, -0.25],
                               "attention": [[0.75, 0.25], [0.5, 0.5]],
                               "gradient": [[0.1, 0.2], [0.3, 0.3]],
                               "loo": [[0.2, 0.1], [0.1, 0.1]]})  # fmt: skip
    adversary = pd.DataFrame({"id": ["a"], "adversary_attention": [[0.25, 0.75]],
                              "max_jsd": [0.125], "output_tvd": [0.01]})  # fmt: skip
    eraser = pd.DataFrame({"id": ["a"] * 4 + ["b"], "ordering": [0] * 5,
                           "ranking": ["attention", "gradient", "loo", "integrated_gradients",
                                       "attention"],
                           "p_pred": [0.9] * 4 + [0.8],
                           "comprehensiveness_20": [0.1, 0.3, 0.2, 0.4, 0.1],
                           "scores": [None, None, None, [-0.5, 0.5], None]})  # fmt: skip
    context = pages.examples_context("d", MODEL, 1, tokens, importance, adversary, eraser)
    first = context["examples"][0]
    assert (first.ident, first.why, first.label, first.pred) == (
        "a", "attention agrees most with the gradient", 1, 1)  # fmt: skip
    assert [r.name for r in first.rows] == ["attention", "adversarial attention", "gradient",
                                            "leave-one-out", "Integrated Gradients"]  # fmt: skip
    assert [r.prediction for r in first.rows] == [
        "p(pred) 0.900", "JSD 0.125, output moved by TVD 0.0100",
        "without its top 20 %: p(pred) 0.600", "without its top 20 %: p(pred) 0.700",
        "without its top 20 %: p(pred) 0.500",
    ]  # fmt: skip
    # blue by share of the row's largest score (0.08 + 0.75 share), red for a negative one;
    # the special tokens are left out, the planted token (position 1: y) marked
    attention = first.rows[0].tokens
    assert [(t.text, t.colour, t.planted) for t in attention] == [
        ("x", "rgba(37,99,235,0.83)", False), ("y", "rgba(37,99,235,0.33)", True)]  # fmt: skip
    assert [t.colour for t in first.rows[-1].tokens] == ["rgba(220,38,38,0.83)",
                                                         "rgba(37,99,235,0.83)"]  # fmt: skip
    second = context["examples"][1]
    assert second.ident == "b" and [r.name for r in second.rows] == ["attention", "gradient",
                                                                    "leave-one-out"]  # fmt: skip
    text = render("examples.html", **context)
    assert '<span class="tok planted" style="background:rgba(37,99,235,0.33)" title="0.25">y' in (
        text
    )
    assert "tau(attention, gradient) 0.50" in text and "Seed 1." in text


def test_examples_of_word_pieces_show_words_even_one_without_pieces():
    """Pieces joined into words, values summed per word: a word the tokenizer gave no
    piece (word 1 here) is left out, and the words after it keep their own values and
    planted marks."""
    tokens = pd.DataFrame({"id": ["a"], "tokens": [["[CLS]", "go", "##od", "film", "[SEP]"]],
                           "words": [[-1, 0, 0, 2, -1]], "rationale": [[2]]})  # fmt: skip
    importance = pd.DataFrame({"id": ["a"], "pred": [1], "label": [1], "tau_attn_grad": [0.5],
                               "attention": [[0.5, 0.25, 0.25]], "gradient": [[0.1, 0.2, 0.4]],
                               "loo": [[0.0, 0.0, 0.3]]})  # fmt: skip
    adversary = pd.DataFrame(columns=["id", "adversary_attention", "max_jsd", "output_tvd"])
    context = pages.examples_context("d", MODEL, 1, tokens, importance, adversary, None)
    rows = {r.name: r.tokens for r in context["examples"][0].rows}
    assert [(t.text, t.value, t.planted) for t in rows["attention"]] == [
        ("good", 0.75, False), ("film", 0.25, True)]  # fmt: skip
    assert [t.value for t in rows["gradient"]] == pytest.approx([0.3, 0.4])
    assert [t.value for t in rows["leave-one-out"]] == pytest.approx([0.0, 0.3])


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
