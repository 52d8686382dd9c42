"""Run the analysis families of one trained model (the rule's `settings` param: family ->
its settings blocks) and write one table per analysis."""

from attnaudit.joblog import job_log
from attnaudit.stages.analyses import run_analyses

with job_log(snakemake.log[0]):
    run_analyses(
        checkpoint=snakemake.input.checkpoint,
        tokens=snakemake.input.tokens,
        settings_by_family=snakemake.params.settings,
        outputs=dict(snakemake.output.items()),
        threads=snakemake.threads,
    )
