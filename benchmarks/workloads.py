"""The standard benchmark workloads (one definition, shared with ``python -m fusedrnn bench``).

==========  =====  =========  =========  =====
name        batch  timesteps  input_dim  units
==========  =====  =========  =========  =====
latency     1      100        64         256
throughput  64     100        128        256
large       32     50         512        1024
streaming   1      1 per call (state carried)  64  256
==========  =====  =========  =========  =====

for SimpleRNN, GRU (``reset_after=True``) and LSTM, fp32, ``return_sequences=True``, at 1 and
2 threads. With ``--benchmark-disable`` (CI) the suites keep every shape but run only
:data:`CI_TIMESTEPS` timesteps (:data:`CI_STREAM_STEPS` streamed steps), so the correctness
checks stay cheap.
"""

from __future__ import annotations

import dataclasses

from fusedrnn.bench import CELLS, WORKLOADS, Workload, flops

__all__ = [
    "CELLS",
    "CI_STREAM_STEPS",
    "CI_TIMESTEPS",
    "THREADS",
    "WORKLOADS",
    "ci_variant",
    "flops",
]

THREADS = (1, 2)
CI_TIMESTEPS = 4
CI_STREAM_STEPS = 3
STREAM_CHECK_STEPS = 8


def ci_variant(workload: Workload) -> Workload:
    """The same shape with at most :data:`CI_TIMESTEPS` timesteps (streaming is unchanged)."""
    if workload.streaming or workload.timesteps <= CI_TIMESTEPS:
        return workload
    return dataclasses.replace(workload, timesteps=CI_TIMESTEPS)
