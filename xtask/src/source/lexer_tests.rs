//! Tests of the shared lexer.

use super::*;

fn texts(source: &str) -> Vec<(&str, Class, u32)> {
    tokenize(source)
        .iter()
        .map(|t| (&source[t.start as usize..t.end as usize], t.class, t.line))
        .collect()
}

#[test]
fn comments_and_whitespace_make_no_tokens() {
    let source = "/// doc\nfn a() { /* x /* nested */ y */ 1 } // tail\n//! inner\n";
    let found: Vec<&str> = texts(source).iter().map(|t| t.0).collect();
    assert_eq!(found, ["fn", "a", "(", ")", "{", "1", "}"]);
}

#[test]
fn literals_lifetimes_and_lines() {
    let source = "let s = r#\"a \" b\"#; 'x' '\\n' 'a b\"q\\\"\" b'c' 0x1F_u8 1.5e-3 x.0.1\n::<T>";
    let found = texts(source);
    let literal: Vec<&str> = found
        .iter()
        .filter(|t| t.1 == Class::Literal)
        .map(|t| t.0)
        .collect();
    assert_eq!(
        literal,
        [
            "r#\"a \" b\"#",
            "'x'",
            "'\\n'",
            "b\"q\\\"\"",
            "b'c'",
            "0x1F_u8",
            "1.5e-3",
            // `x.0.1` lexes its tuple indices as one float, as rustc's lexer does.
            "0.1"
        ]
    );
    assert!(found.contains(&("'a", Class::Ident, 1)));
    assert!(found.contains(&("::", Class::Punct, 2)));
}

#[test]
fn unterminated_input_does_not_panic() {
    for source in [
        "\"abc", "r#\"abc", "/* abc", "'", "b'", "1e", "r#", "\u{e9}x",
    ] {
        let _ = tokenize(source);
    }
}
