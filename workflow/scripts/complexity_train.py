"""Train one model of the open questions' complexity sweeps: the swept model at one hidden
size (in its training settings) on one share of the training split."""

from attnaudit.joblog import job_log
from attnaudit.stages.training import job_arguments, train

with job_log(snakemake.log[0]):
    train(
        dataset=snakemake.wildcards.dataset,
        encoder=snakemake.params.encoder,
        attention=snakemake.params.attention,
        seed=snakemake.params.seed,
        outputs=dict(snakemake.output.items()),
        train_fraction=snakemake.params.fraction,
        extra_metrics={
            "hidden_size": snakemake.params.hidden,
            "train_fraction": snakemake.params.fraction,
        },
        **job_arguments(
            dict(snakemake.input.items()),
            snakemake.params.training,
            snakemake.threads,
            snakemake.config["training"]["device"],
        ),
    )
