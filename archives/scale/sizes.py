"""How much data each size loads; every count can be overridden on the command line."""

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Sizes:
    communities: int
    units: int
    owners: int
    records: int  # reception records (R-REC-1), those followed up as complaints included
    complaints: int
    violations: int
    access_logs: int  # archive access log rows; one look-up request for about five of them

    def __post_init__(self):
        for field in fields(self):
            if getattr(self, field.name) < 0:
                raise ValueError(f"{field.name} cannot be negative")
        if self.communities < 1:
            raise ValueError("at least one community is needed")
        if self.units < self.communities * 10:
            raise ValueError("give each community at least 10 units")
        if self.owners < 1:
            raise ValueError("at least one owner is needed")

    def with_overrides(self, **counts) -> "Sizes":
        return replace(self, **{name: value for name, value in counts.items() if value is not None})

    @property
    def records_as_complaints(self) -> int:
        """Complaints that came in through the front desk (the usual way): 60%, while the records of
        kind complaint stay at most a third of all records."""
        return min(round(0.6 * self.complaints), self.records // 3)


SIZES = {
    "small": Sizes(
        communities=5,
        units=1_000,
        owners=1_000,
        records=5_000,
        complaints=2_000,
        violations=500,
        access_logs=500,
    ),
    "medium": Sizes(
        communities=20,
        units=20_000,
        owners=20_000,
        records=200_000,
        complaints=100_000,
        violations=20_000,
        access_logs=10_000,
    ),
    "large": Sizes(
        communities=200,
        units=200_000,
        owners=200_000,
        records=2_000_000,
        complaints=1_000_000,
        violations=200_000,
        access_logs=100_000,
    ),
}

COUNT_OPTIONS = [field.name for field in fields(Sizes)]
