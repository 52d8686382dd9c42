"""Parse, tokenise and encode one dataset."""

from attnaudit.joblog import job_log
from attnaudit.stages.data import preprocess

with job_log(snakemake.log[0]):
    preprocess(
        dataset=snakemake.params.dataset,
        options=snakemake.params.options,
        inputs=list(snakemake.input.files),
        tokens=snakemake.output.tokens,
        vocab=snakemake.output.vocab,
        summary=snakemake.output.summary,
    )
