//! Tests of the nesting scanner: each shape is found where it first passes the limit, and
//! delimiters inside comments and literals do not count.

use super::*;

/// `(line, column)` of the first delimiter past `limit`.
fn deep(text: &str, limit: usize) -> Option<(usize, usize)> {
    find_too_deep(text, limit).map(|d| (d.line, d.column))
}

#[test]
fn each_shape_is_refused_at_the_first_delimiter_past_the_limit() {
    let parens = format!(
        "fn f() {{\n    let x = {}1{};\n}}\n",
        "(".repeat(5),
        ")".repeat(5)
    );
    // `{` of the body is level 1; the parentheses are levels 2 to 6 from column 13.
    assert_eq!(deep(&parens, 6), None);
    assert_eq!(deep(&parens, 5), Some((2, 17)));
    assert_eq!(deep(&parens, 1), Some((2, 13)));
    let blocks = format!("fn f() {{\n{}{}\n}}\n", "{".repeat(8), "}".repeat(8));
    assert_eq!(deep(&blocks, 9), None);
    assert_eq!(deep(&blocks, 4), Some((2, 4)));
    let mac = format!(
        "fn f() {{\n    m!({}{});\n}}\n",
        "[".repeat(9),
        "]".repeat(9)
    );
    assert_eq!(deep(&mac, 11), None);
    assert_eq!(deep(&mac, 10), Some((2, 16)));
}

#[test]
fn depth_counts_open_delimiters_not_all_delimiters_seen() {
    // Siblings do not add up: `(()) (())` is two levels deep.
    assert_eq!(deep("(()) (()) [{}] {[]}", 2), None);
    assert_eq!(deep("(()) (()) [{}] {[()]}", 2), Some((1, 18)));
    // A stray closer does not make the depth negative (syn reports the file).
    assert_eq!(deep(")))(((", 2), Some((1, 6)));
}

#[test]
fn delimiters_in_comments_do_not_count() {
    assert_eq!(
        deep("// ((((\n/* [[[[ /* nested {{{{ */ ]]]] ((( */ ()", 1),
        None
    );
    assert_eq!(deep("/// ((((\n//! {{{{\n/** [[[[ */ ()", 1), None);
    // The comment ends where the nesting ends, not at the first `*/`.
    assert_eq!(deep("/* /* */ ((( */ ((", 1), Some((1, 18)));
}

#[test]
fn delimiters_in_string_literals_do_not_count() {
    for text in [
        r#"f("((((", "{{ \" [[[ ")"#,
        r#"f(b"((((", c"[[[[", b"\" ((")"#,
        r###"f(r"((((", r#"[[[[ " {{{{"#, r##"a "# ((("##)"###,
        r##"f(br"((((", br#"[[[[ " {{{{"#, cr#"((("#)"##,
        "f(\"multi\n((((\nline\")",
    ] {
        assert_eq!(deep(text, 1), None, "{text}");
    }
    // The literal ends where it ends: what follows counts again.
    assert_eq!(deep(r##"f(r#"((("#, (1))"##, 1), Some((1, 13)));
}

#[test]
fn delimiters_in_char_literals_do_not_count_and_lifetimes_are_not_char_literals() {
    assert_eq!(
        deep("f('(', '[', '{', b'(', '\\'', '\\\\', '\\u{28}', 'é')", 1),
        None
    );
    // `'a` is a lifetime: the `(` after it counts, it does not close a char literal.
    assert_eq!(deep("fn f<'a>(x: &'a (u8, (u8)))", 2), Some((1, 22)));
    assert_eq!(
        deep("'outer: loop { 'inner: loop { (x) } }", 2),
        Some((1, 31))
    );
    assert_eq!(deep("fn f<'a, 'b>(x: &'a [&'b [u8]])", 2), Some((1, 26)));
    // A quote inside a string does not open a char literal either.
    assert_eq!(deep("f(\"'\", ((1)))", 2), Some((1, 9)));
}

#[test]
fn raw_identifiers_are_not_raw_strings() {
    assert_eq!(deep("r#match(((1)))", 2), Some((1, 10)));
    assert_eq!(deep("let br = 1; let r = (r#\"(\"#)", 1), None);
}

#[test]
fn lines_and_columns_count_through_multiline_literals_and_in_characters() {
    let text = "/* a\nb */ \"c\nd\" r#\"\n\"#\n  é ((x))";
    assert_eq!(deep(text, 1), Some((5, 6)));
    assert_eq!(deep("'\n'((", 1), Some((2, 3)));
}

#[test]
fn unterminated_input_does_not_panic_and_says_nothing() {
    for text in [
        "\"abc (((",
        "r#\"abc",
        "/* abc ((",
        "'",
        "b'",
        "r#",
        "br##",
        "'\\",
        "\u{e9}x",
        "(",
    ] {
        assert_eq!(deep(text, 1), None, "{text}");
    }
}

#[test]
fn the_message_names_the_limit() {
    let message = too_deep_message(MAX_NESTING_DEPTH);
    assert!(message.contains("more than 256 deep"), "{message}");
}

#[test]
fn a_file_just_under_the_limit_is_not_refused() {
    let body = format!(
        "{}1{}",
        "(".repeat(MAX_NESTING_DEPTH - 1),
        ")".repeat(MAX_NESTING_DEPTH - 1)
    );
    let text = format!("fn f() -> u8 {{\n    {body}\n}}\n");
    assert_eq!(deep(&text, MAX_NESTING_DEPTH), None);
    let text = format!("fn f() -> u8 {{\n    ({body})\n}}\n");
    assert_eq!(
        deep(&text, MAX_NESTING_DEPTH),
        Some((2, 4 + MAX_NESTING_DEPTH))
    );
}
