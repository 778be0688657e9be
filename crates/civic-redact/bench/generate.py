"""Generates the labelled UK evaluation set for civic-redact.

Deterministic: the same seed gives the same file. Each output line is
{"id", "kind", "text", "spans": [{"start", "end", "label"}]} with offsets in
Unicode code points. Names, postcodes and phone numbers come from Faker
en_GB; identifiers are built here so that their check digits and
structure are correct (Faker's NI numbers use the unallocated ZZ prefix).

Span conventions: PERSON excludes the title ("Mrs [Jane Smith]");
ADDRESS runs from the flat or house number through the locality lines and
excludes the postcode, which is its own POSTCODE span.

    python generate.py --seed 20261124 --count 2400 --out eval.jsonl
"""

import argparse
import json
import random
import unicodedata

from faker import Faker

SUFFIXES = ["Road", "Street", "Lane", "Avenue", "Close", "Drive", "Way", "Crescent", "Gardens", "Place",
            "Court", "Grove", "Terrace", "Walk", "Row", "Hill", "Green", "Park", "Mews", "View", "Rise"]
STEMS = ["Church", "Station", "Mill", "High", "Park", "Victoria", "Albert", "Queens", "Kings", "Manor",
         "Oak", "Elm", "Ash", "Willow", "Beech", "Chestnut", "Meadow", "Orchard", "North", "South", "West"]
TOWNS = ["Leeds", "Bradford", "Sheffield", "Manchester", "Salford", "Bolton", "Wigan", "Liverpool", "Preston",
         "Blackburn", "Newcastle upon Tyne", "Sunderland", "Durham", "Middlesbrough", "York", "Hull", "Lincoln",
         "Nottingham", "Derby", "Leicester", "Coventry", "Birmingham", "Wolverhampton", "Stoke-on-Trent",
         "Norwich", "Ipswich", "Cambridge", "Oxford", "Reading", "Swindon", "Bristol", "Bath", "Exeter",
         "Plymouth", "Truro", "Southampton", "Portsmouth", "Brighton", "Canterbury", "Maidstone", "Croydon",
         "Cardiff", "Swansea", "Newport", "Wrexham", "Edinburgh", "Glasgow", "Dundee", "Aberdeen", "Inverness",
         "Belfast", "Derry", "Carlisle", "Kendal", "Harrogate", "Doncaster", "Rotherham", "Barnsley", "Wakefield"]
DISTRICTS = ["Headingley", "Chapel Allerton", "Didsbury", "Moseley", "Clifton", "Heaton", "Jesmond", "Roundhay",
             "Kings Heath", "Gorton", "Everton", "Walkley", "Hillsborough", "Acomb"]
DOMAINS = ["gmail.com", "outlook.com", "hotmail.co.uk", "yahoo.co.uk", "btinternet.com", "icloud.com", "sky.com"]
TITLES = ["Mr", "Mrs", "Ms", "Miss", "Dr", "Cllr", "Mx"]
NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"
NINO_BAD = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
PLATE_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXY"
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


class Doc:
    """Text built piece by piece, recording labelled spans."""

    def __init__(self):
        self.parts, self.spans, self.n = [], [], 0

    def t(self, s):
        self.parts.append(s)
        self.n += len(s)
        return self

    def e(self, label, s):
        self.spans.append({"start": self.n, "end": self.n + len(s), "label": label})
        return self.t(s)

    def text(self):
        return "".join(self.parts)


