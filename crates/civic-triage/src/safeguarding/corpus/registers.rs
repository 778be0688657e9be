//! Filling a template's slots and writing it in a register, with typos.

use serde::{Deserialize, Serialize};

use civic_core::rng::SplitMix64;

/// How a message is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Register {
    /// A plain sentence or two.
    Plain,
    /// A formal letter.
    Formal,
    /// An angry e-mail.
    Angry,
    /// A web-form fragment: lowercase, little punctuation.
    WebForm,
    /// Text-speak and abbreviations.
    TextSpeak,
    /// English written by a non-native speaker.
    NonNative,
    /// Someone passing on what another person said.
    Reported,
    /// A long message where the concern is one sentence among ordinary requests.
    Long,
}

const REGISTERS: [Register; 8] = [
    Register::Plain,
    Register::Formal,
    Register::Angry,
    Register::WebForm,
    Register::TextSpeak,
    Register::NonNative,
    Register::Reported,
    Register::Long,
];

/// (noun phrase, he, him, his, self)
type Person = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const HE: [&str; 4] = ["he", "him", "his", "himself"];
const SHE: [&str; 4] = ["she", "her", "her", "herself"];

const WHO: &[(&str, bool)] = &[
    ("my neighbour", true),
    ("my neighbour", false),
    ("my sister", false),
    ("my brother", true),
    ("my friend", false),
    ("a friend of mine", true),
    ("the man next door", true),
    ("the lady across the road", false),
    ("one of our tenants", false),
    ("my cousin", true),
    ("my client", true),
    ("my flatmate", false),
    ("my son", true),
    ("my daughter", false),
    ("a woman at my church", false),
    ("my colleague", true),
];
const PARTNER: &[(&str, bool)] = &[
    ("partner", true),
    ("partner", false),
    ("husband", true),
    ("wife", false),
    ("boyfriend", true),
    ("girlfriend", false),
    ("ex", true),
    ("ex-husband", true),
];
const CHILD: &[(&str, bool)] = &[
    ("my little brother", true),
    ("my little sister", false),
    ("the boy next door", true),
    ("the little girl upstairs", false),
    ("my daughter", false),
    ("my son", true),
    ("my 14 year old", true),
    ("a girl in my son's class", false),
    ("a boy in my class", true),
    ("my granddaughter", false),
    ("my nephew", true),
    ("the 8 year old at number 5", true),
    ("my stepson", true),
    ("a pupil", false),
];
const ELDER: &[(&str, bool)] = &[
    ("my mum", false),
    ("my dad", true),
    ("my nan", false),
    ("my grandad", true),
    ("my elderly neighbour", false),
    ("the old man downstairs", true),
    ("the old lady next door", false),
    ("my uncle, who has a learning disability,", true),
    ("my aunt, who is 89,", false),
    ("my father who has dementia", true),
    ("a disabled tenant of ours", true),
];
const RELATIVE: &[(&str, bool)] = &[
    ("dad", true),
    ("stepdad", true),
    ("mum", false),
    ("mum's boyfriend", true),
    ("uncle", true),
    ("brother", true),
];
const PLACE: &[&str] = &[
    "the flat next door",
    "number 12",
    "the house opposite",
    "the flat above mine",
    "flat 3b",
    "the end terrace on Mill Lane",
    "the block on Station Road",
    "our building",
];
const TIME: &[&str] = &[
    "every night",
    "most days",
    "since last week",
    "all weekend",
    "again tonight",
    "for months",
    "right now",
    "",
];
const DAYS: &[&str] = &["Monday", "Tuesday", "Friday", "the bank holiday"];
const OPENERS: &[&str] = &[
    "Please can someone help.",
    "Hi,",
    "Hello, I don't know who else to contact.",
    "Sorry to bother you.",
    "",
];
const ORDINARY_BITS: &[&str] = &[
    "Also my bin has not been collected for two weeks.",
    "I also wanted to ask about my council tax bill.",
    "The street light outside is still broken too.",
    "Separately, when is the garden waste collection?",
    "And the repair to the kitchen window is still outstanding.",
    "I tried calling but the line was engaged for an hour.",
];
/// A formal letter's opening and closing lines.
const LETTER_FRAMES: &[(&str, &str)] = &[
    (
        "Dear Sir or Madam,",
        "I would be grateful if someone could contact me as soon as possible.",
    ),
    ("Dear Housing Officer,", "I look forward to your reply."),
    (
        "To whom it may concern,",
        "Thank you for your attention to this matter.",
    ),
    (
        "Dear Council,",
        "Please acknowledge receipt of this letter.",
    ),
];
/// Signatures: invented names, some with a title or an address.
const SIGNATURES: &[&str] = &[
    "A. Resident",
    "Mrs Joan Whitfield",
    "David Okonkwo",
    "Mr R. Patel, 14 Mill Lane",
    "Sarah McAllister (Ms)",
    "Tomasz Nowak",
    "Dr Helen Price, Flat 2, 9 Church Street",
    "Gareth Evans",
];
/// The line before the body: an account, a reference or an address, or nothing.
const REFERENCES: &[&str] = &[
    "",
    "",
    "Re: 27 Station Road.",
    "Reference: HSG-20417.",
    "Council tax account 40192837.",
    "I am writing about 3 Oak Close, Leeds LS6 2AB.",
    "My tenancy reference is T/55102.",
];
const REPORTERS: &[&str] = &[
    "My neighbour told me that",
    "A friend rang me in tears and said",
    "I'm writing on behalf of my sister, who says",
    "One of my customers mentioned that",
    "My daughter's friend told her that",
    "I work at the school and a parent said",
];

