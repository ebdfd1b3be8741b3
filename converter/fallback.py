"""When int8 misses the accuracy budget keep the most sensitive layer groups in fp32,
one group at a time, for any format, until it passes (MobileBERT is known to collapse under naive int8)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from converter.errors import VerificationError

Judge = Callable[[Path, str], "tuple[dict, list[str]]"]


@dataclass
class Outcome:
    path: Path
    int8_fraction: float
    kept_fp32: list[str] = field(default_factory=list)
    report: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    sensitivity: dict[str, float] = field(default_factory=dict)


def _error(report: dict) -> float:
    """One number for 'how far from the original': cosine loss plus top-1 disagreement."""
    parity = report["parity"]
    return (1 - parity["cosine"]) + (1 - parity["top1_agreement"])


@dataclass(frozen=True)
class Quantizer:
    """What the fallback needs of a format: `into(path, exclude)` quantizes all but the `exclude` members of
    the groups (node names for ONNX, op-name patterns for TFLite); `still_int8(path)` names what computes in
    int8 (nothing, once every group is excluded)."""

    into: Callable[[Path, list[str]], object]
    groups: Callable[[], dict[str, list[str]]]
    int8_fraction: Callable[[Path], float]
    still_int8: Callable[[Path], list[str]]


def search(quantizer: Quantizer, out: Path, mode: str, judge: Judge) -> Outcome:
    """The fallback itself, for any format."""
    quantize_into, find_groups, int8_fraction = quantizer.into, quantizer.groups, quantizer.int8_fraction
    quantize_into(out, [])
    report, failures = judge(out, mode)
    if not failures:
        return Outcome(out, int8_fraction(out), report=report)

    groups = find_groups()
    notes = [f"int8 missed the budget ({'; '.join(failures)}); measuring {len(groups)} groups' sensitivity"]
    probe = out.with_name("probe" + out.suffix)
    sensitivity = {}
    for name in groups:  # quantize this group alone: its error is what it costs
        others = [n for g, members in groups.items() if g != name for n in members]
        quantize_into(probe, others)
        sensitivity[name] = round(_error(judge(probe, mode)[0]), 6)
    probe.unlink(missing_ok=True)
    ranked = sorted(sensitivity, key=lambda g: -sensitivity[g])
    notes.append("sensitivity (worst first): " + ", ".join(f"{g}={sensitivity[g]:.4f}" for g in ranked))
    kept: list[str] = []
    for name in ranked:
        kept.append(name)
        exclude = [n for g in kept for n in groups[g]]
        quantize_into(out, exclude)
        report, failures = judge(out, mode)
        notes.append(f"kept {name} in fp32: {'passes' if not failures else '; '.join(failures)}")
        if not failures:
            fraction = int8_fraction(out)
            notes.append(f"kept fp32: {', '.join(kept)}; {fraction:.1%} of weights still int8")
            return Outcome(out, fraction, kept, report, notes, sensitivity)
        if len(kept) == len(ranked):
            break
    # Every group excluded must be the fp32 model; if parity still fails, say what the exclusion missed.
    stray = quantizer.still_int8(out)
    missed = f"; still int8 (not covered by any group): {', '.join(stray[:12])}" if stray else ""
    raise VerificationError([f"int8 fails even with every group in fp32: {'; '.join(failures)}{missed}"], report)
