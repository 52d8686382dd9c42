"""Train one dataset x encoder x attention x seed."""

from attnaudit.joblog import job_log
from attnaudit.stages.training import job_arguments, train

with job_log(snakemake.log[0]):
    train(
        dataset=snakemake.wildcards.dataset,
        encoder=snakemake.wildcards.encoder,
        attention=snakemake.wildcards.attention,
        seed=snakemake.params.seed,
        outputs=dict(snakemake.output.items()),
        checkpoint=list(snakemake.input.checkpoint),  # a pretrained encoder's; else empty
        **job_arguments(
            dict(snakemake.input.items()),
            snakemake.params.training,
            snakemake.threads,
            snakemake.config["training"]["device"],
        ),
    )