# Most names are British; some come from other locales, as in any UK caseload
# (and they test names the gazetteers may not hold, including non-ASCII ones).
NAME_LOCALES = ["en_GB"] * 7 + ["en_IN", "en_IE", "pl_PL", "it_IT"]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.f = Faker("en_GB")
        self.f.seed_instance(seed)
        self.names = {loc: Faker(loc) for loc in set(NAME_LOCALES)}
        for i, loc in enumerate(sorted(self.names)):
            self.names[loc].seed_instance(seed + i + 1)

    def pick(self, xs):
        return self.r.choice(xs)

    def digits(self, n):
        return "".join(self.r.choice("0123456789") for _ in range(n))

    # ---- identifiers with correct structure -------------------------------------------
    def nhs(self, fmt=None):
        while True:
            d = [self.r.choice("4567")] + [self.r.choice("0123456789") for _ in range(8)]
            s = sum(int(x) * w for x, w in zip(d, range(10, 1, -1)))
            c = 11 - s % 11
            c = 0 if c == 11 else c
            if c != 10:
                break
        n = "".join(d) + str(c)
        fmt = fmt or self.r.choices(["space", "bare", "dash"], [6, 3, 1])[0]
        if fmt == "space":
            return f"{n[:3]} {n[3:6]} {n[6:]}"
        if fmt == "dash":
            return f"{n[:3]}-{n[3:6]}-{n[6:]}"
        return n

    def nhs_invalid_10(self):
        """A ten-digit number that passes mod-11 (a hard negative when not an NHS number)."""
        return self.nhs("bare")

    def nino(self):
        while True:
            p = self.pick(NINO_FIRST) + self.pick(NINO_SECOND)
            if p not in NINO_BAD:
                break
        d = self.digits(6)
        suf = self.pick("ABCD")
        style = self.r.choices(["compact", "spaced", "nosuffix"], [5, 4, 1])[0]
        if style == "compact":
            return f"{p}{d}{suf}"
        if style == "spaced":
            return f"{p} {d[:2]} {d[2:4]} {d[4:]} {suf}"
        return f"{p}{d}"

    def luhn_complete(self, prefix, length):
        d = prefix + self.digits(length - len(prefix) - 1)
        total = 0
        for i, ch in enumerate(reversed(d)):
            x = int(ch)
            if i % 2 == 0:
                x *= 2
                x = x - 9 if x > 9 else x
            total += x
        return d + str((10 - total % 10) % 10)

    def card(self):
        kind = self.r.choices(["visa", "mc", "amex"], [5, 4, 1])[0]
        if kind == "amex":
            n = self.luhn_complete(self.pick(["34", "37"]), 15)
            return f"{n[:4]} {n[4:10]} {n[10:]}" if self.r.random() < 0.6 else n
        n = self.luhn_complete("4" if kind == "visa" else str(self.r.randint(51, 55)), 16)
        style = self.r.choices(["space", "bare", "dash"], [6, 3, 1])[0]
        if style == "bare":
            return n
        sep = " " if style == "space" else "-"
        return sep.join(n[i:i + 4] for i in range(0, 16, 4))

    def iban(self):
        bank = "".join(self.r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4))
        bban = bank + self.digits(14)
        rearranged = bban + "GB00"
        num = int("".join(str(int(c, 36)) for c in rearranged))
        check = 98 - num % 97
        iban = f"GB{check:02d}{bban}"
        if self.r.random() < 0.5:
            return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
        return iban

    def sort_code(self):
        d = self.digits(6)
        return f"{d[:2]}-{d[2:4]}-{d[4:]}" if self.r.random() < 0.8 else d

    def plate(self):
        if self.r.random() < 0.85:
            age = self.pick([f"{y:02d}" for y in list(range(2, 26)) + list(range(51, 76))])
            a = self.pick(PLATE_LETTERS) + self.pick(PLATE_LETTERS)
            b = "".join(self.pick(PLATE_LETTERS.replace("O", "")) for _ in range(3))
            return f"{a}{age} {b}" if self.r.random() < 0.8 else f"{a}{age}{b}"
        letter = self.pick("ABCDEFGHJKLMNPRSTVWXY")
        return f"{letter}{self.r.randint(1, 999)} " + "".join(self.pick(PLATE_LETTERS) for _ in range(3))

    def dob(self):
        y, m, d = self.r.randint(1935, 2015), self.r.randint(1, 12), self.r.randint(1, 28)
        style = self.r.choices(["slash", "long", "iso", "dot"], [5, 3, 1, 1])[0]
        if style == "slash":
            return f"{d:02d}/{m:02d}/{y}", (d, m, y)
        if style == "long":
            return f"{d} {MONTHS[m - 1]} {y}", (d, m, y)
        if style == "iso":
            return f"{y}-{m:02d}-{d:02d}", (d, m, y)
        return f"{d:02d}.{m:02d}.{y}", (d, m, y)

    def licence(self, first, last, dmy):
        d, m, y = dmy
        # The DVLA uses the surname's ASCII letters only.
        ascii_last = unicodedata.normalize("NFKD", last).encode("ascii", "ignore").decode()
        sur = "".join(c for c in ascii_last.upper() if c.isalpha())[:5].ljust(5, "9")
        month = m + (50 if self.r.random() < 0.5 else 0)
        ascii_first = unicodedata.normalize("NFKD", first).encode("ascii", "ignore").decode() or "X"
        ini = (ascii_first[0] + "9").upper()
        return f"{sur}{str(y)[2]}{month:02d}{d:02d}{str(y)[3]}{ini}9{self.pick('ABCDEFGHJKLMNPRSTUVWXY')}{self.pick('ABCDEFGHJKLMNPRSTUVWXY')}"

    def phone(self):
        kind = self.r.choices(["faker", "mobile", "london", "geo"], [3, 3, 2, 2])[0]
        if kind == "faker":
            return self.f.phone_number()
        if kind == "mobile":
            n = "07" + self.pick(["4", "5", "7", "8", "9"]) + self.digits(8)
            return self.pick([f"{n[:5]} {n[5:]}", n, f"+44 {n[1:5]} {n[5:]}"])
        if kind == "london":
            n = "020" + self.pick("378") + self.digits(7)
            return self.pick([f"{n[:3]} {n[3:7]} {n[7:]}", f"({n[:3]}) {n[3:7]} {n[7:]}", f"+44 20 {n[3:7]} {n[7:]}"])
        code = self.pick(["0113", "0114", "0115", "0116", "0117", "0118", "0121", "0131", "0141", "0151", "0161", "0191"])
        n = code + self.pick("2345678") + self.digits(6)
        return self.pick([f"{n[:4]} {n[4:7]} {n[7:]}", n])

    def person(self):
        f = self.names[self.pick(NAME_LOCALES)]
        return f.first_name(), f.last_name()

    def email(self, first, last):
        first = first.encode("ascii", "ignore").decode() or "info"
        last = last.encode("ascii", "ignore").decode().replace(" ", "") or "mail"
        user = self.pick([f"{first}.{last}", f"{first[0]}{last}", f"{first}{self.r.randint(1, 99)}", f"{last}.{first}"])
        return f"{user.lower()}@{self.pick(DOMAINS)}"

    def street(self):
        stem = self.pick(STEMS) if self.r.random() < 0.6 else self.f.last_name()
        return f"{self.r.randint(1, 240)} {stem} {self.pick(SUFFIXES)}"

    def address_lines(self):
        lines = []
        if self.r.random() < 0.2:
            lines.append(f"Flat {self.r.randint(1, 30)}")
        lines.append(self.street())
        if self.r.random() < 0.3:
            lines.append(self.pick(DISTRICTS))
        lines.append(self.pick(TOWNS))
        return lines

    def postcode(self):
        return self.f.postcode()

    def ip(self):
        if self.r.random() < 0.85:
            return ".".join(str(self.r.randint(1, 254)) for _ in range(4))
        return "2001:db8:" + ":".join(f"{self.r.randint(0, 65535):x}" for _ in range(3)) + "::" + f"{self.r.randint(1, 999)}"

    def ref(self):
        return self.pick([f"HB/{self.r.randint(2019, 2025)}/{self.digits(5)}", f"INV-{self.digits(6)}",
                          f"CR{self.digits(7)}", f"Case {self.digits(6)}", f"REF{self.digits(8)}"])


