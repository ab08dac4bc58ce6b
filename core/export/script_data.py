"""The data part of the exported script: read the run's input format, encode as the run did.

Each reader returns ``(X, y)`` for every usable record of DATA in file order, so the
run's split (row indices, embedded) picks the same rows; records are dropped only where
Mendel's loader drops them (a missing target, missing features with ``missing: drop``).
The encoders apply the fitted preprocessing of ``preprocessing.json`` (embedded as
PREPROCESSING): table columns imputed, standardized and one-hot encoded; sequences
one-hot, integer coded or counted as k-mers; images conformed to the fitted shape.
The text is Python source kept as strings; ``core.export.script`` picks what a run needs.
"""

from __future__ import annotations

TARGETS = '''
def first_copies(keys: list[Any]) -> list[int]:
    """Positions of the records that repeat no earlier one (the run dropped duplicates,
    keeping the first copy, when DROP_DUPLICATES is True)."""
    first: dict[Any, int] = {}
    for i, key in enumerate(keys):
        first.setdefault(key, i)
    return sorted(first.values())


def targets_of(labels: list[str], where: str) -> np.ndarray:
    """Class indices in the run's class order (by name, else by numeric value, so a file's
    "1.0" is the run's class "1"), or numbers for a regression; zeros for an autoencoder."""
    if TASK == "reconstruct":
        return np.zeros(len(labels), dtype=np.int64)
    if TASK == "regression":
        try:
            return np.array([float(v) for v in labels], dtype=np.float32)
        except ValueError as exc:
            fail(f"{where}: a target is not a number ({exc})")
    position = {name: i for i, name in enumerate(CLASS_NAMES)}
    by_value = {}
    for i, name in enumerate(CLASS_NAMES):
        try:
            by_value[float(name)] = i
        except ValueError:
            pass
    out = np.empty(len(labels), dtype=np.int64)
    for row, label in enumerate(labels):
        found = position.get(label)
        if found is None:
            try:
                found = by_value.get(float(label))
            except ValueError:
                found = None
        if found is None:
            fail(f"{where}: class {label!r} is not one of the run's ({', '.join(CLASS_NAMES)})")
        out[row] = found
    return out
'''

READ_TABLE = '''
def read_table(path: Path) -> pd.DataFrame:
    """Every cell as text (empty cells missing); the delimiter from the extension, else
    sniffed (comma, semicolon, tab); UTF-8 (with or without a byte-order mark), else
    Latin-1, as spreadsheets save them."""
    sep = "\\t" if path.suffix.lower() in (".tsv", ".tab") else None
    engine = "python" if sep is None else "c"
    try:
        try:
            frame = pd.read_csv(path, sep=sep, dtype=str, engine=engine, encoding="utf-8-sig")
        except UnicodeDecodeError:
            frame = pd.read_csv(path, sep=sep, dtype=str, engine=engine, encoding="latin-1")
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        fail(f"{path}: cannot read the table ({exc})")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def column(frame: pd.DataFrame, name: str, path: Path) -> pd.Series:
    """The column ``name`` (exact, else ignoring case) as stripped text, empty = missing."""
    found = [c for c in frame.columns if c == name] or [
        c for c in frame.columns if c.lower() == name.lower()]
    if not found:
        fail(f"{path}: column {name!r} is missing; the run read {name!r}")
    text = frame[found[0]].str.strip()
    return text.where(text != "")
'''

LABELLED_ROWS = '''
LARGEST = float(np.finfo(np.float32).max)  # beyond it a value is missing, as inf is


def labelled_rows(frame: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, list[str]]:
    """Rows with a target (Mendel drops the others) and their target texts."""
    if TARGET_COLUMN is None:
        return frame, ["0"] * len(frame)
    target = column(frame, TARGET_COLUMN, path)
    keep = target.notna()
    if TASK == "regression":  # an infinite or non-numeric target cannot be trained on
        numbers = pd.to_numeric(target, errors="coerce")
        keep &= numbers.abs() <= LARGEST
    frame = frame[keep.to_numpy()].reset_index(drop=True)
    return frame, target[keep].tolist()
'''

