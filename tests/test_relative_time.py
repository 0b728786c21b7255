"""Times on pages read the way a person would say them."""

from datetime import timedelta

from django.utils import timezone

from scoop_byok.templatetags.relative_time import age_in_days, ago


def test_a_moment_ago_is_just_now():
    assert ago(timezone.now() - timedelta(seconds=20)) == "just now"


def test_longer_ago_says_how_long():
    assert (
        ago(timezone.now() - timedelta(hours=3, minutes=5))
        == "3\xa0hours, 5\xa0minutes ago"
    )


def test_a_key_saved_today_is_less_than_a_day_old():
    assert age_in_days(0) == "less than a day old"
    assert age_in_days(1) == "1 day old"
    assert age_in_days(91) == "91 days old"
