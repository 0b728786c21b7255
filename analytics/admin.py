from django.contrib import admin

from analytics.models import Dataset, Question
from scoop_byok.admin_lookups import ListedFiltersOnly


@admin.register(Dataset)
class DatasetAdmin(ListedFiltersOnly, admin.ModelAdmin):
    list_display = ["name", "account", "row_count", "summary_status", "created_at"]
    search_fields = ["name", "account__name"]
    list_filter = ["summary_status"]
    exclude = ["content"]
    readonly_fields = ["account", "uploaded_by", "columns", "row_count", "created_at"]


@admin.register(Question)
class QuestionAdmin(ListedFiltersOnly, admin.ModelAdmin):
    list_display = ["question", "account", "task", "provider", "billing", "created_at"]
    list_filter = ["task", "provider", "billing"]
    search_fields = ["question", "account__name"]
    readonly_fields = [
        "account",
        "dataset",
        "user",
        "task",
        "question",
        "answer",
        "provider",
        "model",
        "billing",
        "created_at",
    ]
