from django.contrib import admin

from accounts.models import (
    Account,
    ArrChange,
    Commitment,
    Decision,
    ImportMapping,
    Note,
    ObjectiveSignature,
    OnboardingMilestone,
    SharedObjective,
    Stakeholder,
    TermsChange,
)


class StakeholderInline(admin.TabularInline):
    model = Stakeholder
    extra = 0
    fields = ("name", "role", "function", "last_engaged_on", "active", "left_on")


class HistoryInline(admin.TabularInline):
    """A history the database writes whenever the account changes, so it is read-only."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ArrChangeInline(HistoryInline):
    model = ArrChange
    fields = readonly_fields = ("valid_from", "arr")


class TermsChangeInline(HistoryInline):
    model = TermsChange
    fields = readonly_fields = (
        "valid_from",
        "renewal_date",
        "last_renewed_on",
        "crm_status",
        "seats",
    )


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("name", "segment", "arr", "renewal_date", "csm", "lifecycle_stage", "outcome")
    list_filter = ("segment", "lifecycle_stage", "outcome", "crm_status", "handoff_urgency", "csm")
    search_fields = ("name", "external_id")
    readonly_fields = ("deviating_terms", "created_at", "updated_at")
    date_hierarchy = "renewal_date"
    list_select_related = ("csm",)
    inlines = [StakeholderInline, ArrChangeInline, TermsChangeInline]


@admin.register(Stakeholder)
class StakeholderAdmin(admin.ModelAdmin):
    list_display = ("name", "account", "role", "function", "last_engaged_on", "active", "left_on")
    list_filter = ("role", "active", "success_definition_conflicts")
    search_fields = ("name", "email", "account__name")
    list_select_related = ("account",)
    raw_id_fields = ("account",)


class SignatureInline(admin.TabularInline):
    model = ObjectiveSignature
    extra = 0
    raw_id_fields = ("stakeholder",)


@admin.register(SharedObjective)
class SharedObjectiveAdmin(admin.ModelAdmin):
    list_display = ("account", "review_cadence_days", "last_reviewed_on")
    search_fields = ("account__name", "outcome")
    raw_id_fields = ("account",)
    inlines = [SignatureInline]


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ("summary", "account", "decided_on", "circulated_on", "reopened_on")
    list_filter = ("decided_on", "reopened_on")
    search_fields = ("summary", "account__name")
    raw_id_fields = ("account", "owner")


@admin.register(Commitment)
class CommitmentAdmin(admin.ModelAdmin):
    list_display = ("title", "account", "roadmap_item", "product_status", "scoped", "due_on")
    list_filter = ("product_status", "scoped")
    search_fields = ("title", "told_customer", "account__name")
    raw_id_fields = ("account", "roadmap_item")


@admin.register(OnboardingMilestone)
class OnboardingMilestoneAdmin(admin.ModelAdmin):
    list_display = ("name", "account", "kind", "proof_signal", "target_on", "completed_on")
    list_filter = ("kind", "proof_signal")
    search_fields = ("name", "account__name")
    raw_id_fields = ("account",)


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ("account", "author", "created_at")
    search_fields = ("body", "account__name")
    raw_id_fields = ("account",)


@admin.register(ImportMapping)
class ImportMappingAdmin(admin.ModelAdmin):
    """Remembered column mappings: delete one and the next file with its headers is mapped
    afresh."""

    list_display = ("kind", "user", "updated_at")
    list_filter = ("kind",)
    readonly_fields = ("headers_key", "headers")
    raw_id_fields = ("user",)
