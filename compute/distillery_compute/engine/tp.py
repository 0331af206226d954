"""Tensor parallelism for the engine over torch.distributed (gloo on CPU, nccl on GPUs).

    # every rank, same model weights:
    dist.init_process_group("gloo", ...)
    engine = Engine(model, tok, group=dist.group.WORLD)    # each rank keeps its share (runner.py)
    if dist.get_rank() == 0:
        engine.generate(...); stop_workers(engine)          # rank 0 schedules and samples
    else:
        serve_worker(engine)                                 # the others follow its steps

Rank 0 owns the requests, the scheduler and the block tables; before each forward it broadcasts
the step's work (tokens, positions, block tables) and every rank runs the same forward on its shard
of the heads and the MLP, joined by two all-reduces a layer. All ranks hold the same block tables,
so each rank's KV cache (its share of the key/value heads) stays consistent.
"""

import torch.distributed as dist

from distillery_compute.engine.engine import Engine


def serve_worker(engine: Engine) -> int:
    """Run rank 0's forwards until it calls stop_workers; returns the number of steps followed."""
    runner, steps = engine.runner, 0
    while True:
        box = [None]
        dist.broadcast_object_list(box, src=0, group=runner.group)
        if box[0] is None:
            return steps
        swaps, work = box[0]
        runner.swap(swaps)
        if work:
            runner.forward(runner.prepare(work))
        steps += 1


def stop_workers(engine: Engine) -> None:
    """Release the other ranks from serve_worker (rank 0, once its work is done)."""
    if engine.runner.world > 1:
        dist.broadcast_object_list([None], src=0, group=engine.runner.group)
