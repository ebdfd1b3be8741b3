"""Out-of-domain scores in feature space (issue 33, part 3): energy and Mahalanobis rank what is near the
in-domain classes above what is far, the calibration keeps its share, and the pooled features come from
the bundle's own graph beside logits equal to the agent's."""

from __future__ import annotations

import numpy as np
import pytest

from converter.intents.ood_scores import Mahalanobis, PooledOutputs, energy, threshold
from edge_agent.inference.model import load_model
from edgelm.home_model import HOME_BUNDLE


@pytest.mark.unit
def test_mahalanobis_and_energy_rank_in_domain_above_far_away():
    rng = np.random.default_rng(0)
    centres = np.array([[4.0, 0.0, 0.0], [0.0, 4.0, 0.0]])
    labels = np.repeat([0, 1], 200)
    features = centres[labels] + rng.normal(0, 0.5, (400, 3))
    scorer = Mahalanobis.fit(features, labels)
    near, far = scorer.score(centres + 0.1), scorer.score(np.array([[0.0, 0.0, 6.0], [-4.0, -4.0, 0.0]]))
    assert near.min() > far.max()
    cut = threshold(scorer.score(features), 0.95)
    assert 0.94 <= (scorer.score(features) >= cut).mean() <= 0.96
    confident, flat = np.array([[8.0, 0.0, -5.0]]), np.array([[0.1, 0.0, 9.0]])  # last column: out of domain
    assert energy(confident, [0, 1])[0] > energy(flat, [0, 1])[0]


@pytest.mark.integration
def test_pooled_features_come_with_the_agents_own_logits():
    model = load_model(HOME_BUNDLE)
    assert model.classifier is not None
    texts = ["turn on the kitchen light", "what a lovely day"]
    logits, features = PooledOutputs(model.classifier, model.bundle.model_path).run(texts)
    assert features.shape == (2, 384)
    assert np.abs(features).max() <= 1.0  # the pooler's tanh
    for text, row in zip(texts, logits):
        np.testing.assert_allclose(row, model.classifier.logits([text])[0], atol=1e-4)
