"""Architectures of the Keras weight-file tests, written once for Keras and for fusedrnn.

``build(layers, Sequential, Model, Input)`` returns the model; the generator calls it with
Keras's classes, the test with fusedrnn's.
"""

import numpy as np


def _stack(layers, Sequential, Model, Input):
    return Sequential([
        Input((5, 4)),
        layers.Masking(),
        layers.LSTM(6, return_sequences=True),
        layers.Bidirectional(layers.GRU(3)),
        layers.Dense(2),
    ])


def _repeated(layers, Sequential, Model, Input):
    # Two layers of one class are stored as simple_rnn and simple_rnn_1.
    return Sequential([
        Input((6, 3)),
        layers.SimpleRNN(5, return_sequences=True),
        layers.SimpleRNN(4, return_sequences=True, go_backwards=True),
        layers.TimeDistributed(layers.Dense(2)),
    ])


def _options(layers, Sequential, Model, Input):
    return Sequential([
        Input((4, 3)),
        layers.GRU(5, reset_after=False, return_sequences=True),
        layers.LSTM(4, use_bias=False),
    ])


def _embedding(layers, Sequential, Model, Input):
    return Sequential([
        Input((7,)),
        layers.Embedding(20, 6, mask_zero=True),
        layers.GRU(4),
        layers.Dense(3, activation="softmax"),
    ])


def _functional(layers, Sequential, Model, Input):
    inputs = Input((5, 3))
    h = layers.Bidirectional(layers.LSTM(4, return_sequences=True), merge_mode="sum")(inputs)
    h = layers.GRU(3)(h)
    return Model(inputs, layers.Dense(2)(h))


def _hard_sigmoid(layers, Sequential, Model, Input, hard="hard_sigmoid"):
    # Keras 2 defined hard_sigmoid as clip(0.2 x + 0.5, 0, 1), Keras 3 as clip(x / 6 + 0.5, 0, 1);
    # fusedrnn names Keras 2's "hard_sigmoid_keras2" (the test passes it as `hard` for the files
    # Keras 2 wrote).
    return Sequential([
        Input((6, 3)),
        layers.SimpleRNN(5, activation=hard, return_sequences=True),
        layers.GRU(4, recurrent_activation=hard, return_sequences=True),
        layers.Bidirectional(layers.LSTM(3, recurrent_activation=hard)),
        layers.Dense(2, activation=hard),
    ])


def _embedding_pooling(layers, Sequential, Model, Input):
    return Sequential([
        Input((7,)),
        layers.Embedding(20, 6, mask_zero=True),
        layers.SpatialDropout1D(0.3),
        layers.Bidirectional(layers.GRU(3, return_sequences=True)),
        layers.GlobalAveragePooling1D(),
        layers.RepeatVector(2),
        layers.LSTM(3, return_sequences=True),
        layers.Flatten(),
        layers.Dense(2),
    ])


def _max_pool(layers, Sequential, Model, Input):
    return Sequential([
        Input((6, 3)),
        layers.LSTM(4, return_sequences=True),
        layers.GlobalMaxPooling1D(),
        layers.Dense(2),
    ])


def _merge(layers, Sequential, Model, Input):
    inputs = Input((5, 3))
    a = layers.LSTM(4, return_sequences=True)(inputs)
    b = layers.GRU(4, return_sequences=True)(inputs)
    h = layers.LSTM(3)(layers.Concatenate()([a, b]))
    s = layers.GlobalAveragePooling1D()(layers.Add()([a, b]))
    return Model(inputs, layers.Dense(2)(layers.Concatenate()([h, s])))


def _seq2seq(layers, Sequential, Model, Input):
    # Two padded token inputs. Called with initial_state tensors, an RNN computes without its
    # input's mask in Keras 3 (its output still carries it) and with it in Keras 2, so the two
    # versions' files predict differently from the same weights.
    encoder_inputs, decoder_inputs = Input((None,), name="encoder"), Input((None,),
                                                                           name="decoder")
    enc = layers.Embedding(20, 6, mask_zero=True)(encoder_inputs)
    _, fh, fc, bh, bc = layers.Bidirectional(layers.LSTM(4, return_state=True))(enc)
    h, c = layers.Concatenate()([fh, bh]), layers.Concatenate()([fc, bc])
    dec = layers.Embedding(20, 6, mask_zero=True)(decoder_inputs)
    dec = layers.LSTM(8, return_sequences=True)(dec, initial_state=[h, c])
    g = layers.Dense(3)(h)
    dec = layers.Bidirectional(layers.GRU(3, return_sequences=True))(dec, initial_state=[g, g])
    return Model([encoder_inputs, decoder_inputs], layers.Dense(5, activation="softmax")(dec))


def _siamese(layers, Sequential, Model, Input):
    # One Masking and one GRU called on both inputs (a layer with two nodes), then the merge
    # layers that compare the two encodings.
    left, right = Input((6, 3), name="left"), Input((6, 3), name="right")
    masking, encoder = layers.Masking(), layers.GRU(4, return_sequences=True)
    a, b = encoder(masking(left)), encoder(masking(right))
    seq = layers.LSTM(3)(layers.Multiply()([a, b]))
    pooled = [layers.GlobalAveragePooling1D()(t) for t in (layers.Maximum()([a, b]),
                                                           layers.Minimum()([a, b]))]
    cos = layers.Dot(axes=1, normalize=True)(pooled)
    scores = layers.Flatten()(layers.Dot(axes=(2, 2))([a, b]))
    return Model([left, right], layers.Dense(2)(layers.Concatenate()([seq, cos, scores])))


def _cells(layers, Sequential, Model, Input):
    # RNN(cell) and stacks of cells. Keras 3 files keep a stack under cell/cells/<class>[_N],
    # so only the config gives the order of the interleaved GRUCell, SimpleRNNCell, GRUCell.
    inputs = Input((6, 3))
    h = layers.Masking()(inputs)
    h = layers.RNN(layers.LSTMCell(5), return_sequences=True)(h)
    h = layers.Bidirectional(layers.RNN(
        [layers.GRUCell(4), layers.SimpleRNNCell(3), layers.GRUCell(2)],
        return_sequences=True))(h)
    out, (_, c1), h2 = layers.RNN([layers.LSTMCell(3), layers.GRUCell(2)], return_state=True)(h)
    return Model(inputs, layers.Dense(2)(layers.Concatenate()([out, c1, h2])))


