"""Client connection settings from a TOML profile file and ``TEMPORAL_*`` environment variables.

The file and variables are the ones Temporal's CLI and other SDKs share: the file is
``$TEMPORAL_CONFIG_FILE`` or ``temporal.toml`` under ``temporalio/`` in the user's config
directory, holds ``[profile.<name>]`` tables, and the profile is ``$TEMPORAL_PROFILE`` or
``default``. Environment variables override the file. Typical use::

    client = await Client.connect(**ClientConfig.load_client_connect_config())
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeAlias, cast

from typing_extensions import Self, TypedDict

from temporal_sdk._redact import dataclass_repr
from temporal_sdk.service import TLSConfig

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

__all__ = [
    "ClientConfig",
    "ClientConfigProfile",
    "ClientConfigProfileDict",
    "ClientConfigTLS",
    "ClientConfigTLSDict",
    "ClientConnectConfig",
    "DataSource",
]

DataSource: TypeAlias = Path | str | bytes
"""Where a file's content comes from: a ``Path`` to read, or the content itself (str or bytes)."""

_DEFAULT_PROFILE = "default"
_META_PREFIX = "TEMPORAL_GRPC_META_"
_TLS_VARS = (
    "TEMPORAL_TLS",
    "TEMPORAL_TLS_CLIENT_CERT_PATH",
    "TEMPORAL_TLS_CLIENT_CERT_DATA",
    "TEMPORAL_TLS_CLIENT_KEY_PATH",
    "TEMPORAL_TLS_CLIENT_KEY_DATA",
    "TEMPORAL_TLS_SERVER_CA_CERT_PATH",
    "TEMPORAL_TLS_SERVER_CA_CERT_DATA",
    "TEMPORAL_TLS_SERVER_NAME",
    "TEMPORAL_TLS_DISABLE_HOST_VERIFICATION",
)
_PROFILE_KEYS = {"address", "namespace", "api_key", "tls", "codec", "grpc_meta"}
_TLS_KEYS = {
    "disabled",
    "client_cert_path",
    "client_cert_data",
    "client_key_path",
    "client_key_data",
    "server_ca_cert_path",
    "server_ca_cert_data",
    "server_name",
    "disable_host_verification",
}


class ClientConfigTLSDict(TypedDict, total=False):
    """TLS settings as a plain dictionary (sources as ``{"path": ...}`` or ``{"data": ...}``)."""

    disabled: bool | None
    server_name: str
    server_ca_cert: Mapping[str, str]
    client_cert: Mapping[str, str]
    client_key: Mapping[str, str]


class ClientConfigProfileDict(TypedDict, total=False):
    """A profile as a plain dictionary."""

    address: str
    namespace: str
    api_key: str
    tls: ClientConfigTLSDict
    grpc_meta: Mapping[str, str]


class ClientConnectConfig(TypedDict, total=False):
    """Keyword arguments for ``Client.connect`` that a profile can set."""

    target_host: str
    namespace: str
    api_key: str
    tls: bool | TLSConfig
    rpc_metadata: Mapping[str, str]


def _source_from_dict(d: Mapping[str, Any] | None) -> DataSource | None:
    if not d:
        return None
    if "data" in d:
        return cast(str, d["data"])
    if "path" in d:
        return Path(d["path"])
    return None


def _source_to_dict(source: DataSource | None) -> dict[str, str] | None:
    match source:
        case Path():
            return {"path": str(source)}
        case str():
            return {"data": source}
        case bytes():
            return {"data": source.decode()}
    return None


def _read_source(source: DataSource | None) -> bytes | None:
    match source:
        case None:
            return None
        case Path():
            return source.read_bytes()
        case str():
            return source.encode()
        case bytes():
            return source
    raise TypeError(f"a data source is a Path, str or bytes, not {type(source).__name__}")


