#!/usr/bin/env python3
"""FEBRL-style de-duplication data generator (independent of the engine).

Written from the published description of the FEBRL data set generator
(P. Christen, "Probabilistic data generation for deduplication and data
linkage", IDEAL 2005) and of its successor GeCo (P. Christen and D. Vatsalan,
"Flexible and extensible generation and corruption of personal data",
CIKM 2013).  No code was copied; see README.md beside this file.

    python3 make.py --records N --seed S --out-dir DIR [--show-pairs K]

writes DIR/febrl_like_N.csv (records, rows shuffled) and
DIR/febrl_like_N_truth.csv (id,entity_id for every record).

Outline, as in the description of dsgen:
  1. build frequency tables ("look-up tables") of values once, here from Faker
     (locale en_AU) draws, and give them a skewed (Zipf-like) frequency;
  2. draw the original records field by field from these tables, with some
     fields left empty;
  3. for randomly chosen originals draw a number of duplicates (0..9,
     1 + truncated Poisson), until the wanted number of duplicates is reached;
  4. each duplicate is a copy of its original with 1..3 modifications, at most
     2 in one field, each of a type drawn from that field's own table of
     modification types and probabilities.
"""

import argparse
import csv
import datetime
import math
import os
import random
import re
import resource
import sys
import time
from itertools import accumulate

FIELDS = [
    "given_name", "surname", "street_number", "address_1", "address_2",
    "suburb", "postcode", "state", "date_of_birth", "soc_sec_id",
]
GN, SN, STNO, AD1, AD2, SUB, PC, ST, DOB, SSID = range(len(FIELDS))

# --------------------------------------------------------------------------
# Parameters (all in one place so the README can quote them)
# --------------------------------------------------------------------------
MAX_DUPS_PER_ORIGINAL = 9
DUP_POISSON_LAMBDA = 0.8          # number of dups = 1 + Poisson(0.8), max 9
MAX_MODS_PER_RECORD = 3           # uniform 1..3
MAX_MODS_PER_FIELD = 2
EMPTY_ADDRESS_2 = 0.10            # share of originals with empty address_2
EMPTY_OTHER = 0.05                # per other field, share of originals empty
REFERENCE_DATE = datetime.date(2026, 1, 1)   # ages are counted to this day

# Pool sizes (Faker draws) and Zipf exponents of the frequency tables
N_NAME_DRAWS = 60_000            # Faker's own name weights give the skew
N_STREETS, ZIPF_STREETS = 30_000, 0.6
N_LOCALITIES, ZIPF_LOCALITIES = 8_000, 0.7
N_ADDRESS_2, ZIPF_ADDRESS_2 = 20_000, 0.5
N_NUMBER_DRAWS = 50_000

# Which field a modification falls on (dsgen: field-level selection probs).
FIELD_WEIGHTS = {
    GN: 0.18, SN: 0.18, STNO: 0.06, AD1: 0.10, AD2: 0.06,
    SUB: 0.08, PC: 0.08, ST: 0.04, DOB: 0.12, SSID: 0.10,
}

# State shares roughly as the Australian population.
STATE_WEIGHTS = [("nsw", 32), ("vic", 26), ("qld", 20), ("wa", 11),
                 ("sa", 7), ("tas", 2), ("act", 2), ("nt", 1)]
STATES = [s for s, _ in STATE_WEIGHTS]

# Street types: most real addresses use a handful of them.  Faker's en_AU
# list has 200 types drawn uniformly, so a common type replaces Faker's with
# this probability.
COMMON_STREET_TYPES = [
    ("street", 35), ("road", 15), ("avenue", 8), ("drive", 8), ("court", 6),
    ("place", 6), ("crescent", 5), ("parade", 3), ("close", 3),
    ("circuit", 3), ("lane", 3), ("terrace", 2), ("way", 2), ("grove", 1),
]
P_COMMON_STREET_TYPE = 0.85

