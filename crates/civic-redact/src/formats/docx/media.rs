//! Pictures' file names. An author names the picture files of a document
//! (`word/media/John_Smith_passport.jpg`), and the name survives in the
//! package even when the text is redacted, so every picture the package
//! keeps is renamed `word/media/imageN.EXT` (N counting from 1 in package
//! order). The extension is kept when it is a plain one, because
//! `[Content_Types].xml` gives a picture's type by its extension; the
//! relationships that point at a picture and any content-type override
//! naming it are rewritten to the new name, so the document still opens.

use std::collections::HashMap;

use quick_xml::events::{BytesStart, Event};

use super::xml::{attr, events, write_events};
use super::{dropped_part, relationship_target};
use crate::error::RedactError;

const MEDIA: &str = "word/media/";

/// The longest extension kept as it is.
const MAX_EXTENSION: usize = 10;

/// A picture's new name, by its old name (both part names), and by its old
/// name percent-decoded: relationship targets and content-type part names
/// are URIs, so `Jane%20Smith.png` there is the entry `Jane Smith.png` (and
/// a package may store either form as the entry's name).
#[derive(Debug, Default)]
pub(super) struct MediaNames(HashMap<String, String>, HashMap<String, String>);

/// `name` with its percent-escapes decoded, if it has any that decode to UTF-8.
fn decoded(name: &str) -> Option<String> {
    let text = percent_encoding::percent_decode_str(name)
        .decode_utf8()
        .ok()?;
    (text != name).then(|| text.into_owned())
}

impl MediaNames {
    /// The new names of the pictures among `names` (the package's entries,
    /// in order); parts the package drops are left out.
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let mut renamed = HashMap::new();
        for name in names {
            let Some(file) = name.strip_prefix(MEDIA) else {
                continue;
            };
            if file.is_empty() || dropped_part(name).is_some() || renamed.contains_key(name) {
                continue;
            }
            let n = renamed.len() + 1;
            let extension = file.rsplit_once('.').map(|(_, e)| e).filter(|e| {
                !e.is_empty()
                    && e.len() <= MAX_EXTENSION
                    && e.bytes().all(|b| b.is_ascii_alphanumeric())
            });
            let new = match extension {
                Some(e) => format!("{MEDIA}image{n}.{e}"),
                None => format!("{MEDIA}image{n}"),
            };
            renamed.insert(name.to_owned(), new);
        }
        let by_decoded = renamed
            .iter()
            .map(|(old, new)| (decoded(old).unwrap_or_else(|| old.clone()), new.clone()))
            .collect();
        MediaNames(renamed, by_decoded)
    }

    /// The new name of the picture `part` names, written either way.
    fn renamed(&self, part: &str) -> Option<&String> {
        self.0
            .get(part)
            .or_else(|| self.1.get(decoded(part).as_deref().unwrap_or(part)))
    }

    /// The name a part is written under.
    pub fn of<'a>(&'a self, name: &'a str) -> &'a str {
        self.0.get(name).map_or(name, String::as_str)
    }

    /// How many pictures are renamed.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The target to write for relationship `target` of the relationships
    /// part `rels`, if it points at a renamed picture: only the file name
    /// changes, so the rest of the target (relative or absolute) stays.
    pub fn target(&self, rels: &str, target: &str) -> Option<String> {
        let new = self.renamed(&relationship_target(rels, target)?)?;
        let file = &new[MEDIA.len()..];
        let folder = target.rfind('/').map_or("", |at| &target[..=at]);
        Some(format!("{folder}{file}"))
    }

    /// `[Content_Types].xml` with each override naming a renamed picture
    /// pointing at its new name.
    pub fn content_types(&self, name: &str, bytes: Vec<u8>) -> Result<Vec<u8>, RedactError> {
        if self.0.is_empty() {
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
    /// renamed picture.
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
        let raw = MediaNames::new(["word/media/Jane Smith.png"]);
        assert_eq!(
            raw.target(rels, "media/Jane%20Smith.png").as_deref(),
            Some("media/image1.png")
        );
        assert_eq!(
            raw.target(rels, "media/Jane Smith.png").as_deref(),
            Some("media/image1.png")
        );
        let encoded = MediaNames::new(["word/media/Jane%20Smith%C3%A9.png"]);
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
        let names = MediaNames::new([
            "word/document.xml",
            "word/media/John_Smith_passport.JPG",
            "word/media/scan of Ann.png",
            "word/media/no-extension",
            "word/media/odd.ext-with-dash",
            "word/media/nested/x.png",
            "word/media/John_Smith_passport.JPG",
        ]);
        assert_eq!(names.len(), 4);
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
        let names = MediaNames::new(["word/media/Ann Lee.png"]);
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
