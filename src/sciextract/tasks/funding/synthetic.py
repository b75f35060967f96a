"""Synthetic funding statements with exact gold, for training and stress-testing funding extractors.

`generate_funding_records(n, seed)` returns canonical records (`sciextract.tasks.funding.data`) with ids
`syn-000000`, ... Record `i` depends only on `(seed, i)`, so a longer run extends a shorter one.

Funders (real statements name many funders that no list holds, with ids in their own formats):

- About `COMPOSED_FUNDER_FRACTION` (0.45) of funder mentions are *composed*: names built from word
  lists of cities, Chinese provinces, states and regions, smaller countries, surnames, given names,
  disciplines, diseases and company stems ("University of Tartu Research Committee", "Fondazione
  Rossi", "Natural Science Foundation of Anhui Province", "Ohio Department of Health", "Ministry of
  Health of Tunisia", "Helixon Therapeutics", "Becker Endowed Research Fund", "Greek Society of
  Cardiology"). Thousands are distinct, none is a gazetteer surface form, and they mix names with
  an organisation word (Foundation, Fund, Society, ...) and names without one (universities,
  hospitals, companies, departments). A few carry an acronym, written "Full Name (ACR)"
  (`COMPOSED_ACRONYM_FRACTION`), some have schemes, and `COMPOSED_IDLESS_FRACTION` (0.3) have no id.
  Their ids come from free-form shapes with the funder's own letter codes fixed per funder
  ("2019-AB-117", "4412", "KJ2020A0123", "RFF/2020/045", "17/0234", "30/1999-EXT", ...).
- The rest come from the gazetteer (`sciextract.tasks.funding.gazetteer`), as official name, variant or
  acronym, mostly from the first funder's country. Their ids follow the funder's own formats, except
  `OFF_PATTERN_ID_FRACTION` (0.12) of awards, which carry an internal reference in a free-form shape.
- Distractor sentences also name composed institutions in roles that are not funding (affiliations,
  employment, thanks for recruitment or reagents).
- Nothing here reads an extractor: the generator knows the gazetteer, never the rule baseline.

Gold conventions (what an extractor is expected to return):

- `funder_name` is the surface form the statement uses: official name, variant or acronym, as
  written. In "Full Name (ACR)" the full name is gold and the parenthesised acronym is not.
- Ids listed bare for a funder ("grant Nos. 61972123 and 62072456") are one award each. Ids introduced
  together under one scheme or one project title share one award carrying that scheme or title. A
  scheme or title with no id is an award with empty `award_ids`.
- A shared award ("jointly funded by X and Y under grant Z") appears, whole, under X and under Y.
- Ids with no named funder ("This work was supported by grant 2019-1234.") go to a single funder with
  `funder_name: None` that holds all such awards.
- A programme named as the source of money ("the National Key R&D Program of China (2018YFA0305600)")
  is the funder the statement gives; its ids go under it.
- Not funding, so never gold: people, reviewers and institutions thanked; computing time, facilities
  and beamtime, even with an allocation or proposal number; data access (UK Biobank application
  numbers); conflict-of-interest and disclaimer sentences, even when they repeat a funder's name;
  affiliations, employment and consulting.
- Funders come in order of first mention, awards in the order written. A statement saying there was
  no funding has gold `[]`.

Noise (on a fraction `noise_fraction` of records; the functions live in `sciextract.tasks.funding.noise`):

- A statement is rendered from segments flagged gold or plain, and the gold is read back from the
  segments after noise, so gold and text agree by construction.
- Copied noise (an OCR case flip; a 0/O, 1/l/I, 5/S, 8/B confusion) may hit a gold segment; the gold
  then holds the noisy form, exactly as the text shows it, because an extractor should copy it.
- Formatting noise (HTML tags and entities, LaTeX commands, `~`, zero-width characters, no-break and
  thin spaces, ligatures) edits only plain segments. Markup may surround a gold segment but never
  enters one, so every gold string occurs verbatim in the statement and holds no markup.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sciextract.tasks.funding.gazetteer import FUNDERS, Funder, generate_award_id
from sciextract.tasks.funding.noise import Segment, add_noise

NOISE_FRACTION = 0.5
NEGATIVE_FRACTION = 0.10
UNNAMED_FRACTION = 0.10  # positive records with ids credited to no named funder
SCHEME_FRACTION = 0.25  # positive records naming at least one funding scheme
TITLE_FRACTION = 0.10  # positive records naming at least one project title
SHARED_FRACTION = 0.10  # records with two or more funders where one award is credited jointly
DISTRACTOR_FRACTION = 0.5  # records carrying thanks, facilities, disclaimers and the like
IDLESS_FUNDER_FRACTION = 0.2  # gazetteer funders named without any award
HOME_COUNTRY_FRACTION = 0.6  # chance that a further funder comes from the first funder's country
COMPOSED_FUNDER_FRACTION = 0.45  # funder mentions drawn from composed names that no gazetteer lists
COMPOSED_IDLESS_FRACTION = 0.3  # composed funders named without any award (internal funds, hospitals, ...)
COMPOSED_ACRONYM_FRACTION = 0.12  # composed funders shown as "Full Name (ACR)", when the name has an acronym
OFF_PATTERN_ID_FRACTION = 0.12  # awards of gazetteer funders whose id is an internal reference, off its patterns
FUNDER_COUNT_WEIGHTS = {1: 30, 2: 28, 3: 18, 4: 12, 5: 7, 6: 5}
IDS_PER_FUNDER_WEIGHTS = {1: 55, 2: 25, 3: 12, 4: 8}

UNNAMED_ID_PATTERNS = (
    "20{15..23}-{1..9}###", "{1..9}#####", "{AB|CD|GR|RS|TK|MP}-20{15..23}-0###", "{1..9}####/20{15..23}",
    "{P|G|R}{1..9}{0..9}####", "{SP|RG|PJ}{15..23}/0##",
)

_ID_CUES = (
    ("grant no. ", "grant nos. "), ("Grant No. ", "Grant Nos. "), ("grant number ", "grant numbers "),
    ("grant ", "grants "), ("No. ", "Nos. "), ("award no. ", "award nos. "), ("project no. ", "project nos. "),
    ("contract no. ", "contract nos. "), ("Grant Agreement No. ", "Grant Agreement Nos. "), ("grant #", "grants #"),
    ("Award Number ", "Award Numbers "), ("grant No.: ", "grant Nos.: "), ("project ", "projects "),
    ("Grant ", "Grants "), ("grant agreement No ", "grant agreement Nos "),
)
_SCHEME_ID_CUES = (("No. ", "Nos. "), ("no. ", "nos. "), ("No ", "Nos "), ("number ", "numbers "), ("", ""))
_LIST_SEPARATORS = ((", ", " and "), (", ", ", and "), (", ", ", "), ("; ", "; "), ("; ", " and "))
_PEOPLE = ("J. Smith", "M. Müller", "L. Wang", "K. Tanaka", "A. Rossi", "S. Kim", "P. Dubois", "R. Singh",
           "E. Johansson", "C. Silva", "H. Nguyen", "O. Petrov", "F. García", "Y. Chen", "D. O'Brien",
           "T. Nakamura", "I. Kowalska", "B. Okafor", "N. Haddad", "G. Lindqvist")
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
                   "CLIMATEWISE", "PROMETHEUS", "TOPOLIGHT", "MICROBIOTA", "HYDROSTORE", "ARCTICA")
_TITLE_QUOTES = (('"', '"'), ("“", "”"), ("‘", "’"))

_PROSE_OPENERS = (
    "This work was supported by ", "This research was funded by ", "This study was financially supported by ",
    "The authors acknowledge financial support from ", "We gratefully acknowledge funding from ",
    "This project has received funding from ", "The research leading to these results has received funding from ",
    "This material is based upon work supported by ", "Funding for this work was provided by ",
    "This work was supported in part by ", "This work was partially supported by ", "We acknowledge support from ",
    "The authors gratefully acknowledge the financial support of ", "Supported by ",
    "This research was made possible by funding from ",
)
_FOLLOW_UP_FRAMES = (
    "Additional funding was provided by {}.", "We also acknowledge support from {}.", "Further support came from {}.",
    "{} is acknowledged for financial support.", "{} also supported this work.",
    "The authors are grateful for financial support from {}.", "Partial support was received from {}.",
    "This work also received funding from {}.",
)
_AUTHOR_FRAMES = (
    "{p} acknowledges support from {}.", "{p} was supported by {}.", "{p} is supported by {}.",
    "{p} and {q} thank {} for financial support.", "{p} acknowledges funding from {}.",
    "{p} gratefully acknowledges financial support from {}.",
)
_HEADERS = ("Funding: ", "Funding\n", "FUNDING: ", "Financial support: ", "Funding sources: ", "Sources of funding: ",
            "Grant support: ", "Funding statement: ", "Funding information: ")
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
    "reagents.", "We thank all participants of the study.",
)
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
_SCHEMES_BY_KIND = {
    "university": ("Seed Grant", "Start-up Grant", "Research Development Fund", "Postdoctoral Fellowship",
                   "Doctoral Scholarship", "Strategic Research Grant", "Internal Research Grant",
                   "Pilot Project Grant"),
    "hospital": ("Clinical Research Fellowship", "Investigator-Initiated Research Grant", "Pilot Project Grant",
                 "Young Investigator Award", "Nursing Research Grant"),
    "company": ("Investigator-Initiated Research Grant", "Research Collaboration Agreement", "Innovation Award",
                "Open Innovation Programme", "Industrial PhD Fellowship"),
    "foundation": ("Project Grant", "Small Grant", "Young Investigator Award", "Research Fellowship", "Pilot Grant",
                   "Career Development Award", "Travel Grant", "Seed Funding Scheme", "Programme Grant"),
    "province": ("Key Project", "Youth Project", "General Program", "Outstanding Youth Fund",
                 "Key Research and Development Program", "Major Science and Technology Project",
                 "Joint Fund", "Innovation Team Program"),
    "government": ("Research Project", "Bilateral Cooperation Programme", "Innovation Voucher",
                   "Applied Research Programme", "Research Excellence Programme", "Young Scientists Programme"),
    "society": ("Research Grant", "Research Fellowship", "Young Researcher Award", "Travel Award",
                "Research Training Fellowship", "Clinical Research Award"),
}

# Award-id shapes of local and internal references, outside the gazetteer's formats (a short number may
# still coincide with one by chance): `%P` is the funder's own code (its initials, or letters fixed per
# funder), `%Q` a second code fixed per funder; the rest is `gazetteer` template syntax.
_FREE_FORM_ID_SHAPES = (
    "20{15..23}-@@-{1..9}##", "{1..9}##", "{1..9}###", "{1..9}####", "@@20{15..23}@0###", "%P-%Q 1{4..9}###{15..23}",
    "{15..23}/0###", "{10..40}/{1995..2023}-{EXT|INT|REV|BIS}", "%P/20{15..23}/0##", "%P-{15..23}-0##",
    "%P20{15..23}0##", "@-20{15..23}-00###", "{15..23}-{1..9}-{1..9}###", "20{15..23}.0###", "%P{1..9}##/20{15..23}",
    "{I|II|III|IV|V|VI}-20{15..23}-0{1..9}", "%P #/20{15..23}", "@{1..9}##@##", "{SG|PG|RG|YI|PF}-20{15..23}-0##",
    "%P.{15..23}.0##", "%P-20{15..23}-{1..9}##{a|b|c}", "0{1..9}##-20{15..23}", "%P/%Q/20{15..23}/{1..9}#",
    "%P{15..23}{01..12}0#", "{1..9}#-{1..9}###-{1..9}", "%P-{1..9}###", "20{15..23}/%P/0##", "{1..9}#/{15..23}",
    "%Q {1..9}##-{15..23}", "20{15..23}-{1..9}###", "{1..9}.{1..9}.{1..9}##",
)
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
    (_endowed_name, 5, None), (_province_name, 12, "CN"), (_region_name, 10, None), (_ministry_name, 7, None),
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


def _free_form_pattern(code: str, rng: random.Random, extra: Sequence[str] = ()) -> str:
    """One id shape with the funder's codes filled in (a template for `generate_award_id`).

    Letters (`@`) are fixed here, once per funder, as a funder keeps its own letter codes across awards.
    """
    second = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(rng.randint(2, 4)))
    shape = rng.choice(tuple(_FREE_FORM_ID_SHAPES) + tuple(extra)).replace("%P", code).replace("%Q", second)
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
    schemes = tuple(rng.sample(_SCHEMES_BY_KIND[kind], k=rng.randint(1, 3))) if rng.random() < 0.6 else ()
    extra = _CN_ID_SHAPES if country == "CN" else ()
    patterns = tuple(dict.fromkeys(_free_form_pattern(code, rng, extra) for _ in range(rng.choice((1, 1, 2)))))
    return Funder(name, country, acronyms, (), schemes, patterns)


def _internal_reference(funder: Funder, rng: random.Random) -> str:
    """An id shape outside a gazetteer funder's patterns: an internal or local reference number."""
    code = next((acronym for acronym in funder.acronyms if re.fullmatch(r"[A-Z]{2,6}", acronym)), None)
    return _free_form_pattern(code or _id_code(funder.name, rng), rng)


