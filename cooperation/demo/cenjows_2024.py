"""Curated records of the demo brief: CENJOWS talk GL/31/24 (21 November 2024).

"India-Japan Strategic Cooperation: Future Contours" by Dr Ulupi Borah. Pure data, read by
``load_demo``. Every record points at the exact words of the brief that support it.

Evidence items take one of three forms:

* ``{"quote": "..."}`` - the words occur exactly once in the brief;
* ``{"quote": "...", "occurrence": n}`` - the n-th (1-based) occurrence of repeated words;
* ``{"from": "...", "to": "..."}`` - from the start of the unique ``from`` text to the end of
  the first ``to`` text after it (used where a sentence crosses the running page header).

Choice values are the string values of ``cooperation.choices``. Where a record carries a fact
that is not in the brief (mostly dates), its summary says so.

Every factual value of a record (``cooperation.provenance.FACTS``: statuses, dates, parties,
supplier and recipient, severity, priority, addressees…) has an entry in the item's ``basis``,
field by field, in one of three forms:

* ``{"brief": [evidence items]}`` - the words of the brief that state it (as above);
* ``{"public_record": "<key>"}`` - a public record in ``CITATIONS`` below, for a value the
  brief does not state;
* ``{"judgement": "<one line>"}`` - the curating analyst's judgement and its reason.

``load_demo`` refuses a value without an entry (and an entry without a value), so nothing
is added here without saying where it comes from. A value that cannot be cited is left empty.
"""

from datetime import date

SOURCE = {
    "title": "India\u2013Japan Strategic Cooperation: Future Contours",
    "publisher": "Centre for Joint Warfare Studies (CENJOWS)",
    "authors": "Dr Ulupi Borah",
    "reference_code": "GL/31/24",
    "published_on": date(2024, 11, 21),
    "filename": "000_f3aa8d759f199db0.txt",
}

# ---------------------------------------------------------------------------
# Actors
# ---------------------------------------------------------------------------

ACTORS = [
    {
        "slug": "india",
        "name": "India",
        "kind": "state",
        "description": (
            "Republic of India. In the brief it follows a strategic autonomy and multi-alignment "
            "policy, is a QUAD member, is modernising its armed forces and is Japan's partner in "
            "the Special Strategic and Global Partnership."
        ),
    },
    {
        "slug": "japan",
        "name": "Japan",
        "kind": "state",
        "description": (
            "Japan. The brief describes a shift in its Indo-Pacific security policy from a "
            "defensive to an offensive posture: Article 9 reinterpreted, the 2015 Security "
            "Legislation, defence-equipment exports under the Three Principles and the 2022 "
            "National Security Strategy."
        ),
    },
    {
        "slug": "united-states",
        "name": "United States",
        "kind": "state",
        "description": (
            "United States of America. Japan's principal ally and the source of much of its "
            "military hardware (which Japan finds hard to transfer to third parties); also one of "
            "India's traditional sources of defence technology and a QUAD member."
        ),
    },
    {
        "slug": "china",
        "name": "China",
        "kind": "state",
        "description": (
            "People's Republic of China. Named in the brief among the threats targeted by "
            "Japan's 2022 National Security Strategy."
        ),
    },
    {
        "slug": "north-korea",
        "name": "North Korea",
        "kind": "state",
        "description": (
            "Democratic People's Republic of Korea. Named in the brief among the threats targeted "
            "by Japan's 2022 National Security Strategy."
        ),
    },
    {
        "slug": "russia",
        "name": "Russia",
        "kind": "state",
        "description": (
            "Russian Federation. Named in the brief among the threats targeted by Japan's 2022 "
            "National Security Strategy, and as one of India's traditional sources of advanced "
            "defence technology."
        ),
    },
    {
        "slug": "france",
        "name": "France",
        "kind": "state",
        "description": (
            "France. Named in the brief as one of India's traditional sources of advanced "
            "defence technology."
        ),
    },
    {
        "slug": "israel",
        "name": "Israel",
        "kind": "state",
        "description": (
            "Israel. Named in the brief as one of India's traditional sources of advanced "
            "defence technology."
        ),
    },
    {
        "slug": "australia",
        "name": "Australia",
        "kind": "state",
        "description": (
            "Commonwealth of Australia. Not named in the brief; held only as the fourth member of "
            "the QUAD (membership from public record, not from the brief)."
        ),
    },
    {
        "slug": "quad",
        "name": "QUAD (Quadrilateral Security Dialogue)",
        "kind": "grouping",
        "description": (
            "Grouping of Australia, India, Japan and the United States (membership from public "
            "record). The brief names India as a QUAD member and proposes expanding defence "
            "industrial cooperation under the QUAD framework."
        ),
    },
    {
        "slug": "atla",
        "name": "Acquisition, Technology & Logistics Agency (ATLA)",
        "kind": "agency",
        "description": (
            "Japanese Ministry of Defense agency through which, per the brief, Japan advances "
            "cutting-edge defence technologies, emphasising dual-use innovation and arms exports "
            "to friendly nations."
        ),
    },
    {
        "slug": "cenjows",
        "name": "Centre for Joint Warfare Studies (CENJOWS)",
        "kind": "think_tank",
        "description": (
            "New Delhi think tank on joint warfare and defence; organised the 21 November 2024 "
            "talk by its Senior Fellow Dr Ulupi Borah that is this brief."
        ),
    },
    {
        "slug": "indian-armed-forces",
        "name": "Indian Armed Forces",
        "kind": "armed_forces",
        "description": (
            "India's armed forces, which the brief says are undergoing comprehensive "
            "modernisation: defence management, restructuring of commands and revitalisation of "
            "the defence industry."
        ),
    },
    {
        "slug": "indian-defence-industry",
        "name": "Indian defence industry",
        "kind": "industry",
        "description": (
            "India's defence industries, which the brief urges to bring in advanced defence "
            "technologies from Japan as well as from the US, France, Russia and Israel."
        ),
    },
]

# ---------------------------------------------------------------------------
# Topics
# ---------------------------------------------------------------------------