PROPERTY_WORDS = [
    "house", "park", "lodge", "cottage", "village", "gardens", "farm",
    "estate", "downs", "homestead", "manor", "court", "towers", "apartments",
    "retirement village", "caravan park", "hostel", "station", "vale", "hill",
]

# --------------------------------------------------------------------------
# Own rule tables for the corruptions
# --------------------------------------------------------------------------
KEY_ROWS = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"]


def _keyboard_neighbours():
    pos = {}
    for r, row in enumerate(KEY_ROWS):
        for c, ch in enumerate(row):
            pos[ch] = (r, c)
    nb = {}
    for ch, (r, c) in pos.items():
        cand = [(r, c - 1), (r, c + 1), (r - 1, c), (r - 1, c + 1),
                (r + 1, c - 1), (r + 1, c)]
        out = []
        for rr, cc in cand:
            if 0 <= rr < len(KEY_ROWS) and 0 <= cc < len(KEY_ROWS[rr]):
                out.append(KEY_ROWS[rr][cc])
        nb[ch] = out
    # Letters only get letter neighbours, digits only digit neighbours
    # (number row plus numeric keypad).
    keypad = {"7": "84", "8": "795", "9": "86", "4": "751", "5": "8462",
              "6": "953", "1": "420", "2": "5130", "3": "62", "0": "12"}
    letters = {}
    digits = {}
    for ch, out in nb.items():
        if ch.isalpha():
            letters[ch] = [o for o in out if o.isalpha()]
        else:
            d = [o for o in out if o.isdigit()] + list(keypad[ch])
            digits[ch] = list(dict.fromkeys(d))
    return letters, digits


LETTER_NB, DIGIT_NB = _keyboard_neighbours()

# OCR-like confusions (pattern, replacement).  Text fields may get digits
# (as scanned forms do); numeric fields only digit/digit confusions.
OCR_TEXT = [
    ("m", "rn"), ("rn", "m"), ("w", "vv"), ("cl", "d"), ("d", "cl"),
    ("l", "1"), ("1", "l"), ("o", "0"), ("0", "o"), ("s", "5"), ("5", "s"),
    ("i", "l"), ("l", "i"), ("b", "6"), ("g", "9"), ("z", "2"), ("e", "c"),
    ("c", "e"), ("h", "b"), ("u", "v"), ("n", "h"), ("ri", "n"),
]
OCR_DIGIT = [
    ("0", "8"), ("8", "0"), ("1", "7"), ("7", "1"), ("3", "8"), ("8", "3"),
    ("5", "6"), ("6", "5"), ("6", "8"), ("8", "6"), ("9", "4"), ("4", "9"),
]

# Phonetic spelling variants (regex, replacement).
PHONETIC = [(re.compile(p), r) for p, r in [
    ("ph", "f"), ("(?<=[aeiou])f", "ph"), ("ck", "k"), ("ck", "c"),
    ("(?<=[aeiou])k$", "ck"), ("^c(?=[aou])", "k"), ("^k(?=[aou])", "c"),
    ("(?<=[^aeiou])y$", "ie"), ("ie$", "y"), ("ey$", "y"), ("ey$", "ie"),
    ("(?<=[^aeiou])y$", "ey"),
    ("ee", "ea"), ("ea", "ee"), ("ou", "ow"), ("ai", "ay"), ("ay", "ai"),
    ("z", "s"), ("(?<=[aeiou])s(?=[aeiou])", "z"), ("^th", "t"),
    ("son$", "sen"), ("sen$", "son"), ("^mac", "mc"), ("^mc", "mac"),
    ("ei", "ie"), ("(?<=.)ie(?=.)", "ei"), ("wh", "w"), ("^kn", "n"),
    ("x", "ks"), ("ks", "x"), ("qu", "kw"), ("ith", "yth"), ("yth", "ith"),
    ("i(?=[^aeiou]$)", "y"), ("an$", "en"), ("en$", "an"), ("tch", "ch"),
    ("(?<=[aeiou])ce$", "se"), ("ll", "l"), ("nn", "n"), ("tt", "t"),
    ("ss", "s"), ("rr", "r"), ("mm", "m"), ("pp", "p"), ("ff", "f"),
    ("(?<=[aeiou])l(?=[aeiouy])", "ll"), ("(?<=[aeiou])n(?=[aeiouy])", "nn"),
    ("(?<=[aeiou])t(?=[aeiouy])", "tt"), ("(?<=[aeiou])r(?=[aeiouy])", "rr"),
    ("ine$", "yne"), ("or$", "er"), ("er$", "a"), ("ah$", "a"),
    ("(?<=[^aeiou])a$", "ah"), ("dg", "j"), ("gh", "g"), ("oo", "u"),
]]

