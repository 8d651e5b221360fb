from django.contrib import admin

from .models import Call, Criterion, Question, Theme


class ThemeInline(admin.TabularInline):
    model = Theme
    extra = 0


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ("title", "ideas_open_at", "proposals_due_at")
    inlines = [ThemeInline, QuestionInline]


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


CallAdmin.inlines = [*CallAdmin.inlines, CriterionInline]
