"""Property-based tests: random shapes and options, kernels against the reference."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fusedrnn
from fusedrnn import _core, ops
from fusedrnn import reference as ref
from tolerances import assert_close, tolerance_for

GATES = {"simple_rnn": 1, "gru": 3, "lstm": 4}


@st.composite
def problems(draw):
    cell = draw(st.sampled_from(["simple_rnn", "gru", "lstm"]))
    reset_after = draw(st.booleans())
    batch = draw(st.integers(0, 9))
    timesteps = draw(st.integers(1, 20))
    input_dim = draw(st.integers(1, 40))
    units = draw(st.integers(1, 70))
    seed = draw(st.integers(0, 2**32 - 1))
    options = {
        "go_backwards": draw(st.booleans()),
        "return_sequences": draw(st.booleans()),
    }
    use_mask = draw(st.booleans())
    use_state = draw(st.booleans())
    use_bias = draw(st.booleans())
    isa = draw(st.sampled_from(fusedrnn.available_isas()))
    threads = draw(st.integers(1, 3))
    return (cell, reset_after, batch, timesteps, input_dim, units, seed, options, use_mask,
            use_state, use_bias, isa, threads)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_random_problems_match_reference(p):
    (cell, reset_after, batch, timesteps, input_dim, units, seed, options, use_mask, use_state,
     use_bias, isa, threads) = p
    rng = np.random.default_rng(seed)
    g = GATES[cell]
    kernel = (rng.standard_normal((input_dim, g * units)) / np.sqrt(input_dim)).astype(np.float32)
    recurrent = (rng.standard_normal((units, g * units)) / np.sqrt(units)).astype(np.float32)
    bias = None
    if use_bias:
        shape = (2, g * units) if (cell == "gru" and reset_after) else (g * units,)
        bias = rng.standard_normal(shape).astype(np.float32)
    x = rng.standard_normal((batch, timesteps, input_dim)).astype(np.float32)
    mask = rng.random((batch, timesteps)) > 0.3 if use_mask else None
    state = None
    if use_state:
        state = [rng.standard_normal((batch, units)).astype(np.float32)
                 for _ in range(2 if cell == "lstm" else 1)]
    kw = {"reset_after": reset_after} if cell == "gru" else {}

    before_isa, before_threads = _core.cpu_isa(), fusedrnn.get_num_threads()
    try:
        _core.set_isa(isa)
        fusedrnn.set_num_threads(threads)
        packed = ops.pack_weights(cell, kernel, recurrent, bias, **kw)
        out, states = ops.rnn_forward(x, packed, state, mask, **options)
    finally:
        _core.set_isa(before_isa)
        fusedrnn.set_num_threads(before_threads)

    f64 = lambda a: None if a is None else a.astype(np.float64)  # noqa: E731
    ref_out, ref_states = ref.rnn(cell, f64(x), f64(kernel), f64(recurrent), f64(bias),
                                  initial_state=None if state is None else [f64(s) for s in state],
                                  mask=mask, **options, **kw)
    tol = tolerance_for(timesteps)
    assert_close(out, ref_out, tol, "output")
    for s, rs in zip(states, ref_states):
        assert_close(s, rs, tol, "state")
