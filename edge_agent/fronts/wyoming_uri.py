"""Where the Wyoming intent service listens: `tcp://HOST:PORT`, parsed without the `wyoming` package."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WyomingUri:
    host: str
    port: int

    @classmethod
    def parse(cls, uri: str) -> WyomingUri:
        scheme, sep, rest = uri.partition("://")
        host, colon, port = rest.rpartition(":")
        valid_port = port.isascii() and port.isdigit() and 0 <= int(port) <= 65535  # "1²" is a digit to isdigit
        if scheme != "tcp" or not sep or not colon or not valid_port:
            raise ValueError(f"wyoming_uri must look like tcp://HOST:PORT, not {uri!r}")
        return cls(host.strip("[]") or "0.0.0.0", int(port))
