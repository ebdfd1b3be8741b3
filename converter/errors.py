"""Converter errors. The CLI turns each into a one-line message and a non-zero exit."""

from __future__ import annotations


class ConversionError(Exception):
    """A conversion that cannot go on; the message says what and why."""


class MissingExtraError(ConversionError):
    def __init__(self, package: str, extra: str = "convert"):
        super().__init__(f"{package} is not installed: pip install 'edgelm[{extra}]'")


class VerificationError(ConversionError):
    """Every failed check of a converted model, collected before raising once."""

    def __init__(self, failures: list[str], report: dict | None = None):
        self.failures = failures
        self.report = report or {}
        super().__init__("verification failed: " + "; ".join(failures))


class BudgetError(ConversionError):
    pass
