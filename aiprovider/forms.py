from django import forms

from aiprovider.models import Provider

STALE_PAGE = "This page is out of date. Reload it and make your change again."


class VersionInput(forms.HiddenInput):
    """A hidden version number that never echoes anything but digits.

    A bound form re-renders what was submitted; whatever landed in this
    field (a pasted key, say) must not come back in the page.
    """

    def format_value(self, value: object) -> str | None:
        text = str(value) if value is not None else ""
        return text if text.isdigit() else None


class ProviderSettingsForm(forms.Form):
    provider = forms.ChoiceField(
        choices=Provider.choices,
        widget=forms.RadioSelect,
        # Django's default message repeats the submitted value.
        error_messages={
            "invalid_choice": "Choose System Default, Claude (Anthropic) or OpenAI.",
            "required": "Choose System Default, Claude (Anthropic) or OpenAI.",
        },
    )
    api_key = forms.CharField(
        label="API key",
        required=False,
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(
            render_value=False,
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "off",
                "placeholder": "Paste a new key to replace the saved one",
            },
        ),
        error_messages={"max_length": "That is far longer than any API key."},
    )
    fallback_to_system = forms.BooleanField(
        label="Fall back to Scoop AI when my provider is unavailable",
        required=False,
    )
    # The version the page was rendered from; a stale one means someone else
    # saved in between. Optional so scripted posts without it still work.
    version = forms.IntegerField(
        widget=VersionInput,
        min_value=1,
        required=False,
        error_messages={"invalid": STALE_PAGE, "min_value": STALE_PAGE},
    )


USAGE_MAX_DAYS = 366


class UsagePeriodForm(forms.Form):
    """The UTC days a usage report covers; both ends included."""

    start = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the first day as YYYY-MM-DD."},
    )
    end = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter the last day as YYYY-MM-DD."},
    )

    def clean(self) -> dict[str, object]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", "Choose a last day on or after the first day.")
        elif start and end and (end - start).days >= USAGE_MAX_DAYS:
            self.add_error("start", f"Choose at most {USAGE_MAX_DAYS} days.")
        return data
