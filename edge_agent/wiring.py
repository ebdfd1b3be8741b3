"""How the agent's parts are made from its configuration: each gets what it needs at construction, so
nothing is attached later and no part checks whether another was wired."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from devices import DeviceProfile
from edge_agent import __version__
from edge_agent.config import AgentConfig
from edge_agent.fronts.outbox import Counters, Limits, Outbox
from edge_agent.fronts.router import Router
from edge_agent.fronts.wyoming_connections import WyomingLimits
from edge_agent.fronts.wyoming_uri import WyomingUri
from edge_agent.home.names_file import load_home
from edge_agent.home.slots import HomeEntities
from edge_agent.inference.bundle import Manifest
from edge_agent.inference.jobs import Answer, Clock
from edge_agent.inference.model import LoadedModel, load_model
from edge_agent.inference.serving import ModelRegistry, ServingModel
from edge_agent.once.answer_store import AnswerStore, MemoryOnly
from edge_agent.ota.port import DeploySettings
from edge_agent.ota.store import ModelStore
from edge_agent.protocol.reply_policy import ReplyPolicy, sender_of
from edge_agent.transport.mqtt import Connection, Hooks, Session, TlsFiles, Will

if TYPE_CHECKING:
    from edge_agent.fronts.wyoming_server import WyomingServer

log = logging.getLogger(__name__)
PACKET_HEADROOM_BYTES = 4096  # topic and properties around a payload of max_payload_bytes


class Topics:
    def __init__(self, prefix: str, device_id: str, group: str | None):
        self.request = f"{prefix}/{device_id}/request"
        self.response = f"{prefix}/{device_id}/response"
        self.status = f"{prefix}/{device_id}/status"
        self.telemetry = f"{prefix}/{device_id}/telemetry"
        self.watchdog = f"{prefix}/{device_id}/watchdog"  # the agent's own delivery probes
        self.group_share = f"$share/{group}/{prefix}/group/{group}/request" if group else None
        self.group_answers = f"{prefix}/group/{group}/answers" if group else None
        # every member of a group gets its deploys (a plain subscription, not a shared one)
        self.deploy = [f"{prefix}/{device_id}/deploy"] + ([f"{prefix}/group/{group}/deploy"] if group else [])


def home_names(config: AgentConfig) -> HomeEntities:
    """The home's names: the inline lists, then `home_file` (HomeFileError when it cannot be used)."""
    listed = {"areas": config.home_areas, "floors": config.home_floors, "names": config.home_names}
    home = load_home(listed, Path(config.home_file) if config.home_file else None, config.home_find_names)
    home.templates_first = config.home_templates
    return home


def connection(config: AgentConfig, client_id: str, clean: bool, will: Will | None, hooks: Hooks) -> Connection:
    url = config.broker_url()
    if config.username:
        url = type(url)(url.host, url.port, url.tls, config.username, config.password)
    session = Session(clean, 0 if clean else config.session_expiry_s, config.keepalive_s,
                      config.max_payload_bytes + PACKET_HEADROOM_BYTES, manual_ack=True)
    return Connection(url, client_id, config.protocol, session, will=will,
                      tls=TlsFiles(config.ca_file, config.cert_file, config.key_file), hooks=hooks)


def answer_store(config: AgentConfig) -> AnswerStore | MemoryOnly:
    """Answers from before a restart, so a redelivered request is answered, not run again."""
    if not config.state_dir:
        return MemoryOnly()
    return AnswerStore(Path(config.state_dir) / f"answers-{config.device_id}.log", config.dedup_size)


def limits(config: AgentConfig) -> Limits:
    return Limits(config.device_id, config.max_queue, config.max_payload_bytes, config.max_text_chars,
                  config.accept_plain_text, config.hermes_min_confidence, config.store_sync)


def router(config: AgentConfig, models: ModelRegistry, stats: Counters, topics: Topics, outbox: Outbox,
           clock: Clock) -> Router:
    replies = ReplyPolicy(config.prefix, config.allowed_reply_prefixes(), config.require_sender, topics.response)
    return Router(limits(config), models, stats, replies, outbox, clock)


def deploy_settings(config: AgentConfig, profile) -> DeploySettings:
    return DeploySettings(config.prefix, config.device_id, config.group, profile,
                          trust_key=Path(config.trust_key) if config.trust_key else None,
                          allow_unsigned=config.allow_unsigned_ota, allow_downgrade=config.allow_downgrade,
                          keep_versions=config.keep_versions, health_requests=config.health_requests,
                          rollback_p95_ms=config.rollback_p95_ms or None,
                          partial_timeout_s=config.ota_partial_timeout_s, model_budget_mb=config.model_budget_mb,
                          flashed=Path(config.bundle) if config.bundle else None)


def load_bundle(config: AgentConfig, profile: DeviceProfile, path: str | Path) -> LoadedModel:
    return load_model(path, threads=config.threads or profile.threads, providers=profile.ort_providers,
                      trust_key=Path(config.trust_key) if config.trust_key else None, spinning=config.ort_spinning)


def start_model(config: AgentConfig, store: ModelStore | None, load: Callable[[Path], LoadedModel],
                build: Callable[[LoadedModel], ServingModel]) -> tuple[ServingModel, str | None]:
    """The deployed `current` version where there is one (state_dir/models), else the configured bundle;
    with why start-up fell back from the deployed version, if it did."""
    flashed = Path(config.bundle)
    if store is None:
        return build(load(flashed)), None
    path, note = store.start_bundle(flashed)
    try:
        return build(load(path)), note
    except Exception as exc:
        if path == flashed:
            raise
        note = f"{path} does not load: {exc}"
        log.error("%s; loading %s", note, flashed)
        store.reject(path, note)
        store.switch_back(flashed)
        return build(load(flashed)), note


def wyoming(config: AgentConfig, submit: Callable[[str, Callable[[Answer], None]], None],
            manifest: Callable[[], Manifest], home: Callable[[], HomeEntities]) -> WyomingServer | None:
    """Home Assistant's Assist asks here (wyoming_uri); same worker queue, same model. Imports the
    `wyoming` package only when configured."""
    if not config.wyoming_uri:
        return None
    from edge_agent.fronts.wyoming_intent import service_info
    from edge_agent.fronts.wyoming_server import WyomingServer
    from edge_agent.home.ha_states import HaStates

    states = HaStates(config.ha_url, Path(config.ha_token_file), config.ha_state_max_age_s) if config.ha_url else None
    return WyomingServer(WyomingUri.parse(config.wyoming_uri), submit,
                         lambda: service_info(manifest(), config.device_id, __version__),
                         zeroconf_name=f"edgelm-{config.device_id}" if config.wyoming_zeroconf else None,
                         limits=WyomingLimits(config.wyoming_idle_s, config.wyoming_max_connections), home=home,
                         states=states)


def subscribe_requests(router: Router, conn: Connection, topic: str) -> Callable[[], None]:
    """The plain request topic and `<topic>/<sender>` (answered under <prefix>/reply/<sender>/); returns
    what unsubscribes both."""
    base = topic.split("/", 2)[2] if topic.startswith("$share/") else topic
    plain = conn.subscribe(topic, lambda m: router.on_request(conn, m), qos=1)
    by_sender = conn.subscribe(f"{topic}/+", lambda m: router.on_request(conn, m, sender_of(m.topic, base)), qos=1)

    def unsubscribe() -> None:
        plain()
        by_sender()
    return unsubscribe
