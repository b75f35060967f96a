"""Synthetic funding statements with exact gold, for training and stress-testing funding extractors.

`generate_funding_records(n, seed)` returns canonical records (`sciextract.tasks.funding.data`) with ids
`syn-000000`, ... Record `i` depends only on `(seed, i)`, so a longer run extends a shorter one.

The distributions below follow counts taken on a real, publisher-annotated dev set of funding
statements (counted only: no name, id or sentence of it is used here): how many funders a statement
names and how many ids each has, which countries they come from, the shapes of their ids, how often
schemes and titles occur and where they stand, how statements introduce funders, and what noise they
carry.

Funders (real statements name many funders that no list holds, with ids in their own formats):

- About `COMPOSED_FUNDER_FRACTION` (0.45) of funder mentions are *composed*: names built from word
  lists of cities, Chinese provinces, states and regions, smaller countries, surnames, given names,
  disciplines, diseases and company stems ("University of Tartu Research Committee", "Fondazione
  Rossi", "Natural Science Foundation of Anhui Province", "Ohio Department of Health", "Ministry of
  Health of Tunisia", "Helixon Therapeutics", "Becker Endowed Research Fund", "Greek Society of
  Cardiology"). Thousands are distinct, none is a gazetteer surface form, and they mix names with
  an organisation word (Foundation, Fund, Society, ...) and names without one (universities,
  hospitals, companies, departments). A few carry an acronym, written "Full Name (ACR)"
  (`COMPOSED_ACRONYM_FRACTION`), each has schemes of its kind, and `COMPOSED_IDLESS_FRACTION` (0.35)
  have no id.
  Their ids come from free-form shapes with the funder's own letter codes fixed per funder
  ("2019-AB-117", "KJ2020A0123", "RFF/2020/045", "61203457", "HX-2019-0412", ...).
- The rest come from the gazetteer (`sciextract.tasks.funding.gazetteer`), as official name, variant,
  acronym, "Full Name (ACR)", "ACR (Full Name)" or a qualified acronym ("US DOE", "Swiss NSF"), mostly
  from the statement's home country (China and the United States most often, as in real statements).
  Their ids follow the funder's own formats, except `OFF_PATTERN_ID_FRACTION` (0.06) of awards, which
  carry an internal reference in a free-form shape.
- Distractor sentences also name composed institutions in roles that are not funding (affiliations,
  employment, hospitality, thanks for recruitment or reagents).
- Nothing here reads an extractor: the generator knows the gazetteer, never the rule baseline.

Statements: most open with a passive "This work was supported by ..."; many credit funders to people
("J.S. was supported by ...", "AB and CD thank ...", "The first author ...", "The work of AB ...",
"Helen Weber's PhD is funded by ..."), sometimes after a general opener; some start with an
"Acknowledgements" header and mix thanks with funding; a few have a "Funding:" header, a publisher
"Grant/Award Number:" block or a footnote mark, or are two sections joined by " | " (the second
sometimes repeating the first). A named award stands where real ones do: right after the funder ("the
NSF CAREER award"), before it ("the Excellent Young Scientists Fund of the NSFC", "the X Fellowship
(No. 1) funded by Y"), linked ("for a Discovery Grant", "under the ..."), in parentheses or after a comma.

Gold conventions (what an extractor is expected to return):

- `funder_name` is the name as the statement writes it: official name, variant or acronym. Where the
  statement writes "Full Name (ACR)" (or "ACR (Full Name)"), the gold name is that whole string,
  parenthesis included, as publisher gold keeps it; a bare acronym is gold as the acronym.
- Ids listed bare for a funder ("grant Nos. 61972123 and 62072456") are one award each. Ids introduced
  together under one scheme or one title share one award carrying it. A scheme or title with no id is
  an award with empty `award_ids`. A person an id is tied to ("X to AB", "X (AB, CD)", "X awarded to
  Helen Weber") is never gold; the id is the funder's.
- A named award's field follows its kind, as publisher gold does: grant and award types ("Discovery
  Grant", "Young Investigator Award") and project names ("Project NANOCAT", a project acronym, a
  quoted project title) are `award_title`; programmes, funds and programme acronyms are mostly
  `funding_scheme` (`_SCHEME_SHARE_BY_KIND`); fellowships and scholarships are either, half and half.
- A shared award ("jointly funded by X and Y under grant Z") appears, whole, under X and under Y.
- Ids with no named funder ("This work was supported by grant 2019-1234.") go to a single funder with
  `funder_name: None` that holds all such awards.
- A programme named as the source of money ("the National Key R&D Program of China (2018YFA0305600)")
  is the funder the statement gives; its ids go under it.
- Not funding, so never gold: people, reviewers and institutions thanked or visited; computing time,
  facilities and beamtime, even with an allocation or proposal number; data access (UK Biobank
  application numbers); conflict-of-interest and disclaimer sentences, even when they repeat a funder's
  name; affiliations, employment and consulting. A statement that only thanks people, or says there was
  no funding, has gold `[]`.
- Funders come in order of first mention, awards in the order written; a section repeated after " | "
  adds nothing.

Noise (on a fraction `noise_fraction` of records; the functions and their weights live in
`sciextract.tasks.funding.noise`):

- A statement is rendered from segments flagged gold or plain, and the gold is read back from the
  segments after noise, so gold and text agree by construction.
- Most noise is PDF layout debris: line breaks inside sentences, words hyphenated across a line end,
  stray control characters (plain segments only), and ids split after their dash ("ABC- 12345"), which
  the gold keeps as written because an extractor should copy it.
- Copied OCR noise (a case flip; a 0/O, 1/l/I, 5/S, 8/B confusion) may hit a gold segment; the gold
  then holds the noisy form, exactly as the text shows it.
- Formatting noise (HTML tags and entities, LaTeX commands, `~`, zero-width characters, no-break and
  thin spaces, ligatures) is rare and edits only plain segments. Markup may surround a gold segment but
  never enters one, so every gold string occurs verbatim in the statement and holds no markup.
"""

from __future__ import annotations

import itertools
import random
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sciextract.tasks.funding.gazetteer import FUNDERS, Funder, generate_award_id
from sciextract.tasks.funding.noise import Segment, add_noise

Key = TypeVar("Key")

NOISE_FRACTION = 0.15  # real statements: about 11% carry PDF layout debris and 1% markup
NEGATIVE_FRACTION = 0.03
THANKS_ONLY_FRACTION = 0.5  # negatives that thank people rather than say there was no funding
UNNAMED_FRACTION = 0.06  # positive records with ids credited to no named funder
NAMED_AWARD_FRACTION = 0.27  # named funders with a scheme or title (fellowship, programme, grant type, project)
NAMED_AWARD_IDLESS_FRACTION = 0.18  # named awards given without any id
SHARED_FRACTION = 0.10  # records with two or more funders where one award is credited jointly
DISTRACTOR_FRACTION = 0.33  # records carrying thanks, facilities, disclaimers and the like
IDLESS_FUNDER_FRACTION = 0.3  # gazetteer funders named without any award id
HOME_COUNTRY_FRACTION = 0.7  # chance that a further funder comes from the statement's home country
HOME_COUNTRY_WEIGHTS = {"US": 35, "CN": 31}  # the rest (34) spread over the gazetteer's other countries
EUROPEAN_UNION_FRACTION = 0.08  # gazetteer funders drawn from the EU's own (ERC, European Commission, ...)
COMPOSED_FUNDER_FRACTION = 0.45  # funder mentions drawn from composed names that no gazetteer lists
COMPOSED_IDLESS_FRACTION = 0.35  # composed funders named without any award id (internal funds, hospitals, ...)
COMPOSED_ACRONYM_FRACTION = 0.12  # composed funders shown as "Full Name (ACR)", when the name has an acronym
OFF_PATTERN_ID_FRACTION = 0.06  # awards of gazetteer funders whose id is an internal reference, off its patterns
PERSON_ID_FRACTION = 0.06  # id lists that tie each id to a person ("X to AB", "X (AB, CD)")
ACKNOWLEDGEMENTS_FRACTION = 0.22  # records opening with an "Acknowledgements" header
SECTION_JOIN_FRACTION = 0.07  # records made of two sections joined by " | "
FUNDER_COUNT_WEIGHTS = {1: 26, 2: 34, 3: 17, 4: 11, 5: 4, 6: 2, 7: 2, 8: 2, 10: 1, 14: 1}
IDS_PER_FUNDER_WEIGHTS = {1: 76, 2: 15, 3: 4, 4: 2, 5: 1, 6: 1, 12: 1}

UNNAMED_ID_PATTERNS = (
    "20{15..23}-{1..9}###", "{1..9}#####", "{AB|CD|GR|RS|TK|MP}-20{15..23}-0###", "{1..9}####/20{15..23}",
    "{P|G|R}{1..9}{0..9}####", "{SP|RG|PJ}{15..23}/0##",
)

# Words that introduce ids, weighted so that 'No.'-style cues stay in the minority, as in real statements.
_ID_CUES = {
    ("grant ", "grants "): 8, ("Grant ", "Grants "): 2, ("grant no. ", "grant nos. "): 2,
    ("Grant No. ", "Grant Nos. "): 2, ("No. ", "Nos. "): 1, ("grant number ", "grant numbers "): 2,
    ("award ", "awards "): 2, ("project ", "projects "): 2, ("award no. ", "award nos. "): 1,
    ("project no. ", "project nos. "): 1, ("contract ", "contracts "): 1, ("contract no. ", "contract nos. "): 1,
    ("Grant Agreement No. ", "Grant Agreement Nos. "): 1, ("grant agreement No ", "grant agreement Nos "): 1,
    ("grant #", "grants #"): 1, ("Award Number ", "Award Numbers "): 1, ("grant No.: ", "grant Nos.: "): 1,
}
_NO_CUE_WEIGHT = 8  # ids with no cue word at all ('(61972123)'), where the phrasing allows it
_SCHEME_ID_CUES = (("No. ", "Nos. "), ("no. ", "nos. "), ("No ", "Nos "), ("number ", "numbers "), ("", ""), ("", ""))
_LIST_SEPARATORS = ((", ", " and "), (", ", ", and "), (", ", " and "), (", ", ", "), ("; ", " and "),
                    (", ", " and "))
_PEOPLE = ("J. Smith", "M. Müller", "L. Wang", "K. Tanaka", "A. Rossi", "S. Kim", "P. Dubois", "R. Singh",
           "E. Johansson", "C. Silva", "H. Nguyen", "O. Petrov", "F. García", "Y. Chen", "D. O'Brien",
           "T. Nakamura", "I. Kowalska", "B. Okafor", "N. Haddad", "G. Lindqvist", "X. Li", "Z. Liu", "W. Zhang",
           "J. Park", "M. Rahman", "A. Costa", "V. Ivanova", "S. Ahmed", "E. Moreau", "R. Jones")
_MAIL_DOMAINS = ("ox.ac.uk", "stanford.edu", "tsinghua.edu.cn", "uni-heidelberg.de", "utoronto.ca", "unimelb.edu.au",
                 "epfl.ch", "u-tokyo.ac.jp", "snu.ac.kr", "iisc.ac.in", "usp.br", "kth.se")
_TITLE_SUBJECTS = ("Quantum materials", "Machine learning", "Single-cell genomics", "Topological photonics",
                   "Antimicrobial resistance surveillance", "Coastal ecosystem resilience", "Neural circuit mechanisms",
                   "Low-carbon cement", "Precision oncology", "Soil microbiome engineering", "Perovskite solar cells",
                   "Gravitational-wave astronomy", "Sustainable aviation fuels", "Cryo-electron microscopy",
                   "Digital health interventions", "Arctic sea-ice dynamics", "Next-generation batteries",
                   "Plant immune signalling", "Multilingual language technology", "Urban heat mitigation",
                   "Protein design", "Hydrogen storage", "Malaria transmission", "Ancient DNA analysis")
_TITLE_PURPOSES = ("for energy-efficient electronics", "in hospital settings", "for early cancer detection",
                   "under climate change", "in low-income countries", "for sustainable agriculture",
                   "at the nanoscale", "across the life course", "for rare disease diagnosis",
                   "in the developing brain", "for resilient cities", "beyond the standard model",
                   "for safe drinking water", "in extreme environments")
_TITLE_ACRONYMS = ("NANOCAT", "BIOMAP", "ECOFLOW", "NEUROTWIN", "SOLARIS", "QUANTIFY", "GENESIS", "AQUASENSE",
                   "CLIMATEWISE", "PROMETHEUS", "TOPOLIGHT", "MICROBIOTA", "HYDROSTORE", "ARCTICA", "PHOTOCAT",
                   "MAGNETO", "CELLFATE", "GEOTRACE", "POLYCHAIN", "SEAWALL", "DYNAMO", "VIROSCAN", "AGROSENSE",
                   "METASURF", "COGNITO", "BRAINMATE", "FUTUREFOOD", "IMMUNOCODE", "TERRA-X", "HELIOS")
_TITLE_QUOTES = (('"', '"'), ("“", "”"), ("‘", "’"))

