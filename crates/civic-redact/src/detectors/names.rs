//! People's names (and, off by default, organisations).
//!
//! There is no statistical model: a run of capitalised words is a name
//! when the gazetteers of first names and surnames, a title ("Mrs", "Cllr"),
//! an introducing phrase ("my name is", "Dear", "spoke to") or a sign-off
//! on the line above say so. Common English words that are also names
//! ("May", "Will", "Green") need a title or context to count.

use std::borrow::Cow;
use std::sync::LazyLock;

use rustc_hash::FxHashMap;

use crate::context::{Context, Cue};
use crate::detection::{Detection, Evidence};
use crate::label::Label;

const TITLES: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "prof",
    "professor",
    "cllr",
    "councillor",
    "sir",
    "dame",
    "lord",
    "lady",
    "rev",
    "revd",
    "reverend",
    "master",
    "judge",
    "pc",
    "ds",
    "di",
    "sgt",
];

/// Capitalised words that are in the name lists but are far more often
/// ordinary words in UK public-sector text. They count as names only next
/// to a title, another name word, or context.
const STOPWORDS: &str = "a about above after again against all also am an and any april are as at august back bank be \
because been before being below best between bill both brown but by call can care case centre child children church \
city close come council county court cross day dear december department did do does done down during each early east \
end england english estate even ever every family father february few field final first for form friday from full \
further general get given go good grant great green hall have he health help her here high hill his home hope house \
housing how i if in into is it its january july june just king kind land lane last late law left less life like \
little long lord love made make manager march mark may me member miss monday more most mother much must my name \
national near need never new next no north not note now number of office officer old on once one only or order other \
our out over page park part people person place please police post power price public road room rose royal said \
saturday school second see september service she should side since so social some south sports spring state still \
street summer sunday support team than thank thanks that the their them then there these they this thursday to today \
too town tuesday under unit up upon us very wales walk war ward water way we wednesday week well west what when where \
which while white who why will with without wood work would year yes you young your yours sincerely regards faithfully \
london leeds manchester birmingham bristol liverpool sheffield york newcastle cardiff edinburgh glasgow belfast \
nottingham leicester oxford cambridge brighton reading derby durham chester lancaster lincoln bath wells \
jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun \
nhs gp dob ref flat apartment road avenue drive crescent gardens terrace mews benefit benefits tax universal credit \
junior senior principal st station hospital infirmary surgery clinic school college university library museum office \
client clients tenant tenants resident residents applicant claimant patient patients officer officers hi hello \
options revenues badge subject many blue bin waste planning committee cabinet finance director chief executive \
adult adults social worker carer advice contact centre customer customers team leader assistant housing \
environmental health policy data protection freedom information act section request complaint complaints \
price wells day north young hunt french hall king brown green hill bird bush case cook miles page rich \
god jesus internet email online website please kindly dear sir madam morning afternoon evening \
christmas easter british scottish welsh irish european african asian american \
dr mr mrs ms mx sir madam \
president senator governor minister secretary chairman chairwoman mayor major sheriff vice \
islands island isles empire kingdom republic congress senate parliament assembly ministry \
county borough district valley river mountains hotel theatre theater cathedral abbey \
harbour federation commonwealth \
afghanistan albania algeria argentina australia austria bangladesh belgium brazil bulgaria \
cambodia canada chile china colombia croatia cuba cyprus denmark egypt estonia ethiopia \
finland france germany ghana greece hungary iceland indonesia iran iraq ireland italy japan \
korea latvia lebanon libya lithuania luxembourg malaysia malta mexico morocco nepal \
netherlands nigeria norway pakistan peru philippines poland portugal romania russia \
scotland serbia singapore slovakia slovenia somalia spain sudan sweden switzerland syria \
taiwan thailand tunisia turkey uganda ukraine uruguay venezuela vietnam yemen zambia \
zimbabwe africa asia europe antarctica \
alabama alaska arizona arkansas california colorado connecticut delaware florida hawaii \
idaho illinois iowa kansas kentucky louisiana maryland massachusetts michigan minnesota \
mississippi missouri nebraska nevada ohio oklahoma oregon pennsylvania tennessee texas utah \
vermont wisconsin wyoming";

