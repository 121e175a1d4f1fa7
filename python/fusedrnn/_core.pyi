# Type stubs of the compiled core (csrc/bindings). The public wrappers are fusedrnn.ops.
import numpy as np
import numpy.typing as npt

_Job = tuple[
    np.ndarray,  # x: (batch, timesteps, input_dim) float32
    "PackedWeights",
    np.ndarray | None,  # h0: (batch, units) or None (zeros)
    np.ndarray | None,  # c0: (batch, units), LSTM only, or None
    np.ndarray | None,  # mask: (batch, timesteps) bool, True = real step, or None
    bool,  # go_backwards
    bool,  # return_sequences
]
# (output, (h,)) or, for LSTM, (output, (h, c)); output (batch, timesteps, units) in
# processing order, or (batch, units) without return_sequences
_Result = tuple[np.ndarray, tuple[np.ndarray] | tuple[np.ndarray, np.ndarray]]

class PackedWeights:
    """A layer's weights in the micro-kernel's layout (made by pack_weights, read-only)."""

    @property
    def cell(self) -> str: ...  # "simple_rnn", "gru" or "lstm"
    @property
    def units(self) -> int: ...
    @property
    def input_dim(self) -> int: ...
    @property
    def padded_units(self) -> int: ...
    @property
    def num_gates(self) -> int: ...
    @property
    def num_states(self) -> int: ...
    @property
    def reset_after(self) -> bool: ...
    @property
    def use_bias(self) -> bool: ...
    @property
    def activation(self) -> str: ...
    @property
    def recurrent_activation(self) -> str: ...
    @property
    def nbytes(self) -> int: ...

def pack_weights(
    cell: str,
    kernel: npt.ArrayLike,  # (input_dim, gates * units), Keras's layout
    recurrent_kernel: npt.ArrayLike,  # (units, gates * units)
    bias: npt.ArrayLike | None,  # (gates * units,), (2, gates * units) for GRU reset_after
    activation: str,
    recurrent_activation: str,
    reset_after: bool,
) -> PackedWeights: ...
def forward(
    x: np.ndarray,
    packed: PackedWeights,
    h0: np.ndarray | None,
    c0: np.ndarray | None,
    mask: np.ndarray | None,
    go_backwards: bool,
    return_sequences: bool,
) -> _Result: ...
def forward_many(jobs: list[_Job]) -> list[_Result]: ...  # the jobs run concurrently
def available_isas() -> list[str]: ...
def best_isa() -> str: ...
def cpu_isa() -> str: ...
def set_isa(name: str) -> None: ...
def default_num_threads() -> int: ...
def get_num_threads() -> int: ...
def set_num_threads(n: int) -> None: ...
def measure_fma_peak_gflops(seconds: float = 0.2) -> float: ...
