"""Run one aggregation job of attnaudit.stages.report (named by the `aggregate` param)
with the rule's named inputs (but `code`) and outputs."""

from attnaudit.joblog import job_log
from attnaudit.stages import report

with job_log(snakemake.log[0]):
    aggregate = getattr(report, snakemake.params.aggregate)
    inputs = {
        k: [v] if isinstance(v, str) else list(v) for k, v in snakemake.input.items() if k != "code"
    }
    aggregate(**inputs, **dict(snakemake.output.items()))
