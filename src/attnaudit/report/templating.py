"""The report's HTML pages are Jinja2 templates (report/templates/): the Python side works
out what a page shows, a template says how it reads. Autoescape is on, so whatever a table
or a config holds reaches a page as text, never as markup; an undefined name is an error,
not a blank."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined

ENV = Environment(
    loader=PackageLoader("attnaudit.report"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def render(template: str, **context) -> str:
    """The page `template` (a file of report/templates/) with `context`."""
    return ENV.get_template(template).render(**context)