@dataclass
class _Award:
    ids: list[str]
    scheme: str | None = None
    title: str | None = None


@dataclass(eq=False)
class _Plan:
    """One funder as the statement will mention it; `surface` None means ids with no named funder."""

    surface: str | None
    acronym: str | None = None
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
        """Start a new sentence: nothing at the very start, a line break after an unpunctuated list."""
        last = next((text for text in reversed(self.texts) if text), "")
        if last:
            self.text(separator if last.endswith((".", ")", "]", "\n")) else "\n")

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


def _weighted(weights: dict[int, int], rng: random.Random) -> int:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def _initials(person: str) -> str:
    first, surname = person.split(" ", 1)
    return f"{first}{surname[0]}."


def _email(person: str, rng: random.Random) -> str:
    local = unicodedata.normalize("NFKD", person.replace(" ", "").replace("'", "")).encode("ascii", "ignore")
    return f"{local.decode().lower()}@{rng.choice(_MAIL_DOMAINS)}"


def _fill_people(template: str, rng: random.Random, *, initials: bool = False) -> str:
    first, second = rng.sample(_PEOPLE, 2)
    if initials:
        first, second = _initials(first), _initials(second)
    return template.replace("{p}", first).replace("{q}", second)


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


def _emit_ids(b: _Builder, ids: Sequence[str], rng: random.Random) -> list[int]:
    indices: list[int] = []
    _emit_separated(b, [lambda value=value: indices.append(b.gold(value)) for value in ids], rng)
    return indices