def _cnn_norm(layers, Sequential, Model, Input):
    # A CNN-LSTM with normalization: BatchNormalization's moving statistics are non-trainable
    # weights, listed after gamma and beta in every format.
    return Sequential([
        Input((8,)),
        layers.Embedding(20, 6),
        layers.Conv1D(8, 3, padding="same", activation="relu"),
        layers.MaxPooling1D(2),
        layers.BatchNormalization(),
        layers.LSTM(5, return_sequences=True),
        layers.LayerNormalization(),
        layers.GlobalAveragePooling1D(),
        layers.Dense(2),
    ])


def _nested(layers, Sequential, Model, Input):
    # Models called as layers of a functional model: a functional encoder, whose Embedding's
    # mask comes out with its output and reaches the GRU, and a Sequential head.
    tokens = Input((None,), name="tokens")
    h = layers.LSTM(5, return_sequences=True)(layers.Embedding(20, 6, mask_zero=True)(tokens))
    encoder = Model(tokens, h, name="encoder")
    head = Sequential([Input((4,)), layers.Dense(4, activation="relu"), layers.Dense(2)],
                      name="head")
    inputs = Input((7,))
    return Model(inputs, head(layers.GRU(4)(encoder(inputs))))


def _nested_frozen(layers, Sequential, Model, Input):
    # Transfer learning: a frozen pretrained Sequential, and a Sequential in a Sequential built
    # when the outer one is; Masking's mask goes through both. The legacy .h5 format lists a
    # nested model's trainable weights first: "inner"'s BatchNormalization statistics after
    # the GRU's arrays, unlike get_weights().
    base = Sequential([Input((6, 3)), layers.LSTM(5, return_sequences=True),
                       layers.BatchNormalization()], name="base")
    base.trainable = False
    inner = Sequential([layers.BatchNormalization(), layers.GRU(4, return_sequences=True)],
                       name="inner")
    deep = Sequential([inner], name="deep")
    return Sequential([Input((6, 3)), layers.Masking(), base, deep, layers.SimpleRNN(3),
                       layers.Dense(2)])


def _nested_shared(layers, Sequential, Model, Input):
    # One encoder model called on two inputs (a model with two calls), returning its sequence
    # and its states; its Masking's mask comes out with the sequence.
    x = Input((6, 3))
    seq, h, c = layers.LSTM(5, return_sequences=True, return_state=True)(layers.Masking()(x))
    encoder = Model(x, [seq, h, c], name="encoder")
    left, right = Input((6, 3), name="left"), Input((6, 3), name="right")
    sa, ha, _ = encoder(left)
    sb, hb, cb = encoder(right)
    g = layers.GRU(3)(layers.Concatenate()([sa, sb]))
    return Model([left, right], layers.Dense(2)(layers.Concatenate()([g, ha, hb, cb])))


def _nested_outputs(layers, Sequential, Model, Input):
    # The model's output is a nested functional model's second call (Keras 3 counts such a
    # model's calls from its own first node in output_layers, not in inbound_nodes), and an
    # encoder model called on two inputs returns its sequence and its state.
    x = Input((6, 3))
    seq, h = layers.GRU(4, return_sequences=True, return_state=True)(x)
    encoder = Model(x, [seq, h], name="encoder")
    q = Input((4,))
    head = Model(q, layers.Dense(4, activation="tanh")(q), name="head")
    a, b = Input((6, 3), name="a"), Input((6, 3), name="b")
    sa, ha = encoder(a)
    sb, hb = encoder(b)
    g = layers.GRU(4)(layers.Concatenate()([sa, sb]))
    return Model([a, b], head(layers.Add()([head(ha), g, hb])))


def _nested_dicts(layers, Sequential, Model, Input):
    # A model with dict inputs and outputs, keys not in sorted order, called as a layer: Keras
    # flattens dicts in sorted key order, and saved graphs count its outputs in that order.
    q, k = Input((5, 3), name="query"), Input((4,), name="context")
    seq, h = layers.GRU(4, return_sequences=True, return_state=True)(q)
    state = layers.Add()([h, layers.Dense(4)(k)])
    inner = Model({"query": q, "context": k}, {"z_seq": seq, "a_state": state}, name="inner")
    x, c = Input((5, 3)), Input((4,))
    out = inner({"query": x, "context": c})
    g = layers.GRU(3)(out["z_seq"])
    return Model([x, c], layers.Dense(2)(layers.Concatenate()([g, out["a_state"]])))


def _unrolled_masks(layers, Sequential, Model, Input):
    # unroll=True with masks: Keras's TensorFlow backend zeroes an unrolled layer's masked
    # outputs by the mask in input order while the layer goes backwards, as Bidirectional's
    # backward copies do.
    x = Input((6, 3))
    h = layers.Masking()(x)
    h = layers.Bidirectional(layers.LSTM(4, return_sequences=True, unroll=True))(h)
    h = layers.Bidirectional(layers.GRU(3, return_sequences=True, unroll=True),
                             merge_mode="sum")(h)
    h = layers.Bidirectional(layers.SimpleRNN(2, return_sequences=True), merge_mode="ave")(h)
    return Model(x, layers.TimeDistributed(layers.Dense(2))(h))


def _categorical(layers, Sequential, Model, Input):
    # Item ids bucketed before their Embedding and GRU (a session model): Hashing with a mask
    # value; an IntegerLookup hashing unknown ids over several out-of-vocabulary indices,
    # counted by CategoryEncoding; numbers binned by Discretization, one-hot.
    tokens, values = Input((6,), dtype="int64"), Input((1,))
    h = layers.Embedding(16, 4, mask_zero=True)(layers.Hashing(num_bins=16, mask_value=0)(tokens))
    g = layers.GRU(5)(h)
    ids = layers.IntegerLookup(vocabulary=[1, 2, 3, 5, 8], num_oov_indices=3)(tokens)
    bag = layers.CategoryEncoding(num_tokens=8, output_mode="count")(ids)
    bins = layers.Discretization(bin_boundaries=[3.0, 7.0, 12.0], output_mode="one_hot")(values)
    salted = layers.Hashing(num_bins=5, salt=[7, 9], output_mode="multi_hot")(tokens)
    features = layers.Concatenate()([g, bag, bins, salted])
    return Model([tokens, values], layers.Dense(2)(features))