# Nicknames (own small table, both directions are used).
NICKNAMES = {
    "william": ["bill", "will", "billy", "liam"], "robert": ["bob", "rob", "bobby"],
    "elizabeth": ["liz", "beth", "betty", "lizzie"], "margaret": ["maggie", "peg", "marge"],
    "katherine": ["kate", "kathy", "katie"], "catherine": ["cathy", "kate", "cath"],
    "kathleen": ["kath", "kathy"], "james": ["jim", "jimmy", "jamie"],
    "john": ["jack", "johnny"], "michael": ["mick", "mike", "mikey"],
    "christopher": ["chris", "kit"], "matthew": ["matt"], "daniel": ["dan", "danny"],
    "thomas": ["tom", "tommy"], "joseph": ["joe", "joey"], "richard": ["rick", "dick", "rich"],
    "anthony": ["tony"], "jennifer": ["jen", "jenny"], "jessica": ["jess", "jessie"],
    "rebecca": ["becky", "bec"], "samantha": ["sam", "sammy"], "alexander": ["alex", "xander"],
    "benjamin": ["ben", "benny"], "nicholas": ["nick", "nicky"], "jonathan": ["jon", "jonny"],
    "patricia": ["pat", "trish", "patty"], "susan": ["sue", "susie"], "deborah": ["deb", "debbie"],
    "kimberly": ["kim"], "stephanie": ["steph"], "victoria": ["vicky", "tori"],
    "andrew": ["andy", "drew"], "timothy": ["tim", "timmy"], "edward": ["ed", "ted", "eddie"],
    "david": ["dave", "davey"], "steven": ["steve"], "stephen": ["steve"], "peter": ["pete"],
    "gregory": ["greg"], "jacqueline": ["jackie"], "nathan": ["nate"], "zachary": ["zac", "zach"],
    "charlotte": ["charlie", "lottie"], "isabella": ["bella", "izzy"], "olivia": ["liv", "livvy"],
    "christine": ["chris", "chrissy"], "jeffrey": ["jeff"], "ronald": ["ron", "ronnie"],
    "donald": ["don", "donny"], "kenneth": ["ken", "kenny"], "raymond": ["ray"],
    "lawrence": ["larry"], "frederick": ["fred", "freddie"], "barbara": ["barb", "babs"],
    "dorothy": ["dot", "dottie"], "amanda": ["mandy"], "pamela": ["pam"],
    "cynthia": ["cindy"], "madison": ["maddie"], "abigail": ["abby"], "gabriel": ["gabe"],
    "samuel": ["sam", "sammy"], "joshua": ["josh"], "jacob": ["jake"], "alexandra": ["alex", "lexie"],
    "theresa": ["tess", "terri"], "gerald": ["gerry"], "douglas": ["doug"], "harold": ["harry"],
    "henry": ["harry", "hank"], "charles": ["charlie", "chuck"], "brittany": ["britt"],
}
NICK_REVERSE = {}
for _full, _nicks in NICKNAMES.items():
    for _n in _nicks:
        NICK_REVERSE.setdefault(_n, []).append(_full)

