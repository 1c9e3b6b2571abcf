"""``ClientConfig``: the settings a ``Client`` was built with, as ``Client.config()`` returns them.

Rule: a plain ``TypedDict`` with temporalio's key names; workers read ``interceptors`` from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    from temporal_sdk.client._interceptor import Interceptor
    from temporal_sdk.client._plugin import Plugin
    from temporal_sdk.common import HeaderCodecBehavior
    from temporal_sdk.converter import DataConverter
    from temporal_sdk.service import ServiceClient


class ClientConfig(TypedDict):
    """The arguments a :class:`Client` was created with (see ``Client.config``)."""

    service_client: ServiceClient
    namespace: str
    data_converter: DataConverter
    interceptors: Sequence[Interceptor]
    plugins: Sequence[Plugin]
    header_codec_behavior: HeaderCodecBehavior