def _time_distributed_functional(layers, Sequential, Model, Input):
    # A functional model applied to every step (Keras 2 lists its one output; Keras 3 reads
    # a list as a list, which TimeDistributed cannot take).
    step = Input((2,))
    frame = Model(step, layers.Dense(3, activation="tanh")(step), name="frame")
    x = Input((6, 2))
    return Model(x, layers.Dense(2)(layers.GRU(3)(layers.TimeDistributed(frame)(x))))


def _gates(recurrent):
    """The ConvLSTM layers' recurrent_activation argument: their default (Keras 3's sigmoid,
    Keras 2's hard_sigmoid: the test passes "hard_sigmoid_keras2" for Keras 2's files)."""
    return {} if recurrent is None else {"recurrent_activation": recurrent}


def _conv_lstm(layers, Sequential, Model, Input, recurrent=None):
    # Frames through ConvLSTM2D ("same", sequences), then a strided "valid" ConvLSTM2D giving
    # its last state, as precipitation nowcasting models stack them.
    return Sequential([
        Input((5, 6, 6, 2)),
        layers.ConvLSTM2D(4, 3, padding="same", return_sequences=True, **_gates(recurrent)),
        layers.ConvLSTM2D(3, (2, 3), strides=(2, 1), unit_forget_bias=False,
                          **_gates(recurrent)),
        layers.Flatten(),
        layers.Dense(2),
    ])


def _conv_lstm_1d_3d(layers, Sequential, Model, Input, recurrent=None):
    # ConvLSTM1D with dilation going backwards and returning its states; ConvLSTM3D on
    # volumes.
    signal, volume = Input((4, 9, 2)), Input((3, 3, 4, 4, 1))
    seq, h, c = layers.ConvLSTM1D(3, 3, dilation_rate=2, padding="same", go_backwards=True,
                                  return_sequences=True, return_state=True,
                                  **_gates(recurrent))(signal)
    last = layers.ConvLSTM1D(2, 2, activation="relu", **_gates(recurrent))(seq)
    cube = layers.ConvLSTM3D(2, (1, 2, 2), padding="same", **_gates(recurrent))(volume)
    flat = [layers.Flatten()(t) for t in (last, h, c, cube)]
    return Model([signal, volume], layers.Dense(2)(layers.Concatenate()(flat)))


def _next_frame(layers, Sequential, Model, Input, recurrent=None):
    # Keras's next-frame prediction example, small: ConvLSTM2D stack with BatchNormalization,
    # a Conv3D sigmoid head over (time, rows, cols).
    return Sequential([
        Input((4, 8, 8, 1)),
        layers.ConvLSTM2D(4, 3, padding="same", return_sequences=True, activation="relu",
                          **_gates(recurrent)),
        layers.BatchNormalization(),
        layers.ConvLSTM2D(4, 1, padding="same", return_sequences=True, activation="relu",
                          **_gates(recurrent)),
        layers.Conv3D(1, 3, activation="sigmoid", padding="same"),
    ])


def _conv3d_pooling(layers, Sequential, Model, Input):
    # Conv3D (strided, dilated, grouped) and the 3-D pooling layers, valid and same.
    x = Input((5, 7, 6, 2))
    h = layers.Conv3D(4, (2, 3, 3), strides=(1, 2, 1))(x)
    h = layers.MaxPooling3D((2, 2, 2), padding="same")(h)
    h = layers.AveragePooling3D((1, 2, 2), strides=1, padding="same")(h)
    g = layers.Conv3D(4, 2, dilation_rate=(1, 2, 1), groups=2, padding="same")(h)
    pooled = [layers.GlobalAveragePooling3D()(g), layers.GlobalMaxPooling3D()(h)]
    return Model(x, layers.Dense(2)(layers.Concatenate()(pooled)))


def _grouped_query_attention(layers, Sequential, Model, Input):
    # Keras 3's GroupQueryAttention (class GroupedQueryAttention) over a masked GRU encoding:
    # 4 query heads sharing 2 key and value heads; then a gated, causal, windowed one over 2
    # heads sharing 1.
    tokens = Input((7,))
    h = layers.GRU(8, return_sequences=True)(layers.Embedding(20, 6, mask_zero=True)(tokens))
    a = layers.GroupQueryAttention(3, 4, 2)(h, h)
    b = layers.GroupQueryAttention(2, 2, 1, use_gate=True, sliding_window=3)(
        a, h, use_causal_mask=True)
    return Model(tokens, layers.Dense(2)(layers.GlobalAveragePooling1D()(b)))


def _attention_mask_order(layers, Sequential, Model, Input):
    # MultiHeadAttention takes the masks off the tensors it reads (Keras 3); a
    # GroupQueryAttention call Keras runs after it on the same tensors sees none, one on the
    # MHA's output sees its query's mask.
    tokens = Input((7,))
    x = layers.Embedding(20, 6, mask_zero=True)(tokens)
    m = layers.MultiHeadAttention(2, 3)(x, x)
    a = layers.GroupQueryAttention(3, 2, 1)(x, x)
    b = layers.GroupQueryAttention(3, 2, 2)(m, x)
    h = layers.Concatenate()([m, a, b])
    return Model(tokens, layers.Dense(2)(layers.GlobalAveragePooling1D()(h)))


def _nested_time_distributed(layers, Sequential, Model, Input):
    # A model applied to every step of (batch, steps, 5, 3).
    frame = Sequential([Input((5, 3)), layers.LSTM(4), layers.Dense(3)], name="frame")
    return Sequential([Input((4, 5, 3)), layers.TimeDistributed(frame), layers.GRU(3),
                       layers.Dense(2)])


def _attention(layers, Sequential, Model, Input):
    # Luong (Attention, with its scale weight) and Bahdanau (AdditiveAttention, with its scale
    # vector) attention of a decoder over a masked encoder.
    source, target = Input((6,), name="source"), Input((5,), name="target")
    enc = layers.LSTM(5, return_sequences=True)(layers.Embedding(20, 4, mask_zero=True)(source))
    dec = layers.LSTM(5, return_sequences=True)(layers.Embedding(20, 4, mask_zero=True)(target))
    luong = layers.Attention(use_scale=True)([dec, enc])
    bahdanau = layers.AdditiveAttention()([dec, enc])
    return Model([source, target], layers.Dense(3)(layers.Concatenate()([luong, bahdanau, dec])))


