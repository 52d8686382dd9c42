"""Split one dataset into a pretrained encoder's word pieces."""

from attnaudit.joblog import job_log
from attnaudit.stages.pretrained import pieces

with job_log(snakemake.log[0]):
    pieces(
        checkpoint=snakemake.params.entry["checkpoint"],
        inputs=list(snakemake.input.checkpoint),
        max_pieces=snakemake.params.entry["max_pieces"],
        tokens=snakemake.input.tokens,
        summary=snakemake.input.summary,
        outputs=dict(snakemake.output.items()),
    )