/// Words that are never part of a name, even though a name list holds
/// them: greetings and the words that introduce names.
const NEVER_NAMES: &[&str] = &[
    // Acronyms of the trade that are also in the name lists.
    "nino",
    "nhs",
    "dob",
    "gp",
    "hmrc",
    "dwp",
    "pip",
    "esa",
    "jsa",
    "asb",
    "sar",
    "foi",
    "dvla",
    "iban",
    "ref",
    "dear",
    "hi",
    "hello",
    "client",
    "kind",
    "regards",
    "yours",
    "many",
    "thanks",
    "best",
    "from",
    "to",
    "cc",
    "re",
    "subject",
    "sincerely",
    "faithfully",
    "warm",
    "wishes",
    "signed",
    "name",
];

/// What the word lists say about one lower-case word.
#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    title: bool,
    never: bool,
    first: bool,
    surname: bool,
    stop: bool,
    /// One of [`PLACE_NOUNS`].
    place_noun: bool,
    /// One of [`ORG_SUFFIXES`].
    org_suffix: bool,
}

/// Every list above and the two gazetteers (`data/`), merged so that a
/// word is looked up once rather than in five lists. The keys are constants
/// of this crate, so a fast non-keyed hash is safe (the input only looks
/// words up, it never inserts).
static LEXICON: LazyLock<FxHashMap<String, Entry>> = LazyLock::new(|| {
    let mut lexicon: FxHashMap<String, Entry> = FxHashMap::default();
    let mut mark = |words: &mut dyn Iterator<Item = &str>, set: fn(&mut Entry)| {
        for w in words.map(str::trim).filter(|w| !w.is_empty()) {
            set(lexicon.entry(w.to_ascii_lowercase()).or_default());
        }
    };
    mark(&mut TITLES.iter().copied(), |e| e.title = true);
    mark(&mut NEVER_NAMES.iter().copied(), |e| e.never = true);
    mark(&mut STOPWORDS.split_whitespace(), |e| e.stop = true);
    mark(
        &mut include_str!("../../data/first_names.txt").lines(),
        |e| e.first = true,
    );
    mark(&mut include_str!("../../data/surnames.txt").lines(), |e| {
        e.surname = true
    });
    mark(&mut PLACE_NOUNS.iter().copied(), |e| e.place_noun = true);
    mark(&mut ORG_SUFFIXES.iter().copied(), |e| e.org_suffix = true);
    lexicon
});

/// Nouns that make the name before them a place: "Victoria Station".
const PLACE_NOUNS: &[&str] = &[
    "station",
    "hospital",
    "infirmary",
    "school",
    "college",
    "university",
    "library",
    "church",
    "park",
    "road",
    "street",
    "centre",
    "house",
    "hall",
    "court",
    "square",
    "gardens",
    "museum",
    "office",
    "council",
    "surgery",
    "clinic",
    "bridge",
    "avenue",
    "lane",
    "way",
    "academy",
    "stadium",
    "airport",
    "market",
    "islands",
    "island",
    "isles",
    "empire",
    "kingdom",
    "republic",
    "congress",
    "senate",
    "parliament",
    "assembly",
    "ministry",
    "county",
    "borough",
    "district",
    "valley",
    "river",
    "mountains",
    "hotel",
    "theatre",
    "theater",
    "cathedral",
    "abbey",
    "harbour",
    "federation",
];

/// Organisation suffixes: a capitalised run ending in one is an organisation.
const ORG_SUFFIXES: &[&str] = &[
    "ltd",
    "limited",
    "plc",
    "llp",
    "council",
    "trust",
    "group",
    "association",
    "society",
    "university",
    "college",
    "school",
    "bank",
    "partnership",
    "foundation",
    "agency",
    "authority",
    "department",
    "services",
    "service",
    "hospital",
    "surgery",
    "practice",
    "academy",
    "charity",
    "club",
    "church",
    "company",
    "corporation",
    "inc",
];