TABLE = '''
def numeric(text: pd.Series) -> pd.Series:
    """Numbers, with inf and values beyond float32 as missing."""
    values = pd.to_numeric(text, errors="coerce")
    return values.where(values.abs() <= LARGEST)


def playground_extras(frame: pd.DataFrame, path: Path) -> dict[str, pd.Series]:
    """TensorFlow Playground's extra inputs (x1^2, x2^2, x1*x2, sin(x1), sin(x2)) the run
    chose, computed from the two base columns as Mendel does (never read from the file)."""
    if PLAYGROUND is None:
        return {}
    (a_name, b_name), keys = PLAYGROUND["base_columns"], PLAYGROUND["keys"]
    a = numeric(column(frame, a_name, path)).to_numpy(dtype=np.float64)
    b = numeric(column(frame, b_name, path)).to_numpy(dtype=np.float64)
    made = {"square1": (f"{a_name}^2", a * a), "square2": (f"{b_name}^2", b * b),
            "product": (f"{a_name}*{b_name}", a * b),
            "sin1": (f"sin({a_name})", np.sin(a)), "sin2": (f"sin({b_name})", np.sin(b))}
    return {made[k][0]: pd.Series(made[k][1]) for k in keys}


def load_examples(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The table's rows, encoded as the run's fitted preprocessing says."""
    frame = read_table(path)
    columns = PREPROCESSING["preprocessing"]["columns"]
    if MISSING == "drop":  # rows with a missing feature were dropped at load time
        made = set(playground_extras(frame, path))
        cells = {c["name"]: column(frame, c["name"], path) for c in columns
                 if c["name"] not in made}
        complete = np.ones(len(frame), dtype=bool)
        for c in (c for c in columns if c["name"] in cells):
            values = numeric(cells[c["name"]]) if c["kind"] == "numeric" else cells[c["name"]]
            complete &= values.notna().to_numpy()
        frame = frame[complete].reset_index(drop=True)
    frame, labels = labelled_rows(frame, path)
    if DROP_DUPLICATES:  # identical feature values (missing ones alike), targets ignored
        made = set(playground_extras(frame, path))
        cells = [numeric(column(frame, c["name"], path)) if c["kind"] == "numeric"
                 else column(frame, c["name"], path) for c in columns if c["name"] not in made]
        keys = [tuple(None if pd.isna(v) else v for v in row)
                for row in zip(*cells, strict=True)]
        keep = first_copies(keys)
        frame, labels = frame.iloc[keep].reset_index(drop=True), [labels[i] for i in keep]
    extras = playground_extras(frame, path)
    blocks = []
    for c in columns:
        if c["name"] in extras:
            x = extras[c["name"]].fillna(c["fill"]).to_numpy(dtype=np.float64)
            if PREPROCESSING["preprocessing"]["standardize"]:
                x = (x - c["mean"]) / c["std"]
            blocks.append(x[:, None])
            continue
        text = column(frame, c["name"], path)
        if c["kind"] == "numeric":
            values = numeric(text)
            bad = text.notna() & values.isna() & ~text.str.lower().str.lstrip("+-").isin(
                ["inf", "infinity", "nan"])
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                fail(f"{path}: column {c['name']!r} holds {text.iloc[row]!r}, not a number")
            x = values.fillna(c["fill"]).to_numpy(dtype=np.float64)
            if PREPROCESSING["preprocessing"]["standardize"]:
                x = (x - c["mean"]) / c["std"]
            blocks.append(x[:, None])
        else:  # one 0/1 column per training category; a new category is all zeros
            filled = text.fillna(c["fill"])
            codes = pd.Categorical(filled, categories=c["categories"]).codes
            onehot = np.zeros((len(filled), len(c["categories"])))
            seen = codes >= 0
            onehot[np.flatnonzero(seen), codes[seen]] = 1.0
            blocks.append(onehot)
    X = np.hstack(blocks).astype(np.float32)
    return X, targets_of(labels, str(path))
'''

