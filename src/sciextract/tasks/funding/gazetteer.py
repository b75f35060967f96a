"""A gazetteer of real research funders: their names, funding schemes and award-id formats.

The synthetic generator draws funders and ids from it, and the rule baseline matches its names in
text, so both speak about the same world without either reading the other.

Award-id patterns use a small template language, chosen so one line can describe a real format:

- `#` a digit, `@` an upper-case letter, `*` an upper-case letter or a digit;
- `{a|b|}` one of the alternatives (each may itself hold `#`, `@`, `*`; an empty one is allowed);
- `{15..23}` an integer in the range, zero-padded to the width of the lower bound (`{07..12}`);
- anything else is literal.
"""

from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass

_RANGE = re.compile(r"^(\d+)\.\.(\d+)$")


@dataclass(frozen=True)
class Funder:
    """One funder: every name a statement may use for it, and what its awards look like."""

    name: str
    country: str
    acronyms: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()
    schemes: tuple[str, ...] = ()
    id_patterns: tuple[str, ...] = ()

    @property
    def surface_forms(self) -> tuple[str, ...]:
        """Official name, variants and acronyms: every string that names this funder."""
        return (self.name, *self.variants, *self.acronyms)


@functools.cache
def _parse(pattern: str) -> tuple[tuple[str, ...] | str, ...]:
    """Split a pattern into literal/placeholder characters and alternative groups (tuples)."""
    tokens: list[tuple[str, ...] | str] = []
    position = 0
    while position < len(pattern):
        char = pattern[position]
        if char == "{":
            end = pattern.index("}", position)
            body = pattern[position + 1:end]
            span = _RANGE.match(body)
            if span:
                low, high = span.groups()
                tokens.append(tuple(str(value).zfill(len(low)) for value in range(int(low), int(high) + 1)))
            else:
                tokens.append(tuple(body.split("|")))
            position = end + 1
        else:
            tokens.append(char)
            position += 1
    return tuple(tokens)


def _expand_char(char: str, rng: random.Random) -> str:
    if char == "#":
        return rng.choice("0123456789")
    if char == "@":
        return rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    if char == "*":
        return rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    return char


def generate_award_id(pattern: str, rng: random.Random) -> str:
    """One id drawn from `pattern`; the same `rng` state always gives the same id."""
    parts = []
    for token in _parse(pattern):
        if isinstance(token, tuple):
            parts.extend(_expand_char(char, rng) for char in rng.choice(token))
        else:
            parts.append(_expand_char(token, rng))
    return "".join(parts)


def _char_regex(char: str) -> str:
    return {"#": "[0-9]", "@": "[A-Z]", "*": "[A-Z0-9]"}.get(char) or re.escape(char)


def pattern_regex(pattern: str) -> str:
    """A regular expression matching exactly the strings `pattern` can generate."""
    parts = []
    for token in _parse(pattern):
        if isinstance(token, tuple):
            alternatives = ("".join(_char_regex(char) for char in alternative) for alternative in token)
            parts.append("(?:" + "|".join(alternatives) + ")")
        else:
            parts.append(_char_regex(token))
    return "".join(parts)


# --- US National Institutes of Health: one entry per institute, sharing the activity-code formats ---

_NIH_ACTIVITY = "{R01|R21|R03|R35|R37|R56|K99|K08|K23|F32|T32|U01|U19|P01|P30|P50|U54|R00|DP2}"
_NIH_SCHEMES = (
    "Ruth L. Kirschstein National Research Service Award",
    "Pathway to Independence Award",
    "Director's New Innovator Award",
    "Outstanding Investigator Award",
)


def _nih_patterns(institute_code: str) -> tuple[str, ...]:
    """Core (`R01-AI123456`, `P30 CA016672`) and full (`5R01GM098765-03`) NIH grant numbers."""
    return (
        f"{_NIH_ACTIVITY}{{-| |}}{institute_code}{{0|1}}#####",
        f"{{1|2|3|5}}{_NIH_ACTIVITY}{institute_code}{{0|1}}#####-{{01..12}}",
    )


def _nih_institute(name: str, acronym: str, code: str, schemes: tuple[str, ...] = (),
                   variants: tuple[str, ...] = ()) -> Funder:
    return Funder(name, "US", (acronym,), variants, schemes + _NIH_SCHEMES, _nih_patterns(code))


_NIH_INSTITUTES = (
    _nih_institute("National Cancer Institute", "NCI", "CA", ("Cancer Center Support Grant",),
                   ("US National Cancer Institute",)),
    _nih_institute("National Institute of General Medical Sciences", "NIGMS", "GM",
                   ("Maximizing Investigators' Research Award", "Centers of Biomedical Research Excellence")),
    _nih_institute("National Institute of Allergy and Infectious Diseases", "NIAID", "AI",
                   ("Centers of Excellence for Influenza Research and Response",)),
    _nih_institute("National Heart, Lung, and Blood Institute", "NHLBI", "HL"),
    _nih_institute("National Institute of Mental Health", "NIMH", "MH"),
    _nih_institute("National Institute on Aging", "NIA", "AG", ("Alzheimer's Disease Research Center",)),
    _nih_institute("National Institute of Neurological Disorders and Stroke", "NINDS", "NS"),
    _nih_institute("National Institute of Diabetes and Digestive and Kidney Diseases", "NIDDK", "DK"),
    _nih_institute("National Center for Advancing Translational Sciences", "NCATS", "TR",
                   ("Clinical and Translational Science Award",)),
    _nih_institute("Eunice Kennedy Shriver National Institute of Child Health and Human Development", "NICHD",
                   "HD", variants=("National Institute of Child Health and Human Development",)),
    _nih_institute("National Institute on Drug Abuse", "NIDA", "DA"),
    _nih_institute("National Human Genome Research Institute", "NHGRI", "HG"),
    _nih_institute("National Eye Institute", "NEI", "EY"),
    _nih_institute("National Institute of Environmental Health Sciences", "NIEHS", "ES"),
    _nih_institute("National Institute of Biomedical Imaging and Bioengineering", "NIBIB", "EB"),
    _nih_institute("National Institute of Arthritis and Musculoskeletal and Skin Diseases", "NIAMS", "AR"),
    _nih_institute("National Institute on Alcohol Abuse and Alcoholism", "NIAAA", "AA"),
    _nih_institute("National Institute on Deafness and Other Communication Disorders", "NIDCD", "DC"),
    _nih_institute("National Institute of Dental and Craniofacial Research", "NIDCR", "DE"),
    _nih_institute("National Institute of Nursing Research", "NINR", "NR"),
    _nih_institute("National Library of Medicine", "NLM", "LM"),
    _nih_institute("National Institute on Minority Health and Health Disparities", "NIMHD", "MD"),
)

