#!/usr/bin/env python3
"""Independent evaluation set for family tracing (see SPEC.md next to this file).

  python3 make_set.py [--seed 20261204] [--out DIR]

Writes DIR/registry.csv (6,000 registered persons), DIR/requests.csv (1,500 tracing
requests) and DIR/truth.csv (1,000 true links, with the phenomena of each pair).
Python 3.11 standard library only; the output depends only on the seed.
Every person is synthetic: names are drawn from the inventories below, written for this set
from the sources cited in SPEC.md. Nothing here comes from the SafePath engine or its generator.
"""
import argparse
import csv
import os
import random
import unicodedata
from datetime import date, timedelta

SEED = 20261204
N_REGISTRY = 6000
N_REQUESTS = 1500
N_TRUE = 1000
COLUMNS = ["id", "given_name", "family_name", "sex", "birth_date", "age", "record_date",
           "nationality", "place", "id_number"]
LAST_DAY = date(2026, 11, 30)

# ---------------------------------------------------------------- inventories
# Vietnamese [VN]: family names with approximate shares (per cent).
VI_FAMILY = [("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Hoàng", 3), ("Huỳnh", 2),
             ("Phan", 4.5), ("Vũ", 2), ("Võ", 1.9), ("Đặng", 2.1), ("Bùi", 2), ("Đỗ", 1.4),
             ("Hồ", 1.3), ("Ngô", 1.3), ("Dương", 1), ("Lý", 0.5), ("Đinh", 0.6), ("Trương", 0.6),
             ("Lương", 0.4), ("Mai", 0.4), ("Cao", 0.3), ("Tạ", 0.2), ("Đoàn", 0.4), ("Trịnh", 0.4),
             ("Lâm", 0.3), ("Hà", 0.4), ("Vương", 0.2), ("Châu", 0.2)]
VI_MIDDLE = {"M": [("Văn", 50), ("Đức", 10), ("Minh", 10), ("Quang", 8), ("Hữu", 8), ("Công", 6),
                   ("Ngọc", 4), ("Thanh", 4)],
             "F": [("Thị", 55), ("Ngọc", 10), ("Thu", 8), ("Thanh", 8), ("Kim", 7), ("Mỹ", 5),
                   ("Hồng", 4), ("Bích", 3)]}
VI_GIVEN = {"M": "Hùng Dũng Tuấn Hiếu Nam Long Phong Quân Thắng Sơn Hải Hưng Cường Khánh Bảo Tài "
                 "Trung Vinh Đạt Tâm Huy Thành Phúc Lộc Hoàng Kiên Duy Tùng Hậu Tiến".split(),
            "F": "Lan Hoa Hương Mai Linh Trang Thảo Ngân Hạnh Nhung Hằng Yến Phương Thủy Oanh Loan "
                 "Nga Dung Trinh Vy Nhi Hà Huyền Giang Nhàn Tuyết Diệp Quyên Liên Thơm".split()}
VI_HOME = "Út Bé Tí Tèo Cún Bông Mít Su Bi Ốc".split()

