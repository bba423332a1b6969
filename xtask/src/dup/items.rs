//! What syn items are units, what reports call them, and where each item ends.

use proc_macro2::Span;

pub(super) fn delimiter_close(delimiter: &syn::MacroDelimiter) -> Span {
    match delimiter {
        syn::MacroDelimiter::Paren(p) => p.span.close(),
        syn::MacroDelimiter::Brace(b) => b.span.close(),
        syn::MacroDelimiter::Bracket(b) => b.span.close(),
    }
}

/// The span of the last token of `item` (`}` or `;`), or `None` for verbatim items.
pub(super) fn item_end(item: &syn::Item) -> Option<Span> {
    use syn::Item;
    Some(match item {
        Item::Const(i) => i.semi_token.spans[0],
        Item::Enum(i) => i.brace_token.span.close(),
        Item::ExternCrate(i) => i.semi_token.spans[0],
        Item::Fn(i) => i.block.brace_token.span.close(),
        Item::ForeignMod(i) => i.brace_token.span.close(),
        Item::Impl(i) => i.brace_token.span.close(),
        Item::Macro(i) => i
            .semi_token
            .map_or_else(|| delimiter_close(&i.mac.delimiter), |s| s.spans[0]),
        Item::Mod(i) => match (&i.content, &i.semi) {
            (Some((brace, _)), _) => brace.span.close(),
            (None, Some(semi)) => semi.spans[0],
            (None, None) => return None,
        },
        Item::Static(i) => i.semi_token.spans[0],
        Item::Struct(i) => match (&i.semi_token, &i.fields) {
            (Some(semi), _) => semi.spans[0],
            (None, syn::Fields::Named(named)) => named.brace_token.span.close(),
            _ => return None,
        },
        Item::Trait(i) => i.brace_token.span.close(),
        Item::TraitAlias(i) => i.semi_token.spans[0],
        Item::Type(i) => i.semi_token.spans[0],
        Item::Union(i) => i.fields.brace_token.span.close(),
        Item::Use(i) => i.semi_token.spans[0],
        _ => return None,
    })
}

pub(super) fn item_label(item: &syn::Item) -> Option<String> {
    use syn::Item;
    Some(match item {
        Item::Fn(i) => format!("fn {}", i.sig.ident),
        Item::Struct(i) => format!("struct {}", i.ident),
        Item::Enum(i) => format!("enum {}", i.ident),
        Item::Trait(i) => format!("trait {}", i.ident),
        Item::Const(i) => format!("const {}", i.ident),
        Item::Static(i) => format!("static {}", i.ident),
        Item::Macro(i) if i.mac.path.is_ident("macro_rules") => {
            format!("macro_rules! {}", i.ident.as_ref()?)
        }
        _ => return None,
    })
}

pub(super) fn impl_label(block: &syn::ItemImpl) -> String {
    let name = type_name(&block.self_ty);
    match &block.trait_ {
        Some((_, path, _)) => {
            let last = path.segments.last().map(|s| s.ident.to_string());
            format!("impl {} for {name}", last.unwrap_or_default())
        }
        None => format!("impl {name}"),
    }
}

/// A short name for a type: the last path segment (`Wal` for `crate::wal::Wal<T>`).
pub(super) fn type_name(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(path) => path
            .path
            .segments
            .last()
            .map_or_else(String::new, |s| s.ident.to_string()),
        syn::Type::Reference(reference) => type_name(&reference.elem),
        other => {
            let mut text = quote::quote!(#other).to_string();
            text.retain(|c| !c.is_whitespace());
            text
        }
    }
}
