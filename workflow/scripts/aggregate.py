"""Run one aggregation job of attnaudit.stages.report (named by the `aggregate` param).

A rule's unnamed inputs arrive as one list (the first argument), named ones by name."""

from attnaudit.joblog import job_log
from attnaudit.stages import report

with job_log(snakemake.log[0]):
    aggregate = getattr(report, snakemake.params.aggregate)
    named = {k: list(v) if not isinstance(v, str) else [v] for k, v in snakemake.input.items()}
    if named:
        aggregate(**named, **dict(snakemake.output.items()))
    else:
        aggregate(list(snakemake.input), **dict(snakemake.output.items()))