# Sentences that credit funders: `{}` is where the funder list goes. Weights follow real openers (a
# passive "This work was supported by" in most statements; "X is acknowledged" almost never).
_OPENING_FRAMES = {
    "This work was supported by {}.": 22, "This work was supported in part by {}.": 6,
    "This work was partially supported by {}.": 5, "This work was financially supported by {}.": 5,
    "This work was funded by {}.": 5, "This research was supported by {}.": 6, "This research was funded by {}.": 6,
    "This study was supported by {}.": 5, "This study was financially supported by {}.": 3,
    "This research was partly funded by {}.": 2, "This project was supported by {}.": 2,
    "The present study was supported by {}.": 1, "This material is based upon work supported by {}.": 2,
    "This research was made possible by funding from {}.": 1, "The authors acknowledge financial support from {}.": 2,
    "We gratefully acknowledge funding from {}.": 1, "We acknowledge support from {}.": 1,
    "The authors gratefully acknowledge the financial support of {}.": 1,
    "The authors thank {} for financial support.": 3, "We thank {} for funding this work.": 2,
    "The authors are grateful to {} for financial support.": 2, "The authors would like to thank {} for funding.": 1,
    "This project has received funding from {}.": 2,
    "The research leading to these results has received funding from {}.": 1,
    "Funding for this work was provided by {}.": 2, "Supported by {}.": 2,
    "Financial support from {} is gratefully acknowledged.": 1,
}
_FOLLOW_UP_FRAMES = {
    "This work was also supported by {}.": 5, "This research was also funded by {}.": 3,
    "Additional funding was provided by {}.": 3, "We also acknowledge support from {}.": 3,
    "Further support came from {}.": 2, "{} also supported this work.": 2,
    "The authors are grateful for financial support from {}.": 2, "Partial support was received from {}.": 1,
    "{} is acknowledged for financial support.": 1,
}
# Person-attributed support: `{p}`/`{q}` are people written in the statement's style (AB, J.S., J. Smith,
# Dr. Smith), `{f}` a full name.
_PERSON_FRAMES = {
    "{p} was supported by {}.": 8, "{p} is supported by {}.": 5, "{p} acknowledges support from {}.": 3,
    "{p} acknowledges funding from {}.": 2, "{p} gratefully acknowledges financial support from {}.": 1,
    "{p} was partially supported by {}.": 3, "{p} and {q} thank {} for financial support.": 2,
    "{p} and {q} were supported by {}.": 2, "{p} received funding from {}.": 1,
    "{p} thanks {} for support.": 2, "{p} is grateful to {} for a fellowship.": 1,
    "The first author was supported by {}.": 2,
    "The second author is supported by {}.": 1, "The corresponding author acknowledges support from {}.": 1,
    "The work of {p} was supported by {}.": 3, "The work of {p} and {q} was partially supported by {}.": 1,
    "{f}'s PhD is funded by {}.": 1, "{f}'s research is supported by {}.": 1,
}
_PERSON_STYLES = {"initials": 40, "dotted": 25, "name": 20, "title": 15}  # AB / J.S. / J. Smith / Dr. Smith
_HEADERS = ("Funding: ", "Funding\n", "FUNDING: ", "Financial support: ", "Funding sources: ", "Sources of funding: ",
            "Grant support: ", "Funding statement: ", "Funding information: ")
_ACKNOWLEDGEMENT_HEADERS = ("Acknowledgements ", "Acknowledgments ", "Acknowledgements ", "Acknowledgments ",
                            "ACKNOWLEDGMENTS ", "ACKNOWLEDGEMENTS ", "Acknowledgments: ", "Acknowledgement. ",
                            "Acknowledgments. ", "Acknowledgements\n", "5. Acknowledgments ", "6 Acknowledgements ")
_SECTION_HEADERS = ("Funding ", "Funding: ", "Financial support ", "", "", "")
_UNNAMED_FRAMES = (
    "This work was supported by {}.", "Additional support was provided by {}.", "Partial funding came from {}.",
    "{p} was supported by {}.", "The work was also funded under {}.",
)
_SHARED_FRAMES = (
    ("This work was jointly funded by ", " and ", " under ", "."),
    ("", " and ", " jointly supported this research through ", "."),
    ("Support was provided by a joint grant from ", " and ", " (", ")."),
    ("This study was co-funded by ", " and ", " (joint project ", ")."),
)
_NEGATIVE_STATEMENTS = (
    "The authors received no specific funding for this work.", "This research received no external funding.",
    "This research did not receive any specific grant from funding agencies in the public, commercial, or "
    "not-for-profit sectors.",
    "The author(s) received no financial support for the research, authorship, and/or publication of this article.",
    "No funding was received for conducting this study.", "Funding: None.", "Funding: Not applicable.",
    "This study was unfunded.", "The authors did not receive support from any organization for the submitted work.",
    "Funding\nThis research received no specific grant from any funding agency.",
    "No funds, grants, or other support was received.",
)
_THANKS = (
    "We thank {p} for helpful discussions.", "We are grateful to {p} and {q} for technical assistance.",
    "The authors thank the anonymous reviewers for their constructive comments.",
    "We thank {p} for critical reading of the manuscript.",
    "The authors would like to thank {p} for assistance with data collection.", "We acknowledge {p} for sharing "
    "reagents.", "We thank all participants of the study.", "The authors thank {p} and {q} for useful comments.",
    "We are indebted to {p} for stimulating discussions.", "We thank the editor and two referees for their careful "
    "reading.", "The authors wish to thank {p} for help with the experiments.", "We thank {p} for providing the "
    "samples.", "We gratefully acknowledge {p} for technical support.", "We thank our colleagues for their help.",
    "The authors are grateful to the staff of the laboratory for their assistance.",
)
_DEDICATIONS = ("This paper is dedicated to the memory of {p}.", "We dedicate this work to {p}.")
_FACILITIES = (
    "Computations were performed on resources provided by the Swedish National Infrastructure for Computing (SNIC) "
    "at NSC.",
    "This research used resources of the National Energy Research Scientific Computing Center (NERSC).",
    "This research used resources of the Oak Ridge Leadership Computing Facility.",
    "The authors acknowledge the Texas Advanced Computing Center (TACC) at The University of Texas at Austin for "
    "providing HPC resources.",
    "We acknowledge the Gauss Centre for Supercomputing e.V. for providing computing time on SuperMUC-NG at the "
    "Leibniz Supercomputing Centre.",
    "We acknowledge PRACE for awarding us access to JUWELS at the Jülich Supercomputing Centre.",
    "This work was granted access to the HPC resources of IDRIS under the allocation {id:20{19..23}-A0{10..15}0{1..9}"
    "####} made by GENCI.",
    "We acknowledge the European Synchrotron Radiation Facility for provision of beamtime on beamline ID{id:{10..32}}.",
    "We acknowledge Diamond Light Source for time on beamline I{id:{02..24}} under proposal {id:MX{1|2}####}.",
    "Part of this work was carried out at the Center for Nanophase Materials Sciences.",
    "We thank the Core Facility for Electron Microscopy for technical support.",
)
_DATA_ACCESS = (
    "This research has been conducted using the UK Biobank Resource under Application Number {id:{1..9}####}.",
    "Data used in the preparation of this article were obtained from the Alzheimer's Disease Neuroimaging "
    "Initiative (ADNI) database.",
)
_CONFLICTS = (
    "The funders had no role in study design, data collection and analysis, decision to publish, or preparation of "
    "the manuscript.",
    "The authors declare no competing interests.",
    "The authors declare that they have no known competing financial interests or personal relationships that "
    "could have appeared to influence the work reported in this paper.",
    "The sponsors had no involvement in the design of the study.",
    "The authors declare no conflict of interest.",
)
_AFFILIATIONS = (
    "{p} is also affiliated with the Department of Physics, University of Oxford.",
    "{p} is an employee of Novartis Pharma AG.",
    "{p} holds a visiting position at the Institute for Advanced Study.",
)
_DISCLAIMERS = (
    "Any opinions, findings, and conclusions or recommendations expressed in this material are those of the "
    "author(s) and do not necessarily reflect the views of {}.",
    "The views expressed are those of the authors and not necessarily those of {}.",
    "The content is solely the responsibility of the authors and does not necessarily represent the official views "
    "of {}.",
)
# Kinds of sentence that are not funding, weighted as real statements mix them: thanks to people lead;
# disclaimers, data access and affiliations are rarer.
_DISTRACTOR_WEIGHTS = {"thanks": 30, "facility": 12, "conflict": 4, "affiliation": 3, "hospitality": 3,
                       "disclaimer": 3, "data": 2, "dedication": 2}


# --- funders outside the gazetteer: names composed from word lists, with free-form award ids ---
#
# Word lists carry a country code as their last element where one applies, so a statement can keep
# to the first funder's country (`HOME_COUNTRY_FRACTION`). Nothing here is known to any extractor.

_CITIES = (
    ("Tucson", "US"), ("Omaha", "US"), ("Dayton", "US"), ("Spokane", "US"), ("Knoxville", "US"), ("Tulsa", "US"),
    ("Louisville", "US"), ("Toledo", "US"), ("Fresno", "US"), ("Akron", "US"), ("Leeds", "GB"), ("Dundee", "GB"),
    ("Exeter", "GB"), ("Sheffield", "GB"), ("Aberdeen", "GB"), ("Swansea", "GB"), ("Plymouth", "GB"),
    ("Norwich", "GB"), ("Freiburg", "DE"), ("Tübingen", "DE"), ("Münster", "DE"), ("Göttingen", "DE"),
    ("Würzburg", "DE"), ("Jena", "DE"), ("Mainz", "DE"), ("Kiel", "DE"), ("Ulm", "DE"), ("Regensburg", "DE"),
    ("Lyon", "FR"), ("Rennes", "FR"), ("Nantes", "FR"), ("Lille", "FR"), ("Montpellier", "FR"), ("Bordeaux", "FR"),
    ("Grenoble", "FR"), ("Toulouse", "FR"), ("Bologna", "IT"), ("Padua", "IT"), ("Pavia", "IT"), ("Turin", "IT"),
    ("Florence", "IT"), ("Pisa", "IT"), ("Bari", "IT"), ("Parma", "IT"), ("Verona", "IT"), ("Valencia", "ES"),
    ("Seville", "ES"), ("Granada", "ES"), ("Salamanca", "ES"), ("Zaragoza", "ES"), ("Oviedo", "ES"), ("Murcia", "ES"),
    ("Wuhan", "CN"), ("Chengdu", "CN"), ("Xi'an", "CN"), ("Changsha", "CN"), ("Hefei", "CN"), ("Jinan", "CN"),
    ("Zhengzhou", "CN"), ("Nanchang", "CN"), ("Kunming", "CN"), ("Lanzhou", "CN"), ("Harbin", "CN"), ("Dalian", "CN"),
    ("Qingdao", "CN"), ("Suzhou", "CN"), ("Ningbo", "CN"), ("Xiamen", "CN"), ("Guiyang", "CN"), ("Taiyuan", "CN"),
    ("Sendai", "JP"), ("Kobe", "JP"), ("Hiroshima", "JP"), ("Niigata", "JP"), ("Kanazawa", "JP"), ("Okayama", "JP"),
    ("Kumamoto", "JP"), ("Busan", "KR"), ("Daegu", "KR"), ("Gwangju", "KR"), ("Incheon", "KR"), ("Daejeon", "KR"),
    ("Pune", "IN"), ("Chennai", "IN"), ("Hyderabad", "IN"), ("Lucknow", "IN"), ("Bhopal", "IN"), ("Jaipur", "IN"),
    ("Mysore", "IN"), ("Calgary", "CA"), ("Winnipeg", "CA"), ("Halifax", "CA"), ("Saskatoon", "CA"),
    ("Sherbrooke", "CA"), ("Adelaide", "AU"), ("Perth", "AU"), ("Brisbane", "AU"), ("Hobart", "AU"),
    ("Wollongong", "AU"), ("Campinas", "BR"), ("Curitiba", "BR"), ("Recife", "BR"), ("Porto Alegre", "BR"),
    ("Fortaleza", "BR"), ("Belo Horizonte", "BR"), ("Utrecht", "NL"), ("Leiden", "NL"), ("Groningen", "NL"),
    ("Maastricht", "NL"), ("Nijmegen", "NL"), ("Uppsala", "SE"), ("Lund", "SE"), ("Umeå", "SE"), ("Linköping", "SE"),
    ("Örebro", "SE"), ("Aarhus", "DK"), ("Odense", "DK"), ("Aalborg", "DK"), ("Bergen", "NO"), ("Trondheim", "NO"),
    ("Tromsø", "NO"), ("Stavanger", "NO"), ("Turku", "FI"), ("Tampere", "FI"), ("Oulu", "FI"), ("Basel", "CH"),
    ("Bern", "CH"), ("Lausanne", "CH"), ("Fribourg", "CH"), ("Graz", "AT"), ("Innsbruck", "AT"), ("Salzburg", "AT"),
    ("Kraków", "PL"), ("Wrocław", "PL"), ("Poznań", "PL"), ("Gdańsk", "PL"), ("Brno", "CZ"), ("Olomouc", "CZ"),
    ("Ghent", "BE"), ("Leuven", "BE"), ("Liège", "BE"), ("Coimbra", "PT"), ("Porto", "PT"), ("Braga", "PT"),
    ("Cork", "IE"), ("Galway", "IE"), ("Limerick", "IE"), ("Debrecen", "HU"), ("Szeged", "HU"),
    ("Cluj-Napoca", "RO"), ("Iași", "RO"), ("Tartu", "EE"), ("Ljubljana", "SI"), ("Maribor", "SI"), ("Zagreb", "HR"),
    ("Split", "HR"), ("Novi Sad", "RS"), ("Niš", "RS"), ("Izmir", "TR"), ("Erzurum", "TR"), ("Haifa", "IL"),
    ("Tabriz", "IR"), ("Isfahan", "IR"), ("Mashhad", "IR"), ("Lahore", "PK"), ("Peshawar", "PK"), ("Chiang Mai", "TH"),
    ("Khon Kaen", "TH"), ("Penang", "MY"), ("Stellenbosch", "ZA"), ("Durban", "ZA"), ("Nairobi", "KE"),
    ("Ibadan", "NG"), ("Kumasi", "GH"), ("Mendoza", "AR"), ("Córdoba", "AR"), ("Concepción", "CL"),
    ("Guadalajara", "MX"), ("Monterrey", "MX"), ("Medellín", "CO"), ("Dunedin", "NZ"), ("Waikato", "NZ"),
    ("Kaohsiung", "TW"), ("Tainan", "TW"), ("Thessaloniki", "GR"), ("Patras", "GR"), ("Sohag", "EG"),
    ("Mansoura", "EG"), ("Taif", "SA"), ("Jazan", "SA"),
)
_ITALIAN_CITIES = ("Torino", "Padova", "Firenze", "Pisa", "Bologna", "Parma", "Verona", "Trento", "Perugia", "Lucca",
                   "Cuneo", "Pistoia", "Modena", "Genova")