def _cue(count: int, rng: random.Random, *, allow_empty: bool, after_scheme: bool = False) -> str:
    """A word introducing ids ('grant no.', 'Nos.'); after a scheme name, one that does not repeat 'grant'."""
    options = _SCHEME_ID_CUES if after_scheme else _ID_CUES + ((("", ""),) if allow_empty else ())
    singular, plural = rng.choice(options)
    return singular if count == 1 else plural


def _emit_award_ids(b: _Builder, plan: _Plan, awards: Sequence[_Award], rng: random.Random,
                    *, allow_empty_cue: bool) -> None:
    """Bare ids, each its own award, after a cue word ('grant Nos. A and B')."""
    ids = [award.ids[0] for award in awards]
    b.text(_cue(len(ids), rng, allow_empty=allow_empty_cue))
    for index in _emit_ids(b, ids, rng):
        b.award(plan, _GoldAward(ids=[index]))


def _quote(b: _Builder, title: str, rng: random.Random) -> int:
    opening, closing = rng.choice(_TITLE_QUOTES)
    b.text(opening)
    index = b.gold(title)
    b.text(closing)
    return index


def _emit_special_award(b: _Builder, plan: _Plan, award: _Award, rng: random.Random, joined: bool) -> None:
    """An award with a scheme and/or a title, after the funder name; `joined` follows 'and' (no parenthesis)."""
    gold_award = _GoldAward()

    def ids_in(cue_allowed_empty: bool, after_scheme: bool = False) -> None:
        b.text(_cue(len(award.ids), rng, allow_empty=cue_allowed_empty, after_scheme=after_scheme))
        gold_award.ids.extend(_emit_ids(b, award.ids, rng))

    if award.title is not None:
        style = rng.choice((0, 2) if joined else (0, 1, 2))
        if style == 0 or not award.ids:
            b.text(rng.choice((" through the ", " for the ", " as part of the ")))
            if award.scheme is not None:
                gold_award.schemes.append(b.gold(award.scheme))
                b.text(" ")
            b.text("project ")
            gold_award.titles.append(_quote(b, award.title, rng))
            if award.ids:
                b.text(" (")
                ids_in(True)
                b.text(")")
        elif style == 1:
            b.text(" (project ")
            gold_award.titles.append(_quote(b, award.title, rng))
            b.text(", ")
            ids_in(False)
            b.text(")")
        else:
            b.text(" under ")
            ids_in(False)
            b.text(", entitled ")
            gold_award.titles.append(_quote(b, award.title, rng))
            if award.scheme is not None:
                b.text(", within the ")
                gold_award.schemes.append(b.gold(award.scheme))
    elif not award.ids:
        opening = rng.choice((" through its ", " under the ", " via the ") + (() if joined else (" (",)))
        b.text(opening)
        gold_award.schemes.append(b.gold(award.scheme))
        b.text(")" if opening == " (" else "")
    else:
        style = rng.choice((0, 1) if joined else (0, 1, 2, 3))
        if style == 0:
            b.text(rng.choice((" through the ", " under the ", " within the ")))
            gold_award.schemes.append(b.gold(award.scheme))
            b.text(" (")
            ids_in(True)
            b.text(")")
        elif style == 1:
            b.text(" under the ")
            gold_award.schemes.append(b.gold(award.scheme))
            b.text(" ")
            ids_in(False, after_scheme=True)
        elif style == 2:
            b.text(" (")
            gold_award.schemes.append(b.gold(award.scheme))
            b.text(", ")
            ids_in(False)
            b.text(")")
        else:
            b.text(" (")
            gold_award.schemes.append(b.gold(award.scheme))
            b.text(" ")
            gold_award.ids.extend(_emit_ids(b, award.ids, rng))
            b.text(")")
    b.award(plan, gold_award)


