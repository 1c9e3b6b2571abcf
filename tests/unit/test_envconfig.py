"""Environment configuration: TOML profiles, TEMPORAL_* overrides and Client.connect kwargs."""

from __future__ import annotations

from pathlib import Path

import pytest

from temporal_sdk import _envconfig_load
from temporal_sdk.envconfig import ClientConfig, ClientConfigProfile, ClientConfigTLS
from temporal_sdk.service import TLSConfig

TOML = """
[profile.default]
address = "localhost:7233"
namespace = "default-ns"

[profile.default.grpc_meta]
Some_Header = "v1"

[profile.cloud]
address = "my.cloud:7233"
namespace = "cloud-ns"
api_key = "secret"

[profile.mtls]
address = "mtls:7233"
[profile.mtls.tls]
server_name = "sni.example"
client_cert_data = "CERT"
client_key_path = "{key_path}"
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    key = tmp_path / "client.key"
    key.write_text("KEY")
    path = tmp_path / "temporal.toml"
    path.write_text(TOML.format(key_path=key))
    return path


def test_load_all_profiles(config_file: Path) -> None:
    config = ClientConfig.load(config_source=config_file)
    assert set(config.profiles) == {"default", "cloud", "mtls"}
    assert config.profiles["default"].grpc_meta == {"some-header": "v1"}
    mtls = config.profiles["mtls"].tls
    assert mtls is not None and mtls.client_cert == "CERT"
    assert isinstance(mtls.client_private_key, Path)
    again = ClientConfig.from_dict(config.to_dict())
    assert again == config


def test_default_profile_to_connect_kwargs(config_file: Path) -> None:
    kwargs = ClientConfig.load_client_connect_config(
        config_file=str(config_file), override_env_vars={}
    )
    assert kwargs == {
        "target_host": "localhost:7233",
        "namespace": "default-ns",
        "rpc_metadata": {"some-header": "v1"},
    }


def test_api_key_turns_tls_on(config_file: Path) -> None:
    kwargs = ClientConfig.load_client_connect_config(
        "cloud", config_file=str(config_file), override_env_vars={}
    )
    assert kwargs["api_key"] == "secret"
    assert isinstance(kwargs["tls"], TLSConfig)


def test_mtls_profile_reads_files(config_file: Path) -> None:
    kwargs = ClientConfig.load_client_connect_config(
        "mtls", config_file=str(config_file), override_env_vars={}
    )
    tls = kwargs["tls"]
    assert isinstance(tls, TLSConfig)
    assert (tls.domain, tls.client_cert, tls.client_private_key) == ("sni.example", b"CERT", b"KEY")


def test_env_overrides_file_and_selects_profile(config_file: Path) -> None:
    env = {
        "TEMPORAL_CONFIG_FILE": str(config_file),
        "TEMPORAL_PROFILE": "cloud",
        "TEMPORAL_NAMESPACE": "env-ns",
        "TEMPORAL_GRPC_META_X_TENANT": "t1",
        "TEMPORAL_TLS": "false",
    }
    profile = ClientConfigProfile.load(override_env_vars=env)
    assert profile.address == "my.cloud:7233"
    assert profile.namespace == "env-ns"
    assert profile.grpc_meta == {"x-tenant": "t1"}
    assert profile.tls == ClientConfigTLS(disabled=True)
    assert profile.to_client_connect_config()["tls"] is False


def test_env_only(tmp_path: Path) -> None:
    env = {
        "TEMPORAL_CONFIG_FILE": str(tmp_path / "missing.toml"),
        "TEMPORAL_ADDRESS": "env:7233",
        "TEMPORAL_API_KEY": "k",
        "TEMPORAL_TLS_SERVER_CA_CERT_DATA": "CA",
    }
    kwargs = ClientConfig.load_client_connect_config(override_env_vars=env)
    assert kwargs["target_host"] == "env:7233" and kwargs["api_key"] == "k"
    tls = kwargs["tls"]
    assert isinstance(tls, TLSConfig) and tls.server_root_ca_cert == b"CA"


def test_empty_grpc_meta_env_removes_header(config_file: Path) -> None:
    env = {"TEMPORAL_GRPC_META_SOME_HEADER": ""}
    profile = ClientConfigProfile.load(config_source=config_file, override_env_vars=env)
    assert profile.grpc_meta == {}


def test_errors(config_file: Path) -> None:
    with pytest.raises(ValueError, match="not found"):
        ClientConfigProfile.load("nope", config_source=config_file, override_env_vars={})
    with pytest.raises(ValueError, match="both"):
        ClientConfigProfile.load(
            disable_file=True,
            override_env_vars={
                "TEMPORAL_TLS_CLIENT_CERT_PATH": "a",
                "TEMPORAL_TLS_CLIENT_CERT_DATA": "b",
            },
        )
    with pytest.raises(ValueError, match="disable both"):
        ClientConfigProfile.load(disable_file=True, disable_env=True)
    with pytest.raises(ValueError, match="unknown keys"):
        ClientConfig.load(config_source='[profile.a]\nadress = "typo"\n', config_file_strict=True)
    lenient = ClientConfig.load(config_source='[profile.a]\nadress = "typo"\n')
    assert lenient.profiles["a"].address is None


def test_missing_default_profile_is_empty() -> None:
    profile = ClientConfigProfile.load(config_source="", override_env_vars={})
    assert profile == ClientConfigProfile()


def test_default_path_follows_xdg(tmp_path: Path) -> None:
    path = _envconfig_load.default_config_path({"XDG_CONFIG_HOME": str(tmp_path)})
    assert path == tmp_path / "temporalio" / "temporal.toml"
