"""Pretrained encoders the converter can fine-tune besides the packaged MiniLM-L6."""
