//! The unified diff `--diff` prints: the file's path on both header lines
//! (as `ruff --diff` and `git diff` name them), three lines of context.

use crate::fix::Change;
use similar::TextDiff;

/// The diff of one changed file; empty when nothing changed.
pub fn unified(change: &Change) -> String {
    if change.before == change.after {
        return String::new();
    }
    let path = crate::report::sanitize::path(&change.path);
    // `a/./base.yaml` would not apply with `git apply` or `patch -p1`, and
    // an absolute path would give `a//tmp/...`: git writes `a/tmp/...` for
    // `git diff --no-index /tmp/...`, which `patch -p1` applies from `/`.
    let path = path.strip_prefix("./").unwrap_or(&path);
    let path = path.trim_start_matches('/');
    TextDiff::from_lines(&change.before, &change.after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_line_with_context() {
        let c = Change {
            path: "compose.yaml".into(),
            before: "version: '3'\nservices:\n  a:\n    image: x\n".into(),
            after: "services:\n  a:\n    image: x\n".into(),
        };
        assert_eq!(
            unified(&c),
            "--- a/compose.yaml\n+++ b/compose.yaml\n@@ -1,4 +1,3 @@\n-version: '3'\n services:\n   a:\n     image: x\n"
        );
    }

    #[test]
    fn an_absolute_path_has_one_slash_after_the_prefix() {
        let c = Change {
            path: "/tmp/project/compose.yaml".into(),
            before: "a: 1\n".into(),
            after: "a: 2\n".into(),
        };
        let diff = unified(&c);
        assert!(
            diff.starts_with("--- a/tmp/project/compose.yaml\n+++ b/tmp/project/compose.yaml\n"),
            "{diff}"
        );
    }
}
