"""EdgeLM converter: Hugging Face checkpoint -> pruned, quantized, verified, signed bundle.

Runs on a workstation; needs the ``[convert]`` extra (torch, optimum-onnx, transformers).
"""

__version__ = "0.1.0"
