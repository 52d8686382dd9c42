"""Run one per-run analysis (named by the rule's `analysis` param) on one trained model."""

from attnaudit.joblog import job_log
from attnaudit.stages.analyses import run_analysis

with job_log(snakemake.log[0]):
    run_analysis(
        analysis=snakemake.params.analysis,
        checkpoint=snakemake.input.checkpoint,
        tokens=snakemake.input.tokens,
        params=snakemake.params.settings,
        output=snakemake.output[0],
        threads=snakemake.threads,
    )
