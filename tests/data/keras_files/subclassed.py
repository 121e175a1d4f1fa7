"""A model written with Keras's subclassing API, once for Keras and for fusedrnn.

``classes(layers, Model, ops)`` defines the classes with either package's modules; the
generator (tests/golden/generate_subclassed.py) runs them in Keras 3 and Keras 2, the test
(tests/test_custom.py) in fusedrnn.
"""


def classes(layers, Model, ops):
    class Scale(layers.Layer):
        """A layer of its own: a trainable and a non-trainable weight."""

        def build(self, input_shape):
            self.gain = self.add_weight(shape=(input_shape[-1],), initializer="ones",
                                        name="gain")
            self.shift = self.add_weight(shape=(input_shape[-1],), initializer="zeros",
                                         name="shift", trainable=False)

        def call(self, x):
            return x * self.gain + self.shift

    class Attention(layers.Layer):
        """Bahdanau attention over the encoder's outputs, with a nested user layer."""

        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.W1 = layers.Dense(units)
            self.W2 = layers.Dense(units)
            self.V = layers.Dense(1)
            self.scale = Scale()

        def call(self, query, values):
            q = ops.expand_dims(query, 1)
            score = self.V(ops.tanh(self.W1(q) + self.W2(values)))
            weights = ops.softmax(score, axis=1)
            return self.scale(ops.sum(weights * values, axis=1)), weights

    class Translator(Model):
        """Encoder GRU, attention, a stack of heads; the states in and out of call."""

        def __init__(self, vocab, dim, units, **kwargs):
            super().__init__(**kwargs)
            self.embedding = layers.Embedding(vocab, dim)
            self.encoder = layers.Bidirectional(layers.LSTM(units, return_sequences=True))
            self.gru = layers.GRU(2 * units, return_sequences=True, return_state=True)
            self.attention = Attention(units)
            self.heads = [layers.Dense(units, activation="relu"), layers.Dense(vocab)]

        def call(self, tokens, state=None, return_state=False, training=False):
            x = self.embedding(tokens)
            x = self.encoder(x)
            x, state = self.gru(x, initial_state=state)
            context, _ = self.attention(state, x)
            y = context
            for head in self.heads:
                y = head(y)
            return (y, state) if return_state else y

    return Scale, Attention, Translator


ARGS = (20, 6, 4)  # vocab, dim, units


def cell_model(layers, Model, ops, Input):
    """Cells written by subclassing in RNN layers: Keras's MinimalRNNCell example (one state)
    going backwards over a masked sequence, and a cell with two states and a sublayer,
    returning its states."""

    class MinimalRNNCell(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                          initializer="uniform", name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                    initializer="uniform",
                                                    name="recurrent_kernel")

        def call(self, inputs, states):
            prev_output = states[0]
            h = ops.matmul(inputs, self.kernel)
            output = h + ops.matmul(prev_output, self.recurrent_kernel)
            return output, [output]

    class TwoStateCell(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = [units, units]
            self.gate = layers.Dense(units, activation="sigmoid")

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
            # built here: Keras 3 does not save a sublayer first built inside its RNN loop
            self.gate.build((None, input_shape[-1] + self.units))

        def call(self, inputs, states):
            h, c = states
            g = self.gate(ops.concatenate([inputs, h], axis=-1))
            c = g * c + (1.0 - g) * ops.tanh(ops.matmul(inputs, self.kernel))
            h = ops.tanh(c)
            return h, [h, c]

    x = Input((6, 3))
    h = layers.Masking()(x)
    h = layers.RNN(MinimalRNNCell(4), return_sequences=True, go_backwards=True)(h)
    out, s1, s2 = layers.RNN(TwoStateCell(3), return_state=True)(h)
    return Model(x, layers.Concatenate()([out, s1, s2]))


def bidirectional_cells(layers, Model, ops, Input, register):
    """Cells written by subclassing, with get_config, in Bidirectional RNNs (Keras 3 rebuilds
    each direction's cell from its config): a one-state cell over a masked sequence, merged by
    concat, then a two-state cell with a sublayer, merged by sum, returning its states. Returns
    (model, {class name: class})."""

    @register
    class SerialMinimalCell(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                    name="recurrent_kernel")

        def call(self, inputs, states):
            h = ops.tanh(ops.matmul(inputs, self.kernel)
                         + ops.matmul(states[0], self.recurrent_kernel))
            return h, [h]

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    @register
    class SerialTwoStateCell(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = [units, units]
            self.gate = layers.Dense(units, activation="sigmoid")

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
            self.gate.build((None, input_shape[-1] + self.units))

        def call(self, inputs, states):
            h, c = states
            g = self.gate(ops.concatenate([inputs, h], axis=-1))
            c = g * c + (1.0 - g) * ops.tanh(ops.matmul(inputs, self.kernel))
            h = ops.tanh(c)
            return h, [h, c]

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    x = Input((6, 3))
    h = layers.Masking()(x)
    h = layers.Bidirectional(layers.RNN(SerialMinimalCell(4), return_sequences=True))(h)
    out, *states = layers.Bidirectional(
        layers.RNN(SerialTwoStateCell(3), return_state=True), merge_mode="sum")(h)
    model = Model(x, layers.Concatenate()([out, *states]))
    return model, {"SerialMinimalCell": SerialMinimalCell,
                   "SerialTwoStateCell": SerialTwoStateCell}


def serializable_classes(layers, Model, ops, register):
    """A layer and a model written by subclassing, with get_config, so that a .keras file
    holds them (``register`` is keras.saving.register_keras_serializable(package=...) for
    Keras, nothing for fusedrnn, which takes them as load_model's custom_objects)."""

    @register
    class GatedResidual(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.proj = layers.Dense(units)
            self.gate = layers.Dense(units, activation="sigmoid")

        def build(self, input_shape):
            self.alpha = self.add_weight(shape=(), initializer="ones", name="alpha")
            self.proj.build(input_shape)
            self.gate.build(input_shape)

        def call(self, x):
            return x + self.alpha * self.gate(x) * self.proj(x)

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    @register
    class Tagger(Model):
        def __init__(self, units, tags, **kwargs):
            super().__init__(**kwargs)
            self.units, self.tags = units, tags
            self.rnn = layers.LSTM(units, return_sequences=True)
            self.residual = GatedResidual(units)
            self.out = layers.Dense(tags)

        def call(self, x):
            return self.out(self.residual(self.rnn(x)))

        def get_config(self):
            return {**super().get_config(), "units": self.units, "tags": self.tags}

    return GatedResidual, Tagger


def serializable_functional(layers, Model, Input, GatedResidual):
    """A functional model holding the custom layer twice."""
    x = Input((5, 3))
    h = layers.GRU(4, return_sequences=True)(x)
    h = GatedResidual(4)(GatedResidual(4)(h))
    return Model(x, layers.GlobalAveragePooling1D()(h))