_SURNAMES = (
    ("Rossi", "IT"), ("Bianchi", "IT"), ("Ferrari", "IT"), ("Esposito", "IT"), ("Colombo", "IT"), ("Ricci", "IT"),
    ("Marino", "IT"), ("Greco", "IT"), ("Gallo", "IT"), ("Conti", "IT"), ("Mancini", "IT"), ("Lombardi", "IT"),
    ("Moretti", "IT"), ("Barbieri", "IT"), ("Müller", "DE"), ("Schmidt", "DE"), ("Schneider", "DE"),
    ("Fischer", "DE"), ("Weber", "DE"), ("Becker", "DE"), ("Hoffmann", "DE"), ("Richter", "DE"), ("Wolf", "DE"),
    ("Neumann", "DE"), ("Zimmermann", "DE"), ("Krüger", "DE"), ("Hartmann", "DE"), ("Lange", "DE"),
    ("Bernard", "FR"), ("Dubois", "FR"), ("Laurent", "FR"), ("Moreau", "FR"), ("Lefebvre", "FR"), ("Girard", "FR"),
    ("Rousseau", "FR"), ("Fontaine", "FR"), ("Chevalier", "FR"), ("Mercier", "FR"), ("García", "ES"),
    ("Fernández", "ES"), ("López", "ES"), ("Martínez", "ES"), ("Sánchez", "ES"), ("Ramírez", "ES"), ("Torres", "ES"),
    ("Navarro", "ES"), ("Ortega", "ES"), ("Silva", "BR"), ("Santos", "BR"), ("Oliveira", "BR"), ("Pereira", "BR"),
    ("Carvalho", "BR"), ("Almeida", "BR"), ("Ribeiro", "BR"), ("Smith", "US"), ("Johnson", "US"), ("Anderson", "US"),
    ("Thompson", "US"), ("Walker", "US"), ("Harris", "US"), ("Mitchell", "US"), ("Kennedy", "US"), ("Whitaker", "US"),
    ("Pemberton", "US"), ("Caldwell", "US"), ("Hollister", "US"), ("Brennan", "US"), ("Fairbanks", "US"),
    ("Campbell", "GB"), ("Stewart", "GB"), ("Morrison", "GB"), ("Sutherland", "GB"), ("Hargreaves", "GB"),
    ("Ashworth", "GB"), ("Pennington", "GB"), ("Blackwood", "GB"), ("Fairweather", "GB"), ("Jensen", "DK"),
    ("Hansen", "DK"), ("Nielsen", "DK"), ("Larsen", "DK"), ("Lindgren", "SE"), ("Berg", "SE"), ("Holm", "SE"),
    ("Sandberg", "SE"), ("Dahl", "NO"), ("Haugen", "NO"), ("Virtanen", "FI"), ("Korhonen", "FI"), ("De Vries", "NL"),
    ("Van Dijk", "NL"), ("Bakker", "NL"), ("Visser", "NL"), ("Kowalski", "PL"), ("Nowak", "PL"), ("Novák", "CZ"),
    ("Horváth", "HU"), ("Popescu", "RO"), ("Tanaka", "JP"), ("Suzuki", "JP"), ("Yamamoto", "JP"),
    ("Watanabe", "JP"), ("Choi", "KR"), ("Jung", "KR"), ("Chen", "CN"), ("Zhang", "CN"), ("Huang", "CN"),
    ("Zhou", "CN"), ("Patel", "IN"), ("Gupta", "IN"), ("Sharma", "IN"), ("Reddy", "IN"), ("Cohen", "IL"),
    ("Levy", "IL"), ("MacKenzie", "CA"), ("Tremblay", "CA"), ("Gagnon", "CA"), ("O'Sullivan", "IE"),
    ("Fitzgerald", "IE"), ("Kelly", "AU"), ("Nguyen", "AU"), ("Okafor", "NG"), ("Mensah", "GH"), ("Haddad", "LB"),
)
_GIVEN_NAMES = ("Ruth", "Harold", "Margaret", "Edward", "Helen", "Walter", "Dorothy", "Arthur", "Eleanor", "George",
                "Alice", "Frederick", "Marjorie", "Leonard", "Florence", "Herbert", "Irene", "Stanley", "Beatrice",
                "Norman", "Edith", "Klaus", "Elisabeth", "Heinrich", "Ursula", "Giovanni", "Maria", "Pierre", "Anna",
                "Lars", "Ingrid", "Carlos", "Lucía", "Hiroshi", "Rajesh", "Miriam", "Samuel", "Grace", "Joseph")
_CN_PROVINCES = ("Anhui", "Jiangxi", "Henan", "Hebei", "Shanxi", "Shaanxi", "Sichuan", "Yunnan", "Guizhou", "Hainan",
                 "Liaoning", "Jilin", "Heilongjiang", "Gansu", "Qinghai", "Hunan", "Hubei", "Guangdong", "Zhejiang",
                 "Jiangsu", "Shandong", "Fujian")
_REGIONS = (
    ("Ohio", "US"), ("Iowa", "US"), ("Kansas", "US"), ("Oregon", "US"), ("Nebraska", "US"), ("Kentucky", "US"),
    ("Tennessee", "US"), ("Louisiana", "US"), ("Arizona", "US"), ("Utah", "US"), ("Vermont", "US"), ("Maine", "US"),
    ("Wisconsin", "US"), ("Minnesota", "US"), ("Alabama", "US"), ("Oklahoma", "US"), ("Montana", "US"),
    ("New Mexico", "US"), ("South Carolina", "US"), ("West Virginia", "US"), ("Arkansas", "US"), ("Nevada", "US"),
    ("Delaware", "US"), ("Hawaii", "US"), ("Queensland", "AU"), ("New South Wales", "AU"), ("Victoria", "AU"),
    ("Western Australia", "AU"), ("South Australia", "AU"), ("Tasmania", "AU"), ("Kerala", "IN"), ("Gujarat", "IN"),
    ("Maharashtra", "IN"), ("Tamil Nadu", "IN"), ("Karnataka", "IN"), ("West Bengal", "IN"), ("Odisha", "IN"),
    ("Manitoba", "CA"), ("Saskatchewan", "CA"), ("Nova Scotia", "CA"), ("New Brunswick", "CA"), ("Ontario", "CA"),
    ("Newfoundland and Labrador", "CA"), ("Lower Saxony", "DE"), ("Baden-Württemberg", "DE"),
    ("North Rhine-Westphalia", "DE"), ("Hesse", "DE"), ("Saxony", "DE"), ("Thuringia", "DE"), ("Brandenburg", "DE"),
    ("Rhineland-Palatinate", "DE"), ("Schleswig-Holstein", "DE"), ("Aragon", "ES"), ("Castilla y León", "ES"),
    ("Extremadura", "ES"), ("Asturias", "ES"), ("Cantabria", "ES"), ("Navarre", "ES"), ("Galicia", "ES"),
    ("the Canary Islands", "ES"), ("the Basque Country", "ES"), ("Lombardia", "IT"), ("Toscana", "IT"),
    ("Veneto", "IT"), ("Piemonte", "IT"), ("Emilia-Romagna", "IT"), ("Campania", "IT"), ("Puglia", "IT"),
    ("Sardegna", "IT"), ("Liguria", "IT"), ("Bahia", "BR"), ("Pernambuco", "BR"), ("Paraná", "BR"),
    ("Santa Catarina", "BR"), ("Goiás", "BR"), ("Amazonas", "BR"), ("Ceará", "BR"), ("Rio Grande do Sul", "BR"),
    ("Espírito Santo", "BR"), ("Mato Grosso", "BR"),
)
_BR_STATE_ARTICLES = {"Bahia": "da", "Paraná": "do", "Amazonas": "do", "Ceará": "do", "Rio Grande do Sul": "do",
                      "Espírito Santo": "do"}
_REGION_TEMPLATES = {
    "US": ("{r} Department of Health", "{r} Department of Public Health", "{r} Department of Natural Resources",
           "{r} Space Grant Consortium", "{r} Agricultural Experiment Station", "{r} Sea Grant College Program",
           "State of {r}", "{r} Board of Regents", "{r} Department of Transportation"),
    "AU": ("{r} Department of Health", "{r} Government", "Cancer Council {r}", "{r} Health Research Fund"),
    "IN": ("{r} State Council for Science, Technology and Environment", "Department of Biotechnology, Government "
           "of {r}", "Government of {r}", "{r} Council of Science and Technology"),
    "CA": ("{r} Ministry of Health", "{r} Health Research Foundation", "Research {r}", "{r} Innovation Fund"),
    "DE": ("Ministry of Science and Culture of {r}", "{r} State Ministry of Science, Research and the Arts",
           "State of {r}"),
    "ES": ("Regional Government of {r}", "Regional Ministry of Education of {r}", "Health Department of {r}"),
    "IT": ("Regione {r}", "Region of {r}"),
    "BR": ("Fundação de Amparo à Pesquisa do Estado {a} {r}", "{r} State Research Foundation",
           "Research Support Foundation of the State of {r}"),
}
_COUNTRIES = (  # smaller research systems: (name, adjective, code)
    ("Montenegro", "Montenegrin", "ME"), ("North Macedonia", "Macedonian", "MK"),
    ("Bosnia and Herzegovina", "Bosnian", "BA"), ("Albania", "Albanian", "AL"), ("Georgia", "Georgian", "GE"),
    ("Armenia", "Armenian", "AM"), ("Kazakhstan", "Kazakh", "KZ"), ("Uzbekistan", "Uzbek", "UZ"),
    ("Jordan", "Jordanian", "JO"), ("Lebanon", "Lebanese", "LB"), ("Tunisia", "Tunisian", "TN"),
    ("Morocco", "Moroccan", "MA"), ("Algeria", "Algerian", "DZ"), ("Ghana", "Ghanaian", "GH"),
    ("Nigeria", "Nigerian", "NG"), ("Kenya", "Kenyan", "KE"), ("Ethiopia", "Ethiopian", "ET"),
    ("Uganda", "Ugandan", "UG"), ("Tanzania", "Tanzanian", "TZ"), ("Sri Lanka", "Sri Lankan", "LK"),
    ("Bangladesh", "Bangladeshi", "BD"), ("Nepal", "Nepalese", "NP"), ("Indonesia", "Indonesian", "ID"),
    ("the Philippines", "Philippine", "PH"), ("Peru", "Peruvian", "PE"), ("Ecuador", "Ecuadorian", "EC"),
    ("Uruguay", "Uruguayan", "UY"), ("Colombia", "Colombian", "CO"), ("Costa Rica", "Costa Rican", "CR"),
    ("Latvia", "Latvian", "LV"), ("Lithuania", "Lithuanian", "LT"), ("Slovakia", "Slovak", "SK"),
    ("Bulgaria", "Bulgarian", "BG"), ("Moldova", "Moldovan", "MD"), ("Ukraine", "Ukrainian", "UA"),
    ("Cyprus", "Cypriot", "CY"), ("Malta", "Maltese", "MT"), ("Greece", "Greek", "GR"), ("Egypt", "Egyptian", "EG"),
    ("Iran", "Iranian", "IR"), ("Pakistan", "Pakistani", "PK"), ("Thailand", "Thai", "TH"),
    ("Vietnam", "Vietnamese", "VN"), ("Malaysia", "Malaysian", "MY"), ("Chile", "Chilean", "CL"),
    ("Argentina", "Argentine", "AR"), ("Mexico", "Mexican", "MX"), ("Turkey", "Turkish", "TR"),
    ("Romania", "Romanian", "RO"), ("Croatia", "Croatian", "HR"), ("Slovenia", "Slovenian", "SI"),
    ("Estonia", "Estonian", "EE"), ("Hungary", "Hungarian", "HU"), ("Portugal", "Portuguese", "PT"),
)
_NATIONS = _COUNTRIES + (  # larger ones, for societies and institutes
    ("Germany", "German", "DE"), ("France", "French", "FR"), ("Japan", "Japanese", "JP"), ("Italy", "Italian", "IT"),
    ("Spain", "Spanish", "ES"), ("China", "Chinese", "CN"), ("Korea", "Korean", "KR"), ("India", "Indian", "IN"),
    ("Brazil", "Brazilian", "BR"), ("Canada", "Canadian", "CA"), ("Australia", "Australian", "AU"),
    ("the Netherlands", "Dutch", "NL"), ("Sweden", "Swedish", "SE"), ("Poland", "Polish", "PL"),
    ("Switzerland", "Swiss", "CH"), ("Austria", "Austrian", "AT"), ("Belgium", "Belgian", "BE"),
    ("Norway", "Norwegian", "NO"), ("Finland", "Finnish", "FI"), ("Denmark", "Danish", "DK"),
    ("Ireland", "Irish", "IE"), ("Israel", "Israeli", "IL"), ("Britain", "British", "GB"),
    ("the United States", "American", "US"),
)
_DISCIPLINES = ("Cardiology", "Oncology", "Neuroscience", "Microbiology", "Paediatrics", "Ophthalmology",
                "Nephrology", "Rheumatology", "Dermatology", "Hepatology", "Endocrinology", "Immunology",
                "Anaesthesiology", "Gastroenterology", "Haematology", "Radiology", "Pathology", "Geriatrics",
                "Orthopaedics", "Psychiatry", "Nutrition", "Toxicology", "Virology", "Parasitology", "Ecology",
                "Geology", "Materials Science", "Applied Physics", "Theoretical Chemistry", "Mathematics",
                "Soil Science", "Plant Biology", "Marine Biology", "Biochemistry", "Human Genetics",
                "Veterinary Medicine", "Pharmacology", "Clinical Chemistry", "Tropical Medicine", "Public Health")