# Thai [TH], [RTGS]: (Thai script, RTGS, common personal/phonetic spellings).
TH_GIVEN = {
    "M": [("สมชาย", "Somchai", ["Somchay"]), ("สมศักดิ์", "Somsak", ["Somsuk", "Somsack"]),
          ("ประเสริฐ", "Prasoet", ["Prasert", "Prasirt"]), ("สุชาติ", "Suchat", ["Suchart", "Suchad"]),
          ("วีระ", "Wira", ["Weera", "Veera"]), ("ธีระ", "Thira", ["Teera", "Theera"]),
          ("อนุชา", "Anucha", ["Anuchar"]), ("กิตติ", "Kitti", ["Kittee", "Gitti"]),
          ("ณัฐพล", "Natthaphon", ["Nattapon", "Nuttapol", "Natthapol"]),
          ("ชัยวัฒน์", "Chaiwat", ["Chaiwath", "Chaiwatt"]), ("วันชัย", "Wanchai", ["Vanchai", "Wanchay"]),
          ("อำนาจ", "Amnat", ["Amnart", "Umnard"]), ("สุนทร", "Sunthon", ["Soonthorn", "Sunthorn"]),
          ("ไพโรจน์", "Phairot", ["Pairoj", "Phairoj"]), ("เฉลิม", "Chaloem", ["Chalerm"]),
          ("บุญมี", "Bunmi", ["Boonmee", "Boonmi"]), ("ทองดี", "Thongdi", ["Tongdee", "Thongdee"]),
          ("สมพงษ์", "Somphong", ["Sompong"]), ("ประพันธ์", "Praphan", ["Prapan", "Praphun"]),
          ("สุรชัย", "Surachai", ["Surachay", "Soorachai"]), ("อภิชาติ", "Aphichat", ["Apichart", "Apichat"]),
          ("ธนากร", "Thanakon", ["Tanakorn", "Thanakorn"]), ("ปิยะ", "Piya", ["Piyah"]),
          ("มานพ", "Manop", ["Manob"]), ("วิชัย", "Wichai", ["Vichai", "Wichay"]),
          ("เกียรติศักดิ์", "Kiattisak", ["Kiatisak", "Kiettisak"]),
          ("ศุภชัย", "Suphachai", ["Supachai", "Suppachai"]), ("ยุทธนา", "Yutthana", ["Yuttana", "Yuthana"]),
          ("เอกชัย", "Ekkachai", ["Ekachai", "Aekkachai"]), ("พงศกร", "Phongsakon", ["Pongsakorn", "Phongsakorn"])],
    "F": [("สุภาพร", "Suphaphon", ["Supaporn", "Suphaporn"]), ("พรทิพย์", "Phonthip", ["Porntip", "Pornthip"]),
          ("วิไลวรรณ", "Wilaiwan", ["Vilaiwan", "Wilaiwun"]), ("กัญญา", "Kanya", ["Kunya", "Ganya"]),
          ("อรุณี", "Aruni", ["Arunee"]), ("จันทร์เพ็ญ", "Chanphen", ["Janpen", "Chanpen"]),
          ("ศิริพร", "Siriphon", ["Siriporn", "Sirriporn"]), ("นภา", "Napha", ["Napa", "Naphaa"]),
          ("ปราณี", "Prani", ["Pranee"]), ("มาลี", "Mali", ["Malee"]),
          ("รัตนา", "Rattana", ["Ratana", "Rattanaa"]), ("สมหญิง", "Somying", ["Somyin"]),
          ("เพ็ญศรี", "Phensi", ["Pensri", "Phensri"]), ("เกศินี", "Kesini", ["Kesinee", "Gesinee"]),
          ("ดวงใจ", "Duangchai", ["Duangjai", "Duangchay"]), ("จิราพร", "Chiraphon", ["Jiraporn", "Chiraporn"]),
          ("ศรีสุดา", "Sisuda", ["Srisuda"]), ("นงลักษณ์", "Nonglak", ["Nongluck", "Nongluk"]),
          ("สายสุนีย์", "Saisuni", ["Saisunee", "Saisunie"]), ("อัมพร", "Amphon", ["Amporn", "Umporn"]),
          ("บุษบา", "Butsaba", ["Budsaba", "Bussaba"]), ("ประภา", "Prapha", ["Prapa", "Praphaa"]),
          ("วันเพ็ญ", "Wanphen", ["Wanpen", "Vanpen"]), ("ลำดวน", "Lamduan", ["Lumduan", "Lamdoun"]),
          ("อรทัย", "Orathai", ["Oratai", "Orrathai"]), ("ทองใบ", "Thongbai", ["Tongbai", "Thongbay"]),
          ("สมใจ", "Somchai", ["Somjai", "Somjay"]), ("ปัทมา", "Patthama", ["Pattama", "Pathama"]),
          ("ชนิดา", "Chanida", ["Chaneeda", "Janida"]), ("ธิดารัตน์", "Thidarat", ["Tidarat", "Thidarath"])],
}
# Surname elements, combined two by two into compound surnames.
TH_SURNAME_PARTS = [
    ("ศรี", "si", ["sri", "see"]), ("สุข", "suk", ["sook"]), ("แก้ว", "kaeo", ["kaew", "keaw"]),
    ("ทอง", "thong", ["tong"]), ("บุญ", "bun", ["boon"]), ("คำ", "kham", ["kum", "kam"]),
    ("แสง", "saeng", ["sang", "seang"]), ("จันทร์", "chan", ["jan", "chand"]), ("วงศ์", "wong", ["vong", "wongse"]),
    ("ใจ", "chai", ["jai"]), ("ดี", "di", ["dee"]), ("มา", "ma", ["mah"]), ("มณี", "mani", ["manee"]),
    ("ชัย", "chai", ["chay"]), ("พร", "phon", ["porn", "pon"]), ("รัตน์", "rat", ["rath", "rut"]),
    ("สวัสดิ์", "sawat", ["sawad", "sawasdi"]), ("เพชร", "phet", ["petch", "pet"]), ("อินทร์", "in", ["inn"]),
    ("เรือง", "rueang", ["ruang", "reung"]), ("สมบูรณ์", "sombun", ["somboon"]),
    ("ประเสริฐ", "prasoet", ["prasert"]), ("ศักดิ์", "sak", ["sakdi", "suk"]), ("ไทย", "thai", ["tai"]),
    ("วิเศษ", "wiset", ["visate", "wiseth"]), ("ทรัพย์", "sap", ["sub", "sup"]),
    ("เจริญ", "charoen", ["charern", "jaroen"]), ("นาค", "nak", ["nark", "naak"]), ("พันธ์", "phan", ["pan", "phun"]),
    ("ภักดี", "phakdi", ["pakdee", "phakdee"]), ("สิงห์", "sing", ["singh"]), ("ชาติ", "chat", ["chart"]),
    ("ปัญญา", "panya", ["punya"]), ("กุล", "kun", ["kul", "kool"]), ("เงิน", "ngoen", ["ngern"]),
    ("ยอด", "yot", ["yod"]), ("อ่อน", "on", ["orn"]), ("สาย", "sai", ["sai"]), ("ธรรม", "tham", ["thum", "tum"]),
    ("พงษ์", "phong", ["pong"])]
TH_NICK = [("นก", ["Nok"]), ("เล็ก", ["Lek", "Lex"]), ("น้อย", ["Noi", "Noy"]), ("นิด", ["Nid", "Nit"]),
           ("ส้ม", ["Som"]), ("เปิ้ล", ["Ple", "Pearl"]), ("แดง", ["Daeng", "Dang"]), ("ดำ", ["Dam", "Dum"]),
           ("หมู", ["Mu", "Moo"]), ("กุ้ง", ["Kung", "Koong"]), ("นุ่น", ["Nun", "Noon"]), ("ปู", ["Pu", "Poo"]),
           ("ต้อม", ["Tom"]), ("จอย", ["Joy"]), ("หนิง", ["Ning"]), ("อ้อ", ["O", "Aor"]), ("ตุ๊ก", ["Tuk", "Took"]),
           ("ฝน", ["Fon", "Fhon"]), ("บี", ["Bi", "Bee"]), ("แอน", ["Aen", "Ann"])]
TH_TITLE = {  # (script, RTGS, English)
    "nai": ("นาย", "Nai", "Mr"), "nang": ("นาง", "Nang", "Mrs"), "nangsao": ("นางสาว", "Nangsao", "Miss")}

# Khmer [KH]: family names and given names as syllable units, each with spellings.
KM_FAMILY = [["Sok"], ["Chea", "Chear"], ["Kim"], ["Heng"], ["Ly", "Lee"], ["Lim"], ["Chan", "Chann"],
             ["Keo", "Kaev", "Keov"], ["Meas", "Meah"], ["Sam"], ["Yim"], ["Pich", "Pech"], ["Touch", "Toch"],
             ["Nhem", "Nhim"], ["Prak"], ["Chhun", "Chun"], ["Mao"], ["Ouk", "Uk"], ["Seng"], ["Sun", "Soun"],
             ["Hem"], ["Phan"], ["Nget"], ["Long"], ["Sor", "So"], ["Khun"], ["Vong"], ["Hout", "Hut"],
             ["Tep"], ["Ros", "Ross"]]