SEQUENCES = '''
def encoding_table() -> np.ndarray:
    """(256, letters): each byte's one-hot row; ambiguity letters spread evenly (N = 0.25
    of each base), anything else zeros. Integer codes: 1..letters, 0 for the rest."""
    pre = PREPROCESSING["preprocessing"]
    table = np.zeros((256, len(LETTERS)), dtype=np.float32)
    for letter, meaning in SPREAD.items():
        for byte in (ord(letter), ord(letter.lower())):
            for m in meaning:
                table[byte, LETTERS.index(m)] = 1.0 / len(meaning)
    if pre["encoding"] == "onehot":
        return table
    codes = np.zeros(256, dtype=np.float32)
    for i, letter in enumerate(LETTERS):
        codes[[ord(letter), ord(letter.lower())]] = i + 1
    if pre["alphabet"] != "protein":
        codes[[ord("U"), ord("u")]] = LETTERS.index("T") + 1
    return codes


def clean(seq: str) -> str:
    """Whitespace removed, upper case, a protein's final stop '*' dropped, U read as T."""
    seq = "".join(seq.split()).upper()
    if PREPROCESSING["preprocessing"]["alphabet"] == "protein":
        return seq[:-1] if seq.endswith("*") else seq
    return seq.replace("U", "T")


def kmer_profiles(seqs: list[str]) -> np.ndarray:
    """(N, letters**k) k-mer counts or frequencies; a k-mer holding any other letter (N,
    an ambiguity code) is skipped; both strands: each k-mer's count plus its reverse
    complement's."""
    pre = PREPROCESSING["preprocessing"]
    k, base = pre["k"], len(LETTERS)
    codes = np.full(256, -1, dtype=np.int64)
    for i, letter in enumerate(LETTERS):
        codes[[ord(letter), ord(letter.lower())]] = i
    powers = base ** np.arange(k - 1, -1, -1)
    out = np.zeros((len(seqs), base**k), dtype=np.float32)
    for row, seq in enumerate(seqs):
        c = codes[np.frombuffer(clean(seq).encode("ascii", "replace"), dtype=np.uint8)]
        if len(c) < k:
            continue
        windows = np.lib.stride_tricks.sliding_window_view(c, k)
        keys = windows[(windows >= 0).all(axis=1)] @ powers
        out[row] = np.bincount(keys, minlength=base**k)
    if pre["both_strands"]:  # the complement of channel c is 3 - c (A-T, C-G)
        rc = np.zeros(base**k, dtype=np.int64)
        rest = np.arange(base**k)
        for _ in range(k):
            rc, rest = rc * 4 + (3 - rest % 4), rest // 4
        out = out + out[:, rc]
    if pre["normalize"]:
        totals = out.sum(axis=1, keepdims=True)
        np.divide(out, totals, out=out, where=totals > 0)
    return out


def encode_sequences(seqs: list[str]) -> np.ndarray:
    """(N, length, letters) one-hot or (N, length) codes, padded or cut at the run's
    length, or k-mer profiles."""
    if PREPROCESSING["preprocessing"]["encoding"] == "kmer":
        return kmer_profiles(seqs)
    length = PREPROCESSING["preprocessing"]["length"]
    table = encoding_table()
    text = "".join(clean(s)[:length].ljust(length, "\\0") for s in seqs)
    codes = np.frombuffer(text.encode("ascii", "replace"), dtype=np.uint8)
    return table[codes.reshape(len(seqs), length)].astype(np.float32)
'''

