//! What a partext function reports when it cannot answer, told apart by whose it is to fix.
//!
//! ```sql
//! FROM partext.partition_hash('events', 'user_id', 0);
//! -- Invalid Input Error: partition_hash: buckets must be between 1 and 1000000, got 0
//! ```
//!
//! The core says what is wrong ([`Error::User`]: an argument, a source or a setting the user
//! can change, and how) or that partext itself is at fault ([`Error::Internal`]: a bug, or a
//! host that broke what partext relies on). Messages carry no function name: the function the
//! user called is attached once ([`Error::named`]), where the DuckDB layer knows it, and
//! [`std::fmt::Display`] gives the host's text, `function: message`.

use std::fmt;

/// A partext error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The user's to fix: the message says what is wrong and what to pass or do instead.
    User { function: Option<String>, message: String },
    /// partext's to fix: the message says what failed.
    Internal { function: Option<String>, message: String },
}

/// A partext result.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// A user's error: `message` says what is wrong and how to fix it.
    pub fn user(message: impl Into<String>) -> Error {
        Error::User { function: None, message: message.into() }
    }

    /// An internal error: `message` says what failed inside partext.
    pub fn internal(message: impl Into<String>) -> Error {
        Error::Internal { function: None, message: message.into() }
    }

    /// The error as raised by `function`, the SQL function the user called (a name already
    /// attached stays).
    pub fn named(self, function: &str) -> Error {
        match self {
            Error::User { function: None, message } => Error::User { function: Some(function.to_string()), message },
            Error::Internal { function: None, message } => Error::Internal { function: Some(function.to_string()), message },
            named => named,
        }
    }

    /// The message without the function's name.
    pub fn message(&self) -> &str {
        match self {
            Error::User { message, .. } | Error::Internal { message, .. } => message,
        }
    }

    pub fn is_internal(&self) -> bool {
        matches!(self, Error::Internal { .. })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (function, internal) = match self {
            Error::User { function, .. } => (function, false),
            Error::Internal { function, .. } => (function, true),
        };
        if let Some(function) = function {
            write!(f, "{function}: ")?;
        }
        if internal {
            write!(f, "internal error: {}; this is a bug in partext, please report it with the statement that raised it", self.message())
        } else {
            f.write_str(self.message())
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_function_is_named_once_and_internal_errors_ask_for_a_report() {
        let e = Error::user("buckets must be between 1 and 1000000, got 0").named("partition_hash");
        assert_eq!(e.to_string(), "partition_hash: buckets must be between 1 and 1000000, got 0");
        // A name already attached is the one the user called; a later one does not replace it.
        assert_eq!(e.clone().named("partext_hash_manifest"), e);
        assert!(!e.is_internal());
        let i = Error::internal("field label got Int(None)").named("partition_hash");
        assert!(i.is_internal());
        assert!(i.to_string().starts_with("partition_hash: internal error: field label got Int(None); this is a bug in partext"));
        assert_eq!(Error::user("no file matches 'x'").to_string(), "no file matches 'x'");
        assert_eq!(i.message(), "field label got Int(None)");
    }
}
