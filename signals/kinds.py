"""The vocabulary of signal kinds as plain data (no Django): the built-in kinds and their groups.

Kinds are data (`SignalKindDef` rows, seeded with these by signals 0010, extended by companies
at `/api/v1/signal-kinds/`); this module is the one place the built-in ones and the default
groups a scorecard starts from are written down. The scorer imports it too, so it stays pure.
"""

CATEGORIES = ("value", "usage", "people", "support", "survey")

# code: (label, category)
BUILTIN_KINDS = {
    "login": ("Login", "usage"),
    "report_generated": ("Report generated", "usage"),
    "roi_report_generated": ("ROI report generated", "value"),
    "colleague_invited": ("Colleague invited", "usage"),
    "feature_used": ("Feature used", "usage"),
    "export": ("Export", "usage"),
    "api_call": ("API call", "usage"),
    "support_ticket": ("Support ticket", "support"),
    "exec_meeting": ("Exec meeting", "people"),
    "upsell_call_accepted": ("Upsell call accepted", "people"),
    "upsell_call_declined": ("Upsell call declined", "people"),
    "confidence_survey": ("Confidence survey answer", "survey"),
}

# The events that prove the customer got what they bought, unless a scorecard says otherwise.
DEFAULT_VALUE_KINDS = ("roi_report_generated",)
# Whose actors count as active users, unless a scorecard says otherwise. The last-seen rollup
# (signals 0006's triggers) tracks exactly these, so a scorecard using them reads the rollup.
DEFAULT_USAGE_KINDS = (
    "login",
    "report_generated",
    "roi_report_generated",
    "feature_used",
    "export",
)
