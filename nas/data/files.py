"""The user's own data (`--data PATH`): an image folder, a .npz file or a CSV file -> Raw / Series.

Every problem with a file is a one-line DataError naming the file and what is wrong; flags that
do not fit the file (a --window for images, --image-size for a table) are UsageErrors.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from nas.data._raw import Raw, Series
from nas.data.arff_file import ARFF, relational
from nas.data.arrow_file import ARROW_TABLES, shards
from nas.data.arrow_images import image_column, load_arrow_images
from nas.data.csv_file import csv_rows_are_series, load_csv, many_series
from nas.data.csv_target import series_column
from nas.data.compression import data_name, format_suffix
from nas.data.json_file import JSON_TABLES
from nas.data.tables import TABLE_READERS, read_csv
from nas.data.npz_file import load_npz, npz_arrays, npz_task
from nas.data.ts_file import load_ts
from nas.data.tsf_file import load_tsf
from nas.errors import DataError, UsageError

if TYPE_CHECKING:
    from nas.data import DataSpec


def check_path(path: Path) -> None:
    """DataError for a path that is missing or empty."""
    if not path.exists():
        raise DataError(f"{path}: no such file or folder")
    if path.is_dir() and not any(path.iterdir()):
        raise DataError(f"{path}: folder is empty")
    if path.is_file() and path.stat().st_size == 0:
        raise DataError(f"{path}: file is empty")


# Text tables by suffix: read alike (nas.data.tables.read_csv finds the delimiter).
TEXT_TABLES = (".csv", ".tsv", ".txt", ".data")  # .data: UCI's (iris.data); .txt: numpy.savetxt, the old UCR archive
SPREADSHEETS = (".xls", ".ods", ".numbers")  # read: .xlsx and .xlsm (nas.data.xlsx_file)


def file_kind(path: Path) -> str:
    """'folder', '.npz', '.csv' (any table: TEXT_TABLES, a flat ARFF file, or one of the other
    TABLE_READERS: Excel, Parquet, Feather, JSON), 'images' (a Parquet or Feather file of encoded images:
    nas.data.arrow_images), '.ts' (also an ARFF file of multivariate series: nas.data.arff_file)
    or the file's own suffix."""
    if path.is_dir():
        return "folder"
    suffix = format_suffix(path)
    if suffix != path.suffix.lower():  # compressed: only a text table is read so, CSV or JSON
        return ".csv" if suffix in TEXT_TABLES or suffix in JSON_TABLES else "".join(path.suffixes[-2:]).lower()
    if suffix == ARFF:
        return ".ts" if path.is_file() and relational(path) else ".csv"
    if image_column(path) is not None:  # a Parquet or Feather file of images and labels (the Hugging Face Hub's)
        return "images"
    return ".csv" if suffix in TEXT_TABLES or suffix in TABLE_READERS else suffix


ARCHIVES = (".zip", ".tar", ".tgz", ".7z", ".rar")  # Kaggle's downloads: a folder or a file inside
# Split names a data file may start with, as split folders are named (nas.data.image_folder.SPLIT_FOLDERS):
# the Hugging Face Hub's `train-00000-of-00001.parquet`, a course's `train.csv` and `test.csv`;
# or end its name with, as the UCR/UEA archive names them: `Coffee/Coffee_TRAIN.tsv`, `Coffee_TEST.tsv`.
_SPLIT_FILE = re.compile(r"(?P<split>[a-z]+)([-_.].*)?")
_ARCHIVE_FILE = re.compile(r"(?P<name>.*)[-_](?P<split>[a-z]+)")  # matched against the name less its suffixes
# Of one archive split shipped in several formats (the UEA archive's `_TRAIN.ts` beside `_TRAIN.arff`),
# the one read: the first here (.ts keeps series of several channels and unequal lengths).
_ARCHIVE_FORMATS = (".ts", ".arff", ".tsv", ".txt", ".csv")


class SplitFiles(NamedTuple):
    """A folder holding a dataset as one file per split: the training file, the test file (if
    any) and what is said of the others (a validation file: a quarter of training validates)."""

    train: Path
    test: Path | None
    notes: tuple[str, ...]


