//! Parts' file names. An author names the files of a document's package
//! (`word/media/John_Smith_passport.jpg`, and a tool may write
//! `word/headerOkafor.xml` or `word/fonts/Hargreaves.odttf`), and the name
//! survives in the package even when the text is redacted. So every part
//! whose name the author or a tool may choose is renamed: pictures
//! `word/media/imageN.EXT`, headers and footers `word/headerN.xml` and
//! `word/footerN.xml`, themes `word/theme/themeN.xml`, embedded fonts
//! `word/fonts/fontN.EXT` (N counting from 1 in package order, per kind),
//! and each renamed part's relationships part with it. The extension is
//! kept when it is a plain one, because `[Content_Types].xml` gives a
//! part's type by its extension; the relationships that point at a renamed
//! part and any content-type override naming it are rewritten to the new
//! name, so the document still opens.

use std::collections::HashMap;

use quick_xml::events::{BytesStart, Event};

use super::xml::{attr, events, write_events};
use super::{dropped_part, is_text_part, relationship_target};
use crate::error::RedactError;

/// The longest extension kept as it is.
const MAX_EXTENSION: usize = 10;

/// A kind of part that is renamed.
struct Kind {
    /// The folder its files are directly in.
    folder: &'static str,
    /// Whether a file name there is one (besides being directly in it).
    is_kind: fn(&str) -> bool,
    /// The new file name's stem.
    stem: &'static str,
}

const KINDS: &[Kind] = &[
    Kind {
        folder: "word/media/",
        is_kind: |_| true,
        stem: "image",
    },
    Kind {
        folder: "word/",
        is_kind: is_header,
        stem: "header",
    },
    Kind {
        folder: "word/",
        is_kind: is_footer,
        stem: "footer",
    },
    Kind {
        folder: "word/theme/",
        is_kind: |_| true,
        stem: "theme",
    },
    Kind {
        folder: "word/fonts/",
        is_kind: |_| true,
        stem: "font",
    },
];

fn is_header(file: &str) -> bool {
    file.starts_with("header") && is_text_part(&format!("word/{file}"))
}

fn is_footer(file: &str) -> bool {
    file.starts_with("footer") && is_text_part(&format!("word/{file}"))
}

/// Each renamed part's new name, by its old name (both part names), and by
/// its old name percent-decoded: relationship targets and content-type part
/// names are URIs, so `Jane%20Smith.png` there is the entry `Jane Smith.png`
/// (and a package may store either form as the entry's name).
#[derive(Debug, Default)]
pub(super) struct PartNames {
    renamed: HashMap<String, String>,
    by_decoded: HashMap<String, String>,
    /// How many pictures were renamed, and how many other parts' names
    /// changed (a header already called `header1.xml` may keep its name).
    pictures: usize,
    others: usize,
}

/// `name` with its percent-escapes decoded, if it has any that decode to UTF-8.
fn decoded(name: &str) -> Option<String> {
    let text = percent_encoding::percent_decode_str(name)
        .decode_utf8()
        .ok()?;
    (text != name).then(|| text.into_owned())
}

/// The part a relationships part belongs to (`word/_rels/header2.xml.rels`
/// → `word/header2.xml`), and its folder.
fn owner_of_rels(name: &str) -> Option<(&str, &str)> {
    let at = name.rfind("_rels/")?;
    let folder = &name[..at];
    let file = name[at + "_rels/".len()..].strip_suffix(".rels")?;
    (!file.is_empty() && !file.contains('/') && (folder.is_empty() || folder.ends_with('/')))
        .then_some((folder, file))
}