@dataclass(frozen=True)
class ClientConfigTLS:
    """TLS settings of a profile."""

    disabled: bool | None = None
    """``True`` turns TLS off, ``False`` on; ``None`` means it was not configured."""

    server_name: str | None = None
    """Override of the server name checked against the certificate (SNI)."""

    server_root_ca_cert: DataSource | None = None
    """CA certificate that signed the server's certificate."""

    client_cert: DataSource | None = None
    """Client certificate for mutual TLS."""

    client_private_key: DataSource | None = None
    """Private key of :attr:`client_cert`."""

    def __repr__(self) -> str:
        # A key given as a path is no secret; its contents (str or bytes) are.
        inline = not isinstance(self.client_private_key, Path)
        return dataclass_repr(self, secrets=("client_private_key",) if inline else ())

    def to_dict(self) -> ClientConfigTLSDict:
        """The settings as a plain dictionary, omitting unset ones."""
        d: ClientConfigTLSDict = {}
        if self.disabled is not None:
            d["disabled"] = self.disabled
        if self.server_name is not None:
            d["server_name"] = self.server_name
        sources: tuple[tuple[Literal["server_ca_cert", "client_cert", "client_key"], Any], ...] = (
            ("server_ca_cert", self.server_root_ca_cert),
            ("client_cert", self.client_cert),
            ("client_key", self.client_private_key),
        )
        for key, source in sources:
            if (value := _source_to_dict(source)) is not None:
                d[key] = value
        return d

    def to_connect_tls_config(self) -> bool | TLSConfig:
        """``False`` when disabled, else a :class:`~temporal_sdk.service.TLSConfig` (files read)."""
        if self.disabled is True:
            return False
        return TLSConfig(
            domain=self.server_name,
            server_root_ca_cert=_read_source(self.server_root_ca_cert),
            client_cert=_read_source(self.client_cert),
            client_private_key=_read_source(self.client_private_key),
        )

    @classmethod
    def from_dict(cls, d: ClientConfigTLSDict | None) -> Self | None:
        """Build from :meth:`to_dict` output; ``None`` for an empty or missing dictionary."""
        if not d:
            return None
        return cls(
            disabled=d.get("disabled"),
            server_name=d.get("server_name"),
            server_root_ca_cert=_source_from_dict(d.get("server_ca_cert")),
            client_cert=_source_from_dict(d.get("client_cert")),
            client_private_key=_source_from_dict(d.get("client_key")),
        )


