"""The converter's prune step: measure importance, remove heads / FFN neurons / vocabulary, optionally
recover by distillation, check that a reload reproduces the pruned logits, and write a new checkpoint the
rest of the pipeline exports as if it were the user's."""

from __future__ import annotations

import copy
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from converter import verify
from converter.data import read_jsonl
from converter.errors import ConversionError
from converter.metrics import classification_report
from converter.prune import heads_ffn as prune
from converter.prune import vocab as prune_vocab
from converter.source import Source, load_torch_model, resolve, write_tokenizer_json
from edge_agent.inference.classify import encode_batch

AUTO_FRACTIONS = (0.5, 0.375, 0.25, 0.125)
IMPORTANCE_TEXTS = 256
RELOAD_TOLERANCE = 1e-4
TOKENIZER_FILES = ("tokenizer_config.json", "special_tokens_map.json")


@dataclass
class PruneOptions:
    heads: str | None = None  # fraction to remove, or "auto"
    ffn: float | None = None  # fraction to remove
    vocab: bool = False
    vocab_min_count: int = 1  # keep a token the texts use at least this often
    vocab_keep: list[str] = field(default_factory=list)  # texts whose every token is kept
    recover_steps: int = 0
    train_file: Path | None = None
    max_drop_points: float = 1.0
    seed: int = 0

    @property
    def active(self) -> bool:
        return bool(self.heads) or bool(self.ffn) or self.vocab


def parse_fraction(value: str | float | None, flag: str) -> float | None:
    if value is None or value == "auto":
        return None
    try:
        fraction = float(value)
    except ValueError as exc:
        raise ConversionError(f"{flag} takes a fraction in [0, 1) or 'auto', not {value!r}") from exc
    if not 0 <= fraction < 1:
        raise ConversionError(f"{flag} takes a fraction in [0, 1), not {fraction}")
    return fraction


def torch_batches(tokenizer, texts: list[str], max_len: int, family: str) -> list[dict]:
    import torch

    names = ["input_ids", "attention_mask"] + ([] if family == "gpt2" else ["token_type_ids"])
    return [{k: torch.from_numpy(v) for k, v in encode_batch(tokenizer, texts[i:i + 16], max_len, names).items()}
            for i in range(0, len(texts), 16)]


def _macro_f1(model, tokenizer, evalset: verify.EvalSet, labels: list[str], max_len: int) -> dict:
    logits = verify.torch_classifier_logits(model, tokenizer, evalset.texts, max_len)
    report = classification_report(evalset.labels, logits.argmax(1).tolist(), labels)
    return {k: report[k] for k in ("accuracy", "macro_f1")}


@dataclass
class Distillation:
    """The unpruned teacher and what to recover on."""

    teacher: Any
    teacher_tok: Any
    texts: list[str]
    labels: list[int | None] | None  # per text, its label index where a labelled --train file gives one
    steps: int
    max_len: int
    family: str
    seed: int = 0


def recover(student, student_tok, plan: Distillation) -> None:
    """Distil the unpruned model into the pruned one (KL on softened logits). Each side tokenizes with its own
    tokenizer, so this also works after the vocabulary was pruned. Where labels are known (a labelled
    `--train` file), cross-entropy on them is added: distillation alone copies the teacher's mistakes and
    recovers the rare intents that macro-F1 weighs most too slowly."""
    import torch

    teacher, teacher_tok, texts, labels = plan.teacher, plan.teacher_tok, plan.texts, plan.labels
    steps, max_len, family = plan.steps, plan.max_len, plan.family
    rng = np.random.default_rng(plan.seed)
    student.train()
    optimizer = torch.optim.AdamW(student.parameters(), lr=5e-5)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1 - step / max(steps, 1))
    for _ in range(steps):
        picks = rng.choice(len(texts), size=min(16, len(texts)), replace=False)
        batch = [texts[i] for i in picks]
        with torch.no_grad():
            target = torch.softmax(teacher(**torch_batches(teacher_tok, batch, max_len, family)[0]).logits / 2, -1)
        logits = student(**torch_batches(student_tok, batch, max_len, family)[0]).logits
        loss = torch.nn.functional.kl_div(torch.log_softmax(logits / 2, -1), target, reduction="batchmean") * 4
        known = [(row, labels[i]) for row, i in enumerate(picks) if labels is not None and labels[i] is not None]
        if known:
            rows, ids = zip(*known, strict=True)
            loss = loss + torch.nn.functional.cross_entropy(logits[list(rows)], torch.tensor(ids))
        loss.backward()
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
    student.eval()