KM_GIVEN = {
    "F": [[["Srey", "Srei", "Sray"], ["Mom", "Mum"]], [["Srey", "Srei"], ["Neang", "Nieng"]],
          [["Srey", "Srei"], ["Pov", "Pove"]], [["Srey", "Srei"], ["Leak", "Leakh"]],
          [["Srey", "Srei"], ["Roth", "Rath"]], [["Chan", "Chann"], ["Thou", "Thu", "Tou"]],
          [["Chan"], ["Nary", "Nari"]], [["Sophea", "Sopheah"]], [["Sopheap", "Sopheab"]],
          [["Bopha", "Bupha"]], [["Kunthea", "Kunthear"]], [["Leakhena", "Leakena"]],
          [["Raksmey", "Reaksmey", "Raksmei"]], [["Thida", "Theda"]], [["Dara"]], [["Sokha", "Sokhar"]],
          [["Vanna", "Vana"]], [["Malis", "Maliss"]], [["Phalla", "Phala"]], [["Sothea", "Sotheat"]],
          [["Kolab", "Kulab"]], [["Chenda", "Chendar"]], [["Sok"], ["Kunthea", "Kunthear"]],
          [["Bo"], ["Pha", "Phea"]]],
    "M": [[["Vannak", "Vanak"]], [["Rithy", "Rithi", "Ritthy"]], [["Sovann", "Sovan"]],
          [["Vuthy", "Vuthi", "Wuthy"]], [["Pisey", "Pisei", "Piseiy"]], [["Sam", "Sahm"], ["Nang", "Neang"]],
          [["Sophal", "Sophall"]], [["Chan", "Chann"], ["Tha", "Thar"]], [["Bun", "Boun"], ["Thoeun", "Thoeurn", "Thon"]],
          [["Sok"], ["Kun", "Koun"]], [["Veasna", "Veassna"]], [["Piseth", "Pisith"]], [["Rathana", "Ratana"]],
          [["Kosal", "Kossal"]], [["Makara", "Makkara"]], [["Visal", "Visall"]], [["Sam", "Samb"], ["Bath", "Bat"]],
          [["Dara"]], [["Sokha", "Sokhar"]], [["Vibol", "Vibul"]], [["Chhay", "Chay"]], [["Seyha", "Sayha"]],
          [["Bun", "Boun"], ["Heng", "Hieng"]], [["Sok"], ["Chea", "Chear"]]],
}

# Burmese [MM]: syllables with conventional spellings.
MY_SYL = {
    "M": [["Aung"], ["Kyaw", "Kyau"], ["Zaw", "Zau"], ["Htun", "Tun", "Htoon"], ["Win", "Winn"],
          ["Naing", "Nai"], ["Min", "Minn"], ["Soe", "So"], ["Thein", "Thane"], ["Oo", "U"], ["Myo", "Myoe"],
          ["Thant"], ["Htet", "Tet"], ["Lwin", "Lwinn"], ["Hlaing", "Laing"], ["Nyunt", "Nyunn"],
          ["Phyo", "Pyo"], ["Ye", "Yei"], ["Paing"], ["Khant", "Khan"], ["Nay", "Nei"], ["Lin", "Linn"],
          ["Hein", "Hain"], ["Kaung"], ["Zeya", "Zayar"]],
    "F": [["Khin", "Khinn"], ["Mya", "Myar"], ["Hnin", "Nhin"], ["Phyu", "Pyu"], ["Nwe", "Nway", "Nwai"],
          ["Aye", "Ei", "Aie"], ["Ei", "Eii"], ["Su", "Suu"], ["May", "Mei", "Me"], ["Yin", "Yinn"],
          ["Kyi", "Kyee"], ["Zar", "Zah"], ["Cho", "Chaw"], ["Lay", "Lei"], ["Nu", "Nuu"], ["Wint"],
          ["Yu", "Yuu"], ["Htwe", "Htway"], ["Shwe", "Shway"], ["Thuzar", "Thu Zar"], ["Hnaung"],
          ["Ngwe", "Ngway"], ["Yadanar", "Yadana"], ["Khaing", "Khine"], ["Sabai", "Zabai"]],
    "U": [["Myat", "Myatt"], ["Zin", "Zinn"], ["Thu", "Thuu"], ["San", "Sann"], ["Chan", "Chann"],
          ["Nyein", "Nyain"], ["Hla", "Hlah"], ["Tin", "Tinn"], ["Myint", "Myinn"], ["Thet", "Thett"],
          ["Pyae", "Pyay", "Pyei"], ["Moe", "Mo"], ["Thi", "Thee"], ["Tha", "Thar"], ["Dar", "Da"],
          ["Nan", "Nann"], ["Noe", "No"], ["Wai", "Wine"], ["Thiri", "Thirii"], ["Sandar", "Sanda"]],
    "karen": [["Paw", "Phaw"], ["Htoo", "Htu"], ["Say", "Sey"], ["Eh", "Eh"], ["Blu", "Bluu"], ["Mu", "Muu"],
              ["Lah", "La"], ["Gay", "Ge"]],
    "shan": [["Kham", "Khum"], ["Hseng", "Seng"], ["Leng", "Lieng"], ["Noom", "Num"], ["Hom", "Hawm"],
             ["Ngern", "Ngen"], ["Lao", "Lau"]],
}

# Indonesian [ID]: modern spelling; old spellings derived by old_spelling().
ID_GIVEN = {
    "M": "Agus Budi Joko Slamet Bambang Hendra Rudi Wahyu Yusuf Ahmad Muhammad Rahmat Dedi Eko Heri "
         "Sugeng Teguh Cahyo Suyanto Sutrisno Supriyadi Purnomo Haryanto Yudi Kurniawan Setiawan "
         "Santoso Hidayat Syaiful Junaidi".split(),
    "F": "Siti Sri Dewi Wati Yuni Suharti Sumiati Nurul Aminah Lestari Rahayu Wulan Fitri Ayu Ratna "
         "Indah Kartini Sulastri Tuti Endang Yanti Dian Rina Nurhayati Susanti Wahyuni Rahmawati "
         "Cahyani Juariah Khadijah Nuraini".split(),
}
ID_FIRST_OF_TWO = {"M": ["Muhammad", "Ahmad", "Agus", "Budi", "Eko", "Joko"],
                   "F": ["Siti", "Sri", "Dewi", "Nur", "Siti", "Sri"]}
ID_FATHER = ["Abdullah", "Ahmad", "Hasan", "Husein", "Ismail", "Ibrahim", "Sulaiman", "Usman", "Yusuf",
             "Abdul Rahman", "Mansur", "Salim", "Darmo", "Karto", "Sastro", "Wiryo", "Hadi", "Rasyid",
             "Jamal", "Zainal"]