def add_address(doc, g, sep, with_postcode=True):
    lines = g.address_lines()
    # Flat numbers join the street line with a comma in running text.
    doc.e("ADDRESS", sep.join(lines))
    if with_postcode:
        doc.t(sep if g.r.random() < 0.6 else " ")
        doc.e("POSTCODE", g.postcode())


def case_note(g, i):
    d = Doc()
    first, last = g.person()
    title = g.pick(TITLES)
    d.t(f"Case note {g.ref()}. ")
    opener = g.r.randint(0, 3)
    if opener == 0:
        d.t("Spoke to ").e("PERSON", f"{first} {last}").t(" today about the claim. ")
    elif opener == 1:
        d.t(f"{title} ").e("PERSON", last).t(" called the contact centre. ")
    elif opener == 2:
        d.t("Home visit to ").e("PERSON", f"{first} {last}").t(" at ")
        add_address(d, g, ", ")
        d.t(". ")
    else:
        d.t("Client ").e("PERSON", f"{first} {last}").t(" attended the drop-in. ")
    facts = g.r.sample(range(18), g.r.randint(2, 5))
    dmy = None
    for f in facts:
        if f == 0:
            s, dmy = g.dob()
            d.t(g.pick(["DOB: ", "Date of birth ", "born on ", "D.O.B. "])).e("DATE_OF_BIRTH", s).t(". ")
        elif f == 1:
            d.t(g.pick(["NHS number ", "NHS no. ", "NHS No: "])).e("NHS_NUMBER", g.nhs()).t(". ")
        elif f == 2:
            d.t(g.pick(["NI number ", "National Insurance number ", "NINO "])).e("NINO", g.nino()).t(". ")
        elif f == 3:
            d.t(g.pick(["Mobile ", "Tel: ", "Contact number ", "Phone "])).e("PHONE", g.phone()).t(". ")
        elif f == 4:
            d.t("Email ").e("EMAIL", g.email(first, last)).t(". ")
        elif f == 5:
            d.t("Lives at ")
            add_address(d, g, ", ")
            d.t(". ")
        elif f == 6:
            d.t("Paid by card ").e("CARD_NUMBER", g.card()).t(". ")
        elif f == 7:
            d.t("Bank details: sort code ").e("SORT_CODE", g.sort_code()).t(", account number ").e(
                "ACCOUNT_NUMBER", g.digits(8)).t(". ")
        elif f == 8:
            d.t("Refund to IBAN ").e("IBAN", g.iban()).t(". ")
        elif f == 9:
            d.t("Passport number ").e("PASSPORT", g.digits(9)).t(" seen. ")
        elif f == 10:
            if dmy is None:
                _, dmy = g.dob()
            d.t("Driving licence ").e("DRIVING_LICENCE", g.licence(first, last, dmy)).t(" checked. ")
        elif f == 11:
            d.t(g.pick(["Her car, registration ", "Vehicle reg ", "His van ("])).e("VEHICLE_REG", g.plate()).t(
                g.pick([", was parked outside. ", " noted. ", ") was blocking the drive. "]))
        elif f == 12:
            d.t("Logged in from ").e("IP_ADDRESS", g.ip()).t(". ")
        elif f == 13:
            handle = f"{first.lower()}.{last.lower()}".encode("ascii", "ignore").decode().replace(" ", "")
            d.t("Profile at ").e("URL", f"https://www.facebook.com/{handle}{g.r.randint(1, 99)}").t(". ")
        elif f == 14:
            # A name in running text with no introducing phrase.
            of, ol = g.person()
            d.t(g.pick(["The landlord, ", "Her neighbour ", "According to ", "A letter from "])).e("PERSON", f"{of} {ol}")
            d.t(g.pick([", has not replied. ", " says the repairs are done. ", ", the rent is paid. ", " arrived today. "]))
        elif f == 15:
            of, _ = g.person()
            d.t(f"{g.pick(['Her son', 'His daughter', 'Her partner'])} ").e("PERSON", of).t(" also attended. ")
        elif f == 16:
            # Names in capitals, as on forms.
            d.t("Name on form: ").e("PERSON", f"{first} {last}".upper()).t(". ")
        else:
            d.t("Phone number given was ").e("PHONE", g.phone()).t(g.pick([" (evenings). ", ". "]))
    add_hard_negatives(d, g, g.r.randint(0, 2))
    d.t(g.pick(["Agreed to call back on Friday.", "Referred to environmental health.", "No further action.",
                "Next review in six weeks."]))
    return d