impl Register {
    pub(super) fn pick(rng: &mut SplitMix64) -> Register {
        *rng.pick(&REGISTERS)
    }

    /// The template with its slots filled, written in this register, perhaps with typos.
    pub(super) fn write(self, rng: &mut SplitMix64, template: &str) -> String {
        let sentence = capitalise(&fill(rng, template));
        let text = match self {
            Register::Plain => sentence,
            Register::Formal => {
                // Letters are signed and give an address or a reference, as real ones do:
                // the scorer masks them as personal data, and must learn that a
                // placeholder says nothing about a concern, in concerns and ordinary
                // letters alike.
                let (opening, close) = *rng.pick(LETTER_FRAMES);
                let signature = rng.pick(SIGNATURES);
                let reference = rng.pick(REFERENCES);
                format!(
                    "{opening}\n\n{reference} {sentence} {close}\n\nYours faithfully,\n{signature}"
                )
            }
            Register::Angry => format!(
                "This is the third time I have contacted you!! {sentence} Nobody ever does ANYTHING."
            ),
            Register::WebForm => sentence
                .to_lowercase()
                .replace([',', '.', '!'], "")
                .replace("  ", " "),
            Register::TextSpeak => text_speak(rng, &sentence),
            Register::NonNative => non_native(&sentence),
            Register::Reported => {
                let reporter = rng.pick(REPORTERS);
                format!("{reporter} {}", lower_first(&sentence))
            }
            Register::Long => {
                let a = rng.pick(ORDINARY_BITS);
                let b = rng.pick(ORDINARY_BITS);
                format!("{} {a}\n\n{sentence}\n\n{b} Thanks.", rng.pick(OPENERS))
            }
        };
        perturb(rng, text.trim())
    }
}