def _emit_name(b: _Builder, plan: _Plan, rng: random.Random, start: bool) -> None:
    b.text(_article(plan.surface, rng, start))
    b.name(plan)
    if plan.acronym:
        b.text(f" ({plan.acronym})")


def _emit_scheme_first(b: _Builder, plan: _Plan, award: _Award, rng: random.Random, start: bool) -> None:
    """Forms that put the scheme around the name: 'the X of the N', 'an N X', "the N's X"."""
    gold_award = _GoldAward()
    style = rng.randrange(3)
    if style == 0:
        b.text("The " if start else "the ")
        gold_award.schemes.append(b.gold(award.scheme))
        b.text(" of ")
        _emit_name(b, plan, rng, False)
    elif style == 1:
        article = _indefinite(plan.surface)
        b.text(_capitalize(article) + " " if start else article + " ")
        b.name(plan)
        b.text(" ")
        gold_award.schemes.append(b.gold(award.scheme))
    else:
        b.text("The " if start else "the ")
        b.name(plan)
        b.text("'s ")
        gold_award.schemes.append(b.gold(award.scheme))
    if award.ids:
        if style == 2:
            b.text(" under ")
            b.text(_cue(len(award.ids), rng, allow_empty=False))
        else:
            b.text(" (")
            b.text(_cue(len(award.ids), rng, allow_empty=True))
        gold_award.ids.extend(_emit_ids(b, award.ids, rng))
        if style != 2:
            b.text(")")
    b.award(plan, gold_award)


