//! Text-speak, common misspellings and stretched words rewritten to their plain spelling
//! before the rules look at a message, keeping the way back to the original offsets.
//!
//! People in distress write fast: "my bf hits me", "ive got nowhere 2 go 2nite",
//! "im sucidal", "pleeease help". The rules are written once, in plain English; this pass
//! brings the message to that form word by word:
//!
//! 1. a run of three or more of the same letter becomes two ("pleeease" → "please" via the
//!    variant list, "sooo" → "soo"), and if that form is not known, one;
//! 2. a fixed list of abbreviations and frequent misspellings ([`VARIANTS`]);
//! 3. a Damerau–Levenshtein distance of one (two for words of ten letters or more) to a
//!    few key words that are long and distinctive enough not to collide with ordinary words
//!    ([`KEY_WORDS`]), only for words of six letters or more with the same first letter;
//! 4. "2" read as "to" after a word that takes it ("nowhere 2 go", "want 2 die"), and
//!    nowhere else, so "my 2 kids" keeps its number.
//!
//! Every byte a rewritten word produces maps to the word's first character, except the
//! last byte, which maps to the word's last character; so a match on the rewritten text
//! still reports the words exactly as the person wrote them.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Abbreviations, text-speak and frequent misspellings, with their plain form.
const VARIANTS: &[(&str, &str)] = &[
    ("sleepin", "sleeping"),
    ("thinkin", "thinking"),
    ("tryin", "trying"),
    ("plannin", "planning"),
    ("machette", "machete"),
    ("machettes", "machetes"),
    ("hittin", "hitting"),
    ("beatin", "beating"),
    ("kickin", "kicking"),
    ("punchin", "punching"),
    ("threatenin", "threatening"),
    ("killin", "killing"),
    ("cuttin", "cutting"),
    ("screamin", "screaming"),
    ("cryin", "crying"),
    ("wavin", "waving"),
    ("swingin", "swinging"),
    ("carryin", "carrying"),
    ("holdin", "holding"),
    ("lettin", "letting"),
    ("watchin", "watching"),
    ("bleedin", "bleeding"),
    ("dyin", "dying"),
    ("groomin", "grooming"),
    ("chokin", "choking"),
    ("stabbin", "stabbing"),
    ("shootin", "shooting"),
    ("burnin", "burning"),
    ("smellin", "smelling"),
    ("hidin", "hiding"),
    ("starvin", "starving"),
    ("drinkin", "drinking"),
    ("shoutin", "shouting"),
    ("followin", "following"),
    ("stalkin", "stalking"),
    ("harassin", "harassing"),
    ("lockin", "locking"),
    ("livin", "living"),
    ("workin", "working"),
    ("takin", "taking"),
    ("goin", "going"),
    ("doin", "doing"),
    ("nothin", "nothing"),
    ("somethin", "something"),
    ("nites", "nights"),
    ("heeting", "heating"),
    ("postin", "posting"),
    ("pickin", "picking"),
    ("answerin", "answering"),
    ("turnin", "turning"),
    ("bangin", "banging"),
    ("sayin", "saying"),
    ("shakin", "shaking"),
    ("wanderin", "wandering"),
    ("movin", "moving"),
    ("smokin", "smoking"),
    ("hangin", "hanging"),
    ("sparkin", "sparking"),
    ("freezin", "freezing"),
    ("heatin", "heating"),
    ("ceilin", "ceiling"),
    ("mornin", "morning"),
    ("thru", "through"),
    ("em", "them"),
    ("lil", "little"),
    ("agen", "again"),
    ("evry", "every"),
    ("evry1", "everyone"),
    ("wud", "would"),
    ("dnt", "don't"),
    ("wat", "what"),
    ("wot", "what"),
    ("aint", "ain't"),
    ("nxt", "next"),
    ("m8", "mate"),
    ("dauter", "daughter"),
    ("daugter", "daughter"),
    ("askin", "asking"),
    ("bk", "back"),
    ("fone", "phone"),
    ("gona", "going to"),
    ("idk", "i don't know"),
    ("evrywhere", "everywhere"),
    ("ther", "there"),
    ("wrk", "work"),
    ("b", "be"),
    ("n", "and"),
    ("gud", "good"),
    ("hme", "home"),
    ("sed", "said"),
    ("sez", "says"),
    ("fink", "think"),
    ("bcoz", "because"),
    ("bcos", "because"),
    ("tho", "though"),
    ("mi", "my"),
    ("ma", "my"),
    ("u", "you"),
    ("ya", "you"),
    ("ur", "your"),
    ("r", "are"),
    ("pls", "please"),
    ("plz", "please"),
    ("pleease", "please"),
    ("plss", "please"),
    ("bf", "boyfriend"),
    ("gf", "girlfriend"),
    ("hubby", "husband"),
    ("husbund", "husband"),
    ("huband", "husband"),
    ("partener", "partner"),
    ("parnter", "partner"),
    ("mom", "mum"),
    ("mam", "mum"),
    ("mummy", "mum"),
    ("daddy", "dad"),
    ("bro", "brother"),
    ("sis", "sister"),
    ("kiddies", "kids"),
    ("nite", "night"),
    ("2nite", "tonight"),
    ("2night", "tonight"),
    ("tonite", "tonight"),
    ("2day", "today"),
    ("2moro", "tomorrow"),
    ("2morrow", "tomorrow"),
    ("tmrw", "tomorrow"),
    ("b4", "before"),
    ("wiv", "with"),
    ("wen", "when"),
    ("coz", "because"),
    ("cos", "because"),
    ("cuz", "because"),
    ("bc", "because"),
    ("ppl", "people"),
    ("sum1", "someone"),
    ("some1", "someone"),
    ("any1", "anyone"),
    ("no1", "no one"),
    ("noone", "no one"),
    ("nobodys", "nobody's"),
    ("im", "i'm"),
    ("ive", "i've"),
    ("dont", "don't"),
    ("doesnt", "doesn't"),
    ("didnt", "didn't"),
    ("cant", "can't"),
    ("cannt", "can't"),
    ("couldnt", "couldn't"),
    ("wont", "won't"),
    ("isnt", "isn't"),
    ("wasnt", "wasn't"),
    ("arent", "aren't"),
    ("hasnt", "hasn't"),
    ("havent", "haven't"),
    ("hes", "he's"),
    ("shes", "she's"),
    ("theyre", "they're"),
    ("thats", "that's"),
    ("wanna", "want to"),
    ("gonna", "going to"),
    ("gotta", "got to"),
    ("kms", "kill myself"),
    ("kys", "kill yourself"),
    ("unalive", "kill"),
    ("dv", "domestic violence"),
    ("od", "overdose"),
    ("od'd", "overdosed"),
    ("oded", "overdosed"),
    ("scarred", "scared"),
    ("scard", "scared"),
    ("skared", "scared"),
    ("frightend", "frightened"),
    ("affraid", "afraid"),
    ("afriad", "afraid"),
    ("beeting", "beating"),
    ("beatting", "beating"),
    ("beated", "beaten"),
    ("hiting", "hitting"),
    ("hitted", "hit"),
    ("kiling", "killing"),
    ("kil", "kill"),
    ("killd", "killed"),
    ("stabed", "stabbed"),
    ("stabing", "stabbing"),
    ("knive", "knife"),
    ("nife", "knife"),
    ("hurted", "hurt"),
    ("hurtin", "hurting"),
    ("bruses", "bruises"),
    ("brusies", "bruises"),
    ("lef", "left"),
    ("alown", "alone"),
    ("alon", "alone"),
    ("hungery", "hungry"),
    ("starveing", "starving"),
    ("dieing", "dying"),
    ("wana", "want to"),
    ("wnt", "want"),
    ("hav", "have"),
    ("nowere", "nowhere"),
    ("nowear", "nowhere"),
    ("somewere", "somewhere"),
    ("tonihgt", "tonight"),
    ("harrass", "harass"),
    ("harrassed", "harassed"),
    ("harrassing", "harassing"),
    ("harrassment", "harassment"),
    ("pasport", "passport"),
    ("passaport", "passport"),
    ("dementa", "dementia"),
    ("suicidle", "suicidal"),
    ("sucidal", "suicidal"),
    ("demensia", "dementia"),
    ("demenshia", "dementia"),
];