fn person(rng: &mut SplitMix64, list: &[(&'static str, bool)]) -> Person {
    let (name, male) = *rng.pick(list);
    let p = if male { HE } else { SHE };
    (name, p[0], p[1], p[2], p[3])
}

/// Fills every slot of a template with pronouns that agree.
fn fill(rng: &mut SplitMix64, template: &str) -> String {
    let who = person(rng, WHO);
    let partner = person(rng, PARTNER);
    let child = person(rng, CHILD);
    let elder = person(rng, ELDER);
    let relative = person(rng, RELATIVE);
    let day = rng.pick(DAYS);
    let place = rng.pick(PLACE);
    let time = rng.pick(TIME);
    let replacements: [(&str, &str); 20] = [
        ("{who}", who.0),
        ("{he}", who.1),
        ("{him}", who.2),
        ("{his}", who.3),
        ("{self}", who.4),
        ("{partner}", partner.0),
        ("{phe}", partner.1),
        ("{phim}", partner.2),
        ("{phis}", partner.3),
        ("{child}", child.0),
        ("{che}", child.1),
        ("{chim}", child.2),
        ("{chis}", child.3),
        ("{elder}", elder.0),
        ("{ehe}", elder.1),
        ("{ehim}", elder.2),
        ("{ehis}", elder.3),
        ("{relative}", relative.0),
        ("{place}", place),
        ("{time}", time),
    ];
    let mut out = template.replace("{day}", day).replace("{rhe}", relative.1);
    for (slot, value) in replacements {
        out = out.replace(slot, value);
    }
    out.replace(" ,", ",").replace(" .", ".").replace("  ", " ")
}

fn capitalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
            start = false;
        } else {
            out.push(c);
        }
        if matches!(c, '.' | '!' | '?') {
            start = true;
        }
    }
    out
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Common text-speak: words shortened, apostrophes and capitals dropped.
fn text_speak(rng: &mut SplitMix64, s: &str) -> String {
    const SWAPS: &[(&str, &str)] = &[
        ("you", "u"),
        ("your", "ur"),
        ("are", "r"),
        ("please", "pls"),
        ("tonight", "2nite"),
        ("today", "2day"),
        ("to", "2"),
        ("boyfriend", "bf"),
        ("girlfriend", "gf"),
        ("because", "coz"),
        ("people", "ppl"),
        ("someone", "sum1"),
        ("and", "n"),
        ("with", "wiv"),
        ("really", "rly"),
        ("know", "no"),
    ];
    let lower = s.to_lowercase().replace('\'', "");
    let words: Vec<String> = lower
        .split(' ')
        .map(|w| {
            let bare = w.trim_matches(|c: char| !c.is_alphanumeric());
            match SWAPS.iter().find(|(a, _)| *a == bare) {
                Some((_, b)) if rng.chance(0.7) => w.replace(bare, b),
                _ => w.to_string(),
            }
        })
        .collect();
    let mut out = words.join(" ").replace(['.', ','], "");
    if rng.chance(0.5) {
        out.push_str(" pls help");
    }
    out
}

/// English as some non-native speakers write it: articles dropped, a subject repeated.
fn non_native(s: &str) -> String {
    let words: Vec<&str> = s
        .split(' ')
        .filter(|w| !matches!(w.to_lowercase().as_str(), "the" | "a" | "an"))
        .collect();
    let mut out = words.join(" ");
    for (from, to) in [
        ("My husband ", "My husband he "),
        ("My neighbour ", "My neighbour she "),
        (" is ", " is being "),
        (" has not ", " is not "),
        (" for days", " since many days"),
    ] {
        if out.contains(from) {
            out = out.replacen(from, to, 1);
            break;
        }
    }
    out
}

/// Typos: now and then a letter dropped, doubled or swapped in one longer word; an
/// apostrophe lost; all capitals dropped.
fn perturb(rng: &mut SplitMix64, s: &str) -> String {
    let mut words: Vec<String> = s.split(' ').map(str::to_string).collect();
    if rng.chance(0.35) {
        let long: Vec<usize> = (0..words.len())
            .filter(|&i| words[i].chars().count() >= 5 && words[i].is_ascii())
            .collect();
        if !long.is_empty() {
            let i = *rng.pick(&long);
            let mut w: Vec<char> = words[i].chars().collect();
            let k = 1 + rng.below(w.len() - 2);
            match rng.below(3) {
                0 => {
                    w.remove(k);
                }
                1 => w.insert(k, w[k]),
                _ => w.swap(k, k - 1),
            }
            words[i] = w.into_iter().collect();
        }
    }
    let mut out = words.join(" ");
    if rng.chance(0.2) {
        out = out.replace('\'', "");
    }
    if rng.chance(0.15) {
        out = out.to_lowercase();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_register_fills_every_slot() {
        let mut rng = SplitMix64::new(3);
        for r in REGISTERS {
            let t = r.write(
                &mut rng,
                "{who} told me {he} is scared of {his} {partner} {time}.",
            );
            assert!(!t.contains('{') && !t.is_empty(), "{r:?}: {t}");
        }
    }
}
