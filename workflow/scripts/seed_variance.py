"""Seed variance of one dataset x model from every seed's predictions."""

from attnaudit.joblog import job_log
from attnaudit.stages.seed_variance import seed_variance

with job_log(snakemake.log[0]):
    seed_variance(
        predictions=list(snakemake.input.predictions),
        output=snakemake.output.output,
        pairs=snakemake.output.pairs,
        base_seed=snakemake.params.base_seed,
    )
