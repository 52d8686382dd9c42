"""Run the Wiegreffe & Pinter job of attnaudit.stages.wiegreffe_pinter that the rule names
(JOBS) with the rule's named inputs (but `code`), named outputs and `options` param."""

from attnaudit.joblog import job_log
from attnaudit.stages import wiegreffe_pinter

# rule -> the function it runs
JOBS = {
    "wp_guided": wiegreffe_pinter.train_guided,
    "wp_adversary": wiegreffe_pinter.train_adversary,
    "transfer": wiegreffe_pinter.train_transfer,  # the open questions' transfer matrix
}

with job_log(snakemake.log[0]):
    inputs = {k: v for k, v in snakemake.input.items() if k != "code"}
    JOBS[snakemake.rule](
        **inputs,
        **dict(snakemake.output.items()),
        **snakemake.params.options,
        threads=snakemake.threads,
        device=snakemake.config["training"]["device"],  # no param: editing it reruns nothing
    )
