"""`edgelm flash`: the agent, a bundle, an offline wheelhouse and systemd units onto a board's root
filesystem (mounted SD card or image). See docs: README "Put it on a board"."""


class FlashError(RuntimeError):
    """A refusal, said in one line before anything is written."""