def email(g, i):
    d = Doc()
    first, last = g.person()
    of, ol = g.person()
    d.t("From: ").e("PERSON", f"{first} {last}").t(" <").e("EMAIL", g.email(first, last)).t(">\n")
    # Every tool flags the council's mailbox as an e-mail address, so the gold does too.
    d.t("To: Housing Options <").e("EMAIL", "housing@council.gov.uk").t(">\nSubject: ")
    d.t(g.pick(["Repairs request", "Council tax query", "Complaint about missed bin collection", "Benefit claim"]))
    d.t("\n\n")
    d.t(g.pick(["Dear Sir or Madam,\n\n", "Hello,\n\n", "Dear ", "Hi "]))
    if d.text().endswith("Dear ") or d.text().endswith("Hi "):
        d.e("PERSON", of).t(",\n\n")
    d.t(g.pick(["I am writing about my flat at ", "There is a problem at my address, ", "I live at "]))
    add_address(d, g, ", ")
    d.t(g.pick([". The boiler has not worked since October. ", ". My bin was not collected on Monday. ",
                ". I was charged twice this month. "]))
    if g.r.random() < 0.5:
        d.t("My reference is ").t(g.ref()).t(". ")
    if g.r.random() < 0.5:
        d.t("You can reach me on ").e("PHONE", g.phone()).t(". ")
    if g.r.random() < 0.3:
        d.t("My NI number is ").e("NINO", g.nino()).t(". ")
    if g.r.random() < 0.3:
        s, _ = g.dob()
        d.t("My date of birth is ").e("DATE_OF_BIRTH", s).t(". ")
    add_hard_negatives(d, g, g.r.randint(0, 2))
    d.t(g.pick(["\n\nKind regards,\n", "\n\nMany thanks,\n", "\n\nYours faithfully,\n", "\n\nBest wishes\n"]))
    d.e("PERSON", f"{first} {last}" if g.r.random() < 0.7 else first).t("\n")
    return d


