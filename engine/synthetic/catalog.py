"""Static vocabularies of the campaign generator: partnerships, countries, names and texts.

Everything here is invented but plausible; nothing is read from files, so a generated
campaign depends only on ``(n_visitors, n_hosts, seed, start, months)`` and this module.
The order of every table matters: the generator draws indices into them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class PartnershipSpec:
    """A European Strategic Cluster Partnership (ESCP-4x) of the pilot and its theme."""

    name: str  # the partnership id used in profiles and quotas
    short: str  # a theme word for organisation names ("Mobility")
    target: int  # planned exchanges (KPI "at least N exchanges"), for the demo's 800 visitors
    divisions: tuple[tuple[str, float], ...]  # themed NACE divisions and their weights
    core_countries: tuple[str, ...]  # countries of the consortium's clusters
    topics: tuple[str, ...]  # what its members offer and seek

    @property
    def weight(self) -> float:  # relative number of participants: as planned exchanges
        return self.target / 54


# The 13 partnerships of the pilot. Names: RECiPE4Mobility, EXTRATEX, SMART4NZEB, BLUES, EXXTRA,
# Safe Smart Food and SMARTENERGY from the seeds (000-003), BRILLIANT ("Boosting excellence in
# the European lighting value chain", the partnership on the IT tool's screen in seed 002),
# CELIS and SmartCTClusters from public ESCP-4x announcements; CREATIVE-XCH, AeroSpace4EU and
# ADMA4X are invented (the sources name no more). Targets: RECiPE4Mobility's WP5 objective,
# "at least 50 exchanges" (seed 000), and BLUES's 50; the others share the pilot's 695 planned
# exchanges, about 54 each (seed 003). Each target splits as RECiPE4Mobility's does: half SMEs,
# 10% cluster managers, 20% technology centres, 20% other scaling-up organisations.
PARTNERSHIPS: tuple[PartnershipSpec, ...] = (
    PartnershipSpec(
        "RECiPE4Mobility", "Mobility", 50,
        (("C29", .35), ("C30", .08), ("C22", .10), ("C27", .12), ("C28", .08), ("H49", .12),
         ("M72", .10), ("J62", .05)),
        ("FR", "DE", "HU", "NL", "PT"),
        ("lightweight composite materials", "electric vehicle batteries", "battery recycling",
         "autonomous driving software", "vehicle crash simulation", "hydrogen fuel cells",
         "automotive supply chains", "charging infrastructure", "connected vehicle data",
         "fleet telematics", "urban mobility services", "powertrain electrification"),
    ),
    PartnershipSpec(
        "EXTRATEX", "Textiles", 54,
        (("C13", .40), ("C14", .25), ("C15", .10), ("C20", .08), ("M74", .07), ("M72", .10)),
        ("IT", "CZ", "PT", "FR", "ES", "BE"),
        ("technical textiles", "smart wearable textiles", "textile recycling",
         "sustainable dyeing processes", "nonwoven filtration media", "fashion design software",
         "protective clothing", "natural fibre processing", "seamless 3D knitting",
         "textile certification", "medical textiles", "digital textile printing"),
    ),
    PartnershipSpec(
        "SMART4NZEB", "Building", 56,
        (("F41", .30), ("F43", .25), ("F42", .05), ("C23", .10), ("M71", .15), ("D35", .10),
         ("C16", .05)),
        ("RO", "PL", "SI", "ES", "IT", "BG", "GR"),
        ("nearly zero energy buildings", "building energy retrofits", "heat pump integration",
         "building information modelling", "prefabricated timber construction",
         "thermal insulation materials", "smart building automation", "solar facades",
         "indoor air quality monitoring", "energy performance certificates", "green roofs",
         "circular construction materials"),
    ),
    PartnershipSpec(
        "BLUES", "Water", 50,
        (("E36", .25), ("E37", .10), ("C28", .15), ("C26", .10), ("C20", .10), ("M72", .20),
         ("J62", .10)),
        ("DE", "PL", "CZ", "FR", "ES"),
        ("water treatment", "plasma surface technology", "nanocoatings", "smart water metering",
         "desalination", "industrial wastewater reuse", "membrane filtration", "leak detection",
         "water and energy efficiency", "water network sensors", "plasma sterilisation",
         "nanosensors"),
    ),
    PartnershipSpec(
        "EXXTRA", "Rail", 52,
        (("C30", .35), ("H49", .15), ("C27", .10), ("C25", .10), ("C28", .10), ("M71", .10),
         ("J62", .10)),
        ("TR", "DE", "DK", "FR", "ES"),
        ("railway rolling stock", "railway signalling", "rail infrastructure monitoring",
         "rail freight logistics", "railway interiors", "traction power systems",
         "rail cybersecurity", "track inspection sensors", "noise and vibration control",
         "station digitalisation", "hydrogen trains", "railway certification"),
    ),
    PartnershipSpec(
        "Safe Smart Food", "Foods", 60,
        (("C10", .40), ("C11", .10), ("A01", .25), ("M72", .10), ("H52", .05), ("C28", .05),
         ("G46", .05)),
        ("NL", "FR", "ES", "IT", "PL", "DK", "LT", "RS", "MD"),
        ("food safety analysis", "precision agriculture", "food traceability with blockchain",
         "alternative proteins", "shelf life extension", "sustainable food packaging",
         "dairy processing", "vertical farming", "food waste valorisation",
         "hygiene and HACCP compliance", "wine and beverage production", "agricultural drones"),
    ),
    PartnershipSpec(
        "SMARTENERGY", "Energy", 54,
        (("D35", .45), ("C27", .20), ("F42", .10), ("J62", .10), ("M71", .10), ("M72", .05)),
        ("DK", "DE", "ES", "GR", "LV", "UA", "ME", "IS"),
        ("smart grid management", "battery energy storage", "renewable energy forecasting",
         "demand response", "green hydrogen production", "power electronics",
         "renewable energy communities", "district heating", "electricity market software",
         "grid cybersecurity", "biogas plants", "wind turbine maintenance"),
    ),
    PartnershipSpec(
        "BRILLIANT", "Lighting", 56,
        (("C27", .35), ("C31", .20), ("F43", .15), ("C26", .10), ("M71", .10), ("M74", .10)),
        ("IT", "FR", "ES", "PL", "SI", "HR"),
        ("LED luminaires", "smart lighting controls", "architectural lighting design",
         "furniture with integrated lighting", "human-centric lighting", "daylight simulation",
         "circular furniture", "connected building lighting", "street lighting retrofits",
         "lighting certification", "acoustic panels", "contract furniture"),
    ),
    PartnershipSpec(
        "CELIS", "Life Sciences", 54,
        (("C21", .30), ("M72", .25), ("Q86", .15), ("C26", .10), ("J62", .10), ("C32", .10)),
        ("DE", "NL", "BE", "FI", "EE", "IT", "HU", "AM"),
        ("telemedicine platforms", "medical device certification", "health data analytics",
         "wearable health sensors", "clinical trial management", "AI-assisted diagnostics",
         "e-health interoperability", "pharmaceutical production", "biobanking",
         "remote patient monitoring", "rehabilitation robotics", "personalised medicine"),
    ),
    PartnershipSpec(
        "SmartCTClusters", "Smart City", 52,
        (("J62", .30), ("D35", .15), ("F42", .15), ("H49", .10), ("M71", .15), ("E38", .05),
         ("J61", .10)),
        ("DE", "AT", "SE", "FI", "LV", "SI", "PT"),
        ("smart city platforms", "urban data spaces", "electric bus fleets",
         "district energy systems", "citizen participation apps", "urban air quality monitoring",
         "traffic management", "smart waste collection", "digital twins of cities",
         "5G campus networks", "public procurement of innovation", "nature-based solutions"),
    ),
    PartnershipSpec(
        "CREATIVE-XCH", "Creative", 50,
        (("R90", .25), ("J59", .20), ("J58", .10), ("M73", .15), ("C32", .10), ("C31", .10),
         ("J62", .10)),
        ("ES", "IT", "FR", "EE", "IE", "AL", "MK", "AM"),
        ("video game development", "immersive virtual reality", "furniture design",
         "audiovisual post-production", "digital marketing campaigns", "music technology",
         "cultural heritage digitisation", "fashion branding", "digital publishing",
         "animation studios", "design thinking", "live event production"),
    ),
    PartnershipSpec(
        "AeroSpace4EU", "Aero", 48,
        (("C30", .40), ("H51", .10), ("C26", .15), ("M71", .10), ("C25", .10), ("M72", .10),
         ("J62", .05)),
        ("FR", "DE", "ES", "IT", "PL", "RO", "TR"),
        ("satellite data applications", "aircraft maintenance", "composite aerostructures",
         "drone certification", "space-grade electronics", "titanium additive manufacturing",
         "avionics software", "airport operations", "small satellite launchers",
         "non-destructive inspection", "aircraft cabin interiors", "earth observation services"),
    ),
    PartnershipSpec(
        "ADMA4X", "Manufacturing", 59,
        (("C28", .30), ("C25", .20), ("C33", .10), ("J62", .10), ("C24", .10), ("M71", .10),
         ("C22", .05), ("C27", .05)),
        ("DE", "IT", "PL", "CZ", "SK", "TR", "BA", "XK"),
        ("industrial robotics", "metal additive manufacturing", "digital twins of production lines",
         "predictive maintenance", "CNC machining", "lean manufacturing",
         "industrial internet of things", "collaborative robots in assembly",
         "metal surface treatment", "production planning software", "quality management systems",
         "machine tool retrofitting"),
    ),
)  # fmt: skip
# Each partnership's target splits as RECiPE4Mobility's WP5 objective does (seed 000: 50
# exchanges, of which 25 SMEs, 5 cluster managers, 10 technology centres, 10 scaling-up).
TARGET_SPLIT = (("cluster", 0.1), ("technology_centre", 0.2), ("scaling_up", 0.2))  # sme: rest
TARGET_VISITORS = 800  # the targets are the demo's; a campaign of N visitors scales them by N/800

# Off-theme divisions an organisation may also name (membership organisations, R&D, ...).
GENERAL_DIVISIONS: tuple[tuple[str, float], ...] = (
    ("M72", .15), ("J62", .15), ("M70", .15), ("M71", .10), ("G46", .10), ("P85", .10),
    ("S94", .15), ("N82", .05), ("K64", .05),
)  # fmt: skip
THEME_DIVISION_SHARE = 0.85  # a drawn sector comes from the partnership's theme

# Topics any member may offer or seek, whatever its partnership.
GENERIC_TOPICS: tuple[str, ...] = (
    "EU funding applications", "internationalisation strategies", "cluster management excellence",
    "digital transformation of SMEs", "open innovation methods", "business model innovation",
    "training programmes for staff", "access to finance", "market entry abroad",
    "sustainability reporting",
)  # fmt: skip

# Free-text templates; ``{topics}`` is a list of topics ("a, b and c").
OFFER_TEMPLATES: tuple[str, ...] = (
    "We can offer training on {topics}, with access to our laboratory.",
    "Our team provides hands-on workshops on {topics}.",
    "We share practical experience in {topics} and show our pilot facilities.",
    "Visitors can join our ongoing projects on {topics} and meet our members.",
    "We offer mentoring in {topics} and demonstrations at our premises.",
)
SEEK_TEMPLATES: tuple[str, ...] = (
    "We would like to learn about {topics}.",
    "We are looking for partners experienced in {topics}.",
    "We want to build skills in {topics} and find new collaborators.",
    "Our goal is to understand {topics} to grow our business.",
)

WORD_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
STOPWORDS = frozenset(
    ("a", "an", "and", "at", "by", "for", "in", "new", "of", "on", "our", "the", "to", "we", "with",
     "abroad")
)  # fmt: skip


def _words(text: str) -> list[str]:
    return WORD_PATTERN.findall(text.lower())


def theme_words() -> tuple[str, ...]:
    """The words of the topics that no template uses: the vocabulary of the hidden text model."""
    topics = [topic for spec in PARTNERSHIPS for topic in spec.topics] + list(GENERIC_TOPICS)
    template_words = {word for text in OFFER_TEMPLATES + SEEK_TEMPLATES for word in _words(text)}
    words = {word for topic in topics for word in _words(topic)}
    return tuple(sorted(words - template_words - STOPWORDS))


@dataclass(frozen=True)
class CountrySpec:
    code: str  # canonical ISO 3166-1 alpha-2
    weight: float  # relative cluster activity
    languages: tuple[tuple[str, float], ...]  # national languages: the first drawn by weight
    extra_languages: tuple[tuple[str, float], ...]  # further languages, each with a probability
    cities: tuple[str, ...]
    calling_code: str
    legal_form: str  # suffix of company names


COUNTRIES: tuple[CountrySpec, ...] = (
    CountrySpec("AT", 2.5, (("de", 1.0),), (), ("Vienna", "Graz", "Linz"), "43", "GmbH"),
    CountrySpec("BE", 3.5, (("nl", .58), ("fr", .40), ("de", .02)), (("fr", .35), ("nl", .35)),
                ("Brussels", "Antwerp", "Liège", "Ghent"), "32", "SRL"),
    CountrySpec("BG", 1.5, (("bg", 1.0),), (), ("Sofia", "Plovdiv"), "359", "OOD"),
    CountrySpec("HR", 1.0, (("hr", 1.0),), (), ("Zagreb", "Split", "Rijeka"), "385", "d.o.o."),
    CountrySpec("CY", 0.4, (("el", .9), ("tr", .1)), (), ("Nicosia", "Limassol"), "357", "Ltd"),
    CountrySpec("CZ", 2.5, (("cs", 1.0),), (), ("Prague", "Brno", "Ostrava", "Plzeň"), "420", "s.r.o."),
    CountrySpec("DK", 1.8, (("da", 1.0),), (), ("Copenhagen", "Aarhus", "Odense"), "45", "ApS"),
    CountrySpec("EE", 0.7, (("et", 1.0),), (("ru", .2),), ("Tallinn", "Tartu"), "372", "OÜ"),
    CountrySpec("FI", 1.6, (("fi", .9), ("sv", .1)), (("sv", .2),), ("Helsinki", "Tampere", "Oulu"),
                "358", "Oy"),
    CountrySpec("FR", 10.0, (("fr", 1.0),), (),
                ("Paris", "Lyon", "Toulouse", "Grenoble", "Nantes", "Lille", "Saint-Étienne"), "33", "SAS"),
    CountrySpec("DE", 12.0, (("de", 1.0),), (),
                ("Munich", "Stuttgart", "Berlin", "Hamburg", "Dresden", "Düsseldorf", "Nürnberg"), "49", "GmbH"),
    CountrySpec("GR", 2.5, (("el", 1.0),), (), ("Athens", "Thessaloniki", "Patras"), "30", "IKE"),
    CountrySpec("HU", 2.0, (("hu", 1.0),), (), ("Budapest", "Debrecen", "Győr", "Pécs"), "36", "Kft."),
    CountrySpec("IE", 1.2, (("en", 1.0),), (("ga", .1),), ("Dublin", "Cork", "Galway"), "353",
                "Ltd"),
    CountrySpec("IT", 10.0, (("it", 1.0),), (),
                ("Milan", "Turin", "Bologna", "Naples", "Florence", "Bari"), "39", "S.r.l."),
    CountrySpec("LV", 0.6, (("lv", 1.0),), (("ru", .3),), ("Riga", "Liepāja"), "371", "SIA"),
    CountrySpec("LT", 0.8, (("lt", 1.0),), (("ru", .2),), ("Vilnius", "Kaunas", "Šiauliai"), "370", "UAB"),
    CountrySpec("LU", 0.4, (("lb", .5), ("fr", .3), ("de", .2)), (("fr", .7), ("de", .7)),
                ("Luxembourg", "Esch-sur-Alzette"), "352", "S.à r.l."),
    CountrySpec("MT", 0.3, (("mt", .7), ("en", .3)), (("en", 1.0),), ("Valletta", "Birkirkara"),
                "356", "Ltd"),
    CountrySpec("NL", 4.0, (("nl", 1.0),), (), ("Eindhoven", "Rotterdam", "Delft", "Utrecht"), "31",
                "B.V."),
    CountrySpec("PL", 6.0, (("pl", 1.0),), (), ("Warsaw", "Kraków", "Wrocław", "Gdańsk", "Poznań", "Łódź"),
                "48", "Sp. z o.o."),
    CountrySpec("PT", 3.0, (("pt", 1.0),), (), ("Lisbon", "Porto", "Braga", "Guimarães"), "351", "Lda"),
    CountrySpec("RO", 3.0, (("ro", 1.0),), (), ("Bucharest", "Cluj-Napoca", "Timișoara", "Iași"), "40",
                "SRL"),
    CountrySpec("SK", 1.2, (("sk", 1.0),), (("cs", .2),), ("Bratislava", "Košice"), "421",
                "s.r.o."),
    CountrySpec("SI", 1.0, (("sl", 1.0),), (), ("Ljubljana", "Maribor"), "386", "d.o.o."),
    CountrySpec("ES", 9.0, (("es", 1.0),), (("ca", .15),),
                ("Madrid", "Barcelona", "Bilbao", "Valencia", "Seville", "Málaga", "A Coruña"), "34", "S.L."),
    CountrySpec("SE", 2.5, (("sv", 1.0),), (), ("Stockholm", "Göteborg", "Malmö"), "46", "AB"),
    CountrySpec("AL", 0.4, (("sq", 1.0),), (), ("Tirana", "Durrës"), "355", "sh.p.k."),
    CountrySpec("AM", 0.4, (("hy", 1.0),), (("ru", .5),), ("Yerevan", "Gyumri"), "374", "LLC"),
    CountrySpec("BA", 0.5, (("bs", .6), ("hr", .2), ("sr", .2)), (), ("Sarajevo", "Banja Luka"),
                "387", "d.o.o."),
    CountrySpec("IS", 0.2, (("is", 1.0),), (), ("Reykjavík", "Akureyri"), "354", "ehf."),
    CountrySpec("XK", 0.2, (("sq", .85), ("sr", .15)), (), ("Pristina", "Prizren"), "383",
                "L.L.C."),
    CountrySpec("MD", 0.4, (("ro", 1.0),), (("ru", .5),), ("Chișinău", "Bălți"), "373", "SRL"),
    CountrySpec("ME", 0.2, (("sr", 1.0),), (), ("Podgorica", "Nikšić"), "382", "d.o.o."),
    CountrySpec("MK", 0.4, (("mk", 1.0),), (("sq", .1),), ("Skopje", "Bitola"), "389", "DOOEL"),
    CountrySpec("RS", 1.0, (("sr", 1.0),), (), ("Belgrade", "Novi Sad", "Niš"), "381", "d.o.o."),
    CountrySpec("TR", 3.0, (("tr", 1.0),), (), ("Istanbul", "İzmir", "Bursa", "Ankara"), "90",
                "Ltd. Şti."),
    CountrySpec("UA", 2.0, (("uk", 1.0),), (("ru", .15),), ("Kyiv", "Lviv", "Kharkiv"), "380",
                "TOV"),
)  # fmt: skip
CORE_COUNTRY_SHARE = 0.6  # participants from the consortium's own countries
GREEK_EL_SHARE = 0.3  # Greek organisations that spell their country the EU way (EL)
ENGLISH_SHARE = 0.8
THIRD_LANGUAGE_SHARE = 0.2
THIRD_LANGUAGES: tuple[tuple[str, float], ...] = (
    ("de", .30), ("fr", .25), ("es", .15), ("it", .15), ("pt", .05), ("ru", .10),
)  # fmt: skip

VISITOR_ORG_TYPES: tuple[tuple[str, float], ...] = (
    ("sme", .50), ("cluster_organisation", .15), ("technology_centre", .12),
    ("research_institute", .05), ("fab_lab", .02), ("resource_efficiency_provider", .02),
    ("innovation_hub", .04), ("creative_hub", .02), ("incubator", .03), ("accelerator", .02),
    ("public_authority", .015), ("innovation_agency", .015),
)  # fmt: skip
HOST_ORG_TYPES: tuple[tuple[str, float], ...] = (
    ("sme", .08), ("cluster_organisation", .25), ("technology_centre", .20),
    ("research_institute", .14), ("fab_lab", .04), ("resource_efficiency_provider", .03),
    ("innovation_hub", .06), ("creative_hub", .02), ("incubator", .03), ("accelerator", .02),
    ("public_authority", .02), ("innovation_agency", .02), ("large_company", .09),
)  # fmt: skip
# Organisation types a visitor / a host says it wants to meet, when it says so.
VISITOR_TARGET_ORG_TYPES: tuple[tuple[str, float], ...] = (
    ("cluster_organisation", .25), ("technology_centre", .25), ("research_institute", .15),
    ("large_company", .10), ("sme", .10), ("innovation_hub", .08), ("fab_lab", .07),
)  # fmt: skip
HOST_TARGET_ORG_TYPES: tuple[tuple[str, float], ...] = (
    ("sme", .50), ("cluster_organisation", .15), ("technology_centre", .10),
    ("innovation_hub", .05), ("research_institute", .05), ("incubator", .05),
    ("accelerator", .05), ("creative_hub", .05),
)  # fmt: skip
EXCHANGE_TYPE_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("exploring_new_markets", .20), ("networking_events", .20), ("group_event", .10),
    ("research_development_innovation", .20), ("pitch_training", .07), ("learning_skills", .23),
)  # fmt: skip

# Organisation name patterns: {brand}, {short} (theme word), {city}, {legal}.
ORG_NAME_PATTERNS: dict[str, str] = {
    "sme": "{brand} {short} {legal}",
    "cluster_organisation": "{city} {short} Cluster",
    "technology_centre": "{brand} {short} Technology Centre",
    "research_institute": "{city} Institute for {short} Research",
    "fab_lab": "FabLab {city} {brand}",
    "resource_efficiency_provider": "{brand} Resource Efficiency Services",
    "innovation_hub": "{city} {short} Digital Innovation Hub",
    "creative_hub": "{brand} Creative Hub {city}",
    "incubator": "{brand} Incubator {city}",
    "accelerator": "{brand} {short} Accelerator",
    "public_authority": "{city} Regional Development Office",
    "innovation_agency": "{city} Innovation Agency",
    "large_company": "{brand} {short} Group {legal}",
}
# Names in the country's own language for a share of its organisations (non-ASCII names are
# the rule in real exports: Société, Łódź, Ελλάδα).
NATIVE_NAME_SHARE = 0.5
NATIVE_NAME_PATTERNS: dict[str, dict[str, str]] = {
    "FR": {"sme": "Société {brand} {short} {legal}", "cluster_organisation": "Pôle {short} {city}",
           "research_institute": "Institut {short} de {city}"},
    "GR": {"sme": "{brand} {short} Ελλάδα {legal}", "cluster_organisation": "{short} Cluster Ελλάδα"},
    "ES": {"cluster_organisation": "Clúster {short} {city}"},
    "DE": {"cluster_organisation": "{short}-Cluster {city} e.V."},
    "PL": {"cluster_organisation": "Klaster {short} {city}", "sme": "{brand} {short} {legal}"},
}  # fmt: skip
BRAND_PREFIXES: tuple[str, ...] = (
    "Nova", "Vektra", "Arca", "Lumen", "Orbi", "Heli", "Kine", "Strato", "Auro", "Pola",
    "Meri", "Terra", "Zeni", "Quanta", "Aethe", "Bore", "Coba", "Delta", "Embe", "Fjor",
    "Grani", "Hori", "Iri", "Juno", "Kairo", "Lyra", "Magna", "Nexa", "Opali", "Prisma",
)  # fmt: skip
BRAND_SUFFIXES: tuple[str, ...] = (
    "tech", "lis", "ra", "nix", "via", "tek", "sys", "mo", "gen", "tron",
    "dia", "form", "lab", "line", "wave", "core", "flex", "sol", "ion", "vent",
)  # fmt: skip
FIRST_NAMES: tuple[str, ...] = (
    "Anna", "Marco", "Sofia", "Lukas", "Elena", "Jan", "Maria", "Pierre", "Ioana", "Mateo",
    "Katarzyna", "Niels", "Eva", "Tomas", "Laura", "Dimitris", "Ana", "Jonas", "Petra", "Luca",
    "Ines", "Mikko", "Zeynep", "Olena", "Andrei", "Camille", "Filip", "Marta", "Arben", "Sara",
)  # fmt: skip
LAST_NAMES: tuple[str, ...] = (
    "Schmidt", "Rossi", "Garcia", "Nowak", "Dubois", "Jansen", "Popescu", "Silva", "Novak",
    "Papadopoulos", "Horvat", "Nielsen", "Virtanen", "Kovacs", "Murphy", "Bianchi", "Lopez",
    "Kowalski", "Martin", "Peeters", "Ionescu", "Costa", "Svoboda", "Berg", "Yilmaz",
    "Shevchenko", "Petrovic", "Hoxha", "Andersson", "Weber",
)  # fmt: skip
