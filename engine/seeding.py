"""Named random streams: every lesson's randomness comes from default_rng(seed), split by name.

Spawning one child generator per name keeps the streams independent, so drawing more from one
(more steps, a larger hidden layer) never changes what another produces.
"""

import numpy as np


def stream(seed: int, name: str, names: tuple[str, ...]) -> np.random.Generator:
    """The generator for `name`, one of `names`, spawned from default_rng(seed)."""
    return np.random.default_rng(seed).spawn(len(names))[names.index(name)]
