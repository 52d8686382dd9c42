"""Run one aggregation job of attnaudit.stages.report (named by the `aggregate` param)."""

from attnaudit.joblog import job_log
from attnaudit.stages import report

with job_log(snakemake.log[0]):
    aggregate = getattr(report, snakemake.params.aggregate)
    aggregate(list(snakemake.input), **dict(snakemake.output.items()))
