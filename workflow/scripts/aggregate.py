"""Run one aggregation job of attnaudit.stages.report (named by the `aggregate` param)
with the rule's named inputs (but `code`), outputs and other params."""

from attnaudit.joblog import job_log
from attnaudit.stages import report

with job_log(snakemake.log[0]):
    aggregate = getattr(report, snakemake.params.aggregate)
    inputs = {
        k: [v] if isinstance(v, str) else list(v) for k, v in snakemake.input.items() if k != "code"
    }
    params = {k: v for k, v in snakemake.params.items() if k != "aggregate"}
    aggregate(**inputs, **params, **dict(snakemake.output.items()))