def _activations(layers, Sequential, Model, Input):
    # Activation layers (Keras 2 saves LeakyReLU's slope as "alpha", Keras 3 as
    # "negative_slope"; PReLU's alpha is a weight) and noise layers, masks passing through.
    return Sequential([
        Input((6, 3)),
        layers.Masking(),
        layers.LSTM(5, return_sequences=True),
        layers.LeakyReLU(0.2),
        layers.PReLU(shared_axes=[1]),
        layers.ReLU(max_value=1.0),
        layers.ELU(),
        layers.GaussianNoise(0.1),
        layers.GRU(3),
        layers.Dense(4),
        layers.Softmax(),
    ])


def _conv_autoencoder(layers, Sequential, Model, Input):
    # The shape layers of 1-D convolutional autoencoders (their arguments saved as pairs).
    return Sequential([
        Input((8, 3)),
        layers.Conv1D(4, 3, padding="same", activation="relu"),
        layers.MaxPooling1D(2),
        layers.ZeroPadding1D(1),
        layers.Cropping1D((2, 0)),
        layers.UpSampling1D(2),
        layers.Conv1D(3, 3, padding="same"),
        layers.GRU(3),
        layers.Dense(2),
    ])


def _operators(layers, Sequential, Model, Input):
    # Tensor operators between layers: Keras 3 saves them as operations (GetItem, Multiply,
    # ...), Keras 2 as TFOpLambda / SlicingOpLambda layers. Their outputs have no mask, so the
    # GRU after them sees every step, and the LSTM's masked steps repeat its last output.
    inputs = Input((6, 3))
    h = layers.LSTM(5, return_sequences=True)(layers.Masking()(inputs))
    g = layers.GRU(5, return_sequences=True)(inputs)
    mixed = 1.0 - h * 0.5 + g / 2.0 - abs(g) ** 2
    last, first = h[:, -1, :], -g[:, 0]
    window = layers.Flatten()(h[:, ::-1][:, 1:4, 2:])
    pooled = layers.GRU(4)(mixed)
    return Model(inputs, layers.Dense(3)(layers.Concatenate()([last, first, window, pooled])))


def _keras_ops(layers, Sequential, Model, Input, ops=None):
    # keras.ops functions between layers (``ops``: keras.ops, fusedrnn.ops, or for Keras 2 the
    # TensorFlow functions a Keras 2 model calls, saved as TFOpLambda layers): dot-product
    # self-attention over an LSTM, poolings and a reshaped stack.
    inputs = Input((6, 3))
    h = layers.LSTM(5, return_sequences=True)(inputs)
    scores = ops.softmax(ops.matmul(h, ops.transpose(h, (0, 2, 1))), axis=-1)
    context = ops.matmul(scores, h)
    pooled = ops.concatenate([ops.mean(context, axis=1), ops.max(h, axis=1),
                              ops.sum(ops.tanh(h), axis=1)], axis=-1)
    pooled = ops.squeeze(ops.expand_dims(pooled, 1), 1)
    gated = ops.sigmoid(pooled) * ops.relu(pooled)
    steps = layers.GRU(4)(ops.reshape(ops.stack([h, context], axis=2), (-1, 6, 10)))
    return Model(inputs, layers.Dense(2)(ops.concatenate([gated, steps], axis=-1)))


def _keras_ops_more(layers, Sequential, Model, Input, ops=None):
    # the keras.ops functions fusedrnn added in session 19, between layers (Keras 3 only)
    inputs = Input((4, 3), batch_size=3)  # the generator's batch (ops.slice's shape)
    h = layers.GRU(5, return_sequences=True)(inputs)
    pooled = ops.logsumexp(h, axis=1) + ops.norm(h, axis=1)
    ranks = ops.cast(ops.argsort(ops.stop_gradient(pooled)), "float32")
    onehot = ops.one_hot(ops.argmax(pooled, axis=-1), 5)
    window = layers.Flatten()(ops.slice(h, (0, 1, 0), (3, 2, 5)))
    return Model(inputs, layers.Concatenate()([
        ops.sort(pooled), ranks, ops.dot(pooled, np.ones((5, 2), "float32")), onehot, window]))


def _lambdas(layers, Sequential, Model, Input):
    # Lambda layers: one with arguments that keeps the mask (mask=), one that drops it, one on
    # a list of tensors (their functions use operators only: Keras saves what they close
    # over). load_model cannot rebuild them (Keras saves bytecode): this case is built in code
    # and loads the weights.
    inputs = Input((6, 3))
    h = layers.LSTM(5, return_sequences=True)(layers.Masking()(inputs))
    scaled = layers.Lambda(lambda t, k: t * k, arguments={"k": 0.5}, mask=lambda t, m: m)(h)
    g = layers.GRU(4, return_sequences=True)(scaled)
    last = layers.Lambda(lambda t: t[:, -1])(g)
    both = layers.Lambda(lambda ts: ts[0][:, 0, :4] * 2.0 - ts[1])([h, last])
    return Model(inputs, layers.Dense(2)(both))


def _multi_head_attention(layers, Sequential, Model, Input):
    # Self-attention over a masked LSTM, cross-attention on a masked second input (a separate
    # key, the scores returned) and a causal attention on the same two tensors. Keras 3 takes
    # the masks off the tensors a MultiHeadAttention call reads, so its later calls on them see
    # none (Keras 2 keeps them); a query step with nothing to attend to weighs the values
    # evenly, but zero in Keras 3 when the scores are returned (its Softmax path).
    inputs, other = Input((6, 3)), Input((6, 4))
    h = layers.LSTM(5, return_sequences=True)(layers.Masking()(inputs))
    enc = layers.Masking()(other)
    attended = layers.MultiHeadAttention(2, 3)(h, h)
    cross, scores = layers.MultiHeadAttention(2, 4, value_dim=3, output_shape=4)(
        attended, enc, layers.Dense(2)(enc), return_attention_scores=True)
    causal = layers.MultiHeadAttention(1, 2, use_bias=False)(h, enc, use_causal_mask=True)
    pooled = layers.GlobalAveragePooling1D()(layers.Concatenate()([cross, causal]))
    return Model([inputs, other],
                 layers.Dense(2)(layers.Concatenate()([pooled, layers.Flatten()(scores)])))


