"""Read deployment settings from the environment, failing loudly when unusable.

Every setting the operator controls comes through this module so that a
typo or a missing secret is reported with the variable's name at start-up
rather than surfacing later as a confusing runtime error.
"""

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class Env:
    """Typed access to environment variables."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def str(self, name: str, default: str | None = None) -> str:
        value = self.environ.get(name)
        if value is None or value == "":
            if default is None:
                raise ImproperlyConfigured(f"Set the {name} environment variable.")
            return default
        return value

    def bool(self, name: str, default: bool = False) -> bool:
        value = self.environ.get(name)
        if value is None:
            return default
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ImproperlyConfigured(
            f"{name} must be one of 1/0, true/false, yes/no or on/off, not {value!r}."
        )

    def int(self, name: str, default: int) -> int:
        value = self.environ.get(name)
        if value is None or value.strip() == "":
            return default
        try:
            return int(value)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must be a whole number, not {value!r}."
            ) from None

    def float(self, name: str, default: float) -> float:
        value = self.environ.get(name)
        if value is None or value.strip() == "":
            return default
        try:
            return float(value)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must be a number, not {value!r}."
            ) from None

    def list(self, name: str, default: list[str] | None = None) -> list[str]:
        value = self.environ.get(name)
        if value is None or value.strip() == "":
            return list(default or [])
        return [item.strip() for item in value.split(",") if item.strip()]

    def json(self, name: str, default: Any) -> Any:
        value = self.environ.get(name)
        if value is None or value.strip() == "":
            return default
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ImproperlyConfigured(
                f"{name} must be valid JSON ({exc.msg} at position {exc.pos})."
            ) from None


def load_dotenv(path: Path) -> None:
    """Load KEY=VALUE lines from ``path`` without overriding the environment.

    The demo keeps its generated secrets in a git-ignored ``.env`` file so
    that a fresh clone runs with one command; real deployments set real
    environment variables instead.
    """
    if not path.is_file():
        return
    for raw_line in path.read_text().splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, value = line.split("=", 1)
        os.environ.setdefault(name.strip(), value.strip())
