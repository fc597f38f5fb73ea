//! What a command's run came to, and the exit code each outcome is given:
//! every command returns an `Outcome`, and `main` alone turns it into the
//! process's exit code (`code`). Not here: the messages, which each command
//! prints as it finds a problem, before it returns.
//!
//! The codes are the contract of `cli.md`: 0 the command did what it was
//! asked and found nothing wrong; 1 it did, and what it found is bad news
//! (the user asked about exactly that); 2 it could not do what it was
//! asked; 128 + N killed by signal N while writing an output file.

/// What every command's `run` returns.
pub type Outcome = Result<Success, Failure>;

/// The command did what it was asked, and found nothing wrong: exit 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Success;

/// Why a command did not succeed. Whatever the user needs to know has
/// been printed already; this says only which kind of failure it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The command ran through, and found what it is there to look for:
    /// exit 1.
    Found(Finding),
    /// What the user gave cannot be used: an argument, a case, a file of
    /// cases, an input or output that cannot be read or opened: exit 2.
    BadInput,
    /// The rules cannot be used: nowhere to be found, unreadable, or with
    /// errors, for a command that needs them to load: exit 2.
    BadRules,
    /// The rules load but a script of theirs failed on this case at run
    /// time: the rules are at fault, not the case: exit 2.
    RulesFailed,
    /// The results could not be written in full (the output file,
    /// standard output or standard error failed): exit 2, since 1 would
    /// read as a finding and 0 as a success.
    Output,
    /// Something no input explains (a thread that could not start, a
    /// result that could not be serialised): exit 2.
    Internal,
}

/// What a command that ran through found, which makes its exit code 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finding {
    /// `check`: the rules have errors.
    RuleErrors,
    /// `test`: a golden test failed.
    FailedTests,
    /// `test FILTER`: no golden test matched, which must not look green.
    NoTestMatched,
    /// `test --coverage`: a rule no golden test fires, or none sees not firing.
    UncoveredRules,
    /// `batch`: some input lines became error lines.
    ErrorLines,
    /// `diff --exit-code`: the two sides differ.
    Differences,
}

impl Failure {
    /// The process's exit code for this failure.
    pub fn code(self) -> u8 {
        match self {
            Failure::Found(_) => 1,
            Failure::BadInput
            | Failure::BadRules
            | Failure::RulesFailed
            | Failure::Output
            | Failure::Internal => 2,
        }
    }
}

/// The process's exit code for an outcome.
pub fn code(outcome: Outcome) -> u8 {
    match outcome {
        Ok(Success) => 0,
        Err(failure) => failure.code(),
    }
}

/// The exit code of a run killed by `signal` while it wrote an output file
/// (130 SIGINT, 143 SIGTERM, 129 SIGHUP), as a shell reports a process
/// killed by it. The one code not given by `main`: the signal arrives on
/// a thread of its own while the command is still running.
pub fn interrupted(signal: i32) -> i32 {
    128 + signal
}

/// `Found(finding)` if `found`, else success: for a command whose finding
/// is a yes or no.
pub fn found_if(found: bool, finding: Finding) -> Outcome {
    if found {
        Err(Failure::Found(finding))
    } else {
        Ok(Success)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_is_0_findings_are_1_and_every_other_failure_is_2() {
        assert_eq!(code(Ok(Success)), 0);
        for finding in [
            Finding::RuleErrors,
            Finding::FailedTests,
            Finding::NoTestMatched,
            Finding::UncoveredRules,
            Finding::ErrorLines,
            Finding::Differences,
        ] {
            assert_eq!(code(Err(Failure::Found(finding))), 1);
        }
        for failure in [
            Failure::BadInput,
            Failure::BadRules,
            Failure::RulesFailed,
            Failure::Output,
            Failure::Internal,
        ] {
            assert_eq!(code(Err(failure)), 2);
        }
    }

    #[test]
    fn a_run_killed_by_a_signal_exits_as_a_shell_reports_it() {
        assert_eq!(interrupted(2), 130);
        assert_eq!(interrupted(15), 143);
        assert_eq!(interrupted(1), 129);
    }
}
