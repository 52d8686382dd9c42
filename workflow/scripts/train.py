"""Train one dataset x encoder x attention x seed."""

from attnaudit.joblog import job_log
from attnaudit.stages.training import train

with job_log(snakemake.log[0]):
    train(
        dataset=snakemake.wildcards.dataset,
        encoder=snakemake.wildcards.encoder,
        attention=snakemake.wildcards.attention,
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
        # the dataset's cached matrix (.npy) and its record (.json), or none: random init
        embeddings=snakemake.input.embeddings[0] if snakemake.input.embeddings else None,
        embeddings_info=snakemake.input.embeddings[1] if snakemake.input.embeddings else None,
        outputs=dict(snakemake.output.items()),
        checkpoint=list(snakemake.input.checkpoint),  # a pretrained encoder's; else empty
    )
