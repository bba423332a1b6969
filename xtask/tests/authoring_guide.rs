//! `docs/authoring-an-engine.md` cannot drift from the code: its `rust` blocks are doctests of
//! the runtime (checked here to stay wired in), and every other code block except `text` is an
//! excerpt, preceded by `<!-- excerpt: PATH -->`, whose lines must appear in PATH in order and
//! contiguous.

use std::path::Path;

const GUIDE: &str = "docs/authoring-an-engine.md";

/// One fenced code block of a markdown file.
struct Block {
    /// 1-based line of the opening fence.
    line: usize,
    info: String,
    /// The path of the `excerpt:` comment on the line before the fence, if any.
    excerpt: Option<String>,
    body: Vec<String>,
}

fn blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut previous: Option<&str> = None;
    let mut open: Option<Block> = None;
    for (index, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(fence) = trimmed.strip_prefix("```") {
            if let Some(block) = open.take() {
                blocks.push(block);
            } else {
                let excerpt = previous
                    .and_then(|p| p.trim().strip_prefix("<!-- excerpt:"))
                    .and_then(|p| p.strip_suffix("-->"))
                    .map(|p| p.trim().to_owned());
                open = Some(Block {
                    line: index + 1,
                    info: fence.trim().to_owned(),
                    excerpt,
                    body: Vec::new(),
                });
            }
        } else if let Some(block) = open.as_mut() {
            block.body.push(line.trim_end().to_owned());
        }
        if !line.trim().is_empty() {
            previous = Some(line);
        }
    }
    blocks
}

/// Every problem of the guide's code blocks, against files read by `read`.
fn check(markdown: &str, read: impl Fn(&str) -> Option<String>) -> Vec<String> {
    let mut problems = Vec::new();
    for block in blocks(markdown) {
        let at = format!("{GUIDE}:{}", block.line);
        let compiled = block.info.is_empty() || block.info == "rust";
        if compiled || block.info == "text" {
            if block.excerpt.is_some() {
                problems.push(format!(
                    "{at}: an excerpt must not be compiled: mark it `rust,ignore`"
                ));
            }
            continue;
        }
        let Some(path) = block.excerpt else {
            problems.push(format!(
                "{at}: a `{}` block is neither compiled (`rust`) nor an excerpt (`<!-- excerpt: PATH -->` above it)",
                block.info
            ));
            continue;
        };
        let Some(text) = read(&path) else {
            problems.push(format!("{at}: the excerpt's file {path} cannot be read"));
            continue;
        };
        let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
        let found = !block.body.is_empty()
            && lines
                .windows(block.body.len())
                .any(|window| window.iter().zip(&block.body).all(|(a, b)| a == b));
        if !found {
            problems.push(format!("{at}: {path} no longer holds this excerpt's lines"));
        }
    }
    problems
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

#[test]
fn every_code_block_of_the_guide_is_compiled_or_a_checked_excerpt() {
    let guide = std::fs::read_to_string(root().join(GUIDE)).unwrap();
    let problems = check(&guide, |path| {
        std::fs::read_to_string(root().join(path)).ok()
    });
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let blocks = blocks(&guide);
    assert!(
        blocks.iter().filter(|b| b.info == "rust").count() >= 2,
        "runnable examples"
    );
    assert!(
        blocks.iter().filter(|b| b.excerpt.is_some()).count() >= 4,
        "excerpts"
    );
}

#[test]
fn the_guide_s_rust_blocks_are_the_runtime_s_doctests() {
    let lib = std::fs::read_to_string(root().join("runtime/src/lib.rs")).unwrap();
    assert!(lib.contains("#[cfg(doctest)]"));
    assert!(lib.contains("include_str!(\"../../docs/authoring-an-engine.md\")"));
}

#[test]
fn a_drifted_excerpt_an_unmarked_block_and_a_missing_file_are_reported() {
    let guide = "\
<!-- excerpt: a.rs -->
```rust,ignore
fn b() {}
fn c() {}
```

```toml
x = 1
```

<!-- excerpt: missing.rs -->
```rust,ignore
fn a() {}
```

<!-- excerpt: a.rs -->
```rust
fn a() {}
```
";
    let read = |path: &str| {
        (path == "a.rs").then(|| "fn a() {}\nfn b() {}\nfn x() {}\nfn c() {}\n".to_owned())
    };
    let problems = check(guide, read);
    assert_eq!(problems.len(), 4, "{problems:#?}");
    assert!(
        problems[0].contains(":2: a.rs no longer holds"),
        "{}",
        problems[0]
    );
    assert!(
        problems[1].contains(":7: a `toml` block is neither"),
        "{}",
        problems[1]
    );
    assert!(
        problems[2].contains(":12: the excerpt's file missing.rs"),
        "{}",
        problems[2]
    );
    assert!(
        problems[3].contains(":17: an excerpt must not be compiled"),
        "{}",
        problems[3]
    );
    let good = "<!-- excerpt: a.rs -->\n```rust,ignore\nfn x() {}\nfn c() {}\n```\n";
    assert!(check(good, read).is_empty());
}