def _transformer_classifier(layers, Sequential, Model, Input):
    # Keras's "Timeseries classification with a Transformer model" tutorial, made small: two
    # encoder blocks (MultiHeadAttention with dropout, LayerNormalization, residual "+",
    # kernel-size-1 Conv1D feed-forward), channels_first GlobalAveragePooling1D, a Dense head.
    def encoder(inputs, head_size, num_heads, ff_dim, dropout=0.0):
        x = layers.MultiHeadAttention(key_dim=head_size, num_heads=num_heads,
                                      dropout=dropout)(inputs, inputs)
        x = layers.Dropout(dropout)(x)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
        res = x + inputs
        x = layers.Conv1D(filters=ff_dim, kernel_size=1, activation="relu")(res)
        x = layers.Dropout(dropout)(x)
        x = layers.Conv1D(filters=inputs.shape[-1], kernel_size=1)(x)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
        return x + res

    inputs = Input((8, 2))
    x = inputs
    for _ in range(2):
        x = encoder(x, head_size=4, num_heads=2, ff_dim=4, dropout=0.25)
    x = layers.GlobalAveragePooling1D(data_format="channels_first")(x)
    x = layers.Dropout(0.4)(layers.Dense(6, activation="relu")(x))
    return Model(inputs, layers.Dense(3, activation="softmax")(x))


def _preprocessing(layers, Sequential, Model, Input):
    # Preprocessing layers saved in the model: Normalization (its adapted mean and variance
    # are weights, with Keras's int64 count), Rescaling, Identity.
    return Sequential([
        Input((6, 3)),
        layers.Normalization(),
        layers.Rescaling(2.0, offset=0.5),
        layers.Identity(),
        layers.LSTM(4),
        layers.Dense(2),
        layers.Normalization(mean=[0.5, -0.5], variance=[2.0, 0.5], invert=True),
    ])


# The text the "text" case's TextVectorization learns its vocabulary from, and its inputs
# (punctuation, capitals, runs of whitespace, non-ASCII letters, unknown words, empty text).
TEXT_CORPUS = [
    "The cat sat on the mat.", "A dog, a CAT and a bird!", "the bird sang; the dog slept",
    "Cats and dogs... and Birds?", "ÉCOLE école straße", "the the the mat", "",
]
TEXT_INPUTS = ["The cat sang!", "a  dog\tand the\nMAT", "zebra école ÉCOLE", "",
               "mat mat mat mat mat mat mat mat mat mat", "dogs, cats; birds."]


def _text(layers, Sequential, Model, Input):
    # Keras's end-to-end text model: raw strings in, TextVectorization inside the model.
    vectorize = layers.TextVectorization(max_tokens=16, output_sequence_length=7)
    vectorize.adapt(TEXT_CORPUS)
    return Sequential([
        Input(shape=(1,), dtype="string"),
        vectorize,
        layers.Embedding(16, 5, mask_zero=True),
        layers.Bidirectional(layers.LSTM(3)),
        layers.Dense(2),
    ])


def _crnn(layers, Sequential, Model, Input):
    # Keras's OCR tutorial, small: an image's columns become the steps of a Bidirectional
    # LSTM whose per-step softmax a CTC decoder reads.
    image = Input((16, 8, 1))
    x = layers.Conv2D(4, (3, 3), activation="relu", padding="same")(image)
    x = layers.MaxPooling2D((2, 2))(x)
    x = layers.Conv2D(6, (3, 3), activation="relu", padding="same")(x)
    x = layers.MaxPooling2D((2, 2))(x)
    x = layers.Reshape((4, 2 * 6))(x)
    x = layers.Dense(8, activation="relu")(x)
    x = layers.Bidirectional(layers.LSTM(5, return_sequences=True))(x)
    return Model(image, layers.Dense(6, activation="softmax")(x))


def _conv2d_options(layers, Sequential, Model, Input):
    # strides, dilation, groups, valid and same padding, pooling windows that overlap or run
    # past the edge, global poolings
    x = Input((9, 7, 4))
    a = layers.Conv2D(6, (2, 3), strides=(2, 1), padding="same")(x)
    a = layers.AveragePooling2D((3, 2), strides=(2, 2), padding="same")(a)
    b = layers.Conv2D(4, 3, dilation_rate=(2, 1), groups=2, activation="tanh")(x)
    b = layers.MaxPooling2D(2, strides=1)(b)
    return Model(x, layers.Concatenate()([layers.GlobalAveragePooling2D()(a),
                                          layers.GlobalMaxPooling2D()(b),
                                          layers.Flatten()(b)]))


def _ds_cnn(layers, Sequential, Model, Input):
    # A keyword-spotting front end (DS-CNN) over spectrogram frames, then a GRU over time:
    # depthwise-separable convolutions, padding, cropping, bilinear upsampling, group norm
    return Sequential([
        Input((12, 10, 2)),
        layers.RandomContrast(0.1),
        layers.ZeroPadding2D(((1, 0), (2, 1))),
        layers.DepthwiseConv2D((3, 3), depth_multiplier=2, padding="same"),
        layers.SeparableConv2D(5, (3, 2), dilation_rate=(2, 1), activation="relu"),
        layers.SpatialDropout2D(0.1),
        layers.GroupNormalization(groups=5),
        layers.Cropping2D(((1, 1), (0, 1))),
        layers.UpSampling2D((1, 2), interpolation="bilinear"),
        layers.DepthwiseConv2D(2, strides=2, use_bias=False),
        layers.Reshape((3, 55)),
        layers.GRU(4),
        layers.Dense(2),
    ])


def _separable_1d(layers, Sequential, Model, Input):
    return Sequential([
        Input((9, 4)),
        layers.DepthwiseConv1D(3, depth_multiplier=2, padding="same"),
        layers.SeparableConv1D(6, 2, strides=2, activation="tanh", depth_multiplier=2),
        layers.UnitNormalization(),
        layers.LSTM(4, return_sequences=True),
        layers.GroupNormalization(groups=2, epsilon=0.01),
        layers.SeparableConv1D(3, 3, padding="same", dilation_rate=2, use_bias=False),
        layers.GlobalMaxPooling1D(),
        layers.Dense(2),
    ])


def _video_3d(layers, Sequential, Model, Input):
    return Sequential([
        Input((4, 5, 6, 2)),
        layers.ZeroPadding3D((1, 0, 1)),
        layers.Cropping3D(((0, 1), (1, 1), (0, 2))),
        layers.UpSampling3D((1, 2, 1)),
        layers.SpatialDropout3D(0.2),
        layers.Conv3D(3, (2, 3, 3), activation="relu"),
        layers.UnitNormalization(axis=[2, 3]),
        layers.TimeDistributed(layers.Flatten()),
        layers.LSTM(3),
        layers.Dense(2),
    ])


