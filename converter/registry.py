"""Which (family, task) pairs the converter can export, registered by decorator as optimum does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from converter.errors import ConversionError
from edge_agent.inference.bundle import Task


@dataclass(frozen=True)
class ExportSpec:
    family: str
    task: str  # EdgeLM task name stored in the manifest
    optimum_task: str
    model_class: str  # transformers Auto class (or "module:Class") that loads the PyTorch original
    generative: bool = False
    outputs: tuple[str, ...] = ("logits",)


_REGISTRY: dict[tuple[str, str], ExportSpec] = {}


def register(family: str, *tasks: str) -> Callable[[Callable[[str, str], ExportSpec]], Callable]:
    def decorate(factory: Callable[[str, str], ExportSpec]) -> Callable:
        for task in tasks:
            _REGISTRY[(family, Task(task).value)] = factory(family, Task(task).value)
        return factory

    return decorate


@register("bert", Task.INTENT, Task.TEXT_CLASSIFICATION)
@register("mobilebert", Task.INTENT, Task.TEXT_CLASSIFICATION)
def _encoder_classifier(family: str, task: str) -> ExportSpec:
    return ExportSpec(family, task, "text-classification", "AutoModelForSequenceClassification")


@register("bert", Task.INTENT_SLOTS)
def _joint_intent_slots(family: str, task: str) -> ExportSpec:
    # optimum has no task for two heads: exported with torch.onnx (optimum_task "")
    return ExportSpec(family, task, "", "converter.intents.joint:JointIntentSlotModel", outputs=("logits", "slot_logits"))


@register("gpt2", Task.TEXT_GENERATION)
def _causal_lm(family: str, task: str) -> ExportSpec:
    return ExportSpec(family, task, "text-generation-with-past", "AutoModelForCausalLM", generative=True)


FAMILY_OF_MODEL_TYPE = {"bert": "bert", "mobilebert": "mobilebert", "gpt2": "gpt2"}


def default_task(family: str, config: dict | None = None) -> str:
    if family == "gpt2":
        return Task.TEXT_GENERATION.value
    return (Task.INTENT_SLOTS if (config or {}).get("slot_labels") else Task.INTENT).value


def lookup(family: str, task: str) -> ExportSpec:
    spec = _REGISTRY.get((family, task))
    if spec is None:
        known = ", ".join(f"{f}/{t}" for f, t in sorted(_REGISTRY))
        raise ConversionError(f"unsupported family/task {family}/{task}; supported: {known}")
    return spec


def family_for(model_type: str) -> str:
    family = FAMILY_OF_MODEL_TYPE.get(model_type)
    if family is None:
        raise ConversionError(
            f"unsupported model_type {model_type!r}; supported: {', '.join(sorted(FAMILY_OF_MODEL_TYPE))}"
        )
    return family
