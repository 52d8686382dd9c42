# Pretrained encoders (`pretrained:`, docs/pretrained.md): a hub checkpoint downloaded
# where neither a local directory nor the mirror holds it, and each dataset split into the
# checkpoint's word pieces once per encoder. Runs of a pretrained encoder read these
# instead of the dataset's own vocabulary (`run_data`).


localrules:
    fetch_checkpoint,


rule fetch_checkpoint:
    output:
        directory(f"{CHECKPOINTS}/{{encoder}}"),
    log:
        "results/logs/fetch_checkpoint/{encoder}.log",
    conda:
        ENV
    params:
        # what is fetched: the hub id and its revision, not the fine-tuning settings
        entry=lambda wc: {
            k: PLAN.pretrained[wc.encoder][k] for k in ("checkpoint", "revision")
        },
    script:
        "../scripts/fetch_checkpoint.py"


rule pieces:
    input:
        tokens=rules.preprocess.output.tokens,
        summary=rules.preprocess.output.summary,
        checkpoint=lambda wc: PLAN.checkpoint_files(wc.encoder),
        code=code("pieces.py"),
    output:
        tokens=f"{PIECES}/tokens.parquet",
        vocab=f"{PIECES}/vocab.json",
        summary=f"{PIECES}/summary.json",
    log:
        "results/logs/pieces/{dataset}/{encoder}.log",
    conda:
        ENV
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        entry=lambda wc: {
            k: PLAN.pretrained[wc.encoder][k]
            for k in ("checkpoint", "revision", "max_pieces")
        },
    script:
        "../scripts/pieces.py"