_DISEASES = ("Cancer", "Diabetes", "Heart", "Kidney", "Stroke", "Epilepsy", "Parkinson's", "Multiple Sclerosis",
             "Lung", "Arthritis", "Brain Tumour", "Leukaemia", "Cystic Fibrosis", "Motor Neurone Disease",
             "Prostate Cancer", "Breast Cancer", "Liver", "Asthma", "Autism", "Dementia", "Melanoma", "Sarcoma",
             "Lupus", "Crohn's and Colitis", "Hearing", "Sight", "Spinal Injuries", "Rare Disease")
_SAINTS = ("Sant Joan", "San Matteo", "Saint-Antoine", "St. Anne's", "Santa Lucia", "San Gerardo", "Sainte-Marie",
           "St. Luke's", "San Cecilio", "Santo António", "St. Elisabeth", "Sankt Georg", "St. Joseph's",
           "Santa Chiara", "Saint-Pierre", "St. Vincent's", "San Donato", "Virgen del Rocío", "St. Olav's")
_COMPANY_STEMS = ("Novacta", "Helixon", "Biorix", "Synthera", "Medivant", "Cardiora", "Genexa", "Lumera", "Quantix",
                  "Virelon", "Oncora", "Neurovia", "Arvelle", "Kestrel", "Solenne", "Zentrix", "Pharmaven",
                  "Celltrix", "Immunova", "Veridian", "Aquilon", "Nordvik", "Orbion", "Altavia", "Brightwell",
                  "Castellan", "Dunmore", "Everwell", "Fenwick", "Greystone", "Halcyon", "Ironbridge", "Juniper",
                  "Larkspur", "Marlow", "Northgate", "Oakridge", "Pinecrest", "Silverline", "Thornbury", "Westbrook",
                  "Huaxin", "Kangtai", "Tianrui", "Jinyuan", "Shenghe", "Boyuan", "Daewon", "Hanmi Bio", "Sunwell",
                  "Mitsuwa", "Kyoden", "Ravindra", "Sanjivani", "Biolab Sanus", "Farmacorp", "Labomed")
_COMPANY_SUFFIXES = ("Pharmaceuticals", "Pharma AG", "Therapeutics", "Biosciences", "Biotech Co., Ltd",
                     "Technologies", "Diagnostics", "Medical", "Energy", "Materials GmbH", "Chemicals Ltd",
                     "Instruments", "Semiconductor Corporation", "Robotics", "Foods", "Agritech", "Laboratories",
                     "Health", "Genomics", "Scientific", "Holdings", "Medical Devices Inc")
_FOUNDATION_FORMS = {  # a surname's country picks a local form, or an English one
    "IT": ("Fondazione {s}", "Fondazione {g} {s}", "Fondazione Cassa di Risparmio di {i}"),
    "DE": ("{s}-Stiftung", "{g} {s} Stiftung", "{s} Stiftung"),
    "FR": ("Fondation {s}", "Fondation {g} {s}"),
    "ES": ("Fundación {s}", "Fundación {g} {s}"),
    "BR": ("Fundação {s}", "Fundação {g} {s}"),
    "NL": ("{s} Fonds", "Stichting {s} Fonds"),
}
_SCHEMES_BY_KIND = {  # programmes, funds, fellowships, grant types and projects, as real statements name them
    "university": ("SPARK", "Seed Grant", "Start-up Fund", "Research Development Fund", "Postdoctoral Fellowship",
                   "Doctoral Scholarship", "Strategic Research Programme", "Internal Research Fund",
                   "Talent Introduction Program", "Young Faculty Research Program", "Pilot Project Grant"),
    "hospital": ("CLIMB", "Clinical Research Fellowship", "Investigator-Initiated Research Grant",
                 "Clinical Research Program",
                 "Young Investigator Award", "Research Development Fund", "Nursing Research Program"),
    "company": ("IMPACT", "Investigator-Initiated Research Grant", "Research Collaboration Programme",
                "Innovation Award",
                "Open Innovation Programme", "Industrial PhD Fellowship", "Academic Partnership Fund"),
    "foundation": ("ASPIRE", "Project Grant", "Young Investigator Award", "Research Fellowship", "Pilot Grant",
                   "Career Development Award", "Seed Funding Scheme", "Research Programme",
                   "Postdoctoral Fellowship Programme", "Innovation Fund", "Scholarship Programme"),
    "province": ("Key Project", "General Program", "Outstanding Youth Fund", "Key Research and Development Program",
                 "Major Science and Technology Project", "Joint Fund", "Innovation Team Program",
                 "Science and Technology Plan", "Youth Science Fund",
                 "Special Fund for Science and Technology Innovation"),
    "government": ("PRIME", "STAR", "Research Project", "Bilateral Cooperation Programme", "Applied Research Programme",
                   "Research Excellence Programme", "Young Scientists Programme", "Science Fund",
                   "Postdoctoral Fellowship Scheme", "Basic Research Program"),
    "society": ("EXCEL", "Research Grant", "Research Fellowship", "Young Researcher Award", "Research Programme",
                "Research Training Fellowship", "Clinical Research Award"),
}

# Award-id shapes of local and internal references, outside the gazetteer's formats (a number may still
# coincide with one by chance): `%P` is the funder's own code (its initials, or letters fixed per funder),
# `%Q` a second code fixed per funder; the rest is `gazetteer` template syntax. Weights favour the shapes
# real ids have most (8 digits, year-led, letters + 7 digits, plain letters + digits) over short,
# dotted and free dashed or slashed ones.
_FREE_FORM_ID_SHAPES = {
    "{1..9}#######": 13, "20{15..23}%P{1..9}####": 4, "20{15..23}@@{0|1}####": 4, "%P20{15..23}0##": 4,
    "%P{15..23}{01..12}0#": 3, "@@@{1..9}#####": 4, "%P-{1..9}######": 5, "%P{1..9}######": 2,
    "20{15..23}{1..9}####": 2, "{1..9}#####": 2, "@@{1..9}###{0|1}-{15..23}-{1|2}-0###": 3,
    "20{15..23}-@@-{1..9}##": 1, "%P-{15..23}-0##": 1, "%P-20{15..23}-{1..9}##{a|b|c}": 1,
    "{15..23}-{1..9}-{1..9}###": 1, "@-20{15..23}-00###": 1, "{SG|PG|RG|YI|PF}-20{15..23}-0##": 1,
    "20{15..23}-{1..9}###": 1, "{15..23}/0###": 1, "%P/20{15..23}/0##": 2, "%P{1..9}##/20{15..23}": 1,
    "20{15..23}/%P/0##": 1, "%P/%Q/20{15..23}/{1..9}#": 1, "{10..40}/{1995..2023}-{EXT|INT|REV|BIS}": 1,
    "%P-%Q 1{4..9}###{15..23}": 1, "%P {1..9}####": 2, "%Q {1..9}##-{15..23}": 1,
    "{I|II|III|IV|V|VI}-20{15..23}-0{1..9}": 1, "%P-{1..9}###": 1, "%P.{15..23}.0##": 1, "@{1..9}##@##": 1,
    "0{1..9}##-20{15..23}": 1, "{1..9}#-{1..9}###-{1..9}": 1,
}
_LOCAL_SHAPE_WEIGHT = 8  # weight of each country-specific shape (Chinese provincial ids) next to those above
_CN_ID_SHAPES = ("20{19..23}{JJ|JC|SK|ZD|QN}{1..9}0###", "ZR20{19..23}{MH|QH|MC|QC}0##", "{BK|BE|BY}20{19..23}0###",
                 "20{19..23}{A|B|C}{1..9}####", "KJ20{19..23}A0###", "{2019..2023}{SF|CX|ZD|YB}-0##",
                 "20{19..23}{JJ|KY|YJ}{1..9}###")
_ACRONYM_KINDS = frozenset({"foundation", "province", "government", "society"})  # kinds that go by initials
_ID_CODE_STOPWORDS = frozenset({"of", "and", "the", "for", "de", "di", "do", "da", "del", "la", "du", "at", "in", "on",
                                "&", "von", "van", "der", "per", "pour"})

# Surface forms of every gazetteer funder: a composed name must be none of them.
_GAZETTEER_FORMS = frozenset(form.casefold() for funder in FUNDERS for form in funder.surface_forms)
_KNOWN_FUNDERS = frozenset(FUNDERS)


def _local(items: Sequence[tuple], home: str | None, rng: random.Random) -> tuple:
    """An item from the home country most of the time (when there is one), else any item."""
    if home is not None and rng.random() < HOME_COUNTRY_FRACTION:
        local = [item for item in items if item[-1] == home]
        if local:
            return rng.choice(local)
    return rng.choice(items)


def _university_name(rng: random.Random, home: str | None) -> tuple[str, str, str]:
    city, country = _local(_CITIES, home, rng)
    form = rng.choice(("University of {c}", "{c} University", "{c} University Research Fund",
                       "Research Fund of the University of {c}", "University of {c} Research Committee",
                       "Start-up Fund of {c} University", "{c} University of Technology",
                       "Internal Research Fund of {c} University", "Faculty of Medicine, University of {c}",
                       "Office of the Vice-President for Research, University of {c}", "Medical University of {c}",
                       "{c} Normal University", "Graduate School of Medicine, {c} University",
                       "Department of {f}, University of {c}", "School of {f}, {c} University"))
    return form.format(c=city, f=rng.choice(_DISCIPLINES)), country, "university"


def _hospital_name(rng: random.Random, home: str | None) -> tuple[str, str, str]:
    city, country = _local(_CITIES, home, rng)
    form = rng.choice(("{c} University Hospital", "{c} University Hospital Research Fund",
                       "Research Institute of {c} General Hospital", "Hospital {s} Research Institute",
                       "{s} Hospital Foundation", "{c} Children's Hospital Foundation", "{c} Clinical Research Centre",
                       "{s} Hospital Research Fund", "{c} Cancer Centre", "{c} Heart Institute"))
    return form.format(c=city, s=rng.choice(_SAINTS)), country, "hospital"


def _company_name(rng: random.Random, home: str | None) -> tuple[str, str, str]:
    name = f"{rng.choice(_COMPANY_STEMS)} {rng.choice(_COMPANY_SUFFIXES)}"
    return name, home or rng.choice(_NATIONS)[2], "company"


