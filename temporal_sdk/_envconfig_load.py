"""Reading environment configuration: locate and parse the TOML file, apply ``TEMPORAL_*`` vars.

Rule: the same precedence as Temporal's CLI and core SDK: explicit source, then
``$TEMPORAL_CONFIG_FILE``, then ``<user config dir>/temporalio/temporal.toml``; environment
variables override file values; a path and inline data for the same certificate is an error
(``ValueError``), never a silent choice.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from temporal_sdk.envconfig import (
    _DEFAULT_PROFILE,
    _META_PREFIX,
    _PROFILE_KEYS,
    _TLS_KEYS,
    _TLS_VARS,
    ClientConfigProfile,
    ClientConfigTLS,
    DataSource,
    _parse_toml,
)


def default_config_path(env: Mapping[str, str]) -> Path:
    """``temporalio/temporal.toml`` in the platform's user configuration directory."""
    if sys.platform == "win32":
        base = Path(env.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "temporalio" / "temporal.toml"


def _file_bytes(source: DataSource | None, env: Mapping[str, str]) -> bytes | None:
    match source:
        case str():
            return source.encode()
        case bytes():
            return source
        case None:
            path = Path(env.get("TEMPORAL_CONFIG_FILE") or default_config_path(env))
        case _:
            path = source
    return path.read_bytes() if path.is_file() else None


def load_file(
    source: DataSource | None, strict: bool, env: Mapping[str, str]
) -> dict[str, ClientConfigProfile]:
    """Parse every ``[profile.*]`` table of the configuration file (none if it is missing)."""
    data = _file_bytes(source, env)
    if data is None or not data.strip():
        return {}
    doc = _parse_toml(data)
    if strict and set(doc) - {"profile"}:
        raise ValueError(f"unknown top-level keys in config: {sorted(set(doc) - {'profile'})}")
    return {
        name: _profile_from_toml(name, table, strict)
        for name, table in dict(doc.get("profile") or {}).items()
    }


def _check_keys(where: str, table: Mapping[str, Any], allowed: set[str], strict: bool) -> None:
    unknown = set(table) - allowed
    if strict and unknown:
        raise ValueError(f"unknown keys in {where}: {sorted(unknown)}")


def _profile_from_toml(name: str, table: Mapping[str, Any], strict: bool) -> ClientConfigProfile:
    _check_keys(f"profile {name!r}", table, _PROFILE_KEYS, strict)
    tls_table = table.get("tls")
    meta = {_meta_key(k): str(v) for k, v in dict(table.get("grpc_meta") or {}).items()}
    return ClientConfigProfile(
        address=table.get("address"),
        namespace=table.get("namespace"),
        api_key=table.get("api_key"),
        tls=_tls_from_toml(name, tls_table, strict) if tls_table is not None else None,
        grpc_meta=meta,
    )


def _toml_source(table: Mapping[str, Any], stem: str) -> DataSource | None:
    path, data = table.get(f"{stem}_path"), table.get(f"{stem}_data")
    if path is not None and data is not None:
        raise ValueError(f"Cannot specify both {stem}_path and {stem}_data")
    if path is not None:
        return Path(path)
    return data or None


def _tls_from_toml(name: str, table: Mapping[str, Any], strict: bool) -> ClientConfigTLS:
    _check_keys(f"profile {name!r} tls", table, _TLS_KEYS, strict)
    return ClientConfigTLS(
        disabled=table.get("disabled"),
        server_name=table.get("server_name"),
        server_root_ca_cert=_toml_source(table, "server_ca_cert"),
        client_cert=_toml_source(table, "client_cert"),
        client_private_key=_toml_source(table, "client_key"),
    )


def _meta_key(key: str) -> str:
    return key.lower().replace("_", "-")


def _env_bool(value: str | None) -> bool | None:
    return {"true": True, "1": True, "false": False, "0": False}.get((value or "").lower())


def _env_source(
    env: Mapping[str, str], what: str, stem: str, current: DataSource | None
) -> DataSource | None:
    path, data = env.get(f"{stem}_PATH"), env.get(f"{stem}_DATA")
    if path is not None and data is not None:
        raise ValueError(f"Cannot specify both {stem}_PATH and {stem}_DATA")
    if path is not None:
        if isinstance(current, str | bytes):
            raise ValueError(f"Cannot specify {what} path via {stem}_PATH when data is set")
        return Path(path)
    if data is not None:
        if isinstance(current, Path):
            raise ValueError(f"Cannot specify {what} data via {stem}_DATA when a path is set")
        return data
    return current


def _apply_tls_env(tls: ClientConfigTLS | None, env: Mapping[str, str]) -> ClientConfigTLS | None:
    if tls is None and not any(var in env for var in _TLS_VARS):
        return None
    tls = tls or ClientConfigTLS()
    enabled = _env_bool(env.get("TEMPORAL_TLS"))
    return replace(
        tls,
        disabled=(not enabled) if enabled is not None else tls.disabled,
        server_name=env.get("TEMPORAL_TLS_SERVER_NAME", tls.server_name),
        client_cert=_env_source(env, "cert", "TEMPORAL_TLS_CLIENT_CERT", tls.client_cert),
        client_private_key=_env_source(
            env, "key", "TEMPORAL_TLS_CLIENT_KEY", tls.client_private_key
        ),
        server_root_ca_cert=_env_source(
            env, "server CA cert", "TEMPORAL_TLS_SERVER_CA_CERT", tls.server_root_ca_cert
        ),
    )


def apply_env(profile: ClientConfigProfile, env: Mapping[str, str]) -> ClientConfigProfile:
    """Override ``profile`` with the ``TEMPORAL_*`` variables present in ``env``."""
    meta = dict(profile.grpc_meta)
    for key, value in env.items():
        if key.startswith(_META_PREFIX):
            name = _meta_key(key[len(_META_PREFIX) :])
            if value:
                meta[name] = value
            else:
                meta.pop(name, None)
    return replace(
        profile,
        address=env.get("TEMPORAL_ADDRESS", profile.address),
        namespace=env.get("TEMPORAL_NAMESPACE", profile.namespace),
        api_key=env.get("TEMPORAL_API_KEY", profile.api_key),
        tls=_apply_tls_env(profile.tls, env),
        grpc_meta=meta,
    )


def load_profile(
    name: str | None,
    *,
    config_source: DataSource | None,
    disable_file: bool,
    disable_env: bool,
    strict: bool,
    env: Mapping[str, str] | None,
) -> ClientConfigProfile:
    """Resolve one profile the way ``ClientConfigProfile.load`` documents."""
    if disable_file and disable_env:
        raise ValueError("Cannot disable both file and environment loading")
    environ: Mapping[str, str] = os.environ if env is None else env
    profile = ClientConfigProfile()
    if not disable_file:
        profiles = load_file(config_source, strict, environ)
        chosen = name or (None if disable_env else environ.get("TEMPORAL_PROFILE")) or None
        if chosen is not None and chosen not in profiles:
            raise ValueError(f"Profile '{chosen}' not found")
        profile = profiles.get(chosen or _DEFAULT_PROFILE, profile)
    if not disable_env:
        profile = apply_env(profile, environ)
    if profile.api_key is not None and profile.tls is None:
        profile = replace(profile, tls=ClientConfigTLS())
    return profile