def _emit_funder_clause(b: _Builder, plan: _Plan, rng: random.Random, start: bool = False) -> None:
    """The funder's name with all of its awards, in one of many phrasings."""
    bare = [award for award in plan.awards if award.scheme is None and award.title is None]
    special = [award for award in plan.awards if award.scheme is not None or award.title is not None]
    if len(special) == 1 and not bare and special[0].title is None and not plan.acronym and rng.random() < 0.5:
        _emit_scheme_first(b, plan, special[0], rng, start)
        return
    _emit_name(b, plan, rng, start)
    if bare:
        style = rng.randrange(5)
        if style == 0:
            b.text(" (")
            _emit_award_ids(b, plan, bare, rng, allow_empty_cue=True)
            b.text(")")
        elif style == 1:
            b.text(rng.choice((" under ", " through ", " via ")))
            _emit_award_ids(b, plan, bare, rng, allow_empty_cue=False)
        elif style == 2:
            b.text(" [")
            _emit_award_ids(b, plan, bare, rng, allow_empty_cue=True)
            b.text("]")
        elif style == 3:
            b.text(", ")
            _emit_award_ids(b, plan, bare, rng, allow_empty_cue=False)
        else:
            b.text(" (")
            _emit_award_ids(b, plan, bare, rng, allow_empty_cue=False)
            b.text(")")
    for position, award in enumerate(special):
        joined = bool(position or bare)
        if joined:
            b.text(rng.choice((" and", ", and also", ",")))
        _emit_special_award(b, plan, award, rng, joined)