def _foundation_name(rng: random.Random, home: str | None) -> tuple[str, str, str]:
    surname, country = _local(_SURNAMES, home, rng)
    given, other = rng.sample(_GIVEN_NAMES, 2)
    if country in _FOUNDATION_FORMS and rng.random() < 0.6:
        city = rng.choice([city for city, code in _CITIES if code == country])
        form = rng.choice(_FOUNDATION_FORMS[country])
    else:
        city, country = _local(_CITIES, country, rng)
        form = rng.choice(("{s} Family Foundation", "{g} and {h} {s} Foundation", "{g} {s} Memorial Fund",
                           "{s} Charitable Trust", "{s} Foundation", "{c} Community Foundation",
                           "{d} Research Trust", "{s} {d} Research Trust", "{n} {d} Foundation", "{d} Research {N}",
                           "{g} {s} Foundation for {d} Research", "{s} Memorial Foundation", "{c} {d} Foundation"))
    nation, adjective, _ = rng.choice([nation for nation in _NATIONS if not nation[0].startswith("the ")])
    name = form.format(s=surname, g=given, h=other, c=city, d=rng.choice(_DISEASES), n=adjective, N=nation,
                       i=rng.choice(_ITALIAN_CITIES))
    return name, country, "foundation"


def _endowed_name(rng: random.Random, home: str | None) -> tuple[str, str, str]:
    surname, country = _local(_SURNAMES, home, rng)
    given, other = rng.sample(_GIVEN_NAMES, 2)
    form = rng.choice(("{s} Endowed Research Fund", "{g} {s} Endowed Chair", "{s} Fund for {f} Research",
                       "{g} and {h} {s} Research Fund", "{s} Research Endowment", "{s} Bequest",
                       "{g} {s} Memorial Fund", "{s} Endowment for {f}", "{g} {s} Trust Fund"))
    return form.format(s=surname, g=given, h=other, f=rng.choice(_DISCIPLINES)), country, "foundation"


def _province_name(rng: random.Random, home: str | None) -> tuple[str, str, str]:
    province = rng.choice(_CN_PROVINCES)
    city = rng.choice([city for city, code in _CITIES if code == "CN"])
    form = rng.choice(("Natural Science Foundation of {p} Province", "{p} Provincial Natural Science Foundation",
                       "Science and Technology Department of {p} Province", "{p} Provincial Key Research and "
                       "Development Program", "Education Department of {p} Province", "{p} Provincial Department "
                       "of Science and Technology", "{c} Municipal Science and Technology Bureau",
                       "{p} Province Postdoctoral Science Foundation", "Health Commission of {p} Province",
                       "{p} Provincial Science and Technology Plan Project", "{c} Natural Science Foundation",
                       "Natural Science Foundation of {p}"))
    return form.format(p=province, c=city), "CN", "province"


def _region_name(rng: random.Random, home: str | None) -> tuple[str, str, str]:
    region, country = _local(_REGIONS, home, rng)
    form = rng.choice(_REGION_TEMPLATES[country])
    article = _BR_STATE_ARTICLES.get(region, "de")
    return form.format(r=region, a=article), country, "government"


def _ministry_name(rng: random.Random, home: str | None) -> tuple[str, str, str]:
    country, adjective, code = _local(_COUNTRIES, home, rng)
    form = rng.choice(("Ministry of Education, Science and Technological Development of {c}",
                       "Ministry of Science and Technology of {c}", "Ministry of Health of {c}",
                       "{a} Ministry of Education and Science", "Ministry of Higher Education and Scientific "
                       "Research of {c}", "{a} Ministry of Health", "National Research Fund of {c}",
                       "{a} Science Foundation", "{a} Research Council", "National Council for Science and "
                       "Technology of {c}", "{a} Academy of Sciences", "{a} National Research Agency",
                       "Ministry of Agriculture of {c}", "{a} Innovation Agency"))
    return form.format(c=country, a=adjective), code, "government"


def _society_name(rng: random.Random, home: str | None) -> tuple[str, str, str]:
    country, adjective, code = _local(_NATIONS, home, rng)
    form = rng.choice(("{f} Society of {c}", "{a} Society of {f}", "{a} {f} Society", "{a} Association for {f}",
                       "International Society for {f}", "{a} College of {f}", "{a} {f} Association",
                       "{a} {d} Society", "{d} Society of {c}"))
    return form.format(f=rng.choice(_DISCIPLINES), c=country, a=adjective, d=rng.choice(_DISEASES)), code, "society"


def _institute_name(rng: random.Random, home: str | None) -> tuple[str, str, str]:
    city, country = _local(_CITIES, home, rng)
    surname, _ = rng.choice(_SURNAMES)
    _, adjective, _ = rng.choice(_NATIONS)
    form = rng.choice(("{c} Institute of {f}", "{s} Institute for {f} Research", "Institute of {f}, {a} Academy of "
                       "Sciences", "{c} Centre for {f}", "{s} Research Institute", "{c} Research Institute of {f}"))
    return form.format(c=city, f=rng.choice(_DISCIPLINES), s=surname, a=adjective), country, "society"


# Kinds of funder outside any list, weighted roughly as they appear in published statements; a kind
# bound to a country (Chinese provinces) is drawn only for statements from that country or at random.
_NAME_KINDS: tuple[tuple[Callable[[random.Random, str | None], tuple[str, str, str]], int, str | None], ...] = (
    (_university_name, 20, None), (_hospital_name, 8, None), (_company_name, 10, None), (_foundation_name, 16, None),
    (_endowed_name, 3, None), (_province_name, 30, "CN"), (_region_name, 10, None), (_ministry_name, 7, None),
    (_society_name, 7, None), (_institute_name, 5, None),
)


def _id_code(name: str, rng: random.Random) -> str:
    """Upper-case initials of a name's words ('Rossi Family Foundation' -> 'RFF'), or letters if too few."""
    words = [word for word in re.split(r"[\s,/-]+", name) if word and word.casefold() not in _ID_CODE_STOPWORDS]
    letters = "".join(unicodedata.normalize("NFKD", word[0]).encode("ascii", "ignore").decode().upper()
                      for word in words if word[0].isalpha())
    letters = "".join(char for char in letters if "A" <= char <= "Z")[:5]
    if len(letters) < 2:
        letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(rng.randint(2, 4)))
    return letters


def _weighted(weights: Mapping[Key, float], rng: random.Random) -> Key:
    """A key of `weights`, drawn in proportion to its value."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _free_form_pattern(code: str, rng: random.Random, extra: Sequence[str] = ()) -> str:
    """One id shape with the funder's codes filled in (a template for `generate_award_id`).

    Letters (`@`) are fixed here, once per funder, as a funder keeps its own letter codes across awards.
    """
    second = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(rng.randint(2, 4)))
    shapes = {**_FREE_FORM_ID_SHAPES, **dict.fromkeys(extra, _LOCAL_SHAPE_WEIGHT)}
    shape = _weighted(shapes, rng).replace("%P", code).replace("%Q", second)
    return re.sub("@", lambda _: rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ"), shape)


def _composed_funder(rng: random.Random, home: str | None) -> Funder:
    """A funder no gazetteer lists: a composed name, perhaps an acronym and schemes, its own id shapes."""
    kinds = [(make, weight * (3 if country == home else 1)) for make, weight, country in _NAME_KINDS
             if country is None or country == home or rng.random() < 0.2]
    for _ in range(50):
        make = rng.choices([make for make, _ in kinds], weights=[weight for _, weight in kinds])[0]
        name, country, kind = make(rng, home)
        if name.casefold() not in _GAZETTEER_FORMS:
            break
    code = _id_code(name, rng)
    words = [word for word in name.split() if word[:1].isupper() and word.casefold() not in _ID_CODE_STOPWORDS]
    acronyms = (code,) if (kind in _ACRONYM_KINDS and 3 <= len(words) <= 5 and "," not in name
                           and len(code) >= 3 and code.casefold() not in _GAZETTEER_FORMS) else ()
    schemes = tuple(rng.sample(_SCHEMES_BY_KIND[kind], k=rng.randint(1, 3)))
    extra = _CN_ID_SHAPES if country == "CN" else ()
    patterns = tuple(dict.fromkeys(_free_form_pattern(code, rng, extra) for _ in range(rng.choice((1, 1, 2)))))
    return Funder(name, country, acronyms, (), schemes, patterns)


def _internal_reference(funder: Funder, rng: random.Random) -> str:
    """An id shape outside a gazetteer funder's patterns: an internal or local reference number."""
    code = next((acronym for acronym in funder.acronyms if re.fullmatch(r"[A-Z]{2,6}", acronym)), None)
    return _free_form_pattern(code or _id_code(funder.name, rng), rng)


# --- named awards: schemes and titles, and which gold field each kind goes to ---

# Kinds of named award, from the words in the name (first match wins: a 'Programme Grant' is a grant type,
# a 'Grant-in-Aid for ...' a programme); a name of capitals is an acronym.
_AWARD_KIND_PATTERNS = (
    ("fellowship", re.compile(r"fellow|scholar|studentship|\bchairs?\b|professorship|doctoral|\bphd\b|postdoc|career|"
                              r"investigator|young|youth|talent|leader", re.IGNORECASE)),
    ("programme", re.compile(r"grants?-in-aid", re.IGNORECASE)),
    ("grant", re.compile(r"\b(?:grant|award)s?$", re.IGNORECASE)),
    ("programme", re.compile(r"program|scheme|initiative|\bplan\b|\baction\b|framework|horizon", re.IGNORECASE)),
    ("grant", re.compile(r"\bgrants?\b|\bawards?\b", re.IGNORECASE)),
    ("fund", re.compile(r"\bfunds?\b|funding", re.IGNORECASE)),
    ("project", re.compile(r"project|cent(?:re|er)|network|excellence|cluster|\bunit\b|school|group|consortium|"
                           r"laborator|collaborat|atlas", re.IGNORECASE)),
)
# How often each kind names an award (real schemes and titles together: programmes lead, then fellowships),
# and the share of each kind that publisher gold files as `funding_scheme` rather than `award_title`:
# grant and award types and project names are titles, programmes and funds mostly schemes, fellowships
# either. "descriptive" is a long project title in quotes, rare in real statements.
_AWARD_KIND_WEIGHTS = {"programme": 32, "fellowship": 23, "grant": 12, "fund": 12, "project": 7, "acronym": 10,
                       "other": 3, "descriptive": 2}
_SCHEME_SHARE_BY_KIND = {"programme": 0.65, "fellowship": 0.5, "grant": 0.0, "fund": 0.55, "project": 0.0,
                         "acronym": 0.8, "other": 0.4, "descriptive": 0.0}
BOTH_FIELDS_FRACTION = 0.08  # scheme awards that also name a project title
_GENERIC_SCHEMES = ("General Program", "Key Program", "Young Scientists Fund", "Research Fund",
                    "Postdoctoral Fellowship", "Doctoral Scholarship", "Research Grant", "Talent Program")


def _award_kind(name: str) -> str:
    for kind, pattern in _AWARD_KIND_PATTERNS:
        if pattern.search(name):
            return kind
    letters = [char for char in name if char.isalpha()]
    return "acronym" if letters and sum(char.isupper() for char in letters) / len(letters) > 0.7 else "other"


def _descriptive_title(rng: random.Random) -> str:
    title = f"{rng.choice(_TITLE_SUBJECTS)} {rng.choice(_TITLE_PURPOSES)}"
    return f"{rng.choice(_TITLE_ACRONYMS)}: {title}" if rng.random() < 0.3 else title


def _is_descriptive(title: str) -> bool:
    return title.split(": ")[-1].startswith(_TITLE_SUBJECTS)


def _project_title(rng: random.Random) -> str:
    """A project name as real titles give it: a project acronym, 'Project ACRONYM' or 'ACRONYM project'."""
    acronym = rng.choice(_TITLE_ACRONYMS)
    return rng.choices((acronym, f"Project {acronym}", f"{acronym} project"), weights=(2, 5, 1))[0]


def _named_award_name(funder: Funder, rng: random.Random) -> tuple[str, str]:
    """A scheme-or-title name for one of `funder`'s awards, and its kind.

    The kind is drawn by `_AWARD_KIND_WEIGHTS`. Project names and descriptive titles suit any funder; a
    funder with no scheme of another drawn kind names a scheme of a kind it has (generic schemes stand in
    for a funder that lists none).
    """
    by_kind: dict[str, list[str]] = {}
    for scheme in funder.schemes or _GENERIC_SCHEMES:
        by_kind.setdefault(_award_kind(scheme), []).append(scheme)
    kind = _weighted(_AWARD_KIND_WEIGHTS, rng)
    if kind == "descriptive":
        return _descriptive_title(rng), kind
    if kind == "project" and kind not in by_kind:
        return _project_title(rng), kind
    if kind not in by_kind:
        kind = _weighted({kind: weight for kind, weight in _AWARD_KIND_WEIGHTS.items() if kind in by_kind}, rng)
    return rng.choice(by_kind[kind]), kind