impl PartNames {
    /// The new names of the parts among `names` (the package's entries, in
    /// order) that are renamed; parts the package drops are left out.
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str> + Clone) -> Self {
        let mut renamed: HashMap<String, String> = HashMap::new();
        let mut counts = [0usize; KINDS.len()];
        let (mut pictures, mut others) = (0, 0);
        for name in names.clone() {
            if dropped_part(name).is_some() || renamed.contains_key(name) {
                continue;
            }
            let Some((k, folder, stem, file)) = KINDS.iter().enumerate().find_map(|(k, kind)| {
                let file = name.strip_prefix(kind.folder)?;
                (!file.is_empty() && !file.contains('/') && (kind.is_kind)(file)).then_some((
                    k,
                    kind.folder,
                    kind.stem,
                    file,
                ))
            }) else {
                continue;
            };
            counts[k] += 1;
            let n = counts[k];
            let extension = file.rsplit_once('.').map(|(_, e)| e).filter(|e| {
                !e.is_empty()
                    && e.len() <= MAX_EXTENSION
                    && e.bytes().all(|b| b.is_ascii_alphanumeric())
            });
            let new = match extension {
                Some(e) => format!("{folder}{stem}{n}.{e}"),
                None => format!("{folder}{stem}{n}"),
            };
            if stem == "image" {
                pictures += 1;
            } else if new != name {
                others += 1;
            }
            renamed.insert(name.to_owned(), new);
        }
        // A renamed part's relationships go with it.
        for name in names {
            let Some((folder, file)) = owner_of_rels(name) else {
                continue;
            };
            if let Some(new) = renamed.get(&format!("{folder}{file}")) {
                let new_file = new.rsplit('/').next().unwrap_or(new);
                let new_rels = format!("{folder}_rels/{new_file}.rels");
                renamed.insert(name.to_owned(), new_rels);
            }
        }
        let by_decoded = renamed
            .iter()
            .map(|(old, new)| (decoded(old).unwrap_or_else(|| old.clone()), new.clone()))
            .collect();
        PartNames {
            renamed,
            by_decoded,
            pictures,
            others,
        }
    }

    /// How many pictures are renamed.
    pub fn pictures(&self) -> usize {
        self.pictures
    }

    /// How many other parts' names changed (headers, footers, themes, fonts).
    pub fn others(&self) -> usize {
        self.others
    }

    /// The new name of the part `part` names, written either way.
    fn renamed(&self, part: &str) -> Option<&String> {
        self.renamed.get(part).or_else(|| {
            self.by_decoded
                .get(decoded(part).as_deref().unwrap_or(part))
        })
    }

    /// The name a part is written under.
    pub fn of<'a>(&'a self, name: &'a str) -> &'a str {
        self.renamed.get(name).map_or(name, String::as_str)
    }

    /// The target to write for relationship `target` of the relationships
    /// part `rels`, if it points at a renamed part: only the file name
    /// changes, so the rest of the target (relative or absolute) stays.
    pub fn target(&self, rels: &str, target: &str) -> Option<String> {
        let new = self.renamed(&relationship_target(rels, target)?)?;
        let file = new.rsplit('/').next().unwrap_or(new);
        let folder = target.rfind('/').map_or("", |at| &target[..=at]);
        Some(format!("{folder}{file}"))
    }

    /// `[Content_Types].xml` with each override naming a renamed part
    /// pointing at its new name.
    pub fn content_types(&self, name: &str, bytes: Vec<u8>) -> Result<Vec<u8>, RedactError> {
        if self.renamed.is_empty() {
            return Ok(bytes);
        }
        let evs = events(name, &bytes)?;
        let renamed = evs.into_iter().map(|e| match &e {
            Event::Empty(s) if s.name().as_ref() == "Override" => match self.part_name(s) {
                Some(new) => Event::Empty(new),
                None => e,
            },
            _ => e,
        });
        write_events(name, renamed)
    }

    /// An override element with its part name changed, if it names a
    /// renamed part.
    fn part_name(&self, e: &BytesStart<'_>) -> Option<BytesStart<'static>> {
        let part = attr(e, "PartName")?;
        let new = self.renamed(part.trim_start_matches('/'))?;
        Some(with_attribute(e, "PartName", &format!("/{new}")))
    }
}

/// A copy of element `e` with attribute `key` set to `value`.
pub(super) fn with_attribute(e: &BytesStart<'_>, key: &str, value: &str) -> BytesStart<'static> {
    let name = e.name().as_ref().to_owned();
    let mut new = BytesStart::new(name);
    for a in e.attributes().flatten() {
        if a.key.as_ref() == key {
            new.push_attribute((key, value));
        } else {
            new.push_attribute(a);
        }
    }
    new
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_percent_encoded_target_or_part_name_finds_its_picture_either_way() {
        let rels = "word/_rels/document.xml.rels";
        let raw = PartNames::new(["word/media/Jane Smith.png"]);
        assert_eq!(
            raw.target(rels, "media/Jane%20Smith.png").as_deref(),
            Some("media/image1.png")
        );
        assert_eq!(
            raw.target(rels, "media/Jane Smith.png").as_deref(),
            Some("media/image1.png")
        );
        let encoded = PartNames::new(["word/media/Jane%20Smith%C3%A9.png"]);
        assert_eq!(
            encoded
                .target(rels, "media/Jane Smith\u{e9}.png")
                .as_deref(),
            Some("media/image1.png")
        );
        let override_ = BytesStart::from_content(
            r#"Override PartName="/word/media/Jane%20Smith.png" ContentType="image/png""#,
            8,
        );
        let renamed = raw.part_name(&override_).expect("renamed");
        assert_eq!(
            attr(&renamed, "PartName").as_deref(),
            Some("/word/media/image1.png")
        );
    }

    #[test]
    fn pictures_get_neutral_names_keeping_a_plain_extension() {
        let names = PartNames::new([
            "word/document.xml",
            "word/media/John_Smith_passport.JPG",
            "word/media/scan of Ann.png",
            "word/media/no-extension",
            "word/media/odd.ext-with-dash",
            "word/media/nested/x.png",
            "word/media/John_Smith_passport.JPG",
        ]);
        assert_eq!(names.pictures(), 4);
        assert_eq!(
            names.of("word/media/John_Smith_passport.JPG"),
            "word/media/image1.JPG"
        );
        assert_eq!(
            names.of("word/media/scan of Ann.png"),
            "word/media/image2.png"
        );
        assert_eq!(names.of("word/media/no-extension"), "word/media/image3");
        assert_eq!(
            names.of("word/media/odd.ext-with-dash"),
            "word/media/image4"
        );
        assert_eq!(names.of("word/document.xml"), "word/document.xml");
    }

    #[test]
    fn relationship_targets_keep_their_form_with_the_new_file_name() {
        let names = PartNames::new(["word/media/Ann Lee.png"]);
        let rels = "word/_rels/document.xml.rels";
        for (target, want) in [
            ("media/Ann Lee.png", Some("media/image1.png")),
            ("/word/media/Ann Lee.png", Some("/word/media/image1.png")),
            (
                "./media/../media/Ann Lee.png",
                Some("./media/../media/image1.png"),
            ),
            ("media/other.png", None),
            ("styles.xml", None),
        ] {
            assert_eq!(names.target(rels, target).as_deref(), want, "{target}");
        }
    }
}