ID_CALL = {"Rahmawati": "Wati", "Wahyuni": "Yuni", "Kurniawan": "Wawan", "Setiawan": "Wawan",
           "Sulastri": "Tri", "Muhammad": "Mamat", "Yusuf": "Ucup", "Slamet": "Met", "Susanti": "Santi",
           "Nurhayati": "Yati", "Bambang": "Bams", "Supriyadi": "Pri", "Sutrisno": "Tris", "Suyanto": "Yanto",
           "Haryanto": "Yanto", "Sumiati": "Mia", "Suharti": "Harti", "Khadijah": "Ijah", "Juariah": "Ria",
           "Cahyani": "Yani", "Kartini": "Tini", "Nuraini": "Aini", "Hidayat": "Dayat", "Syaiful": "Ipul",
           "Junaidi": "Jun", "Santoso": "Santo", "Purnomo": "Nomo", "Hendra": "Hen", "Rahmat": "Mamat",
           "Ahmad": "Amat", "Aminah": "Minah", "Lestari": "Tari", "Rahayu": "Ayu", "Endang": "Ndang"}

# Places of origin: (preferred, other spellings...).
PLACES = {
    "vi": [("Nghệ An", "Nghe An"), ("Thanh Hóa", "Thanh Hoa"), ("Hà Tĩnh", "Ha Tinh"),
           ("Quảng Bình", "Quang Binh"), ("Hải Phòng", "Hai Phong"), ("Lào Cai", "Lao Cai"),
           ("Điện Biên", "Dien Bien"), ("An Giang", "An Giang"), ("Đồng Tháp", "Dong Thap"),
           ("Sóc Trăng", "Soc Trang")],
    "th": [("เชียงราย", "Chiang Rai"), ("เชียงใหม่", "Chiang Mai"), ("พะเยา", "Phayao", "Payao"), ("น่าน", "Nan"),
           ("อุดรธานี", "Udon Thani", "Udonthani"), ("ขอนแก่น", "Khon Kaen", "Khonkaen"),
           ("หนองคาย", "Nong Khai", "Nongkhai"), ("นครพนม", "Nakhon Phanom", "Nakornpanom"), ("สุรินทร์", "Surin"),
           ("ศรีสะเกษ", "Si Sa Ket", "Sisaket")],
    "km": [("Kampong Cham", "Kompong Cham", "Kampong Chaam"), ("Battambang", "Batdambang"),
           ("Siem Reap", "Siemreab", "Siem Riep"), ("Prey Veng", "Prey Veaeng"), ("Svay Rieng", "Svay Rieng"),
           ("Banteay Meanchey", "Banteay Mean Chey"), ("Takeo", "Takev"), ("Kampot", "Kampot"),
           ("Kandal", "Kandal"), ("Pursat", "Pouthisat")],
    "my": [("Yangon", "Rangoon"), ("Mawlamyine", "Moulmein"), ("Bago", "Pegu"), ("Pathein", "Bassein"),
           ("Sittwe", "Akyab"), ("Dawei", "Tavoy"), ("Myawaddy", "Myawadi"), ("Hpa-An", "Pa-an", "Hpaan"),
           ("Taunggyi", "Taungyi"), ("Magway", "Magwe")],
    "id": [("Cianjur",), ("Cilacap",), ("Indramayu",), ("Sukabumi",), ("Cirebon",), ("Banyuwangi",),
           ("Lombok Timur",), ("Sumbawa",), ("Karawang",), ("Jember",)],
}
NATIONALITY = {"vi": "VNM", "th": "THA", "km": "KHM", "my": "MMR", "id": "IDN"}
CULTURES = [("my", 30), ("km", 20), ("vi", 20), ("th", 15), ("id", 15)]
MY_TOWNSHIPS = ["MaYaKa", "TaMaNa", "OuKaMa", "BaHaNa", "LaMaNa", "KaMaYa", "PaZaTa", "MaLaMa", "ThaHtaNa"]


# ---------------------------------------------------------------- helpers
def wchoice(rng, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs], k=1)[0]


def strip_marks(s):
    s = s.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))


def spell(rng, variants, fixed=None):
    """A spelling of one syllable/name: the first 60 % of the time, else another."""
    if fixed is not None:
        return variants[fixed]
    if len(variants) == 1 or rng.random() < 0.6:
        return variants[0]
    return rng.choice(variants[1:])


def old_spelling(word, oe_only=False):
    """Modern Indonesian spelling to the pre-1947/1972 one (inverse of Soewandi and EYD)."""
    out, i, low = [], 0, word.lower()
    while i < len(low):
        two = low[i:i + 2]
        if not oe_only and two in ("ny", "sy", "kh"):
            out.append({"ny": "nj", "sy": "sj", "kh": "ch"}[two])
            i += 2
            continue
        c = low[i]
        if c == "u":
            out.append("oe")
        elif oe_only:
            out.append(c)
        else:
            out.append({"c": "tj", "j": "dj", "y": "j"}.get(c, c))
        i += 1
    s = "".join(out)
    return s[:1].upper() + s[1:] if word[:1].isupper() else s


def age_on(dob, d):
    return d.year - dob.year - ((d.month, d.day) < (dob.month, dob.day))


def age_error(rng):
    return rng.choices([0, 1, 2, 3], weights=[45, 35, 15, 5])[0] * rng.choice([-1, 1])


def random_date(rng, lo, hi):
    return lo + timedelta(days=rng.randrange((hi - lo).days + 1))


def title_case(s):
    return " ".join(w[:1].upper() + w[1:].lower() for w in s.split(" "))