REVERSE_COMPLEMENTS = '''
def rc_order(k: int) -> np.ndarray:
    """Column of each k-mer's reverse complement (channel c pairs with 3 - c: A-T, C-G)."""
    rc, rest = np.zeros(4**k, dtype=np.int64), np.arange(4**k)
    for _ in range(k):
        rc, rest = rc * 4 + (3 - rest % 4), rest // 4
    return rc


def add_reverse_complements(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The training rows followed by their reverse complements, as the run trained on them;
    padding stays at the end (each row is shifted back by its padding's length)."""
    pre = PREPROCESSING["preprocessing"]
    if pre["encoding"] == "kmer":
        if pre["both_strands"]:  # such a profile counts both strands already
            return X, y
        return np.concatenate((X, X[:, rc_order(pre["k"])])), np.concatenate((y, y))
    if pre["encoding"] == "integer":
        flipped = np.where(X > 0, 5 - X, 0).astype(X.dtype)[:, ::-1]
        pad = np.argmax(flipped > 0, axis=1)
    else:
        flipped = X[:, ::-1, ::-1]
        pad = np.argmax(X[:, ::-1].any(axis=2), axis=1)
    idx = (np.arange(X.shape[1])[None, :] + pad[:, None]) % X.shape[1]
    shifted = flipped[np.arange(len(X))[:, None], idx]
    return np.concatenate((X, shifted)), np.concatenate((y, y))
'''

SEQUENCE_TABLE = '''
def load_examples(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """A table with a sequence column: rows without a sequence or target are dropped."""
    frame = read_table(path)
    seqs = column(frame, SEQUENCE_COLUMN, path)
    frame = frame[seqs.notna().to_numpy()].reset_index(drop=True)
    frame, labels = labelled_rows(frame, path)
    seqs = column(frame, SEQUENCE_COLUMN, path).tolist()
    if DROP_DUPLICATES:  # identical sequences, targets ignored
        keep = first_copies([clean(s) for s in seqs])
        seqs, labels = [seqs[i] for i in keep], [labels[i] for i in keep]
    return encode_sequences(seqs), targets_of(labels, str(path))
'''

FASTA = '''
SEQUENCE_SUFFIXES = (".fa", ".fasta", ".fna", ".faa", ".ffn", ".fas")


def read_fasta(path: Path) -> list[tuple[str, str]]:
    """(header, sequence) of every record ('>' lines start one; .gz is read too)."""
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    records: list[tuple[str, list[str]]] = []
    with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            line = line.strip()
            if line.startswith(">"):
                records.append((line[1:].strip(), []))
            elif line and records:
                records[-1][1].append(line)
    if not records:
        fail(f"{path}: no FASTA records ('>' header lines) found")
    return [(title, "".join(parts)) for title, parts in records]


def header_label(title: str, where: str) -> tuple[str, str]:
    """(id, label) from a '>id|label' or '>id ... label=VALUE' header, as Mendel reads it."""
    rid = title.split(None, 1)[0] if title.strip() else ""
    token = re.search(r"(?:^|\\s)label=(\\S+)", title) if "label=" in title else None
    if token:
        return rid, token.group(1)
    head, bar, label = rid.rpartition("|")
    if not (bar and label):
        fail(f"{where}: header '>{title[:40]}' has no label (>id|label or label=VALUE)")
    return head, label


def table_labels(path: Path) -> dict[str, str]:
    """id -> label from a labels table (columns id/name and label/target/class/y)."""
    frame = read_table(path)
    lowered = {c.lower(): c for c in frame.columns}
    id_col = next((lowered[n] for n in ("id", "name", "sequence_id", "seq_id")
                   if n in lowered), frame.columns[0])
    label_col = next((lowered[n] for n in ("label", "target", "class", "y") if n in lowered),
                     None) or next(c for c in frame.columns if c != id_col)
    pairs = frame[[id_col, label_col]].dropna()
    return {str(k).strip(): str(v).strip() for k, v in pairs.itertuples(index=False)}


def load_examples(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """A FASTA file (labels in the headers or --labels) or a folder of one file per class."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")
                       and p.name.lower().removesuffix(".gz").endswith(SEQUENCE_SUFFIXES))
        # the class is the file's name without its extension(s): pos.fa.gz -> pos
        records = [(title, seq, Path(f.name.removesuffix(".gz").removesuffix(".GZ")).stem)
                   for f in files for title, seq in read_fasta(f)]
    elif LABELS_TABLE is not None:
        mapping = table_labels(Path(LABELS_TABLE))
        records = []
        for title, seq in read_fasta(path):
            rid = title.split(None, 1)[0] if title.strip() else ""
            label = mapping.get(rid, mapping.get(rid.split("|", 1)[0]))
            if label is None:
                fail(f"{LABELS_TABLE}: no label for the sequence id {rid!r}")
            records.append((title, seq, label))
    else:
        records = [(title, seq, header_label(title, str(path))[1])
                   for title, seq in read_fasta(path)]
    # 'nan' and 'inf' labels are missing values: Mendel drops those records
    usable = [r for r in records if r[2].lower().lstrip("+-") not in ("nan", "inf", "infinity")]
    if DROP_DUPLICATES:  # identical sequences, labels ignored
        usable = [usable[i] for i in first_copies([clean(s) for _, s, _ in usable])]
    return encode_sequences([s for _, s, _ in usable]), targets_of(
        [label for _, _, label in usable], str(path))
'''

