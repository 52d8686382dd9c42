# One training job per dataset x encoder x attention x seed.


rule train:
    input:
        tokens=run_data("tokens.parquet"),
        vocab=run_data("vocab.json"),
        summary=run_data("summary.json"),
        embeddings=embedding_inputs,
        checkpoint=lambda wc: PLAN.checkpoint_files(wc.encoder),  # pretrained encoders
        code=code("train.py"),  # editing the model or training code reruns training
    output:
        checkpoint=f"{RUN}/model.pt",
        history=f"{RUN}/epochs.csv",
        metrics=f"{RUN}/metrics.json",
        predictions=f"{RUN}/predictions.parquet",
    log:
        job_paths("train", RUN)[0],
    benchmark:
        job_paths("train", RUN)[1]
    conda:
        ENV
    threads: THREADS
    resources:
        mem_mb=4000,
        runtime=240,
        gpu=training_gpus(),  # SLURM: --gpus=1 when training.device is cuda
    params:
        training=lambda wc: PLAN.training_of(wc.encoder),
        seed=lambda wc: int(wc.seed),
    script:
        "../scripts/train.py"
