"""Write tests/data/keras_files/text_custom.{keras,npz} with Keras 3: an end-to-end text model
whose TextVectorization layers use custom functions, as Keras's text-classification example
does (``custom_standardization``: lowercase, drop ``<br />``, strip punctuation) and a custom
split (``comma_split``: ``tf.strings.split(x, sep=",")``, empty tokens kept); and, in the
npz, layers with a built-in standardize and the custom split (``mixed_*``). The functions
are registered, so the file names them ``Custom>...``; tests/test_text.py gives fusedrnn
the Python versions of them (tests/data/keras_files/text_functions.py) as custom_objects.

NOT run by CI and not collected by pytest::

    /tmp/tfenv/bin/python tests/golden/generate_text_custom.py
"""

from __future__ import annotations

import os
import sys

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "data", "keras_files")
sys.path.insert(0, OUT)
from text_functions import keras_functions  # noqa: E402

REVIEWS = [
    "A great movie!<br /><br />I loved it.", "Terrible. Boring, slow<br />and LONG",
    "great acting; great story", "I did not like it", "Café naïve ÀBC, loved it",
    "slow... but great", "", "<br />", "LOVED loved LoVeD", "boring boring movie",
]
MIXED = ["Zebra,zebra,ZEBRA", "Cat!,cat,dog.", "A,B,,c", "Ünï,ünï", "x y,Z;z", ""]
TAGS = ["drama,comedy", "drama,,horror", "comedy", "", "horror,drama,comedy", "a,b",
        ",", "drama", "comedy,comedy", "x y,z"]


def main() -> None:
    import keras
    import tensorflow as tf

    functions = keras_functions(keras, tf)
    custom_standardization = functions["custom_standardization"]
    comma_split = functions["comma_split"]
    review_vectorizer = keras.layers.TextVectorization(
        max_tokens=20, standardize=custom_standardization, output_sequence_length=8)
    review_vectorizer.adapt(REVIEWS)
    tag_vectorizer = keras.layers.TextVectorization(
        standardize=None, split=comma_split, output_mode="multi_hot")
    tag_vectorizer.adapt(TAGS)
    review = keras.Input((1,), dtype="string", name="review")
    tags = keras.Input((), dtype="string", name="tags")
    h = keras.layers.Embedding(20, 6, mask_zero=True)(review_vectorizer(review))
    h = keras.layers.LSTM(5)(h)
    t = keras.layers.Dense(3, activation="relu")(tag_vectorizer(tags))
    out = keras.layers.Dense(1, activation="sigmoid")(keras.layers.Concatenate()([h, t]))
    model = keras.Model([review, tags], out)
    rng = np.random.default_rng(5)
    model.set_weights([(rng.standard_normal(w.shape) * 0.5).astype(np.float32)
                       if w.dtype == np.float32 else w for w in model.get_weights()])
    x_review = np.array([[r] for r in REVIEWS])
    x_tags = np.array(TAGS)
    y = model.predict([tf.constant(x_review), tf.constant(x_tags)], verbose=0)
    model.save(os.path.join(OUT, "text_custom.keras"))
    # built-in standardization, then the custom split (Keras's order)
    mixed = {}
    for mode in ("lower", "strip_punctuation", "lower_and_strip_punctuation"):
        layer = keras.layers.TextVectorization(standardize=mode, split=comma_split,
                                               output_sequence_length=4)
        layer.adapt(MIXED)
        mixed[f"mixed_{mode}_vocabulary"] = np.array(layer.get_vocabulary())
        mixed[f"mixed_{mode}_ids"] = np.asarray(layer(tf.constant(MIXED)))
    np.savez(os.path.join(OUT, "text_custom.npz"), reviews=np.array(REVIEWS),
             mixed=np.array(MIXED), **mixed,
             tags=np.array(TAGS), y=y,
             review_ids=np.asarray(review_vectorizer(tf.constant(REVIEWS))),
             tag_hot=np.asarray(tag_vectorizer(tf.constant(TAGS))),
             review_vocabulary=np.array(review_vectorizer.get_vocabulary()),
             tag_vocabulary=np.array(tag_vectorizer.get_vocabulary()),
             keras_version=keras.__version__)
    print("text_custom", y.ravel(), tag_vectorizer.get_vocabulary())


if __name__ == "__main__":
    main()
