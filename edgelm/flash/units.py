"""The files systemd reads on the board: the agent's service, the first-boot install, its system user and
the permissions of its config. Paths are the board's, absolute."""

from __future__ import annotations

OPT = "/opt/edgelm"
ETC = "/etc/edgelm"
STATE = "/var/lib/edgelm"
USER = "edgelm"
AGENT_UNIT = "edgelm-agent.service"
INSTALL_UNIT = "edgelm-install.service"


def agent_unit(memory_max_mb: int) -> str:
    return f"""[Unit]
Description=EdgeLM agent: language model inference over MQTT
Documentation=https://pypi.org/project/edgelm/
Wants=network-online.target
After=network-online.target {INSTALL_UNIT}
Requires={INSTALL_UNIT}

[Service]
Type=simple
User={USER}
Group={USER}
ExecStart={OPT}/venv/bin/python -m edgelm.cli agent run --config {ETC}/agent.toml
Restart=on-failure
RestartSec=2
# answers kept across restarts ($STATE_DIRECTORY)
StateDirectory=edgelm
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
ReadWritePaths={STATE}
# the agent's baseline plus two models: an over-the-air swap loads the new one beside the old
MemoryMax={memory_max_mb}M
# room for wyoming_max_connections (256 by default), the MQTT sockets and the model files
LimitNOFILE=4096
# two malloc arenas, not 8 per core: a flood's peak memory otherwise stays claimed by idle arenas
Environment=MALLOC_ARENA_MAX=2

[Install]
WantedBy=multi-user.target
"""


def install_unit(venv_id: str) -> str:
    return f"""[Unit]
Description=EdgeLM: build the agent's virtualenv from the offline wheelhouse
ConditionPathExists=!{OPT}/venvs/{venv_id}/.complete
After=local-fs.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh {OPT}/install.sh
"""


def install_script(version: str, venv_id: str, python: str) -> str:
    """Never touches the network: --no-index, wheels from the wheelhouse only. The previous virtualenv
    stays under venvs/ so an upgrade can be rolled back by moving the `venv` link. EDGELM_ROOT prefixes
    every path (empty on a board)."""
    return f"""#!/bin/sh
# EdgeLM {version}: install the agent offline (written by `edgelm flash`).
set -eu
R="${{EDGELM_ROOT:-}}"
venv="$R{OPT}/venvs/{venv_id}"
[ -f "$venv/.complete" ] && exit 0
wheels="$R{OPT}/wheelhouse/{version}"
rm -rf "$venv"
# --without-pip: no ensurepip (python3-venv may be missing); pip runs from its own wheel instead
"$R/usr/bin/python{python}" -m venv --without-pip "$venv"
# --no-deps: the wheelhouse is the exact set (edgelm flash left out what the agent never imports); pip
# itself stays a wheel (14 MB the agent never needs in its virtualenv)
"$venv/bin/python" "$(ls "$wheels"/pip-*.whl | head -n 1)/pip" install --no-index --no-cache-dir --no-deps \\
    $(ls "$wheels"/*.whl | grep -v '/pip-[0-9]')
for site in "$venv"/lib/python*/site-packages; do  # never imported by the agent (units.PRUNED)
  for part in {" ".join(repr(p) for p in PRUNED)}; do rm -rf "$site"/$part; done
done
touch "$venv/.complete"
ln -sfn "venvs/{venv_id}" "$R{OPT}/venv.new"
mv -T "$R{OPT}/venv.new" "$R{OPT}/venv"
"""


# Inside installed packages, what the agent never imports: numpy's own test suites and build helpers,
# onnxruntime's Python tools (model conversion, quantization, transformer optimizers). ~25 MB with bytecode.
PRUNED = ["numpy/tests", "numpy/*/tests", "numpy/*/*/tests", "numpy/f2py", "numpy/distutils",
          "onnxruntime/transformers", "onnxruntime/quantization", "onnxruntime/tools", "onnxruntime/datasets"]

SYSUSERS = f'u {USER} - "EdgeLM agent" {STATE} /usr/sbin/nologin\n'
TMPFILES = f"""d {STATE} 0750 {USER} {USER} -
z {ETC} 0750 root {USER} -
z {ETC}/agent.toml 0600 {USER} {USER} -
"""