def _add_named_award(plan: _Plan, funder: Funder, rng: random.Random) -> None:
    """Give a bare award (or two, merged) a scheme or a title, or add one without ids."""
    name, kind = _named_award_name(funder, rng)
    bare = [award for award in plan.awards if award.scheme is None and award.title is None]
    if bare and rng.random() >= NAMED_AWARD_IDLESS_FRACTION:
        award = bare[0]
        if len(bare) > 1 and rng.random() < 0.3:
            award.ids += bare[1].ids
            plan.awards.remove(bare[1])
    else:
        award = _Award([])
        plan.awards.append(award)
    if rng.random() < _SCHEME_SHARE_BY_KIND[kind]:
        award.scheme = name
        if rng.random() < BOTH_FIELDS_FRACTION:
            award.title = _project_title(rng)
    else:
        award.title = name


@dataclass
class _Award:
    ids: list[str]
    scheme: str | None = None
    title: str | None = None


@dataclass(eq=False)
class _Plan:
    """One funder as the statement will mention it; `surface` None means ids with no named funder.

    `surface` is the gold name as written ("Full Name (ACR)" included); `short` is how a later sentence
    refers to the funder (its acronym when it has one).
    """

    surface: str | None
    short: str | None = None
    awards: list[_Award] = field(default_factory=list)


@dataclass
class _GoldAward:
    ids: list[int] = field(default_factory=list)
    schemes: list[int] = field(default_factory=list)
    titles: list[int] = field(default_factory=list)


@dataclass
class _GoldFunder:
    name: int | None
    awards: list[_GoldAward] = field(default_factory=list)


class _Builder:
    """Accumulates a statement as alternating plain and gold segments, and the gold that points into them."""

    def __init__(self) -> None:
        self.texts: list[str] = [""]
        self.flags: list[bool] = [False]
        self.funders: dict[_Plan, _GoldFunder] = {}

    def text(self, value: str) -> None:
        self.texts[-1] += value

    def separate(self, separator: str = " ") -> None:
        """Start a new sentence: nothing at the very start or after a header, a line break after a bare list."""
        last = next((text for text in reversed(self.texts) if text), "")
        if last and not last[-1].isspace():
            self.text(separator if last.endswith((".", ")", "]")) else "\n")

    def mark(self) -> tuple[int, int]:
        """The current end of the statement, to read back what follows it with `since`."""
        return len(self.texts) - 1, len(self.texts[-1])

    def since(self, mark: tuple[int, int]) -> str:
        index, offset = mark
        return "".join(self.texts[index:])[offset:]

    def gold(self, value: str) -> int:
        self.texts += [value, ""]
        self.flags += [True, False]
        return len(self.texts) - 2

    def name(self, plan: _Plan) -> None:
        index = self.gold(plan.surface)
        self.funders.setdefault(plan, _GoldFunder(index))

    def award(self, plan: _Plan, gold_award: _GoldAward) -> None:
        self.funders.setdefault(plan, _GoldFunder(None)).awards.append(gold_award)

    def segments(self) -> list[Segment]:
        return [Segment(text, flag) for text, flag in zip(self.texts, self.flags)]

    def resolve(self, segments: Sequence[Segment]) -> list[dict]:
        """Canonical funders, reading every gold string from the (possibly noisy) segments."""
        def strings(indices: list[int]) -> list[str]:
            return [segments[index].text for index in indices]

        return [{"funder_name": segments[funder.name].text if funder.name is not None else None,
                 "awards": [{"award_ids": strings(award.ids), "funding_scheme": strings(award.schemes),
                             "award_title": strings(award.titles)} for award in funder.awards]}
                for funder in self.funders.values()]


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def _email(person: str, rng: random.Random) -> str:
    local = unicodedata.normalize("NFKD", person.replace(" ", "").replace("'", "")).encode("ascii", "ignore")
    return f"{local.decode().lower()}@{rng.choice(_MAIL_DOMAINS)}"


def _written_person(person: str, style: str, rng: random.Random) -> str:
    """'J. Smith' as a statement writes it: 'JS' (initials), 'J.S.' (dotted), 'J. Smith' or 'Dr. Smith'."""
    first, surname = person.split(" ", 1)
    if style == "initials":
        return first[0] + surname[0]
    if style == "dotted":
        return f"{first}{surname[0]}."
    if style == "title":
        return f"{rng.choice(('Dr.', 'Dr.', 'Prof.'))} {surname}"
    return person


def _full_name(person: str, rng: random.Random) -> str:
    return f"{rng.choice(_GIVEN_NAMES)} {person.split(' ', 1)[1]}"


def _fill_people(template: str, rng: random.Random, style: str = "name") -> str:
    """Fill `{p}` and `{q}` with two people written in `style`, and `{f}` with a full name."""
    first, second = rng.sample(_PEOPLE, 2)
    return (template.replace("{p}", _written_person(first, style, rng))
            .replace("{q}", _written_person(second, style, rng)).replace("{f}", _full_name(first, rng)))


def _fill_ids(template: str, rng: random.Random) -> str:
    """Replace `{id:PATTERN}` placeholders (ids that are never gold) with generated strings."""
    while "{id:" in template:
        start = template.index("{id:")
        depth, end = 0, start
        for end in range(start, len(template)):
            depth += {"{": 1, "}": -1}.get(template[end], 0)
            if depth == 0:
                break
        template = template[:start] + generate_award_id(template[start + 4:end], rng) + template[end + 1:]
    return template


def _article(surface: str, rng: random.Random, start: bool) -> str:
    """'the ' before multi-word names and acronyms, sometimes; never before single proper names."""
    if (" " in surface or surface.isupper()) and rng.random() < 0.6:
        return "The " if start else "the "
    return ""


def _indefinite(surface: str) -> str:
    if surface[:2].isupper():
        return "an" if surface[0] in "AEFHILMNORSX" else "a"
    return "an" if surface[0].lower() in "aeiou" else "a"


def _emit_separated(b: _Builder, emitters: Sequence[Callable[[], None]], rng: random.Random,
                    separator: str | None = None) -> None:
    """Emit items as 'a, b and c' (or with the given separator throughout)."""
    between, final = (separator, separator) if separator else rng.choice(_LIST_SEPARATORS)
    for position, emit in enumerate(emitters):
        if position:
            b.text(final if position == len(emitters) - 1 else between)
        emit()


def _person_ties(count: int, rng: random.Random, bracketed: bool) -> list[str]:
    """What follows each of `count` ids to name the person holding it: ' to AB', ' (AB, CD)', ' awarded to ...'."""
    style = rng.choice(("to", "awarded") if bracketed else ("to", "to", "parenthesis", "awarded"))
    people = [rng.choice(_PEOPLE) for _ in range(count)]
    if style == "to":
        written = rng.choice(("initials", "initials", "dotted", "name"))
        return [f" to {_written_person(person, written, rng)}" for person in people]
    if style == "parenthesis":
        return [" (" + ", ".join(_written_person(person, "initials", rng)
                                 for person in rng.sample(_PEOPLE, rng.choice((1, 1, 2)))) + ")" for _ in people]
    return [f" awarded to {_full_name(person, rng)}" for person in people]


def _emit_ids(b: _Builder, ids: Sequence[str], rng: random.Random, ties: Sequence[str] = ()) -> list[int]:
    """Ids as a list ('A, B and C'); `ties`, when given, follow each id (the person it is awarded to)."""
    indices: list[int] = []

    def emit(position: int, value: str) -> None:
        indices.append(b.gold(value))
        if ties:
            b.text(ties[position])

    _emit_separated(b, [lambda position=position, value=value: emit(position, value)
                        for position, value in enumerate(ids)], rng)
    return indices


def _cue(count: int, rng: random.Random, *, allow_empty: bool, after_scheme: bool = False) -> str:
    """A word introducing ids ('grant no.', 'Nos.'); after a scheme name, one that does not repeat 'grant'."""
    if after_scheme:
        singular, plural = rng.choice(_SCHEME_ID_CUES)
    else:
        singular, plural = _weighted({**_ID_CUES, ("", ""): _NO_CUE_WEIGHT} if allow_empty else _ID_CUES, rng)
    return singular if count == 1 else plural


def _emit_award_ids(b: _Builder, plan: _Plan, awards: Sequence[_Award], rng: random.Random,
                    *, allow_empty_cue: bool, bracketed: bool = False) -> None:
    """Bare ids, each its own award, after a cue word ('grant Nos. A and B'), sometimes tied to people."""
    ids = [award.ids[0] for award in awards]
    ties = _person_ties(len(ids), rng, bracketed) if rng.random() < PERSON_ID_FRACTION else []
    b.text(_cue(len(ids), rng, allow_empty=allow_empty_cue))
    for index in _emit_ids(b, ids, rng, ties):
        b.award(plan, _GoldAward(ids=[index]))


def _quote(b: _Builder, title: str, rng: random.Random) -> int:
    opening, closing = rng.choice(_TITLE_QUOTES)
    b.text(opening)
    index = b.gold(title)
    b.text(closing)
    return index


def _emit_label(b: _Builder, award: _Award, gold_award: _GoldAward, rng: random.Random) -> None:
    """The award's scheme and/or title as the statement names it ('CAREER award', 'project "..."')."""
    if award.scheme is not None:
        gold_award.schemes.append(b.gold(award.scheme))
        if award.title is None:
            return
        b.text(", ")
    if _is_descriptive(award.title):
        b.text("project ")
        gold_award.titles.append(_quote(b, award.title, rng))
    elif award.title.isupper() and rng.random() < 0.8:  # a project acronym: 'project NANOCAT', 'NANOCAT project'
        prefix = rng.random() < 0.6
        b.text("project " if prefix else "")
        gold_award.titles.append(b.gold(award.title))
        b.text("" if prefix else " project")
    else:
        gold_award.titles.append(b.gold(award.title))


def _emit_named_ids(b: _Builder, award: _Award, gold_award: _GoldAward, rng: random.Random,
                    styles: Sequence[str] = ("parenthesis", "parenthesis", "cue", "comma")) -> None:
    """A named award's ids right after its name: ' (No. X)', ' No. X', ', grant no. X' or ' under grant X'."""
    if not award.ids:
        return
    style = rng.choice(styles)
    count = len(award.ids)
    if style == "parenthesis":
        b.text(" (" + _cue(count, rng, allow_empty=True))
    elif style == "cue":
        b.text(" " + _cue(count, rng, allow_empty=False, after_scheme=True))
    elif style == "comma":
        b.text(", " + _cue(count, rng, allow_empty=False))
    else:
        b.text(" under " + _cue(count, rng, allow_empty=False))
    gold_award.ids.extend(_emit_ids(b, award.ids, rng))
    if style == "parenthesis":
        b.text(")")


# Where a named award stands relative to its funder, weighted as real schemes and titles stand: schemes
# mostly right after the name or before it ("X of the FUNDER"), rarely linked by "under the"; titles
# more often linked ("for a Discovery Grant") or in parentheses.
_SCHEME_PLACEMENTS = {"adjacent": 35, "of": 9, "funded_by": 27, "linked": 4, "parenthesis": 6, "comma": 4,
                      "possessive": 2}
_TITLE_PLACEMENTS = {"linked": 25, "adjacent": 27, "parenthesis": 16, "of": 12, "comma": 8, "funded_by": 7,
                     "possessive": 3}
_AROUND_NAME = frozenset({"adjacent", "of", "funded_by", "possessive"})  # placements that write the name too


def _placement(plan: _Plan, award: _Award, rng: random.Random) -> str:
    if award.scheme is not None and award.title is not None:
        return "linked"
    placement = _weighted(_SCHEME_PLACEMENTS if award.scheme is not None else _TITLE_PLACEMENTS, rng)
    return "adjacent" if placement == "possessive" and plan.surface.endswith(")") else placement


def _award_article(award: _Award, rng: random.Random, start: bool) -> str:
    """'the', or for a fellowship or grant type sometimes 'a', before a named award."""
    label = award.scheme if award.scheme is not None else award.title
    article = "a" if _award_kind(label) in ("fellowship", "grant") and rng.random() < 0.4 else "the"
    if article == "a":
        article = _indefinite(label)
    return (_capitalize(article) if start else article) + " "


def _emit_around_name(b: _Builder, plan: _Plan, award: _Award, placement: str, rng: random.Random,
                      start: bool) -> None:
    """A named award written with its funder's name: 'the N X (No. 1)', 'the X of the N', 'the X (1) funded by N'."""
    gold_award = _GoldAward()
    if placement == "adjacent":
        article = _indefinite(plan.surface) if rng.random() < 0.3 else "the"
        b.text((_capitalize(article) if start else article) + " " if rng.random() < 0.85 else "")
        b.name(plan)
        b.text(" ")
        _emit_label(b, award, gold_award, rng)
        _emit_named_ids(b, award, gold_award, rng)
    elif placement == "possessive":
        b.text("The " if start else "the ")
        b.name(plan)
        b.text("'s ")
        _emit_label(b, award, gold_award, rng)
        _emit_named_ids(b, award, gold_award, rng)
    elif placement == "of":
        b.text(_award_article(award, rng, start))
        _emit_label(b, award, gold_award, rng)
        b.text(rng.choice((" of ", " of ", " from ")))
        _emit_name(b, plan, rng, False)
        _emit_named_ids(b, award, gold_award, rng, styles=("parenthesis", "comma", "under"))
    else:
        b.text(_award_article(award, rng, start))
        _emit_label(b, award, gold_award, rng)
        _emit_named_ids(b, award, gold_award, rng, styles=("parenthesis", "parenthesis", "cue"))
        b.text(rng.choice((" funded by ", " from ", " awarded by ", " supported by ")))
        _emit_name(b, plan, rng, False)
    b.award(plan, gold_award)