# Address word abbreviations (full -> short; both directions are used).
ABBREV = {
    "street": "st", "road": "rd", "avenue": "ave", "drive": "dr", "court": "ct",
    "place": "pl", "crescent": "cres", "parade": "pde", "close": "cl",
    "circuit": "cct", "lane": "ln", "terrace": "tce", "highway": "hwy",
    "boulevard": "bvd", "grove": "gr", "square": "sq", "esplanade": "esp",
    "parkway": "pkwy", "mount": "mt", "saint": "st", "north": "nth",
    "south": "sth", "port": "pt", "lake": "lk", "unit": "u", "apartment": "apt",
    "level": "lvl", "suite": "ste", "flat": "f", "village": "vlg",
    "gardens": "gdns", "house": "hse", "estate": "est", "apartments": "apts",
    "caravan": "cvn", "retirement": "ret",
}
ABBREV_REVERSE = {}
for _full, _short in ABBREV.items():
    ABBREV_REVERSE.setdefault(_short, _full)   # "st" -> "street" (first one)


# --------------------------------------------------------------------------
# Value pools
# --------------------------------------------------------------------------
def _counts_table(draws):
    counts = {}
    for v in draws:
        counts[v] = counts.get(v, 0) + 1
    values = list(counts)
    return values, list(accumulate(counts[v] for v in values))


def _zipf_table(values, s):
    return values, list(accumulate(1.0 / (i + 1) ** s for i in range(len(values))))


def _state_of_postcode(pc):
    p = int(pc)
    if pc[0] == "0":
        return "nt" if p >= 800 else "act"
    if 2600 <= p <= 2618 or 2900 <= p <= 2920:
        return "act"
    return {"1": "nsw", "2": "nsw", "3": "vic", "8": "vic", "4": "qld",
            "9": "qld", "5": "sa", "6": "wa", "7": "tas"}[pc[0]]


def _clean(s):
    return " ".join(s.lower().replace(".", "").split())


def build_pools(seed, rng):
    from faker import Faker
    fake = Faker("en_AU")
    fake.seed_instance(seed)
    pools = {}
    # Names: Faker's en_AU person data (US census weights) is already skewed,
    # so the frequency table is simply the counts of many draws.
    pools["given"] = _counts_table(_clean(fake.first_name()) for _ in range(N_NAME_DRAWS))
    pools["surname"] = _counts_table(_clean(fake.last_name()) for _ in range(N_NAME_DRAWS))
    # Street numbers: Faker's building_number ('#', '##', '###') favours
    # small numbers; frequency table of the draws.
    nums = []
    for _ in range(N_NUMBER_DRAWS):
        n = int(fake.building_number())
        if n > 0:
            nums.append(str(n))
    pools["street_number"] = _counts_table(nums)
    # Streets: Faker street names, type replaced by a common one mostly.
    types, type_w = zip(*COMMON_STREET_TYPES)
    type_cw = list(accumulate(type_w))
    streets = {}
    while len(streets) < N_STREETS:
        name = _clean(fake.street_name())
        base, _, stype = name.partition(" ")
        if fake.random.random() < P_COMMON_STREET_TYPE:
            stype = fake.random.choices(types, cum_weights=type_cw)[0]
        streets[f"{base} {stype}"] = None
    pools["address_1"] = _zipf_table(list(streets), ZIPF_STREETS)
    # Localities: suburb (Faker city), state by population, postcode from
    # Faker redrawn until it lies in that state's range.
    st_names, st_w = zip(*STATE_WEIGHTS)
    st_cw = list(accumulate(st_w))
    locs = []
    for _ in range(N_LOCALITIES):
        state = fake.random.choices(st_names, cum_weights=st_cw)[0]
        while True:
            pc = fake.postcode()
            if _state_of_postcode(pc) == state:
                break
        locs.append((_clean(fake.city()), pc, state))
    pools["locality"] = _zipf_table(locs, ZIPF_LOCALITIES)
    # address_2: half unit/flat/level (Faker secondary_address), half
    # property or building names.
    ad2 = {}
    while len(ad2) < N_ADDRESS_2:
        if fake.random.random() < 0.5:
            v = _clean(fake.secondary_address())
            if "/" in v:            # "12/" is a prefix form, not an address_2
                continue
            word, _, num = v.partition(" ")
            v = f"{word} {int(num)}"
        else:
            k = fake.random.random()
            stem = (fake.last_name() if k < 0.5 else
                    fake.city() if k < 0.8 else fake.first_name())
            v = f"{_clean(stem)} {fake.random.choice(PROPERTY_WORDS)}"
        ad2[v] = None
    ad2 = list(ad2)
    rng.shuffle(ad2)   # mix kinds before ranks are given
    pools["address_2"] = _zipf_table(ad2, ZIPF_ADDRESS_2)
    return pools