def _conv_transpose(layers, Sequential, Model, Input):
    # the upsampling half of a convolutional sequence autoencoder, then an RNN
    return Sequential([
        Input((6, 4)),
        layers.Conv1DTranspose(4, 3, strides=2, padding="same", activation="relu"),
        layers.Reshape((12, 4, 1)),
        layers.Conv2DTranspose(2, (2, 3), strides=(1, 2), output_padding=(0, 1)),
        layers.Reshape((13, 20)),
        layers.Conv1DTranspose(3, 2, strides=3, padding="same", output_padding=1,
                               use_bias=False),
        layers.GRU(3),
        layers.Dense(2),
    ])


def _augmentation(layers, Sequential, Model, Input):
    # Keras's image tutorials put training-time augmentation inside the model; at inference
    # each layer passes its input on
    return Sequential([
        Input((8, 6, 3)),
        layers.RandomFlip("horizontal"),
        layers.RandomRotation(0.1),
        layers.RandomZoom(0.2, 0.1),
        layers.RandomTranslation(0.1, 0.2),
        layers.RandomContrast(0.2),
        layers.RandomBrightness(0.1),
        layers.Conv2D(4, 3, activation="relu"),
        layers.Reshape((6, 16)),
        layers.SimpleRNN(3),
        layers.Dense(2),
    ])


def _augmentation_keras3(layers, Sequential, Model, Input):
    # Keras 3's further augmentation layers, and RMSNormalization
    return Sequential([
        Input((8, 8, 3)),
        layers.RandomHue(0.1),
        layers.RandomSaturation(0.2),
        layers.RandomSharpness(0.2),
        layers.RandomColorDegeneration(0.2),
        layers.RandomPosterization(4),
        layers.RandomColorJitter(brightness_factor=0.1),
        layers.RandomGrayscale(0.3),
        layers.RandomInvert(0.5),
        layers.RandomErasing(),
        layers.RandomGaussianBlur(),
        layers.RandomPerspective(0.5),
        layers.RandomShear(0.1, 0.1),
        layers.RandomElasticTransform(),
        layers.AugMix(),
        layers.RandAugment(),
        layers.CutMix(),
        layers.MixUp(),
        layers.Conv2D(4, 3),
        layers.RMSNormalization(),
        layers.Reshape((6, 24)),
        layers.GRU(3, return_sequences=True),
        layers.RMSNormalization(axis=[-2, -1], epsilon=0.01),
        layers.Flatten(),
        layers.Dense(2),
    ])


def _audio_mel(layers, Sequential, Model, Input):
    # a keyword-spotting front end: raw waveform -> log-mel frames -> recurrent classifier
    # (also with training-only arguments: regularizers, a constraint, dropout)
    return Sequential([
        Input((1200,)),
        layers.MelSpectrogram(fft_length=128, sequence_stride=64, sequence_length=100,
                              sampling_rate=8000, num_mel_bins=20, min_freq=50.0,
                              max_freq=3800.0, top_db=60.0),
        layers.Permute((2, 1)),
        layers.LayerNormalization(),
        layers.GRU(6, return_sequences=True, kernel_regularizer="l2", dropout=0.1,
                   recurrent_constraint="max_norm"),
        layers.Flatten(),
        layers.Dense(3, activation="softmax", activity_regularizer="l1"),
    ])


def _audio_stft(layers, Sequential, Model, Input):
    # an STFT front end (its DFT kernels are weights in the file) -> bidirectional LSTM
    return Sequential([
        Input((400, 2)),
        layers.STFTSpectrogram(mode="log", frame_length=48, frame_step=16, fft_length=64,
                               window="hamming", padding="same"),
        layers.Bidirectional(layers.LSTM(5)),
        layers.Dense(2),
    ])


def _reversible_lm(layers, Sequential, Model, Input):
    # a language model whose output layer is its input embedding reversed (tied), and one
    # with its own reverse weights and a logit soft cap
    tokens = Input((7,), dtype="int32")
    tied = layers.ReversibleEmbedding(30, 8, mask_zero=True)
    h = layers.GRU(8, return_sequences=True)(tied(tokens))
    untied = layers.ReversibleEmbedding(30, 6, tie_weights=False, logit_soft_cap=2.0)
    g = layers.Dense(6)(layers.LSTM(5, return_sequences=True)(untied(tokens)))
    return Model(tokens, [tied(h, reverse=True), untied(g, reverse=True)])


def _einsum_dense(layers, Sequential, Model, Input):
    # EinsumDense projections of each form: explicit axes (with None for time), one axis to
    # two, left and right ellipses, biases over some output axes
    return Sequential([
        Input((6, 4)),
        layers.EinsumDense("abc,cd->abd", (None, 8), bias_axes="d", activation="relu"),
        layers.EinsumDense("abc,cde->abde", (None, 2, 3), bias_axes="de"),
        layers.Reshape((6, 6)),
        layers.EinsumDense("...b,bc->...c", 5),
        layers.EinsumDense("ab...,bc->ac...", 4, bias_axes="c"),
        layers.GRU(5),
        layers.EinsumDense("ab,bc->ac", 3, bias_axes="c", activation="tanh"),
    ])


def _adaptive_pooling(layers, Sequential, Model, Input):
    # adaptive poolings of each rank and kind, bins of uneven sizes, both data formats
    seq, image, volume = Input((13, 3)), Input((9, 7, 2)), Input((5, 6, 7, 2))
    a = layers.AdaptiveMaxPooling1D(6)(layers.Conv1D(4, 3)(seq))
    a = layers.GRU(3)(layers.AdaptiveAveragePooling1D(4, data_format="channels_first")(a))
    b = layers.AdaptiveAveragePooling2D((4, 3))(image)
    b = layers.Flatten()(layers.AdaptiveMaxPooling2D(2)(b))
    c = layers.AdaptiveAveragePooling3D((3, 4, 3))(volume)
    c = layers.Flatten()(layers.AdaptiveMaxPooling3D((2, 3, 2))(c))
    return Model([seq, image, volume], layers.Dense(2)(layers.Concatenate()([a, b, c])))