/// Finds the words that may be parts of names: a capital letter (`\p{Lu}`)
/// followed by letters (`\p{L}`), apostrophes and hyphens, and an optional
/// full stop ("Sarah", "O'Brien", "Gołota", "SMITH", "J."); word boundaries
/// are checked by the caller.
///
/// This is the regular expression `\p{Lu}[\p{L}'’\-]*\.?` searched from
/// left to right, written out by hand: a regex search per word was the
/// largest single cost of analysing a short document. ASCII is classified
/// directly; other characters by the Unicode classes of `regex-syntax`, the
/// tables the regex crate itself uses, so the words found are the same.
#[derive(Debug)]
struct WordScanner {
    /// `\p{Lu}` beyond ASCII, as sorted ranges.
    upper: Vec<(char, char)>,
    /// `[\p{L}'’\-]` beyond ASCII, as sorted ranges.
    letter: Vec<(char, char)>,
}

impl WordScanner {
    fn new() -> Self {
        WordScanner {
            upper: unicode_class(r"\p{Lu}"),
            letter: unicode_class(r"[\p{L}'’\-]"),
        }
    }

    fn is_upper(&self, c: char) -> bool {
        in_ranges(&self.upper, c)
    }

    fn is_letter(&self, c: char) -> bool {
        in_ranges(&self.letter, c)
    }

    /// The next word at or after byte `from` (a character boundary), as a
    /// byte range.
    fn next_word(&self, text: &str, from: usize) -> Option<(usize, usize)> {
        let bytes = text.as_bytes();
        let mut i = from;
        // The first capital letter.
        let start = loop {
            i = skip_to_capital_or_non_ascii(bytes, i);
            let b = *bytes.get(i)?;
            if b.is_ascii() {
                if b.is_ascii_uppercase() {
                    break i;
                }
                i += 1;
            } else {
                let c = text[i..].chars().next()?;
                if self.is_upper(c) {
                    break i;
                }
                i += c.len_utf8();
            }
        };
        i = start + text[start..].chars().next().map_or(1, char::len_utf8);
        // Then every letter, apostrophe and hyphen after it.
        while let Some(&b) = bytes.get(i) {
            if b.is_ascii() {
                if b.is_ascii_alphabetic() || b == b'\'' || b == b'-' {
                    i += 1;
                    continue;
                }
                break;
            }
            match text[i..].chars().next() {
                Some(c) if self.is_letter(c) => i += c.len_utf8(),
                _ => break,
            }
        }
        if bytes.get(i) == Some(&b'.') {
            i += 1;
        }
        Some((start, i))
    }
}

/// The first index at or after `i` (or the end of `bytes`) that holds an
/// ASCII capital or a byte of a non-ASCII character: where a name word can
/// start. Most of a text is neither, so it is skipped eight bytes at a time.
fn skip_to_capital_or_non_ascii(bytes: &[u8], mut i: usize) -> usize {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        // Per byte of the low seven bits (no carry can cross bytes):
        // b + 0x3f reaches 0x80 when b >= b'A', b + 0x25 when b > b'Z'.
        let y = x & LOW7;
        let upper = y.wrapping_add(0x3f3f_3f3f_3f3f_3f3f) & !y.wrapping_add(0x2525_2525_2525_2525);
        let found = (upper | x) & HIGH;
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while bytes
        .get(i)
        .is_some_and(|&b| b.is_ascii() && !b.is_ascii_uppercase())
    {
        i += 1;
    }
    i
}

/// The ranges of a Unicode character class, as `regex-syntax` (and so the
/// regex crate) defines it.
fn unicode_class(pattern: &str) -> Vec<(char, char)> {
    let hir = regex_syntax::parse(pattern).expect("the constant name-word classes parse");
    match hir.kind() {
        regex_syntax::hir::HirKind::Class(regex_syntax::hir::Class::Unicode(class)) => class
            .ranges()
            .iter()
            .map(|r| (r.start(), r.end()))
            .collect(),
        other => unreachable!("a character class parses as a class, not {other:?}"),
    }
}