def recovery_rows(train_file: Path | None, texts: list[str], labels: list[str]):
    """Texts to recover on and, per text, its label index where the file gives one the model knows."""
    if train_file is None:
        return texts, None
    rows = read_jsonl(train_file, need_label=False)
    index = {name: i for i, name in enumerate(labels)}
    ids = [index.get(str(r.get("label"))) for r in rows]
    return [r["text"] for r in rows], (ids if any(i is not None for i in ids) else None)


def _build(teacher, source: Source, importance: prune.Importance, heads: float | None, ffn: float | None):
    model = copy.deepcopy(teacher)
    report = prune.PruneReport(params_before=prune.count_params(teacher))
    if heads:
        # GPT-2 removes the same count in every layer, so every layer's KV cache has one shape
        report.heads_removed = prune.heads_to_remove(importance.heads, heads, uniform=source.family == "gpt2")
        prune.apply_head_pruning(model, report.heads_removed, source.family)
    if ffn:
        report.ffn_before, report.ffn_after = prune.apply_ffn_pruning(model, source.family, 1 - ffn, importance.ffn)
    n_heads = importance.heads.shape[1]
    report.heads_per_layer = [n_heads - len(report.heads_removed.get(i, []))
                              for i in range(importance.heads.shape[0])]
    return model, report


def prune_checkpoint(source: Source, out: Path, opts: PruneOptions, texts: list[str],
                     evalset: verify.EvalSet | None, max_len: int, note=print) -> dict:
    """Write the pruned checkpoint to `out`; return the manifest's `pruning` record."""
    from tokenizers import Tokenizer

    heads = parse_fraction(opts.heads, "--prune-heads")
    ffn = parse_fraction(opts.ffn, "--prune-ffn")
    auto = opts.heads == "auto"
    prune.check_supported(source.family, bool(heads) or auto, bool(ffn), opts.vocab)
    if auto and evalset is None:
        raise ConversionError("--prune-heads auto needs --eval FILE (labelled) to measure the accuracy drop")
    out.mkdir(parents=True)
    # padded to the batch's longest text as the bundle will be: a checkpoint's fixed 128-token padding, cut at
    # max_len, dropped the [SEP] and marked padding as text, so importance and the macro-F1 before and after
    # were measured on broken inputs (0.84 where the same model scores 0.92 on the same file)
    tok_path = write_tokenizer_json(source, out, max_len)
    tokenizer_json = json.loads(tok_path.read_text())
    tokenizer = Tokenizer.from_file(str(tok_path))
    teacher = load_torch_model(source)
    teacher.config._attn_implementation = "eager"  # head_mask gradients need the eager attention path
    sample = texts[:IMPORTANCE_TEXTS]
    importance = prune.measure_importance(copy.deepcopy(teacher), source.family,
                                          torch_batches(tokenizer, sample, max_len, source.family))
    labels = source.labels
    before = _macro_f1(teacher, tokenizer, evalset, labels, max_len) if evalset else None
    recover_texts, recover_labels = recovery_rows(opts.train_file, texts, labels)
    # the vocabulary kept is every token of the calibration texts and, with --train, of the training texts
    vocab_plan = prune_vocab.plan(tokenizer_json, texts + recover_texts if opts.train_file else texts,
                                  opts.vocab_min_count, opts.vocab_keep) if opts.vocab else None

    def candidate(fraction: float | None):
        model, report = _build(teacher, source, importance, fraction, ffn if not auto else (ffn or fraction))
        tok = tokenizer
        if vocab_plan is not None:
            prune_vocab.shrink_embeddings(model, vocab_plan)
            tok = Tokenizer.from_str(json.dumps(prune_vocab.rewrite_tokenizer(tokenizer_json, vocab_plan)))
        if opts.recover_steps:
            recover(model, tok, Distillation(teacher, tokenizer, recover_texts, recover_labels, opts.recover_steps,
                                             max_len, source.family, opts.seed))
        after = _macro_f1(model, tok, evalset, labels, max_len) if evalset else None
        return model, report, tok, after

    trials: list[dict] = []
    if auto:
        assert before is not None
        chosen, (model, report, tok, after) = _search_auto(candidate, before, ffn, opts.max_drop_points, trials, note)
    else:
        chosen, (model, report, tok, after) = heads, candidate(heads)
    report.params_after = prune.count_params(model)
    _save(model, tok, source, out)
    _check_reload(model, out, tok, texts[:32], max_len, source)
    record = {**report.to_dict(), "ffn_per_layer": report.ffn_after, "heads_fraction": chosen,
              "ffn_fraction": ffn if not auto else (ffn or chosen), "auto": auto, "auto_trials": trials,
              "vocab_before": vocab_plan.before if vocab_plan else None,
              "vocab_after": vocab_plan.after if vocab_plan else None,
              "recover_steps": opts.recover_steps, "metrics_before": before, "metrics_after": after}
    return record