TOPICS = [
    {
        "slug": "semiconductors",
        "name": "Semiconductors",
        "description": "Semiconductor technology and supply, an India-Japan collaboration area.",
    },
    {
        "slug": "space",
        "name": "Space",
        "description": "Space technologies and the space sector.",
    },
    {
        "slug": "maritime-security",
        "name": "Maritime security",
        "description": "Security at sea and maritime-sector cooperation.",
    },
    {
        "slug": "artificial-intelligence",
        "name": "Artificial intelligence",
        "description": "AI for defence and security.",
    },
    {
        "slug": "hypersonics",
        "name": "Hypersonics",
        "description": "Hypersonic weapons and related technologies.",
    },
    {
        "slug": "unmanned-systems",
        "name": "Unmanned systems",
        "description": "Uncrewed aerial, surface and underwater systems.",
    },
    {
        "slug": "cybersecurity",
        "name": "Cybersecurity",
        "description": "Protection of networks and systems; cyber defence.",
    },
    {
        "slug": "dual-use-technology",
        "name": "Dual-use technology",
        "description": "Technologies with both civilian and military application.",
    },
    {
        "slug": "defence-exports",
        "name": "Defence exports and export controls",
        "description": "Arms and defence-equipment exports and the rules that govern them.",
    },
    {
        "slug": "counter-strike",
        "name": "Counter-strike capabilities",
        "description": "Capabilities to strike an attacker's territory in self-defence.",
    },
    {
        "slug": "supply-chains",
        "name": "Supply chains",
        "description": "Resilience and security of defence and technology supply chains.",
    },
    {
        "slug": "defence-procurement",
        "name": "Defence procurement",
        "description": "Acquisition of defence equipment: procedures, compliance, sourcing.",
    },
    {
        "slug": "technology-transfer",
        "name": "Technology transfer",
        "description": "Transfer of defence technology and know-how between states and firms.",
    },
    {
        "slug": "defence-finance",
        "name": "Defence finance and investment",
        "description": "Financial mechanisms, investment, cost-sharing for defence projects.",
    },
    {
        "slug": "defence-spending",
        "name": "Defence spending",
        "description": "Levels of national defence budgets.",
    },
    {
        "slug": "collective-self-defence",
        "name": "Collective self-defence",
        "description": "The right to defend allies or partners under armed attack.",
    },
    {
        "slug": "military-modernisation",
        "name": "Military modernisation",
        "description": "Restructuring and re-equipping armed forces; defence management reform.",
    },
    {
        "slug": "defence-industry",
        "name": "Defence industrial cooperation",
        "description": "Defence industrial base and cooperation between defence industries.",
    },
    {
        "slug": "co-development-co-production",
        "name": "Co-development and co-production",
        "description": "Joint development and joint manufacture of defence systems.",
    },
    {
        "slug": "indo-pacific",
        "name": "Indo-Pacific security",
        "description": (
            "Regional security across the Indian Ocean Region, the East China Sea and the South "
            "China Sea."
        ),
    },
    {
        "slug": "naval-platforms",
        "name": "Naval platforms",
        "description": "Submarines, amphibious and maritime aircraft and other naval platforms.",
    },
]

# ---------------------------------------------------------------------------
# Public records cited for values the brief does not state
# ---------------------------------------------------------------------------

# Read for this curation on the date given; each is the record a value's claim cites
# (``{"public_record": "<key>"}`` in an item's ``basis``).
_READ_ON = date(2026, 12, 4)

CITATIONS = {
    "mofa-japan-india-summit-2014": {
        "title": "Japan-India Summit Meeting",
        "publisher": "Ministry of Foreign Affairs of Japan",
        "url": "https://www.mofa.go.jp/s_sa/sw/in/page23e_000339.html",
        "accessed": _READ_ON,
        # The summit of Monday 1 September 2014, after which the two prime ministers signed
        # the Tokyo Declaration as a joint statement.
    },
    "lok-sabha-defence-cooperation-japan": {
        "title": "Defence Cooperation between India and Japan (Lok Sabha question, "
        "answer of the Minister of Defence)",
        "publisher": "Lok Sabha, Parliament of India (text as published by datais.info)",
        "url": "https://datais.info/loksabha/question/46ad881ff51bdffa2e327e58b9babaab/"
        "Defence+Cooperation+between+India+and+Japan",
        "accessed": _READ_ON,
        # The ministry's answer gives 12 December 2015 as the day the transfer agreement
        # was signed with Japan.
    },
    "mofa-security-legislation": {
        "title": "Development of Security Legislation (Japan's Legislation for Peace and Security)",
        "publisher": "Ministry of Foreign Affairs of Japan",
        "url": "https://www.mofa.go.jp/fp/nsp/page1we_000084.html",
        "accessed": _READ_ON,
        # The Diet approved the legislation on 19 September 2015.
    },
    "japan-times-security-laws-take-effect": {
        "title": "New security laws take effect next Tuesday, but SDF not ready, defense "
        "chief says",
        "publisher": "The Japan Times (22 March 2016)",
        "url": "http://japantimes.co.jp/news/2016/03/22/national/politics-diplomacy/"
        "new-security-laws-take-effect-next-tuesday-but-sdf-not-ready-defense-chief-says",
        "accessed": _READ_ON,
        # The Cabinet confirmed that the laws take effect on 29 March 2016.
    },
    "cabinet-decision-seamless-security-2014": {
        "title": "Cabinet Decision on Development of Seamless Security Legislation to "
        "Ensure Japan's Survival and Protect its People (provisional translation)",
        "publisher": 'Prime Minister of Japan and His Cabinet, in "The World and Japan" '
        "Database (GRIPS / University of Tokyo)",
        "url": "https://worldjpn.net/documents/texts/JPSC/20140701.O2E.html",
        "accessed": _READ_ON,
        # Tokyo, July 1, 2014.
    },
    "mofa-three-principles-2014": {
        "title": "The Three Principles on Transfer of Defense Equipment and Technology "
        "(press release)",
        "publisher": "Ministry of Foreign Affairs of Japan",
        "url": "https://www.mofa.go.jp/press/release/press22e_000010.html",
        "accessed": _READ_ON,
        # The Government of Japan set out the Three Principles on 1 April 2014.
    },
    "mofa-nss-2022": {
        "title": 'Adoption of the new "National Security Strategy (NSS)" (Statement by '
        "Foreign Minister HAYASHI Yoshimasa)",
        "publisher": "Ministry of Foreign Affairs of Japan",
        "url": "https://www.mofa.go.jp/press/release/press4e_003192.html",
        "accessed": _READ_ON,
        # The Cabinet approved the new strategy on 16 December 2022.
    },
    "kantei-ticad-vi-address-2016": {
        "title": "Address by Prime Minister Shinzo Abe at the Opening Session of the Sixth "
        "Tokyo International Conference on African Development (TICAD VI)",
        "publisher": "Prime Minister of Japan and His Cabinet",
        "url": "https://japan.kantei.go.jp/97_abe/statement/201608/1218850_11013.html",
        "accessed": _READ_ON,
        # Nairobi, August 27, 2016: the keynote in which Japan's free and open Indo-Pacific
        # strategy was first set out.
    },
    "state-department-quad-melbourne-2022": {
        "title": "Secretary Antony J. Blinken Opening Remarks at the Quadrilateral Security "
        "Dialogue Meeting",
        "publisher": "U.S. Department of State (Melbourne, 11 February 2022)",
        "url": "https://www.state.gov/remarks-february-11-2022-secretary-antony-j-blinken-"
        "opening-remarks-at-the-quadrilateral-security-dialogue-meeting-february-11-2022-"
        "commonwealth-parliamentary-offices-melbourne-australia-forei/",
        "accessed": _READ_ON,
        # The Quad's four members: Australia, India, Japan and the United States.
    },
}

