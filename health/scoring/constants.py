"""The scorecard's vocabulary and defaults: plain data, importable with no Django at all."""

COMPONENTS = (
    "outcomes",
    "adoption",
    "engagement",
    "alignment",
    "commitments",
    "confidence",
    "sentiment",
    "support",
    "commercial",
)

# Confidence is the customer's own answer to "how confident are you in it?" (DOMAIN.md: setup is
# mechanical, confidence is human); Sentiment is the CSM's belief, shown beside the score and
# weighed only where a scorecard says so (issue 14). Support is the customer's friction: how
# much help they needed (support tickets, help-centre visits: the `support` category); shown
# beside the score and weighed where calibration on a company's own churns says it predicts.
DEFAULT_WEIGHTS = {
    "outcomes": 35,
    "adoption": 20,
    "engagement": 20,
    "alignment": 15,
    "commitments": 10,
    "confidence": 10,
    "sentiment": 0,
    "support": 0,
    "commercial": 0,  # issue 25: commercial context beside the score, weighed where calibrated
}
# The Sentiment component's score for each rating the CSM can give.
SENTIMENT_SCORES = {"green": 100.0, "amber": 50.0, "red": 0.0}
DEFAULT_THRESHOLDS = {"green": 70, "amber": 40}
DEFAULT_TARGETS = {
    "time_to_value_days": 30,
    "stale_after_days": 14,
    "renewed_within_days": 90,
    "renewing_within_days": 120,
    "exec_silence_days": 180,
    "active_window_days": 30,
    "invite_window_days": 90,
    # How long an account from which no signal has ever come stays `unknown` (not red) after
    # the later of its contract start and its arrival in Candor: missing is missing, at first.
    "silence_grace_days": 30,
}