_UNITED_STATES = (
    Funder("National Science Foundation", "US", ("NSF",),
           ("US National Science Foundation", "U.S. National Science Foundation"),
           ("CAREER", "Graduate Research Fellowship Program", "Major Research Instrumentation program",
            "EPSCoR", "Research Experiences for Undergraduates", "Designing Materials to Revolutionize and "
            "Engineer our Future program"),
           ("{DMS|CHE|DMR|PHY|AST|CCF|IIS|CNS|OCE|EAR|DEB|IOS|MCB|CBET|ECCS|OAC|AGS|OPP}-{15..24}#####",
            "{15..24}#####", "{DMS|CHE|DMR|PHY|CCF|IIS|CNS|MCB} {15..24}#####")),
    Funder("National Institutes of Health", "US", ("NIH",),
           ("US National Institutes of Health", "U.S. National Institutes of Health",
            "National Institutes of Health of the United States"),
           (*_NIH_SCHEMES, "Common Fund"),
           _nih_patterns("{AI|GM|CA|HL|MH|NS|DK|AG|EY|HG|ES|EB|AR|DA|HD|TR|MD}")),
    *_NIH_INSTITUTES,
    Funder("U.S. Department of Energy", "US", ("DOE", "US DOE"),
           ("US Department of Energy", "Department of Energy", "DOE Office of Science"),
           ("Office of Basic Energy Sciences", "Early Career Research Program", "Energy Frontier Research Center",
            "Scientific Discovery through Advanced Computing program", "Office of High Energy Physics"),
           ("DE-SC00{0|1|2}####", "DE-AC{02|05}-{05|06|76|98}{CH|OR|SF|NA|ID}{1|2}####",
            "DE-FG02-{92|93|94|95|96|97|98|99|00|01|02|03|04|05|06|07|08}ER{4|5}####", "DE-EE000####")),
    Funder("Office of Naval Research", "US", ("ONR",), ("US Office of Naval Research",),
           ("Young Investigator Program", "Multidisciplinary University Research Initiative"),
           ("N00014-{15..23}-1-{2|3}###", "N00014{15..23}1{2|3}###")),
    Funder("Air Force Office of Scientific Research", "US", ("AFOSR",), ("US Air Force Office of Scientific Research",),
           ("Young Investigator Program", "Multidisciplinary University Research Initiative"),
           ("FA9550-{15..23}-1-0###", "FA9550{15..23}10###")),
    Funder("Army Research Office", "US", ("ARO",), ("US Army Research Office",),
           ("Multidisciplinary University Research Initiative",),
           ("W911NF-{15..23}-1-0###", "W911NF{15..23}10###")),
    Funder("Defense Advanced Research Projects Agency", "US", ("DARPA",), (),
           ("Young Faculty Award",), ("HR0011-{15..23}-{2|9}-00##", "HR0011{15..23}{2|9}00##")),
    Funder("National Aeronautics and Space Administration", "US", ("NASA",), ("US National Aeronautics and Space "
           "Administration",),
           ("Hubble Fellowship", "Earth and Space Science Fellowship", "Astrophysics Theory Program",
            "Solar System Workings program"),
           ("80NSSC{17..23}K{0|1}###", "NNX{13..17}A{B|C|D|E|F|G|H}{1..9}#G", "HST-HF2-51###.001-A")),
    Funder("National Institute of Food and Agriculture", "US", ("NIFA", "USDA NIFA"),
           ("USDA National Institute of Food and Agriculture", "U.S. Department of Agriculture"),
           ("Agriculture and Food Research Initiative", "Hatch Act", "Multistate Research Project"),
           ("20{16..23}-670{11..21}-{2|3}####", "{1|7}0{0|1|2}####")),
    Funder("Centers for Disease Control and Prevention", "US", ("CDC",), ("US Centers for Disease Control and "
           "Prevention",),
           ("Emerging Infections Program",), ("{U01|U19|U54|R01}CK000###", "NU{38|50|58}OT000###")),
    Funder("Howard Hughes Medical Institute", "US", ("HHMI",), (),
           ("HHMI Investigator", "Hanna H. Gray Fellows Program", "Faculty Scholars Program",
            "Emerging Pathogens Initiative"), ("GT1{0|1|2|3|4|5}###", "{55108|55007}###")),
    Funder("Bill & Melinda Gates Foundation", "US", ("BMGF",),
           ("Bill and Melinda Gates Foundation", "Gates Foundation"),
           ("Grand Challenges Explorations", "Global Health Discovery Collaboratory"),
           ("OPP1{0|1|2|3|4|5|6|7|8|9}#####", "INV-0{0|1|2|3|4}####", "OPPGH{5|6|7}###")),
    Funder("Simons Foundation", "US", (), (),
           ("Simons Investigator", "Simons Collaboration on the Many Electron Problem",
            "Simons Foundation Autism Research Initiative", "Math+X program"),
           ("{3|4|5|6|7|8|9}{0|1|2|3|4|5|6|7|8|9}####", "SFARI {3|4|5|6|7}#####")),
    Funder("Alfred P. Sloan Foundation", "US", (), ("Sloan Foundation",), ("Sloan Research Fellowship",),
           ("{FG|G}-20{14..23}-{1|2}####",)),
    Funder("Gordon and Betty Moore Foundation", "US", ("GBMF",), ("Moore Foundation",),
           ("Emergent Phenomena in Quantum Systems Initiative", "Data-Driven Discovery Initiative",
            "Experimental Physics Investigators Initiative"), ("GBMF{1|4|5|8|9|1}###", "GBMF{10|11|12}###")),
    Funder("W. M. Keck Foundation", "US", (), ("Keck Foundation", "W.M. Keck Foundation"),
           ("Science and Engineering Research Program", "Medical Research Program"), ("{99|10|20}####",)),
    Funder("Chan Zuckerberg Initiative", "US", ("CZI",), ("Chan Zuckerberg Initiative DAF",),
           ("Human Cell Atlas", "Neurodegeneration Challenge Network", "Essential Open Source Software for Science"),
           ("{CZF|DAF}20{18..23}-00####", "20{18..23}-{18|19|22|24}####")),
    Funder("American Heart Association", "US", ("AHA",), (),
           ("Postdoctoral Fellowship", "Career Development Award", "Transformational Project Award",
            "Established Investigator Award"), ("{17|18|19|20|21|22|23}{POST|CDA|TPA|SDG|PRE|EIA}3{4|5|6|7|8}####",)),
    Funder("American Cancer Society", "US", ("ACS",), (),
           ("Research Scholar Grant", "Postdoctoral Fellowship", "Institutional Research Grant"),
           ("RSG-{14..22}-{0|1|2}##-0{1|2}-{CCE|TBE|DDC|MPC|LIB|CSM}", "IRG-{14..21}-{1|2|3}##-0{1|2}")),
    Funder("Welch Foundation", "US", (), ("Robert A. Welch Foundation",), ("Welch Chair",),
           ("{A|C|F|AT|AX}-{1|2}###", "{A|C|F}-{1|2}###-20{17..23}0###")),
    Funder("Burroughs Wellcome Fund", "US", ("BWF",), (),
           ("Career Award at the Scientific Interface", "Career Awards for Medical Scientists",
            "Investigators in the Pathogenesis of Infectious Disease"), ("10{13..21}###",)),
    Funder("David and Lucile Packard Foundation", "US", (), ("Packard Foundation",),
           ("Packard Fellowship for Science and Engineering",), ("20{14..23}-6####",)),
    Funder("Pew Charitable Trusts", "US", (), ("Pew Charitable Trust",),
           ("Pew Biomedical Scholars program", "Pew Latin American Fellows Program"), ("000{2|3|4|5}####",)),
    Funder("National Oceanic and Atmospheric Administration", "US", ("NOAA",), (),
           ("Climate Program Office", "Sea Grant"), ("NA{15..23}OAR4310###", "NA{15..23}NOS4780###")),
    Funder("Michael J. Fox Foundation for Parkinson's Research", "US", ("MJFF",), ("Michael J. Fox Foundation",),
           ("Parkinson's Progression Markers Initiative", "Target Advancement Program"),
           ("MJFF-0{0|1|2}####", "{1|2}{0|1|2|3|4|5|6|7|8|9}###")),
    Funder("Patient-Centered Outcomes Research Institute", "US", ("PCORI",), (),
           ("Methods Program", "Comparative Effectiveness Research Award"),
           ("{ME|CER|AD|IHS|PCS}-{14..19}{01..12}-{2|3}####",)),
    Funder("Congressionally Directed Medical Research Programs", "US", ("CDMRP",),
           ("US Department of Defense", "Department of Defense"),
           ("Prostate Cancer Research Program", "Breast Cancer Research Program", "Peer Reviewed Medical Research "
            "Program"), ("W81XWH-{15..23}-1-0###", "W81XWH{15..23}10###")),
    Funder("Agency for Healthcare Research and Quality", "US", ("AHRQ",), (),
           ("Patient Safety Learning Laboratories",), ("{R01|R18|K08|P30} HS0{2|3}####", "R01HS0{2|3}####")),
    Funder("National Institute of Standards and Technology", "US", ("NIST",), (),
           ("Center for Hierarchical Materials Design",), ("70NANB{15..23}H###", "60NANB{15..23}D###")),
    Funder("U.S. Department of Veterans Affairs", "US", ("VA",), ("US Department of Veterans Affairs",
           "Department of Veterans Affairs"),
           ("Merit Review Award", "Career Development Award"), ("I01{BX|CX|RX|HX}00####", "IK2{BX|CX|RX}00####")),
    Funder("Cancer Prevention and Research Institute of Texas", "US", ("CPRIT",), (),
           ("Recruitment of First-Time, Tenure-Track Faculty Members", "Individual Investigator Research Award"),
           ("{RR|RP}{15..23}0###",)),
    Funder("Alzheimer's Association", "US", (), (),
           ("Research Fellowship", "Research Grant", "Part the Cloud"),
           ("{AARF|AARG|AACSF|NIRG|SAGA}-{16..23}-{5|6|7|8|9}#####",)),
    Funder("Juvenile Diabetes Research Foundation", "US", ("JDRF",), ("Breakthrough T1D",),
           ("Postdoctoral Fellowship", "Career Development Award", "Strategic Research Agreement"),
           ("{1|2|3|5}-{SRA|PDF|CDA|INO|APF}-20{15..22}-{1..9}##-{A|S|M|Q}-{N|B|R}",)),
    Funder("Leukemia & Lymphoma Society", "US", ("LLS",), ("Leukemia and Lymphoma Society",),
           ("Specialized Center of Research", "Translational Research Program", "Scholar Award"),
           ("{1|5|6|7}{0..9}##-{15..23}",)),
    Funder("Doris Duke Charitable Foundation", "US", ("DDCF",), (),
           ("Clinical Scientist Development Award", "Fund to Retain Clinical Scientists"), ("20{14..23}0##",)),
    Funder("John Templeton Foundation", "US", (), ("Templeton Foundation",), (), ("{5|6}{0..9}###",)),
    Funder("Heising-Simons Foundation", "US", (), (), ("51 Pegasi b Fellowship",), ("20{16..23}-{0|1|2|3}###",)),
    Funder("Research Corporation for Science Advancement", "US", ("RCSA",), ("Research Corporation",),
           ("Cottrell Scholar Award", "Scialog"), ("2{4|5|6|7|8}###",)),
    Funder("Camille and Henry Dreyfus Foundation", "US", (), ("Dreyfus Foundation",),
           ("Camille Dreyfus Teacher-Scholar Award", "Machine Learning in the Chemical Sciences and Engineering "
            "program"), ("{TC|TH|EP|ML}-{15..23}-0##",)),
    Funder("American Chemical Society Petroleum Research Fund", "US", ("ACS PRF",),
           ("ACS Petroleum Research Fund", "Petroleum Research Fund"),
           ("Doctoral New Investigator Grant", "Undergraduate New Investigator Grant"),
           ("{55..64}###-{DNI|ND|UNI}{5|6|7|10}",)),
    Funder("Brain & Behavior Research Foundation", "US", ("NARSAD",), ("Brain and Behavior Research Foundation",),
           ("NARSAD Young Investigator Grant", "NARSAD Independent Investigator Grant"), ("2{4..9}###",)),
    Funder("Cancer Research Institute", "US", ("CRI",), (),
           ("Irvington Postdoctoral Fellowship", "Lloyd J. Old STAR Award"), ("CRI{2|3|4}###",)),
    Funder("Damon Runyon Cancer Research Foundation", "US", (), ("Damon Runyon Foundation",),
           ("Damon Runyon Fellowship", "Damon Runyon-Rachleff Innovation Award"),
           ("DRG-2{2|3|4}##-{15..23}", "DRR-{4|5|6|7}#-{17..23}")),
    Funder("Leducq Foundation", "FR", (), ("Fondation Leducq",), ("Transatlantic Networks of Excellence",),
           ("{14..22}CVD0{1..5}",)),
)

_UNITED_KINGDOM = (
    Funder("Engineering and Physical Sciences Research Council", "GB", ("EPSRC",),
           ("UK Engineering and Physical Sciences Research Council",),
           ("Doctoral Training Partnership", "Programme Grant", "Centre for Doctoral Training",
            "New Investigator Award", "Early Career Fellowship"),
           ("EP/{K|L|M|N|P|R|S|T|V|W|X|Y}0{0|1|2|3}###{#|X}/{1|2}", "EP/{N|P|R|S|T|V|W}5{0|1|2}####/1")),
    Funder("Biotechnology and Biological Sciences Research Council", "GB", ("BBSRC",),
           ("UK Biotechnology and Biological Sciences Research Council",),
           ("Institute Strategic Programme", "Doctoral Training Partnership", "David Phillips Fellowship"),
           ("BB/{L|M|N|P|R|S|T|V|W|X|Y}0{0|1|2}###{#|X}/{1|2}", "BBS/E/{B|C|D|F|I|J}/000{P|C}####")),
    Funder("Medical Research Council", "GB", ("MRC",), ("UK Medical Research Council",),
           ("Clinician Scientist Fellowship", "Career Development Award", "Unit Programme",
            "Clinical Research Training Fellowship"),
           ("MR/{L|M|N|P|R|S|T|V|W|X|Y}0{0|1|2}###{#|X}/{1|2}", "MC_UU_{00|12|15}0{0|1|2}#/{1..9}",
            "G0{7|8|9}00###")),
    Funder("Natural Environment Research Council", "GB", ("NERC",), ("UK Natural Environment Research Council",),
           ("Independent Research Fellowship", "Doctoral Training Partnership", "National Capability"),
           ("NE/{L|M|N|P|R|S|T|V|W|X|Y}0{0|1|2}###{#|X}/{1|2}",)),
    Funder("Economic and Social Research Council", "GB", ("ESRC",), (),
           ("Doctoral Training Partnership", "New Investigator Grant"),
           ("ES/{L|M|N|P|R|S|T|V|W|X}0{0|1|2}###{#|X}/{1|2}",)),
    Funder("Science and Technology Facilities Council", "GB", ("STFC",), (),
           ("Consolidated Grant", "Ernest Rutherford Fellowship"),
           ("ST/{N|P|R|S|T|V|W|X|Y}00{0|1|2|3|4}###/{1|2}",)),
    Funder("Arts and Humanities Research Council", "GB", ("AHRC",), (),
           ("Leadership Fellows scheme", "Doctoral Training Partnership"),
           ("AH/{N|P|R|S|T|V|W|X}00{0..9}###/1",)),
    Funder("UK Research and Innovation", "GB", ("UKRI",), (),
           ("Future Leaders Fellowship", "Strategic Priorities Fund", "Horizon Europe Guarantee"),
           ("MR/{S|T|V|W|X}0{0..4}####/{1|2}", "EP/{X|Y|Z}0{0..3}####/1", "10{0|1}#####")),
    Funder("Innovate UK", "GB", (), (), ("Knowledge Transfer Partnership", "Smart grant"),
           ("10{0|1|2|3|4|5|6}###", "KTP0{1|2}####")),
    Funder("National Institute for Health and Care Research", "GB", ("NIHR",),
           ("National Institute for Health Research",),
           ("Research Professorship", "Biomedical Research Centre", "Health Technology Assessment Programme",
            "Doctoral Fellowship", "Programme Grants for Applied Research"),
           ("NIHR{1|2|3}{0|1|2|3|4|5|6|7|8|9}####", "{RP|PDF|DRF|CS|CDF}-20{14..22}-{01..12}-{ST2|ST1|005|002}-0##",
            "{IS-BRC|BRC}-1215-2000{1|2|3|4}", "{16|17|13}/{0|1|2|3|4|5|6|7|8|9}#/{0..9}#")),
    Funder("Wellcome Trust", "GB", (), ("Wellcome",),
           ("Investigator Award", "Senior Research Fellowship", "Sir Henry Dale Fellowship", "Collaborative Award",
            "Discovery Award", "Strategic Award"),
           ("{09|10|20|21|22}####/Z/{14..23}/Z", "{09|10|20|21|22}####", "{203|213|218|222}###/B/{17..21}/Z")),
    Funder("Royal Society", "GB", (), ("Royal Society of London",),
           ("University Research Fellowship", "Research Grant", "Newton International Fellowship",
            "Wolfson Research Merit Award", "Dorothy Hodgkin Fellowship"),
           ("URF\\R1\\{18..23}####", "RGS\\R{1|2}\\{18..23}####", "UF{13..17}0###", "NIF\\R1\\{18..23}####")),
    Funder("Cancer Research UK", "GB", ("CRUK",), (),
           ("Programme Award", "Career Development Fellowship", "Cancer Research UK Centre", "Pioneer Award"),
           ("C{1|2|5}###/A{1|2}####", "A{2|1}####", "DRCPGM\\100{0|1}##", "CTRQQR-2021\\100###")),
    Funder("British Heart Foundation", "GB", ("BHF",), (),
           ("Programme Grant", "Project Grant", "Intermediate Clinical Research Fellowship",
            "Centre of Research Excellence"),
           ("{PG|FS|RG|SP|CH}/{14..22}/{1..9}/3####", "RE/{13|18}/{1..6}/3####")),
    Funder("Leverhulme Trust", "GB", (), (),
           ("Research Project Grant", "Early Career Fellowship", "Philip Leverhulme Prize",
            "Research Leadership Award"),
           ("{RPG|ECF|RF|RL|PLP|DS}-20{14..23}-{0|1|2|3|4}##",)),
    Funder("Royal Academy of Engineering", "GB", ("RAEng",), (),
           ("Research Fellowship", "Chair in Emerging Technologies", "Research Chair"),
           ("RF\\20{17..22}{18..23}\\{17..22}\\{1..9}##", "CiET{17..22}{18..23}\\{1..9}#")),
    Funder("British Academy", "GB", (), (), ("Postdoctoral Fellowship", "Small Research Grant",
                                             "Mid-Career Fellowship"),
           ("{SRG|PF|MF}{17..23}{18..24}\\1{0|1|2|3|4}####",)),
    Funder("Versus Arthritis", "GB", (), ("Arthritis Research UK",), ("Centre of Excellence", "Career Development "
                                                                        "Fellowship"),
           ("2{0|1|2}###",)),
    Funder("Alzheimer's Research UK", "GB", ("ARUK",), (), ("Pilot Grant", "Senior Research Fellowship"),
           ("ARUK-{PG|SRF|PPG|IRG}20{15..22}{A|B}-0##",)),
    Funder("Academy of Medical Sciences", "GB", (), (), ("Springboard Award", "Starter Grant for Clinical Lecturers"),
           ("SBF00{3|4|5|6}\\1{0|1}##", "SGL0{1|2}{0..9}\\10##")),
    Funder("Chief Scientist Office", "GB", ("CSO",), ("Scottish Government Chief Scientist Office",),
           ("Clinical Academic Fellowship",), ("{TCS|HIPS|CGA}/{15..22}/{0..5}#", "CZH/4/1###")),
    Funder("Parkinson's UK", "GB", (), (), ("Senior Research Fellowship", "Project Grant"),
           ("{H|G|K|F}-{15..22}0{1..9}",)),
    Funder("Science Foundation Ireland", "IE", ("SFI",), (),
           ("SFI Research Centre", "Frontiers for the Future", "Career Development Award", "Investigators Programme"),
           ("{SFI/|}{12|13|15|16|17|18|19|20}/{RC|CDA|IA|SIRG|CRT|RP|FRL|US}/{2|3|4|5|6|7|8}###",
            "{12|13}/RC/2{2|3}##_P2")),
    Funder("Irish Research Council", "IE", ("IRC",), (),
           ("Government of Ireland Postgraduate Scholarship", "Government of Ireland Postdoctoral Fellowship",
            "Laureate Awards"), ("GOIP{G|D}/20{15..22}/{1..4}###", "IRCLA/20{17..22}/{1|2}##")),
    Funder("Health Research Board", "IE", ("HRB",), ("Health Research Board Ireland",),
           ("Investigator Led Projects", "Emerging Investigator Award"),
           ("{HRA|ILP|EIA|CDA}-{POR|PHR|DI}-20{14..22}-{0|1}###",)),
)