fn in_ranges(ranges: &[(char, char)], c: char) -> bool {
    ranges
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

static WORDS: LazyLock<WordScanner> = LazyLock::new(WordScanner::new);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Title,
    First,
    Surname,
    FirstOrSurname,
    Initial,
    Unknown,
    /// A common word that is also in a name list ("Green", "Will"): part of
    /// a name only after a title or another name word.
    StopName,
    /// A word in capitals that no list knows: part of a name only next to
    /// one that a list does know ("PETER SKEHAN"), otherwise an acronym.
    CapsUnknown,
    Stop,
}

#[derive(Debug, Clone, Copy)]
struct Word {
    start: usize,
    end: usize,
    kind: Kind,
    /// The word, ignoring case, is one of [`PLACE_NOUNS`] or [`ORG_SUFFIXES`]
    /// ("Islands", "Council"): matched as the lexicon matches words
    /// (ASCII case, or `str::to_lowercase` for other words).
    place_or_org: bool,
    /// The word is one of [`ORG_SUFFIXES`] ignoring ASCII case only.
    org_suffix_ascii: bool,
}

/// What the lexicon says about one word: its kind, and the flags of [`Word`].
#[derive(Debug, Clone, Copy)]
struct Classified {
    kind: Kind,
    place_or_org: bool,
    org_suffix_ascii: bool,
}

#[cfg(test)]
fn classify(w: &str) -> Kind {
    classify_word(w, &mut String::new()).kind
}

/// Classifies a word; `lower` is a buffer reused from word to word, to save
/// an allocation for each.
fn classify_word(w: &str, lower: &mut String) -> Classified {
    let bare = w.trim_end_matches('.');
    // "James's" is looked up as "James".
    let bare = bare
        .strip_suffix("'s")
        .or_else(|| bare.strip_suffix("’s"))
        .unwrap_or(bare);
    lower.clear();
    if bare.is_ascii() {
        lower.push_str(bare);
        lower.make_ascii_lowercase();
    } else {
        // `str::to_lowercase`, not by character: a final sigma differs.
        lower.push_str(&bare.to_lowercase());
    }
    let lower = lower.as_str();
    let entry = LEXICON.get(lower).copied().unwrap_or_default();
    // The two lists hold plain words: a word stripped of "'s" or a full stop
    // is in neither.
    let whole = bare.len() == w.len();
    Classified {
        kind: kind_of(w, bare, lower, entry),
        place_or_org: whole && (entry.place_noun || entry.org_suffix),
        org_suffix_ascii: whole && entry.org_suffix && w.is_ascii(),
    }
}

fn kind_of(w: &str, bare: &str, lower: &str, entry: Entry) -> Kind {
    if entry.title {
        return Kind::Title;
    }
    let mut chars = bare.chars();
    if chars.next().is_some() && chars.next().is_none() {
        return if w == "I" || w == "A" {
            Kind::Stop
        } else {
            Kind::Initial
        };
    }
    if entry.never {
        return Kind::Stop;
    }
    let (first, surname) = (entry.first, entry.surname);
    if entry.stop {
        return if first || surname {
            Kind::StopName
        } else {
            Kind::Stop
        };
    }
    // Two capitals after a small letter ("FoRK", "SharePoint" is one and
    // passes) make a brand or a list's name, not a person's.
    if capitals_after_small_letter(bare) >= 2 {
        return Kind::Stop;
    }
    // Words in capitals are names only when a list knows them: otherwise
    // they are acronyms and headings (NHS, HMRC, URGENT).
    let all_caps = bare.chars().all(|c| !c.is_lowercase());
    // Short words in capitals are acronyms (AI, UK, HR), even when a name list holds them.
    if all_caps && bare.chars().count() <= 3 {
        return Kind::Stop;
    }
    match (first, surname) {
        (true, true) => Kind::FirstOrSurname,
        (true, false) => Kind::First,
        (false, true) => Kind::Surname,
        (false, false) if all_caps => Kind::CapsUnknown,
        // A double-barrelled name ("Pemberton-Vance", "Smith-Jones") that
        // no list holds whole: a surname when a part is a known name; its
        // last part's ending says nothing ("-Vance" is not a noun).
        (false, false) if lower.contains('-') => hyphenated_kind(lower),
        (false, false) if looks_like_a_noun(lower) => Kind::Stop,
        (false, false) => Kind::Unknown,
    }
}

