"""Labels with a meaning of their own, shared by the trainer and the agent."""

# The trained out-of-domain class (chit-chat, off-domain requests, near-misses): the agent answers
# `intent: null` for it, as for anything below the calibrated threshold.
OUT_OF_DOMAIN = "OutOfDomain"


def recognised(label: str, confidence: float, ood_threshold: float | None) -> bool:
    """Whether an answer names an intent: not the out-of-domain class, and sure enough."""
    return label != OUT_OF_DOMAIN and confidence >= (ood_threshold or 0.0)