_EUROPE_WIDE = (
    Funder("European Research Council", "EU", ("ERC",), (),
           ("Starting Grant", "Consolidator Grant", "Advanced Grant", "Synergy Grant", "Proof of Concept Grant"),
           ("{6|7|8|9}{0..9}####", "101{0|1}{0..9}####", "{2|3}{0..9}####")),
    Funder("European Commission", "EU", ("EC",), ("European Union", "EU"),
           ("Horizon 2020 research and innovation programme", "Horizon Europe research and innovation programme",
            "Seventh Framework Programme", "Marie Skłodowska-Curie grant agreement",
            "Marie Sklodowska-Curie grant agreement", "Marie Skłodowska-Curie Actions",
            "Future and Emerging Technologies programme", "Quantum Flagship", "Graphene Flagship Core3"),
           ("{6|7|8|9}{0..9}####", "101{0|1}{0..9}####", "{2|3}{0..9}####")),
    Funder("European Molecular Biology Organization", "INT", ("EMBO",), (),
           ("Long-Term Fellowship", "Installation Grant", "Young Investigator Programme"),
           ("ALTF {1..9}##-20{14..23}", "ALTF {1..9}##-{14..23}", "IG {3|4|5}###")),
    Funder("Human Frontier Science Program", "INT", ("HFSP", "HFSPO"), ("Human Frontier Science Program "
                                                                          "Organization",),
           ("Research Grant", "Long-Term Fellowship", "Cross-Disciplinary Fellowship", "Career Development Award"),
           ("RGP00{1|2|3|4|5|6|7}#/20{14..23}", "LT000{1..9}##/20{14..23}-{L|C}", "RGY00{1..9}#/20{14..23}")),
    Funder("European Regional Development Fund", "EU", ("ERDF",), ("FEDER", "European Regional Development Funds"),
           ("Operational Programme Research, Development and Education",
            "Operational Programme Competitiveness and Cohesion"),
           ("CZ.02.1.01/0.0/0.0/{15|16|17|18}_0{0..9}#/000####", "KK.01.1.1.0{1..7}.00##")),
    Funder("European Space Agency", "INT", ("ESA",), (), ("PRODEX", "Climate Change Initiative"),
           ("4000{1|2}#####/{15..23}/NL/{IA|CBi|FF|GLC|AR}", "PEA 4000{1|2}#####")),
    Funder("European Cooperation in Science and Technology", "EU", ("COST",), (),
           ("COST Action",), ("CA{15|16|17|18|19|20|21|22}1##",)),
    Funder("Innovative Medicines Initiative 2 Joint Undertaking", "EU", ("IMI2 JU", "IMI"),
           ("Innovative Medicines Initiative",),
           ("IMI2 Call",), ("115{0..9}##", "{8|9}{0..9}####", "101{0|1}{0..9}####")),
    Funder("Euratom research and training programme", "EU", ("Euratom",), (),
           ("EUROfusion Consortium",), ("633053", "101052200")),
)

_GERMANY = (
    Funder("Deutsche Forschungsgemeinschaft", "DE", ("DFG",), ("German Research Foundation",),
           ("Emmy Noether Programme", "Collaborative Research Centre", "Excellence Strategy", "Heisenberg Programme",
            "Priority Programme", "Research Training Group", "Reinhart Koselleck Project"),
           ("{3|4|5}{0..9}#######", "{1|2}{0..9}#####", "{SFB|CRC} 1{0..4}##", "{SFB|TRR} {1|2|3|6|7|8|9}##",
            "EXC {2|3}###",
            "{GRK|SPP|FOR} {1|2|5}###", "{BU|HE|KO|SCHM|WE|ME|RO} {1|2|3|4|5}###/{1..9}-{1|2}")),
    Funder("Bundesministerium für Bildung und Forschung", "DE", ("BMBF",),
           ("Federal Ministry of Education and Research", "German Federal Ministry of Education and Research"),
           ("German Center for Lung Research", "German Center for Infection Research", "Quantum Futur",
            "e:Med research and funding concept"),
           ("01{GQ|KI|EO|ZX|IS|KX|EK|GM|ZZ|DG}{14|15|16|17|18|19|20|21}{0..9}#{|A|B}", "031{L|A|B}0{0..9}##{|A|B}",
            "13N1{4|5|6}###", "05K{16..22}{WO|PA|VF|GU}{1|2}")),
    Funder("Max Planck Society", "DE", ("MPG",), ("Max-Planck-Gesellschaft", "Max Planck Society for the "
                                                   "Advancement of Science"),
           ("Max Planck Research Group", "Max Planck Fellowship", "Max Planck Research School"),
           ("M.FE.A.{PHYS|CHEM|BIOL|NEUR|MATH}0###", "M.IF.A.{QOPT|BIOP}0###")),
    Funder("Alexander von Humboldt Foundation", "DE", ("AvH",), ("Alexander von Humboldt-Stiftung",
                                                                   "Humboldt Foundation"),
           ("Humboldt Research Fellowship", "Sofja Kovalevskaja Award", "Alexander von Humboldt Professorship",
            "Feodor Lynen Research Fellowship"), ("{1|3}{1|2}{0..9}####",)),
    Funder("Volkswagen Foundation", "DE", (), ("VolkswagenStiftung", "Volkswagen Stiftung"),
           ("Lichtenberg Professorship", "Freigeist Fellowship", "Experiment!"), ("Az. 9{0..9}-###", "A1{1|2}####")),
    Funder("Helmholtz Association", "DE", (), ("Helmholtz Association of German Research Centres",
                                               "Helmholtz-Gemeinschaft"),
           ("Helmholtz Young Investigator Group", "Helmholtz Information & Data Science School",
            "Initiative and Networking Fund"), ("VH-NG-1{0|1|2|3|4|5}##", "{ExNet|HIDSS|KA1|ZT-I}-00{0..9}#")),
    Funder("German Academic Exchange Service", "DE", ("DAAD",), ("Deutscher Akademischer Austauschdienst",),
           ("Research Grants – Doctoral Programmes in Germany", "PRIME fellowship"), ("57{2|3|4|5|6}#####",)),
    Funder("Federal Ministry for Economic Affairs and Energy", "DE", ("BMWi",), ("Bundesministerium für "
                                                                                 "Wirtschaft und Energie",),
           ("Central Innovation Programme for SMEs", "7th Energy Research Programme"),
           ("03{ET|EI|EN|EK}{1|4|5|6}{0..9}##{|A|B|C}", "032{4|5}{0..9}##{|A|B}", "ZF4{0..9}####")),
    Funder("German Cancer Aid", "DE", (), ("Deutsche Krebshilfe",), ("Max Eder Junior Research Group",),
           ("70113###", "7011{0|1|2|3}###")),
    Funder("Carl Zeiss Foundation", "DE", (), ("Carl-Zeiss-Stiftung",), ("Breakthroughs", "Nexus"),
           ("P20{17..23}-0{1..5}-0##",)),
    Funder("Leibniz Association", "DE", (), ("Leibniz-Gemeinschaft",),
           ("Leibniz Competition", "Leibniz Science Campus"), ("{K|P|J|T|SAW}{1|2|3}##/20{17..23}",)),
    Funder("Klaus Tschira Foundation", "DE", (), ("Klaus Tschira Stiftung",), (), ("00.{0|1|2|3}##.20{17..23}",)),
)

_FRANCE = (
    Funder("Agence Nationale de la Recherche", "FR", ("ANR",), ("French National Research Agency",),
           ("Investissements d'Avenir", "LabEx", "Young Researchers programme", "Collaborative Research Projects",
            "France 2030"),
           ("ANR-{15..23}-{CE|CE0|CE1|CE2|CE3|CE4}{0..9}-00##", "ANR-{10|11}-{LABX|IDEX|EQPX|INBS}-00##{|-01|-02}",
            "ANR-{17|18}-EURE-00##", "ANR-{15..23}-{CE|CE0|CE1|CE2|CE3|CE4}{0..9}-00##-0{1..4}")),
    Funder("Centre National de la Recherche Scientifique", "FR", ("CNRS",), ("French National Centre for Scientific "
                                                                           "Research",),
           ("PEPS", "80|Prime", "International Research Project", "MITI interdisciplinary programme"),
           ("PICS {07|08}###", "IRP {1..9}##")),
    Funder("Institut National de la Santé et de la Recherche Médicale", "FR", ("Inserm", "INSERM"),
           ("French National Institute of Health and Medical Research",),
           ("ATIP-Avenir", "ITMO Cancer", "Plan Cancer"), ("C{16..22}0##", "ATIP-Avenir {R|C}{15..22}0##")),
    Funder("Fondation pour la Recherche Médicale", "FR", ("FRM",), ("French Foundation for Medical Research",),
           ("Equipe FRM", "Fin de thèse de sciences", "Amorçage de jeunes équipes"),
           ("{DEQ|FDT|ARF|EQU|SPF|AJE}20{17..23}{0|1}{0..9}#####",)),
    Funder("Institut National du Cancer", "FR", ("INCa",), ("French National Cancer Institute",),
           ("PLBIO", "SIRIC", "PRT-K"), ("PLBIO{16..23}-{0|1|2}##", "INCa-DGOS-Inserm_{12|16}###",
                                         "INCa_{1|2}####")),
    Funder("Fondation ARC pour la Recherche sur le Cancer", "FR", (), ("Fondation ARC", "ARC Foundation"),
           ("PGA1 program", "SIGN'IT"), ("PJA {2017|2018|2019|2020}{01..12}0#####", "PGA1 RF20{17..22}0{1|2}0####")),
    Funder("Agence Nationale de Recherches sur le Sida et les Hépatites Virales", "FR", ("ANRS",),
           ("ANRS Maladies Infectieuses Émergentes",), ("ANRS CO", "ANRS 12"), ("ANRS {12|13|14}###",
                                                                                  "ECTZ{1|2}####")),
    Funder("Ligue Nationale Contre le Cancer", "FR", (), ("La Ligue contre le cancer", "French League Against "
                                                                                          "Cancer"),
           ("Equipe Labellisée",), ("EL20{17..23}.LNCC/@@",)),
)

