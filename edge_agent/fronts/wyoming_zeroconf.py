"""Announces the Wyoming service as `_wyoming._tcp` over mDNS, so Home Assistant discovers it by itself
(its wyoming integration lists that service type). Needs the PyPI `zeroconf` package."""

from __future__ import annotations

import socket

MDNS_GROUP = "224.0.0.251"


def local_address() -> str:
    """The address other hosts reach us on: the one a packet to the mDNS group would leave from."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect((MDNS_GROUP, 5353))  # UDP: nothing is sent
        return probe.getsockname()[0]
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()


async def announce(name: str, host: str, port: int):
    """Register `<name>._wyoming._tcp.local.`; returns the AsyncZeroconf to close on shutdown."""
    try:
        from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf
    except ImportError as exc:
        raise ImportError("wyoming_zeroconf needs the `zeroconf` package: pip install 'edgelm[assist]'") from exc
    address = local_address() if host in ("", "0.0.0.0", "::") else host
    info = AsyncServiceInfo("_wyoming._tcp.local.", f"{name}._wyoming._tcp.local.",
                            addresses=[socket.inet_aton(address)], port=port,
                            properties={"edgelm": "intent"})
    zeroconf = AsyncZeroconf(interfaces=[address])
    await zeroconf.async_register_service(info)
    return zeroconf
