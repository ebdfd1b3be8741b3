"""A fine-tuning run killed part-way and started again ends with exactly the weights of a run never
stopped (issue 33: the encoder runs take hours on two cores), and a state from another run is ignored."""

from __future__ import annotations

import random

import pytest

from converter.intents.data import Example
from converter.intents.resume import Resumable
from converter.intents.train import Budget, LabelIndex, TrainRun, fine_tune
from converter.synthetic import make_checkpoint

LABELS = ["on", "off"]
CFG = Budget(steps=12, per_template=1, per_intent=1, min_per_intent=1, batch=4, max_len=16)
TRAIN = [Example(text, label, "en", text, []) for text, label in
         [("turn on the light", "on"), ("switch off the fan", "off"), ("lights on please", "on"),
          ("kill the lamp", "off"), ("power on the tv", "on"), ("shut the heater off", "off")]]


class Killed(Exception):
    pass


class KilledAt(Resumable):
    """Saves like Resumable, then dies right after the save at `kill_at` (a session ending mid-run)."""

    kill_at = 0

    def save(self, step, *args) -> None:
        super().save(step, *args)
        if step == self.kill_at:
            raise Killed


def _train(folder, resume):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_pretrained(folder, num_labels=2)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    targets = LabelIndex({name: i for i, name in enumerate(LABELS)}, {})
    rng = random.Random(0)
    fine_tune(model, tokenizer, TRAIN, targets, CFG, rng, TrainRun(None, resume))
    return model, rng.random()


@pytest.mark.integration
def test_a_killed_run_resumes_to_the_same_weights(tmp_path):
    import torch

    folder = make_checkpoint(tmp_path / "tiny", "bert-tiny", labels=LABELS)
    straight, after_straight = _train(folder, None)
    fingerprint = {"steps": CFG.steps, "rows": len(TRAIN)}
    killed = KilledAt(tmp_path / "resume", 4, fingerprint)
    killed.kill_at = 8
    with pytest.raises(Killed):
        _train(folder, killed)
    resumed, after_resumed = _train(folder, Resumable(tmp_path / "resume", 4, fingerprint))
    for (name, a), (_, b) in zip(straight.state_dict().items(), resumed.state_dict().items()):
        assert torch.equal(a, b), name
    assert after_straight == after_resumed  # the shuffles and calibration picks that follow are the same too
    other = Resumable(tmp_path / "resume", 4, {**fingerprint, "steps": 99})
    fresh, _ = _train(folder, other)  # another run's state: started afresh, so it matches the straight run
    assert all(torch.equal(a, b) for a, b in zip(straight.state_dict().values(), fresh.state_dict().values()))
