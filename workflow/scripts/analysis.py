"""Run the analyses of one family (the rule's `family` param) on one trained model."""

from attnaudit.joblog import job_log
from attnaudit.stages.analyses import run_family

with job_log(snakemake.log[0]):
    run_family(
        family=snakemake.params.family,
        checkpoint=snakemake.input.checkpoint,
        tokens=snakemake.input.tokens,
        settings_by_analysis=snakemake.params.settings,
        outputs=dict(snakemake.output.items()),
        threads=snakemake.threads,
    )
