"""keras.random (NumPy's draws of Keras's distributions, seeded as Keras's are) and
keras.tree (Keras 3's nested-structure functions), as layers written for Keras use them."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import fusedrnn as keras
from fusedrnn import random, tree


def test_seeds_and_distributions():
    a, b = random.normal((2000,), seed=3), random.normal((2000,), seed=3)
    np.testing.assert_array_equal(a, b)  # an int seed draws the same every call
    gen = random.SeedGenerator(1337)
    assert not np.array_equal(random.normal((5,), seed=gen), random.normal((5,), seed=gen))
    assert a.dtype == np.float32
    assert abs(a.mean()) < 0.1
    assert abs(a.std() - 1) < 0.1
    u = random.uniform((1000,), 2.0, 3.0, seed=1)
    assert u.min() >= 2.0
    assert u.max() < 3.0
    t = random.truncated_normal((5000,), 1.0, 0.5, seed=2)
    assert np.abs(t - 1.0).max() <= 1.0 + 1e-6
    r = random.randint((100,), 3, 7, seed=4)
    assert r.dtype == np.int32
    assert set(np.unique(r)) <= {3, 4, 5, 6}
    x = np.arange(10.0)
    np.testing.assert_array_equal(np.sort(random.shuffle(x, seed=5)), x)
    d = random.dropout(np.ones((1000,), np.float32), 0.25, seed=6)
    assert set(np.unique(d)) <= {0.0, np.float32(1 / 0.75)}
    c = random.categorical(np.log([[0.0001, 0.9998, 0.0001]]), 50, seed=7)
    assert c.shape == (1, 50)
    assert (c == 1).mean() > 0.9
    keras.utils.set_random_seed(11)
    first = random.normal((3,))
    keras.utils.set_random_seed(11)
    np.testing.assert_array_equal(random.normal((3,)), first)
    with pytest.raises(ValueError, match="seed must be an integer"):
        random.normal((2,), seed=1.5)


def test_vae_sampling_layer_written_for_keras():
    """The Keras VAE tutorial's Sampling layer runs in a model (its noise shaped by the batch)."""
    class Sampling(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs):
            z_mean, z_log_var = inputs
            batch, dim = keras.ops.shape(z_mean)[0], keras.ops.shape(z_mean)[1]
            epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
            return z_mean + keras.ops.exp(0.5 * z_log_var) * epsilon

    inputs = keras.Input((6, 3))
    h = keras.layers.GRU(4)(inputs)
    mean, log_var = keras.layers.Dense(2)(h), keras.layers.Dense(2)(h)
    model = keras.Model(inputs, [mean, Sampling()([mean, log_var])])
    x = np.random.default_rng(0).standard_normal((5, 6, 3)).astype(np.float32)
    got_mean, z = model.predict(x, verbose=0)
    assert z.shape == (5, 2)
    assert not np.allclose(z, got_mean)


def test_tree_functions():
    Point = collections.namedtuple("Point", "x y")
    s = {"b": [1, (2, None)], "a": Point(3, 4)}
    assert tree.flatten(s) == [3, 4, 1, 2, None]  # sorted keys, None a leaf
    assert tree.flatten_with_path(s)[0] == (("a", 0), 3)
    doubled = tree.map_structure(lambda v: None if v is None else 2 * v, s)
    assert doubled == {"a": Point(6, 8), "b": [2, (4, None)]}
    assert tree.pack_sequence_as(s, [0, 1, 2, 3, 4]) == {"a": Point(0, 1), "b": [2, (3, 4)]}
    assert tree.lists_to_tuples([1, [2, 3]]) == (1, (2, 3))
    assert tree.is_nested([1])
    assert not tree.is_nested(np.zeros(3))
    assert tree.map_structure_up_to([0, 0], lambda p: p, [[1, 2], 3]) == [[1, 2], 3]
    assert tree.traverse(lambda n: tree.MAP_TO_NONE if n == 2 else None, [1, 2]) == [1, None]
    with pytest.raises(ValueError, match="structures differ"):
        tree.assert_same_structure([1, 2], [1, [2]])
    with pytest.raises(ValueError, match="5 leaves but 2 values"):
        tree.pack_sequence_as(s, [1, 2])