# --------------------------------------------------------------------------
# Originals
# --------------------------------------------------------------------------
def _age_weights():
    # flat to 60, falling to 0.15 at 90 (rough population pyramid)
    return list(accumulate(1.0 if a <= 60 else 1.0 - 0.85 * (a - 60) / 30 for a in range(91)))


def make_originals(n_org, pools, rng):
    def draw(name):
        values, cw = pools[name]
        return rng.choices(values, cum_weights=cw, k=n_org)

    given = draw("given")
    surname = draw("surname")
    stno = draw("street_number")
    ad1 = draw("address_1")
    ad2 = draw("address_2")
    loc = draw("locality")
    ages = rng.choices(range(91), cum_weights=_age_weights(), k=n_org)
    ssids = rng.sample(range(1_000_000, 10_000_000), n_org)   # unique, 7 digits
    ref = REFERENCE_DATE.toordinal()
    recs = []
    rnd = rng.random
    for i in range(n_org):
        dob = datetime.date.fromordinal(ref - 1 - int((ages[i] + rnd()) * 365.25))
        sub, pc, st = loc[i]
        r = [given[i], surname[i], stno[i], ad1[i], ad2[i], sub, pc, st,
             dob.strftime("%Y%m%d"), str(ssids[i])]
        for f in range(len(FIELDS)):
            if rnd() < (EMPTY_ADDRESS_2 if f == AD2 else EMPTY_OTHER):
                r[f] = ""
        recs.append(r)
    return recs


def dup_counts(n_org, n_dup, rng):
    """dsgen-like: originals in random order each get 1 + Poisson(lambda)
    (max 9) duplicates until n_dup are allocated; the rest get none."""
    lam = DUP_POISSON_LAMBDA
    pmf = [math.exp(-lam) * lam ** k / math.factorial(k) for k in range(MAX_DUPS_PER_ORIGINAL)]
    draws = rng.choices(range(1, MAX_DUPS_PER_ORIGINAL + 1), cum_weights=list(accumulate(pmf)), k=n_org)
    order = list(range(n_org))
    rng.shuffle(order)
    counts = [0] * n_org
    left = n_dup
    for j, i in enumerate(order):
        if left == 0:
            break
        counts[i] = min(draws[j], left)
        left -= counts[i]
    while left:   # only for tiny N: top up one at a time
        for i in order:
            if left and counts[i] < MAX_DUPS_PER_ORIGINAL:
                counts[i] += 1
                left -= 1
    return counts


# --------------------------------------------------------------------------
# Modifications.  Each takes (rng, value) and returns a new value (or None
# when it does not apply to this value).
# --------------------------------------------------------------------------
def _pick_pos(rng, n, lo=0):
    # dsgen makes errors rarer at the start of a value
    p = rng.randrange(lo, n)
    if p == 0 and n > 1 and rng.random() < 0.7:
        p = rng.randrange(1, n)
    return p


def _neighbour(rng, ch):
    if ch in LETTER_NB:
        return rng.choice(LETTER_NB[ch])
    if ch in DIGIT_NB:
        return rng.choice(DIGIT_NB[ch])
    return None


def typo_insert(rng, v):
    if not v:
        return None
    p = _pick_pos(rng, len(v) + 1)
    ref = v[p - 1] if p > 0 else v[0]
    ch = _neighbour(rng, ref) if rng.random() < 0.7 else (ref if ref.isalnum() else None)
    if ch is None:
        ch = rng.choice("0123456789") if ref.isdigit() else rng.choice("abcdefghijklmnopqrstuvwxyz")
    return v[:p] + ch + v[p:]