def split_files(root: Path) -> SplitFiles | None:
    """The split files of a folder of data files named by split (`train-00000-of-00001.parquet`
    and `test-00000-of-00001.parquet`, as `huggingface-cli download` leaves them; `train.csv` and
    `test.csv`), None for any other folder (sub-folders: image classes or split folders). DataError
    when a split is in several files, unless they are the Parquet or Feather shards of one
    (`train-00000-of-00002.parquet`, `train-00001-of-00002.parquet`: read as one table,
    nas.data.arrow_file.shards). A folder of the UCR/UEA archive (`Coffee_TRAIN.tsv` and
    `Coffee_TEST.tsv` beside a README) is one too (`_archive_files`)."""
    from nas.data.image_folder import SPLIT_FOLDERS

    if not root.is_dir() or any(p.is_dir() and not p.name.startswith(".") for p in root.iterdir()):
        return None
    by_role: dict[int, list[Path]] = {}
    for path in sorted(root.iterdir()):
        match = _SPLIT_FILE.fullmatch(path.name.lower())
        if match and match["split"] in SPLIT_FOLDERS and file_kind(path) in LOADERS:
            by_role.setdefault(SPLIT_FOLDERS[match["split"]], []).append(path)
    skipped: list[Path] = []
    if 0 not in by_role:
        by_role, skipped = _archive_files(root)
    if 0 not in by_role:
        return None
    for files in by_role.values():
        if len(files) > 1 and not (files[0].suffix.lower() in ARROW_TABLES and shards(files[0]) == files):
            raise DataError(f"{root}: a split in {len(files)} files ({files[0].name}, {files[1].name}, ...); nas reads one "
                            f"file a split (or the Parquet shards of one): join them, or pass one with --data (and --test-data)")
    test = by_role.get(2, [None])[0]
    notes = [] if test else [f"{root.name}/ holds no test file: {by_role[0][0].name} is split as one file is"]
    if skipped:
        read = f"{by_role[0][0].name} trains" + (f", {test.name} tests" if test else "")
        notes.append(f"{', '.join(f.name for f in skipped)}: not read ({read}: one file a split)")
    if 1 in by_role:
        notes.append(f"{by_role[1][0].name} is not read: a quarter of {by_role[0][0].name}, drawn by --seed, validates")
    return SplitFiles(by_role[0][0], test, tuple(notes))


def _archive_files(root: Path) -> tuple[dict[int, list[Path]], list[Path]]:
    """Role -> files of a folder named as the UCR/UEA archive ships a dataset (`<Name>_TRAIN` and
    `<Name>_TEST`, any case). Of a split in several formats, one is read (_ARCHIVE_FORMATS), the
    folder's own name first: the archive's arff download also holds one file a channel
    (`BasicMotionsDimension1_TRAIN.arff`), which the whole set's file makes redundant. The
    second item: the split files not read."""
    from nas.data.image_folder import SPLIT_FOLDERS

    found: dict[int, list[tuple[tuple[bool, int], Path]]] = {}  # role -> (rank: lower is read first, file)
    for path in sorted(root.iterdir()):
        match = _ARCHIVE_FILE.fullmatch(data_name(path).lower())
        if match and SPLIT_FOLDERS.get(match["split"]) in (0, 2) and file_kind(path) in LOADERS:
            suffix = format_suffix(path)
            rank = (match["name"] != root.name.lower(),
                    _ARCHIVE_FORMATS.index(suffix) if suffix in _ARCHIVE_FORMATS else len(_ARCHIVE_FORMATS))
            found.setdefault(SPLIT_FOLDERS[match["split"]], []).append((rank, path))
    read: dict[int, list[Path]] = {}
    skipped: list[Path] = []
    for role, ranked in found.items():
        ranked.sort(key=lambda item: item[0])  # stable: files of one rank stay in name order
        files = [path for _, path in ranked]
        if len(ranked) > 1 and ranked[0][0] < ranked[1][0]:  # one comes first: it alone is read
            files, skipped = files[:1], [*skipped, *files[1:]]
        read[role] = files  # else several alike: split_files refuses them
    return read, skipped


def test_beside(path: Path) -> Path | None:
    """The test file beside a training file named by split (`Coffee_TRAIN.tsv`: `Coffee_TEST.tsv`;
    `train.csv`: `test.csv`), if there is one. Why: passed alone, the training file is split
    60/20/20 and its own test file, the one its benchmark figures are measured on, is left out:
    the data: line says so."""
    name = data_name(path)
    for pattern, start in ((_ARCHIVE_FILE, None), (_SPLIT_FILE, 0)):
        match = pattern.fullmatch(name.lower())
        if match is None or match["split"] not in ("train", "training"):
            continue
        at = match.start("split") if start is None else start
        word = name[at:at + len(match["split"])]
        test = "TEST" if word.isupper() else "Test" if word.istitle() else "test"
        beside = path.with_name(name[:at] + test + name[at + len(word):] + path.name[len(name):])
        if beside.is_file():
            return beside
    return None


