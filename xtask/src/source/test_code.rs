//! Which attributes mark test code: `#[test]`, and a `#[cfg(..)]` that holds only when testing,
//! through `test` itself or through a cargo feature that the contract lists as a test feature
//! (`[modules] test_features`: the engines' reference `model`, the runtime's `testkit`). Code
//! under such a feature is never in the production build, so the trusted-core rules that skip
//! tests skip it too; code under any other feature is production code.

use syn::punctuated::Punctuated;

/// [`is_test_code_with`] without test features: only `test` makes test code.
#[must_use]
pub fn is_test_code(attrs: &[syn::Attribute]) -> bool {
    is_test_code_with(attrs, &[])
}

/// True for `#[test]`, `#[cfg(test)]` and `#[cfg(all(test, ..))]`-style attributes, and for a
/// `cfg` that holds only when one of `test_features` is on (`#[cfg(feature = "model")]`,
/// `#[cfg(any(test, feature = "testkit"))]`, `#[cfg(all(feature = "model", unix))]`).
#[must_use]
pub fn is_test_code_with(attrs: &[syn::Attribute], test_features: &[String]) -> bool {
    attrs.iter().any(|attr| {
        let path = attr.path();
        if path.is_ident("test") {
            return true;
        }
        if !path.is_ident("cfg") {
            return false;
        }
        let Ok(list) = attr.meta.require_list() else {
            return false;
        };
        // `cfg(test)`, `cfg(all(test, feature = ".."))`; not `cfg(not(test))`, nor
        // `cfg(any(test, feature = "serde"))` or `cfg(feature = "test-utils")` (production).
        list.parse_args::<syn::Meta>()
            .is_ok_and(|predicate| only_when_testing(&predicate, test_features))
    })
}

/// Whether the `cfg` predicate can hold only when `test` or a test feature is on: `all` needs
/// one such member, `any` needs every member to be one; `not` and the rest never are.
fn only_when_testing(predicate: &syn::Meta, test_features: &[String]) -> bool {
    match predicate {
        syn::Meta::Path(path) => path.is_ident("test"),
        syn::Meta::NameValue(pair) => {
            let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(name),
                ..
            }) = &pair.value
            else {
                return false;
            };
            pair.path.is_ident("feature") && test_features.iter().any(|f| *f == name.value())
        }
        syn::Meta::List(list) => {
            let parser = Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated;
            let Ok(members) = list.parse_args_with(parser) else {
                return false;
            };
            let mut members = members.iter();
            if list.path.is_ident("all") {
                members.any(|m| only_when_testing(m, test_features))
            } else if list.path.is_ident("any") {
                members.len() > 0 && members.all(|m| only_when_testing(m, test_features))
            } else {
                false
            }
        }
    }
}