_CHINA = (
    Funder("National Natural Science Foundation of China", "CN", ("NSFC", "NNSFC"),
           ("Natural Science Foundation of China", "National Science Foundation of China", "NSF of China"),
           ("Excellent Young Scientists Fund", "National Science Fund for Distinguished Young Scholars",
            "General Program", "Key Program", "Major Research Plan", "Young Scientists Fund",
            "Joint Fund"),
           ("{1..8}{1|2}{0..9}{0..9}####", "U{1|2}{8|9|0|1|2}{0..9}{0..9}###", "{1..8}{1|2}{0..9}{0..9}####")),
    Funder("National Key Research and Development Program of China", "CN", (),
           ("National Key R&D Program of China", "National Key Research and Development Project of China",
            "National Key R&D Program"),
           ("Strategic International Science and Technology Innovation Cooperation",),
           ("20{16..23}YF{A|B|C|D|E}{0|1|2}{0..9}{0..9}####",)),
    Funder("Ministry of Science and Technology of China", "CN", ("MOST",),
           ("Ministry of Science and Technology of the People's Republic of China",),
           ("National Basic Research Program of China", "973 Program", "863 Program"),
           ("20{10..15}CB{1|2|3|4|5|6|9}#####", "20{11..15}AA0{1|2|3|4|5}####", "20{16..23}ZX{0|1}{0..9}#####")),
    Funder("Chinese Academy of Sciences", "CN", ("CAS",), (),
           ("Strategic Priority Research Program", "Key Research Program of Frontier Sciences",
            "Youth Innovation Promotion Association", "Hundred Talents Program", "Pioneer Hundred Talents Program"),
           ("XD{A|B|C}{0|1|2|3|4}{0..9}{0..9}####", "QYZDB-SSW-{SLH|SYS|JSC|DQC}0##", "ZDBS-LY-{SLH|JSC|DQC}0##",
            "20{15..23}{0|1|2|3|4}##")),
    Funder("China Postdoctoral Science Foundation", "CN", ("CPSF",), (),
           ("Postdoctoral Innovative Talent Support Program",),
           ("20{15..23}M{6|7}{0..9}{0..9}###", "20{15..23}T1{3|5|6}0###", "BX20{18..23}0###")),
    Funder("Fundamental Research Funds for the Central Universities", "CN", (),
           ("Fundamental Research Funds for Central Universities",), (),
           ("WK20300000##", "2042{019|020|021|022}kf0###", "DUT{18..23}RC(3)0##", "JZ20{18..23}HGTB0###",
            "xzy0120{18..23}0##")),
    Funder("Guangdong Basic and Applied Basic Research Foundation", "CN", (),
           ("Natural Science Foundation of Guangdong Province", "Guangdong Natural Science Foundation"), (),
           ("20{19..23}{A|B}15150{1|2}####",)),
    Funder("Natural Science Foundation of Zhejiang Province", "CN", (), ("Zhejiang Provincial Natural Science "
                                                                         "Foundation",),
           (), ("{LY|LR|LQ|LZ}{17..23}{A|B|C|E|F|H}0{2|3|5}00##",)),
    Funder("Beijing Natural Science Foundation", "CN", (), ("Natural Science Foundation of Beijing Municipality",),
           (), ("{4|7|1}{17..23}{0|1|2}###", "Z{17..23}0{0|1}##", "JQ{17..23}0##")),
    Funder("Science and Technology Commission of Shanghai Municipality", "CN", ("STCSM",),
           ("Shanghai Municipal Science and Technology Commission",),
           ("Shanghai Rising-Star Program", "Shanghai Municipal Science and Technology Major Project"),
           ("{17..23}{ZR|JC|QA|DZ|XD}14{0|1|2}####", "20{18..23}SHZDZX0{1|2|3}")),
    Funder("Natural Science Foundation of Jiangsu Province", "CN", (), ("Jiangsu Provincial Natural Science "
                                                                        "Foundation",),
           (), ("BK20{17..23}0###", "BK20{17..23}1###")),
    Funder("Shenzhen Science and Technology Program", "CN", (), ("Shenzhen Science and Technology Innovation "
                                                                 "Commission",),
           (), ("JCYJ20{17..22}0{3..9}{10..28}1#####{0..9}{0..9}", "KQTD20{17..22}0{3..9}{10..28}1#####{0..9}")),
    Funder("China Scholarship Council", "CN", ("CSC",), (), (), ("20{16..23}0{6|8}{0..9}#####",)),
    Funder("Natural Science Foundation of Shandong Province", "CN", (), ("Shandong Provincial Natural Science "
                                                                          "Foundation",),
           (), ("ZR20{18..23}{MA|QA|MB|MF|QB}0##",)),
    Funder("Natural Science Foundation of Hunan Province", "CN", (), ("Hunan Provincial Natural Science "
                                                                      "Foundation",),
           (), ("20{18..23}JJ{3|4|5}###", "20{18..23}JJ{2|1}00##")),
    Funder("Natural Science Foundation of Hubei Province", "CN", (), ("Hubei Provincial Natural Science Foundation",),
           (), ("20{18..23}CF{A|B}{0..9}##",)),
    Funder("Natural Science Foundation of Fujian Province", "CN", (), ("Fujian Provincial Natural Science "
                                                                       "Foundation",),
           (), ("20{18..23}J0{1|2|5|6}{0..9}##",)),
    Funder("Natural Science Foundation of Tianjin", "CN", (), ("Tianjin Natural Science Foundation",),
           (), ("{17..23}JC{YB|QN|ZD}JC{0..9}####",)),
    Funder("Sichuan Science and Technology Program", "CN", (), (), (), ("20{19..23}{YJ|YFH|YFG|JDRC}0###",)),
    Funder("Research Grants Council of Hong Kong", "HK", ("RGC",),
           ("Research Grants Council of the Hong Kong Special Administrative Region",
            "Hong Kong Research Grants Council"),
           ("General Research Fund", "Collaborative Research Fund", "Areas of Excellence Scheme",
            "Theme-based Research Scheme", "Early Career Scheme"),
           ("{1|2}{1|4|5|6|7}{1|2|3}0{0|1}{0..9}{17..23}", "C{5|6|7}0##-{17..23}{G|E}", "T{23|42}-{4|6|7}0#/{17..22}-N",
            "AoE/P-{6|7}0#/{18..22}")),
    Funder("Ministry of Science and Technology, Taiwan", "TW", (),
           ("Ministry of Science and Technology of Taiwan", "Taiwan Ministry of Science and Technology"),
           ("Columbus Program", "Einstein Program"),
           ("MOST 1{05..11}-{2112|2221|2113|2628|2314|2320|2311}-{M|E|B}-{002|007|006|009|001}-0##{|-MY3}",)),
    Funder("National Science and Technology Council", "TW", ("NSTC",), ("National Science and Technology Council, "
                                                                        "Taiwan",),
           (), ("NSTC 1{11..13}-{2112|2221|2113|2628|2314}-M-{002|007|006}-0##{|-MY3}",)),
    Funder("Academia Sinica", "TW", (), (), ("Career Development Award", "Investigator Award", "Grand Challenge "
                                                                                             "Program"),
           ("AS-{CDA|IA|GC|TP}-1{05..12}-{M|L|B}0{1..9}", "AS-GCS-1{09..12}-{M|L|B}0{1..9}")),
)

_JAPAN = (
    Funder("Japan Society for the Promotion of Science", "JP", ("JSPS",), (),
           ("KAKENHI", "Grant-in-Aid for Scientific Research (B)", "Grant-in-Aid for Scientific Research (C)",
            "Grant-in-Aid for Scientific Research on Innovative Areas", "Grant-in-Aid for Young Scientists",
            "Grant-in-Aid for JSPS Fellows", "Core-to-Core Program"),
           ("JP{16..24}{H|K|J}{0|1|2}####", "{16..24}{H|K|J}{0|1|2}####", "JP{16..24}KK0{1|2}##",
            "JP{16..24}H0{5|6}###")),
    Funder("Japan Science and Technology Agency", "JP", ("JST",), (),
           ("CREST", "PRESTO", "ERATO", "FOREST Program", "Moonshot R&D", "SPRING"),
           ("JPMJ{CR|PR|ER|FR|MS|SP}{15..23}{0..9}{0..9}", "JPMJ{CR|PR|ER|FR|MS}{15..23}{A|B|C|D|E|F|G|H|J|K|L|M|N|P|"
                                                           "Q|R|S|T|U|V|W|X|Y|Z}#")),
    Funder("Japan Agency for Medical Research and Development", "JP", ("AMED",), (),
           ("Research Program on Emerging and Re-emerging Infectious Diseases", "Moonshot Research and Development "
            "Program", "Project for Cancer Research and Therapeutic Evolution", "Brain/MINDS"),
           ("JP{17..24}{gm|fk|ek|dm|ck|wm|ae|am|cm}{0|1}{1..9}#####",)),
    Funder("Ministry of Education, Culture, Sports, Science and Technology", "JP", ("MEXT",),
           ("Japanese Ministry of Education, Culture, Sports, Science and Technology",),
           ("Quantum Leap Flagship Program", "Program for Promoting Researches on the Supercomputer Fugaku",
            "World Premier International Research Center Initiative", "Data Creation and Utilization-Type "
            "Material Research and Development Project"),
           ("JPMX{S|P}{01|10}{18..23}######",)),
    Funder("New Energy and Industrial Technology Development Organization", "JP", ("NEDO",), (),
           ("Moonshot Research and Development Program",), ("JPNP{14..23}0##",)),
    Funder("Takeda Science Foundation", "JP", (), (), ("Life Science Research Grant", "Medical Research Grant"),
           ("{2017|2018|2019|2020|2021|2022}0{1|2|3}{0..9}#",)),
)

_KOREA = (
    Funder("National Research Foundation of Korea", "KR", ("NRF",), ("Korea National Research Foundation",),
           ("Basic Science Research Program", "Mid-career Researcher Program", "Creative Research Initiatives",
            "Brain Korea 21 FOUR", "Science Research Center Program"),
           ("{NRF-|}20{16..23}{R1A2C1|R1A2C2|R1C1C1|R1A5A1|R1A6A1A|M3H4A1A|M3D1A1A|R1F1A1}0{1..8}####",
            "{NRF-|}20{16..23}R1A6A1A{03|10}0#####")),
    Funder("Ministry of Science and ICT", "KR", ("MSIT",), ("Korean Ministry of Science and ICT",
                                                            "Ministry of Science, ICT and Future Planning"),
           ("Information Technology Research Center support program",), ("20{18..23}-0-0{0|1|2}###",)),
    Funder("Institute for Information and Communications Technology Planning and Evaluation", "KR", ("IITP",),
           ("Institute of Information & Communications Technology Planning & Evaluation",),
           ("Artificial Intelligence Graduate School Program",), ("20{18..23}-0-0{0|1|2}###",
                                                                  "RS-20{22..24}-00{1|2|3|4}#####")),
    Funder("Korea Health Industry Development Institute", "KR", ("KHIDI",), (),
           ("Korea Health Technology R&D Project",), ("HI{16..23}C{0|1}###", "HR{20|21|22}C{0|1}###")),
    Funder("Institute for Basic Science", "KR", ("IBS",), (), (), ("IBS-R0{0..3}#-{D1|G1|A1|Y1}",)),
    Funder("Samsung Science and Technology Foundation", "KR", ("SSTF",), (), (),
           ("SSTF-BA{15..22}0#-0#", "SSTF-BA{15..22}0#", "SRFC-{MA|IT|TC}{15..22}0#-0#")),
    Funder("Korea Evaluation Institute of Industrial Technology", "KR", ("KEIT",), (),
           ("Technology Innovation Program",), ("20{0|1}{0..9}####",)),
    Funder("Korea Institute for Advancement of Technology", "KR", ("KIAT",), (),
           ("Competency Development Program for Industry Specialist",), ("P00{0|1|2}####",)),
)

