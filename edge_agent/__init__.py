"""EdgeLM on-device agent: loads a bundle and serves it over MQTT. Never imports torch."""

__version__ = "0.1.0"
