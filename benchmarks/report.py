"""What each bar hands back to the runner."""

from dataclasses import dataclass, field

from benchmarks.stats import BarVerdict


@dataclass
class BarResult:
    title: str
    verdicts: list[BarVerdict] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    data: dict[str, object] = field(default_factory=dict)

    def add(self, text: str) -> None:
        self.sections.append(text)

    def markdown(self) -> str:
        return f"### {self.title}\n\n" + "\n\n".join(self.sections)