def _image_preprocessing(layers, Sequential, Model, Input, keras2=False):
    # resizing and cropping in front of a convolutional-recurrent classifier; RandomCrop is
    # the identity at inference in Keras 3 and crops (smart_resize) in Keras 2 (fusedrnn's
    # keras2=True, which the test passes for the files Keras 2 wrote), and the Resizing after
    # it gives both the same size
    return Sequential([
        Input((10, 12, 3)),
        layers.Resizing(8, 9, interpolation="bicubic"),
        layers.CenterCrop(6, 8),
        layers.RandomCrop(5, 7, **({"keras2": True} if keras2 else {})),
        layers.Resizing(4, 6, interpolation="area"),
        layers.Rescaling(0.5),
        layers.Conv2D(4, 3, activation="relu"),
        layers.Reshape((2, 16)),
        layers.GRU(3),
        layers.Dense(2),
    ])


def _image_preprocessing_keras3(layers, Sequential, Model, Input):
    # Keras 3's resizing options and its color layers (Solarization and MaxNumBoundingBoxes
    # are the identity at inference, AutoContrast and CLAHE are not; Keras 3.15 cannot build
    # a model holding Equalization: its output spec is its input tensor, "part of a cycle")
    return Sequential([
        Input((9, 11, 3)),
        layers.Resizing(7, 7, interpolation="lanczos3", pad_to_aspect_ratio=True,
                        fill_value=0.5, antialias=True),
        layers.AutoContrast(value_range=(0, 1)),
        layers.ContrastLimitedAdaptiveHistogramEqualization(value_range=(0, 1), clip_limit=3.0,
                                                            tile_grid_size=(2, 3)),
        layers.Solarization(0.2, 0.3),
        layers.MaxNumBoundingBoxes(4),
        layers.CenterCrop(8, 8),
        layers.Resizing(6, 5, interpolation="area"),
        layers.Conv2D(4, 3),
        layers.Reshape((4, 12)),
        layers.LSTM(3),
        layers.Dense(2),
    ])


def _spectral_normalization(layers, Sequential, Model, Input):
    # SpectralNormalization around an Embedding, a Conv1D (its kernel is rank 3) and a Dense
    # without bias: at inference each is its layer, with the kernel training stored
    tokens = Input((7,))
    h = layers.SpectralNormalization(layers.Embedding(20, 4))(tokens)
    h = layers.SpectralNormalization(layers.Conv1D(5, 3, padding="same"), power_iterations=2)(h)
    h = layers.GRU(6)(h)
    return Model(tokens, layers.SpectralNormalization(layers.Dense(3, use_bias=False))(h))


def _hashed_crossing(layers, Sequential, Model, Input):
    # two id features crossed (HashedCrossing) one-hot beside a sequence of ids, and their
    # cross bucket embedded (a wide-and-deep style model)
    a, b, seq = Input((1,), dtype="int64"), Input((1,), dtype="int64"), Input((5,))
    wide = layers.HashedCrossing(num_bins=12, output_mode="one_hot")([a, b])
    crossed = layers.Flatten()(layers.Embedding(16, 3)(layers.HashedCrossing(num_bins=16)([b, a])))
    deep = layers.GRU(4)(layers.Embedding(20, 3)(seq))
    return Model([a, b, seq], layers.Dense(2)(layers.Concatenate()([wide, crossed, deep])))


def _pipeline(layers, Sequential, Model, Input):
    # Keras 3's Pipeline: preprocessing and a Dense as one layer in front of an LSTM, and a
    # pooling head as another
    x = Input((6, 4))
    h = layers.Pipeline([layers.Rescaling(0.5, offset=0.1), layers.Dense(5, activation="tanh"),
                         layers.Dropout(0.3)])(x)
    h = layers.LSTM(3, return_sequences=True)(h)
    return Model(x, layers.Pipeline([layers.GlobalAveragePooling1D(), layers.Dense(2)])(h))


def _keras_ops_nn(layers, Sequential, Model, Input, ops=None):
    # keras.ops of the nn, math and core modules and newer numpy ones in a graph (their
    # modules are written with them, where Keras 3 looks for their classes): moments' two
    # outputs, rsqrt, erf, celu, hard_tanh, log_sigmoid, roll, pad; and the mish activation
    x = Input((6, 3))
    h = layers.GRU(4, return_sequences=True)(x)
    mean, var = ops.moments(h, axes=[1], keepdims=True)
    h = (h - mean) * ops.rsqrt(var + 1e-3)
    h = ops.celu(h) + ops.erf(h) * 0.5 - ops.hard_tanh(h)
    h = ops.pad(ops.roll(h, shift=1, axis=1), [[0, 0], [1, 0], [0, 0]])
    pooled = ops.mean(ops.log_sigmoid(h), axis=1)
    return Model(x, layers.Dense(2, activation="mish")(pooled))


def _rnn_activations(layers, Sequential, Model, Input):
    # recurrent layers with activations the fused kernels do not compute (they run NumPy
    # steps): softsign, elu, selu, swish, softmax over the units; masked, both directions, a cell
    return Sequential([
        Input((6, 3)),
        layers.Masking(),
        layers.SimpleRNN(5, activation="softsign", return_sequences=True),
        layers.Bidirectional(layers.GRU(4, activation="elu", recurrent_activation="softsign",
                                        return_sequences=True)),
        layers.LSTM(3, activation="selu", return_sequences=True),
        layers.RNN(layers.GRUCell(3, activation="swish", reset_after=False),
                   return_sequences=True),
        layers.SimpleRNN(2, activation="softmax"),
    ])