# ---------------------------------------------------------------- persons
def new_person(rng, culture=None, sibling_of=None):
    p = {}
    if sibling_of is not None:
        culture = sibling_of["culture"]
    p["culture"] = culture or wchoice(rng, CULTURES)
    c = p["culture"]
    p["sex"] = "F" if rng.random() < 0.6 else "M"
    if sibling_of is not None:
        gap = rng.randint(1, 6) * rng.choice([-1, 1])
        y = min(2012, max(1975, sibling_of["dob"].year + gap))
        p["dob"] = random_date(rng, date(y, 1, 1), date(y, 12, 31))
        p["place"] = sibling_of["place"]
    else:
        p["dob"] = random_date(rng, date(1975, 1, 1), date(2012, 12, 31))
        p["place"] = rng.randrange(len(PLACES[c]))
    sex = p["sex"]
    if c == "vi":
        p["fam"] = sibling_of["fam"] if sibling_of else wchoice(rng, VI_FAMILY)
        p["mid"] = wchoice(rng, VI_MIDDLE[sex]) if rng.random() < 0.92 else None
        p["giv"] = rng.choice(VI_GIVEN[sex])
        p["home"] = rng.choice(VI_HOME)
        p["id"] = "".join(rng.choice("0123456789") for _ in range(12))
    elif c == "th":
        p["giv"] = rng.randrange(len(TH_GIVEN[sex]))
        p["sur"] = sibling_of["sur"] if sibling_of else rng.sample(range(len(TH_SURNAME_PARTS)), 2)
        # the person's own (passport) spelling of each part, fixed for life
        g = TH_GIVEN[sex][p["giv"]]
        p["giv_own"] = 0 if rng.random() < 0.6 else rng.randrange(len(g[2]))
        p["sur_own"] = [0 if rng.random() < 0.6 else rng.randrange(len(TH_SURNAME_PARTS[i][2])) for i in p["sur"]]
        p["married_sur"] = None
        if sex == "F" and p["dob"].year < 1995 and rng.random() < 0.3:
            m = rng.sample(range(len(TH_SURNAME_PARTS)), 2)
            if m != p["sur"]:
                p["married_sur"] = m
                p["married_sur_own"] = [0 for _ in m]
                p["married_side"] = "reg" if rng.random() < 0.7 else "req"
        p["nick"] = rng.randrange(len(TH_NICK))
        d = "".join(rng.choice("0123456789") for _ in range(12))
        p["id"] = rng.choice("1358") + d
    elif c == "km":
        p["fam"] = sibling_of["fam"] if sibling_of else rng.randrange(len(KM_FAMILY))
        p["giv"] = rng.randrange(len(KM_GIVEN[sex]))
        p["id"] = "".join(rng.choice("0123456789") for _ in range(9))
    elif c == "my":
        p["group"] = sibling_of["group"] if sibling_of else wchoice(rng, [("bamar", 75), ("karen", 15), ("shan", 10)])
        n = wchoice(rng, [(1, 3), (2, 50), (3, 40), (4, 7)])
        pool = [(sex, i) for i in range(len(MY_SYL[sex]))] + [("U", i) for i in range(len(MY_SYL["U"]))]
        syl = []
        for _ in range(n):
            if p["group"] != "bamar" and rng.random() < 0.4:
                syl.append((p["group"], rng.randrange(len(MY_SYL[p["group"]]))))
            else:
                syl.append(rng.choice(pool))
        p["syl"] = syl
        st = rng.randint(1, 14)
        p["id"] = f"{st}/{rng.choice(MY_TOWNSHIPS)}(N){rng.randrange(10**6):06d}"
    else:  # id
        n = wchoice(rng, [(1, 45), (2, 45), (3, 10)])
        parts = []
        if n >= 2:
            parts.append(rng.choice(ID_FIRST_OF_TWO[sex]))
        while len(parts) < n:
            pool = ID_GIVEN[sex] if not parts else [w for w in ID_GIVEN[sex] if w not in ID_FIRST_OF_TWO[sex]]
            w = rng.choice(pool)
            if w not in parts:
                parts.append(w)
        if parts[0] == "Nur" and len(parts) == 1:
            parts = ["Nuraini"]
        p["parts"] = parts
        p["father"] = sibling_of["father"] if sibling_of else rng.choice(ID_FATHER)
        old_p = 0.40 if p["dob"].year < 1985 else 0.15
        p["old"] = rng.random() < old_p
        p["old_oe_only"] = rng.random() < 0.3
        p["old_sides"] = rng.choice(["both", "both", "reg", "req"])  # 0.5 both, else one side
        p["id"] = "".join(rng.choice("0123456789") for _ in range(16))
    return p


# ---------------------------------------------------------------- writing a person
def honorific(p, age):
    sex, g = p["sex"], p["group"]
    if g == "karen":
        return "Saw" if sex == "M" else "Naw"
    if g == "shan":
        return "Sai" if sex == "M" else "Nang"
    if sex == "M":
        return "Maung" if age < 20 else ("Ko" if age < 40 else "U")
    return "Ma" if age < 35 else "Daw"


def write_vi(rng, p, side):
    ch = {}
    fam, mid, giv = p["fam"], p["mid"], p["giv"]
    if side == "reg":
        style = wchoice(rng, [("native", 25), ("passport", 20), ("western_drop", 20), ("western_moved", 10),
                              ("full_one", 10), ("lastword", 15)])
        ch["nick"] = False
    else:
        style = "native"
        ch["nick"] = rng.random() < 0.08
        if ch["nick"]:
            giv = p["home"]
    diac = style == "native" and (side == "reg" or rng.random() < 0.6)
    if style == "full_one":
        diac = rng.random() < 0.3
    ch["diac"] = diac
    ch["caps"] = style == "passport"
    midpos = "none" if mid is None else "kept"
    if mid is not None:
        if style == "western_drop" or (side == "req" and (ch["nick"] or rng.random() < 0.15)):
            midpos = "dropped"
        elif style == "western_moved":
            midpos = "moved"
    ch["mid"] = midpos
    parts_given = {"kept": [mid, giv], "dropped": [giv], "moved": [giv, mid], "none": [giv]}[midpos]
    f = lambda s: s if diac else strip_marks(s)  # noqa: E731
    given = " ".join(f(x) for x in parts_given)
    family = f(fam)
    ch["order"] = "ok"
    if style == "full_one":
        given, family = " ".join(f(x) for x in [fam] + parts_given), ""
        ch["order"] = "one_field"
    elif style == "lastword":
        words = [f(x) for x in [fam] + parts_given]
        given, family = " ".join(words[:-1]), words[-1]
        ch["order"] = "swapped"
    if ch["caps"]:
        given, family = given.upper(), family.upper()
    return given, family, ch


def th_surname(p, which, scheme, rng):
    idxs = p["sur"] if which == "maiden" else p["married_sur"]
    own = p["sur_own"] if which == "maiden" else p["married_sur_own"]
    out = []
    for k, i in enumerate(idxs):
        scr, rt, pop = TH_SURNAME_PARTS[i]
        out.append({"script": scr, "rtgs": rt, "personal": pop[own[k]] if own[k] < len(pop) else pop[0],
                    "phonetic": rng.choice([rt] + pop)}[scheme])
    s = "".join(out)
    return s if scheme == "script" else s[:1].upper() + s[1:]