/// The kind of a hyphenated word no list knows whole, from its parts.
fn hyphenated_kind(lower: &str) -> Kind {
    let parts: Vec<&str> = lower.split('-').filter(|p| !p.is_empty()).collect();
    let known = parts.iter().any(|p| {
        LEXICON
            .get(*p)
            .is_some_and(|e| (e.first || e.surname) && !e.stop && !e.never)
    });
    if parts.len() >= 2 && known {
        Kind::Surname
    } else if parts.iter().all(|p| looks_like_a_noun(p)) {
        Kind::Stop
    } else {
        Kind::Unknown
    }
}

/// How many capital letters come after the word's first small letter:
/// 0 for "Smith" and "SMITH", 1 for "McDonald" and "DeVito", 2 for "FoRK".
fn capitals_after_small_letter(word: &str) -> usize {
    word.chars()
        .skip_while(|c| !c.is_lowercase())
        .filter(|c| c.is_uppercase())
        .count()
}

pub(crate) fn load_tables() {
    LazyLock::force(&LEXICON);
    LazyLock::force(&WORDS);
}

/// English noun and adjective endings (not "-less": Corless, Bayless): a
/// capitalised word that no name list holds and that ends like this is a
/// heading word ("Services", "Adoption", "Management"), not a surname.
fn looks_like_a_noun(lower: &str) -> bool {
    const ENDINGS: &[&str] = &[
        "tion", "sion", "ment", "ness", "ship", "ance", "ence", "ity", "ogy", "ism", "ive", "ful",
        "able", "ible", "ical", "ing", "ure", "ers", "ors", "ies", "ics", "ices", "ages", "ings",
        "mme",
    ];
    // Comparing the last byte first rejects most endings without a
    // call to compare the rest.
    let Some(&last) = lower.as_bytes().last() else {
        return false;
    };
    ENDINGS.iter().any(|e| {
        e.as_bytes()[e.len() - 1] == last && lower.len() > e.len() + 2 && lower.ends_with(e)
    })
}

/// Finds names (and organisations) in `text`.
pub(crate) fn detect(text: &str, ctx: &Context, out: &mut Vec<Detection>) {
    let scanner = &*WORDS;
    // Room for the capitalised words of a short document without growing.
    let mut words: Vec<Word> = Vec::with_capacity(32);
    let mut lower = String::new();
    let mut from = 0;
    while let Some((start, end)) = scanner.next_word(text, from) {
        from = end;
        // A word starts after a non-letter and ends before one ("LS6" is not a word).
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        if before.is_some_and(char::is_alphanumeric) || after.is_some_and(char::is_alphanumeric) {
            continue;
        }
        let w = text[start..end].trim_end_matches(['-', '\'', '’']);
        let w = if w.len() > 2 && w.ends_with('.') {
            &w[..w.len() - 1]
        } else {
            w
        };
        let c = classify_word(w, &mut lower);
        words.push(Word {
            start,
            end: start + w.len(),
            kind: c.kind,
            place_or_org: c.place_or_org,
            org_suffix_ascii: c.org_suffix_ascii,
        });
    }
    let mut scratch = Vec::new();
    let mut i = 0;
    while i < words.len() {
        // A run: words joined by single spaces (or ". " after an initial).
        let mut j = i + 1;
        while j < words.len() && joined(text, &words[j - 1], &words[j]) {
            j += 1;
        }
        judge_run(text, ctx, &words[i..j], &mut scratch, out);
        i = j;
    }
}

fn joined(text: &str, a: &Word, b: &Word) -> bool {
    let gap = &text[a.end..b.start];
    gap == " "
        || (gap == ". " && a.kind == Kind::Initial)
        || (gap.is_empty() && text[a.start..a.end].ends_with('.'))
        || (a.kind != Kind::Stop && particles_between(gap))
}

