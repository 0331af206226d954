"""A small training job that test_training.py runs both in-process and as a child process to kill:

    python tests/train_job.py STATE_DIR STEPS SLEEP_S    # SLEEP_S per micro-batch: time to kill it mid-run
    torchrun --standalone --nproc_per_node=2 tests/train_job.py STATE_DIR STEPS SLEEP_S [cuda]   # test_distributed.py

Under torchrun the ranks run on CPU (gloo), or with a last argument "cuda" each on cuda:LOCAL_RANK (nccl);
without torchrun "cuda" trains on the first GPU.
"""

import sys
import time

import torch

from distillery_compute.model import ModelArgs, Transformer
from distillery_compute.training import TrainConfig, TrainResult, lm_loss, train

# every knob that resumption must get right: warm-up and decay, decay on matrices only,
# accumulation, clipping, bucketed shuffles over several epochs, saves every 2 steps
CONFIG = dict(lr=3e-3, warmup_ratio=0.2, weight_decay=0.1, epochs=10, batch_size=2, grad_accum=2,
              max_grad_norm=0.5, save_every=2, seed=7, max_len=64)


def examples(n: int = 12, seed: int = 0) -> list[dict[str, list[int]]]:
    """n random-token examples of 8..16 tokens (micro's vocab), the first 3 tokens without loss."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for i in range(n):
        ids = torch.randint(3, 256, (8 + i % 9,), generator=g).tolist()
        out.append({"input_ids": ids, "labels": [-100] * 3 + ids[3:]})
    return out


def job(state_dir, steps: int, sleep_s: float = 0.0, data=None, device=None,
        **overrides) -> tuple[Transformer, TrainResult]:
    torch.manual_seed(0)
    model = Transformer(ModelArgs.from_name("micro"))

    def loss_fn(model, batch):
        time.sleep(sleep_s)   # no effect on the numbers
        return lm_loss(model, batch)

    config = TrainConfig(**{**CONFIG, "max_steps": steps, **overrides})
    result = train(model, examples() if data is None else data, config, state_dir, loss_fn=loss_fn, pad_id=0,
                   stage="test", min_interval_s=0.0, device=device)
    return model, result


if __name__ == "__main__":
    from distillery_compute import distributed

    device = sys.argv[4] if len(sys.argv) > 4 else "cpu"
    if distributed.launched():
        device = distributed.setup(device)
    job(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), device=device)
    distributed.teardown()