IMAGE_FOLDER = '''
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif")


def read_image(path: Path) -> np.ndarray:
    """(H, W, C) float32 in [0, 1]: grayscale C = 1, else RGB (alpha dropped)."""
    try:
        with Image.open(path) as im:
            im.load()
            im = ImageOps.exif_transpose(im)
            if im.mode in ("I", "I;16", "I;16L", "I;16B", "I;16N"):
                a = np.clip(np.asarray(im).astype(np.float32) / 65535.0, 0.0, 1.0)
            elif im.mode in ("1", "L", "LA"):
                a = np.asarray(im.convert("L")).astype(np.float32) / 255.0
            else:
                a = np.asarray(im.convert("RGB")).astype(np.float32) / 255.0
    except (OSError, ValueError) as exc:
        fail(f"{path}: not a readable image ({exc})")
    return a[:, :, None] if a.ndim == 2 else a


def conform(a: np.ndarray) -> np.ndarray:
    """(C, H, W) at the run's size and channels (luma for grey, bilinear resize)."""
    channels, h, w = INPUT_SHAPE
    if channels == 1 and a.shape[2] == 3:
        a = a @ np.array([0.299, 0.587, 0.114], dtype=np.float32)[:, None]
    elif channels == 3 and a.shape[2] == 1:
        a = np.repeat(a, 3, axis=2)
    if a.shape[:2] != (h, w):
        a = np.stack([np.asarray(Image.fromarray(a[:, :, c]).resize(
            (w, h), Image.Resampling.BILINEAR)) for c in range(a.shape[2])], axis=2)
    return np.ascontiguousarray(a.transpose(2, 0, 1), dtype=np.float32)


def load_examples(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One sub-folder per class, images sorted by path inside each (Mendel's order)."""
    if not path.is_dir():
        fail(f"{path}: not a folder; give the folder of class sub-folders")
    pairs = [(d.name, f) for d in sorted(p for p in path.iterdir()
                                         if p.is_dir() and not p.name.startswith("."))
             for f in sorted(d.rglob("*")) if f.is_file()
             and f.suffix.lower() in IMAGE_SUFFIXES
             and not any(part.startswith(".") for part in f.relative_to(path).parts)]
    if not pairs:
        fail(f"{path}: no images in class sub-folders")
    X = np.stack([conform(read_image(f)) for _, f in pairs])
    labels = [label for label, _ in pairs]
    if DROP_DUPLICATES:  # identical pixels, classes ignored
        keep = first_copies([x.tobytes() for x in X])
        X, labels = X[keep], [labels[i] for i in keep]
    return X, targets_of(labels, str(path))
'''

