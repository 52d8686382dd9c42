# One training job per dataset x encoder x attention x seed.


rule train:
    input:
        tokens=f"{DATA}/tokens.parquet",
        vocab=f"{DATA}/vocab.json",
        summary=f"{DATA}/summary.json",
        embeddings=embedding_inputs,
        code=TRAIN_CODE,  # editing the model or training code reruns training
    output:
        checkpoint=f"{RUN}/model.pt",
        history=f"{RUN}/epochs.csv",
        metrics=f"{RUN}/metrics.json",
        predictions=f"{RUN}/predictions.parquet",
    log:
        f"results/logs/train/{RUN.removeprefix('results/')}.log",
    benchmark:
        f"results/benchmarks/train/{RUN.removeprefix('results/')}.tsv"
    conda:
        ENV
    threads: config["training"]["threads"]
    resources:
        mem_mb=4000,
        gpu=training_gpus(),  # SLURM: --gpus=1 when training.device is cuda
    params:
        training=config["training"],
        seed=lambda wc: int(wc.seed),
    script:
        "../scripts/train.py"