# name -> (build, input shape without the batch; a list of them for several inputs)
CASES = {
    "stack": (_stack, (5, 4)),
    "repeated": (_repeated, (6, 3)),
    "options": (_options, (4, 3)),
    "embedding": (_embedding, (7,)),
    "functional": (_functional, (5, 3)),
    "hard_sigmoid": (_hard_sigmoid, (6, 3)),
    "embedding_pooling": (_embedding_pooling, (7,)),
    "max_pool": (_max_pool, (6, 3)),
    "merge": (_merge, (5, 3)),
    "seq2seq": (_seq2seq, [(7,), (5,)]),
    "siamese": (_siamese, [(6, 3), (6, 3)]),
    "cells": (_cells, (6, 3)),
    "cnn_norm": (_cnn_norm, (8,)),
    "nested": (_nested, (7,)),
    "nested_frozen": (_nested_frozen, (6, 3)),
    "nested_shared": (_nested_shared, [(6, 3), (6, 3)]),
    "nested_time_distributed": (_nested_time_distributed, (4, 5, 3)),
    "nested_outputs": (_nested_outputs, [(6, 3), (6, 3)]),
    "nested_dicts": (_nested_dicts, [(5, 3), (4,)]),
    "unrolled_masks": (_unrolled_masks, (6, 3)),
    "categorical": (_categorical, [(6,), (1,)]),
    "time_distributed_functional": (_time_distributed_functional, (6, 2)),
    "conv_lstm": (_conv_lstm, (5, 6, 6, 2)),
    "conv_lstm_1d_3d": (_conv_lstm_1d_3d, [(4, 9, 2), (3, 3, 4, 4, 1)]),
    "next_frame": (_next_frame, (4, 8, 8, 1)),
    "conv3d_pooling": (_conv3d_pooling, (5, 7, 6, 2)),
    "grouped_query_attention": (_grouped_query_attention, (7,)),
    "attention_mask_order": (_attention_mask_order, (7,)),
    "attention": (_attention, [(6,), (5,)]),
    "activations": (_activations, (6, 3)),
    "conv_autoencoder": (_conv_autoencoder, (8, 3)),
    "operators": (_operators, (6, 3)),
    "keras_ops": (_keras_ops, (6, 3)),
    "lambdas": (_lambdas, (6, 3)),
    "multi_head_attention": (_multi_head_attention, [(6, 3), (6, 4)]),
    "transformer_classifier": (_transformer_classifier, (8, 2)),
    "preprocessing": (_preprocessing, (6, 3)),
    "text": (_text, (1,)),
    "crnn": (_crnn, (16, 8, 1)),
    "conv2d_options": (_conv2d_options, (9, 7, 4)),
    "ds_cnn": (_ds_cnn, (12, 10, 2)),
    "separable_1d": (_separable_1d, (9, 4)),
    "video_3d": (_video_3d, (4, 5, 6, 2)),
    "conv_transpose": (_conv_transpose, (6, 4)),
    "augmentation": (_augmentation, (8, 6, 3)),
    "augmentation_keras3": (_augmentation_keras3, (8, 8, 3)),
    "audio_mel": (_audio_mel, (1200,)),
    "audio_stft": (_audio_stft, (400, 2)),
    "reversible_lm": (_reversible_lm, (7,)),
    "einsum_dense": (_einsum_dense, (6, 4)),
    "adaptive_pooling": (_adaptive_pooling, [(13, 3), (9, 7, 2), (5, 6, 7, 2)]),
    "keras_ops_more": (_keras_ops_more, (4, 3)),
    "image_preprocessing": (_image_preprocessing, (10, 12, 3)),
    "image_preprocessing_keras3": (_image_preprocessing_keras3, (9, 11, 3)),
    "spectral_normalization": (_spectral_normalization, (7,)),
    "hashed_crossing": (_hashed_crossing, [(1,), (1,), (5,)]),
    "pipeline": (_pipeline, (6, 4)),
    "keras_ops_nn": (_keras_ops_nn, (6, 3)),
    "rnn_activations": (_rnn_activations, (6, 3)),
}

# cases whose build takes the ops module (keyword ``ops``)
OPS_CASES = {"keras_ops", "keras_ops_more", "keras_ops_nn"}

# cases with Lambda layers, which load_model cannot rebuild
LAMBDA_CASES = {"lambdas"}

# cases whose inputs have padded (all-zero) steps, masked by Masking
PADDED_CASES = {"siamese", "cells", "nested_frozen", "nested_shared", "activations",
                "rnn_activations",
                "operators", "lambdas", "multi_head_attention", "unrolled_masks"}

# cases whose inputs are strings (TEXT_INPUTS)
TEXT_CASES = {"text"}

# cases Keras 2 cannot save (tf_keras refuses TextVectorization in .h5 files); and in Keras
# 3's legacy .h5 file a TextVectorization loses its vocabulary (Keras cannot run it either)
# Keras 2 has no GroupQueryAttention
# Keras 2 has no RMSNormalization, few of the augmentation layers, no MelSpectrogram, no
# ReversibleEmbedding, no AutoContrast, no Pipeline
KERAS3_ONLY = TEXT_CASES | {"grouped_query_attention", "attention_mask_order",
                            "augmentation_keras3", "audio_mel", "audio_stft", "reversible_lm",
                            "einsum_dense", "adaptive_pooling", "keras_ops_more",
                            "image_preprocessing_keras3", "pipeline", "keras_ops_nn"}
NO_LEGACY_H5_MODEL = TEXT_CASES
# cases Keras 3 cannot write as legacy .h5 files: Keras 3.15 fails to copy RandomBrightness's
# (and AutoContrast's) config there ("cannot pickle 'module' object")
NO_KERAS3_H5_FILE = {"augmentation", "augmentation_keras3", "image_preprocessing_keras3"}

# cases whose inputs are token ids (padding 0 masked by mask_zero)
TOKEN_CASES = {"embedding", "embedding_pooling", "seq2seq", "cnn_norm", "nested", "attention",
               "reversible_lm", "spectral_normalization", "hashed_crossing",
               "categorical", "grouped_query_attention", "attention_mask_order"}


# --------------------------------------------------------------------------- Keras 2's cuDNN
# Models of Keras 2's CuDNNLSTM / CuDNNGRU (tests/golden/generate_keras2_legacy.py). ``lstm``
# and ``gru`` are the layer classes: the cuDNN ones, or for the twin that computes the same
# with Keras's own conversion of the weights, LSTM and GRU (reset_after=True, sigmoid).


def _cudnn_stack(layers, Sequential, Model, Input, lstm, gru):
    return Sequential([
        Input((7, 5)),
        lstm(6, return_sequences=True),
        layers.Bidirectional(gru(4, return_sequences=True)),
        gru(5, return_sequences=True, go_backwards=True),
        lstm(3, go_backwards=True),
        layers.Dense(2),
    ])


def _cudnn_states(layers, Sequential, Model, Input, lstm, gru):
    inputs = Input((6, 4))
    seq, h, c = lstm(5, return_sequences=True, return_state=True)(inputs)
    out = gru(5, return_sequences=True)(seq, initial_state=h)
    both = layers.Bidirectional(lstm(3), merge_mode="sum")(out)
    return Model(inputs, [layers.Dense(2)(layers.Concatenate()([both, c])), h])


CUDNN_CASES = {
    "cudnn_stack": (_cudnn_stack, (7, 5)),
    "cudnn_states": (_cudnn_states, (6, 4)),
}