_INDIA = (
    Funder("Department of Science and Technology", "IN", ("DST",),
           ("Department of Science and Technology, Government of India", "Department of Science & Technology"),
           ("INSPIRE Faculty Fellowship", "FIST Programme", "Women Scientist Scheme", "Nano Mission"),
           ("DST/INSPIRE/04/20{14..21}/00{0|1|2|3}##", "SR/FST/{PSI|PS-I|CS-II|LS-I}-{1|2}##/20{14..20}",
            "DST/TMD/{MES|CERI|HFC}/2K{16..21}/{1..9}#")),
    Funder("Science and Engineering Research Board", "IN", ("SERB",),
           ("Science & Engineering Research Board",),
           ("Core Research Grant", "Early Career Research Award", "Ramanujan Fellowship", "J. C. Bose Fellowship",
            "Start-up Research Grant", "MATRICS"),
           ("{CRG|ECR|EMR|SRG|MTR|JCB}/20{16..23}/00{0|1|2|3|4|5}###", "SB/S2/RJN-{0|1}##/20{14..18}")),
    Funder("Department of Biotechnology", "IN", ("DBT",), ("Department of Biotechnology, Government of India",),
           ("Ramalingaswami Re-entry Fellowship", "DBT-BUILDER programme"),
           ("BT/PR{1|2|3}####/{BRB|MED|BID|NNT|AGR|PBD}/{10|12|15|29|30}/{1|2}###/20{14..21}",
            "BT/RLF/Re-entry/{0..6}#/20{14..21}")),
    Funder("Council of Scientific and Industrial Research", "IN", ("CSIR",), ("CSIR, India",),
           ("Junior Research Fellowship", "Senior Research Fellowship", "Emeritus Scientist scheme"),
           ("{09|08}/0{80|81|93|96}({1|0}###)/20{16..22}-EMR-I", "{01|02|03|37|38}({1|2|3}###)/{16..22}/EMR-II",
            "{MLP|HCP|OLP}0{0|1|2}##")),
    Funder("Indian Council of Medical Research", "IN", ("ICMR",), (),
           ("Adhoc Research Scheme",), ("{5|2}/{3|4|7|8}/{1|2}###/20{16..22}-{RBMH|NCD-II|ECD-II|RCH}",)),
    Funder("University Grants Commission", "IN", ("UGC",), ("University Grants Commission, India",),
           ("UGC-BSR Start-Up Grant", "Junior Research Fellowship", "Dr. D. S. Kothari Postdoctoral Fellowship"),
           ("F.{30|42|43}-{1..9}##/20{14..20}(BSR)", "F.4-2/20{14..20}({BSR|CH|PH})/{13|14|15|16}-{0|1}###/"
                                                        "({BSR|CH|PH})")),
    Funder("Board of Research in Nuclear Sciences", "IN", ("BRNS",), (), ("DAE-BRNS Young Scientist Research Award",),
           ("{34|35|36|37|58}/{14|20}/{0|1|2|3}#/20{15..22}-BRNS",)),
    Funder("Wellcome Trust/DBT India Alliance", "IN", (), ("DBT/Wellcome Trust India Alliance", "India Alliance"),
           ("Intermediate Fellowship", "Early Career Fellowship", "Senior Fellowship"),
           ("IA/{I|E|S|CPHI|CPHE}/{14..22}/{1|2}/50####",)),
)

_CANADA = (
    Funder("Natural Sciences and Engineering Research Council of Canada", "CA", ("NSERC",),
           ("Natural Sciences and Engineering Research Council", "Conseil de recherches en sciences naturelles et "
            "en génie du Canada"),
           ("Discovery Grant", "Discovery Accelerator Supplement", "Alliance Grant", "CREATE program",
            "Canada Graduate Scholarship", "Postdoctoral Fellowship"),
           ("RGPIN-20{15..23}-0{0..6}###", "RGPIN {2|3|4|5}#####-{14..22}", "{ALLRP|CRDPJ|STPGP} {5|4}#####-{15..22}",
            "RGPAS-20{17..23}-00{0|1|2|3|4|5}##", "PGSD{2|3}-{5|6}#####-20{17..22}")),
    Funder("Canadian Institutes of Health Research", "CA", ("CIHR",), (),
           ("Project Grant", "Foundation Grant", "Canada Graduate Scholarship", "New Investigator Award",
            "Banting Postdoctoral Fellowship"),
           ("{PJT|FDN|MOP|PJT}-1{4..8}####", "FRN 1{4..8}####", "{MFE|GSD|FRD}-1{4..8}###")),
    Funder("Social Sciences and Humanities Research Council of Canada", "CA", ("SSHRC",),
           ("Social Sciences and Humanities Research Council",),
           ("Insight Grant", "Partnership Grant", "Insight Development Grant", "Joseph-Armand Bombardier Canada "
            "Graduate Scholarship"),
           ("{430|435|890|756|895}-20{15..23}-{0|1}0{0..9}##",)),
    Funder("Canada Foundation for Innovation", "CA", ("CFI",), (), ("John R. Evans Leaders Fund",
                                                                     "Innovation Fund"),
           ("3{2..9}###", "{3|4}####")),
    Funder("Canada Research Chairs Program", "CA", ("CRC",), ("Canada Research Chairs",),
           ("Tier 1 Canada Research Chair", "Tier 2 Canada Research Chair"),
           ("950-23{0..3}###", "CRC-20{17..23}-00###")),
    Funder("Fonds de recherche du Québec – Nature et technologies", "CA", ("FRQNT",),
           ("Fonds de recherche du Québec - Nature et technologies", "Fonds de Recherche du Québec – Nature et "
            "Technologies"),
           ("Team research project", "Doctoral research scholarship", "Regroupements stratégiques"),
           ("20{17..23}-{NC|PR|B3X|B2X|RS4}-2#####",)),
    Funder("Fonds de recherche du Québec – Santé", "CA", ("FRQS",), ("Fonds de recherche du Québec - Santé",
                                                                     "Fonds de Recherche du Québec – Santé"),
           ("Junior 1 Research Scholar", "Junior 2 Research Scholar", "Senior Research Scholar"),
           ("2{5..9}####", "{2|3}{0..9}{0..9}###")),
    Funder("Mitacs", "CA", (), (), ("Accelerate program", "Globalink Research Internship", "Elevate"),
           ("IT{1|2|3}####", "FR{4|5|6|7|8|9}####")),
    Funder("Canadian Cancer Society", "CA", ("CCS",), ("Canadian Cancer Society Research Institute",),
           ("Innovation Grant", "Impact Grant", "Challenge Grant"), ("70{4..7}###",)),
    Funder("New Frontiers in Research Fund", "CA", ("NFRF",), (), ("Exploration", "Transformation", "Rapid Response"),
           ("NFRF{E|T|R}-20{18..23}-00###",)),
    Funder("Michael Smith Foundation for Health Research", "CA", ("MSFHR",), ("Michael Smith Health Research BC",),
           ("Scholar Award", "Research Trainee Award"), ("{SCH|RT|PD|HSR}-20{17..23}-0###", "{16|17|18}###")),
    Funder("Genome Canada", "CA", (), (), ("Large-Scale Applied Research Project", "Genomic Applications Partnership "
                                                                                   "Program"),
           ("{LSARP|GAPP|GC}-{1|2}####", "{5|6|8}{0..9}{0..9}{0..9}")),
)

_AUSTRALASIA = (
    Funder("Australian Research Council", "AU", ("ARC",), (),
           ("Discovery Project", "Future Fellowship", "Discovery Early Career Researcher Award", "Laureate Fellowship",
            "Centre of Excellence", "Linkage Project", "Industrial Transformation Research Hub"),
           ("{DP|FT|DE|LP|LE|FL|IC|IH}{15..23}010{0|1}###", "CE{14|17|20|23}0100{0|1}##")),
    Funder("National Health and Medical Research Council", "AU", ("NHMRC",),
           ("National Health and Medical Research Council of Australia",),
           ("Investigator Grant", "Ideas Grant", "Project Grant", "Early Career Fellowship", "Program Grant",
            "Centre of Research Excellence"),
           ("APP1{0|1}#####", "GNT{1|2}{0|1}#####", "1{0|1}#####", "GNT20{0|1|2}####")),
    Funder("Commonwealth Scientific and Industrial Research Organisation", "AU", ("CSIRO",), (),
           ("Future Science Platform", "Research Plus Postdoctoral Fellowship"), ("OD-2{0|1|2}####", "R-{9|1}####")),
    Funder("Medical Research Future Fund", "AU", ("MRFF",), (),
           ("Rare Cancers, Rare Diseases and Unmet Need Initiative", "Genomics Health Futures Mission"),
           ("MRF{1|2}{0|1}#####", "APP{1|2}{1|2}#####")),
    Funder("National Heart Foundation of Australia", "AU", (), ("Heart Foundation", "Australian Heart Foundation"),
           ("Future Leader Fellowship", "Vanguard Grant", "Postdoctoral Fellowship"), ("10{0..6}###",)),
    Funder("Cancer Council NSW", "AU", (), ("Cancer Council New South Wales",), ("Program Grant",),
           ("RG {15..23}-{0|1}#", "PG {11|16|21}-0#")),
    Funder("Health Research Council of New Zealand", "NZ", ("HRC",), (),
           ("Sir Charles Hercus Health Research Fellowship", "Emerging Researcher First Grant", "Programme Grant"),
           ("{15..23}/{1..9}##", "{15..23}/{1..9}###")),
    Funder("Royal Society Te Apārangi", "NZ", (), ("Royal Society of New Zealand", "Royal Society Te Aparangi"),
           ("Marsden Fund", "Rutherford Discovery Fellowship", "Catalyst Fund"),
           ("{15..23}-{UOA|UOO|VUW|UOC|MAU|UOW|LCR|GNS}-###", "MFP-{UOA|UOO|VUW|UOC|MAU}{15..23}##",
            "RDF-{UOA|UOO|VUW|UOC|MAU}{15..23}0#")),
    Funder("Ministry of Business, Innovation and Employment", "NZ", ("MBIE",), ("New Zealand Ministry of Business, "
                                                                                "Innovation and Employment",),
           ("Endeavour Fund", "Smart Ideas", "Strategic Science Investment Fund"),
           ("{UOAX|VUWX|CAWX|UOOX|RTVU}{15..23}0#", "C0{1|5|9}X{15..23}0#")),
)

