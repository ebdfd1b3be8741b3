"""`edgelm broker migrate DIR`: move a broker directory written by `edgelm broker config` before 0.31
(password_file + acl_file) to dynamic security, keeping every login and password (the passwd file's
PBKDF2-SHA512 hashes are what the plugin stores) and the certificates. The old files go to DIR/pre-dynsec/."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from edgelm.broker_setup.acl import AclError, Identity, check_identities
from edgelm.broker_setup.dynsec import CONFIG_NAME, dynsec_config
from edgelm.broker_setup.writer import access_lines

BACKUP = "pre-dynsec"
_BLOCK = re.compile(r"^# (\w+)(?: in group (\S+))?\nuser (\S+)$", re.MULTILINE)
_PREFIX = re.compile(r"^topic read (\S+)/\+/status$", re.MULTILINE)  # clients, home, monitors, operators


class MigrateError(ValueError):
    pass


def read_identities(acl: str) -> list[Identity]:
    """The logins of an acl written by `edgelm broker config`: each block is `# ROLE [in group G]`, `user NAME`."""
    identities = [Identity(name, role, group or None) for role, group, name in _BLOCK.findall(acl)]
    if not identities:
        raise MigrateError("the acl names no login `edgelm broker config` wrote")
    check_identities(identities)
    return identities


def read_prefix(acl: str, identities: list[Identity]) -> str:
    found = set(_PREFIX.findall(acl))
    found |= {m for i in identities if i.role == "agent"
              for m in re.findall(rf"^topic read (\S+)/{re.escape(i.name)}/request$", acl, re.MULTILINE)}
    if len(found) > 1:
        raise MigrateError(f"the acl uses more than one topic prefix: {', '.join(sorted(found))}")
    return found.pop() if found else "edgelm"


def read_hashes(passwd: str) -> dict[str, tuple[str, str, int]]:
    hashes = {}
    for line in passwd.splitlines():
        user, _, hashed = line.strip().partition(":")
        parts = hashed.split("$")  # $7$ITERATIONS$SALT$HASH
        if len(parts) != 5 or parts[1] != "7":
            raise MigrateError(f"passwd: {user or line!r} is not a $7$ (PBKDF2-SHA512) hash; re-run "
                               "`edgelm broker config` with the same options instead")
        hashes[user] = (parts[4], parts[3], int(parts[2]))
    return hashes


def migrate(directory: Path, plugin: str) -> list[Identity]:
    conf_path = directory / "mosquitto.conf"
    try:
        conf = conf_path.read_text()
    except OSError as exc:
        raise MigrateError(f"{conf_path}: {exc.strerror}") from exc
    acl_line = re.search(r"^acl_file (\S+)$", conf, re.MULTILINE)
    if acl_line is None:
        raise MigrateError(f"{conf_path} has no acl_file: already migrated, or not written by edgelm broker config")
    acl = (directory / "acl").read_text()
    try:
        identities = read_identities(acl)
    except AclError as exc:
        raise MigrateError(f"acl: {exc}") from exc
    passwd = directory / "passwd"
    hashes = read_hashes(passwd.read_text()) if passwd.is_file() else {}
    where = Path(acl_line.group(1)).parent  # where the files are on the broker host
    lines = conf.splitlines()
    at = next(n for n, line in enumerate(lines) if line.startswith(("acl_file ", "password_file ")))
    kept = [line for line in lines if not line.startswith(("acl_file ", "password_file "))]
    kept[at:at] = access_lines(plugin, where)
    config = dynsec_config(identities, hashes, read_prefix(acl, identities))  # nothing written before this
    (directory / BACKUP).mkdir(exist_ok=True)
    for old in ("mosquitto.conf", "acl", "passwd"):
        if (directory / old).is_file():
            shutil.copy2(directory / old, directory / BACKUP / old)
    owner = (directory / "acl").stat()  # Mosquitto, dropped to its user, reads the new file as it did the acl
    (directory / CONFIG_NAME).write_text(config)
    (directory / CONFIG_NAME).chmod(0o600)
    if os.geteuid() == 0:
        os.chown(directory / CONFIG_NAME, owner.st_uid, owner.st_gid)
    conf_path.write_text("\n".join(kept) + "\n")
    (directory / "acl").unlink()
    passwd.unlink(missing_ok=True)
    return identities