def write_th(rng, p, side):
    ch = {}
    sex = p["sex"]
    scr, rt, pop = TH_GIVEN[sex][p["giv"]]
    if side == "reg":
        scheme = wchoice(rng, [("script", 40), ("personal", 25), ("rtgs", 20), ("phonetic", 15)])
        caps = scheme == "personal"
        nick = False
        use_title = rng.random() < (0.5 if scheme == "script" else 0.15)
    else:
        scheme = wchoice(rng, [("script", 45), ("rtgs", 30), ("phonetic", 25)])
        caps = False
        nick = rng.random() < 0.12
        use_title = rng.random() < 0.3
    ch["scheme"], ch["caps"], ch["nick"] = scheme, caps, nick
    which = "maiden"
    if p["married_sur"] is not None and p["married_side"] == side:
        which = "married"
    ch["surname"] = which
    if nick:
        nscr, nlat = TH_NICK[p["nick"]]
        given = nscr if scheme == "script" else rng.choice(nlat)
    else:
        given = {"script": scr, "rtgs": rt, "personal": pop[p["giv_own"]], "phonetic": rng.choice([rt] + pop)}[scheme]
    family = th_surname(p, which, scheme, rng)
    ch["core"] = (given.lower(), family.lower())
    title = None
    if use_title:
        title = "nai" if sex == "M" else ("nang" if which == "married" else "nangsao")
        t_scr, t_rt, t_en = TH_TITLE[title]
        if scheme == "script":
            given = t_scr + given  # fused, as written in Thai
        else:
            given = (t_rt if rng.random() < 0.5 else t_en) + " " + given
    ch["title"] = title
    if caps:
        given, family = given.upper(), family.upper()
    return given, family, ch


def write_km(rng, p, side):
    ch = {}
    fam_v = KM_FAMILY[p["fam"]]
    units = KM_GIVEN[p["sex"]][p["giv"]]
    fi = 0 if (len(fam_v) == 1 or rng.random() < 0.6) else rng.randrange(1, len(fam_v))
    gi = [0 if (len(u) == 1 or rng.random() < 0.6) else rng.randrange(1, len(u)) for u in units]
    ch["spell"] = (fi, tuple(gi))
    joined = rng.random() < 0.6
    ch["joined"] = joined if len(units) > 1 else None
    ch["nick"] = False
    gparts = [u[i] for u, i in zip(units, gi)]
    if joined:
        given = gparts[0] + "".join(x.lower() for x in gparts[1:])
    else:
        given = " ".join(gparts)
    family = fam_v[fi]
    if side == "req" and rng.random() < 0.05:
        given, ch["nick"], ch["joined"] = gparts[-1], True, None
    if side == "reg":
        style = wchoice(rng, [("doc_caps", 35), ("family_first_one", 15), ("reversed", 20), ("proper", 30)])
    else:
        style = wchoice(rng, [("proper", 60), ("family_first_one", 25), ("caps", 15)])
    ch["caps"] = style in ("doc_caps", "caps")
    ch["order"] = {"family_first_one": "one_field", "reversed": "swapped"}.get(style, "ok")
    if style == "family_first_one":
        given, family = family + " " + given, ""
    elif style == "reversed":
        given, family = family, given
    if ch["caps"]:
        given, family = given.upper(), family.upper()
    return given, family, ch


def write_my(rng, p, side, age_for_honorific):
    ch = {}
    syl = list(p["syl"])
    ch["dropped"] = False
    ch["nick"] = False
    if side == "req" and len(syl) >= 3 and rng.random() < 0.10:
        syl = syl[1:] if rng.random() < 0.6 else syl[:-1]
        ch["dropped"] = True
    if side == "req" and rng.random() < 0.05:
        s = rng.choice(syl)
        syl = [s, s]
        ch["nick"] = True
    spells, words = [], []
    for pool, i in syl:
        v = MY_SYL[pool][i]
        k = 0 if (len(v) == 1 or rng.random() < 0.6) else rng.randrange(1, len(v))
        spells.append(k)
        words.append(v[k])
    ch["spell"] = tuple(spells) if not (ch["dropped"] or ch["nick"]) else None
    join = "none"
    if len(words) == 2 and rng.random() < 0.3:
        words = [words[0] + words[1].lower()]
        join = "all"
    elif len(words) >= 3 and rng.random() < 0.10:
        words = words[:-2] + [words[-2] + words[-1].lower()]
        join = "last2"
    ch["join"] = join if len(syl) >= 2 and not ch["nick"] else None
    hon = honorific(p, age_for_honorific)
    write_hon = rng.random() < (0.5 if side == "reg" else 0.6)
    ch["hon"] = hon if write_hon else None
    hon_text = ("Mg" if hon == "Maung" and rng.random() < 0.2 else hon) if write_hon else ""
    placement = "given"
    if side == "reg":
        placement = wchoice(rng, [("given", 50), ("last_in_family", 30), ("all_in_family", 20)])
    ch["placement"] = placement
    if placement == "given" or (placement == "last_in_family" and len(words) == 1 and not write_hon):
        given, family = " ".join(x for x in [hon_text] + words if x), ""
        ch["placement"] = "given"
    elif placement == "last_in_family":
        given, family = " ".join(x for x in [hon_text] + words[:-1] if x), words[-1]
    else:
        given, family = hon_text, " ".join(words)
    return given, family, ch


def id_word(w, old, oe_only, rng):
    nur = False
    if w.startswith("Nur"):
        rest = w[3:]
        if rng.random() < 0.3:
            head, nur = "Noor", True
        else:
            head = "Nur"
        if rest and rest != "ul" and rng.random() < 0.3:
            w, nur = head + " " + rest[:1].upper() + rest[1:], True
        else:
            w = head + rest
    if old:
        w = " ".join(old_spelling(x, oe_only) for x in w.split(" "))
    return w, nur


def write_id(rng, p, side):
    ch = {}
    old = p["old"] and p["old_sides"] in ("both", side)
    ch["old"] = old
    words, nurs = [], []
    for w in p["parts"]:
        x, n = id_word(w, old, p["old_oe_only"], rng)
        words.append(x)
        nurs.append((x, n))
    ch["nur"] = tuple(nurs) if any(w.startswith("Nur") for w in p["parts"]) else None
    ch["nick"] = False
    father = None
    if side == "reg":
        if rng.random() < 0.2:
            father = wchoice(rng, [("binfam", 40), ("binafter", 35), ("fatherfam", 25)])
    elif rng.random() < 0.1:
        father = "binafter"
    ch["father"] = father
    fword = old_spelling(p["father"], p["old_oe_only"]) if old else p["father"]
    bin_ = "bin" if p["sex"] == "M" else "binti"
    if side == "req" and rng.random() < 0.10:
        call = ID_CALL.get(p["parts"][-1]) or ID_CALL.get(p["parts"][0])
        if call:
            words, ch["nick"], ch["nur"] = [call], True, None
    if side == "reg":
        if len(words) == 1:
            box = wchoice(rng, [("family_only", 40), ("both", 20), ("fnu", 15), ("given_only", 25)])
        else:
            box = wchoice(rng, [("split", 50), ("given_only", 50)])
    else:
        box = "given_only" if len(words) == 1 else wchoice(rng, [("given_only", 60), ("split", 40)])
    ch["box"] = box
    if box == "family_only":
        given, family = "", words[0]
    elif box == "both":
        given, family = words[0], words[0]
    elif box == "fnu":
        given, family = words[0], "FNU"
    elif box == "split":
        given, family = words[0], " ".join(words[1:])
    else:
        given, family = " ".join(words), ""
    if father == "binfam":
        tail = f"{bin_} {fword}"
        family = f"{family} {tail}" if box in ("family_only", "split") else tail
    elif father == "fatherfam":
        if box == "family_only":
            given = family
        elif box == "split":
            given = " ".join(words)
        family = fword
    elif father == "binafter":  # after the whole name, wherever it ends
        if family and box == "split":
            family = f"{family} {bin_} {fword}"
        elif given:
            given = f"{given} {bin_} {fword}"
        else:
            family = f"{family} {bin_} {fword}"
    return given, family, ch


