"""A local fake AI provider for offline demos and tests.

Scoop BYOK calls customers' Anthropic and OpenAI keys through the official
SDKs. To demo and test that without network access or real keys, this package
runs a loopback HTTP server that speaks both providers' real wire formats, so
the unmodified SDKs talk to it. The API key chooses the scenario (success,
bad key, no credit, rate limit, overload, slowness, ...), see ``keys.demo_key``.

Standard library only, and no Django: it must start anywhere, including in a
bare container next to the app.
"""

from fakeprovider.behaviours import BEHAVIOURS
from fakeprovider.keys import demo_key
from fakeprovider.server import FakeProviderServer, RecordedRequest

__all__ = ["BEHAVIOURS", "FakeProviderServer", "RecordedRequest", "demo_key"]