def typo_delete(rng, v):
    if len(v) < 2:
        return None
    p = _pick_pos(rng, len(v))
    if v[p] == " ":
        return None
    return v[:p] + v[p + 1:]


def typo_substitute(rng, v):
    cand = [i for i, c in enumerate(v) if c.isalnum()]
    if not cand:
        return None
    p = cand[_pick_pos(rng, len(cand))]
    ch = _neighbour(rng, v[p])
    if ch is None:
        return None
    return v[:p] + ch + v[p + 1:]


def typo_transpose(rng, v):
    cand = [i for i in range(len(v) - 1) if v[i] != v[i + 1] and v[i] != " " and v[i + 1] != " "]
    if not cand:
        return None
    p = cand[_pick_pos(rng, len(cand))]
    return v[:p] + v[p + 1] + v[p] + v[p + 2:]


def typo_space(rng, v):
    # delete an existing space, or insert one inside a word
    if " " in v and rng.random() < 0.5:
        idx = [i for i, c in enumerate(v) if c == " "]
        p = rng.choice(idx)
        return v[:p] + v[p + 1:]
    if len(v) < 4:
        return None
    p = rng.randrange(2, len(v) - 1)
    if v[p] == " " or v[p - 1] == " ":
        return None
    return v[:p] + " " + v[p:]


def _ocr(rng, v, table):
    hits = [(a, b) for a, b in table if a in v]
    if not hits:
        return None
    a, b = rng.choice(hits)
    idx = [m.start() for m in re.finditer(re.escape(a), v)]
    p = rng.choice(idx)
    return v[:p] + b + v[p + len(a):]


def ocr_text(rng, v):
    return _ocr(rng, v, OCR_TEXT)


def ocr_digit(rng, v):
    return _ocr(rng, v, OCR_DIGIT)


def phonetic(rng, v):
    hits = []
    for rx, rep in PHONETIC:
        for m in rx.finditer(v):
            hits.append((m, rep))
    if not hits:
        return None
    m, rep = rng.choice(hits)
    out = v[:m.start()] + rep + v[m.end():]
    return out if out and out != v else None


def nickname(rng, v):
    if v in NICKNAMES:
        return rng.choice(NICKNAMES[v])
    if v in NICK_REVERSE:
        return rng.choice(NICK_REVERSE[v])
    return None


def abbreviate(rng, v):
    toks = v.split(" ")
    cand = [i for i, t in enumerate(toks) if t in ABBREV or t in ABBREV_REVERSE]
    if not cand:
        return None
    i = rng.choice(cand)
    t = toks[i]
    toks[i] = ABBREV[t] if t in ABBREV else ABBREV_REVERSE[t]
    return " ".join(toks)


def missing(rng, v):
    return "" if v else None


def digit_change(rng, v):
    cand = [i for i, c in enumerate(v) if c.isdigit()]
    if not cand:
        return None
    p = rng.choice(cand)
    if rng.random() < 0.6:
        ch = rng.choice(DIGIT_NB[v[p]])
    else:
        ch = rng.choice([d for d in "0123456789" if d != v[p]])
    return v[:p] + ch + v[p + 1:]


def other_state(rng, v):
    return rng.choice([s for s in STATES if s != v])


def _valid_dob(s):
    if len(s) != 8 or not s.isdigit():
        return False
    try:
        d = datetime.date(int(s[:4]), int(s[4:6]), int(s[6:]))
    except ValueError:
        return False
    return datetime.date(1925, 1, 1) <= d < REFERENCE_DATE


def dob_swap_day_month(rng, v):
    y, m, d = v[:4], v[4:6], v[6:]
    if m == d or int(d) > 12:
        return None
    return y + d + m


def dob_digit(rng, v):
    for _ in range(10):
        p = rng.randrange(2, 8)        # century digits are rarely mistyped
        ch = rng.choice(DIGIT_NB[v[p]]) if rng.random() < 0.5 else rng.choice("0123456789")
        out = v[:p] + ch + v[p + 1:]
        if out != v and _valid_dob(out):
            return out
    return None


