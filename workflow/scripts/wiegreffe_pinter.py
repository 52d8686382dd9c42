"""Run one Wiegreffe & Pinter job of attnaudit.stages.wiegreffe_pinter (the rule's `job`
param) with the rule's named inputs (but `code`), named outputs and `options` param."""

from attnaudit.joblog import job_log
from attnaudit.stages import wiegreffe_pinter

with job_log(snakemake.log[0]):
    job = getattr(wiegreffe_pinter, snakemake.params.job)
    inputs = {k: v for k, v in snakemake.input.items() if k != "code"}
    job(
        **inputs,
        **dict(snakemake.output.items()),
        **snakemake.params.options,
        threads=snakemake.threads,
        device=snakemake.config["training"]["device"],  # no param: editing it reruns nothing
    )