def letter(g, i):
    d = Doc()
    first, last = g.person()
    title = g.pick(TITLES)
    d.t(f"{title} ").e("PERSON", f"{first} {last}").t("\n")
    add_address(d, g, "\n")
    d.t(f"\n\n{g.r.randint(1, 28)} {g.pick(MONTHS)} 2025\n\nOur ref: {g.ref()}\n\n")
    d.t(f"Dear {title} ").e("PERSON", last).t(",\n\n")
    d.t(g.pick(["Thank you for your application for a Blue Badge. ", "We have reviewed your housing benefit claim. ",
                "Your council tax account is in arrears. "]))
    if g.r.random() < 0.4:
        d.t("We hold your National Insurance number as ").e("NINO", g.nino()).t(". ")
    if g.r.random() < 0.4:
        s, _ = g.dob()
        d.t("Our records show your date of birth as ").e("DATE_OF_BIRTH", s).t(". ")
    if g.r.random() < 0.3:
        d.t("Payments will be made to sort code ").e("SORT_CODE", g.sort_code()).t(", account ").e(
            "ACCOUNT_NUMBER", g.digits(8)).t(". ")
    add_hard_negatives(d, g, g.r.randint(1, 3))
    of, ol = g.person()
    d.t("If you have any questions please contact ").e("PERSON", f"{of} {ol}").t(" on ").e("PHONE", g.phone()).t(".\n\n")
    d.t("Yours sincerely,\n\n").e("PERSON", f"{of} {ol}").t("\nRevenues and Benefits\n")
    return d


