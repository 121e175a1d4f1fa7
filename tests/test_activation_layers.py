"""ReLU, LeakyReLU, ELU, PReLU, Softmax and the noise layers (identities at inference), against
their formulas written out here; real Keras's numbers are in the golden case
seq_activation_and_noise_layers and the Keras files (activations, test_saving.py)."""

from __future__ import annotations

import numpy as np
import pytest

from fusedrnn import layers as L
from fusedrnn.models import Sequential
from tolerances import assert_close

X = np.linspace(-2, 2, 41, dtype=np.float32).reshape(1, 41, 1)  # zero and the thresholds
TIGHT = (1e-6, 1e-7)


@pytest.mark.parametrize(("max_value", "slope", "threshold"), [
    (None, 0.0, 0.0), (6.0, 0.0, 0.0), (1.0, 0.0, 0.0), (None, 0.1, 0.0), (1.5, 0.2, 0.0),
    (None, 0.0, 0.5), (1.0, 0.3, 0.5), (0.0, 0.1, 0.0)])
def test_relu_is_keras_piecewise_function(max_value, slope, threshold):
    x = X.astype(np.float64)
    want = np.where(x > threshold, x, 0.0)
    if max_value is not None:
        want = np.minimum(want, max_value)
    want = np.where(x < threshold, slope * (x - threshold), want)
    got = L.ReLU(max_value=max_value, negative_slope=slope, threshold=threshold)(X)
    assert_close(got, want, TIGHT)


def test_leaky_relu_elu_prelu():
    x = X.astype(np.float64)
    assert_close(L.LeakyReLU()(X), np.where(x >= 0, x, 0.3 * x), TIGHT)
    assert_close(L.LeakyReLU(0.1)(X), np.where(x >= 0, x, 0.1 * x), TIGHT)
    assert_close(L.LeakyReLU(alpha=0.05)(X), np.where(x >= 0, x, 0.05 * x), TIGHT)  # Keras 2
    assert_close(L.ELU()(X), np.where(x > 0, x, np.exp(x) - 1), TIGHT)
    assert_close(L.ELU(0.5)(X), np.where(x > 0, x, 0.5 * (np.exp(x) - 1)), TIGHT)
    rng = np.random.default_rng(0)
    x3 = rng.standard_normal((2, 5, 4)).astype(np.float32)
    full, shared = L.PReLU(), L.PReLU(shared_axes=[1])
    full(x3)
    shared(x3)
    assert full.get_weights()[0].shape == (5, 4)
    assert shared.get_weights()[0].shape == (1, 4)
    for layer in (full, shared):
        alpha = rng.uniform(0, 1, layer.get_weights()[0].shape).astype(np.float32)
        layer.set_weights([alpha])
        want = np.maximum(x3, 0) - alpha * np.maximum(-x3, 0)
        assert_close(layer(x3), want, TIGHT)
    assert_close(shared(x3[:, :3]), np.maximum(x3[:, :3], 0) - shared.get_weights()[0]
                 * np.maximum(-x3[:, :3], 0), TIGHT)  # the shared axis takes any length
    with pytest.raises(ValueError, match=r"was built for inputs of shape \(batch, 5, 4\)"):
        full(x3[:, :3])
    with pytest.raises(ValueError, match="shared_axes of PReLU .* axes 1 to 2"):
        L.PReLU(shared_axes=[3])(x3)


def test_softmax_axes_and_keras3_masks():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)

    def softmax(a, axis):
        e = np.exp(a - a.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)

    assert_close(L.Softmax()(x), softmax(x.astype(np.float64), -1), TIGHT)
    assert_close(L.Softmax(axis=1)(x), softmax(x.astype(np.float64), 1), TIGHT)
    assert_close(L.Softmax(axis=[1, 2])(x), softmax(x.astype(np.float64), (1, 2)), TIGHT)
    # A mask broadcast from the last axes: masked positions get no weight and come out 0.
    mask = np.array([True, False, True, True])
    got = L.Softmax()(x, mask=mask)
    want = np.zeros_like(x, dtype=np.float64)
    want[..., mask] = softmax(x[..., mask].astype(np.float64), -1)
    assert_close(got, want, TIGHT)
    full = rng.random((2, 3, 4)) < 0.6
    full[..., 0] = True
    got = L.Softmax()(x, mask=full)
    assert_close(got.sum(-1), np.ones((2, 3)), TIGHT)
    np.testing.assert_array_equal(got[~full], 0)
    with pytest.raises(ValueError, match="must broadcast to its input from the last axes"):
        L.Softmax()(x, mask=np.ones((2, 3), bool))
    with pytest.raises(ValueError, match="axis 3 of Softmax layer"):
        L.Softmax(axis=3)(x)


def test_noise_layers_are_identities_and_pass_masks():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 5, 3)).astype(np.float32)
    x[0, -2:] = 0
    model = Sequential([L.Input((5, 3)), L.Masking(), L.GaussianNoise(0.5),
                        L.GaussianDropout(0.3), L.AlphaDropout(0.2),
                        L.ActivityRegularization(l1=0.1, l2=0.1), L.LeakyReLU(), L.PReLU(),
                        L.ReLU(), L.ELU(), L.GRU(2)])
    gru = model.layers[-1]
    activations = model.layers[5:9]
    h = x
    for layer in activations:
        h = layer(h)
    np.testing.assert_array_equal(model(x), gru(h, mask=(x != 0).any(-1)))
    for layer in model.layers[1:5]:
        np.testing.assert_array_equal(layer(x), x)
    assert L.GaussianNoise(0.5).get_config()["stddev"] == 0.5
    assert L.ActivityRegularization(l1=0.1).get_config()["l1"] == 0.1


@pytest.mark.parametrize(("make", "message"), [
    (lambda: L.ReLU(max_value=-1), "max_value of a ReLU layer"),
    (lambda: L.ReLU(negative_slope=-0.1), "negative_slope of a ReLU layer"),
    (lambda: L.ReLU(threshold=None), "threshold of a ReLU layer"),
    (lambda: L.LeakyReLU(-0.2), "negative_slope of a LeakyReLU layer"),
    (lambda: L.ELU("big"), "alpha of an ELU layer"),
    (lambda: L.GaussianNoise(-1), "stddev of a GaussianNoise layer"),
    (lambda: L.GaussianDropout(1.5), "invalid value received for argument `rate`"),
])
def test_bad_arguments_are_named(make, message):
    with pytest.raises(ValueError, match=message):
        make()
