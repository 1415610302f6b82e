"""Images inside a Parquet or Feather file (`--data train.parquet`): one column of encoded images
(PNG, JPEG, ...) and one of labels, as the Hugging Face Hub stores an image dataset (mnist,
cifar10, beans: `image` a struct of the file's bytes and path, `label` a ClassLabel whose names
the schema's metadata holds).

Why: a user who downloaded a dataset from the Hub has its `train-*.parquet` and `test-*.parquet`
files; writing them out as folders of PNGs first is the chore nas is there to save. The images
are read as an image folder's are (one size and channel count: nas.data.images.common_size;
labels by class name), so `--test-data` and `nas predict` read a second file the same way.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from nas.data._raw import Raw
from nas.data.arrow_file import ARROW_TABLES, class_cell, class_labels, hub_features, read_arrow, shards_said
from nas.data.images import common_form, probe_image, read_image
from nas.data.tables import encode_target
from nas.errors import DataError, UsageError

if TYPE_CHECKING:
    from nas.data import DataSpec

# Label columns by name when the file does not say (no ClassLabel) and holds more than one other column.
LABEL_NAMES = ("label", "labels", "class", "target", "y", "category")


def _schema(path: Path) -> Any:
    """The file's schema, read from its footer (no data), or None when pyarrow is missing or
    cannot read it (the table reader then says why, in one line)."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return None
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pq.read_schema(path)
        with pa.memory_map(str(path)) as source:
            return pa.ipc.open_file(source).schema
    except (pa.ArrowException, OSError, ValueError):
        return None


def _is_image(field: Any, declared: dict[str, Any]) -> bool:
    """A column of encoded images: the Hub's Image feature (a struct with a `bytes` field), or
    a binary column its metadata declares one."""
    import pyarrow.types as t

    kind = field.type
    if t.is_struct(kind) and kind.get_field_index("bytes") >= 0:
        return True
    binary = t.is_binary(kind) or t.is_large_binary(kind)
    return binary and isinstance(declared.get(field.name), dict) and declared[field.name].get("_type") == "Image"


def _image_field(path: Path, schema: Any) -> str | None:
    """The column of images a schema holds, None for a table's; DataError for two (which one the
    labels belong to is not said)."""
    declared = hub_features(schema)
    images = [field.name for field in schema if _is_image(field, declared)]
    if len(images) > 1:
        raise DataError(f"{path}: {len(images)} columns of images ({', '.join(images)}); nas reads one image per row")
    return images[0] if images else None


def image_column(path: Path) -> str | None:
    """The column of images of a Parquet or Feather file, from its schema alone (what file_kind
    asks of every such file), None for a table or a file pyarrow cannot read."""
    if path.suffix.lower() not in ARROW_TABLES or not path.is_file():
        return None
    schema = _schema(path)
    return None if schema is None else _image_field(path, schema)


def _label_column(path: Path, names: list[str], image: str, classes: dict[str, list[str]], target: str | None) -> str | None:
    """The column of labels: --target, else the one ClassLabel, else the one other column, else
    one named as labels are (LABEL_NAMES); None when there is no other column (inputs to predict)."""
    others = [n for n in names if n != image]
    if target is not None:
        if target == image:
            raise UsageError(f"--target: column '{target}' of {path} holds the images; name the column of labels")
        if target not in others:
            raise UsageError(f"--target: {path} has no column '{target}' (columns: {', '.join(names)})")
        return target
    for candidates in ([n for n in others if n in classes], others, [n for n in others if n.lower() in LABEL_NAMES]):
        if len(candidates) == 1:
            return candidates[0]
    if not others:
        return None
    raise UsageError(f"--target: {path} holds images and columns {', '.join(others)}; name the column of labels")


def _encoded(path: Path, cell: Any) -> bytes | None:
    """A cell's encoded image: its bytes, or, when the Hub's struct holds only a path (a dataset
    saved without embedding its files), that file's, the path taken from the Parquet file's folder
    when relative; None when neither is there (the row is left out, said)."""
    if not isinstance(cell, dict):
        return cell
    if cell.get("bytes"):
        return cell["bytes"]
    where = cell.get("path")
    image = (path.parent / where) if where else None
    return image.read_bytes() if image is not None and image.is_file() else None