def dob_transpose(rng, v):
    for _ in range(5):
        out = typo_transpose(rng, v)
        if out and _valid_dob(out):
            return out
    return None


TYPO = [(typo_insert, "ins"), (typo_delete, "del"), (typo_substitute, "sub"), (typo_transpose, "trans")]


def _typos(w):
    return [(f, n, w / 4) for f, n in TYPO]


SWAP_NAMES = "swap_names"   # handled in corrupt()

# field -> list of (function, label, weight)
MODS = {
    GN: _typos(0.34) + [(ocr_text, "ocr", 0.08), (phonetic, "phon", 0.16),
                        (missing, "miss", 0.06), (SWAP_NAMES, "swap_gn_sn", 0.08),
                        (nickname, "nick", 0.25), (typo_space, "space", 0.03)],
    SN: _typos(0.42) + [(ocr_text, "ocr", 0.10), (phonetic, "phon", 0.28),
                        (missing, "miss", 0.06), (SWAP_NAMES, "swap_gn_sn", 0.08),
                        (typo_space, "space", 0.06)],
    STNO: _typos(0.55) + [(ocr_digit, "ocr", 0.10), (missing, "miss", 0.35)],
    AD1: _typos(0.38) + [(ocr_text, "ocr", 0.08), (abbreviate, "abbr", 0.30),
                         (phonetic, "phon", 0.06), (missing, "miss", 0.12), (typo_space, "space", 0.06)],
    AD2: _typos(0.35) + [(ocr_text, "ocr", 0.08), (abbreviate, "abbr", 0.15),
                         (missing, "miss", 0.36), (typo_space, "space", 0.06)],
    SUB: _typos(0.46) + [(ocr_text, "ocr", 0.08), (phonetic, "phon", 0.18),
                         (abbreviate, "abbr", 0.06), (missing, "miss", 0.16), (typo_space, "space", 0.06)],
    PC: [(digit_change, "digit", 0.50), (typo_transpose, "trans", 0.15),
         (ocr_digit, "ocr", 0.10), (missing, "miss", 0.25)],
    ST: [(missing, "miss", 0.50), (other_state, "other", 0.30),
         (typo_transpose, "trans", 0.10), (typo_substitute, "sub", 0.10)],
    DOB: [(dob_swap_day_month, "swap_dm", 0.30), (dob_digit, "digit", 0.45),
          (dob_transpose, "trans", 0.05), (missing, "miss", 0.20)],
    SSID: [(typo_substitute, "sub", 0.35), (typo_transpose, "trans", 0.20),
           (typo_insert, "ins", 0.05), (typo_delete, "del", 0.05),
           (ocr_digit, "ocr", 0.10), (missing, "miss", 0.25)],
}
MODS_CW = {f: (mods, list(accumulate(w for _, _, w in mods))) for f, mods in MODS.items()}
FIELD_IDX = list(FIELD_WEIGHTS)
FIELD_CW = list(accumulate(FIELD_WEIGHTS[f] for f in FIELD_IDX))


def corrupt(org, rng, stats):
    """A duplicate of org with 1..MAX_MODS_PER_RECORD modifications."""
    choices = rng.choices
    while True:
        rec = list(org)
        per_field = [0] * len(FIELDS)
        n_mods = rng.randint(1, MAX_MODS_PER_RECORD)
        labels = []
        tries = 0
        while len(labels) < n_mods and tries < 60:
            tries += 1
            f = choices(FIELD_IDX, cum_weights=FIELD_CW)[0]
            if per_field[f] >= MAX_MODS_PER_FIELD or not rec[f]:
                continue
            mods, cw = MODS_CW[f]
            fn, label, _ = choices(mods, cum_weights=cw)[0]
            if fn is SWAP_NAMES:
                if (per_field[GN] >= MAX_MODS_PER_FIELD or per_field[SN] >= MAX_MODS_PER_FIELD
                        or not rec[GN] or not rec[SN] or rec[GN] == rec[SN]):
                    continue
                rec[GN], rec[SN] = rec[SN], rec[GN]
                per_field[GN] += 1
                per_field[SN] += 1
            else:
                new = fn(rng, rec[f])
                if new is None or new == rec[f]:
                    continue
                rec[f] = new
                per_field[f] += 1
                if not new:
                    per_field[f] = MAX_MODS_PER_FIELD   # nothing left to modify
            labels.append(f"{FIELDS[f]}:{label}")
        if rec != org and labels:
            for lab in labels:
                stats[lab] = stats.get(lab, 0) + 1
            return rec, labels


