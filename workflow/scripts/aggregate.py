"""Run the aggregation of attnaudit.stages.report that the rule names (AGGREGATES) with the
rule's named inputs (but `code`), outputs and params."""

from attnaudit.joblog import job_log
from attnaudit.stages import report

# rule -> the function it runs
AGGREGATES = {
    "report_jain_wallace": report.jain_wallace,
    "report_serrano_smith": report.serrano_smith,
    "report_faithfulness": report.faithfulness,
    "report_vashishth": report.vashishth,
    "reproduction": report.reproduction,
    "wp_seed_variance_report": report.wiegreffe_pinter_seed_variance,
    "wp_guided_report": report.wiegreffe_pinter_guided,
    "wp_adversarial_report": report.wiegreffe_pinter_adversarial,
    "pruthi_deception_report": report.pruthi_deception,
    "open_questions": report.open_questions,
}

with job_log(snakemake.log[0]):
    inputs = {
        k: [v] if isinstance(v, str) else list(v) for k, v in snakemake.input.items() if k != "code"
    }
    AGGREGATES[snakemake.rule](
        **inputs, **dict(snakemake.params.items()), **dict(snakemake.output.items())
    )