/// Long, distinctive words whose near misses are read as the word itself.
const KEY_WORDS: &[&str] = &[
    "suicidal",
    "suicide",
    "overdose",
    "overdosed",
    "threatened",
    "threatening",
    "threatens",
    "neglected",
    "neglecting",
    "homeless",
    "dementia",
    "violence",
    "trafficked",
    "trafficking",
    "harassing",
    "harassment",
    "molestation",
    "strangled",
    "strangling",
    "frightened",
    "terrified",
    "exploited",
    "exploiting",
    "controlling",
    "collapsed",
    "self-harm",
    "selfharm",
    "bruises",
    "evicting",
    "himself",
    "herself",
    "myself",
    "themselves",
    "assaulted",
    "collapse",
    "collapsed",
    "electric",
    "malnourished",
    "vulnerable",
];

/// Real words one letter away from a key word, left alone.
const NOT_MISSPELLINGS: &[&str] = &["hopeless", "violins", "selected", "strangles", "bruised"];

/// Words that join a following "self" or "selves" written apart ("kill my self").
const SELF_OWNERS: &[&str] = &["my", "him", "her", "them", "your", "our", "it"];

/// Words after which "2" is read as "to".
const BEFORE_TO: &[&str] = &[
    "nowhere",
    "somewhere",
    "go",
    "going",
    "want",
    "wants",
    "wanted",
    "need",
    "needs",
    "have",
    "has",
    "had",
    "got",
    "tried",
    "trying",
    "able",
    "allowed",
    "scared",
    "afraid",
    "back",
    "come",
    "me",
    "him",
    "her",
    "them",
    "used",
    "like",
    "ought",
    "try",
    "how",
];

