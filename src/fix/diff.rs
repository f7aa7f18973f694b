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
    // `a/./base.yaml` would not apply with `git apply` or `patch -p1`.
    let path = path.strip_prefix("./").unwrap_or(&path);
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
}