def _search_auto(candidate, before: dict, ffn: float | None, max_drop_points: float, trials: list[dict], note):
    """The largest fraction in AUTO_FRACTIONS whose macro-F1 drop stays within budget (0.0: prune nothing)."""
    for fraction in AUTO_FRACTIONS:
        built = candidate(fraction)
        after = built[3]
        drop = (before["macro_f1"] - after["macro_f1"]) * 100
        trials.append({"fraction": fraction, "macro_f1": after["macro_f1"], "drop_points": round(drop, 2)})
        note(f"prune {fraction:.3f} of heads (+FFN {ffn or fraction:.3f}): macro-F1 drop {drop:.2f} points")
        if drop <= max_drop_points:
            return fraction, built
    note(f"no pruning keeps macro-F1 within {max_drop_points} points; heads kept")
    return 0.0, candidate(None)


def _save(model, tokenizer, source: Source, out: Path) -> None:
    model.save_pretrained(out)  # safetensors; config carries pruned_heads and the new sizes
    tokenizer_json = json.loads(tokenizer.to_str())
    (out / "tokenizer.json").write_text(json.dumps(tokenizer_json, ensure_ascii=False))
    if tokenizer_json.get("model", {}).get("type") == "WordPiece":
        prune_vocab.write_vocab_txt(tokenizer_json, out / "vocab.txt")
    # what train-intents writes beside the checkpoint and the manifest reads (threshold, slot words, languages)
    for name in (*TOKENIZER_FILES, "thresholds.json", "slot_values.json", "train_report.json", "merges.txt",
                 "vocab.json"):
        if (source.path / name).is_file() and not (out / name).exists():
            shutil.copy(source.path / name, out / name)


def _check_reload(model, out: Path, tokenizer, texts: list[str], max_len: int, source: Source) -> None:
    """The pitfall the issue names: a checkpoint that reloads to different weights. Fail loudly instead."""
    if source.spec.generative:
        return
    reloaded = load_torch_model(resolve(str(out), source.spec.task))
    a = verify.torch_classifier_logits(model, tokenizer, texts, max_len)
    b = verify.torch_classifier_logits(reloaded, tokenizer, texts, max_len)
    diff = float(np.max(np.abs(a - b)))
    if diff > RELOAD_TOLERANCE:
        raise ConversionError(f"the pruned checkpoint reloads to different logits (max diff {diff:.2e})")
