//! What a failed check across facts says to the caseworker: the check's
//! own message and help, or, when the check could not be run at all, that
//! the rules are at fault. Not here: running checks (`eval::checks`) or
//! placing the error in a case file (`case`).

use crate::diagnostics::lower_first;
use crate::eval::FailedCheck;

impl FailedCheck<'_> {
    /// What is wrong with the case.
    pub fn message(&self) -> String {
        match &self.error {
            None => self.check.message.clone(),
            Some(e) => format!(
                "the check could not be run ({}), so the case cannot be trusted to it",
                lower_first(e.clone())
            ),
        }
    }

    /// What to do about it.
    pub fn help(&self) -> String {
        match (&self.check.help, &self.error) {
            (Some(h), None) => h.clone(),
            (_, Some(_)) => format!(
                "the check is declared in `{}`; report it to whoever maintains the rules",
                self.check.file
            ),
            (None, None) => format!(
                "correct {}",
                self.check
                    .reads
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        }
    }
}