_LATIN_AMERICA = (
    Funder("Conselho Nacional de Desenvolvimento Científico e Tecnológico", "BR", ("CNPq",),
           ("National Council for Scientific and Technological Development",
            "Brazilian National Council for Scientific and Technological Development"),
           ("Productivity in Research Fellowship", "Universal Call", "National Institute of Science and Technology"),
           ("{3|4}{0|1|2}####/20{14..23}-{0..9}", "{1|2}{4|5|6}####/20{14..23}-{0..9}")),
    Funder("Coordenação de Aperfeiçoamento de Pessoal de Nível Superior", "BR", ("CAPES",),
           ("Coordination for the Improvement of Higher Education Personnel",
            "Coordenação de Aperfeiçoamento de Pessoal de Nível Superior - Brasil"),
           ("CAPES-PrInt", "Programa de Excelência Acadêmica"),
           ("88887.{1..5}#####/20{16..23}-00", "88881.{1..5}#####/20{15..23}-01", "88882.{1..5}#####/20{15..23}-01")),
    Funder("São Paulo Research Foundation", "BR", ("FAPESP",),
           ("Fundação de Amparo à Pesquisa do Estado de São Paulo", "Sao Paulo Research Foundation"),
           ("Young Investigator Award", "Thematic Project", "Research, Innovation and Dissemination Centers",
            "BIOTA-FAPESP Program"), ("20{12..23}/{0|1|2|5|0}####-{0..9}",)),
    Funder("Fundação Carlos Chagas Filho de Amparo à Pesquisa do Estado do Rio de Janeiro", "BR", ("FAPERJ",),
           ("Carlos Chagas Filho Foundation for Research Support of the State of Rio de Janeiro",),
           ("Cientista do Nosso Estado", "Jovem Cientista do Nosso Estado"),
           ("E-26/{201|202|203|210}.{0..9}##/20{15..23}", "E-26/010.00{0|1|2}###/20{15..23}")),
    Funder("Fundação de Amparo à Pesquisa do Estado de Minas Gerais", "BR", ("FAPEMIG",),
           ("Minas Gerais State Research Foundation",), ("Programa Pesquisador Mineiro",),
           ("{APQ|PPM|RED|BPD}-0{0|1|2|3}###-{14..23}",)),
    Funder("Financiadora de Estudos e Projetos", "BR", ("FINEP",), ("Funding Authority for Studies and Projects",),
           (), ("01.{12|13|14|16|18|22}.0###.00",)),
    Funder("Consejo Nacional de Investigaciones Científicas y Técnicas", "AR", ("CONICET",),
           ("National Scientific and Technical Research Council",), ("Proyectos de Investigación Plurianuales",),
           ("PIP 11220{15|17|20}0100###", "PIP 0{1..9}##", "PUE 229{2|3}0{17..23}0100###")),
    Funder("Agencia Nacional de Promoción Científica y Tecnológica", "AR", ("ANPCyT",),
           ("National Agency for Scientific and Technological Promotion", "Agencia I+D+i"),
           ("Fondo para la Investigación Científica y Tecnológica",),
           ("PICT{ |-}20{15..21}-{0|1|2|3|4}###", "PICT-20{15..21}-0{0|1|2|3|4}###")),
    Funder("Agencia Nacional de Investigación y Desarrollo", "CL", ("ANID",),
           ("National Agency for Research and Development", "Comisión Nacional de Investigación Científica y "
            "Tecnológica"),
           ("FONDECYT Regular", "FONDECYT Iniciación", "FONDAP", "Millennium Science Initiative", "FONDEQUIP"),
           ("1{15..23}0###", "11{15..23}0###", "3{15..23}0###", "ICN{17..22}_0##", "ACT{17..21}0#")),
    Funder("Consejo Nacional de Ciencia y Tecnología", "MX", ("CONACYT", "CONAHCYT"),
           ("National Council of Science and Technology", "Mexican National Council for Science and Technology"),
           ("Ciencia Básica", "Cátedras CONACYT", "Fronteras de la Ciencia"),
           ("CB-20{13..17}-01-2#####", "A1-S-{1|2|3|4}####", "CF-20{19..23}-{1|2}####")),
)

_SWITZERLAND_BENELUX = (
    Funder("Swiss National Science Foundation", "CH", ("SNSF", "SNF"),
           ("Schweizerischer Nationalfonds", "Swiss National Fund",
            "Fonds National Suisse de la Recherche Scientifique"),
           ("National Centre of Competence in Research", "Ambizione", "Eccellenza", "SNSF Professorship", "Sinergia",
            "Early Postdoc.Mobility"),
           ("200020_1{5..9}####", "200021_1{5..9}####", "PP00P{1|2}_1{5..9}####", "PZ00P{1|2|3}_1{5..9}####",
            "P2{EZ|BE|GE|ZH|BS|LA}P{2|3}_1{5..9}####", "51NF40_1{4..9}####", "CRSII5_1{7|8|9}####",
            "TMSGI2_2#####")),
    Funder("Innosuisse", "CH", (), ("Innosuisse – Swiss Innovation Agency", "Swiss Innovation Agency"),
           ("Innovation project", "Flagship Initiative"),
           ("{25|27|32|35|36|38|41|45|48}###.1 IP-{ENG|LS|ICT|SBM}", "PFFS-{21|22}-{1..9}#")),
    Funder("ETH Zurich", "CH", (), ("ETH Zürich", "Swiss Federal Institute of Technology in Zurich"),
           ("ETH Research Grant", "ETH Zurich Postdoctoral Fellowship"),
           ("ETH-{0..5}# {15..23}-{1|2}", "{FEL|SP}-{0..5}# {15..23}-{1|2}")),
    Funder("State Secretariat for Education, Research and Innovation", "CH", ("SERI",),
           ("Swiss State Secretariat for Education, Research and Innovation",),
           ("Swiss Government Excellence Scholarship",), ("{15..22}.0###", "MB22.000##", "REF-1131-52{1|3}##")),
    Funder("Swiss Cancer Research Foundation", "CH", (), ("Swiss Cancer League", "Krebsforschung Schweiz"), (),
           ("KFS-{3|4|5}###-0{2|8}-20{16..23}", "KLS-{3|4|5}###-0{2|8}-20{16..23}")),
    Funder("Dutch Research Council", "NL", ("NWO",),
           ("Netherlands Organisation for Scientific Research", "Nederlandse Organisatie voor Wetenschappelijk "
            "Onderzoek"),
           ("Vidi", "Veni", "Vici", "Gravitation programme", "Open Competition Domain Science", "Spinoza Prize"),
           ("VI.{Vidi|Veni|Vici}.{19..23}{1|2|3}.0##", "016.{Veni|Vidi}.{17..19}{1|2}.0##",
            "{680|639|714|722}-{47|91|50}-{1|2|3|4|5}##", "OCENW.{KLEIN|M20|XS|M}.{1|2|3}##",
            "024.00{1..4}.0##")),
    Funder("Netherlands Organisation for Health Research and Development", "NL", ("ZonMw",), (),
           ("Vidi", "Veni", "Off Road"), ("9171{6..9}###", "{8480|1014}0{0|1}00##", "{09|10}{0..9}###00{1|2|3}#")),
    Funder("Dutch Cancer Society", "NL", ("KWF",), ("KWF Kankerbestrijding",), ("Young Investigator Grant",),
           ("{10|11|12|13|14}###", "{UVA|UU|EMCR|KUN|NKI} 20{13..19}-{6|7|8}###")),
    Funder("Research Foundation – Flanders", "BE", ("FWO",),
           ("Fonds Wetenschappelijk Onderzoek", "Research Foundation Flanders", "Research Foundation - Flanders"),
           ("Odysseus programme", "Junior Postdoctoral Fellowship", "Senior Research Project", "SBO project"),
           ("G0{A|B|C|D|E|F|H}{1..9}{0..9}{17..23}N", "1{1|2|S}{A|B|C|D|E|F|G|H|J|K|L|M|N|P|R|S|T|U|V|W|X|Z}{0..9}"
                                                      "{0..9}{17..23}N", "S00{0..9}{17..23}N")),
    Funder("Fonds de la Recherche Scientifique", "BE", ("F.R.S.-FNRS", "FNRS"), ("Fund for Scientific Research",),
           ("Excellence of Science", "Research Project", "Research Credit", "Aspirant Fellowship"),
           ("{T|J|U|R}.0{0|1|2}##.{17..23}", "1.{B|A}.{1..4}##.{18..23}F", "EOS {3|4}0######")),
    Funder("Belgian Science Policy Office", "BE", ("BELSPO",), ("Belgian Federal Science Policy Office",),
           ("Interuniversity Attraction Poles", "BRAIN-be"), ("IAP P7/{1..4}#", "B2/{19..22}1/P{1|2|3}/{A|B|C|D}"
                                                                                 "{A|B|C|D|E}{A|B|C|D|E}")),
    Funder("Fonds National de la Recherche", "LU", ("FNR",), ("Luxembourg National Research Fund",),
           ("CORE programme", "PRIDE Doctoral Training Unit", "ATTRACT Fellowship"),
           ("C{17..23}/{MS|BM|SR|IS|SC}/1{1..5}######", "PRIDE{15|17|19|21}/1{0..5}######")),
)

_NORDIC = (
    Funder("Swedish Research Council", "SE", ("VR",), ("Vetenskapsrådet",),
           ("Project grant", "Starting grant", "Consolidator grant", "Distinguished Professor grant",
            "International Postdoc"),
           ("20{15..23}-0{0..6}###", "{621|637}-20{13|14|15}-{3..6}###")),
    Funder("Knut and Alice Wallenberg Foundation", "SE", ("KAW",), ("Knut och Alice Wallenbergs Stiftelse",
                                                                    "Wallenberg Foundation"),
           ("Wallenberg Academy Fellow", "Wallenberg Scholar", "Wallenberg AI, Autonomous Systems and Software "
            "Program", "Wallenberg Centre for Quantum Technology"),
           ("{KAW |}20{14..23}.0{0..4}##",)),
    Funder("Swedish Foundation for Strategic Research", "SE", ("SSF",), ("Stiftelsen för Strategisk Forskning",),
           ("Future Research Leaders", "Ingvar Carlsson Award", "Research Infrastructure Fellow"),
           ("{RMX|FFL|ITM|SB|ARC|EM|IS|GMT|FID}{15..22}-0{0|1}##",)),
    Funder("Vinnova", "SE", (), ("Sweden's Innovation Agency", "Swedish Governmental Agency for Innovation "
                                                               "Systems"),
           ("Competence centre", "Strategic Innovation Programme"), ("20{16..23}-0{0..5}###",)),
    Funder("Formas", "SE", (), ("Swedish Research Council for Sustainable Development",),
           ("Research and development project",), ("20{16..23}-0{0|1|2}###", "FR-20{16..23}/00##")),
    Funder("Swedish Cancer Society", "SE", (), ("Cancerfonden",), ("Project grant", "Junior Investigator Award"),
           ("CAN 20{16..21}/{1..9}##", "{19|20|21|22} 0{1..9}## Pj", "{19|20|21|22} 0{1..9}## PjF")),
    Funder("Swedish Energy Agency", "SE", (), ("Energimyndigheten",), (), ("P{4|5}{2..9}###-{1|2}",)),
    Funder("Crafoord Foundation", "SE", (), ("Crafoordska stiftelsen",), (), ("20{16..23}0###",)),
    Funder("Wenner-Gren Foundations", "SE", (), ("Wenner-Gren Foundation",), ("Postdoctoral Scholarship",),
           ("{UPD|FT|GFOh}20{17..23}-0{0|1}##",)),
    Funder("Novo Nordisk Foundation", "DK", ("NNF",), ("Novo Nordisk Fonden",),
           ("Distinguished Investigator", "Hallas-Møller Emerging Investigator", "Challenge Programme",
            "Laureate Research Grant"),
           ("NNF{16..23}{OC|SA|CC|SH}00{2..7}####",)),
    Funder("Independent Research Fund Denmark", "DK", ("DFF",), ("Danmarks Frie Forskningsfond",),
           ("Sapere Aude", "Research Project 1", "International Postdoc"),
           ("{DFF-|}{4..9}0{1|2|4|6}-00###{|A|B}", "0{1|2}3{5|6}-00###B")),
    Funder("Carlsberg Foundation", "DK", (), ("Carlsbergfondet",),
           ("Distinguished Associate Professor Fellowship", "Young Researcher Fellowship", "Semper Ardens"),
           ("CF{15..23}-0###",)),
    Funder("Villum Fonden", "DK", (), ("Villum Foundation", "VILLUM FONDEN"),
           ("Villum Investigator", "Villum Young Investigator", "Villum Experiment"),
           ("000{1|2|3|4}####", "{1|2|3|4}{0..9}###")),
    Funder("Danish National Research Foundation", "DK", ("DNRF",), ("Danmarks Grundforskningsfond",),
           ("Center of Excellence", "Niels Bohr Professorship"), ("DNRF{|-}1{0..5}#",)),
    Funder("Lundbeck Foundation", "DK", (), ("Lundbeckfonden",),
           ("Lundbeck Foundation Fellowship", "Ascending Investigator"), ("R{1|2|3}##-20{14..23}-{1..4}###",)),
    Funder("Innovation Fund Denmark", "DK", (), ("Innovationsfonden",), ("Grand Solutions",),
           ("{5..9}0{5|6|9}{0|7|8}-000##B",)),
    Funder("Research Council of Norway", "NO", ("RCN",), ("Norwegian Research Council", "Forskningsrådet"),
           ("FRIPRO", "Centres of Excellence", "Young Research Talents", "BIOTEK2021", "Centres for Research-based "
                                                                                     "Innovation"),
           ("2{2..9}####", "3{0..3}####")),
    Funder("Norwegian Cancer Society", "NO", (), ("Kreftforeningen",), (), ("{18..23}####",)),
    Funder("Academy of Finland", "FI", (), ("Research Council of Finland", "Suomen Akatemia"),
           ("Centre of Excellence", "Academy Research Fellow", "Finnish Flagship Programme"),
           ("{2|3}{0..5}{0..9}###",)),
    Funder("Business Finland", "FI", (), (), ("Co-Innovation", "Research to Business"),
           ("{1..9}###/31/20{16..23}",)),
    Funder("Sigrid Jusélius Foundation", "FI", (), ("Sigrid Juselius Foundation",), (), ("{18..23}####",)),
    Funder("Jane and Aatos Erkko Foundation", "FI", (), (), (), ("{170|180|190|200|210}{0|1}##",)),
    Funder("Icelandic Research Fund", "IS", (), ("Rannís",), ("Grant of Excellence", "Project Grant"),
           ("{1|2}{5..9}####-0{5|6}{1|2|3}", "2{0|1|2}####-0{5|6}{1|2|3}")),
)

