"""The custom TextVectorization functions of text_custom.keras: Keras's versions (TensorFlow
string ops, registered as Keras's text-classification example registers its
``custom_standardization``) and fusedrnn's Python versions of them."""

from __future__ import annotations

import re
import string

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_PUNCTUATION = re.compile(f"[{re.escape(string.punctuation)}]")


def custom_standardization(texts):
    """tf.strings.lower (ASCII only), <br /> to a space, punctuation stripped."""
    return [_PUNCTUATION.sub("", t.translate(_ASCII_LOWER).replace("<br />", " "))
            for t in texts]


def comma_split(texts):
    """tf.strings.split(x, sep=","): empty tokens kept."""
    return [t.split(",") for t in texts]


PYTHON = {"custom_standardization": custom_standardization, "comma_split": comma_split}


def keras_functions(keras, tf) -> dict:
    """The TensorFlow versions, registered with Keras (as "Custom>name")."""

    @keras.saving.register_keras_serializable()
    def custom_standardization(input_data):
        lowercase = tf.strings.lower(input_data)
        stripped_html = tf.strings.regex_replace(lowercase, "<br />", " ")
        return tf.strings.regex_replace(stripped_html, f"[{re.escape(string.punctuation)}]",
                                        "")

    @keras.saving.register_keras_serializable()
    def comma_split(input_data):
        return tf.strings.split(input_data, sep=",")

    return {"custom_standardization": custom_standardization, "comma_split": comma_split}
