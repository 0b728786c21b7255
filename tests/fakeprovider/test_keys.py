"""Demo keys pass real key-format rules and select the intended behaviour."""

from __future__ import annotations

import re

import pytest

from fakeprovider import BEHAVIOURS, demo_key
from fakeprovider.behaviours import Behaviour, behaviour_for_key

ANTHROPIC_KEY = re.compile(r"sk-ant-api03-[A-Za-z0-9_-]{93}AA")
OPENAI_KEY = re.compile(r"sk-proj-[A-Za-z0-9_-]+")


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_anthropic_key_format(behaviour: str) -> None:
    key = demo_key("anthropic", behaviour)
    assert len(key) == 108
    assert ANTHROPIC_KEY.fullmatch(key)
    assert f"fake-{behaviour}-" in key
    assert not re.search(r"\s", key)


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_openai_key_format(behaviour: str) -> None:
    key = demo_key("openai", behaviour)
    assert 100 <= len(key) <= 170
    assert OPENAI_KEY.fullmatch(key)
    assert not key.startswith("sk-ant-")
    assert "T3BlbkFJ" in key
    assert f"fake-{behaviour}-" in key
    assert not re.search(r"\s", key)


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_key_selects_its_behaviour(provider: str, behaviour: str) -> None:
    selected = behaviour_for_key(demo_key(provider, behaviour))
    assert selected is not None
    assert selected.name == behaviour


def test_keys_are_deterministic_and_salt_makes_them_distinct() -> None:
    assert demo_key("openai", "valid") == demo_key("openai", "valid")
    assert demo_key("openai", "valid") != demo_key("openai", "valid", salt="b")
    assert demo_key("anthropic", "valid") != demo_key("openai", "valid")


def test_slow_takes_seconds_from_marker() -> None:
    assert behaviour_for_key(demo_key("anthropic", "slow2")) == Behaviour("slow", 2.0)
    assert behaviour_for_key("x-fake-slow-y") == Behaviour("slow", 5.0)
    assert behaviour_for_key("fake-slow99999999-") is None


def test_unknown_marker_means_no_behaviour() -> None:
    assert behaviour_for_key("sk-ant-api03-nothing-here") is None
    assert behaviour_for_key("fake-admin-") is None
    # The first *known* marker wins.
    assert behaviour_for_key("fake-zzz-fake-nocredit-") == Behaviour("nocredit")


def test_unknown_provider_or_behaviour_is_refused() -> None:
    with pytest.raises(ValueError):
        demo_key("gemini", "valid")
    with pytest.raises(ValueError):
        demo_key("openai", "admin")