def add_hard_negatives(d, g, n):
    for _ in range(n):
        k = g.r.randint(0, 10)
        if k == 0:
            d.t(f"Invoice number {g.digits(8)} was paid. ")
        elif k == 1:
            d.t(f"Order {g.nhs_invalid_10()} has been dispatched. ")
        elif k == 2:
            d.t(f"The meeting is on {g.r.randint(1, 28):02d}/{g.r.randint(1, 12):02d}/2025 at 10:30. ")
        elif k == 3:
            d.t(f"The amount due is £{g.r.randint(10, 4000)}.{g.digits(2)}. ")
        elif k == 4:
            d.t(f"Ticket {g.digits(10)} was closed. ")
        elif k == 5:
            d.t("The Housing Options team will review this under Section 21 of the Housing Act 1988. ")
        elif k == 6:
            d.t(f"Version {g.r.randint(1, 9)}.{g.r.randint(0, 9)}.{g.r.randint(0, 20)} of the form is attached. ")
        elif k == 7:
            d.t(f"Please quote reference {g.ref()} in all correspondence. ")
        elif k == 8:
            d.t(f"The works started on {g.r.randint(1, 28)} {g.pick(MONTHS)} 2024 and will take 6 weeks. ")
        elif k == 9:
            d.t(g.pick(["Referred to St James's Hospital. ", "Met at Victoria Station. ", "Bought at John Lewis. ",
                        "Seen at Manchester Royal Infirmary. ", "Forwarded to Leeds City Council. ",
                        "Discussed at the Church Street office. "]))
        else:
            d.t("May and June are our busiest months; Will from the Leeds office can help. ")


NO_PII = [
    "The Council's waste collection calendar for {y} is now available online. Garden waste collections resume in March.",
    "Reminder: the Planning Committee meets on {d} {m} {y} in Committee Room 2. Papers are published five working days before.",
    "Council tax bands A to H apply. The {y}/{y2} charge for Band D is £{a}.{c}. Direct Debit dates are the 1st, 8th, 15th or 22nd.",
    "Invoice {n} for £{a}.{c} was approved by Finance on {dd}/{mm}/{y}. Purchase order PO-{n2}.",
    "The Housing Options service is open Monday to Friday, 9am to 5pm. Call the main switchboard for out-of-hours emergencies.",
    "Ticket {t} closed: streetlight repaired on Church Road. Order number {o} raised for replacement parts.",
    "Version {v} of the Data Protection Policy was agreed by the Cabinet. The next review is due in {m} {y2}.",
    "Road closure: the A{r} will be closed between junctions 4 and 5 from {dd}/{mm}/{y} for resurfacing.",
]


def no_pii(g, i):
    d = Doc()
    tmpl = g.pick(NO_PII)
    d.t(tmpl.format(y=g.r.randint(2020, 2026), y2=g.r.randint(2021, 2027), d=g.r.randint(1, 28), m=g.pick(MONTHS),
                    a=g.r.randint(900, 2500), c=g.digits(2), n=g.digits(8), n2=g.digits(6), dd=f"{g.r.randint(1, 28):02d}",
                    mm=f"{g.r.randint(1, 12):02d}", t=g.digits(10), o=g.nhs_invalid_10(), v=f"{g.r.randint(1, 5)}.{g.r.randint(0, 9)}",
                    r=g.r.randint(1, 999)))
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=20261124)
    ap.add_argument("--count", type=int, default=2400)
    ap.add_argument("--out", default="eval.jsonl")
    args = ap.parse_args()
    g = Gen(args.seed)
    kinds = [("case_note", case_note, 4), ("email", email, 3), ("letter", letter, 2), ("no_pii", no_pii, 1)]
    with open(args.out, "w", encoding="utf-8") as out:
        for i in range(args.count):
            name, fn, _ = g.r.choices(kinds, [k[2] for k in kinds])[0]
            doc = fn(g, i)
            out.write(json.dumps({"id": f"{name}-{i:05d}", "kind": name, "text": doc.text(), "spans": doc.spans},
                                 ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
