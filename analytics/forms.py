from django import forms

from analytics.services import TASK_INSTRUCTIONS

TASK_LABELS = {
    "query": "Question",
    "why": "Why investigation",
    "ml_analysis": "ML analysis",
    "predictive": "Predictive analytics",
    "summary": "Summary",
    "chart": "Chart suggestion",
    "canvas": "Presentation outline",
}


class DatasetUploadForm(forms.Form):
    name = forms.CharField(max_length=200)
    file = forms.FileField(label="CSV file")


class QuestionForm(forms.Form):
    question = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        initial="Show me a summary of this data",
    )
    task = forms.ChoiceField(
        choices=[(task, TASK_LABELS[task]) for task in TASK_INSTRUCTIONS],
        initial="query",
        error_messages={"invalid_choice": "Choose one of the listed tasks."},
    )