# ---------------------------------------------------------------------------
# Agreements, national policies, legislation and initiatives
# ---------------------------------------------------------------------------

# Passages a record's evidence and some of its values' bases both quote.
_INDIA_POLICY = (
    "India adopts a strategic autonomy and multi-alignment policy, engaging major powers while "
    "preserving independence, especially as a QUAD member."
)
_MODERNISATION = (
    "The Indian Armed Forces are undergoing comprehensive modernization, focusing on defence "
    "management, restructuring commands, and revitalizing the defence industry."
)

AGREEMENTS = [
    {
        "slug": "tokyo-declaration-2014",
        "title": "Tokyo Declaration for India-Japan Special Strategic and Global Partnership",
        "summary": (
            "Declaration through which, per the brief, India and Japan initiated their defence "
            "technology cooperation; it raised the relationship to a Special Strategic and Global "
            "Partnership. Signed in Tokyo on 1 September 2014 by Prime Ministers Modi and Abe "
            "(date and place from public record, not from the brief)."
        ),
        "kind": "declaration",
        "status": "signed",
        "signed_on": date(2014, 9, 1),
        "signed_on_precision": "day",
        "in_force_on": None,
        "parties": ["india", "japan"],
        "actors": ["india", "japan"],
        "topics": ["technology-transfer", "defence-industry"],
        "basis": {
            "status": {"public_record": "mofa-japan-india-summit-2014"},
            "parties": {
                "brief": [
                    {
                        "quote": "Tokyo Declaration for India-Japan Special "
                        "Strategic and Global Partnership"
                    }
                ]
            },
            "signed_on": {"public_record": "mofa-japan-india-summit-2014"},
        },
        "evidence": [
            {"quote": "Tokyo Declaration for India-Japan Special Strategic and Global Partnership"},
            {
                "quote": (
                    "Based on these agreements the two countries are nurturing their "
                    "relationships in the positive direction."
                )
            },
        ],
    },
    {
        "slug": "india-japan-defence-equipment-transfer-agreement",
        "title": (
            "India-Japan Agreement concerning the Transfer of Defence Equipment and Technology"
        ),
        "summary": (
            "Bilateral agreement that frames the transfer of defence equipment and technology "
            "between India and Japan; the brief lists it among the agreements through which the "
            "two countries initiated defence technology cooperation. The brief names this "
            "agreement twice in one sentence (consecutive items of the same list); it is held "
            "once here, with an evidence excerpt for each of the two occurrences. The repetition "
            "looks like a drafting slip; the brief does not say whether another agreement was "
            "meant. Signed on 12 December 2015 (date from public record, not from the brief)."
        ),
        "kind": "agreement",
        "status": "signed",
        "signed_on": date(2015, 12, 12),
        "signed_on_precision": "day",
        "in_force_on": None,
        "parties": ["india", "japan"],
        "actors": ["india", "japan"],
        "topics": ["technology-transfer", "defence-exports", "defence-procurement"],
        "basis": {
            "status": {"public_record": "lok-sabha-defence-cooperation-japan"},
            "parties": {
                "brief": [
                    {
                        "quote": "India-Japan Agreement concerning the "
                        "Transfer of Defence Equipment and Technology",
                        "occurrence": 1,
                    }
                ]
            },
            "signed_on": {"public_record": "lok-sabha-defence-cooperation-japan"},
        },
        "evidence": [
            {
                "quote": (
                    "India-Japan Agreement concerning the Transfer of Defence Equipment and "
                    "Technology"
                ),
                "occurrence": 1,
            },
            {
                "quote": (
                    "India-Japan Agreement concerning the Transfer of Defence Equipment and "
                    "Technology"
                ),
                "occurrence": 2,
            },
        ],
    },
    {
        "slug": "japan-security-legislation-2015",
        "title": "Japan's Security Legislation (2015)",
        "summary": (
            "Japan's Legislation for Peace and Security, which the brief cites as part of Japan's "
            "shift from a defensive to an offensive posture, embracing a proactive contribution "
            "to peace and collective self-defence. Enacted by the Diet on 19 September 2015 and "
            "in force since 29 March 2016 (exact dates from public record; the brief gives only "
            "the year 2015)."
        ),
        "kind": "legislation",
        "status": "in_force",
        "signed_on": date(2015, 9, 19),
        "signed_on_precision": "day",
        "in_force_on": date(2016, 3, 29),
        "parties": ["japan"],
        "actors": ["japan"],
        "topics": ["collective-self-defence", "indo-pacific"],
        "basis": {
            "status": {"public_record": "japan-times-security-laws-take-effect"},
            "parties": {
                "brief": [
                    {
                        "from": "Reinterpreting its pacifist constitution",
                        "to": "collective self-defence",
                    }
                ]
            },
            "signed_on": {"public_record": "mofa-security-legislation"},
            "in_force_on": {"public_record": "japan-times-security-laws-take-effect"},
        },
        "evidence": [
            {"quote": "enacting Security Legislation (2015)"},
            {
                "quote": (
                    "Japan now embraces a proactive contribution to peace and collective "
                    "self-defence"
                )
            },
        ],
    },
    {
        "slug": "japan-article-9-reinterpretation",
        "title": "Reinterpretation of Japan's pacifist constitution (Article 9)",
        "summary": (
            "Japan's reinterpretation of its pacifist constitution, including Article 9, to allow "
            "collective self-defence; with the 2015 Security Legislation it underpins the shift "
            "the brief describes. Made by Cabinet decision on 1 July 2014 (date from public "
            "record, not from the brief)."
        ),
        "kind": "legislation",
        "status": "in_force",
        "signed_on": date(2014, 7, 1),
        "signed_on_precision": "day",
        "in_force_on": None,
        "parties": ["japan"],
        "actors": ["japan"],
        "topics": ["collective-self-defence"],
        "basis": {
            "status": {
                "judgement": "The 2015 Security Legislation rests on this reading "
                "and is in force; no later cabinet decision withdrew "
                "it"
            },
            "parties": {
                "brief": [
                    {
                        "from": "Reinterpreting its pacifist constitution",
                        "to": "collective self-defence",
                    }
                ]
            },
            "signed_on": {"public_record": "cabinet-decision-seamless-security-2014"},
        },
        "evidence": [
            {"quote": "Reinterpreting its pacifist constitution, including Article 9"},
        ],
    },
    {
        "slug": "japan-three-principles-defence-equipment-transfer",
        "title": "Japan's Three Principles on Transfer of Defence Equipment",
        "summary": (
            "Japanese policy under which, per the brief, Japan exports arms to friendly nations, "
            "with ATLA emphasising dual-use innovation. Adopted by Cabinet decision on 1 April "
            "2014 as the Three Principles on Transfer of Defense Equipment and Technology, "
            "replacing the earlier Three Principles on Arms Exports (date and history from public "
            "record, not from the brief)."
        ),
        "kind": "national_policy",
        "status": "in_force",
        "signed_on": date(2014, 4, 1),
        "signed_on_precision": "day",
        "in_force_on": None,
        "parties": ["japan"],
        "actors": ["japan", "atla"],
        "topics": ["defence-exports", "dual-use-technology", "technology-transfer"],
        "basis": {
            "status": {
                "brief": [
                    {
                        "quote": "arms exports to friendly nations under its "
                        '"Three Principles on Transfer of Defence '
                        'Equipment."'
                    }
                ]
            },
            "parties": {
                "judgement": "Japan's own export policy (the brief's \"its\" is "
                "Japan): Japan is its only party"
            },
            "signed_on": {"public_record": "mofa-three-principles-2014"},
        },
        "evidence": [
            {
                "quote": (
                    'arms exports to friendly nations under its "Three Principles on Transfer '
                    'of Defence Equipment."'
                )
            },
        ],
    },
    {
        "slug": "japan-national-security-strategy-2022",
        "title": "Japan's National Security Strategy (2022)",
        "summary": (
            "Japan's 2022 NSS, which per the brief highlights counter-strike capabilities and "
            "higher defence spending, targets threats from China, North Korea and Russia, "
            "strengthens alliances (above all with the US) and invests in AI, hypersonic and "
            "space technologies. Adopted by the Cabinet on 16 December 2022 (date from public "
            "record; the brief gives only the year)."
        ),
        "kind": "national_policy",
        "status": "in_force",
        "signed_on": date(2022, 12, 16),
        "signed_on_precision": "day",
        "in_force_on": None,
        "parties": ["japan"],
        "actors": ["japan", "china", "north-korea", "russia", "united-states"],
        "topics": [
            "counter-strike",
            "defence-spending",
            "artificial-intelligence",
            "hypersonics",
            "space",
            "indo-pacific",
        ],
        "basis": {
            "status": {
                "brief": [
                    {
                        "quote": "The 2022 National Security Strategy (NSS) "
                        "highlights counter strike capabilities and "
                        "increased defence spending, targeting threats "
                        "from China, North Korea, and Russia"
                    }
                ]
            },
            "parties": {"judgement": "Japan's own national strategy: Japan is its only party"},
            "signed_on": {"public_record": "mofa-nss-2022"},
        },
        "evidence": [
            {
                "quote": (
                    "The 2022 National Security Strategy (NSS) highlights counter strike "
                    "capabilities and increased defence spending, targeting threats from China, "
                    "North Korea, and Russia"
                )
            },
            {
                "quote": (
                    "strengthening alliances, particularly with the U.S., and investing in AI, "
                    "hypersonic, and space technologies"
                )
            },
        ],
    },
    {
        "slug": "india-strategic-autonomy-multi-alignment",
        "title": "India's strategic autonomy and multi-alignment policy",
        "summary": (
            "India's foreign and security policy of engaging major powers while preserving its "
            "independence, including as a QUAD member. The brief gives no date of adoption."
        ),
        "kind": "national_policy",
        "status": "in_force",
        "signed_on": None,
        "signed_on_precision": "",
        "in_force_on": None,
        "parties": ["india"],
        "actors": ["india", "quad"],
        "topics": ["indo-pacific"],
        "basis": {
            "status": {"brief": [{"quote": _INDIA_POLICY}]},
            "parties": {"brief": [{"quote": _INDIA_POLICY}]},
        },
        "evidence": [
            {
                "quote": (
                    "India adopts a strategic autonomy and multi-alignment policy, engaging major "
                    "powers while preserving independence, especially as a QUAD member."
                )
            },
        ],
    },
    {
        "slug": "india-armed-forces-modernisation",
        "title": "Modernisation of the Indian Armed Forces",
        "summary": (
            "India's programme of comprehensive armed-forces modernisation, which per the brief "
            "covers defence management, restructuring of commands and revitalising the defence "
            "industry. Held as a national policy (analyst's judgement); the brief gives no date."
        ),
        "kind": "national_policy",
        "status": "in_force",
        "signed_on": None,
        "signed_on_precision": "",
        "in_force_on": None,
        "parties": ["india"],
        "actors": ["india", "indian-armed-forces", "indian-defence-industry"],
        "topics": ["military-modernisation", "defence-industry"],
        "basis": {
            "status": {"brief": [{"quote": _MODERNISATION}]},
            "parties": {"brief": [{"quote": _MODERNISATION}]},
        },
        "evidence": [
            {
                "quote": (
                    "The Indian Armed Forces are undergoing comprehensive modernization, focusing "
                    "on defence management, restructuring commands, and revitalizing the defence "
                    "industry."
                )
            },
        ],
    },
    {
        "slug": "free-and-open-indo-pacific",
        "title": "Free and Open Indo-Pacific (FOIP) initiative",
        "summary": (
            "Japan's Free and Open Indo-Pacific initiative, which the brief says India actively "
            "supports. Announced by Prime Minister Abe at TICAD VI in Nairobi on 27 August 2016 "
            "(date and place from public record, not from the brief)."
        ),
        "kind": "initiative",
        "status": "in_force",
        "signed_on": date(2016, 8, 27),
        "signed_on_precision": "day",
        "in_force_on": None,
        "parties": ["japan"],
        "actors": ["japan", "india"],
        "topics": ["indo-pacific", "maritime-security"],
        "basis": {
            "status": {
                "brief": [
                    {
                        "quote": "India actively supports Japan's Free and Open "
                        "Indo Pacific (FOIP) initiative."
                    }
                ]
            },
            "parties": {
                "brief": [
                    {
                        "quote": "India actively supports Japan's Free and "
                        "Open Indo Pacific (FOIP) initiative."
                    }
                ]
            },
            "signed_on": {"public_record": "kantei-ticad-vi-address-2016"},
        },
        "evidence": [
            {
                "quote": (
                    "India actively supports Japan's Free and Open Indo Pacific (FOIP) initiative."
                )
            },
        ],
    },
    {
        "slug": "quad-framework",
        "title": "QUAD framework",
        "summary": (
            "The Quadrilateral Security Dialogue of Australia, India, Japan and the United States "
            "(membership from public record; the brief names only India's membership). The brief "
            "proposes expanding defence industrial cooperation under this framework. Held as an "
            "initiative (analyst's judgement); no date is given because the grouping first met in "
            "2007 and was revived in 2017, and the brief dates neither."
        ),
        "kind": "initiative",
        "status": "in_force",
        "signed_on": None,
        "signed_on_precision": "",
        "in_force_on": None,
        "parties": ["india", "japan", "united-states", "australia"],
        "actors": ["quad", "india", "japan", "united-states", "australia"],
        "topics": [
            "indo-pacific",
            "defence-industry",
            "co-development-co-production",
            "supply-chains",
            "cybersecurity",
            "unmanned-systems",
            "maritime-security",
        ],
        "basis": {
            "status": {
                "brief": [
                    {"quote": "Expanding defence industrial cooperation under the QUAD framework"}
                ]
            },
            "parties": {"public_record": "state-department-quad-melbourne-2022"},
        },
        "evidence": [
            {"quote": "especially as a QUAD member"},
            {"quote": "Expanding defence industrial cooperation under the QUAD framework"},
        ],
    },
]