/// The matching form of `norm` (already lowercased and whitespace-collapsed, `starts[i]`
/// the original offset of its byte `i`): each word rewritten as the module says.
pub(super) fn rewrite(norm: &str, starts: &[usize]) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(norm.len() + 16);
    let mut map = Vec::with_capacity(starts.len() + 16);
    let mut previous_word = String::new();
    let mut i = 0;
    let bytes = norm.as_bytes();
    while i < norm.len() {
        let Some(c) = norm[i..].chars().next() else {
            break;
        };
        if !is_word_char(c) {
            out.push(c);
            map.extend_from_slice(&starts[i..i + c.len_utf8()]);
            i += c.len_utf8();
            continue;
        }
        let mut j = i;
        while let Some(d) = norm[j..].chars().next().filter(|d| is_word_char(*d)) {
            j += d.len_utf8();
        }
        // A trailing apostrophe belongs to the quote, not the word.
        let mut end = j;
        while end > i && bytes[end - 1] == b'\'' {
            end -= 1;
        }
        let word = &norm[i..end];
        // "my self", "him self": one word, as the rules and the scorer know it.
        if matches!(word, "self" | "selves")
            && SELF_OWNERS.contains(&previous_word.as_str())
            && out.ends_with(' ')
            && out.len() >= 2
            && out[..out.len() - 1].ends_with(previous_word.as_str())
        {
            out.pop();
            map.pop();
        }
        match plain_form(word, &previous_word) {
            Some(plain) => {
                let first = starts[i];
                let last = starts[end - 1];
                let n = plain.len();
                out.push_str(&plain);
                map.extend(std::iter::repeat_n(first, n.saturating_sub(1)));
                map.push(last);
                previous_word = plain;
            }
            None => {
                out.push_str(word);
                map.extend_from_slice(&starts[i..end]);
                previous_word = word.to_string();
            }
        }
        out.push_str(&norm[end..j]);
        map.extend_from_slice(&starts[end..j]);
        i = j;
    }
    (out, map)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '\'' || c == '-'
}

/// The plain form of one word, or `None` when it is already plain.
fn plain_form(word: &str, previous: &str) -> Option<String> {
    if word.is_empty() {
        return None;
    }
    if word == "2" {
        return BEFORE_TO.contains(&previous).then(|| "to".to_string());
    }
    if let Some(plain) = variant(word) {
        return Some(plain.to_string());
    }
    let squeezed = squeeze(word, 2);
    if squeezed != word {
        if let Some(plain) = variant(&squeezed).or_else(|| near_key_word(&squeezed)) {
            return Some(plain.to_string());
        }
        let single = squeeze(word, 1);
        return Some(
            variant(&single)
                .or_else(|| near_key_word(&single))
                .map_or(squeezed, str::to_string),
        );
    }
    near_key_word(word).map(str::to_string)
}

