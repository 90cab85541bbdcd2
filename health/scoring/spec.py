"""The scorecard as plain data, so the scorer needs neither the ORM nor settings."""

from dataclasses import dataclass, field

from health.scoring.constants import DEFAULT_TARGETS, DEFAULT_THRESHOLDS, DEFAULT_WEIGHTS
from health.scoring.flags import CAPPING_FLAGS
from signals.kinds import BUILTIN_KINDS, DEFAULT_USAGE_KINDS, DEFAULT_VALUE_KINDS


def kinds_label(kinds, labels: dict | None = None) -> str:
    """How reasons name a scorecard's value kinds: their labels, joined with "or"."""
    labels = {**{code: label for code, (label, _) in BUILTIN_KINDS.items()}, **(labels or {})}
    return " or ".join(labels.get(kind, kind) for kind in kinds) or "none"


@dataclass(frozen=True)
class ScorecardSpec:
    """One scorecard version: what the scorer weighs, where the colours cut off, which flags cap
    green at amber, and which signal kinds the features count as value and as usage."""

    weights: dict = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    thresholds: dict = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    targets: dict = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    capping_flags: tuple = CAPPING_FLAGS
    value_kinds: tuple = DEFAULT_VALUE_KINDS
    usage_kinds: tuple = DEFAULT_USAGE_KINDS
    value_label: str = ""
    version: int = 1
    scorecard_id: int | None = None

    def __post_init__(self):
        for name in ("capping_flags", "value_kinds", "usage_kinds"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if not self.value_label:
            object.__setattr__(self, "value_label", kinds_label(self.value_kinds))

    @classmethod
    def from_version(cls, version, labels: dict | None = None) -> "ScorecardSpec":
        """From a stored scorecard version (or anything with its fields), defaults filled in."""
        value_kinds = tuple(version.value_kinds)
        return cls(
            weights={**DEFAULT_WEIGHTS, **(version.weights or {})},
            thresholds={**DEFAULT_THRESHOLDS, **(version.thresholds or {})},
            targets={**DEFAULT_TARGETS, **(version.targets or {})},
            capping_flags=tuple(version.capping_flags),
            value_kinds=value_kinds,
            usage_kinds=tuple(version.usage_kinds),
            value_label=kinds_label(value_kinds, labels),
            version=version.number,
            scorecard_id=version.scorecard_id,
        )

    def target(self, name: str):
        return self.targets.get(name, DEFAULT_TARGETS[name])