def _emit_after_name(b: _Builder, plan: _Plan, award: _Award, placement: str, rng: random.Random) -> None:
    """A named award after its funder's name: linked ('under the X'), in parentheses, or after a comma."""
    gold_award = _GoldAward()
    if placement == "parenthesis":
        b.text(" (")
        _emit_label(b, award, gold_award, rng)
        if award.ids:
            b.text(rng.choice((", ", "; ")) + _cue(len(award.ids), rng, allow_empty=False))
            gold_award.ids.extend(_emit_ids(b, award.ids, rng))
        b.text(")")
    elif placement == "comma":
        b.text(", ")
        _emit_label(b, award, gold_award, rng)
        _emit_named_ids(b, award, gold_award, rng, styles=("parenthesis", "comma"))
    else:
        label = award.scheme if award.scheme is not None else award.title
        if award.scheme is None and _award_kind(label) in ("fellowship", "grant"):
            b.text(rng.choice((" for a ", " for a ", " through a ", " through the ", " with a ", " under the ")))
        elif award.scheme is None:
            b.text(rng.choice((" for the ", " through the ", " as part of the ", " within the ", " under the ")))
        else:
            b.text(rng.choice((" under the ", " through the ", " through its ", " within the ", " via the ",
                               " as part of the ")))
        _emit_label(b, award, gold_award, rng)
        _emit_named_ids(b, award, gold_award, rng)
    b.award(plan, gold_award)


def _emit_name(b: _Builder, plan: _Plan, rng: random.Random, start: bool) -> None:
    b.text(_article(plan.surface, rng, start))
    b.name(plan)


def _emit_bare_awards(b: _Builder, plan: _Plan, bare: Sequence[_Award], rng: random.Random) -> None:
    """Ids that are awards of their own, after the funder's name: ' (grant no. X)', ' under grant X', ..."""
    style = rng.choices(range(5), weights=(7, 2, 2, 4, 5))[0]
    if style in (0, 2, 4):
        opening, closing = (" [", "]") if style == 2 else (" (", ")")
        b.text(opening)
        _emit_award_ids(b, plan, bare, rng, allow_empty_cue=style != 4, bracketed=True)
        b.text(closing)
    else:
        b.text(rng.choice((" under ", " through ", " via ")) if style == 1 else ", ")
        _emit_award_ids(b, plan, bare, rng, allow_empty_cue=False)


def _emit_funder_clause(b: _Builder, plan: _Plan, rng: random.Random, start: bool = False) -> None:
    """The funder's name with all of its awards, in one of many phrasings."""
    bare = [award for award in plan.awards if award.scheme is None and award.title is None]
    named = [award for award in plan.awards if award.scheme is not None or award.title is not None]
    placement = _placement(plan, named[0], rng) if named else None
    if placement in _AROUND_NAME:
        _emit_around_name(b, plan, named[0], placement, rng, start)
        if bare:
            b.text(" and ")
            _emit_award_ids(b, plan, bare, rng, allow_empty_cue=False)
        named = named[1:]
    else:
        _emit_name(b, plan, rng, start)
        if bare:
            _emit_bare_awards(b, plan, bare, rng)
    for position, award in enumerate(named):
        if position or bare or placement in _AROUND_NAME:
            b.text(rng.choice((" and", ", and also", ",")))
            _emit_after_name(b, plan, award, "linked", rng)
        else:
            _emit_after_name(b, plan, award, placement, rng)


def _clauses(b: _Builder, plans: Sequence[_Plan], rng: random.Random,
             start: bool = False) -> list[Callable[[], None]]:
    """One emitter per funder clause; `start` capitalises the first when it opens a sentence."""
    return [lambda plan=plan, first=(position == 0): _emit_funder_clause(b, plan, rng, start and first)
            for position, plan in enumerate(plans)]


def _emit_in_frame(b: _Builder, frame: str, plans: Sequence[_Plan], rng: random.Random) -> None:
    """Write `frame` ('This work was supported by {}.') with the funder clauses of `plans` in place of `{}`."""
    before, after = frame.split("{}")
    b.text(before)
    _emit_separated(b, _clauses(b, plans, rng, start=not before), rng)
    b.text(after)


# --- statement layouts: each writes the named funders (other than a shared pair) into the builder ---

def _layout_prose(b: _Builder, plans: Sequence[_Plan], rng: random.Random) -> None:
    _emit_in_frame(b, _weighted(_OPENING_FRAMES, rng), plans, rng)


def _layout_sentences(b: _Builder, plans: Sequence[_Plan], rng: random.Random) -> None:
    _layout_prose(b, plans[:1], rng)
    for plan in plans[1:]:
        b.text(" ")
        _emit_in_frame(b, _weighted(_FOLLOW_UP_FRAMES, rng), [plan], rng)


def _layout_header(b: _Builder, plans: Sequence[_Plan], rng: random.Random) -> None:
    b.text(rng.choice(_HEADERS))
    if rng.random() < 0.5:
        _layout_prose(b, plans, rng)
        return
    _emit_separated(b, _clauses(b, plans, rng, start=True), rng, separator=rng.choice(("; ", ", ", ", ")))
    b.text(rng.choice((".", "", ".")))


def _layout_grant_award_numbers(b: _Builder, plans: Sequence[_Plan], rng: random.Random) -> None:
    """The publisher form: 'Funding information: N, Grant/Award Number: X; M, Grant/Award Numbers: Y, Z'."""
    b.text(rng.choice(("Funding information: ", "Funding information\n", "Funding: ")))
    separator = rng.choice(("; ", "\n"))
    for position, plan in enumerate(plans):
        if position:
            b.text(separator)
        b.name(plan)
        if plan.awards:
            b.text(", Grant/Award Number: " if len(plan.awards) == 1 else ", Grant/Award Numbers: ")
            for index in _emit_ids(b, [award.ids[0] for award in plan.awards], rng):
                b.award(plan, _GoldAward(ids=[index]))


def _layout_footnote(b: _Builder, plans: Sequence[_Plan], rng: random.Random) -> None:
    person = rng.choice(_PEOPLE)
    if rng.random() < 0.2:
        b.text(f"* Corresponding author. E-mail: {_email(person, rng)}\n{rng.choice(('†', '‡', '1', 'a'))} ")
    else:
        b.text(rng.choice(("* ", "*", "† ", "†", "1 ")))
    _layout_prose(b, plans, rng)


def _layout_authors(b: _Builder, plans: Sequence[_Plan], rng: random.Random) -> None:
    """Funders credited to people, one to four sentences: 'AB was supported by X. CD acknowledges Y.'"""
    style = _weighted(_PERSON_STYLES, rng)
    count = min(len(plans), rng.choice((1, 1, 1, 2, 2, 3, 4)))
    cuts = sorted(rng.sample(range(1, len(plans)), count - 1))
    for position, (low, high) in enumerate(zip([0, *cuts], [*cuts, len(plans)])):
        b.text(" " if position else "")
        _emit_in_frame(b, _fill_people(_weighted(_PERSON_FRAMES, rng), rng, style), plans[low:high], rng)


def _layout_mixed(b: _Builder, plans: Sequence[_Plan], rng: random.Random) -> None:
    """A general opener, then person sentences: 'This work was supported by X. AB acknowledges Y.'"""
    general = rng.randint(1, len(plans) - 1)
    _layout_prose(b, plans[:general], rng)
    b.text(" ")
    _layout_authors(b, plans[general:], rng)


_LAYOUTS: dict[Callable[[_Builder, Sequence[_Plan], random.Random], None], int] = {
    _layout_prose: 36, _layout_sentences: 9, _layout_header: 3, _layout_grant_award_numbers: 3,
    _layout_footnote: 9, _layout_authors: 21, _layout_mixed: 16,
}
_PLAIN_START_LAYOUTS = frozenset({_layout_prose, _layout_sentences, _layout_authors, _layout_mixed})


def _emit_shared(b: _Builder, first: _Plan, second: _Plan, shared_id: str, rng: random.Random) -> None:
    """'This work was jointly funded by X and Y under grant Z': one award, credited to both."""
    opening, middle, before_id, closing = rng.choice(_SHARED_FRAMES)
    b.text(opening)
    _emit_name(b, first, rng, start=not opening)
    b.text(middle)
    _emit_name(b, second, rng, start=False)
    b.text(before_id + _cue(1, rng, allow_empty=before_id.endswith("(")))
    index = b.gold(shared_id)
    b.text(closing)
    for plan in (first, second):
        b.award(plan, _GoldAward(ids=[index]))


def _emit_unnamed(b: _Builder, plan: _Plan, rng: random.Random) -> None:
    before, after = _fill_people(rng.choice(_UNNAMED_FRAMES), rng, "dotted").split("{}")
    b.text(before)
    _emit_award_ids(b, plan, plan.awards, rng, allow_empty_cue=False)
    b.text(after)


# --- planning: which funders, which awards ---

_COUNTRY_QUALIFIERS = {  # words a statement puts before a funder's acronym ("US DOE", "Swiss NSF")
    "US": ("US", "U.S."), "GB": ("UK",), "EU": ("EU",), "CH": ("Swiss",), "KR": ("Korean",), "CN": ("Chinese",),
    "JP": ("Japanese",), "DE": ("German",), "FR": ("French",), "CA": ("Canadian",), "AU": ("Australian",),
    "IT": ("Italian",), "ES": ("Spanish",), "BR": ("Brazilian",), "IN": ("Indian",), "NL": ("Dutch",),
    "SE": ("Swedish",), "DK": ("Danish",), "NO": ("Norwegian",), "FI": ("Finnish",), "AT": ("Austrian",),
}
# How a gazetteer funder with an acronym is named: the acronym alone most often, then "Full Name (ACR)".
_SURFACE_WEIGHTS = {"acronym": 58, "name_with_acronym": 20, "acronym_with_name": 3, "qualified_acronym": 6,
                    "variant": 13, "name": 15}
_OTHER_HOME_FUNDERS = tuple(funder for funder in FUNDERS if funder.country not in HOME_COUNTRY_WEIGHTS)
# The funders acknowledged most often worldwide (general bibliometric knowledge, not read off any dev set):
# drawn `PROMINENT_FUNDER_WEIGHT` times as often as other gazetteer funders.
PROMINENT_FUNDERS = (
    "National Science Foundation", "National Institutes of Health", "U.S. Department of Energy",
    "National Natural Science Foundation of China", "China Postdoctoral Science Foundation",
    "Chinese Academy of Sciences", "Engineering and Physical Sciences Research Council", "Medical Research Council",
    "Wellcome Trust", "European Research Council", "European Commission", "Deutsche Forschungsgemeinschaft",
    "Bundesministerium für Bildung und Forschung", "Japan Society for the Promotion of Science",
    "National Research Foundation of Korea", "Agence Nationale de la Recherche",
    "Natural Sciences and Engineering Research Council of Canada", "Canadian Institutes of Health Research",
    "Australian Research Council", "National Health and Medical Research Council",
    "Conselho Nacional de Desenvolvimento Científico e Tecnológico", "São Paulo Research Foundation",
    "Swiss National Science Foundation", "Swedish Research Council", "Science and Engineering Research Board",
    "National Cancer Institute", "National Institute of General Medical Sciences",
)
PROMINENT_FUNDER_WEIGHT = 4
_PROMINENT = frozenset(PROMINENT_FUNDERS)


@dataclass(frozen=True)
class _Pool:
    """Gazetteer funders to draw from, prominent ones `PROMINENT_FUNDER_WEIGHT` times as often."""

    funders: tuple[Funder, ...]
    cumulative_weights: tuple[int, ...]

    @classmethod
    def of(cls, funders: Sequence[Funder]) -> _Pool:
        weights = [PROMINENT_FUNDER_WEIGHT if funder.name in _PROMINENT else 1 for funder in funders]
        return cls(tuple(funders), tuple(itertools.accumulate(weights)))

    def draw(self, rng: random.Random) -> Funder:
        return rng.choices(self.funders, cum_weights=self.cumulative_weights)[0]


_ALL_FUNDERS = _Pool.of(FUNDERS)
_FUNDERS_BY_COUNTRY = {country: _Pool.of([funder for funder in FUNDERS if funder.country == country])
                       for country in {funder.country for funder in FUNDERS}}


