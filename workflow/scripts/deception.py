"""Run one deception training job (attnaudit.stages.deception.train_deceptive) with the
rule's named inputs (but `code`), named outputs and `options` param."""

from attnaudit.joblog import job_log
from attnaudit.stages import deception

with job_log(snakemake.log[0]):
    inputs = {k: v for k, v in snakemake.input.items() if k != "code"}
    deception.train_deceptive(
        **inputs,
        **dict(snakemake.output.items()),
        **snakemake.params.options,
        threads=snakemake.threads,
        device=snakemake.config["training"]["device"],  # no param: editing it reruns nothing
    )