def unsupported(path: Path, images: str = "a folder of images") -> DataError:
    """The one refusal of a file nas cannot read, for search and predict alike: its kind, what to
    do with a spreadsheet or an archive, and what nas reads (`images`: a search reads a folder of
    them, `nas predict` one image file too)."""
    hint = (" (a spreadsheet: save it as CSV or .xlsx)" if path.suffix.lower() in SPREADSHEETS else
            " (an archive: extract it, then pass the file or folder inside)" if path.suffix.lower() in ARCHIVES else "")
    return DataError(f"{path}: unsupported data file type '{file_kind(path)}'{hint} (expected {images}, .npz, .ts, "
                     f".tsf, .arff, an Excel .xlsx, a .parquet or .feather file, a .json or .jsonl table or a text table: {', '.join(TEXT_TABLES)}; a text table or a JSON one may be compressed: .gz, .bz2, .xz, or a .zip of that one file)")


def infer_task(path: str, window: int | None, target: str | None = None) -> str:
    """The task a data path implies: folders are images, CSVs tables; series with --window, or
    when the file holds one series over time (a date and a value column) or one series per row."""
    p = Path(path)
    check_path(p)
    kind = file_kind(p)
    if kind == "folder" and (files := split_files(p)) is not None:
        return infer_task(str(files.train), window, target)
    if kind in IMAGE_KINDS:
        return "image"
    if kind == ".csv":
        one_series = not window and series_column(read_csv(p), target) is not None
        series = window or one_series or many_series(p, target) or csv_rows_are_series(p, target)
        return "sequence" if series else "tabular"
    if kind == ".npz":
        arrays = npz_arrays(p)
        return npz_task(p, arrays["X"] if "X" in arrays else arrays["X_train"])
    if kind in (".ts", ".tsf"):
        return "sequence"
    raise unsupported(p)


def search_task(task: str | None, path: str | None, dataset: str | None, window: int | None,
                target: str | None = None) -> str:
    """--task, or the one the data implies: the built-in's task, the file's, else image."""
    from nas.data.builtin import BUILTINS

    if task:
        return task
    if path:
        return infer_task(path, window, target)
    return BUILTINS[dataset].task if dataset in BUILTINS else "image"


def load_folder(path: Path, spec: DataSpec) -> Raw:
    from nas.data.image_folder import load_image_folder

    return load_image_folder(path, spec.image_size)


LOADERS: dict[str, Callable[[Path, "DataSpec"], Raw | Series]] = {".npz": load_npz, ".csv": load_csv, ".ts": load_ts,
                                                                  ".tsf": load_tsf, "images": load_arrow_images}
IMAGE_KINDS = ("folder", "images")  # what only --task image reads
KIND_WORDS = {"folder": "an image folder", "images": "a file of images", ".csv": "a table"}  # else the suffix: ".npz file"


def load_file(spec: DataSpec) -> Raw | Series:
    """Read the file or folder at `spec.path` (flags that do not apply to it are refused)."""
    path = Path(str(spec.path))
    check_path(path)
    kind = file_kind(path)
    if kind != "folder" and kind not in LOADERS:
        raise unsupported(path)
    allowed = {"folder": {"image_size"}, "images": {"image_size", "target", "kind"}, ".npz": {"kind", "image_size"},
               ".csv": {"target", "window", "kind"}, ".ts": {"kind"}, ".tsf": {"window"}}[kind]
    for flag in ("target", "window", "image_size", "kind"):
        if getattr(spec, flag) is not None and flag not in allowed:
            raise UsageError(f"--{flag.replace('_', '-')}: does not apply to {path} ({KIND_WORDS.get(kind, kind + ' file')})")
    if kind in IMAGE_KINDS and spec.task != "image":
        raise UsageError(f"--task: {path} is {KIND_WORDS[kind]}; use --task image")
    if kind == "folder":
        return load_folder(path, spec)
    if kind == ".csv" and spec.task == "image":
        raise UsageError(f"--task: {path} is a table; use --task tabular (or sequence with --window)")
    return LOADERS[kind](path, spec)