def _clauses(b: _Builder, plans: Sequence[_Plan], rng: random.Random,
             start: bool = False) -> list[Callable[[], None]]:
    """One emitter per funder clause; `start` capitalises the first when it opens a sentence."""
    return [lambda plan=plan, first=(position == 0): _emit_funder_clause(b, plan, rng, start and first)
            for position, plan in enumerate(plans)]


# --- statement layouts: each writes the named funders (other than a shared pair) into the builder ---

def _layout_prose(b: _Builder, plans: Sequence[_Plan], rng: random.Random) -> None:
    if rng.random() < 0.2:
        b.text("Financial support from ")
        _emit_separated(b, _clauses(b, plans, rng), rng)
        b.text(" is gratefully acknowledged.")
        return
    b.text(rng.choice(_PROSE_OPENERS))
    _emit_separated(b, _clauses(b, plans, rng), rng)
    b.text(".")


def _layout_sentences(b: _Builder, plans: Sequence[_Plan], rng: random.Random) -> None:
    b.text(rng.choice(_PROSE_OPENERS))
    _emit_funder_clause(b, plans[0], rng)
    b.text(".")
    for plan in plans[1:]:
        before, after = rng.choice(_FOLLOW_UP_FRAMES).split("{}")
        b.text(" " + before)
        _emit_funder_clause(b, plan, rng, start=not before)
        b.text(after)


def _layout_header(b: _Builder, plans: Sequence[_Plan], rng: random.Random) -> None:
    b.text(rng.choice(_HEADERS))
    if rng.random() < 0.4:
        _layout_prose(b, plans, rng)
        return
    _emit_separated(b, _clauses(b, plans, rng, start=True), rng, separator=rng.choice(("; ", "; ", ", ")))
    b.text(rng.choice((".", "", ".")))


def _layout_grant_award_numbers(b: _Builder, plans: Sequence[_Plan], rng: random.Random) -> None:
    """The publisher form: 'Funding information: N, Grant/Award Number: X; M, Grant/Award Numbers: Y, Z'."""
    b.text(rng.choice(("Funding information: ", "Funding information\n", "Funding: ")))
    separator = rng.choice(("; ", "\n"))
    for position, plan in enumerate(plans):
        if position:
            b.text(separator)
        b.name(plan)
        if plan.acronym:
            b.text(f" ({plan.acronym})")
        if plan.awards:
            b.text(", Grant/Award Number: " if len(plan.awards) == 1 else ", Grant/Award Numbers: ")
            for index in _emit_ids(b, [award.ids[0] for award in plan.awards], rng):
                b.award(plan, _GoldAward(ids=[index]))


def _layout_footnote(b: _Builder, plans: Sequence[_Plan], rng: random.Random) -> None:
    person = rng.choice(_PEOPLE)
    if rng.random() < 0.6:
        b.text(f"* Corresponding author. E-mail: {_email(person, rng)}\n{rng.choice(('†', '‡', '1', 'a'))} ")
    else:
        b.text(rng.choice(("* ", "† ", "1 ")))
    _layout_prose(b, plans, rng)


def _layout_authors(b: _Builder, plans: Sequence[_Plan], rng: random.Random) -> None:
    for position, plan in enumerate(plans):
        before, after = _fill_people(rng.choice(_AUTHOR_FRAMES), rng, initials=True).split("{}")
        b.text((" " if position else "") + before)
        _emit_funder_clause(b, plan, rng)
        b.text(after)


_LAYOUTS: dict[Callable[[_Builder, Sequence[_Plan], random.Random], None], int] = {
    _layout_prose: 30, _layout_sentences: 15, _layout_header: 18, _layout_grant_award_numbers: 10,
    _layout_footnote: 10, _layout_authors: 12,
}


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
    before, after = _fill_people(rng.choice(_UNNAMED_FRAMES), rng, initials=True).split("{}")
    b.text(before)
    _emit_award_ids(b, plan, plan.awards, rng, allow_empty_cue=False)
    b.text(after)


# --- planning: which funders, which awards ---

