"""Build one dataset's embedding matrix from one vectors entry (read by every training job)."""

from attnaudit.joblog import job_log
from attnaudit.stages.embeddings import embedding_matrix

with job_log(snakemake.log[0]):
    embedding_matrix(
        dataset=snakemake.wildcards.dataset,
        name=snakemake.wildcards.embedding,
        options=snakemake.params.options,
        tokens=snakemake.input.tokens,
        vocab=snakemake.input.vocab,
        sources=list(snakemake.input.sources),
        matrix=snakemake.output.matrix,
        info=snakemake.output.info,
    )
