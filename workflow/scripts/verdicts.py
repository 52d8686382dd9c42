"""Run attnaudit.stages.report.verdict_pages: the report tables are the rule's inputs named
`table_<name>` (read by that name), the per-run tables its other named inputs (but `code`)."""

from attnaudit.joblog import job_log
from attnaudit.stages import report

with job_log(snakemake.log[0]):
    tables, inputs = {}, {}
    for name, paths in snakemake.input.items():
        if name.startswith("table_"):
            tables[name.removeprefix("table_")] = paths
        elif name != "code":
            inputs[name] = [paths] if isinstance(paths, str) else list(paths)
    report.verdict_pages(
        tables=tables, **inputs, **dict(snakemake.params.items()), **dict(snakemake.output.items())
    )