# ---------------------------------------------------------------------------
# Deals and collaborations
# ---------------------------------------------------------------------------

_BILATERAL_AGREEMENTS = [
    "tokyo-declaration-2014",
    "india-japan-defence-equipment-transfer-agreement",
]

# The passages that state several values of a deal at once.
_US2_FAILED = (
    "Despite such agreements, deals such as the acquisition of US-2 amphibious aircraft from "
    "Japan failed to materialise"
)
_SORYU_FAILED = "failed to materialise, as did the Japanese Ultra-quiet Soryu class submarine"
_SEMICONDUCTORS = (
    "India and Japan have also initiated collaboration on innovative technologies such as "
    "semiconductors"
)
_SECTORS = (
    "India and Japan have also initiated collaboration on innovative technologies such as "
    "semiconductors, as well as in the maritime and space sectors."
)

DEALS = [
    {
        "slug": "india-japan-defence-technology-cooperation",
        "title": "India-Japan defence technology cooperation",
        "summary": (
            "The umbrella defence technology cooperation that, per the brief, India and Japan "
            "have initiated through the Tokyo Declaration and the agreement on the transfer of "
            "defence equipment and technology. Under way; the brief gives no dates."
        ),
        "kind": "technology_collaboration",
        "status": "delivering",
        "supplier": None,
        "recipient": None,
        "system": "Defence technology cooperation",
        "period_start": None,
        "period_end": None,
        "governed_by": [*_BILATERAL_AGREEMENTS],
        "actors": ["india", "japan"],
        "topics": ["technology-transfer", "defence-industry"],
        "basis": {
            "status": {"brief": [{"quote": "they have initiated defence technology cooperation"}]},
            "system": {"brief": [{"quote": "they have initiated defence technology cooperation"}]},
        },
        "evidence": [
            {"quote": "they have initiated defence technology cooperation"},
        ],
    },
    {
        "slug": "us-2-amphibious-aircraft",
        "title": "Acquisition of US-2 amphibious aircraft from Japan",
        "summary": (
            "India's planned acquisition of Japan's US-2 amphibious aircraft, which the brief "
            "says failed to materialise despite the bilateral agreements. The brief gives no "
            "dates and does not say why it failed; linked challenges are an analyst's judgement."
        ),
        "kind": "acquisition",
        "status": "failed",
        "supplier": "japan",
        "recipient": "india",
        "system": "US-2 amphibious aircraft",
        # The brief names it an aircraft; it gives no number, delivery year or value.
        "weapon_category": "aircraft",
        "period_start": None,
        "period_end": None,
        "governed_by": [*_BILATERAL_AGREEMENTS],
        "actors": ["india", "japan"],
        "topics": ["defence-procurement", "naval-platforms", "maritime-security"],
        "basis": {
            "status": {"brief": [{"quote": _US2_FAILED}]},
            "supplier": {"brief": [{"quote": _US2_FAILED}]},
            "recipient": {
                "judgement": "The brief lists it among the India-Japan deals "
                "that failed despite their agreements, bought from "
                "Japan: the buyer can only be India"
            },
            "system": {"brief": [{"quote": _US2_FAILED}]},
            "weapon_category": {"brief": [{"quote": _US2_FAILED}]},
        },
        "evidence": [
            {
                "quote": (
                    "Despite such agreements, deals such as the acquisition of US-2 amphibious "
                    "aircraft from Japan failed to materialise"
                )
            },
        ],
    },
    {
        "slug": "soryu-class-submarine",
        "title": "Japanese Soryu-class submarine for India",
        "summary": (
            "A deal for Japan's ultra-quiet Soryu-class submarine, which the brief says failed "
            "to materialise, like the US-2. The brief gives no dates or reasons; linked "
            "challenges are an analyst's judgement."
        ),
        "kind": "acquisition",
        "status": "failed",
        "supplier": "japan",
        "recipient": "india",
        "system": "Soryu-class submarine",
        # The brief names a submarine, which SIPRI's categories count among ships.
        "weapon_category": "ships",
        "period_start": None,
        "period_end": None,
        "governed_by": [*_BILATERAL_AGREEMENTS],
        "actors": ["india", "japan"],
        "topics": ["defence-procurement", "naval-platforms", "maritime-security"],
        "basis": {
            "status": {"brief": [{"quote": _SORYU_FAILED}]},
            "supplier": {"brief": [{"quote": _SORYU_FAILED}]},
            "recipient": {
                "judgement": "The brief lists it among the India-Japan deals "
                "that failed despite their agreements, bought from "
                "Japan: the buyer can only be India"
            },
            "system": {"brief": [{"quote": _SORYU_FAILED}]},
            "weapon_category": {
                "judgement": "The brief names a submarine, which SIPRI's "
                "register counts among ships"
            },
        },
        "evidence": [
            {
                "quote": (
                    "failed to materialise, as did the Japanese Ultra-quiet Soryu class submarine"
                )
            },
        ],
    },
    {
        "slug": "semiconductor-collaboration",
        "title": "India-Japan collaboration on semiconductors",
        "summary": (
            "Collaboration on semiconductors as an innovative technology, initiated by India and "
            "Japan per the brief; the brief says its challenges and gaps must be addressed for "
            "it to succeed."
        ),
        "kind": "technology_collaboration",
        "status": "delivering",
        "supplier": None,
        "recipient": None,
        "system": "Semiconductors",
        "period_start": None,
        "period_end": None,
        "governed_by": [],
        "actors": ["india", "japan"],
        "topics": ["semiconductors", "supply-chains", "dual-use-technology"],
        "basis": {
            "status": {"brief": [{"quote": _SEMICONDUCTORS}]},
            "system": {"brief": [{"quote": _SEMICONDUCTORS}]},
        },
        "evidence": [
            {
                "quote": (
                    "India and Japan have also initiated collaboration on innovative technologies "
                    "such as semiconductors"
                )
            },
        ],
    },
    {
        "slug": "maritime-collaboration",
        "title": "India-Japan collaboration in the maritime sector",
        "summary": (
            "Collaboration in the maritime sector, initiated by India and Japan per the brief; "
            "the brief says its challenges and gaps must be addressed for it to succeed."
        ),
        "kind": "technology_collaboration",
        "status": "delivering",
        "supplier": None,
        "recipient": None,
        "system": "Maritime sector",
        "period_start": None,
        "period_end": None,
        "governed_by": [],
        "actors": ["india", "japan"],
        "topics": ["maritime-security", "indo-pacific"],
        "basis": {
            "status": {"brief": [{"quote": _SECTORS}]},
            "system": {"brief": [{"quote": _SECTORS}]},
        },
        "evidence": [
            {
                "quote": (
                    "India and Japan have also initiated collaboration on innovative technologies "
                    "such as semiconductors, as well as in the maritime and space sectors."
                )
            },
        ],
    },
    {
        "slug": "space-collaboration",
        "title": "India-Japan collaboration in the space sector",
        "summary": (
            "Collaboration in the space sector, initiated by India and Japan per the brief; the "
            "brief says its challenges and gaps must be addressed for it to succeed."
        ),
        "kind": "technology_collaboration",
        "status": "delivering",
        "supplier": None,
        "recipient": None,
        "system": "Space sector",
        "period_start": None,
        "period_end": None,
        "governed_by": [],
        "actors": ["india", "japan"],
        "topics": ["space", "dual-use-technology"],
        "basis": {
            "status": {"brief": [{"quote": _SECTORS}]},
            "system": {"brief": [{"quote": _SECTORS}]},
        },
        "evidence": [
            {
                "quote": (
                    "India and Japan have also initiated collaboration on innovative technologies "
                    "such as semiconductors, as well as in the maritime and space sectors."
                )
            },
        ],
    },
]