# --------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--show-pairs", type=int, default=0,
                    help="print K random original/duplicate pairs as a markdown table")
    a = ap.parse_args()
    if a.records < 2:
        sys.exit("--records must be at least 2")
    t0 = time.time()
    rng = random.Random(a.seed)
    n_dup = a.records // 2
    n_org = a.records - n_dup

    pools = build_pools(a.seed, rng)
    t_pools = time.time() - t0
    originals = make_originals(n_org, pools, rng)
    counts = dup_counts(n_org, n_dup, rng)

    rows = []      # (rec_id, entity_id, fields)
    stats = {}
    dup_labels = {}
    for i, org in enumerate(originals):
        rows.append((f"rec-{i}-org", i, org))
        for j in range(counts[i]):
            rec, labels = corrupt(org, rng, stats)
            rid = f"rec-{i}-dup-{j}"
            rows.append((rid, i, rec))
            dup_labels[rid] = labels
    rng.shuffle(rows)

    os.makedirs(a.out_dir, exist_ok=True)
    rec_path = os.path.join(a.out_dir, f"febrl_like_{a.records}.csv")
    truth_path = os.path.join(a.out_dir, f"febrl_like_{a.records}_truth.csv")
    with open(rec_path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["rec_id"] + FIELDS)
        w.writerows([rid] + rec for rid, _, rec in rows)
    with open(truth_path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["id", "entity_id"])
        w.writerows((rid, ent) for rid, ent, _ in rows)
    elapsed = time.time() - t0

    pairs = sum((k + 1) * k // 2 for k in counts)
    hist = [0] * (MAX_DUPS_PER_ORIGINAL + 1)
    for k in counts:
        hist[k] += 1
    import faker
    print(f"records      {len(rows)}  (originals {n_org}, duplicates {n_dup})")
    print(f"entities     {n_org}")
    print(f"true pairs   {pairs}")
    print(f"dups/original histogram 0..9: {hist}")
    print(f"seconds      {elapsed:.1f} (pools {t_pools:.1f})")
    print(f"peak RSS MB  {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
    print(f"faker        {faker.VERSION}, python {sys.version.split()[0]}")
    print(f"wrote        {rec_path}\n             {truth_path}")
    total = sum(stats.values())
    print(f"modifications {total} ({total / max(n_dup, 1):.2f} per duplicate):")
    for lab, c in sorted(stats.items(), key=lambda kv: -kv[1]):
        print(f"  {lab:32s} {c:8d}  {100 * c / total:5.1f}%")

    if a.show_pairs:
        by_id = {rid: rec for rid, _, rec in rows}
        show_rng = random.Random(a.seed + 1)
        dup_ids = sorted(dup_labels, key=lambda s: (int(s.split("-")[1]), s))
        for rid in show_rng.sample(dup_ids, min(a.show_pairs, len(dup_ids))):
            oid = rid.split("-dup-")[0] + "-org"
            print(f"\n{oid} vs {rid}: {', '.join(dup_labels[rid])}\n")
            print("| field | original | duplicate |\n|---|---|---|")
            for f, name in enumerate(FIELDS):
                o, d = by_id[oid][f], by_id[rid][f]
                mark = " **≠**" if o != d else ""
                print(f"| {name} | {o} | {d}{mark} |")


if __name__ == "__main__":
    main()