/// The plain form of a listed variant. A map built once: the learned scorer rewrites every
/// training example too, and a scan of the list for every word was a tenth of its training.
fn variant(word: &str) -> Option<&'static str> {
    static MAP: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    MAP.get_or_init(|| {
        // The first entry of a variant listed twice wins, as the scan it replaces did.
        let mut map = HashMap::with_capacity(VARIANTS.len());
        for (v, plain) in VARIANTS {
            map.entry(*v).or_insert(*plain);
        }
        map
    })
    .get(word)
    .copied()
}

/// `word` with every run of three or more equal letters cut to `keep`.
fn squeeze(word: &str, keep: usize) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len());
    let mut k = 0;
    while k < chars.len() {
        let mut run = 1;
        while k + run < chars.len() && chars[k + run] == chars[k] {
            run += 1;
        }
        let n = if run >= 3 && chars[k].is_alphabetic() {
            keep
        } else {
            run
        };
        out.extend(std::iter::repeat_n(chars[k], n));
        k += run;
    }
    out
}

fn near_key_word(word: &str) -> Option<&'static str> {
    let len = word.chars().count();
    if len < 6 || KEY_WORDS.contains(&word) || NOT_MISSPELLINGS.contains(&word) {
        return None;
    }
    let first = word.chars().next();
    KEY_WORDS
        .iter()
        .filter(|k| k.chars().next() == first)
        .find(|k| {
            let allowed = if k.len() >= 10 { 2 } else { 1 };
            k.len().abs_diff(len) <= allowed && distance(word, k) <= allowed
        })
        .copied()
}

/// Optimal string alignment distance (Damerau–Levenshtein with adjacent swaps).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> String {
        let starts: Vec<usize> = (0..text.len()).collect();
        rewrite(text, &starts).0
    }

    #[test]
    fn text_speak_and_misspellings_become_plain_words() {
        let cases = [
            ("my bf hits me", "my boyfriend hits me"),
            (
                "ive got nowhere 2 go 2nite",
                "i've got nowhere to go tonight",
            ),
            ("my 2 kids", "my 2 kids"),
            ("im sucidal", "i'm suicidal"),
            ("i feel suicidle", "i feel suicidal"),
            ("pleeeease help", "please help"),
            ("killlll", "kill"),
            ("sooo scared", "soo scared"),
            ("he threatend me", "he threatened me"),
            ("i'm scarred of him", "i'm scared of him"),
            ("kill the weeds", "kill the weeds"),
            ("selected", "selected"),
            // g-dropped verbs of the concepts the rules look for; other words in -in stay.
            ("lad wavin a machete", "lad waving a machete"),
            ("she was hidin the marks", "she was hiding the marks"),
            ("the cabin in the park", "the cabin in the park"),
        ];
        for (text, want) in cases {
            assert_eq!(plain(text), want, "{text:?}");
        }
    }

    #[test]
    fn a_self_written_apart_is_joined_to_its_owner() {
        assert_eq!(
            plain("im thinkin of killin my self"),
            "i'm thinking of killing myself"
        );
        assert_eq!(plain("they hurt them selves"), "they hurt themselves");
        assert_eq!(plain("a self help group"), "a self help group");
    }

    #[test]
    fn a_rewritten_word_maps_back_to_the_original_word() {
        let text = "my bf hits me";
        let starts: Vec<usize> = (0..text.len()).collect();
        let (out, map) = rewrite(text, &starts);
        assert_eq!(out.len(), map.len());
        let s = out.find("boyfriend").unwrap_or(0);
        let e = s + "boyfriend".len();
        assert_eq!((map[s], map[e - 1]), (3, 4));
    }

    #[test]
    fn distance_counts_swaps_as_one() {
        for (a, b, d) in [
            ("suicidal", "suicdial", 1),
            ("abc", "abc", 0),
            ("a", "bc", 2),
        ] {
            assert_eq!(distance(a, b), d, "{a} {b}");
        }
    }
}
