"""Record what Keras 3's ``text_dataset_from_directory`` makes of a small folder of text
files, for tests/test_text_dataset.py: without shuffling, every batch (label modes, class
names, labels given or none, max_length, batch_size None); with shuffling (a seed) and
validation splits, which files each subset holds (tf.data's later shuffle of the samples is
not reproduced, so the subsets are compared as sorted lists).

NOT run by CI and not collected by pytest. It needs TensorFlow and Keras 3::

    /tmp/tfenv/bin/python tests/golden/generate_text_dataset_golden.py

The folder is made by ``write_tree`` (the test makes the same one); writes
tests/data/golden/text_dataset.json.
"""

from __future__ import annotations

import json
import os
import tempfile

OUT = os.path.join(os.path.dirname(__file__), "..", "data", "golden", "text_dataset.json")

# relative path -> contents: three classes, a nested folder, an upper-case extension, a
# file that is not text, non-ASCII text
FILES = {
    "neg/a.txt": "bad film", "neg/b.txt": "awful, truly", "neg/c.TXT": "meh",
    "neg/notes.md": "not a text file", "neg/sub/d.txt": "nested review: très mauvais",
    "pos/e.txt": "great film!", "pos/f.txt": "loved it 🙂", "pos/g.txt": "",
    "unsup/h.txt": "no label here", "unsup/i.txt": "another one", "unsup/j.txt": "x" * 40,
}

# (name, kwargs); shuffle=False cases are compared batch by batch
CASES = [
    ("int", {"shuffle": False, "batch_size": 4}),
    ("categorical", {"shuffle": False, "label_mode": "categorical", "batch_size": 3}),
    ("binary", {"shuffle": False, "label_mode": "binary", "class_names": ["pos", "neg"]}),
    ("max_length", {"shuffle": False, "max_length": 7, "batch_size": 5}),
    ("unbatched", {"shuffle": False, "batch_size": None}),
    ("no_labels", {"shuffle": False, "labels": None, "batch_size": 6}),
    ("given_labels", {"shuffle": False, "labels": [3, 1, 4, 1, 5, 9, 2, 6, 5, 3],
                      "batch_size": 4}),
    ("shuffled", {"seed": 7, "batch_size": 4}),
    ("training", {"seed": 11, "validation_split": 0.3, "subset": "training"}),
    ("validation", {"seed": 11, "validation_split": 0.3, "subset": "validation"}),
    ("both", {"seed": 3, "validation_split": 0.5, "subset": "both",
              "label_mode": "categorical"}),
]


def write_tree(root: str) -> str:
    for path, text in FILES.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as f:
            f.write(text)
    return root


def main() -> None:
    import keras
    import numpy as np

    root = write_tree(tempfile.mkdtemp())

    def record(ds):
        def texts(x):  # a batch's strings, or one string (batch_size=None)
            x = np.asarray(x)
            return [t.decode("utf-8", errors="replace")
                    for t in (x.tolist() if x.ndim else [x.item()])]

        batches = []
        for item in ds:
            if isinstance(item, tuple):
                x, y = item
                batches.append({"x": texts(x), "y": np.asarray(y).tolist()})
            else:
                batches.append({"x": texts(item)})
        names = getattr(ds, "class_names", None)
        return {"batches": batches, "class_names": None if names is None else list(names)}

    out = []
    for name, kwargs in CASES:
        ds = keras.utils.text_dataset_from_directory(root, verbose=False, **kwargs)
        out.append({"name": name, "kwargs": kwargs,
                    "result": [record(d) for d in ds] if isinstance(ds, (list, tuple))
                    else record(ds)})
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"keras_version": keras.__version__, "cases": out}, f, ensure_ascii=False)
    print(len(out), "cases")


if __name__ == "__main__":
    main()