# ---------------------------------------------------------------------------
# Challenges
# ---------------------------------------------------------------------------

# The brief says the challenges must be addressed "for the two countries' collaboration in these
# sectors" (semiconductors, maritime, space) "to be successful"; it places them beside the failed
# US-2 and Soryu deals without attributing those failures to a named cause.
_FAILED_ACQUISITIONS = ["us-2-amphibious-aircraft", "soryu-class-submarine"]
_SECTOR_COLLABORATIONS = [
    "semiconductor-collaboration",
    "maritime-collaboration",
    "space-collaboration",
]

CHALLENGES = [
    {
        "slug": "high-cost",
        "title": "High cost",
        "summary": (
            "High cost is the first challenge the brief lists (the sentence is split by a "
            "running page header). Linked to the failed US-2 and Soryu acquisitions and to the "
            "sector collaborations as an analyst's judgement."
        ),
        "category": "cost",
        "severity": "high",
        "affects_deals": [*_FAILED_ACQUISITIONS, *_SECTOR_COLLABORATIONS],
        "affects_agreements": [],
        "actors": ["india", "japan"],
        "topics": ["defence-finance", "defence-procurement"],
        "basis": {
            "severity": {
                "judgement": "Listed first among the challenges, and it bears on "
                "every acquisition and collaboration the brief "
                "names"
            }
        },
        "evidence": [
            {"from": "Some of the challenges include high", "to": "cost"},
        ],
    },
    {
        "slug": "japan-export-regulations",
        "title": "Japan's export regulations",
        "summary": (
            "Japan's regulation of defence exports, listed by the brief as a challenge; it "
            "bears on transfers under the Three Principles and the bilateral transfer agreement."
        ),
        "category": "regulation",
        "severity": "high",
        "affects_deals": [*_FAILED_ACQUISITIONS, *_SECTOR_COLLABORATIONS],
        "affects_agreements": [
            "japan-three-principles-defence-equipment-transfer",
            "india-japan-defence-equipment-transfer-agreement",
        ],
        "actors": ["japan"],
        "topics": ["defence-exports", "technology-transfer"],
        "basis": {
            "severity": {
                "judgement": "Export rules gate every transfer from Japan, so "
                "they bear on both failed acquisitions and on each "
                "sector collaboration"
            }
        },
        "evidence": [
            {"quote": "Japan's export regulations"},
        ],
    },
    {
        "slug": "long-procurement-procedure",
        "title": "Long procurement procedure",
        "summary": (
            "Lengthy defence procurement procedures, listed by the brief as a challenge (the "
            "brief does not say on which side)."
        ),
        "category": "procedure",
        "severity": "medium",
        "affects_deals": [*_FAILED_ACQUISITIONS],
        "affects_agreements": [],
        "actors": ["india", "japan"],
        "topics": ["defence-procurement"],
        "basis": {
            "severity": {
                "judgement": "It slows deals rather than blocking them, and the "
                "brief does not say on which side it lies"
            }
        },
        "evidence": [
            {"quote": "long procurement procedure"},
        ],
    },
    {
        "slug": "strict-compliance-documentation",
        "title": "Strict compliance and documentation",
        "summary": (
            "Strict compliance and documentation requirements, listed by the brief as a "
            "challenge (the brief does not say on which side)."
        ),
        "category": "procedure",
        "severity": "medium",
        "affects_deals": [*_FAILED_ACQUISITIONS, *_SECTOR_COLLABORATIONS],
        "affects_agreements": [],
        "actors": ["india", "japan"],
        "topics": ["defence-procurement", "defence-exports"],
        "basis": {
            "severity": {
                "judgement": "It adds cost and time beside the procurement "
                "delays; the brief does not call it decisive"
            }
        },
        "evidence": [
            {"quote": "strict compliance and documentation"},
        ],
    },
    {
        "slug": "lack-of-technology-transfer",
        "title": "Lack of transfer of technology",
        "summary": "The brief states that there is a lack of transfer of technology.",
        "category": "technology_transfer",
        "severity": "high",
        "affects_deals": [
            "india-japan-defence-technology-cooperation",
            *_FAILED_ACQUISITIONS,
            *_SECTOR_COLLABORATIONS,
        ],
        "affects_agreements": ["india-japan-defence-equipment-transfer-agreement"],
        "actors": ["india", "japan"],
        "topics": ["technology-transfer"],
        "basis": {
            "severity": {
                "judgement": "The brief states it as a sentence of its own, and "
                "it defeats the purpose of the transfer agreement"
            }
        },
        "evidence": [
            {"quote": "There is lack of transfer of technology."},
        ],
    },
    {
        "slug": "japan-dependence-on-us-hardware",
        "title": "Japan's dependence on the US for military hardware",
        "summary": (
            "Japan depends on the United States for military hardware, which makes transferring "
            "it to a third party such as India difficult."
        ),
        "category": "dependency",
        "severity": "high",
        "affects_deals": [*_FAILED_ACQUISITIONS],
        "affects_agreements": ["india-japan-defence-equipment-transfer-agreement"],
        "actors": ["japan", "united-states", "india"],
        "topics": ["technology-transfer", "defence-exports", "defence-procurement"],
        "basis": {
            "severity": {
                "judgement": "The brief says it makes transfer to a third party "
                "difficult, which bears on any Japanese platform "
                "for India"
            }
        },
        "evidence": [
            {
                "quote": (
                    "Japan is dependent on the US for military hardware and transferring it to a "
                    "third party becomes difficult for Japan."
                )
            },
        ],
    },
    {
        "slug": "mismatch-in-regional-focus",
        "title": "Mismatch in regional focus",
        "summary": (
            "India focuses on the Indian Ocean Region while Japan's focus remains the East China "
            "Sea and the South China Sea."
        ),
        "category": "strategic_alignment",
        "severity": "medium",
        "affects_deals": ["maritime-collaboration"],
        "affects_agreements": ["free-and-open-indo-pacific"],
        "actors": ["india", "japan"],
        "topics": ["indo-pacific", "maritime-security"],
        "basis": {
            "severity": {
                "judgement": "A difference of focus that narrows joint maritime "
                "work without stopping cooperation"
            }
        },
        "evidence": [
            {
                "quote": (
                    "There also exists mismatch in regional focus with India focusing on the "
                    "Indian Ocean Region and Japan's focus remains in the East China Sea and the "
                    "South China Sea."
                )
            },
        ],
    },
    {
        "slug": "infrastructure-gap",
        "title": "Infrastructure gap",
        "summary": (
            "The brief calls the infrastructure gap one of the major challenges that needs to be "
            "addressed; it does not say which infrastructure."
        ),
        "category": "infrastructure",
        "severity": "high",
        "affects_deals": [*_SECTOR_COLLABORATIONS],
        "affects_agreements": [],
        "actors": ["india", "japan"],
        "topics": ["defence-industry"],
        "basis": {
            "severity": {
                "judgement": "The brief calls it one of the major challenges "
                "that needs to be addressed"
            }
        },
        "evidence": [
            {
                "quote": (
                    "Infrastructure gap is one of the major challenges which needs to be addressed."
                )
            },
        ],
    },
    {
        "slug": "unequal-investment-footing",
        "title": "Unequal footing in investment",
        "summary": (
            "Implied rather than listed: the brief's call for both nations to be on an equal "
            "footing in investment and to enhance financial mechanisms implies the present "
            "footing is unequal and financing is weak."
        ),
        "category": "finance",
        "severity": "medium",
        "affects_deals": [*_SECTOR_COLLABORATIONS],
        "affects_agreements": [],
        "actors": ["india", "japan"],
        "topics": ["defence-finance"],
        "basis": {
            "severity": {
                "judgement": "Implied by the brief's remedy rather than listed "
                "as a challenge, so held below the listed ones"
            }
        },
        "evidence": [
            {"quote": "ensure that both nations are on equal footing in terms of investments"},
        ],
    },
    {
        "slug": "narrow-import-partner-base",
        "title": "Narrow base of defence import partners",
        "summary": (
            "Implied rather than listed: India's defence technology comes mainly from the US, "
            "France, Russia and Israel, and Japan traditionally relies on the US; the brief "
            "calls diversifying import partners essential."
        ),
        "category": "dependency",
        "severity": "medium",
        "affects_deals": [],
        "affects_agreements": [],
        "actors": ["india", "japan", "united-states", "france", "russia", "israel"],
        "topics": ["defence-procurement", "supply-chains"],
        "basis": {
            "severity": {
                "judgement": "Implied by the call to diversify import partners: "
                "a structural limit, not a blocker"
            }
        },
        "evidence": [
            {"quote": "Diversifying import partners is also essential."},
            {"quote": "not only from the U.S., France, Russia or Israel"},
            {"quote": "beyond its traditional reliance on the U.S."},
        ],
    },
]

