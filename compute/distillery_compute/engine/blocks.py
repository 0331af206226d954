"""The KV cache's block bookkeeping: which fixed-size blocks each sequence holds, and the prefix cache.

    pool = BlockPool(num_blocks=4096, block_size=16)
    hit = pool.cached_prefix(prefix_keys(prompt_ids[:-1], 16))   # blocks already computed (taken)
    more = pool.allocate(3)                  # fresh blocks (None when too few are free)
    pool.register(block, key)                # a full, computed block becomes findable by its key
    pool.release(blocks)                     # back to the free list; cached ones stay findable

A block holds the keys and values of `block_size` consecutive positions. A sequence's block table
lists its blocks in position order; slot = block * block_size + offset addresses one position in the
cache tensors (runner.py).

Prefix caching (after vLLM's automatic prefix caching): a full block's key is a digest of its
parent's key and its own token ids, so equal keys mean equal token prefixes up to that block's end,
hence equal keys and values. A block whose last user releases it stays in the map, on the free
list: a later prompt with the same prefix takes it back (a hit); allocation evicts the least
recently freed block first. Only full blocks are shared, and a hit never covers a prompt's last
token (its logits must be computed).
"""

import hashlib
from array import array
from collections import OrderedDict
from collections.abc import Sequence


def block_key(parent: bytes | None, tokens: Sequence[int]) -> bytes:
    """The prefix-cache key of a full block: blake2b-128 over the parent block's key and the token ids."""
    digest = hashlib.blake2b(parent or b"", digest_size=16)
    digest.update(array("q", tokens).tobytes())
    return digest.digest()


def prefix_keys(tokens: Sequence[int], block_size: int, parent: bytes | None = None, start: int = 0) -> list[bytes]:
    """Keys of the full blocks of `tokens` from block index `start` on, chained from `parent`."""
    keys = []
    for begin in range(start * block_size, len(tokens) - block_size + 1, block_size):
        parent = block_key(parent, tokens[begin:begin + block_size])
        keys.append(parent)
    return keys


class BlockPool:
    """Reference-counted blocks, a free list in least-recently-freed order, and the prefix-cache map."""

    def __init__(self, num_blocks: int, block_size: int, prefix_caching: bool = True):
        if num_blocks < 1 or block_size < 1:
            raise ValueError(f"a block pool needs at least one block of at least one token "
                             f"(got {num_blocks} blocks of {block_size})")
        self.num_blocks, self.block_size, self.prefix_caching = num_blocks, block_size, prefix_caching
        self.refs = [0] * num_blocks
        self.key_of: list[bytes | None] = [None] * num_blocks
        self.by_key: dict[bytes, int] = {}
        self.free: OrderedDict[int, None] = OrderedDict((b, None) for b in range(num_blocks))
        # hit accounting: prompt tokens looked up, and of those found in the cache
        self.queried_tokens = 0
        self.hit_tokens = 0

    @property
    def free_blocks(self) -> int:
        return len(self.free)

    def cached_prefix(self, keys: Sequence[bytes]) -> list[int]:
        """The blocks of the longest cached run of `keys` (prefix_keys of a prompt's tokens but its last),
        taken (release them when done)."""
        blocks = []
        for key in keys if self.prefix_caching else ():
            block = self.by_key.get(key)
            if block is None:
                break
            blocks.append(block)
        for block in blocks:
            self._take(block)
        return blocks

    def count_lookup(self, tokens: int, hit: int) -> None:
        """Hit accounting: a prompt of `tokens` tokens was admitted with `hit` of them found in the cache."""
        self.queried_tokens += tokens
        self.hit_tokens += hit

    def allocate(self, n: int) -> list[int] | None:
        """n fresh blocks (evicting the least recently freed cached ones), or None if fewer are free."""
        if n > len(self.free):
            return None
        blocks = []
        for _ in range(n):
            block, _ = self.free.popitem(last=False)
            key = self.key_of[block]
            if key is not None:   # evicted: its old contents are about to be overwritten
                self.key_of[block] = None
                if self.by_key.get(key) == block:
                    del self.by_key[key]
            self.refs[block] = 1
            blocks.append(block)
        return blocks

    def register(self, block: int, key: bytes) -> None:
        """Make a full, computed block findable by `key` (a block with equal contents already there wins)."""
        if self.prefix_caching and key not in self.by_key and self.key_of[block] is None:
            self.by_key[key] = block
            self.key_of[block] = key

    def release(self, blocks: Sequence[int]) -> None:
        """Drop one reference to each block; unreferenced ones go to the free list, the last block
        of a sequence first evicted (its tail is the least likely to be shared)."""
        for block in reversed(blocks):
            self.refs[block] -= 1
            if self.refs[block] < 0:
                raise RuntimeError(f"block {block} released more often than taken")
            if self.refs[block] == 0:
                self.free[block] = None

    def _take(self, block: int) -> None:
        if self.refs[block] == 0:
            del self.free[block]
        self.refs[block] += 1

    def stats(self) -> dict[str, float]:
        return {"blocks_total": self.num_blocks, "blocks_free": len(self.free), "blocks_cached": len(self.by_key),
                "prefix_queried_tokens": self.queried_tokens, "prefix_hit_tokens": self.hit_tokens,
                "prefix_hit_rate": self.hit_tokens / self.queried_tokens if self.queried_tokens else 0.0}
