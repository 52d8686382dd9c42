"""Run one per-run analysis (the rule's `family` and `analysis` params) on one model."""

from attnaudit.joblog import job_log
from attnaudit.stages.analyses import run_analysis

with job_log(snakemake.log[0]):
    run_analysis(
        family=snakemake.params.family,
        analysis=snakemake.params.analysis,
        checkpoint=snakemake.input.checkpoint,
        tokens=snakemake.input.tokens,
        params=snakemake.params.settings,
        output=snakemake.output[0],
        threads=snakemake.threads,
    )