class ImageRows(NamedTuple):
    """What a file of images holds: the encoded images, their row numbers in the file (named in
    errors), their labels as text (None without a label column), the label column's name, whether
    it is a ClassLabel, and the notes to say."""

    images: list[bytes]
    rows: list[int]
    labels: np.ndarray | None
    label: str | None
    class_label: bool
    notes: list[str]


def image_rows(path: Path, target: str | None = None, need_labels: bool = True) -> ImageRows:
    """The file's labelled images (`need_labels` False: inputs to predict, labelled or not, a
    `target` the file lacks looked for as when none is given); rows without an image or a label
    are left out and said."""
    table = read_arrow(path)
    image = _image_field(path, table.schema)
    assert image is not None, "image_rows is called for files that hold images"
    classes = class_labels(table)
    if not need_labels and target not in table.column_names:
        target = None
    try:
        label = _label_column(path, table.column_names, image, classes, target)
    except UsageError:
        if need_labels:
            raise
        label = None  # inputs to predict: a column of labels, if the file holds one, is only scored against
    if label is None and need_labels:
        raise DataError(f"{path}: a column of images but none of labels; nas learns from labelled images")
    images = [_encoded(path, c) for c in table.column(image).to_pylist()]
    labels = None if label is None else np.array([class_cell(v, classes.get(label))
                                                  for v in table.column(label).to_pylist()], dtype=str)
    rows = [i for i, b in enumerate(images) if b and (labels is None or labels[i] != "")]
    notes = shards_said(path, table.num_rows)
    if len(rows) < len(images):
        notes.append(f"{len(images) - len(rows)} of {len(images)} rows left out: no image (its bytes, or a file at its path)"
                     + ("" if labels is None else " or no label"))
    if not rows:
        raise DataError(f"{path}: no row holds both an image and a label")
    ignored = [n for n in table.column_names if n not in (image, label)]
    if ignored:
        notes.append(f"column(s) {', '.join(repr(n) for n in ignored)} ignored: the inputs are the images of "
                     f"'{image}'" + (f", the labels '{label}'" if label else ""))
    return ImageRows([images[i] for i in rows], rows, None if labels is None else labels[rows], label,
                     label in classes, notes)


def decoded(path: Path, read: ImageRows, size: tuple[int, int], channels: int) -> np.ndarray:
    """The encoded images as (N, C, H, W) float32 values 0-255, at one size and channel count."""
    return np.stack([read_image(b, size, channels, f"{path}: row {i}") for i, b in zip(read.rows, read.images)])


def load_arrow_images(path: Path, spec: DataSpec, read_as: tuple[tuple[int, int], int] | None = None) -> Raw:
    """A Parquet or Feather file of labelled images as (N, C, H, W) values 0-255 (scaled to 0-1
    before standardising), split as an image folder is. `read_as` = ((H, W), channels): a test
    file read as its training file was (nas.data.given_test)."""
    read = image_rows(path, spec.target)
    labels, label, notes = read.labels, read.label, list(read.notes)
    assert labels is not None and label is not None
    if read_as is None:
        probes = [probe_image(b, f"{path}: row {i}") for i, b in zip(read.rows, read.images)]
        size, channels, note = common_form(probes, spec.image_size)
        notes += [note] if note else []
    else:
        size, channels = read_as
    kind = spec.kind or ("classification" if read.class_label else None)
    y, kind, names = encode_target(path, f"column '{label}'", labels, kind, one_class=read_as is not None)
    mode = "RGB" if channels == 3 else "grayscale"
    return Raw(decoded(path, read, size, channels), y, kind, names,
               f"{path} ({len(labels)} {mode} images {size[1]}x{size[0]}, labels '{label}')", scale=1 / 255,
               extra={"image_size": list(size), "target": label}, notes=tuple(notes))