/// The lower-case words that stand inside surnames ("van der Berg", "de
/// la Cruz", "bin Laden", "ap Rhys"): not capitalised, so the word scanner
/// does not see them, but part of the name.
const PARTICLES: &[&str] = &[
    "van", "von", "der", "den", "de", "da", "di", "du", "del", "della", "dos", "das", "le", "la",
    "ter", "ten", "bin", "ibn", "al", "el", "ap", "zu", "af", "y",
];

/// Whether a gap between two capitalised words is one or two surname
/// particles between single spaces (" van der ").
fn particles_between(gap: &str) -> bool {
    let Some(inner) = gap.strip_prefix(' ').and_then(|g| g.strip_suffix(' ')) else {
        return false;
    };
    let mut n = 0;
    for w in inner.split(' ') {
        if !PARTICLES.contains(&w) {
            return false;
        }
        n += 1;
    }
    (1..=2).contains(&n)
}

fn is_name_word(k: Kind) -> bool {
    matches!(
        k,
        Kind::First
            | Kind::Surname
            | Kind::FirstOrSurname
            | Kind::Initial
            | Kind::Unknown
            | Kind::StopName
    )
}

/// `scratch` is reused from run to run, to save an allocation for each.
fn judge_run(
    text: &str,
    ctx: &Context,
    run: &[Word],
    scratch: &mut Vec<Word>,
    out: &mut Vec<Detection>,
) {
    if run.len() >= 2 && run[run.len() - 1].org_suffix_ascii {
        let start = run
            .iter()
            .position(|w| w.kind != Kind::Stop || is_capital_stop(text, w))
            .unwrap_or(0);
        let (s, e) = (run[start].start, run[run.len() - 1].end);
        out.push(Detection::new(
            Label::Organisation,
            s,
            e,
            0.8,
            Evidence::new("organisation").check("organisation suffix"),
        ));
        return;
    }
    // Capitalised unknown words join a name only beside a known name word.
    let known = |k: Kind| {
        matches!(
            k,
            Kind::First | Kind::Surname | Kind::FirstOrSurname | Kind::Title
        )
    };
    scratch.clear();
    scratch.extend(run.iter().enumerate().map(|(i, w)| {
        let mut w = *w;
        // "Megan Lord": a title word after a first name is a surname.
        let after_first = i > 0 && matches!(run[i - 1].kind, Kind::First | Kind::FirstOrSurname);
        if w.kind == Kind::Title && after_first && text[w.start..w.end].len() > 3 {
            w.kind = Kind::Surname;
        }
        if w.kind == Kind::CapsUnknown {
            let beside =
                (i > 0 && known(run[i - 1].kind)) || run.get(i + 1).is_some_and(|n| known(n.kind));
            w.kind = if beside { Kind::Unknown } else { Kind::Stop };
        }
        w
    }));
    let run = scratch.as_slice();
    // Split the run on titles and stopwords; judge each stretch of name words.
    let mut k = 0;
    while k < run.len() {
        if !is_name_word(run[k].kind) {
            k += 1;
            continue;
        }
        let mut m = k;
        while m < run.len() && is_name_word(run[m].kind) {
            m += 1;
        }
        let title = k
            .checked_sub(1)
            .map(|t| run[t])
            .filter(|w| w.kind == Kind::Title);
        // "Marshall Islands", "Roman Empire", "Jones Council Tax".
        let place = run
            .get(m)
            .is_some_and(|w| w.kind == Kind::Stop && w.place_or_org);
        if place {
            k = m;
            continue;
        }
        if let Some(d) = judge_stretch(text, ctx, &run[k..m], title) {
            out.push(d);
        }
        k = m;
    }
}

fn is_capital_stop(text: &str, w: &Word) -> bool {
    !matches!(
        &text[w.start..w.end],
        "The" | "A" | "An" | "Dear" | "From" | "To"
    )
}

fn sentence_start(text: &str, at: usize) -> bool {
    let before = text[..at].trim_end_matches([' ', '\t', '"', '\'', '(']);
    before.is_empty() || before.ends_with(['.', '!', '?', '\n', ':', '-', '•', '*', '>'])
}