_SOUTHERN_EUROPE = (
    Funder("Ministerio de Ciencia e Innovación", "ES", ("MICINN", "MCIN"),
           ("Spanish Ministry of Science and Innovation", "Ministry of Science and Innovation"),
           ("Severo Ochoa Programme for Centres of Excellence in R&D", "María de Maeztu Units of Excellence Programme",
            "Ramón y Cajal fellowship", "Juan de la Cierva fellowship", "FPI fellowship"),
           ("PID20{19..23}-1{0..4}####{GB|NB|OB|RB|GA}-{I00|C21|C22|C31}", "RTI2018-09####-{B|A}-{I00|C21|C22}",
            "{SEV|MDM}-20{15..17}-0{5|6|7}##", "CEX20{19..23}-000{7|8|9}##-{S|M}", "RYC20{17..22}-02####-I",
            "{IJC|FJC}20{18..21}-0{3|4}####-I", "PRE20{17..21}-08####")),
    Funder("Ministerio de Economía y Competitividad", "ES", ("MINECO",),
           ("Spanish Ministry of Economy and Competitiveness", "Spanish Ministerio de Economía y Competitividad"),
           ("Plan Estatal de Investigación Científica y Técnica y de Innovación", "Severo Ochoa Programme"),
           ("{FIS|MAT|CTQ|BFU|SAF|ESP|FPA|ENE|AYA|TIN}20{14..17}-{6|7|8|9}####-{P|R|C2-1-R|C3-2-R}",
            "BES-20{15..17}-07####", "{SEV|MDM}-20{14..17}-0{4|5|6|7}##")),
    Funder("Agencia Estatal de Investigación", "ES", ("AEI",), ("State Research Agency", "Spanish State Research "
                                                                                         "Agency"),
           ("Plan Estatal de Investigación Científica y Técnica y de Innovación",),
           ("PID20{19..23}-1{0..4}####{GB|NB|OB|RB}-{I00|C21|C22}", "PCI20{19..23}-1{0|1|2}####-2",
            "TED2021-1{2|3}####{B|A}-{I00|C21}")),
    Funder("Instituto de Salud Carlos III", "ES", ("ISCIII",), ("Carlos III Health Institute",),
           ("Fondo de Investigación Sanitaria", "Miguel Servet Program", "Sara Borrell", "CIBER", "Río Hortega"),
           ("{PI|CP|FI|CM|MV|DTS|CPII|JR}{16..23}/0{0|1|2}###", "CB{06|16}/{01|02|03|12}/00###",
            "RD{12|16}/00{0|1|2|3}#/00##")),
    Funder("Agència de Gestió d'Ajuts Universitaris i de Recerca", "ES", ("AGAUR",),
           ("Catalan Agency for Management of University and Research Grants",),
           ("Beatriu de Pinós", "FI-SDUR predoctoral program", "Consolidated Research Groups"),
           ("20{14|17|21} SGR {0|1}###", "20{18..22} FI_B{|1|2} 00###", "20{17..21} BP 00###")),
    Funder("Catalan Institution for Research and Advanced Studies", "ES", ("ICREA",), (),
           ("ICREA Academia", "ICREA Research Professor"), ("ICREA-{A|R}-20{15..23}",)),
    Funder("Junta de Andalucía", "ES", (), ("Regional Government of Andalusia",),
           ("PAIDI 2020", "FEDER Andalucía"), ("P18-{RT|FR|TP}-{1..5}###", "P20_0{0|1}###", "US-126{1..5}###")),
    Funder("Comunidad de Madrid", "ES", ("CAM",), ("Madrid Regional Government",),
           ("Atracción de Talento", "Programas de Actividades de I+D"),
           ("S20{13|18}/{NMT|BMD|TCS|EMT|BAA}-{2|3|4}###", "20{16..20}-T{1|2}/{IND|BIO|TIC|AMB|BMD}-{1|5|6|7|9}###")),
    Funder("BBVA Foundation", "ES", (), ("Fundación BBVA",),
           ("Leonardo Grant for Researchers and Cultural Creators",),
           ("{PR|BBM}{18..22}_{BIO|ECO|MAT|FIS|BMM}_0###",)),
    Funder("“la Caixa” Foundation", "ES", (),
           ("\"la Caixa\" Foundation", "la Caixa Foundation", "Fundación La Caixa"),
           ("Junior Leader fellowship", "Health Research call", "INPhINIT fellowship"),
           ("LCF/BQ/{PR|PI|DR}{18..23}/1{1|2}7{0|1|2}0###", "LCF/PR/HR{17..22}/5{2|1}1{6|7}00##", "HR{17..22}-00###")),
    Funder("Basque Government", "ES", (), ("Eusko Jaurlaritza", "Gobierno Vasco"), ("ELKARTEK", "IKERTALDE"),
           ("IT{9|1}{0..4}#-{16..22}", "KK-20{18..23}/000##", "PIBA_20{19..22}_1_00##")),
    Funder("Ikerbasque", "ES", (), ("Ikerbasque Basque Foundation for Science",), ("Ikerbasque Research Fellowship",),
           ("IKER-{17..23}-0##",)),
    Funder("Ministero dell'Istruzione, dell'Università e della Ricerca", "IT", ("MIUR",),
           ("Italian Ministry of Education, University and Research",),
           ("PRIN", "Dipartimenti di Eccellenza", "PON Ricerca e Innovazione", "FARE", "Rita Levi Montalcini program"),
           ("20{15|17}{@|#}{@|#}{@|#}{@|#}{@|#}{@|#}", "ARS01_00###", "PON03PE_00{1|2|3}##_{1|2}",
            "R{16|18}{A|B|C|D|E|F}{A|B|C|D|E|F|G|H}{A|B|C|D|E|F|G|H}{A|B|C|D|E|F|G|H}{2|3|4|5|6|7|8|9}")),
    Funder("Ministero dell'Università e della Ricerca", "IT", ("MUR",),
           ("Italian Ministry of University and Research",),
           ("PRIN 2022", "National Recovery and Resilience Plan", "NextGenerationEU"),
           ("{CN|ECS|IR}000000{1|2|3}#", "PE00000{0|1}#", "20{20|22}{@|#}{@|#}{@|#}{@|#}{@|#}{@|#}",
            "{B|D|E|F|H|J}{1..9}{1..9}{C|D|I|B}{20|21|22|23}00{0|1|2}###000{1..8}")),
    Funder("Istituto Nazionale di Fisica Nucleare", "IT", ("INFN",), ("National Institute for Nuclear Physics",),
           ("Iniziativa Specifica",), ("IS {TEONGRAV|QFT_HEP|GSS|STEFI|SFT|FLAG}",)),
    Funder("Fondazione AIRC per la Ricerca sul Cancro", "IT", ("AIRC",),
           ("Italian Association for Cancer Research", "Associazione Italiana per la Ricerca sul Cancro"),
           ("Investigator Grant", "My First AIRC Grant", "5x1000 special program"),
           ("IG {1|2}{0..9}###", "MFAG {1|2}####", "IG 20{17..23} ID {1|2}{0..9}###")),
    Funder("Fondazione Cariplo", "IT", (), ("Cariplo Foundation",), (), ("20{14..23}-{0|1|2}###",)),
    Funder("Fondazione Telethon", "IT", (), ("Telethon Foundation", "Telethon Italy"), (),
           ("{GGP|GSP|TIGEM}{14..23}{0|1|2}##",)),
    Funder("Agenzia Spaziale Italiana", "IT", ("ASI",), ("Italian Space Agency",), (),
           ("20{16..23}-{1|2|3}#-{H|HH}.0",)),
    Funder("Italian Ministry of Health", "IT", (), ("Ministero della Salute",), ("Ricerca Finalizzata",
                                                                                 "Ricerca Corrente"),
           ("{RF|GR|NET}-20{13..21}-1236####",)),
    Funder("Compagnia di San Paolo", "IT", ("CSP",), (), (), ("20{17..22}.{0|1|2}###", "ROL {1|2}####")),
    Funder("Fundação para a Ciência e a Tecnologia", "PT", ("FCT",),
           ("Portuguese Foundation for Science and Technology", "Foundation for Science and Technology"),
           ("Scientific Employment Stimulus", "PhD fellowship", "Investigador FCT", "COMPETE 2020"),
           ("{UIDB|UIDP}/{0|5}{0|4}{0..9}##/2020", "PTDC/{BIA-MOL|QUI-QFI|FIS-MAC|EEI-TEL|CTM-CTM|MED-ONC}/{2|3}####/"
                                                    "20{16|17}", "SFRH/{BD|BPD}/1{0..4}####/20{14..19}",
            "CEECIND/0{0..4}###/20{17|18}", "20{20..23}.0{0..9}###.{CEECIND|BD|PTDC}")),
    Funder("Hellenic Foundation for Research and Innovation", "GR", ("HFRI", "H.F.R.I."), ("ELIDEK",),
           ("Research Projects to support Faculty members and Researchers", "Post-Doctoral Researchers"),
           ("HFRI-FM{17|20}-{0..4}###", "{1..9}###")),
)