PIXEL_TABLE = '''
def load_examples(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """A table of pixel columns (and the target): each row one image of the run's shape;
    values above 1 are scaled by 255 (or the table's maximum), as Mendel does."""
    frame = read_table(path)
    frame, labels = labelled_rows(frame, path)
    pixels = frame[[c for c in frame.columns if c in PIXEL_COLUMNS]]
    if pixels.shape[1] != len(PIXEL_COLUMNS):
        fail(f"{path}: the table lacks pixel columns; the run read {len(PIXEL_COLUMNS)}")
    X = pixels[PIXEL_COLUMNS].apply(pd.to_numeric, errors="coerce").to_numpy(np.float32)
    if np.isnan(X).any():
        fail(f"{path}: a pixel value is not a number")
    top = float(X.max(initial=0.0))
    if top > 1:
        X = X / (255.0 if top <= 255 else top)
    if DROP_DUPLICATES:  # identical pixels, targets ignored
        keep = first_copies([x.tobytes() for x in X])
        X, labels = X[keep], [labels[i] for i in keep]
    return X.reshape(len(X), *INPUT_SHAPE), targets_of(labels, str(path))
'''

IDX = '''
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: Path, ndim: int) -> np.ndarray:
    \"\"\"An IDX array (MNIST's format; gzip unpacked by its magic number).\"\"\"
    raw = path.read_bytes()
    if raw[:2] == b"\\x1f\\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 + 4 * ndim or raw[:2] != b"\\0\\0" or raw[2] not in IDX_TYPES or raw[3] != ndim:
        fail(f"{path}: not an IDX file with {ndim} dimension(s)")
    dims = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    values = np.frombuffer(raw, dtype=IDX_TYPES[raw[2]], offset=4 + 4 * ndim)
    if values.size != math.prod(dims):
        fail(f"{path}: the file is truncated or damaged")
    return values.reshape(dims)


def partner(f: Path) -> Path | None:
    \"\"\"The labels file of an images file (train-images-idx3 -> train-labels-idx1).\"\"\"
    name = f.name.replace("images", "labels").replace("idx3", "idx1")
    base = name.removesuffix(".gz")
    return next((c for c in (f.with_name(base), f.with_name(base + ".gz")) if c.is_file()),
                None)


def idx_pairs(path: Path) -> list[tuple[Path, Path]]:
    \"\"\"(images, labels) files: the one named (either of a pair) or all in a folder,
    training files first, as Mendel orders them.\"\"\"
    if path.is_dir():
        images = [p for p in sorted(path.iterdir()) if p.is_file() and "idx3" in p.name
                  and not (p.name.endswith(".gz") and p.with_name(p.name[:-3]).is_file())]
    elif "idx1" in path.name:
        name = path.name.replace("labels", "images").replace("idx1", "idx3").removesuffix(".gz")
        images = [c for c in (path.with_name(name), path.with_name(name + ".gz")) if c.is_file()]
    else:
        images = [path]
    pairs = []
    for f in images:
        labels = partner(f)
        if labels is None:
            fail(f"{f}: the matching *-labels-idx1-ubyte file is not next to it")
        pairs.append((f, labels))
    return sorted(pairs, key=lambda p: "t10k" in p[0].name or "test" in p[0].name)


def load_examples(path: Path) -> tuple[np.ndarray, np.ndarray]:
    \"\"\"IDX images and labels; pixels to [0, 1] (bytes by 255, floats by the first of 1,
    255, 65535 that holds them), as Mendel scales them.\"\"\"
    pairs = idx_pairs(path)
    raw = np.concatenate([read_idx(f, 3) for f, _ in pairs])
    labels = [str(int(v)) for v in np.concatenate([read_idx(f, 1) for _, f in pairs])]
    a = raw.astype(np.float64 if raw.dtype.kind == "f" else np.float32)
    low = float(raw.min(initial=0))
    if low < 0:
        a -= low
    top = float(a.max(initial=0))
    if raw.dtype.kind == "f":
        scale = next((s for s in (1.0, 255.0, 65535.0) if top <= s), top)
    else:
        scale = 255.0 if top <= 255 else top
    X = (a / scale).astype(np.float32)[:, None, :, :]
    if DROP_DUPLICATES:  # identical pixels, labels ignored
        keep = first_copies([x.tobytes() for x in X])
        X, labels = X[keep], [labels[i] for i in keep]
    return X, targets_of(labels, str(path))
'''
