"""Out-of-domain scores in feature space (issue 33, part 3), beside the trained class and the confidence
threshold the agent uses: an energy score over the in-domain logits and the Mahalanobis distance of the
pooled encoder output (the [CLS] pooler's tanh in the exported graph) to the nearest in-domain class mean
with a shared covariance. Each is calibrated on validation sentences to keep a target share of them;
`benchmarks/ood_scores.py` compares them, alone and combined with the agent's rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from converter.errors import MissingExtraError
from converter.intents.ood import calibrate

SHRINK = 1e-3  # added to the covariance's diagonal: 384 dimensions from a few thousand sentences


def energy(logits: np.ndarray, in_domain: list[int]) -> np.ndarray:
    """log-sum-exp of the in-domain logits: higher is more in-domain (Liu et al., 2020)."""
    kept = logits[:, in_domain].astype(np.float64)
    top = kept.max(axis=1)
    return top + np.log(np.exp(kept - top[:, None]).sum(axis=1))


@dataclass
class Mahalanobis:
    means: np.ndarray  # [classes, dim]
    precision: np.ndarray  # inverse of the shared covariance

    @classmethod
    def fit(cls, features: np.ndarray, labels: np.ndarray) -> Mahalanobis:
        classes = np.unique(labels)
        means = np.stack([features[labels == c].mean(axis=0) for c in classes])
        centred = features - means[np.searchsorted(classes, labels)]
        covariance = centred.T @ centred / len(features) + SHRINK * np.eye(features.shape[1])
        return cls(means, np.linalg.inv(covariance))

    def score(self, features: np.ndarray) -> np.ndarray:
        """Minus the squared distance to the nearest class mean: higher is more in-domain."""
        diff = features[:, None, :] - self.means[None]
        return -np.einsum("nkd,de,nke->nk", diff, self.precision, diff).min(axis=1)


def threshold(scores: np.ndarray, keep: float) -> float:
    """The score that keeps `keep` of the validation sentences (the same rule as the confidence threshold)."""
    return calibrate(scores, keep)


class PooledOutputs:
    """The bundle's ONNX graph with the pooler's output exposed beside the logits, run one sentence at a
    time as the agent runs it (dynamic int8 scales per batch)."""

    def __init__(self, classifier, model_path):
        try:
            import onnx
            import onnxruntime as ort
        except ImportError as exc:
            raise MissingExtraError("onnx/onnxruntime", extra="onnx") from exc
        from edge_agent.inference.classify import encode_batch

        graph = onnx.load(str(model_path))
        pooled = [n.output[0] for n in graph.graph.node if n.op_type == "Tanh"]
        if not pooled:
            raise ValueError("the graph has no pooler (Tanh) output to score")
        self.pooled = pooled[-1]
        graph.graph.output.append(onnx.helper.make_tensor_value_info(self.pooled, onnx.TensorProto.FLOAT, None))
        self.session = ort.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.classifier = classifier
        self._encode = encode_batch

    def run(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(logits [n, labels], pooled features [n, hidden])."""
        logits, features = [], []
        for text in texts:
            feeds = self._encode(self.classifier.tokenizer, [text], self.classifier.max_seq_len, self.inputs)
            out = self.session.run(["logits", self.pooled], feeds)
            logits.append(out[0][0])
            features.append(out[1][0])
        return np.array(logits), np.array(features)
