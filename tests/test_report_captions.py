"""Every caption of the report (workflow/report/*.rst) renders as Snakemake renders it, Jinja
on the default config then docutils, without a docutils error or warning: a `|...|` read as
a substitution, a broken table or a bad indent shows in the report as a red system
message under the figure."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from docutils.core import publish_doctree
from docutils.nodes import system_message
from jinja2 import Environment, StrictUndefined

from attnaudit.config import validate

REPO = Path(__file__).resolve().parents[1]
CAPTIONS = sorted((REPO / "workflow" / "report").glob("*.rst"))
# what Snakemake appends to each caption before rendering it (snakemake.report, 9.27)
LINKS = textwrap.dedent("""

    .. _Workflow: javascript:show_panel('workflow')
    .. _Statistics: javascript:show_panel('statistics')
    """)


def default_config() -> dict:
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    validate(config)
    return config


def problems(text: str) -> list[str]:
    """docutils' errors and warnings for an rst text (level 2 and up), as it prints them."""
    stream = io.StringIO()
    doctree = publish_doctree(
        text,
        settings_overrides={"report_level": 2, "halt_level": 5, "warning_stream": stream},
    )
    found = [node.astext() for node in doctree.findall(system_message) if node["level"] >= 2]
    return found or ([stream.getvalue()] if stream.getvalue() else [])


def render(path: Path, config: dict) -> str:
    """A caption as Snakemake's report renders it: Jinja (Snakemake's environment) with
    `snakemake.config`, no results (`files`, `categories` empty), then the links."""
    env = Environment(trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined)
    snakemake = SimpleNamespace(config=config, wildcards={}, params={})
    return env.from_string(path.read_text() + LINKS).render(
        snakemake=snakemake, categories={}, files=[]
    )


def test_there_are_captions():
    assert len(CAPTIONS) >= 30


@pytest.mark.parametrize("path", CAPTIONS, ids=lambda p: p.name)
def test_a_caption_renders_without_a_docutils_message(path):
    assert problems(render(path, default_config())) == []


@pytest.mark.parametrize(
    "bad",
    [
        "gradient (|d p / d e . e|)",  # read as a substitution: an error
        "an *unclosed emphasis",  # a warning
        "* item\n continued badly\n",  # a list item without a blank line after: a warning
    ],
)
def test_the_check_sees_what_the_report_would_show_in_red(bad):
    assert problems(bad + LINKS)
