//! "Did you mean" for misspelt keys: optimal string alignment distance
//! (Levenshtein plus adjacent transpositions), no dependency.

/// Edit distance counting insertions, deletions, substitutions and swaps
/// of two adjacent characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
}

/// The closest candidate within distance 2 (1 for very short words), if
/// any; ties go to the first candidate listed.
pub fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = if word.chars().count() <= 3 { 1 } else { 2 };
    let lower = word.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (edit_distance(&lower, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("enviroment", "environment"), 1);
        assert_eq!(edit_distance("prots", "ports"), 1);
        assert_eq!(edit_distance("imgae", "image"), 1);
    }

    #[test]
    fn suggestions() {
        let keys = [
            "environment",
            "image",
            "ports",
            "volumes",
            "command",
            "depends_on",
        ];
        assert_eq!(did_you_mean("enviroment", &keys), Some("environment"));
        assert_eq!(did_you_mean("imgae", &keys), Some("image"));
        assert_eq!(did_you_mean("port", &keys), Some("ports"));
        assert_eq!(did_you_mean("Ports", &keys), Some("ports"));
        assert_eq!(did_you_mean("depends-on", &keys), Some("depends_on"));
        assert_eq!(did_you_mean("volume", &keys), Some("volumes"));
        assert_eq!(did_you_mean("zzzzzz", &keys), None);
        assert_eq!(did_you_mean("cmd", &keys), None);
    }
}