def _pick_funders(count: int, rng: random.Random) -> list[Funder]:
    """Distinct funders, each from the gazetteer or (`COMPOSED_FUNDER_FRACTION`) composed; mostly one country."""
    home = rng.choice(FUNDERS).country
    at_home = [funder for funder in FUNDERS if funder.country == home]
    picked: list[Funder] = []
    names: set[str] = set()
    while len(picked) < count:
        if rng.random() < COMPOSED_FUNDER_FRACTION:
            funder = _composed_funder(rng, home)
        else:
            funder = rng.choice(at_home if rng.random() < HOME_COUNTRY_FRACTION else FUNDERS)
        if funder.name.casefold() not in names:
            picked.append(funder)
            names.add(funder.name.casefold())
        elif all(candidate in picked for candidate in at_home):
            at_home = FUNDERS
    return picked


def _surface(funder: Funder, taken: set[str], rng: random.Random) -> tuple[str, str | None]:
    """The name the statement uses, and an acronym to show in parentheses after a full name."""
    if funder not in _KNOWN_FUNDERS:  # a composed funder: its full name, rarely with an acronym after it
        acronym = funder.acronyms[0] if funder.acronyms and rng.random() < COMPOSED_ACRONYM_FRACTION else None
        if acronym is not None and acronym.casefold() in taken:
            acronym = None
        taken.update(value.casefold() for value in (funder.name, acronym) if value)
        return funder.name, acronym
    draw = rng.random()
    if funder.acronyms and draw < 0.15:
        choice: tuple[str, str | None] = (funder.name, rng.choice(funder.acronyms))
    elif funder.acronyms and draw < 0.40:
        choice = (rng.choice(funder.acronyms), None)
    elif funder.variants and draw < 0.65:
        choice = (rng.choice(funder.variants), None)
    else:
        choice = (funder.name, None)
    if choice[0].casefold() in taken or (choice[1] or "").casefold() in taken:
        choice = (funder.name, None)
    taken.update(value.casefold() for value in choice if value)
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


def _title(rng: random.Random) -> str:
    title = f"{rng.choice(_TITLE_SUBJECTS)} {rng.choice(_TITLE_PURPOSES)}"
    return f"{rng.choice(_TITLE_ACRONYMS)}: {title}" if rng.random() < 0.3 else title


def _add_scheme(plan: _Plan, funder: Funder, rng: random.Random) -> None:
    """Turn a bare award (or two) into a scheme award, or add a scheme-only award."""
    scheme = rng.choice(funder.schemes)
    bare = [award for award in plan.awards if award.scheme is None and award.title is None]
    if not bare:
        plan.awards.append(_Award([], scheme=scheme))
        return
    bare[0].scheme = scheme
    if len(bare) > 1 and rng.random() < 0.3:
        bare[0].ids += bare[1].ids
        plan.awards.remove(bare[1])


def _add_title(plan: _Plan, funder: Funder, rng: random.Random) -> None:
    bare = [award for award in plan.awards if award.scheme is None and award.title is None]
    target = bare[0] if bare and rng.random() < 0.8 else _Award([])
    if target not in plan.awards:
        plan.awards.append(target)
    target.title = _title(rng)
    if funder.schemes and rng.random() < 0.2:
        target.scheme = rng.choice(funder.schemes)


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


def _composed_mention(rng: random.Random, frames: Sequence[tuple[Callable, str]]) -> str:
    """A sentence naming an institution outside the gazetteer in a role that is not funding."""
    make, frame = rng.choice(frames)
    return _fill_people(frame, rng, initials=True).format(make(rng, None)[0])


def _distractors(rng: random.Random, funder_surfaces: Sequence[str]) -> tuple[list[str], list[str]]:
    """Sentences that mention people, facilities, data and disclaimers: text before and after the funding."""
    before, after = [], []
    kinds = ["thanks", "facility", "data", "conflict", "affiliation"] + (["disclaimer"] if funder_surfaces else [])
    for kind in rng.sample(kinds, k=rng.randint(1, 3)):
        if kind == "thanks":
            thanks = _fill_people(rng.choice(_THANKS), rng) if rng.random() < 0.6 else _composed_mention(
                rng, _COMPOSED_THANKS)
            (before if rng.random() < 0.5 else after).append(thanks)
        elif kind == "facility":
            (before if rng.random() < 0.4 else after).append(_fill_ids(rng.choice(_FACILITIES), rng))
        elif kind == "data":
            after.append(_fill_ids(rng.choice(_DATA_ACCESS), rng))
        elif kind == "conflict":
            after.append(rng.choice(_CONFLICTS))
        elif kind == "affiliation":
            before.append(_fill_people(rng.choice(_AFFILIATIONS), rng) if rng.random() < 0.5
                          else _composed_mention(rng, _COMPOSED_AFFILIATIONS))
        else:
            surface = rng.choice(funder_surfaces)
            after.append(rng.choice(_DISCLAIMERS).format(_article(surface, rng, False) + surface))
    return before, after


