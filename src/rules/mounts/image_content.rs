//! Does the image put files at a path? Shared by M107 (a bind mount hides
//! them) and M110 (an anonymous volume freezes them).
//!
//! Only what the facts say counts: a directory whose content is classified
//! (program, data, or listed entries), or one a Dockerfile `COPY`/`ADD`
//! filled. An empty directory, one holding only dotfiles, or one whose
//! content is unknown is not "populated".

use crate::image::{Content, Evidence, PathFact, PathInfo, PathKind, ServiceImage};
use crate::rules::mounts::paths::is_within;

/// What the image holds at a directory.
pub struct Populated {
    /// The directory, after known symlinks.
    pub info: PathInfo,
    /// "the image's program files", "the files the build copied there", ...
    pub what: &'static str,
    /// The instruction or facts file that put them there.
    pub evidence: Evidence,
}

/// Is this evidence a Dockerfile `COPY` or `ADD`?
pub fn is_copy(ev: &Evidence) -> bool {
    match ev {
        Evidence::Dockerfile { instruction, .. } => {
            let kw = instruction.split_whitespace().next().unwrap_or("");
            kw.eq_ignore_ascii_case("COPY") || kw.eq_ignore_ascii_case("ADD")
        }
        _ => false,
    }
}

/// The image's content at `target`, when the facts say it has some.
pub fn populated(img: &ServiceImage, target: &str) -> Option<Populated> {
    if !img.is_known() {
        return None;
    }
    let PathFact::Exists(info) = img.path(target) else {
        return None;
    };
    if info.kind != Some(PathKind::Dir) {
        return None;
    }
    // A COPY/ADD below the directory, for the evidence.
    let copied_below = img
        .image
        .fs
        .entries
        .iter()
        .filter(|(k, _)| **k != info.path && is_within(k, &info.path))
        .find(|(_, e)| is_copy(&e.evidence))
        .map(|(_, e)| e.evidence.clone());
    let (what, evidence) = match info.content {
        Some(Content::Program) => ("the image's program files", info.evidence.clone()),
        Some(Content::Data) => ("the image's data files", info.evidence.clone()),
        Some(Content::Entries) | None => {
            if is_copy(&info.evidence) {
                ("the files the build copied there", info.evidence.clone())
            } else if let Some(ev) = copied_below {
                ("the files the build copied there", ev)
            } else if info.content == Some(Content::Entries) && info.evidence.is_image_itself() {
                ("the image's files", info.evidence.clone())
            } else {
                return None;
            }
        }
        Some(Content::Empty | Content::Dotfiles) => return None,
    };
    Some(Populated {
        info,
        what,
        evidence,
    })
}
