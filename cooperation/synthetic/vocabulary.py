"""Vocabulary and sentence builders for synthetic briefs and records (no Django here).

The words are the portal's real domain (states, agencies, technologies), so a
search, a list or a dashboard over synthetic data exercises the same words and
the same selectivity a real corpus would.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

ACTORS: tuple[tuple[str, str], ...] = (
    ("India", "state"),
    ("Japan", "state"),
    ("United States", "state"),
    ("Australia", "state"),
    ("France", "state"),
    ("Germany", "state"),
    ("United Kingdom", "state"),
    ("South Korea", "state"),
    ("Indonesia", "state"),
    ("Vietnam", "state"),
    ("Philippines", "state"),
    ("Singapore", "state"),
    ("Israel", "state"),
    ("United Arab Emirates", "state"),
    ("Italy", "state"),
    ("Canada", "state"),
    ("QUAD", "grouping"),
    ("ASEAN", "grouping"),
    ("BIMSTEC", "grouping"),
    ("European Union", "international_organisation"),
    ("ATLA", "agency"),
    ("DRDO", "agency"),
    ("ISRO", "agency"),
    ("JAXA", "agency"),
    ("Ministry of Defence (India)", "agency"),
    ("Ministry of Defense (Japan)", "agency"),
    ("Indian Navy", "armed_forces"),
    ("Japan Maritime Self-Defense Force", "armed_forces"),
    ("Indian Air Force", "armed_forces"),
    ("Mitsubishi Heavy Industries", "industry"),
    ("Hindustan Aeronautics Limited", "industry"),
    ("Bharat Electronics", "industry"),
    ("Larsen & Toubro", "industry"),
    ("Kawasaki Heavy Industries", "industry"),
    ("Tata Advanced Systems", "industry"),
    ("CENJOWS", "think_tank"),
    ("Observer Research Foundation", "think_tank"),
    ("Japan Institute of International Affairs", "think_tank"),
)

TOPICS: tuple[str, ...] = (
    "Semiconductors",
    "Space",
    "Maritime security",
    "Artificial intelligence",
    "Hypersonics",
    "Unmanned systems",
    "Cybersecurity",
    "Dual-use technology",
    "Shipbuilding",
    "Critical minerals",
    "Quantum technology",
    "Rare earths",
    "Undersea cables",
    "5G and telecommunications",
    "Defence industrial base",
    "Supply chain resilience",
    "Humanitarian assistance",
    "Disaster relief",
    "Counter-terrorism",
    "Nuclear energy",
    "Clean energy",
    "Infrastructure finance",
    "Electronic warfare",
    "Missile defence",
    "Submarine technology",
)

SYSTEMS = (
    "US-2 amphibious aircraft",
    "Unicorn mast antenna",
    "Mine countermeasure vessel",
    "Ground-based radar",
    "Unmanned ground vehicle",
    "Maritime patrol aircraft",
    "Satellite navigation payload",
    "Lunar polar exploration rover",
    "Hypersonic test vehicle",
    "Submarine battery system",
    "Fighter engine component",
    "Semiconductor fabrication line",
    "Coastal surveillance network",
    "Tactical data link",
    "Counter-drone system",
)

AGREEMENT_NOUNS = {
    "declaration": "Joint Declaration",
    "agreement": "Agreement",
    "mou": "Memorandum of Cooperation",
    "national_policy": "National Strategy",
    "legislation": "Act",
    "initiative": "Framework Initiative",
}
DEAL_NOUNS = {
    "acquisition": "acquisition",
    "co_development": "co-development",
    "co_production": "co-production",
    "technology_collaboration": "technology collaboration",
}
CHALLENGE_NOUNS = {
    "cost": "High unit costs",
    "regulation": "Export-control regulation",
    "procedure": "Slow procurement procedure",
    "technology_transfer": "Limited technology transfer",
    "strategic_alignment": "Diverging strategic priorities",
    "infrastructure": "Missing test infrastructure",
    "dependency": "Dependence on third-party suppliers",
    "finance": "Scarce long-term finance",
    "other": "Unresolved coordination gaps",
}
RECOMMENDATION_VERBS = (
    "Establish",
    "Create",
    "Fund",
    "Launch",
    "Expand",
    "Streamline",
    "Institutionalise",
    "Pilot",
)
RECOMMENDATION_OBJECTS = (
    "a joint working group on {topic}",
    "a co-development fund for {topic}",
    "a single-window clearance for {topic} exports",
    "an annual {topic} industry dialogue",
    "shared test ranges for {topic}",
    "a talent exchange programme in {topic}",
    "a track-two dialogue on {topic}",
    "common standards for {topic}",
)

_SENTENCES = (
    "{a1} and {a2} agreed to deepen cooperation on {t}, building on the dialogue held in {y}.",
    "Officials from {a1} noted that {c} continues to slow {t} projects with {a2}.",
    "The {s} programme, led by {a1} with support from {a2}, entered a new phase in {y}.",
    "Analysts at {a3} recommend that {a1} open its {t} laboratories to partners from {a2}.",
    "Export controls in {a1} remain a hurdle for transfers of {t} know-how to {a2}.",
    "In {y}, {a1} announced a roadmap for {t} that names {a2} as a priority partner.",
    "Industry in {a2} has asked {a1} for predictable orders before investing in {t}.",
    "A working group on {t} met in {y} and reported progress on the {s}.",
    "{a1} regards {t} as central to its strategy in the Indo-Pacific.",
    "Cooperation with {a2} on the {s} stalled after disagreements over cost sharing.",
    "The joint statement of {y} commits {a1} and {a2} to a review of {t} supply chains.",
    "Without long-term finance, {t} ventures between {a1} and {a2} struggle to scale.",
)


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int


@dataclass(frozen=True)
class BriefText:
    text: str
    sentences: tuple[Sentence, ...]


class Writer:
    """Builds text from a seeded random generator, so the same seed writes the same words."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.actor_names = [name for name, _ in ACTORS]

    def actors(self, k: int) -> list[str]:
        return self.rng.sample(self.actor_names, k)

    def sentence(self) -> str:
        a1, a2, a3 = self.actors(3)
        template = self.rng.choice(_SENTENCES)
        return template.format(
            a1=a1,
            a2=a2,
            a3=a3,
            t=self.rng.choice(TOPICS).lower(),
            c=self.rng.choice(list(CHALLENGE_NOUNS.values())).lower(),
            s=self.rng.choice(SYSTEMS),
            y=self.rng.randint(2008, 2026),
        )

    def brief(self, *, heading: str, paragraphs: int) -> BriefText:
        """A brief: a heading line, then paragraphs of sentences whose spans are known."""
        parts = [heading, "\n\n"]
        length = len(heading) + 2
        sentences = []
        for _ in range(paragraphs):
            for index in range(self.rng.randint(3, 6)):
                if index:
                    parts.append(" ")
                    length += 1
                sentence = self.sentence()
                sentences.append(Sentence(length, length + len(sentence)))
                parts.append(sentence)
                length += len(sentence)
            parts.append("\n\n")
            length += 2
        return BriefText("".join(parts), tuple(sentences))

    def summary(self) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(1, 3)))