def _negative(b: _Builder, rng: random.Random) -> None:
    before, after = _distractors(rng, ()) if rng.random() < 0.6 else ([], [])
    b.text(" ".join([*before, rng.choice(_NEGATIVE_STATEMENTS), *after]))


def _positive(b: _Builder, rng: random.Random) -> None:
    funders = _pick_funders(_weighted(FUNDER_COUNT_WEIGHTS, rng), rng)
    taken: set[str] = set()
    used_ids: set[str] = set()
    plans: list[_Plan] = []
    for funder in funders:
        surface, acronym = _surface(funder, taken, rng)
        idless = IDLESS_FUNDER_FRACTION if funder in _KNOWN_FUNDERS else COMPOSED_IDLESS_FRACTION
        count = 0 if rng.random() < idless else _weighted(IDS_PER_FUNDER_WEIGHTS, rng)
        plans.append(_Plan(surface, acronym, [_Award([_funder_id(funder, used_ids, rng)]) for _ in range(count)]))
    by_plan = dict(zip(plans, funders))

    shared: tuple[_Plan, _Plan, str] | None = None
    if len(plans) >= 2 and rng.random() < SHARED_FRACTION:
        first, second = rng.sample(plans, 2)
        first.awards, second.awards = [], []
        shared = (first, second, _funder_id(by_plan[first], used_ids, rng))
    main = [plan for plan in plans if shared is None or plan not in shared]
    if main and rng.random() < SCHEME_FRACTION:
        with_schemes = [plan for plan in main if by_plan[plan].schemes]
        for plan in rng.sample(with_schemes, k=min(len(with_schemes), rng.choice((1, 1, 2)))):
            _add_scheme(plan, by_plan[plan], rng)
    if main and rng.random() < TITLE_FRACTION:
        plan = rng.choice(main)
        _add_title(plan, by_plan[plan], rng)
    unnamed = None
    if rng.random() < UNNAMED_FRACTION:
        patterns = UNNAMED_ID_PATTERNS if rng.random() < 0.5 else rng.choice(FUNDERS).id_patterns
        unnamed = _Plan(None, awards=[_Award([_new_id(patterns, used_ids, rng)]) for _ in range(rng.choice((1, 1, 2)))])

    before, after = _distractors(rng, [plan.surface for plan in plans]) if rng.random() < DISTRACTOR_FRACTION \
        else ([], [])
    layouts = {layout: weight for layout, weight in _LAYOUTS.items()
               if layout is not _layout_grant_award_numbers
               or all(award.scheme is None and award.title is None for plan in main for award in plan.awards)}
    layout = rng.choices(list(layouts), weights=list(layouts.values()))[0]

    b.text(" ".join(before))
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
    for sentence in after:
        b.separate()
        b.text(sentence)


def _record(seed: int, index: int, noise_fraction: float, negative_fraction: float) -> dict:
    rng = random.Random(f"sciextract-funding:{seed}:{index}")
    noisy = rng.random() < noise_fraction
    b = _Builder()
    if rng.random() < negative_fraction:
        _negative(b, rng)
    else:
        _positive(b, rng)
    segments = b.segments()
    if noisy:
        segments = add_noise(segments, rng)
    return {"id": f"syn-{index:06d}", "funding_statement": "".join(segment.text for segment in segments),
            "funders": b.resolve(segments)}


def generate_funding_records(n: int, seed: int, noise_fraction: float = NOISE_FRACTION,
                             negative_fraction: float = NEGATIVE_FRACTION) -> list[dict]:
    """`n` canonical funding records; the same `(n, seed)` always gives the same records."""
    if n < 0:
        raise ValueError(f"n must be non-negative, got {n}")
    for name, value in (("noise_fraction", noise_fraction), ("negative_fraction", negative_fraction)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must lie in [0, 1], got {value}")
    return [_record(seed, index, noise_fraction, negative_fraction) for index in range(n)]
