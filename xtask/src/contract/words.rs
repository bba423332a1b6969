//! Whole words of identifiers: `release_slot` is `release slot`, `ResultCode` is
//! `result code`, `HTTPFrame` is `http frame`; `threshold` is one word, so it does not contain
//! `hold`.

/// The lowercase words of `ident`, split at `_`, at lowercase-to-uppercase changes, at the
/// last capital of an acronym (`HTTPFrame`), and between letters and digits.
#[must_use]
pub fn split(ident: &str) -> Vec<String> {
    let chars: Vec<char> = ident.trim_start_matches("r#").chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' {
            flush(&mut current, &mut words);
            continue;
        }
        let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
        let next = chars.get(i + 1).copied();
        let boundary = prev.is_some_and(|p| {
            (c.is_uppercase() && (p.is_lowercase() || p.is_ascii_digit()))
                || (c.is_uppercase() && p.is_uppercase() && next.is_some_and(char::is_lowercase))
                || (c.is_ascii_digit() && p.is_alphabetic())
                || (c.is_alphabetic() && p.is_ascii_digit())
        });
        if boundary {
            flush(&mut current, &mut words);
        }
        current.extend(c.to_lowercase());
    }
    flush(&mut current, &mut words);
    words
}

fn flush(current: &mut String, words: &mut Vec<String>) {
    if !current.is_empty() {
        words.push(std::mem::take(current));
    }
}

/// Whether `words` holds `phrase` (a `snake_case` word or sequence such as `result_code`) as
/// consecutive whole words; the last word may carry a plural `s` or `es`
/// (`leases` holds `lease`).
#[must_use]
pub fn contains(words: &[String], phrase: &str) -> bool {
    let wanted: Vec<&str> = phrase.split('_').filter(|w| !w.is_empty()).collect();
    let Some((last, head)) = wanted.split_last() else {
        return false;
    };
    words.windows(wanted.len()).any(|window| {
        let Some((got_last, got_head)) = window.split_last() else {
            return false;
        };
        got_head.iter().zip(head).all(|(a, b)| a == b)
            && [String::new(), "s".to_owned(), "es".to_owned()]
                .iter()
                .any(|suffix| *got_last == format!("{last}{suffix}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_split_into_whole_words() {
        assert_eq!(split("release_slot"), ["release", "slot"]);
        assert_eq!(split("ResultCode"), ["result", "code"]);
        assert_eq!(split("HTTPFrame"), ["http", "frame"]);
        assert_eq!(
            split("max_wal_payload_bytes"),
            ["max", "wal", "payload", "bytes"]
        );
        assert_eq!(split("crc32c"), ["crc", "32", "c"]);
        assert_eq!(split("FRAME_HEADER_LEN"), ["frame", "header", "len"]);
        assert_eq!(split("r#type"), ["type"]);
    }

    #[test]
    fn phrases_match_whole_words_only() {
        let has = |ident: &str, phrase: &str| contains(&split(ident), phrase);
        assert!(has("release_slot", "release"));
        assert!(!has("threshold", "hold"));
        assert!(has("HoldTable", "hold"));
        assert!(has("active_leases", "lease"));
        assert!(has("ResultCode", "result_code"));
        assert!(has("last_result_code_seen", "result_code"));
        assert!(!has("result_slot_code", "result_code"));
        assert!(!has("pooled", "pool"));
        assert!(!has("commander", "command"));
    }
}