# ---------------------------------------------------------------- typing errors, ids, places
def typo(rng, s):
    idx = [i for i, c in enumerate(s) if c.isascii() and c.isalpha()]
    if len(idx) < 3:
        return None
    i = rng.choice(idx[1:])
    op = rng.choice(["sub", "del", "dup"])
    if op == "sub":
        c = rng.choice("aeiounmhtkrsl")
        c = c.upper() if s[i].isupper() else c
        if c == s[i].lower() or c == s[i]:
            return None
        return s[:i] + c + s[i + 1:]
    if op == "del":
        return s[:i] + s[i + 1:]
    return s[:i] + s[i] + s[i:]


def write_id_number(rng, p, wrong):
    s = p["id"]
    if wrong:
        digits = [i for i, c in enumerate(s) if c.isdigit()]
        i = rng.choice(digits)
        s = s[:i] + str((int(s[i]) + rng.randint(1, 9)) % 10) + s[i + 1:]
    if p["culture"] == "th" and rng.random() < 0.5:
        s = f"{s[0]}-{s[1:5]}-{s[5:10]}-{s[10:12]}-{s[12]}"
    if p["culture"] == "id" and rng.random() < 0.3:
        s = " ".join(s[i:i + 4] for i in range(0, 16, 4))
    return s


def write_place(rng, p, side, moved):
    c = p["culture"]
    i = p["place"]
    if moved:
        i = (i + rng.randint(1, len(PLACES[c]) - 1)) % len(PLACES[c])
    forms = list(PLACES[c][i])
    if c == "id":
        forms.append(old_spelling(forms[0]))
    if c == "th" and side == "req" and rng.random() < 0.5:
        return forms[0]
    if c == "th":
        forms = forms[1:]
    if len(forms) > 1 and rng.random() < 0.4:
        return rng.choice(forms[1:])
    return forms[0]


# ---------------------------------------------------------------- a record
def write_record(rng, p, side, rid):
    c = p["culture"]
    if side == "reg":
        lo = max(date(2015, 1, 1), date(min(p["dob"].year + 10, 2026), 1, 1))
    else:
        lo = max(date(2016, 1, 1), date(min(p["dob"].year + 10, 2026), 1, 1))
    rec_date = random_date(rng, lo, LAST_DAY)
    age_true = age_on(p["dob"], rec_date)
    if c == "vi":
        given, family, ch = write_vi(rng, p, side)
    elif c == "th":
        given, family, ch = write_th(rng, p, side)
    elif c == "km":
        given, family, ch = write_km(rng, p, side)
    elif c == "my":
        hage = age_true if side == "reg" else max(8, age_true - rng.randint(1, 8))
        given, family, ch = write_my(rng, p, side, hage)
    else:
        given, family, ch = write_id(rng, p, side)
    ch["typo"] = False
    if side == "req" and rng.random() < 0.05:
        box = "given" if given and (not family or rng.random() < 0.6) else "family"
        t = typo(rng, given if box == "given" else family)
        if t is not None:
            if box == "given":
                given = t
            else:
                family = t
            ch["typo"] = True
    # dates
    if side == "reg":
        kind = wchoice(rng, [("full", 55), ("ym", 5), ("y", 10), ("age", 30)])
    else:
        kind = wchoice(rng, [("full", 35), ("ym", 10), ("y", 20), ("age", 35)])
    ch["date_kind"] = kind
    ch["year_off"] = 0
    ch["swapped"] = False
    birth, age = "", ""
    if kind == "age":
        age = str(max(1, age_true + age_error(rng)))
    else:
        y, m, d = p["dob"].year, p["dob"].month, p["dob"].day
        if side == "req":
            r = rng.random()
            if r < 0.10:
                ch["year_off"] = 1
            elif r < 0.14:
                ch["year_off"] = 2
            y += ch["year_off"] * rng.choice([-1, 1])
        if kind == "full":
            if side == "req" and d <= 12 and d != m and rng.random() < 0.03:
                m, d = d, m
                ch["swapped"] = True
            birth = f"{y:04d}-{m:02d}-{d:02d}"
        elif kind == "ym":
            birth = f"{y:04d}-{m:02d}"
        else:
            birth = f"{y:04d}"
    sex = p["sex"] if rng.random() >= (0.03 if side == "reg" else 0.06) else ""
    nat = NATIONALITY[c] if rng.random() >= (0.15 if side == "reg" else 0.05) else ""
    place = ""
    ch["moved"] = False
    if rng.random() >= (0.30 if side == "reg" else 0.10):
        ch["moved"] = rng.random() < 0.10
        place = write_place(rng, p, side, ch["moved"])
    idn = ""
    if rng.random() < (0.40 if side == "reg" else 0.08):
        idn = write_id_number(rng, p, rng.random() < 0.10)
    row = {"id": rid, "given_name": given, "family_name": family, "sex": sex, "birth_date": birth,
           "age": age, "record_date": rec_date.isoformat(), "nationality": nat, "place": place,
           "id_number": idn}
    return row, ch