# ---------------------------------------------------------------------------
# Recommendations
# ---------------------------------------------------------------------------

# Priority follows the brief's wording: "need to" / "essential" -> high; "should" / "would
# significantly benefit" / "offers opportunities" -> medium; "could consider" -> low.

RECOMMENDATIONS = [
    {
        "slug": "enhance-financial-mechanisms",
        "title": "Enhance financial mechanisms and ensure equal footing in investment",
        "summary": (
            "New Delhi and Tokyo should enhance their financial mechanisms and ensure both "
            "nations are on an equal footing in investment, to mitigate existing and upcoming "
            "challenges."
        ),
        "priority": "high",
        "status": "proposed",
        "addressed_to": ["india", "japan"],
        "addresses": ["high-cost", "unequal-investment-footing", "infrastructure-gap"],
        "actors": ["india", "japan"],
        "topics": ["defence-finance"],
        "basis": {
            "priority": {
                "judgement": 'The brief says both capitals "need to" do it, its firmest wording'
            },
            "addressed_to": {
                "brief": [
                    {
                        "quote": "both New Delhi and Tokyo need to focus "
                        "on enhancing their financial mechanisms "
                        "and ensure that both nations are on "
                        "equal footing in terms of "
                        "investments"
                    }
                ]
            },
        },
        "evidence": [
            {
                "quote": (
                    "both New Delhi and Tokyo need to focus on enhancing their financial "
                    "mechanisms and ensure that both nations are on equal footing in terms of "
                    "investments"
                )
            },
        ],
    },
    {
        "slug": "form-advanced-defence-technology-groupings",
        "title": "Form groupings dedicated to advanced defence technologies",
        "summary": (
            "India and Japan could form groupings dedicated to developing advanced defence "
            "technologies, leveraging shared interests and capacities."
        ),
        "priority": "low",
        "status": "proposed",
        "addressed_to": ["india", "japan"],
        "addresses": ["lack-of-technology-transfer", "mismatch-in-regional-focus"],
        "actors": ["india", "japan"],
        "topics": ["co-development-co-production", "defence-industry"],
        "basis": {
            "priority": {"judgement": 'The brief\'s weakest wording: they "could consider" it'},
            "addressed_to": {
                "judgement": 'The brief\'s "They" are New Delhi and Tokyo, '
                "named in the sentence before"
            },
        },
        "evidence": [
            {
                "quote": (
                    "They could consider forming groupings dedicated to developing advanced "
                    "defence technologies, leveraging shared interests and capacities."
                )
            },
        ],
    },
    {
        "slug": "technology-access-and-cost-sharing",
        "title": "Share access to advanced technology and expertise, with cost-sharing",
        "summary": (
            "Access to advanced technology and expertise would benefit both nations, while "
            "cost-sharing and resource optimisation would make large-scale defence projects more "
            "feasible."
        ),
        "priority": "medium",
        "status": "proposed",
        "addressed_to": ["india", "japan"],
        "addresses": ["lack-of-technology-transfer", "high-cost", "infrastructure-gap"],
        "actors": ["india", "japan"],
        "topics": ["technology-transfer", "defence-finance"],
        "basis": {
            "priority": {
                "judgement": 'The brief says it "would significantly benefit" '
                "both nations: a benefit, not a need"
            },
            "addressed_to": {
                "judgement": "The paragraph that proposes it opens with New "
                "Delhi and Tokyo, so it is addressed to India "
                "and Japan"
            },
        },
        "evidence": [
            {
                "quote": (
                    "Access to advanced technology and expertise would significantly benefit "
                    "both nations, while cost-sharing and resource optimization can make "
                    "large-scale defence projects more feasible."
                )
            },
        ],
    },
    {
        "slug": "expand-quad-defence-industrial-cooperation",
        "title": "Expand defence industrial cooperation under the QUAD framework",
        "summary": (
            "Use the QUAD framework to co-develop and co-produce advanced defence technologies, "
            "build resilient supply chains and share expertise in cybersecurity, unmanned "
            "systems and maritime security."
        ),
        "priority": "medium",
        "status": "proposed",
        "addressed_to": ["india", "japan"],
        "addresses": [
            "lack-of-technology-transfer",
            "japan-dependence-on-us-hardware",
            "mismatch-in-regional-focus",
        ],
        "actors": ["india", "japan", "quad", "united-states", "australia"],
        "topics": [
            "defence-industry",
            "co-development-co-production",
            "supply-chains",
            "cybersecurity",
            "unmanned-systems",
            "maritime-security",
        ],
        "basis": {
            "priority": {
                "judgement": 'The brief says it "offers opportunities": an opening, not a need'
            },
            "addressed_to": {
                "judgement": "The paragraph that proposes it opens with New "
                "Delhi and Tokyo, so it is addressed to India "
                "and Japan"
            },
        },
        "evidence": [
            {
                "quote": (
                    "Expanding defence industrial cooperation under the QUAD framework offers "
                    "opportunities for co-developing and co-producing advanced defence "
                    "technologies, ensuring resilient supply chains, and sharing expertise in "
                    "areas such as cybersecurity, unmanned systems, and maritime security."
                )
            },
        ],
    },
    {
        "slug": "diversify-import-partners",
        "title": "Diversify defence import partners",
        "summary": "The brief calls diversifying import partners essential.",
        "priority": "high",
        "status": "proposed",
        "addressed_to": ["india", "japan"],
        "addresses": ["narrow-import-partner-base", "japan-dependence-on-us-hardware"],
        "actors": ["india", "japan"],
        "topics": ["defence-procurement", "supply-chains"],
        "basis": {
            "priority": {"judgement": 'The brief calls it "essential"'},
            "addressed_to": {
                "judgement": (
                    "The brief's next two sentences turn it to Indian defence industries "
                    "and to Japan"
                )
            },
        },
        "evidence": [
            {"quote": "Diversifying import partners is also essential."},
        ],
    },
    {
        "slug": "indian-industry-consider-japan",
        "title": "Indian defence industry to consider Japan as a technology partner",
        "summary": (
            "Indian defence industries should introduce advanced defence technologies not only "
            "from the US, France, Russia or Israel but also consider Japan as a valuable partner."
        ),
        "priority": "medium",
        "status": "proposed",
        "addressed_to": ["indian-defence-industry"],
        "addresses": ["narrow-import-partner-base", "lack-of-technology-transfer"],
        "actors": [
            "indian-defence-industry",
            "india",
            "japan",
            "united-states",
            "france",
            "russia",
            "israel",
        ],
        "topics": ["defence-industry", "technology-transfer", "defence-procurement"],
        "basis": {
            "priority": {"judgement": 'The brief says the industries "should" do it'},
            "addressed_to": {
                "brief": [
                    {
                        "quote": "Indian defence industries should "
                        "actively introduce advanced defence "
                        "technologies not only from the U.S., "
                        "France, Russia or Israel but also "
                        "consider Japan as a valuable "
                        "partner."
                    }
                ]
            },
        },
        "evidence": [
            {
                "quote": (
                    "Indian defence industries should actively introduce advanced defence "
                    "technologies not only from the U.S., France, Russia or Israel but also "
                    "consider Japan as a valuable partner."
                )
            },
        ],
    },
    {
        "slug": "japan-expand-procurement-beyond-us",
        "title": "Japan to expand defence procurement beyond the US and consider India",
        "summary": (
            "Japan should expand its defence procurement beyond its traditional reliance on the "
            "US and consider India as a key collaborator in its defence ecosystem."
        ),
        "priority": "medium",
        "status": "proposed",
        "addressed_to": ["japan"],
        "addresses": ["japan-dependence-on-us-hardware", "narrow-import-partner-base"],
        "actors": ["japan", "india", "united-states"],
        "topics": ["defence-procurement", "defence-industry"],
        "basis": {
            "priority": {"judgement": 'The brief says Japan "should" do it'},
            "addressed_to": {
                "brief": [
                    {
                        "quote": "Japan should expand its defence "
                        "procurement beyond its traditional "
                        "reliance on the U.S. and consider India "
                        "as a key collaborator in its defence "
                        "ecosystem."
                    }
                ]
            },
        },
        "evidence": [
            {
                "quote": (
                    "Japan should expand its defence procurement beyond its traditional reliance "
                    "on the U.S. and consider India as a key collaborator in its defence ecosystem."
                )
            },
        ],
    },
]
