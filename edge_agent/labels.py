"""Labels with a meaning of their own, shared by the trainer and the agent."""

# The trained out-of-domain class (chit-chat, off-domain requests, near-misses): the agent answers
# `intent: null` for it, as for anything below the calibrated threshold.
OUT_OF_DOMAIN = "OutOfDomain"