def _home_country(rng: random.Random) -> str:
    """The statement's home country: the US or China most often, else a gazetteer funder's country."""
    draw = rng.random() * 100
    for country, weight in HOME_COUNTRY_WEIGHTS.items():
        if draw < weight:
            return country
        draw -= weight
    return rng.choice(_OTHER_HOME_FUNDERS).country


def _pick_funders(count: int, home: str, rng: random.Random) -> list[Funder]:
    """Distinct funders, each from the gazetteer or (`COMPOSED_FUNDER_FRACTION`) composed; mostly one country.

    A gazetteer funder comes from the home country (`HOME_COUNTRY_FRACTION`), else from anywhere, and
    either way is sometimes (`EUROPEAN_UNION_FRACTION`) one of the EU's own.
    """
    at_home = _FUNDERS_BY_COUNTRY[home]
    picked: list[Funder] = []
    names: set[str] = set()
    while len(picked) < count:
        if rng.random() < COMPOSED_FUNDER_FRACTION:
            funder = _composed_funder(rng, home)
        else:
            pool = at_home if rng.random() < HOME_COUNTRY_FRACTION else _ALL_FUNDERS
            funder = (_FUNDERS_BY_COUNTRY["EU"] if rng.random() < EUROPEAN_UNION_FRACTION else pool).draw(rng)
        if funder.name.casefold() not in names:
            picked.append(funder)
            names.add(funder.name.casefold())
        elif all(candidate in picked for candidate in at_home.funders):
            at_home = _ALL_FUNDERS
    return picked


def _surface(funder: Funder, taken: set[str], rng: random.Random) -> tuple[str, str]:
    """The gold name as the statement writes it, and the short name a later sentence uses."""
    if funder not in _KNOWN_FUNDERS:  # a composed funder: its full name, rarely with its acronym after it
        acronym = funder.acronyms[0] if funder.acronyms and rng.random() < COMPOSED_ACRONYM_FRACTION else None
        if acronym is None or acronym.casefold() in taken:
            choice = (funder.name, funder.name)
        else:
            choice = (f"{funder.name} ({acronym})", acronym)
    else:
        forms = {form: weight for form, weight in _SURFACE_WEIGHTS.items()
                 if (form == "name" or (form == "variant" and funder.variants)
                     or ("acronym" in form and funder.acronyms))}
        form = _weighted(forms, rng)
        acronym = rng.choice(funder.acronyms) if funder.acronyms else ""
        if form == "acronym":
            choice = (acronym, acronym)
        elif form == "name_with_acronym":
            full = rng.choice([name for name in (funder.name, *funder.variants) if acronym not in name.split()]
                              or [funder.name])
            choice = (f"{full} ({acronym})", acronym)
        elif form == "acronym_with_name":
            choice = (f"{acronym} ({funder.name})", acronym)
        elif form == "qualified_acronym" and funder.country in _COUNTRY_QUALIFIERS and " " not in acronym:
            choice = (f"{rng.choice(_COUNTRY_QUALIFIERS[funder.country])} {acronym}", acronym)
        elif form == "variant":
            variant = rng.choice(funder.variants)
            choice = (variant, variant)
        else:
            choice = (funder.name, funder.name)
        if any(part.casefold() in taken for part in (choice[1], funder.name, acronym) if part):
            choice = (funder.name, funder.name)
    taken.update(value.casefold() for value in (*choice, funder.name, *funder.acronyms))
    return choice


def _new_id(patterns: Sequence[str], used: set[str], rng: random.Random) -> str:
    """An id not yet used in the statement; a format with too few ids left ('633053') gives way to a free one."""
    for attempt in range(40):
        pattern = rng.choice(patterns) if attempt < 20 else _free_form_pattern(_id_code("", rng), rng)
        value = generate_award_id(pattern, rng)
        if value not in used:
            break
    used.add(value)
    return value


def _funder_id(funder: Funder, used: set[str], rng: random.Random) -> str:
    """An id for one of `funder`'s awards: its own format, or for a gazetteer funder sometimes an internal one."""
    if funder in _KNOWN_FUNDERS and rng.random() < OFF_PATTERN_ID_FRACTION:
        return _new_id((_internal_reference(funder, rng),), used, rng)
    return _new_id(funder.id_patterns, used, rng)


_COMPOSED_AFFILIATIONS = (
    (_university_name, "{p} is also affiliated with the {}."), (_hospital_name, "{p} holds an honorary appointment "
    "at the {}."), (_institute_name, "{p} is a visiting scientist at the {}."), (_company_name, "{p} is an employee "
    "of {}."), (_company_name, "{p} has received consulting fees from {}."), (_society_name, "{p} is a member of the "
    "board of the {}."),
)
_COMPOSED_THANKS = (
    (_society_name, "We thank the {} for help with participant recruitment."),
    (_foundation_name, "We thank the {} for hosting the workshop where this work began."),
    (_hospital_name, "We thank the nursing staff of the {} for their help with sample collection."),
    (_university_name, "The study protocol was approved by the ethics committee of the {}."),
    (_company_name, "The reagents were kindly provided by {}."),
    (_institute_name, "We are grateful to the {} for access to its archives."),
)
_COMPOSED_HOSPITALITY = (
    (_institute_name, "Part of this work was done while {p} was visiting the {}."),
    (_institute_name, "{p} thanks the {} for its hospitality."),
    (_institute_name, "We thank the {} for hospitality during the program where this work was initiated."),
    (_society_name, "This work was presented in part at the annual meeting of the {}."),
)


def _composed_mention(rng: random.Random, frames: Sequence[tuple[Callable, str]]) -> str:
    """A sentence naming an institution outside the gazetteer in a role that is not funding."""
    make, frame = rng.choice(frames)
    return _fill_people(frame, rng, "dotted").format(make(rng, None)[0])


def _thanks(rng: random.Random) -> str:
    return _fill_people(rng.choice(_THANKS), rng) if rng.random() < 0.7 else _composed_mention(rng, _COMPOSED_THANKS)


def _distractors(rng: random.Random, funder_names: Sequence[str]) -> tuple[list[str], list[str]]:
    """Sentences that mention people, facilities, data and disclaimers: text before and after the funding."""
    before, after = [], []
    kinds = {kind: weight for kind, weight in _DISTRACTOR_WEIGHTS.items() if kind != "disclaimer" or funder_names}
    for _ in range(rng.choice((1, 1, 2, 3))):
        kind = _weighted(kinds, rng)
        del kinds[kind]
        if kind == "thanks":
            (before if rng.random() < 0.5 else after).append(_thanks(rng))
        elif kind == "facility":
            (before if rng.random() < 0.4 else after).append(_fill_ids(rng.choice(_FACILITIES), rng))
        elif kind == "data":
            after.append(_fill_ids(rng.choice(_DATA_ACCESS), rng))
        elif kind == "conflict":
            after.append(rng.choice(_CONFLICTS))
        elif kind == "affiliation":
            before.append(_fill_people(rng.choice(_AFFILIATIONS), rng) if rng.random() < 0.5
                          else _composed_mention(rng, _COMPOSED_AFFILIATIONS))
        elif kind == "hospitality":
            (before if rng.random() < 0.5 else after).append(_composed_mention(rng, _COMPOSED_HOSPITALITY))
        elif kind == "dedication":
            before.append(_fill_people(rng.choice(_DEDICATIONS), rng))
        else:
            name = rng.choice(funder_names)
            after.append(rng.choice(_DISCLAIMERS).format(_article(name, rng, False) + name))
    return before, after


def _negative(b: _Builder, rng: random.Random) -> None:
    """No funding: thanks to people only, or a sentence saying there was none (with distractors)."""
    if rng.random() < THANKS_ONLY_FRACTION:
        if rng.random() < 0.5:
            b.text(rng.choice(_ACKNOWLEDGEMENT_HEADERS))
        b.text(" ".join(_fill_people(thanks, rng) for thanks in rng.sample(_THANKS, rng.choice((1, 1, 2, 3)))))
        return
    before, after = _distractors(rng, ()) if rng.random() < 0.6 else ([], [])
    b.text(" ".join([*before, rng.choice(_NEGATIVE_STATEMENTS), *after]))


def _plan_funders(rng: random.Random) -> tuple[list[_Plan], dict[_Plan, Funder], set[str]]:
    """The named funders of a positive statement, as mentioned, each with its awards' ids."""
    home = _home_country(rng)
    funders = _pick_funders(_weighted(FUNDER_COUNT_WEIGHTS, rng), home, rng)
    taken: set[str] = set()
    used_ids: set[str] = set()
    plans: list[_Plan] = []
    for funder in funders:
        surface, short = _surface(funder, taken, rng)
        idless = IDLESS_FUNDER_FRACTION if funder in _KNOWN_FUNDERS else COMPOSED_IDLESS_FRACTION
        count = 0 if rng.random() < idless else _weighted(IDS_PER_FUNDER_WEIGHTS, rng)
        plans.append(_Plan(surface, short, [_Award([_funder_id(funder, used_ids, rng)]) for _ in range(count)]))
    return plans, dict(zip(plans, funders)), used_ids


def _positive(b: _Builder, rng: random.Random, named_award_fraction: float) -> None:
    """A statement naming funders: one funding section between distractor sentences, or two joined by ' | '."""
    plans, by_plan, used_ids = _plan_funders(rng)
    shared: tuple[_Plan, _Plan, str] | None = None
    if len(plans) >= 2 and rng.random() < SHARED_FRACTION:
        first, second = rng.sample(plans, 2)
        first.awards, second.awards = [], []
        shared = (first, second, _funder_id(by_plan[first], used_ids, rng))
    main = [plan for plan in plans if shared is None or plan not in shared]
    for plan in main:
        if rng.random() < named_award_fraction:
            _add_named_award(plan, by_plan[plan], rng)
    unnamed = None
    if rng.random() < UNNAMED_FRACTION:
        patterns = UNNAMED_ID_PATTERNS if rng.random() < 0.5 else rng.choice(FUNDERS).id_patterns
        unnamed = _Plan(None, awards=[_Award([_new_id(patterns, used_ids, rng)]) for _ in range(rng.choice((1, 1, 2)))])

    before, after = _distractors(rng, [plan.short for plan in plans]) if rng.random() < DISTRACTOR_FRACTION \
        else ([], [])
    layouts = {layout: weight for layout, weight in _LAYOUTS.items()
               if (layout is not _layout_grant_award_numbers
                   or all(award.scheme is None and award.title is None for plan in main for award in plan.awards))
               and (layout is not _layout_mixed or len(main) >= 2)}
    layout = _weighted(layouts, rng)
    if layout is _layout_footnote:  # a footnote mark opens the statement
        before, after = [], before + after
    acknowledgements = layout in _PLAIN_START_LAYOUTS and rng.random() < ACKNOWLEDGEMENTS_FRACTION
    if acknowledgements:
        b.text(rng.choice(_ACKNOWLEDGEMENT_HEADERS))
        if not before and rng.random() < 0.5:
            before.append(_thanks(rng))
    joined = rng.random() < SECTION_JOIN_FRACTION
    if joined and not before:
        before.append(_thanks(rng))

    b.text(" ".join(before))
    if joined:
        b.text(" | " + rng.choice(_SECTION_HEADERS))
    funding = b.mark()
    if shared and rng.random() < 0.3:
        b.separate()
        _emit_shared(b, *shared, rng)
        shared = None
    if main:
        b.separate()
        layout(b, main, rng)
    if shared:
        b.separate()
        _emit_shared(b, *shared, rng)
    if unnamed:
        b.separate(rng.choice(("\n", " ")) if main and layout is _layout_grant_award_numbers else " ")
        _emit_unnamed(b, unnamed, rng)
    if joined and rng.random() < 0.3:  # the same funding section twice, as a merged page shows it
        b.text(" | " + b.since(funding).strip())
    for sentence in after:
        b.separate()
        b.text(sentence)


def _record(seed: int, index: int, noise_fraction: float, negative_fraction: float, named_award_fraction: float) -> dict:
    rng = random.Random(f"sciextract-funding:{seed}:{index}")
    noisy = rng.random() < noise_fraction
    b = _Builder()
    if rng.random() < negative_fraction:
        _negative(b, rng)
    else:
        _positive(b, rng, named_award_fraction)
    segments = b.segments()
    if noisy:
        segments = add_noise(segments, rng)
    return {"id": f"syn-{index:06d}", "funding_statement": "".join(segment.text for segment in segments),
            "funders": b.resolve(segments)}


def generate_funding_records(n: int, seed: int, noise_fraction: float = NOISE_FRACTION,
                             negative_fraction: float = NEGATIVE_FRACTION,
                             named_award_fraction: float = NAMED_AWARD_FRACTION) -> list[dict]:
    """`n` canonical funding records; the same `(n, seed)` and fractions always give the same records."""
    if n < 0:
        raise ValueError(f"n must be non-negative, got {n}")
    for name, value in (("noise_fraction", noise_fraction), ("negative_fraction", negative_fraction),
                        ("named_award_fraction", named_award_fraction)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must lie in [0, 1], got {value}")
    return [_record(seed, index, noise_fraction, negative_fraction, named_award_fraction) for index in range(n)]