_CENTRAL_EASTERN_EUROPE = (
    Funder("Austrian Science Fund", "AT", ("FWF",), ("Fonds zur Förderung der wissenschaftlichen Forschung",),
           ("START programme", "Stand-Alone project", "Erwin Schrödinger Fellowship", "Lise Meitner Programme",
            "Special Research Programme", "Doctoral Programme"),
           ("P {2|3}{0..9}###-N{2|3}#", "P{2|3}{0..5}###", "{I|J} {3|4|5}###-N{|2|3}", "{Y|W|F} 1{0..5}{0..9}#",
            "10.55776/{P|Y|F|I|J}{3|4|5}####")),
    Funder("Austrian Research Promotion Agency", "AT", ("FFG",),
           ("Österreichische Forschungsförderungsgesellschaft",),
           ("COMET", "Bridge"), ("8{4..9}{0..9}###",)),
    Funder("Vienna Science and Technology Fund", "AT", ("WWTF",), ("Wiener Wissenschafts-, Forschungs- und "
                                                                   "Technologiefonds",),
           ("Vienna Research Groups for Young Investigators", "Life Sciences call"),
           ("{LS|VRG|MA|ICT|CS|ESR}{14..23}-0##",)),
    Funder("Austrian Academy of Sciences", "AT", ("ÖAW", "OeAW"), (), ("DOC Fellowship", "APART-USA Fellowship"),
           ("{DOC|APART} 2####",)),
    Funder("National Science Centre", "PL", ("NCN",), ("Narodowe Centrum Nauki", "National Science Centre, Poland",
                                                      "Polish National Science Centre"),
           ("OPUS", "SONATA", "SONATA BIS", "PRELUDIUM", "MAESTRO", "HARMONIA", "SONATINA"),
           ("{UMO-|}20{14..23}/{1|2|3|4}#/{A|B|C|D|E|F}/{ST|NZ|HS}{1..9}/0{0..4}###",)),
    Funder("Foundation for Polish Science", "PL", ("FNP",), ("Fundacja na rzecz Nauki Polskiej",),
           ("TEAM", "FIRST TEAM", "HOMING", "International Research Agendas", "START"),
           ("POIR.04.04.00-00-{1..6}{A|B|C|D|E|F}{0..9}#/{16..20}", "MAB/20{17..20}/{1..9}")),
    Funder("National Centre for Research and Development", "PL", ("NCBR",), ("Narodowe Centrum Badań i Rozwoju",),
           ("LIDER", "Smart Growth Operational Programme"),
           ("POIR.01.0{1|2}.0{0|1}-00-0###/{16..21}", "LIDER/{1|2|3}#/0###/L-{9|10|11}/{17..20}/NCBR/20{18..21}")),
    Funder("Czech Science Foundation", "CZ", ("GAČR", "GACR"), ("Grantová agentura České republiky", "GA ČR"),
           ("EXPRO", "JUNIOR STAR", "Standard Project"), ("{GA|GJ|}{17..23}-{0|1|2}####{S|Y|X|J|K|L}",)),
    Funder("Ministry of Education, Youth and Sports of the Czech Republic", "CZ", ("MEYS", "MŠMT"),
           ("Czech Ministry of Education, Youth and Sports",),
           ("Operational Programme Research, Development and Education", "Large Research Infrastructures",
            "INTER-EXCELLENCE", "National Sustainability Programme"),
           ("LM20{15|18|23}{1|0}{0..3}#", "LTA{USA|IN|UZ|CH}{17..21}###", "LQ1{5|6}0#",
            "CZ.02.1.01/0.0/0.0/{15|16|17}_0{0..9}#/000####")),
    Funder("National Research, Development and Innovation Office", "HU", ("NKFIH", "NKFI"),
           ("Hungarian National Research, Development and Innovation Office",),
           ("OTKA", "Thematic Excellence Programme", "New National Excellence Program"),
           ("{K|FK|PD|KKP|NN|ANN|SNN} 1{1..4}{0..9}###", "TKP202{0|1}-{EGA|NKTA|IKA|NVA}-{0..4}#",
            "ÚNKP-{19..23}-{3|4|5}-{BME|ELTE|SZTE|DE}-{1..4}##")),
    Funder("Russian Science Foundation", "RU", ("RSF",), ("Russian Scientific Foundation",),
           ("Presidential Program of Research Projects",), ("{14..23}-{1|2|4|7}{1..7}-{0..6}0###",)),
    Funder("Russian Foundation for Basic Research", "RU", ("RFBR",), (), (),
           ("{16..21}-{0|2|3|4|5|7|8}{1..9}-{0..9}0###",)),
    Funder("Ministry of Science and Higher Education of the Russian Federation", "RU", (),
           ("Russian Ministry of Science and Higher Education",), ("Priority 2030",),
           ("075-1{1|5}-20{19..23}-{1..9}##", "F{S|E}{W|Z|R|M}{R|N|A|F|E}-20{20..23}-00{0|1}#")),
    Funder("Estonian Research Council", "EE", ("ETAg",), ("Eesti Teadusagentuur",),
           ("Personal Research Funding", "Team Grant", "Mobilitas Pluss"),
           ("PRG{1..9}##", "PRG1{0..9}##", "PSG{1..9}##", "PUT{1..9}##", "IUT{1|2|3}#-{1..9}", "MOBTP{1..2}##")),
    Funder("Slovenian Research Agency", "SI", ("ARRS", "ARIS"),
           ("Javna agencija za raziskovalno dejavnost Republike Slovenije", "Slovenian Research and Innovation "
                                                                            "Agency"),
           ("Research Programme", "Research Project"), ("{P|N}{1..7}-0{0..9}##", "{J|Z}{1..7}-{1..9}###")),
    Funder("Croatian Science Foundation", "HR", ("HRZZ",), ("Hrvatska zaklada za znanost",),
           ("Installation Research Project", "Research Project", "Young Researchers' Career Development Project"),
           ("{IP|UIP|DOK|PZS}-20{14..22}-0{1..9}-{1..9}###",)),
    Funder("Executive Agency for Higher Education, Research, Development and Innovation Funding", "RO",
           ("UEFISCDI",), ("Romanian Executive Agency for Higher Education, Research, Development and Innovation "
                           "Funding",),
           ("Exploratory Research Projects", "Young Research Teams"),
           ("PN-III-P{1|4}-{ID-PCE|1.1-TE|1.1-PD|ID-PCCF|2.1-PED}-20{16..22}-{0|1|2|3}###",)),
    Funder("Ministry of Education, Science and Technological Development of the Republic of Serbia", "RS",
           ("MESTD",), ("Serbian Ministry of Education, Science and Technological Development",), (),
           ("451-03-{9|47|68}/20{20..23}-14/200{0|1|2}##", "{ON17|III4|TR3}{0..5}0{0..6}#")),
    Funder("Scientific and Technological Research Council of Turkey", "TR", ("TÜBİTAK", "TUBITAK"),
           ("Türkiye Bilimsel ve Teknolojik Araştırma Kurumu", "Scientific and Technological Research Council of "
                                                               "Türkiye"),
           ("1001 Program", "2218 National Postdoctoral Research Fellowship Program",
            "2232 International Fellowship for Outstanding Researchers"),
           ("1{15..23}{F|Z|M|E|C|S|R|Y|O|T}###", "1{15..23}{F|Z|M|E|C|S|R|Y|O|T}{1|2}###")),
)

_ASIA_MIDDLE_EAST_AFRICA = (
    Funder("Israel Science Foundation", "IL", ("ISF",), (),
           ("Personal Research Grant", "Israel Precision Medicine Partnership", "Research Center"),
           ("{1|2|3}{0..9}##/{15..23}", "{1..9}##/{15..23}")),
    Funder("United States–Israel Binational Science Foundation", "IL", ("BSF",),
           ("US-Israel Binational Science Foundation", "Binational Science Foundation",
            "United States-Israel Binational Science Foundation"), (), ("20{14..23}{1..7}##",)),
    Funder("Israel Ministry of Science and Technology", "IL", (), ("Ministry of Science and Technology, Israel",),
           (), ("3-1{4..8}{0..9}##",)),
    Funder("King Abdullah University of Science and Technology", "SA", ("KAUST",), (),
           ("Competitive Research Grant", "Office of Sponsored Research"),
           ("OSR-20{16..21}-CRG{5..9}-{3|4}###", "{URF|BAS|REI}/1/{3|4}###-0{1|2}-01")),
    Funder("King Khalid University", "SA", ("KKU",), ("Deanship of Scientific Research at King Khalid University",),
           ("Large Groups Project", "Small Groups Project"),
           ("RGP.{1|2}/{1..9}##/4{1..5}", "RGP{1|2}/{1..9}##/4{1..5}")),
    Funder("Princess Nourah bint Abdulrahman University", "SA", ("PNU",), (),
           ("Researchers Supporting Project",), ("PNURSP20{22..24}R{1|2|3}##",)),
    Funder("King Saud University", "SA", ("KSU",), ("Deanship of Scientific Research, King Saud University",),
           ("Researchers Supporting Project",), ("RSP-20{19..21}/{1|2|3}##", "RSPD20{23|24}R{5..9}##",
                                                 "RSP20{22..24}R{1..9}##")),
    Funder("Qatar National Research Fund", "QA", ("QNRF",), (), ("National Priorities Research Program",),
           ("NPRP{8|9|10|11|12|13}{S|C|X}-0{1|2|3}##-{17..20}0###", "NPRP{8|9}-{1..9}##-{1|2|3}-0##")),
    Funder("National Research Foundation (South Africa)", "ZA", ("NRF",),
           ("National Research Foundation of South Africa", "South African National Research Foundation"),
           ("South African Research Chairs Initiative", "Thuthuka", "Competitive Programme for Rated Researchers"),
           ("{1|9}{0..3}{0..9}###", "UID {1|9}{0..3}{0..9}###")),
    Funder("South African Medical Research Council", "ZA", ("SAMRC",), (), ("Self-Initiated Research Grant",),
           ("SAMRC-RFA-{EMU|IFSP|UFSP}-0{1|2}-20{13..19}",)),
    Funder("African Academy of Sciences", "INT", ("AAS",), (), ("DELTAS Africa Initiative",),
           ("DEL-{15|22}-0##", "GCA/{GC|DD|MNCH}/rnd{1..6}/0##")),
    Funder("Science and Technology Development Fund", "EG", ("STDF",), ("Egyptian Science and Technology Development "
                                                                        "Fund",),
           (), ("{2|3|4}{0..9}###",)),
    Funder("Iran National Science Foundation", "IR", ("INSF",), (), (), ("{9|4}{6..9}0{0..9}####", "4001{0..9}##")),
    Funder("National Research Foundation, Singapore", "SG", ("NRF Singapore",),
           ("National Research Foundation Singapore", "National Research Foundation, Prime Minister's Office, "
                                                      "Singapore"),
           ("Competitive Research Programme", "NRF Fellowship", "NRF Investigatorship", "CREATE programme"),
           ("NRF-{CRP|NRFF}{11..23}-20{17..23}-000#", "NRF-NRFI{05..09}-20{19..23}-000#")),
    Funder("Ministry of Education, Singapore", "SG", ("MOE",), ("Singapore Ministry of Education",),
           ("Academic Research Fund Tier 1", "Academic Research Fund Tier 2", "Academic Research Fund Tier 3"),
           ("MOE20{17..19}-T{1|2|3}-{1|2}-{0|1}##", "MOE-T2EP{10|20|30|50}1{20..23}-00##", "RG{1..9}#/{17..23}")),
    Funder("Agency for Science, Technology and Research", "SG", ("A*STAR",), ("A*STAR Singapore",),
           ("Career Development Fund", "Industry Alignment Fund", "AME Programmatic Fund"),
           ("A{18..21}{83|E5|H7|G8|B3}c00##", "{H|M}{17..21}/01/a0/{0|B}##", "C2{1|2}0812###")),
    Funder("Ministry of Higher Education Malaysia", "MY", ("MOHE",), ("Malaysian Ministry of Higher Education",),
           ("Fundamental Research Grant Scheme",),
           ("FRGS/1/20{17..23}/{STG|TK|SKK|SS|WAB}0{1..9}/{UKM|UM|USM|UPM|UTM|UTP}/0{1|2}/{1|2|3}",)),
    Funder("Thailand Research Fund", "TH", ("TRF",), (), ("Research Career Development Grant",),
           ("{RSA|MRG|RTA|DBG}{58..63}{8|0}0###",)),
    Funder("National Foundation for Science and Technology Development", "VN", ("NAFOSTED",),
           ("Vietnam National Foundation for Science and Technology Development",), (),
           ("10{1..8}.{01|02|03|05|99}-20{16..23}.{1..9}#",)),
    Funder("Higher Education Commission of Pakistan", "PK", ("HEC",), ("Higher Education Commission, Pakistan",),
           ("National Research Program for Universities",),
           ("{5..8}###/{Punjab|Sindh|KPK|Federal}/NRPU/R&D/HEC/20{16..21}", "20-{1|2}####/NRPU/R&D/HEC/20{21..23}")),
)

FUNDERS: tuple[Funder, ...] = (
    *_UNITED_STATES, *_UNITED_KINGDOM, *_EUROPE_WIDE, *_GERMANY, *_FRANCE, *_CHINA, *_JAPAN, *_KOREA, *_INDIA,
    *_CANADA, *_AUSTRALASIA, *_LATIN_AMERICA, *_SWITZERLAND_BENELUX, *_NORDIC, *_SOUTHERN_EUROPE,
    *_CENTRAL_EASTERN_EUROPE, *_ASIA_MIDDLE_EAST_AFRICA,
)


def _holds_a_letter(pattern: str) -> bool:
    """Whether every id `pattern` generates holds a letter: all-digit formats ("{15..24}#####") name no funder."""
    return any(token == "@" or token.isalpha() if isinstance(token, str)
               else all(any(char == "@" or char.isalpha() for char in alternative) for alternative in token)
               for token in _parse(pattern))


@functools.cache
def _lettered_formats() -> dict[str, tuple[int, re.Pattern[str]]]:
    """Each surface form (case folded) of a funder with lettered id formats -> the funder's index in `FUNDERS` and
    one regex over its ids, written without spaces, `-` and `/`, as the scorer compares them."""
    formats: dict[str, tuple[int, re.Pattern[str]]] = {}
    for index, funder in enumerate(FUNDERS):
        patterns = [pattern_regex(re.sub(r"[-/ ]", "", pattern)) for pattern in funder.id_patterns
                    if _holds_a_letter(pattern)]
        if patterns:
            regex = re.compile("|".join(f"(?:{pattern})" for pattern in patterns))
            for surface in funder.surface_forms:
                formats.setdefault(surface.casefold(), (index, regex))
    return formats


def award_id_issuer(name: str, compact_award_id: str) -> int | None:
    """The index in `FUNDERS` of the funder named `name` (a surface form, perhaps followed by its bracketed
    acronym) where it issues ids of the shape of `compact_award_id` (upper case; no spaces, `-` or `/`) by a
    lettered format of its own; None otherwise."""
    formats = _lettered_formats()
    issuer = formats.get(name.casefold()) or formats.get(name.split(" (")[0].casefold())
    return issuer[0] if issuer is not None and issuer[1].fullmatch(compact_award_id) else None
