"""Controlled vocabularies, defined once.

The instrument model, the `instruments list` filters, the questionnaire's scoring
rules and the JSON Schema all read their allowed values from here.
Each vocabulary maps a value (a stable, lower-case identifier used in YAML files)
to the label shown to people.
"""

from __future__ import annotations

AREAS: dict[str, str] = {
    "business_creation": "Business creation",
    "investment": "Investment",
    "trade": "Trade",
    "enabling_environment": "Enabling environment",
}

# Who an instrument is for. The GFMD Civil Society Days 2016 report (session 3.2) stresses
# low-skilled migrants, women and returnees.
TARGET_GROUPS: dict[str, str] = {
    "potential_migrants": "Potential migrants and youth considering migration",
    "low_skilled_migrants": "Low- and mid-skilled labour migrants",
    "highly_skilled_diaspora": "Highly skilled diaspora professionals and students",
    "diaspora_entrepreneurs": "Established diaspora entrepreneurs and investors",
    "diaspora_organisations": "Diaspora and hometown associations",
    "returnees": "Returning migrants",
    "women": "Women migrants and women entrepreneurs",
    "recipient_households": "Remittance-receiving households",
    "origin_smes": "Entrepreneurs and SMEs in the country of origin",
    "public_institutions": "Public institutions and policy makers",
}

# The migration cycle as mapped by ECDPM (Bisong and Knoll, "Mapping private sector engagement
# along the migration cycle", 2020).
STAGES: dict[str, str] = {
    "pre_departure": "Pre-departure",
    "transit": "Transit",
    "arrival": "Arrival and settlement in the destination",
    "long_term": "Long-term stay in the destination (diaspora)",
    "return": "Return and reintegration",
}

# Actor types; an instrument names them separately for the origin and destination side.
ACTORS: dict[str, str] = {
    "national_authorities": "National authorities (ministries, diaspora agencies)",
    "local_authorities": "Local authorities and municipalities",
    "diaspora_organisations": "Diaspora and migrant organisations",
    "banks_mfis": "Banks and microfinance institutions",
    "money_transfer_operators": "Money-transfer operators and payment providers",
    "bds_providers": "Business development service providers and incubators",
    "business_associations": "Chambers and business associations",
    "investment_agencies": "Investment and export promotion agencies",
    "training_institutions": "Training, TVET and certification bodies",
    "donors": "Donors and development agencies",
    "international_organisations": "International organisations (IOM, ILO, UNDP, ...)",
    "ngos": "NGOs and civil society",
    "embassies": "Embassies, consulates and labour attachés",
    "private_companies": "Private companies and investors",
}

# Host programme types the toolbox plugs into (the list of the GIZ sector project's toolbox
# assignment), plus two programme types common needs-assessment criteria add.
PROGRAMME_TYPES: dict[str, str] = {
    "investment_climate_sme": "Investment climate and SME strategies",
    "private_sector_development": "Private-sector development",
    "cluster_value_chain": "Cluster and value-chain strengthening",
    "bds_m4p": "Business development services and M4P",
    "trade_export_technology": "Trade, export and technology transfer",
    "access_to_finance": "Access to finance",
    "local_economic_development": "Local economic development",
    "tvet_employment": "TVET and employment promotion",
}

# Authored scales: the same thresholds are used by the budget and time questions.
COST_LEVELS: dict[str, str] = {
    "low": "Low (under EUR 100,000)",
    "medium": "Medium (EUR 100,000 to 1 million)",
    "high": "High (over EUR 1 million)",
}

TIME_TO_RESULTS: dict[str, str] = {
    "short": "Short (first results within a year)",
    "medium": "Medium (1 to 3 years)",
    "long": "Long (more than 3 years)",
}

# What a programme wants to achieve with migrants and the diaspora (the same ids as AREAS).
OBJECTIVES: dict[str, str] = dict(AREAS)

# Who can lead an instrument, and who leads the programme's migration component.
IMPLEMENTERS: dict[str, str] = {
    "national_government": "National ministry or agency",
    "local_authority": "Local authority",
    "diaspora_ngo": "Diaspora organisation or NGO",
    "tc_programme": "Donor-funded technical-cooperation programme",
    "private_finance": "Bank, microfinance institution or company",
}

# What holds migrants' and the diaspora's private-sector engagement back.
BOTTLENECKS: dict[str, str] = {
    "finance": "Access to finance",
    "information": "Information on opportunities and procedures",
    "skills": "Business skills and follow-up",
    "trust": "Trust and legal security",
    "market_access": "Market access and product standards",
    "remittance_costs": "Cost and channels of sending money",
    "weak_institutions": "Weak public institutions",
    "networks": "Missing networks and partners",
}

# Where an instrument works, read from the actors it names on each side.
SIDES: dict[str, str] = {
    "origin": "The country of origin",
    "destination": "The destination country",
}

# How well an instrument is shown to work (the evidence rating beside the score; it never
# changes the score). Strongest first.
EVIDENCE_LEVELS: dict[str, str] = {
    "rigorous": "Rigorous evaluation of this instrument",
    "analogue": "Rigorous evidence on a close analogue, or observational econometrics",
    "monitoring": "Programme monitoring or self-reported results only",
    "anecdotal": "Descriptive or anecdotal only",
}

# What an instrument's example is.
EXAMPLE_KINDS: dict[str, str] = {
    "case": "A documented programme",
    "recommendation": "A recommendation, not a documented programme",
    "method": "A design method or guideline",
}

# Attributes a scoring rule's selector may name, and the vocabulary each draws on.
SELECTOR_VOCABULARIES: dict[str, dict[str, str]] = {
    "area": AREAS,
    "target_group": TARGET_GROUPS,
    "stage": STAGES,
    "actor": ACTORS,  # on either side
    "origin_actor": ACTORS,
    "destination_actor": ACTORS,
    "programme_type": PROGRAMME_TYPES,
    "cost_level": COST_LEVELS,
    "time_to_results": TIME_TO_RESULTS,
    "serves_main": OBJECTIVES,  # an objective the instrument mainly serves
    "serves": OBJECTIVES,  # an objective it serves, mainly or secondarily
    "serves_secondary": OBJECTIVES,  # an objective it serves on the side
    "addresses": BOTTLENECKS,
    "implementer": IMPLEMENTERS,
    "works_in": SIDES,
}

DONT_KNOW = "dont_know"
DONT_KNOW_LABEL = "Don't know"