/// Past-tense verbs that start a case note's sentences: the regular ones
/// ("Visited", "Emailed") by their ending, and the common irregular ones.
fn looks_like_a_past_verb(word: &str) -> bool {
    const IRREGULAR: &[&str] = &[
        "rang", "met", "saw", "told", "spoke", "wrote", "sent", "gave", "took", "left", "heard",
        "made", "paid", "brought", "got", "went", "came", "found", "kept", "rung", "seen",
    ];
    let b = word.as_bytes();
    (b.len() > 4 && b[b.len() - 2..].eq_ignore_ascii_case(b"ed"))
        || IRREGULAR.iter().any(|v| v.eq_ignore_ascii_case(word))
}

fn judge_stretch(text: &str, ctx: &Context, s: &[Word], title: Option<Word>) -> Option<Detection> {
    // A common word that is also a name starts a name only after a title
    // or before another name word ("Mark Brown", not "Will").
    let mut s = s;
    if title.is_none() {
        let name_word = |k: Kind| {
            matches!(
                k,
                Kind::First | Kind::Surname | Kind::FirstOrSurname | Kind::StopName
            )
        };
        while s.first().is_some_and(|w| w.kind == Kind::StopName)
            && !(s.len() == 2 && name_word(s[1].kind))
        {
            s = &s[1..];
        }
        // "Rang Oliver Smith", "Visited Mohammed Khan": a case note's
        // sentence often starts with a verb in the past tense, which no
        // list knows; it is not part of the name that follows. (A first
        // name no list knows, "Jemma Bradley", stays part of the name.)
        if s.len() >= 2
            && s[0].kind == Kind::Unknown
            && sentence_start(text, s[0].start)
            && looks_like_a_past_verb(&text[s[0].start..s[0].end])
        {
            s = &s[1..];
        }
    }
    let (first_word, last_word) = (s.first()?, s.last()?);
    let (mut start, end) = (first_word.start, last_word.end);
    // "Mr van der Berg": the particles after the title are the surname's.
    if let Some(t) = title
        && particles_between(&text[t.end..first_word.start])
    {
        start = t.end + 1;
    }
    let unknown = s.iter().filter(|w| w.kind == Kind::Unknown).count();
    let has_initial = s.iter().any(|w| w.kind == Kind::Initial);
    let is_first = |k: Kind| matches!(k, Kind::First | Kind::FirstOrSurname | Kind::Initial);
    let is_surname = |k: Kind| matches!(k, Kind::Surname | Kind::FirstOrSurname | Kind::StopName);
    let (k0, kn) = (first_word.kind, last_word.kind);
    let context = ctx
        .just_before(text, start, Cue::NameIntro)
        .or_else(|| ctx.just_before(text, start, Cue::SignOff));

    let (mut score, check): (f32, Cow<'static, str>) = if let Some(t) = title {
        (0.95, format!("title {}", &text[t.start..t.end]).into())
    } else if s.len() == 2 && k0 == Kind::StopName && is_surname(kn) && kn != Kind::StopName {
        (0.75, "common word as first name before a surname".into())
    } else if s.len() >= 2 && is_first(k0) && is_surname(kn) && unknown == 0 {
        (0.9, "first name and surname gazetteers".into())
    } else if s.len() >= 2 && is_first(k0) && kn == Kind::Unknown && unknown == 1 {
        (0.7, "first name gazetteer and capitalised surname".into())
    } else if s.len() == 2 && k0 == Kind::Unknown && is_surname(kn) {
        // Weak alone ("Global Leader", "Services Board"): needs context.
        (0.45, "capitalised first name and surname gazetteer".into())
    } else if s.len() == 1 && matches!(k0, Kind::First | Kind::FirstOrSurname) {
        if sentence_start(text, start) {
            (0.5, "first name gazetteer at sentence start".into())
        } else {
            (0.6, "first name gazetteer".into())
        }
    } else if context.is_some() && s.len() <= 3 && !has_initial {
        (0.55, "capitalised words after an introducing phrase".into())
    } else {
        return None;
    };
    if s.len() > 4 {
        score *= 0.5;
    }
    // A lone word in capitals is a heading or an acronym unless a title says otherwise.
    let shouting = |w: &Word| !text[w.start..w.end].chars().any(char::is_lowercase);
    if s.len() == 1 && title.is_none() && shouting(first_word) {
        return None;
    }
    if context.is_some() {
        score = (score + 0.2_f32).min(0.97);
    }
    Some(Detection::new(
        Label::Person,
        start,
        end,
        score,
        Evidence::new("person name").check(check).context(context),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn scanned(text: &str) -> Vec<(usize, usize)> {
        let mut found = Vec::new();
        let mut from = 0;
        while let Some((s, e)) = WORDS.next_word(text, from) {
            found.push((s, e));
            from = e;
        }
        found
    }

    fn by_regex(text: &str) -> Vec<(usize, usize)> {
        static RE: LazyLock<regex::Regex> =
            LazyLock::new(|| regex::Regex::new(r"\p{Lu}[\p{L}'’\-]*\.?").unwrap());
        RE.find_iter(text).map(|m| (m.start(), m.end())).collect()
    }

    #[test]
    fn the_word_scanner_finds_what_the_name_word_regex_finds() {
        for text in [
            "",
            "Dear Mrs O'Brien-Smith, J. Gołota and ŁUKASZ ŻÓŁW met Ørjan.",
            "Kelvin \u{212A}elvin, Ǆemal, ǅemal, ᾈ and Ⅻ; ’Twas A.B.C. Mc-Donald’s",
            "LS6 2AB, iPhone, eBay, x-Ray, ÀÉÎ, Σίσυφος, ΣΊΣΥΦΟΣ, Д'Артаньян.",
            "e\u{301}E\u{301}lise, Ünal\u{308}, 漢字 Ａｂｃ Ｍr",
        ] {
            assert_eq!(scanned(text), by_regex(text), "{text}");
        }
    }

    proptest! {
        #[test]
        fn the_word_scanner_agrees_with_the_regex_on_any_text(text in "(\\PC|[A-Za-z .'’\\-]){0,48}") {
            prop_assert_eq!(scanned(&text), by_regex(&text));
        }
    }

    #[test]
    fn skipping_stops_at_every_capital_and_non_ascii_byte() {
        let text = "abc def ghi jkl Mno pqr@[`{ stu vwx yz \u{e9}t\u{e9} 0123456789 Z";
        let bytes = text.as_bytes();
        for from in 0..=bytes.len() {
            let want = (from..bytes.len())
                .find(|&i| bytes[i].is_ascii_uppercase() || !bytes[i].is_ascii())
                .unwrap_or(bytes.len());
            assert_eq!(
                skip_to_capital_or_non_ascii(bytes, from),
                want,
                "from {from}"
            );
        }
    }

    #[test]
    fn gazetteers_load_and_hold_common_uk_names() {
        let entry = |n: &str| LEXICON.get(n).copied().unwrap_or_default();
        for n in ["james", "sarah", "olivia"] {
            assert!(entry(n).first, "{n}");
        }
        for n in ["smith", "jones", "taylor", "patel", "evans"] {
            assert!(entry(n).surname, "{n}");
        }
        let firsts = LEXICON.values().filter(|e| e.first).count();
        let surnames = LEXICON.values().filter(|e| e.surname).count();
        assert!(firsts > 4000 && surnames > 10000);
    }

    #[test]
    fn common_words_that_are_names_are_stopwords() {
        for w in ["Please", "Benefits", "Housing"] {
            assert_eq!(classify(w), Kind::Stop, "{w}");
        }
        for w in ["May", "Will", "Green"] {
            assert_eq!(classify(w), Kind::StopName, "{w}");
        }
        assert_eq!(classify("Mrs"), Kind::Title);
        assert_eq!(classify("J"), Kind::Initial);
        assert!(matches!(
            classify("Smith"),
            Kind::Surname | Kind::FirstOrSurname
        ));
    }
}
