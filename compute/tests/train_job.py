"""A small training job for the resume tests: python tests/train_job.py STATE_DIR OUT_FILE [STEPS]."""

import sys

import torch
from safetensors.torch import save_file

from distillery_compute.model import ModelArgs, Transformer
from distillery_compute.training import TrainConfig, train


def examples(n: int = 24, seed: int = 0) -> list[dict[str, list[int]]]:
    g = torch.Generator().manual_seed(seed)
    out = []
    for i in range(n):
        length = 8 + i % 9
        ids = torch.randint(3, 256, (length,), generator=g).tolist()
        out.append({"input_ids": ids, "labels": [-100] * 3 + ids[3:]})
    return out


def job(state_dir: str, steps: int, save_every: int = 2) -> Transformer:
    torch.manual_seed(0)
    model = Transformer(ModelArgs.from_name("micro"))
    config = TrainConfig(lr=3e-3, warmup_ratio=0.1, weight_decay=0.1, epochs=100, batch_size=2, grad_accum=2,
                         save_every=save_every, max_steps=steps, seed=7)
    train(model, examples(), config, state_dir, pad_id=0, stage="test", min_interval_s=0.0)
    return model


if __name__ == "__main__":
    model = job(sys.argv[1], int(sys.argv[3]) if len(sys.argv) > 3 else 120)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, sys.argv[2])
