"""Train one model of the open questions' complexity sweeps: the swept model at one hidden
size (in its training settings) on one share of the training split."""

from attnaudit.joblog import job_log
from attnaudit.stages.training import train

with job_log(snakemake.log[0]):
    train(
        dataset=snakemake.wildcards.dataset,
        encoder=snakemake.params.encoder,
        attention=snakemake.params.attention,
        seed=snakemake.params.seed,
        # how it runs (its threads, the device) is no param: editing it reruns nothing
        training={
            **snakemake.params.training,
            "threads": snakemake.threads,
            "device": snakemake.config["training"]["device"],
        },
        tokens=snakemake.input.tokens,
        vocab=snakemake.input.vocab,
        summary=snakemake.input.summary,
        embeddings=snakemake.input.embeddings[0] if snakemake.input.embeddings else None,
        embeddings_info=snakemake.input.embeddings[1] if snakemake.input.embeddings else None,
        outputs=dict(snakemake.output.items()),
        train_fraction=snakemake.params.fraction,
        extra_metrics={
            "hidden_size": snakemake.params.hidden,
            "train_fraction": snakemake.params.fraction,
        },
    )