@dataclass(frozen=True)
class ClientConfigProfile:
    """One named set of connection settings; see :meth:`to_client_connect_config`."""

    address: str | None = None
    """Server ``host:port``."""

    namespace: str | None = None
    """Namespace to use."""

    api_key: str | None = None
    """API key; when set TLS is on unless explicitly disabled."""

    tls: ClientConfigTLS | None = None
    """TLS settings, ``None`` when not configured."""

    grpc_meta: Mapping[str, str] = field(default_factory=dict)
    """Headers sent with every call (names lower-case, ``-`` separated)."""

    def __repr__(self) -> str:
        return dataclass_repr(self, secrets=("api_key",), header_fields=("grpc_meta",))

    @classmethod
    def from_dict(cls, d: ClientConfigProfileDict) -> Self:
        """Build from :meth:`to_dict` output."""
        return cls(
            address=d.get("address"),
            namespace=d.get("namespace"),
            api_key=d.get("api_key"),
            tls=ClientConfigTLS.from_dict(d.get("tls")),
            grpc_meta=dict(d.get("grpc_meta") or {}),
        )

    def to_dict(self) -> ClientConfigProfileDict:
        """The profile as a plain dictionary, omitting unset settings."""
        d: ClientConfigProfileDict = {}
        if self.address is not None:
            d["address"] = self.address
        if self.namespace is not None:
            d["namespace"] = self.namespace
        if self.api_key is not None:
            d["api_key"] = self.api_key
        if self.tls and (tls := self.tls.to_dict()):
            d["tls"] = tls
        if self.grpc_meta:
            d["grpc_meta"] = dict(self.grpc_meta)
        return d

    def to_client_connect_config(self) -> ClientConnectConfig:
        """The ``Client.connect`` keyword arguments this profile sets (unset ones omitted)."""
        config: dict[str, Any] = {}
        if self.address:
            config["target_host"] = self.address
        if self.namespace is not None:
            config["namespace"] = self.namespace
        if self.api_key is not None:
            config["api_key"] = self.api_key
            config["tls"] = True
        if self.tls is not None:
            config["tls"] = self.tls.to_connect_tls_config()
        if self.grpc_meta:
            config["rpc_metadata"] = dict(self.grpc_meta)
        return cast(ClientConnectConfig, config)

    @staticmethod
    def load(
        profile: str | None = None,
        *,
        config_source: DataSource | None = None,
        disable_file: bool = False,
        disable_env: bool = False,
        config_file_strict: bool = False,
        override_env_vars: Mapping[str, str] | None = None,
    ) -> ClientConfigProfile:
        """Load one profile from the file (unless ``disable_file``), then apply the environment.

        The profile name is ``profile``, else ``$TEMPORAL_PROFILE``, else ``default``; a name
        that was asked for but is missing raises ``ValueError`` (a missing ``default`` gives an
        empty profile). ``override_env_vars`` replaces ``os.environ`` as the environment.
        """
        from temporal_sdk import _envconfig_load

        return _envconfig_load.load_profile(
            profile,
            config_source=config_source,
            disable_file=disable_file,
            disable_env=disable_env,
            strict=config_file_strict,
            env=override_env_vars,
        )


@dataclass
class ClientConfig:
    """Every profile of a configuration file, by name."""

    profiles: Mapping[str, ClientConfigProfile]
    """Profiles by name."""

    def to_dict(self) -> Mapping[str, ClientConfigProfileDict]:
        """Every profile as a plain dictionary."""
        return {name: prof.to_dict() for name, prof in self.profiles.items()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Mapping[str, Any]]) -> Self:
        """Build from :meth:`to_dict` output."""
        return cls(
            profiles={
                name: ClientConfigProfile.from_dict(cast(ClientConfigProfileDict, prof))
                for name, prof in d.items()
            }
        )

    @staticmethod
    def load(
        *,
        config_source: DataSource | None = None,
        config_file_strict: bool = False,
        override_env_vars: Mapping[str, str] | None = None,
    ) -> ClientConfig:
        """Load every profile of the file, without environment overrides.

        The environment is only used to find the file (``TEMPORAL_CONFIG_FILE``); a missing
        file gives no profiles. ``config_file_strict`` rejects unknown keys.
        """
        from temporal_sdk import _envconfig_load

        env = os.environ if override_env_vars is None else override_env_vars
        return ClientConfig(_envconfig_load.load_file(config_source, config_file_strict, env))

    @staticmethod
    def load_client_connect_config(
        profile: str | None = None,
        *,
        config_file: str | None = None,
        disable_file: bool = False,
        disable_env: bool = False,
        config_file_strict: bool = False,
        override_env_vars: Mapping[str, str] | None = None,
    ) -> ClientConnectConfig:
        """Load a profile (see :meth:`ClientConfigProfile.load`) as ``Client.connect`` kwargs."""
        source: DataSource | None = None
        if config_file and not disable_file:
            source = Path(config_file)
        loaded = ClientConfigProfile.load(
            profile,
            config_source=source,
            disable_file=disable_file,
            disable_env=disable_env,
            config_file_strict=config_file_strict,
            override_env_vars=override_env_vars,
        )
        return loaded.to_client_connect_config()


def _parse_toml(data: bytes) -> dict[str, Any]:
    parsed: dict[str, Any] = tomllib.loads(data.decode())
    return parsed
