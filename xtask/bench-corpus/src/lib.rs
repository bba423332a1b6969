//! Empty: the corpus is the dependencies' source.
