"""The scorecard as plain data, so the scorer needs neither the ORM nor settings."""

from dataclasses import dataclass, field

from health.scoring.constants import DEFAULT_TARGETS, DEFAULT_THRESHOLDS, DEFAULT_WEIGHTS


@dataclass(frozen=True)
class ScorecardSpec:
    weights: dict = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    thresholds: dict = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    targets: dict = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    version: int = 1
    scorecard_id: int | None = None

    @classmethod
    def from_scorecard(cls, scorecard) -> "ScorecardSpec":
        return cls(
            weights=scorecard.effective_weights,
            thresholds=scorecard.effective_thresholds,
            targets=scorecard.effective_targets,
            version=scorecard.version,
            scorecard_id=scorecard.pk,
        )

    def target(self, name: str):
        return self.targets.get(name, DEFAULT_TARGETS[name])