# ---------------------------------------------------------------- phenomena of a true pair
def phenomena(p, reg, rch, req, qch):
    c = p["culture"]
    t = {f"culture_{c}"}
    if c == "vi":
        name = " ".join(x for x in [p["fam"], p["mid"] or "", p["giv"]] if x)
        if rch["diac"] != qch["diac"] and strip_marks(name) != name:
            t.add("diacritics_lost")
        if rch["caps"] != qch["caps"]:
            t.add("capitals")
        mids = {rch["mid"], qch["mid"]}
        if "dropped" in mids and mids != {"dropped"}:
            t.add("middle_name_dropped")
        if "moved" in mids and "kept" in mids:
            t.add("middle_name_moved")
        if "swapped" in (rch["order"], qch["order"]):
            t.add("name_order")
        if "one_field" in (rch["order"], qch["order"]):
            t.add("full_name_one_field")
    elif c == "th":
        if (rch["scheme"] == "script") != (qch["scheme"] == "script"):
            t.add("thai_script_vs_roman")
        elif rch["scheme"] != "script" and not (rch["nick"] or qch["nick"]):
            gdiff = rch["core"][0] != qch["core"][0]
            fdiff = rch["surname"] == qch["surname"] and rch["core"][1] != qch["core"][1]
            if gdiff or fdiff:
                t.add("romanisation_variant")
        if rch["title"] != qch["title"]:
            t.add("thai_title")
        if rch["surname"] != qch["surname"]:
            t.add("surname_at_marriage")
        if rch["caps"] != qch["caps"]:
            t.add("capitals")
    elif c == "km":
        if rch["spell"] != qch["spell"]:
            t.add("romanisation_variant")
        if rch["joined"] is not None and qch["joined"] is not None and rch["joined"] != qch["joined"]:
            t.add("joined_split")
        if "swapped" in (rch["order"], qch["order"]):
            t.add("name_order")
        if rch["order"] != qch["order"] and "one_field" in (rch["order"], qch["order"]):
            t.add("full_name_one_field")
        if rch["caps"] != qch["caps"]:
            t.add("capitals")
    elif c == "my":
        if rch["hon"] and qch["hon"] and rch["hon"] != qch["hon"]:
            t.add("honorific_change")
        if bool(rch["hon"]) != bool(qch["hon"]):
            t.add("honorific_one_side")
        if rch["join"] is not None and qch["join"] is not None and rch["join"] != qch["join"]:
            t.add("joined_split")
        if qch["dropped"]:
            t.add("syllable_dropped")
        if rch["spell"] is not None and qch["spell"] is not None and rch["spell"] != qch["spell"]:
            t.add("romanisation_variant")
        if rch["placement"] != "given":
            t.add("burmese_name_in_family_box")
    else:
        if len(p["parts"]) == 1 and rch["box"] != qch["box"]:
            t.add("mononym_boxes")
        if len(p["parts"]) > 1 and rch["box"] != qch["box"] and not qch["nick"]:
            t.add("full_name_one_field")
        if bool(rch["father"]) != bool(qch["father"]):
            t.add("patronymic_added")
        if rch["old"] != qch["old"]:
            t.add("old_spelling")
        if rch["nur"] is not None and qch["nur"] is not None and rch["nur"] != qch["nur"]:
            t.add("nur_noor")
    if qch["nick"] or rch.get("nick"):
        t.add("nickname")
    if qch["typo"]:
        t.add("typo")
    # dates and ages
    rk, qk = rch["date_kind"], qch["date_kind"]
    if rk != "age" and qk != "age":
        dy = abs(int(reg["birth_date"][:4]) - int(req["birth_date"][:4]))
        if dy == 1:
            t.add("birth_year_off_1")
        elif dy == 2:
            t.add("birth_year_off_2")
        if qch["swapped"] and rk == "full":
            t.add("day_month_swapped")
    if rk in ("ym", "y") or qk in ("ym", "y"):
        t.add("partial_date")
    if rk == "age" or qk == "age":
        t.add("estimated_age")
    if rk == "age" and qk == "age":
        gap = abs((date.fromisoformat(reg["record_date"]) - date.fromisoformat(req["record_date"])).days)
        if gap >= 730:
            t.add("ages_years_apart")
    if not reg["sex"] or not req["sex"]:
        t.add("sex_missing")
    if not reg["nationality"] or not req["nationality"]:
        t.add("nationality_missing")
    if reg["place"] and req["place"] and reg["place"] != req["place"]:
        t.add("place_differs")
    if reg["id_number"] and req["id_number"]:
        t.add("id_number_both")
    if (reg["given_name"].lower(), reg["family_name"].lower()) == (req["given_name"].lower(), req["family_name"].lower()):
        t.add("names_identical")
    return sorted(t)


# ---------------------------------------------------------------- the set
def make(seed):
    rng = random.Random(seed)
    n_sib = int(N_REGISTRY * 0.05)
    base = [new_person(rng) for _ in range(N_REGISTRY - n_sib)]
    sibs = [new_person(rng, sibling_of=rng.choice(base)) for _ in range(n_sib)]
    registry_persons = base + sibs
    rng.shuffle(registry_persons)
    sought = rng.sample(range(N_REGISTRY), N_TRUE)
    n_absent = N_REQUESTS - N_TRUE
    n_absent_sib = n_absent // 10
    absent = [new_person(rng) for _ in range(n_absent - n_absent_sib)]
    absent += [new_person(rng, sibling_of=rng.choice(registry_persons)) for _ in range(n_absent_sib)]

    registry, reg_ch = [], {}
    for k, p in enumerate(registry_persons):
        row, ch = write_record(rng, p, "reg", f"P{k + 1:06d}")
        registry.append(row)
        reg_ch[k] = ch
    req_items = [("true", k) for k in sought] + [("absent", j) for j in range(n_absent)]
    rng.shuffle(req_items)
    requests, truth = [], []
    for n, (kind, k) in enumerate(req_items):
        rid = f"T{n + 1:06d}"
        p = registry_persons[k] if kind == "true" else absent[k]
        row, ch = write_record(rng, p, "req", rid)
        requests.append(row)
        if kind == "true":
            truth.append({"request_id": rid, "person_id": registry[k]["id"],
                          "phenomena": ";".join(phenomena(p, registry[k], reg_ch[k], row, ch))})
    return registry, requests, truth


def write_csv(path, rows, cols):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    a = ap.parse_args()
    registry, requests, truth = make(a.seed)
    os.makedirs(a.out, exist_ok=True)
    write_csv(os.path.join(a.out, "registry.csv"), registry, COLUMNS)
    write_csv(os.path.join(a.out, "requests.csv"), requests, COLUMNS)
    write_csv(os.path.join(a.out, "truth.csv"), truth, ["request_id", "person_id", "phenomena"])
    print(f"registry {len(registry)}, requests {len(requests)}, true links {len(truth)} -> {a.out}")


if __name__ == "__main__":
    main()
